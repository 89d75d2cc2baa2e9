"""Never answers in time: for the handler timeout test."""
import time


def handler(event, context):
    time.sleep(60)
    return "too late"
