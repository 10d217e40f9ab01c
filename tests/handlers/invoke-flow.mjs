// Test handler with a chained invoke: `context.invoke` of another function.
// When recording, record-js.mjs registers `invokedFunctions` with the JS
// test runner; on a re-run durable-lens answers the invoke with the recorded
// result (or a typed answer) instead of calling anything.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const order = await context.step("create-order", async () => ({ orderId: event.orderId ?? "123", total: 50 }));
  const quote = await context.invoke("get-quote", "pricing-function", { orderId: order.orderId, total: order.total });
  const receipt = await context.step("write-receipt", async () => ({ orderId: order.orderId, charged: quote.price }));
  return { orderId: receipt.orderId, price: quote.price, currency: quote.currency };
});

// The function the chained invoke calls, a plain (non-durable) Lambda handler.
export const invokedFunctions = {
  "pricing-function": async (event) => ({ price: event.total + 7, currency: "EUR" }),
};
