"""The answer of an action-group Lambda with a function schema, shared by this folder's handlers.

Bedrock documents the shape: `response.functionResponse` with the body as TEXT, and the session
attributes to keep. A deployed handler ships this file beside it in the same package.
"""

import json


def respond(event, body, attributes, state=None):
    """The function-schema response Bedrock documents; `state` is REPROMPT or FAILURE."""
    function_response = {"responseBody": {"TEXT": {"body": json.dumps(body)}}}
    if state:
        function_response["responseState"] = state
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event["actionGroup"],
            "function": event["function"],
            "functionResponse": function_response,
        },
        "sessionAttributes": attributes,
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }
