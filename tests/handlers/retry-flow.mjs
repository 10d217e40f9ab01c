// Test handler with a retried step: the first attempt fails, the retry
// (after a backoff the re-run skips) succeeds. Deterministic: the outcome
// depends only on the SDK's attempt number.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const charge = await context.step(
    "flaky-charge",
    async (ctx) => {
      if (ctx.attempt < 2) throw new Error(`card declined on attempt ${ctx.attempt}`);
      return { orderId: event.orderId ?? "123", attempt: ctx.attempt };
    },
    { retryStrategy: (_error, attempts) => ({ shouldRetry: attempts < 3, delay: { seconds: 30 } }) },
  );
  const receipt = await context.step("write-receipt", async () => ({ charged: charge.attempt }));
  return { ...charge, ...receipt };
});
