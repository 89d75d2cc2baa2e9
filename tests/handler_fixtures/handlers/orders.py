import json, os
def handler(event, context):
    body = {"status": "shipped-from-handler", "fn": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), "secret": os.environ.get("AWS_SECRET_ACCESS_KEY"), "home": os.environ.get("HOME")}
    return {"messageVersion": "1.0", "response": {"actionGroup": event["actionGroup"], "function": event["function"],
            "functionResponse": {"responseBody": {"TEXT": {"body": json.dumps(body)}}}}}
