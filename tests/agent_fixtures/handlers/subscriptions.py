"""Subscriptions action group (OpenAPI schema). Asserts the OpenAPI variant of the event."""
import json


def handler(event, context):
    assert event["messageVersion"] == "1.0", event
    assert event["actionGroup"] == "subscriptions", event
    assert "function" not in event, event
    assert event["apiPath"] == "/subscriptions/{customerId}/plan", event
    assert event["httpMethod"] == "POST", event
    assert event["parameters"] == [{"name": "customerId", "type": "string", "value": "C-1"}], event
    props = event["requestBody"]["content"]["application/json"]["properties"]
    assert {"name": "plan", "type": "string", "value": "pro"} in props, props
    assert {"name": "seats", "type": "integer", "value": "3"} in props, props
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event["actionGroup"],
            "apiPath": event["apiPath"],
            "httpMethod": event["httpMethod"],
            "httpStatusCode": 200,
            "responseBody": {"application/json": {"body": json.dumps({"customerId": "C-1", "plan": "pro", "seats": 3})}},
        },
    }
