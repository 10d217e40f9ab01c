"""Run the scenarios in handlers.py with the Python testing package's own
local runner and write the files people really have:

  <scenario>.history.json      GetDurableExecutionHistory as the local runner
                               serialises it (epoch-second floats)
  <scenario>.history-pages.json the pages as served, one per line, when there
                               are several (loop-2000)
  <scenario>.history-cli.json  the same response as the AWS CLI prints it:
                               parsed by botocore's own Lambda model, then
                               dumped with ISO-8601 timestamps
  <scenario>.store.json        the execution file of the filesystem store
  <scenario>.store/            the filesystem store's folder (one file per
                               execution: a chained invoke's durable child too)
  <scenario>.state.json        GetDurableExecutionState of the finished run
  <scenario>.inputs.json       what each handler invocation received and
                               returned, in invocation order (see Recording):
                               the oracle's ground truth
  <scenario>.child.inputs.json the same for a chained invoke's durable child
  emulator-store.db            the SQLite store with every scenario's execution

Usage: run_fixtures.py OUT_DIR [SCENARIO ...]   (default: all scenarios)
"""

from __future__ import annotations

import datetime
import json
import shutil
import sys
import tempfile
from pathlib import Path

import botocore.session
from botocore.parsers import create_parser

from aws_durable_execution_sdk_python.lambda_service import ErrorObject
from aws_durable_execution_sdk_python_testing.model import GetDurableExecutionStateResponse
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.filesystem import (
    FileSystemExecutionStore,
)
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
from aws_durable_execution_sdk_python_testing.stores.sqlite import (
    SQLiteExecutionStore,
)
from aws_durable_execution_sdk_python_testing.web.serialization import JSONSerializer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handlers  # noqa: E402

INPUT = json.dumps({"orderId": "123"})
TIMEOUT = 120

SCENARIOS = {
    "order-flow": (handlers.order_flow, "order_flow"),
    "retries": (handlers.retries, "retries"),
    "callback-flow": (handlers.callback_flow, "callback_flow"),
    "fanout": (handlers.fanout, "fanout"),
    "nondeterministic": (handlers.nondeterministic, "nondeterministic"),
    "chained-invoke": (handlers.chained_invoke, "chained_invoke"),
    "retry-exhausted": (handlers.retry_exhausted, "retry_exhausted"),
    "callback-failed": (handlers.callback_failed, "callback_failed"),
    "execution-timeout": (handlers.execution_timeout, "execution_timeout"),
    "chained-invoke-durable": (handlers.chained_invoke_durable, "chained_invoke_durable"),
    "nested": (handlers.nested, "nested"),
    "removed-operation": (handlers.removed_operation, "removed_operation"),
    "loop-2000": (handlers.loop_2000, "loop_2000"),
    "wait-for-condition": (handlers.wait_for_condition, "wait_for_condition"),
    "callback-timeout": (handlers.callback_timeout, "callback_timeout"),
}

# execution-timeout: shorter than anyone takes to answer its callback (the
# runner arms it on a real-time scheduler, so it costs this many seconds).
EXECUTION_TIMEOUT_SECONDS = 2


class Recording:
    """Wraps the function @durable_execution returned, which the runner's
    InProcessInvoker.invoke calls with the invocation input object
    (DurableExecutionInvocationInputWithClient: the Lambda event's fields plus
    a service client) and whose return value is the raw Lambda output dict.
    Each input is saved in its Lambda JSON form (to_json_dict: the shape the
    service sends) before the handler runs; each output after.

    `Started` / `Ended` are read just before the handler is called and just
    after it returns, on the runner's own clock (`clock`, set once the
    runner exists): with time skipping that clock is real time plus the
    time skipped so far, and it stamps every timestamp the runner records,
    so the two are comparable; the plain wall clock would lag by every
    skipped wait."""

    def __init__(self, handler):
        self.handler = handler
        self.log: list[dict] = []
        self.clock = None

    def now(self) -> str:
        return self.clock.now().isoformat(timespec="microseconds")

    def __call__(self, event, context):
        entry = {"Input": json.loads(json.dumps(event.to_json_dict(), default=str))}
        self.log.append(entry)
        entry["Started"] = self.now()
        try:
            output = self.handler(event, context)
        except BaseException as error:  # recorded, then re-raised unchanged
            entry["Ended"] = self.now()
            entry["Thrown"] = repr(error)
            raise
        entry["Ended"] = self.now()
        entry["Output"] = json.loads(json.dumps(output, default=str))
        return output


def cli_style(history: dict) -> dict:  # the AWS CLI's view of the same bytes
    """What `aws lambda get-durable-execution-history` prints: botocore parses
    the wire JSON with the service model (timestamps become datetimes) and the
    CLI prints datetimes as ISO-8601."""
    model = botocore.session.get_session().get_service_model("lambda")
    op = model.operation_model("GetDurableExecutionHistory")
    body = json.dumps(history).encode()
    parsed = create_parser("rest-json").parse(
        {"body": body, "headers": {}, "status_code": 200}, op.output_shape
    )
    parsed.pop("ResponseMetadata", None)

    def iso(value):
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        raise TypeError(type(value))

    return json.loads(json.dumps(parsed, default=iso))


def run_scenario(name: str, out: Path, sqlite: SQLiteExecutionStore) -> None:
    handler, function_name = SCENARIOS[name]
    handlers.reset_nondeterministic()
    handlers.reset_removed()
    recording = Recording(handler)
    child = Recording(handlers.shipping_service)
    timeout = EXECUTION_TIMEOUT_SECONDS if name == "execution-timeout" else TIMEOUT
    with tempfile.TemporaryDirectory() as tmp:
        folder_store = FileSystemExecutionStore.create(Path(tmp) / "executions")
        # The filesystem store rewrites the whole execution file on every
        # checkpoint (quadratic: loop-2000 takes minutes); that scenario runs
        # on the in-memory store and the filesystem store writes its files
        # once at the end (same code, same bytes).
        in_memory = name == "loop-2000"
        store = InMemoryExecutionStore() if in_memory else folder_store
        with DurableFunctionTestRunner(
            handler=recording, store=store, execution_timeout=timeout
        ) as runner:
            # The runner's clock (private: the package offers no other way
            # to read the time it stamps with).
            recording.clock = child.clock = runner._clock  # noqa: SLF001
            if name == "chained-invoke":
                runner.register_function("pricing-service", handlers.pricing_service)
            if name == "chained-invoke-durable":
                runner.register_durable_function("shipping-service", child)
            arn = runner.run_async(
                input=INPUT,
                execution_timeout=timeout,
                function_name=function_name,
                execution_name=f"{function_name}-1",
            )
            if name in ("callback-flow", "callback-failed"):
                callback_id = runner.wait_for_callback(arn, timeout=TIMEOUT)
                if name == "callback-flow":
                    answer = {"approved": True, "by": "manager@example.com"}
                    runner.send_callback_success(callback_id, json.dumps(answer).encode())
                else:
                    runner.send_callback_failure(
                        callback_id,
                        ErrorObject(
                            message="rejected by manager@example.com",
                            type="ApprovalRejected",
                            data=None,
                            stack_trace=None,
                        ),
                    )
            result = runner.wait_for_result(arn, timeout=TIMEOUT)
            print(f"{name}: {result.status}", file=sys.stderr)
            # The bytes the local runner's web server sends for each page of
            # this call (its JSON serializer writes datetimes as epoch-second
            # floats). The service pages the history (100 events a page
            # here); the runner's own get_execution_history returns page 1
            # only, so the pages are walked on its executor, as the web
            # server does for a caller passing the NextMarker back.
            pages = []
            marker = None
            while True:
                response = runner._executor.get_execution_history(  # noqa: SLF001
                    arn, include_execution_data=True, marker=marker
                )
                pages.append(json.loads(JSONSerializer().to_bytes(response.to_dict())))
                marker = pages[-1].get("NextMarker")
                if not marker:
                    break
            # One document with every event, as a caller that concatenated
            # the pages' Events has it.
            history = {"Events": [e for page in pages for e in page["Events"]]}
            execution = store.load(arn)
            # The service answers GetDurableExecutionState only during an
            # invocation; the finished run's operations in its response shape.
            state = GetDurableExecutionStateResponse(operations=list(execution.operations))
            if in_memory:
                for each in store.list_all():
                    folder_store.save(each)
        files = sorted((Path(tmp) / "executions").glob("*.json"))
        own = [f for f in files if json.loads(f.read_text())["DurableExecutionArn"] == arn]
        if len(own) != 1:
            raise SystemExit(f"{name}: expected one store file for {arn}, found {files}")
        shutil.copyfile(own[0], out / f"{name}.store.json")
        folder = out / f"{name}.store"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(Path(tmp) / "executions", folder)
        # Every execution of the run (a durable child too), as the store
        # has them.
        for each in folder_store.list_all():
            sqlite.save(each)
    (out / f"{name}.state.json").write_text(
        json.dumps(json.loads(JSONSerializer().to_bytes(state.to_dict())), indent=2) + "\n"
    )
    (out / f"{name}.inputs.json").write_text(json.dumps(recording.log, indent=1) + "\n")
    if child.log:
        (out / f"{name}.child.inputs.json").write_text(json.dumps(child.log, indent=1) + "\n")
    (out / f"{name}.history.json").write_text(json.dumps(history, indent=2) + "\n")
    if len(pages) > 1:
        # The pages as served, one JSON document per line.
        (out / f"{name}.history-pages.json").write_text(
            "".join(json.dumps(page) + "\n" for page in pages)
        )
    (out / f"{name}.history-cli.json").write_text(
        json.dumps(cli_style(history), indent=4) + "\n"
    )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    names = argv[1:] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s) {unknown}; known: {list(SCENARIOS)}", file=sys.stderr)
        return 2
    db = out / "emulator-store.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    sqlite = SQLiteExecutionStore.create_and_initialize(db)
    for name in names:
        run_scenario(name, out, sqlite)
    # Fold the WAL back so the .db file alone is complete when copied.
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE);")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
