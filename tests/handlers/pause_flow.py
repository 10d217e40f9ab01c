"""Test handler written with the official Python SDK: its second step takes
PAUSE_SECONDS (env), so the SDK's next call to the re-run service comes
after a pause longer than the service's idle timeout, as after a slow start
under load."""

import os
import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution

PAUSE_SECONDS = float(os.environ.get("PAUSE_SECONDS", "0"))


def pause(_):
    time.sleep(PAUSE_SECONDS)
    return "resumed"


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    before = context.step(lambda _: "started", name="before-pause")
    after = context.step(pause, name="pause")
    return {"before": before, "after": after}
