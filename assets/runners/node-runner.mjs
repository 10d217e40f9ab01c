// durable-lens runner shim for Node handlers: runs one Lambda invocation.
//
//   node node-runner.mjs <handler file (.mjs/.js/.cjs)> [export name, default "handler"]
//
// Reads the invocation event (JSON) on stdin, calls the exported handler with
// a minimal Lambda context, and prints the handler's result as one line of
// JSON on stdout. Everything the handler logs goes to stderr, so stdout holds
// only the result. If the handler throws, a Lambda-style error object
// ({"errorType","errorMessage","stackTrace"}) is printed and the exit status is 1.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [file, exportName = "handler"] = process.argv.slice(2);
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

// Keep stdout for the result only.
for (const level of ["log", "info", "debug", "trace"]) {
  console[level] = (...args) => console.error(...args);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function fail(err, code) {
  out({
    errorType: err?.name ?? "Error",
    errorMessage: err?.message ?? String(err),
    stackTrace: typeof err?.stack === "string" ? err.stack.split("\n") : [],
  });
  process.exitCode = code;
}

async function main() {
  if (!file) {
    fail(new Error("usage: node node-runner.mjs <handler file> [export name]"), 2);
    return;
  }
  const mod = await import(pathToFileURL(resolve(process.cwd(), file)).href);
  const handler = mod[exportName] ?? mod.default?.[exportName];
  if (typeof handler !== "function") {
    fail(new Error(`${file} has no exported function "${exportName}"`), 2);
    return;
  }
  const event = JSON.parse(await readStdin());
  const timeoutMs = Number(process.env.DURABLE_LENS_TIMEOUT_MS ?? 900000);
  const deadline = Date.now() + timeoutMs;
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "durable-lens-rerun";
  const context = {
    awsRequestId: process.env.DURABLE_LENS_REQUEST_ID ?? "durable-lens",
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? "us-east-1"}:000000000000:function:${functionName}`,
    memoryLimitInMB: "128",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "durable-lens",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const result = await handler(event, context);
  out(result ?? null);
}

main().then(
  // The SDK may leave timers armed; an invocation ends when the handler returns.
  () => process.stdout.write("", () => process.exit(process.exitCode ?? 0)),
  (err) => {
    fail(err, 1);
    process.stdout.write("", () => process.exit(1));
  },
);
