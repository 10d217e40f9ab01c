// Run the scenarios in handlers.mjs with the JS testing package's own local
// runner (LocalDurableTestRunner, time skipping on) and write what it gives:
//
//   <scenario>.history.json      getHistoryEvents() as {"Events": [...]}
//   <scenario>.operations.json   getOperations() as a bare array of the raw
//                                operation records (getOperationData())
//   <scenario>.invocations.json  getInvocations() (camelCase)
//   <scenario>.inputs.json       what each handler invocation received and
//                                returned, in invocation order (see
//                                recording() below): the oracle's ground truth
//   <scenario>.child.inputs.json the same for a chained-invoke's durable child
//
// Usage: node run-fixtures.mjs OUT_DIR [SCENARIO ...]   (default: all)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  LocalDurableTestRunner,
  WaitingOperationStatus,
} from "@aws/durable-execution-sdk-js-testing";
import * as handlers from "./handlers.mjs";

const INPUT = { orderId: "123" };

const SCENARIOS = {
  "order-flow": { handler: handlers.orderFlow },
  retries: { handler: handlers.retries },
  "callback-flow": {
    handler: handlers.callbackFlow,
    // Answer the callback from outside once the handler has submitted it.
    async during(runner) {
      const callback = runner.getOperation("manager-approval");
      await callback.waitForData(WaitingOperationStatus.SUBMITTED);
      await callback.sendCallbackSuccess(
        JSON.stringify({ approved: true, by: "manager@example.com" }),
      );
    },
  },
  fanout: { handler: handlers.fanout },
  nondeterministic: { handler: handlers.nondeterministic, before: handlers.resetNondeterministic },
  "chained-invoke": {
    handler: handlers.chainedInvoke,
    setup(runner) {
      runner.registerFunction("pricing-service", handlers.pricingService);
    },
  },
  "retry-exhausted": { handler: handlers.retryExhausted },
  "callback-failed": {
    handler: handlers.callbackFailed,
    async during(runner) {
      const callback = runner.getOperation("manager-approval");
      await callback.waitForData(WaitingOperationStatus.SUBMITTED);
      await callback.sendCallbackFailure({
        ErrorType: "ApprovalRejected",
        ErrorMessage: "rejected by manager@example.com",
      });
    },
  },
    "chained-invoke-durable": {
    handler: handlers.chainedInvokeDurable,
    setup(runner, child) {
      runner.registerDurableFunction("shipping-service", child(handlers.shippingService));
    },
  },
  nested: { handler: handlers.nested },
  "removed-operation": { handler: handlers.removedOperation, before: handlers.resetRemoved },
  "loop-2000": { handler: handlers.loop2000 },
  "wait-for-condition": { handler: handlers.waitForCondition },
  "callback-timeout": { handler: handlers.callbackTimeout },
};

// The JS runner records an execution timeout as metadata but never times an
// execution out.
const PYTHON_ONLY = ["execution-timeout"];

// What the runner passes to the handler is the raw Lambda invocation input
// (a DurableExecutionInvocationInputWithClient: the event's three fields plus
// an API client) and what it returns is the raw output; the runner calls the
// function withDurableExecution returned (InvokeHandler.invoke), so wrapping
// that function sees both unchanged. Copied to JSON at once: the runner
// reuses operation objects between invocations.
//
// `Started` / `Ended`: the real wall clock just before the handler is called
// and just after it settles. `realNow` is Date.now as it was when this module
// loaded, before setupTestEnvironment installs fake timers in this thread:
// the runner stamps invocations in its checkpoint worker, whose clock is the
// real one, while this thread's faked Date jumps over skipped waits.
const realNow = Date.now.bind(Date);
const stamp = () => new Date(realNow()).toISOString();

function recording(handler, log) {
  return async (event, context) => {
    const entry = {
      Input: JSON.parse(
        JSON.stringify({
          DurableExecutionArn: event.DurableExecutionArn,
          CheckpointToken: event.CheckpointToken,
          InitialExecutionState: event.InitialExecutionState,
        }),
      ),
    };
    log.push(entry);
    entry.Started = stamp();
    try {
      const output = await handler(event, context);
      entry.Ended = stamp();
      entry.Output = JSON.parse(JSON.stringify(output ?? null));
      return output;
    } catch (error) {
      entry.Ended = stamp();
      entry.Thrown = String(error?.stack ?? error);
      throw error;
    }
  };
}


async function runScenario(name, outDir) {
  const scenario = SCENARIOS[name];
  scenario.before?.();
  const inputs = [];
  const childInputs = [];
  const runner = new LocalDurableTestRunner({
    handlerFunction: recording(scenario.handler, inputs),
  });
  scenario.setup?.(runner, (h) => recording(h, childInputs));
  const running = runner.run({ payload: INPUT });
  if (scenario.during) await scenario.during(runner);
  const execution = await running;
  process.stderr.write(`${name}: ${execution.getStatus()}\n`);
  const write = (suffix, value) =>
    writeFileSync(join(outDir, `${name}.${suffix}.json`), JSON.stringify(value, null, 2) + "\n");
  write("history", { Events: execution.getHistoryEvents() });
  // getOperations() is already flat (children included, in order).
  write("operations", execution.getOperations().map((op) => op.getOperationData()));
  write("invocations", execution.getInvocations());
  write("inputs", inputs);
  if (childInputs.length) write("child.inputs", childInputs);
}

async function main() {
  const [outDir, ...rest] = process.argv.slice(2);
  if (!outDir) {
    process.stderr.write("usage: node run-fixtures.mjs OUT_DIR [SCENARIO ...]\n");
    return 2;
  }
  // Scenarios the JS runner cannot play are skipped by name, so one list
  // serves both runners.
  const names = (rest.length ? rest : Object.keys(SCENARIOS)).filter(
    (n) => !PYTHON_ONLY.includes(n),
  );
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    process.stderr.write(`unknown scenario(s) ${unknown}; known: ${Object.keys(SCENARIOS)}\n`);
    return 2;
  }
  mkdirSync(outDir, { recursive: true });
  for (const name of names) {
    // A fresh environment (fake clock, checkpoint server) per scenario, as a
    // test file would have: a clock advanced by earlier scenarios changes
    // whether the SDK suspends at a wait or waits in-process.
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
    try {
      await runScenario(name, outDir);
    } finally {
      await LocalDurableTestRunner.teardownTestEnvironment();
    }
  }
  return 0;
}

process.exitCode = await main();
