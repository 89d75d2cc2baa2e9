import os
def handler(event, context):
    return "Customer asks: " + event["node"]["inputs"][0]["value"] + " [" + os.environ.get("DESK", "-") + "]"
