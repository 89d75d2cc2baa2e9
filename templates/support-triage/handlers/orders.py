"""Lambda handler of BillingAgent's `orders` action group (function schema).

Functions:
  lookupOrder(orderId)  -> the order's status, amount, charges and whether it can be refunded
  refundOrder(orderId)  -> refunds a duplicate charge (the agent confirms with the customer first)

Bedrock calls it with the agent action-group event (messageVersion 1.0): `actionGroup`,
`function`, `parameters` as a list of {name, type, value} with string values, and the session's
`sessionAttributes`. It answers with `response.functionResponse`. Deployed, ORDERS would be a
call to the shop's order system; here it is a table, so that the template runs offline.
"""

import json

ORDERS = {
    "A-1001": {
        "status": "delivered",
        "amount": "49.90",
        "currency": "USD",
        "charges": ["CH-5511", "CH-5512"],
        "refunded": False,
    },
    "A-1002": {
        "status": "shipped",
        "amount": "19.00",
        "currency": "USD",
        "charges": ["CH-5520"],
        "refunded": False,
    },
}


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    order_id = params.get("orderId", "").strip().upper()
    order = ORDERS.get(order_id)
    if order is None:
        body = {"error": f"There is no order {order_id!r}; order ids look like A-1001."}
        return respond(event, body, "REPROMPT")
    if event["function"] == "lookupOrder":
        duplicate = len(order["charges"]) > 1
        body = dict(order, orderId=order_id, refundable=duplicate and not order["refunded"])
        return respond(event, body)
    if event["function"] == "refundOrder":
        if len(order["charges"]) < 2 or order["refunded"]:
            body = {"error": f"Order {order_id} has no duplicate charge to refund."}
            return respond(event, body, "REPROMPT")
        body = {
            "orderId": order_id,
            "refundId": "RF-" + order_id,
            "charge": order["charges"][-1],
            "amount": order["amount"],
            "currency": order["currency"],
            "arrivesIn": "5 to 10 business days",
        }
        return respond(event, body)
    return respond(event, {"error": f"unknown function {event['function']}"}, "FAILURE")


def respond(event, body, state=None):
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
        "sessionAttributes": event.get("sessionAttributes") or {},
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }
