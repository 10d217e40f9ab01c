// Record a JS handler's execution with the SDK's own local test runner and
// write its history events (GetDurableExecutionHistory shape). A handler
// module may export `invokedFunctions` ({name: handler}): the functions its
// chained invokes call, registered with the runner.
//
//   node record-js.mjs <handler file> '<input json>' <out file>
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";

const [file, input, out] = process.argv.slice(2);
const { handler, invokedFunctions = {} } = await import(pathToFileURL(resolve(file)).href);
await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
try {
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  // Functions the handler calls with context.invoke (chained invokes).
  for (const [name, fn] of Object.entries(invokedFunctions)) runner.registerFunction(name, fn);
  const execution = await runner.run({ payload: JSON.parse(input) });
  writeFileSync(out, JSON.stringify({ Events: execution.getHistoryEvents() }, null, 2));
  console.error(`recorded: ${execution.getStatus?.() ?? "?"}`);
} finally {
  await LocalDurableTestRunner.teardownTestEnvironment();
}
process.exit(0);
