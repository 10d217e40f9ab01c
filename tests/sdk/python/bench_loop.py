"""The loop-2000 scenario (handlers.loop_2000) for benches/rerun.rs.

As a module, `handler` is that handler, with BENCH_LOOP_STEPS steps (default
2,000) so the bench's smoke mode can run a short loop: durable-lens re-runs
it as `bench_loop:handler` through assets/runners/python-runner.py.

As a script, `bench_loop.py OUT_FILE` runs it once with the Python testing
package's own in-memory runner (DurableFunctionTestRunner on an
InMemoryExecutionStore, as run_fixtures.py plays loop-2000), writes the
execution's history (all pages, as run_fixtures.py writes <scenario>.history.json)
to OUT_FILE and prints one JSON line: {"seconds": <runner start to result>,
"status": ..., "steps": ...}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import handlers

handlers.LOOP_STEPS = int(os.environ.get("BENCH_LOOP_STEPS", handlers.LOOP_STEPS))
handler = handlers.loop_2000


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
    from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore
    from aws_durable_execution_sdk_python_testing.web.serialization import JSONSerializer

    started = time.perf_counter()
    store = InMemoryExecutionStore()
    with DurableFunctionTestRunner(handler=handler, store=store, execution_timeout=600) as runner:
        arn = runner.run_async(
            input=json.dumps({"orderId": "123"}),
            execution_timeout=600,
            function_name="loop_2000",
            execution_name="loop_2000-1",
        )
        result = runner.wait_for_result(arn, timeout=600)
        seconds = time.perf_counter() - started
        events, marker = [], None
        while True:
            response = runner._executor.get_execution_history(  # noqa: SLF001
                arn, include_execution_data=True, marker=marker
            )
            page = json.loads(JSONSerializer().to_bytes(response.to_dict()))
            events.extend(page["Events"])
            marker = page.get("NextMarker")
            if not marker:
                break
    Path(argv[0]).write_text(json.dumps({"Events": events}) + "\n")
    print(json.dumps({"seconds": seconds, "status": str(result.status), "steps": handlers.LOOP_STEPS}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
