// Durable handlers written with the official JS SDK, one per scenario.
// The same scenarios exist in ../python/handlers.py with the same operation
// names, inputs and results, so a JS run and a Python run of one scenario
// compare equal in durable-lens (different id schemes, same shape).
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

// ---- order-flow: steps + a wait (the app's default sample) ----------------
export const orderFlow = withDurableExecution(async (event, context) => {
  const order = await context.step("create-order", async () => ({
    orderId: event.orderId,
    total: 50,
  }));
  const payment = await context.step("process-payment", async () => ({
    transactionId: "txn-456",
    status: "success",
  }));
  await context.wait("cool-off", { minutes: 5 });
  const notification = await context.step("send-notification", async () => ({
    sent: true,
  }));
  return { order, payment, notification };
});

// ---- retries: a step failing twice, then succeeding -----------------------
export const retries = withDurableExecution(async (event, context) => {
  const charge = await context.step(
    "charge-card",
    async (stepCtx) => {
      // The attempt number comes from the checkpoint: deterministic across
      // invocations, no process-global counter needed.
      if (stepCtx.attempt < 3) {
        throw new Error(`payment gateway timeout (attempt ${stepCtx.attempt})`);
      }
      return { charged: 50 };
    },
    {
      retryStrategy: (_error, attemptCount) =>
        attemptCount >= 3
          ? { shouldRetry: false }
          : { shouldRetry: true, delay: { seconds: 2 * attemptCount } },
    },
  );
  const receipt = await context.step("send-receipt", async () => ({ receipt: "r-1" }));
  return { charge, receipt };
});

// ---- callback-flow: wait-for-callback answered from outside ---------------
export const callbackFlow = withDurableExecution(async (event, context) => {
  await context.step("request-approval", async () => "requested");
  const approval = await context.waitForCallback("manager-approval", async () => {});
  await context.step("finalize", async () => "finalized");
  return { approval };
});

// ---- fanout: map + parallel + child context (with a wait inside) ----------
export const fanout = withDurableExecution(async (event, context) => {
  const squares = await context.map("process-items", [1, 2, 3, 4], async (ctx, item, index) =>
    ctx.step(`square-${index}`, async () => item * item),
  );
  const checks = await context.parallel("run-checks", [
    async (ctx) => ctx.step("check-inventory", async () => "inventory-ok"),
    async (ctx) => ctx.step("check-fraud", async () => "fraud-ok"),
  ]);
  const sub = await context.runInChildContext("sub-workflow", async (ctx) => {
    const a = await ctx.step("child-a", async () => "a");
    await ctx.wait("child-wait", { seconds: 10 });
    return ctx.step("child-b", async () => a + "b");
  });
  return { squares: squares.getResults(), checks: checks.getResults(), sub };
});

// ---- nondeterministic: the code changes between invocations ---------------
// Stands in for a deploy between two invocations: the first invocation runs
// the old code, every later one the new code (step 2 renamed).
let invocations = 0;
export function resetNondeterministic() {
  invocations = 0;
}
export const nondeterministic = withDurableExecution(async (event, context) => {
  invocations += 1;
  const second = invocations === 1 ? "process-payment" : "send-email";
  await context.step("create-order", async () => "ok");
  await context.step(second, async () => "paid");
  await context.wait("settle", { minutes: 5 });
  return "done";
});

// ---- chained-invoke: call another function and use its result -------------
// A plain (non-durable) function registered as the invoke target.
export const pricingService = async (event) => ({ price: 42, sku: event.sku });

export const chainedInvoke = withDurableExecution(async (event, context) => {
  const sku = await context.step("pick-sku", async () => "sku-1");
  const price = await context.invoke("get-price", "pricing-service", { sku });
  return context.step("quote", async () => ({ sku, price }));
});

// ---- retry-exhausted: a step failing on every attempt ---------------------
// Three attempts, then the strategy gives up: the step ends FAILED and its
// error fails the execution.
export const retryExhausted = withDurableExecution(async (event, context) => {
  await context.step("reserve-stock", async () => "reserved");
  await context.step(
    "charge-card",
    async (stepCtx) => {
      throw new Error(`card declined (attempt ${stepCtx.attempt})`);
    },
    {
      retryStrategy: (_error, attemptCount) =>
        attemptCount >= 3
          ? { shouldRetry: false }
          : { shouldRetry: true, delay: { seconds: 2 * attemptCount } },
    },
  );
  return "unreachable";
});

// ---- callback-failed: the callback is answered with a failure -------------
// The handler catches the failure and finishes: callback FAILED, execution
// SUCCEEDED.
export const callbackFailed = withDurableExecution(async (event, context) => {
  await context.step("request-approval", async () => "requested");
  let outcome;
  try {
    await context.waitForCallback("manager-approval", async () => {});
    outcome = "approved";
  } catch (error) {
    outcome = "rejected";
  }
  await context.step("record-outcome", async () => outcome);
  return { outcome };
});

// ---- chained-invoke-durable: invoke a durable function (a child execution) -
export const shippingService = withDurableExecution(async (event, context) => {
  const label = await context.step("print-label", async () => `label-${event.sku}`);
  await context.wait("courier-pickup", { minutes: 20 });
  return context.step("hand-over", async () => ({ label, shipped: true }));
});

export const chainedInvokeDurable = withDurableExecution(async (event, context) => {
  const sku = await context.step("pick-sku", async () => "sku-1");
  const shipment = await context.invoke("ship", "shipping-service", { sku });
  return context.step("confirm", async () => ({ sku, shipment }));
});

// ---- nested: child context > parallel > child context, map items with a ---
// child context, and two waits inside the outer context (it spans three
// invocations).
export const nested = withDurableExecution(async (event, context) => {
  const outer = await context.runInChildContext("outer", async (ctx) => {
    const first = await ctx.step("outer-first", async () => 1);
    const branches = await ctx.parallel("outer-parallel", [
      async (b) => b.step("branch-a-step", async () => "a"),
      async (b) =>
        b.runInChildContext("branch-b-inner", async (c) => c.step("inner-step", async () => "b")),
    ]);
    await ctx.wait("outer-wait", { minutes: 20 });
    const items = await ctx.map("outer-map", [10, 20], async (m, item, index) =>
      m.runInChildContext(`item-${index}-ctx`, async (c) =>
        c.step(`item-${index}-step`, async () => item + first),
      ),
    );
    await ctx.wait("outer-wait-2", { minutes: 20 });
    return { branches: branches.getResults(), items: items.getResults() };
  });
  const last = await context.step("after-outer", async () => "done");
  return { outer, last };
});

// ---- removed-operation: a step removed between invocations ----------------
// Invocation 1 runs create-order, audit-log, then waits; later invocations
// run the new code without audit-log, so position 2 meets the wait where
// the checkpoint has a step.
let removedInvocations = 0;
export function resetRemoved() {
  removedInvocations = 0;
}
export const removedOperation = withDurableExecution(async (event, context) => {
  removedInvocations += 1;
  await context.step("create-order", async () => "ok");
  if (removedInvocations === 1) await context.step("audit-log", async () => "logged");
  await context.wait("settle", { minutes: 20 });
  return context.step("finish", async () => "done");
});

// The waits of the scenarios below are longer than the 900 s the JS runner
// gives an invocation, so the SDK always suspends at them (a shorter wait may
// be waited out in-process, depending on timing).

// ---- loop-2000: 2,000 steps, a wait after every 500 -----------------------
export const LOOP_STEPS = 2000;
export const loop2000 = withDurableExecution(async (event, context) => {
  let total = 0;
  for (let i = 1; i <= LOOP_STEPS; i += 1) {
    total += await context.step(`item-${i}`, async () => i);
    if (i % 500 === 0 && i < LOOP_STEPS) await context.wait(`pause-${i}`, { minutes: 20 });
  }
  return { total };
});

// ---- wait-for-condition: a step polling across invocations ---------------
// Three polls, 20 minutes apart (so the SDK suspends between polls): the
// condition is met on the third.
export const waitForCondition = withDurableExecution(async (event, context) => {
  await context.step("submit-job", async () => "job-1");
  const final = await context.waitForCondition(
    "poll-job",
    async (state) => ({ polls: state.polls + 1, done: state.polls + 1 >= 3 }),
    {
      initialState: { polls: 0, done: false },
      waitStrategy: (state) =>
        state.done ? { shouldContinue: false } : { shouldContinue: true, delay: { minutes: 20 } },
    },
  );
  return context.step("report", async () => ({ polls: final.polls }));
});

// ---- callback-timeout: a callback nobody answers times out ----------------
// A 2-second callback timeout (the JS runner times callbacks out on real
// timers in its checkpoint worker, not skipped); the handler catches
// the timeout and finishes: callback TIMED_OUT, execution SUCCEEDED.
export const callbackTimeout = withDurableExecution(async (event, context) => {
  await context.step("request-approval", async () => "requested");
  let outcome;
  try {
    await context.waitForCallback("manager-approval", async () => {}, {
      timeout: { seconds: 2 },
    });
    outcome = "approved";
  } catch (error) {
    outcome = "timed-out";
  }
  await context.step("record-outcome", async () => outcome);
  return { outcome };
});
