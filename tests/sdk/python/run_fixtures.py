"""Run the scenarios in handlers.py with the Python testing package's own
local runner and write the files people really have:

  <scenario>.history.json      GetDurableExecutionHistory as the local runner
                               serialises it (epoch-second floats)
  <scenario>.history-cli.json  the same response as the AWS CLI prints it:
                               parsed by botocore's own Lambda model, then
                               dumped with ISO-8601 timestamps
  <scenario>.store.json        the execution file of the filesystem store
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

from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.filesystem import (
    FileSystemExecutionStore,
)
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
}


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
    with tempfile.TemporaryDirectory() as tmp:
        store = FileSystemExecutionStore.create(Path(tmp) / "executions")
        with DurableFunctionTestRunner(
            handler=handler, store=store, execution_timeout=TIMEOUT
        ) as runner:
            if name == "chained-invoke":
                runner.register_function("pricing-service", handlers.pricing_service)
            arn = runner.run_async(
                input=INPUT,
                execution_timeout=TIMEOUT,
                function_name=function_name,
                execution_name=f"{function_name}-1",
            )
            if name == "callback-flow":
                callback_id = runner.wait_for_callback(arn, timeout=TIMEOUT)
                answer = {"approved": True, "by": "manager@example.com"}
                runner.send_callback_success(callback_id, json.dumps(answer).encode())
            result = runner.wait_for_result(arn, timeout=TIMEOUT)
            print(f"{name}: {result.status}", file=sys.stderr)
            response = runner.get_execution_history(arn, include_execution_data=True)
            # The bytes the local runner's web server sends for this call
            # (its JSON serializer writes datetimes as epoch-second floats).
            history = json.loads(JSONSerializer().to_bytes(response.to_dict()))
            execution = store.load(arn)
        files = list((Path(tmp) / "executions").glob("*.json"))
        if len(files) != 1:
            raise SystemExit(f"{name}: expected one store file, found {files}")
        shutil.copyfile(files[0], out / f"{name}.store.json")
    sqlite.save(execution)
    (out / f"{name}.history.json").write_text(json.dumps(history, indent=2) + "\n")
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
