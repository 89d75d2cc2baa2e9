import os


def handler(event, context):
    """Answers with the handler's whole environment and the node's input."""
    return {"environment": dict(os.environ), "input": event["node"]["inputs"][0]["value"]}
