// Test handler with module state, as Lambda keeps it in a warm execution
// environment: a module-level counter decides whether the charge succeeds
// (the third call does). The SDK's own test runner runs every invocation in
// one process, so its recording has two failed attempts and a third that
// succeeds; a re-run replays it clean only when one warm process serves
// every invocation.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

let calls = 0;

export const handler = withDurableExecution(async (event, context) => {
  const charge = await context.step(
    "charge-card",
    async () => {
      calls += 1;
      if (calls < 3) throw new Error(`payment gateway timeout (call ${calls} of this process)`);
      return { charged: true, calls };
    },
    { retryStrategy: (_error, attempts) => ({ shouldRetry: attempts < 3, delay: { seconds: 2 } }) },
  );
  const receipt = await context.step("write-receipt", async () => ({ receipt: "r-1" }));
  return { ...charge, ...receipt };
});
