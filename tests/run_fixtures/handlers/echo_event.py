"""Returns the flow Lambda event it received, so the test can check its exact shape."""


def handler(event, context):
    print("this goes to stderr, not into the answer")
    return {"event": event, "functionName": context.function_name}
