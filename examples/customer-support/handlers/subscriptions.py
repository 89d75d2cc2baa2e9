"""Lambda handler of the Support agent's `subscriptions` action group (function schema).

Functions:
  get_plan(customer_id)              -> the customer's plan, billing period, seats and renewal date
  change_plan(customer_id, plan)     -> upgrades at once, downgrades at the next period (help
                                        article "Change or cancel your plan")

Same event and response shapes as handlers/billing.py (Bedrock agent action-group Lambda,
messageVersion 1.0). `change_plan` has requireConfirmation ENABLED in the agent. The chosen
plan is remembered in the session attribute `plan` so later calls in the session see it.
"""

from function_response import respond

PLANS = {
    "starter": {"name": "Starter", "monthly": "12.00", "annual": None, "seats": 3},
    "team": {"name": "Team", "monthly": "25.00", "annual": "300.00", "seats": 10},
    "business": {"name": "Business", "monthly": "60.00", "annual": "600.00", "seats": 25},
}
ORDER = ["starter", "team", "business"]

CUSTOMERS = {
    "C-2291": {"plan": "team", "period": "annual", "seats_used": 7, "renews": "2025-05-01"},
    "C-3310": {"plan": "starter", "period": "monthly", "seats_used": 2, "renews": "2024-07-01"},
}


def handler(event, context):
    params = {p["name"]: p["value"] for p in event.get("parameters", [])}
    attributes = dict(event.get("sessionAttributes") or {})
    customer_id = params.get("customer_id", "").strip().upper()
    customer = CUSTOMERS.get(customer_id)
    if customer is None:
        return respond(event, {"error": f"There is no customer {customer_id!r}."}, attributes, "REPROMPT")
    current = attributes.get("plan", customer["plan"])
    if event["function"] == "get_plan":
        plan = PLANS[current]
        return respond(
            event,
            {
                "customer_id": customer_id,
                "plan": plan["name"],
                "period": customer["period"],
                "price": plan["annual"] if customer["period"] == "annual" else plan["monthly"],
                "seats_included": plan["seats"],
                "seats_used": customer["seats_used"],
                "renews": customer["renews"],
            },
            attributes,
        )
    if event["function"] == "change_plan":
        wanted = params.get("plan", "").strip().lower()
        if wanted not in PLANS:
            return respond(event, {"error": f"plan must be one of {', '.join(ORDER)}"}, attributes, "REPROMPT")
        if wanted == current:
            return respond(event, {"error": f"The customer is already on {PLANS[wanted]['name']}."}, attributes, "REPROMPT")
        if customer["seats_used"] > PLANS[wanted]["seats"]:
            return respond(
                event,
                {"error": f"{customer['seats_used']} seats are in use; {PLANS[wanted]['name']} includes {PLANS[wanted]['seats']}. Remove seats first."},
                attributes,
                "REPROMPT",
            )
        upgrade = ORDER.index(wanted) > ORDER.index(current)
        attributes["plan"] = wanted
        return respond(
            event,
            {
                "customer_id": customer_id,
                "from": PLANS[current]["name"],
                "to": PLANS[wanted]["name"],
                "takes_effect": "now, the difference is invoiced pro rata" if upgrade else f"at the next renewal, {customer['renews']}",
            },
            attributes,
        )
    return respond(event, {"error": f"unknown function {event['function']}"}, attributes, "FAILURE")
