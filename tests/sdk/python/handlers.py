"""Durable handlers written with the official Python SDK, one per scenario.

The same scenarios exist in ../js/handlers.mjs with the same operation
names, inputs and results, so a Python run and a JS run of one scenario
compare equal in durable-lens (different id schemes, same shape).
"""

from __future__ import annotations

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    Duration,
    StepConfig,
    WaitForCallbackConfig,
)
from aws_durable_execution_sdk_python.retries import RetryDecision
from aws_durable_execution_sdk_python.waits import (
    WaitForConditionConfig,
    WaitForConditionDecision,
)

# ---- order-flow: steps + a wait (the app's default sample) -----------------


@durable_execution
def order_flow(event, context: DurableContext):
    order = context.step(
        lambda _: {"orderId": event["orderId"], "total": 50}, name="create-order"
    )
    payment = context.step(
        lambda _: {"transactionId": "txn-456", "status": "success"},
        name="process-payment",
    )
    context.wait(Duration.from_minutes(5), name="cool-off")
    notification = context.step(lambda _: {"sent": True}, name="send-notification")
    return {"order": order, "payment": payment, "notification": notification}


# ---- retries: a step failing twice, then succeeding -------------------------


def _charge(step_ctx):
    # The attempt number comes from the checkpoint, so this is deterministic
    # across invocations (no process-global counter needed).
    if step_ctx.attempt < 3:
        raise RuntimeError(f"payment gateway timeout (attempt {step_ctx.attempt})")
    return {"charged": 50}


def _retry_twice(_error: Exception, attempts_made: int) -> RetryDecision:
    if attempts_made >= 3:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(2 * attempts_made))


@durable_execution
def retries(event, context: DurableContext):
    charged = context.step(
        _charge, name="charge-card", config=StepConfig(retry_strategy=_retry_twice)
    )
    receipt = context.step(lambda _: {"receipt": "r-1"}, name="send-receipt")
    return {"charge": charged, "receipt": receipt}


# ---- callback-flow: wait-for-callback answered from outside -----------------


@durable_execution
def callback_flow(event, context: DurableContext):
    context.step(lambda _: "requested", name="request-approval")
    approval = context.wait_for_callback(
        lambda callback_id, _ctx: None, name="manager-approval"
    )
    context.step(lambda _: "finalized", name="finalize")
    return {"approval": approval}


# ---- fanout: map + parallel + child context (with a wait inside) ------------


def _square_item(ctx: DurableContext, item, index, _items):
    return ctx.step(lambda _: item * item, name=f"square-{index}")


def _branch_a(ctx: DurableContext):
    return ctx.step(lambda _: "inventory-ok", name="check-inventory")


def _branch_b(ctx: DurableContext):
    return ctx.step(lambda _: "fraud-ok", name="check-fraud")


def _sub_workflow(ctx: DurableContext):
    a = ctx.step(lambda _: "a", name="child-a")
    ctx.wait(Duration.from_seconds(10), name="child-wait")
    return ctx.step(lambda _: a + "b", name="child-b")


@durable_execution
def fanout(event, context: DurableContext):
    squares = context.map([1, 2, 3, 4], _square_item, name="process-items")
    checks = context.parallel([_branch_a, _branch_b], name="run-checks")
    sub = context.run_in_child_context(_sub_workflow, name="sub-workflow")
    return {
        "squares": squares.get_results(),
        "checks": checks.get_results(),
        "sub": sub,
    }


# ---- nondeterministic: the code changes between invocations -----------------

# Stands in for a deploy between two invocations: the first invocation runs
# the old code, every later one the new code (step 2 renamed).
_INVOCATIONS = {"count": 0}


@durable_execution
def nondeterministic(event, context: DurableContext):
    _INVOCATIONS["count"] += 1
    second = "process-payment" if _INVOCATIONS["count"] == 1 else "send-email"
    context.step(lambda _: "ok", name="create-order")
    context.step(lambda _: "paid", name=second)
    context.wait(Duration.from_minutes(5), name="settle")
    return "done"


def reset_nondeterministic() -> None:
    _INVOCATIONS["count"] = 0


# ---- chained-invoke: call another function and use its result ---------------


def pricing_service(event, _lambda_context):
    """A plain (non-durable) function registered as the invoke target."""
    return {"price": 42, "sku": event["sku"]}


@durable_execution
def chained_invoke(event, context: DurableContext):
    sku = context.step(lambda _: "sku-1", name="pick-sku")
    price = context.invoke("pricing-service", {"sku": sku}, name="get-price")
    return context.step(lambda _: {"sku": sku, "price": price}, name="quote")


# ---- retry-exhausted: a step failing on every attempt -----------------------


def _decline(step_ctx):
    raise RuntimeError(f"card declined (attempt {step_ctx.attempt})")


def _three_attempts(_error: Exception, attempts_made: int) -> RetryDecision:
    if attempts_made >= 3:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(2 * attempts_made))


@durable_execution
def retry_exhausted(event, context: DurableContext):
    context.step(lambda _: "reserved", name="reserve-stock")
    context.step(
        _decline, name="charge-card", config=StepConfig(retry_strategy=_three_attempts)
    )
    return "unreachable"


# ---- callback-failed: the callback is answered with a failure ---------------


@durable_execution
def callback_failed(event, context: DurableContext):
    context.step(lambda _: "requested", name="request-approval")
    try:
        context.wait_for_callback(lambda callback_id, _ctx: None, name="manager-approval")
        outcome = "approved"
    except Exception:  # noqa: BLE001 - the callback's failure, whatever its type
        outcome = "rejected"
    context.step(lambda _: outcome, name="record-outcome")
    return {"outcome": outcome}


# ---- execution-timeout: the execution times out while suspended -------------
# The runner gives the execution a shorter timeout than anyone takes to
# answer the callback (nobody does).


@durable_execution
def execution_timeout(event, context: DurableContext):
    context.step(lambda _: "requested", name="request-approval")
    approval = context.wait_for_callback(
        lambda callback_id, _ctx: None, name="manager-approval"
    )
    context.step(lambda _: "finalized", name="finalize")
    return {"approval": approval}


# ---- chained-invoke-durable: invoke a durable function (a child execution) --


@durable_execution
def shipping_service(event, context: DurableContext):
    label = context.step(lambda _: f"label-{event['sku']}", name="print-label")
    context.wait(Duration.from_minutes(20), name="courier-pickup")
    return context.step(lambda _: {"label": label, "shipped": True}, name="hand-over")


@durable_execution
def chained_invoke_durable(event, context: DurableContext):
    sku = context.step(lambda _: "sku-1", name="pick-sku")
    shipment = context.invoke("shipping-service", {"sku": sku}, name="ship")
    return context.step(lambda _: {"sku": sku, "shipment": shipment}, name="confirm")


# ---- nested: child context > parallel > child context, map items with a -----
# child context, and two waits inside the outer context (it spans three
# invocations).


def _branch_a_step(b: DurableContext):
    return b.step(lambda _: "a", name="branch-a-step")


def _branch_b_inner(b: DurableContext):
    return b.run_in_child_context(
        lambda c: c.step(lambda _: "b", name="inner-step"), name="branch-b-inner"
    )


def _outer(ctx: DurableContext):
    first = ctx.step(lambda _: 1, name="outer-first")
    branches = ctx.parallel([_branch_a_step, _branch_b_inner], name="outer-parallel")
    ctx.wait(Duration.from_minutes(20), name="outer-wait")

    def item(m: DurableContext, value, index, _items):
        return m.run_in_child_context(
            lambda c: c.step(lambda _: value + first, name=f"item-{index}-step"),
            name=f"item-{index}-ctx",
        )

    items = ctx.map([10, 20], item, name="outer-map")
    ctx.wait(Duration.from_minutes(20), name="outer-wait-2")
    return {"branches": branches.get_results(), "items": items.get_results()}


@durable_execution
def nested(event, context: DurableContext):
    outer = context.run_in_child_context(_outer, name="outer")
    last = context.step(lambda _: "done", name="after-outer")
    return {"outer": outer, "last": last}


# ---- removed-operation: a step removed between invocations ------------------
# Invocation 1 runs create-order, audit-log, then waits; later invocations run
# the new code without audit-log, so position 2 meets the wait where the
# checkpoint has a step.
_REMOVED = {"count": 0}


@durable_execution
def removed_operation(event, context: DurableContext):
    _REMOVED["count"] += 1
    context.step(lambda _: "ok", name="create-order")
    if _REMOVED["count"] == 1:
        context.step(lambda _: "logged", name="audit-log")
    context.wait(Duration.from_minutes(20), name="settle")
    return context.step(lambda _: "done", name="finish")


def reset_removed() -> None:
    _REMOVED["count"] = 0


# ---- loop-2000: 2,000 steps, a wait after every 500 -------------------------
LOOP_STEPS = 2000


@durable_execution
def loop_2000(event, context: DurableContext):
    total = 0
    for i in range(1, LOOP_STEPS + 1):
        total += context.step(lambda _, i=i: i, name=f"item-{i}")
        if i % 500 == 0 and i < LOOP_STEPS:
            context.wait(Duration.from_minutes(20), name=f"pause-{i}")
    return {"total": total}


# ---- wait-for-condition: a step polling across invocations -----------------
# Three polls, 20 minutes apart (longer than an invocation, as the JS runner
# gives it, so both SDKs suspend between polls): the condition is met on the
# third.


def _poll_job(state, _ctx):
    polls = state["polls"] + 1
    return {"polls": polls, "done": polls >= 3}


def _every_20_minutes(state, _attempts_made: int) -> WaitForConditionDecision:
    if state["done"]:
        return WaitForConditionDecision.stop_polling()
    return WaitForConditionDecision.continue_waiting(Duration.from_minutes(20))


@durable_execution
def wait_for_condition(event, context: DurableContext):
    context.step(lambda _: "job-1", name="submit-job")
    final = context.wait_for_condition(
        _poll_job,
        config=WaitForConditionConfig(
            wait_strategy=_every_20_minutes, initial_state={"polls": 0, "done": False}
        ),
        name="poll-job",
    )
    return context.step(lambda _: {"polls": final["polls"]}, name="report")


# ---- callback-timeout: a callback nobody answers times out -----------------
# A 2-second callback timeout (the JS runner times callbacks out on real
# timers, not skipped, and the Python one must fire it before its execution
# timeout); the handler catches
# the timeout and finishes: callback TIMED_OUT, execution SUCCEEDED.


@durable_execution
def callback_timeout(event, context: DurableContext):
    context.step(lambda _: "requested", name="request-approval")
    try:
        context.wait_for_callback(
            lambda callback_id, _ctx: None,
            name="manager-approval",
            config=WaitForCallbackConfig(timeout=Duration.from_seconds(2)),
        )
        outcome = "approved"
    except Exception:  # noqa: BLE001 - the timeout, whatever its type
        outcome = "timed-out"
    context.step(lambda _: outcome, name="record-outcome")
    return {"outcome": outcome}
