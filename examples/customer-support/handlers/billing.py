"""Lambda handler of the Support agent's `billing` action group (function schema).

Functions:
  get_invoice(invoice_id)               -> the invoice's lines, total, status and what is still refundable
  refund(invoice_id, amount, reason)    -> refunds up to LARGE_REFUND_THRESHOLD on one invoice

Bedrock calls it with the agent action-group event (messageVersion 1.0): `actionGroup`,
`function`, `parameters` as a list of {name, type, value} with string values, and the session's
`sessionAttributes` / `promptSessionAttributes`. It answers with `response.functionResponse`
and the session attributes to keep. `refund` has requireConfirmation ENABLED in the agent, so
Bedrock only calls it after the customer said yes.

Deployed, INVOICES would be a call to the billing system; here it is a table so that the
example runs offline. Refunds already made in this session are kept in the session attribute
`refunds` (a JSON object of invoice id -> amount refunded), because each Lambda call starts
from nothing.
"""

import json
from decimal import Decimal, InvalidOperation

from function_response import respond

# Refunds above this many dollars go to a billing specialist (the `large_refunds` action group).
LARGE_REFUND_THRESHOLD = Decimal("100.00")

INVOICES = {
    "INV-1042": {
        "customer_id": "C-2291",
        "issued": "2024-05-01",
        "due": "2024-05-15",
        "paid": "2024-06-03",
        "currency": "USD",
        "lines": [
            {"description": "Team plan, annual renewal", "amount": "300.00"},
            {"description": "Extra seats add-on (2 seats)", "amount": "40.00"},
            {"description": "Late payment fee", "amount": "12.50"},
        ],
    },
    "INV-0987": {
        "customer_id": "C-2291",
        "issued": "2024-04-01",
        "due": "2024-04-15",
        "paid": "2024-04-02",
        "currency": "USD",
        "lines": [{"description": "Extra storage add-on (100 GB)", "amount": "8.00"}],
    },
}


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    attributes = dict(event.get("sessionAttributes") or {})
    function = event["function"]
    if function == "get_invoice":
        return get_invoice(event, params, attributes)
    if function == "refund":
        return refund(event, params, attributes)
    return respond(event, {"error": f"unknown function {function}"}, attributes, "FAILURE")


def get_invoice(event, params, attributes):
    invoice_id = params.get("invoice_id", "").strip().upper()
    invoice = INVOICES.get(invoice_id)
    if invoice is None:
        return respond(
            event,
            {"error": f"There is no invoice {invoice_id!r}. Ask the customer to check the number (it looks like INV-1042)."},
            attributes,
            "REPROMPT",
        )
    total = sum(Decimal(line["amount"]) for line in invoice["lines"])
    refunded = already_refunded(attributes, invoice_id)
    attributes["last_invoice_id"] = invoice_id
    return respond(
        event,
        {
            "invoice_id": invoice_id,
            "issued": invoice["issued"],
            "due": invoice["due"],
            "paid": invoice["paid"],
            "status": "partly refunded" if refunded else "paid",
            "currency": invoice["currency"],
            "lines": invoice["lines"],
            "total": str(total),
            "refunded": str(refunded),
            "refundable": str(total - refunded),
        },
        attributes,
    )


def refund(event, params, attributes):
    invoice_id = params.get("invoice_id", "").strip().upper()
    invoice = INVOICES.get(invoice_id)
    if invoice is None:
        return respond(event, {"error": f"There is no invoice {invoice_id!r}."}, attributes, "REPROMPT")
    try:
        amount = Decimal(params.get("amount", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return respond(event, {"error": "amount must be a number of dollars, e.g. 12.50"}, attributes, "REPROMPT")
    if amount <= 0:
        return respond(event, {"error": "amount must be more than zero"}, attributes, "REPROMPT")
    if amount > LARGE_REFUND_THRESHOLD:
        return respond(
            event,
            {
                "error": f"Refunds above {LARGE_REFUND_THRESHOLD} USD are approved by a billing specialist. "
                "Use large_refunds__request_large_refund instead."
            },
            attributes,
            "REPROMPT",
        )
    total = sum(Decimal(line["amount"]) for line in invoice["lines"])
    refunded = already_refunded(attributes, invoice_id)
    if refunded + amount > total:
        return respond(
            event,
            {"error": f"Only {total - refunded} USD of {invoice_id} is left to refund."},
            attributes,
            "REPROMPT",
        )
    refunds = json.loads(attributes.get("refunds", "{}"))
    refunds[invoice_id] = str(refunded + amount)
    attributes["refunds"] = json.dumps(refunds, sort_keys=True)
    attributes["last_invoice_id"] = invoice_id
    refund_id = f"RF-{invoice_id.removeprefix('INV-')}-{int(amount * 100)}"
    return respond(
        event,
        {
            "refund_id": refund_id,
            "invoice_id": invoice_id,
            "amount": str(amount),
            "currency": invoice["currency"],
            "reason": params.get("reason", ""),
            "arrives_in": "5 to 10 business days, on the card the invoice was paid with",
        },
        attributes,
    )


def already_refunded(attributes, invoice_id):
    refunds = json.loads(attributes.get("refunds", "{}"))
    return Decimal(refunds.get(invoice_id, "0"))
