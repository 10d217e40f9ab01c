// Test handler with a callback: the answer comes from the re-run's answers
// (recorded result or one the user gives).
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const order = await context.step("create-order", async () => ({ orderId: event.orderId ?? "123" }));
  const approval = await context.waitForCallback("approval", async (callbackId) => {
    console.log(`send ${callbackId} to the approver`);
  });
  return { orderId: order.orderId, approval };
});
