// Test handler written with the official JS SDK. VARIANT (env) changes the
// code the way a new build might, to exercise divergence detection:
//   base | renamed | step-to-wait | inserted | reordered
// and outcome changes: changed-result (another transaction id) | throws (an
// exception after create-order) | fails-late (an exception after the last step)
// | short (returns after process-payment)
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

const variant = process.env.VARIANT ?? "base";

export const handler = withDurableExecution(async (event, context) => {
  const order = await context.step("create-order", async () => ({ orderId: event.orderId ?? "123", total: 50 }));
  if (variant === "throws") throw new TypeError("payment gateway is not configured");
  if (variant === "inserted") {
    await context.step("check-fraud", async () => ({ ok: true }));
  }
  let payment;
  if (variant === "step-to-wait") {
    await context.wait("process-payment", { seconds: 2 });
  } else {
    const name = variant === "renamed" ? "charge-card" : "process-payment";
    const transactionId = variant === "changed-result" ? "txn-789" : "txn-456";
    payment = await context.step(name, async () => ({ transactionId, status: "success" }));
  }
  if (variant === "short") return { orderId: order.orderId, transactionId: payment?.transactionId };
  await context.wait("cool-off", { minutes: 5 });
  const branches = [
    { name: "email", func: async (ctx) => ctx.step("send-email", async () => "emailed") },
    { name: "sms", func: async (ctx) => ctx.step("send-sms", async () => "texted") },
  ];
  if (variant === "reordered") branches.reverse();
  await context.parallel("notify", branches);
  const sent = await context.step("send-notification", async () => ({ sent: true }));
  if (variant === "fails-late") throw new Error("notification was not delivered");
  return { orderId: order.orderId, transactionId: payment?.transactionId, sent: sent.sent };
});
