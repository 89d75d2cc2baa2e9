"""Notifications action group: a handler that fails, one that hangs, one that answers nonsense."""
import time


def handler(event, context):
    fn = event["function"]
    params = {p["name"]: p["value"] for p in event["parameters"]}
    if fn == "send_email":
        if "@" not in params.get("to", ""):
            raise ValueError("invalid address: " + params.get("to", ""))
        body = "sent to " + params["to"]
        return {"messageVersion": "1.0", "response": {"actionGroup": "notifications", "function": fn,
                "functionResponse": {"responseBody": {"TEXT": {"body": body}}}}}
    if fn == "slow_ping":
        time.sleep(20)
        return {}
    if fn == "broken":
        return "this is not a response"
    raise ValueError("unknown function " + fn)
