"""Record a Python handler's execution with the SDK's own local test runner
into a filesystem store folder (one execution JSON per run).

    python record_py.py module:function '<input json>' <store dir> [<history out>]

With <history out>, the execution's history events are written there too, as
the runner's web server serialises GetDurableExecutionHistory.

A handler module may define ``INVOKED_FUNCTIONS`` ({name: handler}): the
functions its chained invokes call, registered with the runner.
"""

import importlib
import os
import sys

from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.filesystem import FileSystemExecutionStore


def main() -> int:
    spec, payload, store_dir = sys.argv[1:4]
    history_out = sys.argv[4] if len(sys.argv) > 4 else None
    module, _, func = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    mod = importlib.import_module(module)
    handler = getattr(mod, func)
    store = FileSystemExecutionStore.create(store_dir)
    runner = DurableFunctionTestRunner(handler=handler, store=store, skip_time=True, poll_interval=0.05)
    # Functions the handler calls with context.invoke (chained invokes).
    for name, target in getattr(mod, "INVOKED_FUNCTIONS", {}).items():
        runner.register_function(name, target)
    arn = runner.run_async(input=payload, execution_timeout=60, function_name=module, execution_name=f"{module}-recorded")
    result = runner.wait_for_result(execution_arn=arn, timeout=60)
    if history_out:
        import json

        from aws_durable_execution_sdk_python_testing.web.serialization import JSONSerializer

        response = runner.get_execution_history(arn, include_execution_data=True)
        history = json.loads(JSONSerializer().to_bytes(response.to_dict()))
        with open(history_out, "w") as f:
            json.dump(history, f, indent=2)
    print(f"recorded: {getattr(result, 'status', '?')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
