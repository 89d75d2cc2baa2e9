"""Fails the way a buggy handler does."""


def handler(event, context):
    raise ValueError("customer id missing")
