"""A Classic action-group handler (messageVersion 1.0 event) for the `orders` target."""
import json


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    body = {"order": params.get("orderId"), "status": "shipped", "group": event["actionGroup"]}
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event["actionGroup"],
            "function": event["function"],
            "functionResponse": {"responseBody": {"TEXT": {"body": json.dumps(body)}}},
        },
    }
