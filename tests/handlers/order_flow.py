"""Test handler written with the official Python SDK. VARIANT (env) changes
the code the way a new build might, to exercise divergence detection:
base | renamed | step-to-wait | inserted | reordered | bad-callback."""

import os

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

VARIANT = os.environ.get("VARIANT", "base")


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order = context.step(lambda _: {"orderId": event.get("orderId", "123"), "total": 50}, name="create-order")
    if VARIANT == "inserted":
        context.step(lambda _: {"ok": True}, name="check-fraud")
    payment = None
    if VARIANT == "step-to-wait":
        context.wait(Duration.from_seconds(2), name="process-payment")
    else:
        name = "charge-card" if VARIANT == "renamed" else "process-payment"
        payment = context.step(lambda _: {"transactionId": "txn-456", "status": "success"}, name=name)
    context.wait(Duration.from_minutes(5), name="cool-off")
    branches = [
        lambda ctx: ctx.step(lambda _: "emailed", name="send-email"),
        lambda ctx: ctx.step(lambda _: "texted", name="send-sms"),
    ]
    if VARIANT == "reordered":
        branches.reverse()
    context.parallel(branches, name="notify")
    sent = context.step(lambda _: {"sent": True}, name="send-notification")
    return {"orderId": order["orderId"], "transactionId": payment and payment["transactionId"], "sent": sent["sent"]}
