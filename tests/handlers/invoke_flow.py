"""Test handler with a chained invoke: ``context.invoke`` of another
function. When recording, record_py.py registers ``INVOKED_FUNCTIONS`` with
the Python test runner; on a re-run durable-lens answers the invoke with the
recorded result (or a typed answer) instead of calling anything."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order = context.step(lambda _: {"orderId": event.get("orderId", "123"), "total": 50}, name="create-order")
    quote = context.invoke("pricing-function", {"orderId": order["orderId"], "total": order["total"]}, name="get-quote")
    receipt = context.step(lambda _: {"orderId": order["orderId"], "charged": quote["price"]}, name="write-receipt")
    return {"orderId": receipt["orderId"], "price": quote["price"], "currency": quote["currency"]}


def pricing(event, _lambda_context):
    """The function the chained invoke calls, a plain (non-durable) handler."""
    return {"price": event["total"] + 7, "currency": "EUR"}


INVOKED_FUNCTIONS = {"pricing-function": pricing}
