"""Test handler with module state, as Lambda keeps it in a warm execution
environment: a process-global counter decides whether the charge succeeds
(the third call does). The SDK's own test runner runs it in one process, so
its recording has two failed attempts and a third that succeeds; a re-run
replays it clean only when one warm process serves every invocation."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision

CALLS = 0


def _charge(_step_ctx) -> dict:
    global CALLS
    CALLS += 1
    if CALLS < 3:
        raise RuntimeError(f"payment gateway timeout (call {CALLS} of this process)")
    return {"charged": True, "calls": CALLS}


def _retry(_error: Exception, attempts_made: int) -> RetryDecision:
    if attempts_made >= 3:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(2))


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    charge = context.step(_charge, name="charge-card", config=StepConfig(retry_strategy=_retry))
    receipt = context.step(lambda _: {"receipt": "r-1"}, name="write-receipt")
    return {**charge, **receipt}
