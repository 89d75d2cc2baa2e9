"""Lambda handler of the Support agent's `notifications` action group (function schema).

Function:
  send_email(subject, body)   -> emails the customer a summary of the conversation

The recipient is never a parameter the model fills in: it is the `customer_email` session
attribute the calling application sets (the guardrail anonymises email addresses the customer
types, so the model never sees one). Deployed, this would call Amazon SES; offline it answers
with the message it would send and counts the emails sent in the session attribute
`emails_sent`. Same event and response shapes as handlers/billing.py.
"""

import hashlib

from function_response import respond


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    attributes = dict(event.get("sessionAttributes") or {})
    if event["function"] != "send_email":
        return respond(event, {"error": f"unknown function {event['function']}"}, attributes, "FAILURE")
    recipient = attributes.get("customer_email")
    if not recipient:
        return respond(
            event,
            {"error": "No email address is on file for this session; tell the customer the summary cannot be emailed."},
            attributes,
            "REPROMPT",
        )
    subject = params.get("subject", "").strip() or "Your support conversation"
    body = params.get("body", "").strip()
    if not body:
        return respond(event, {"error": "body must not be empty"}, attributes, "REPROMPT")
    digest = hashlib.sha256(f"{event.get('sessionId')}|{subject}|{body}".encode()).hexdigest()[:12]
    attributes["emails_sent"] = str(int(attributes.get("emails_sent", "0")) + 1)
    return respond(
        event,
        {"message_id": f"msg-{digest}", "status": "queued", "subject": subject},
        attributes,
    )
