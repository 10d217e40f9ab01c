"""Record a Python handler's execution with the SDK's own local test runner
into a filesystem store folder (one execution JSON per run).

    python record_py.py module:function '<input json>' <store dir>
"""

import importlib
import os
import sys

from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.filesystem import FileSystemExecutionStore


def main() -> int:
    spec, payload, store_dir = sys.argv[1:4]
    module, _, func = spec.partition(":")
    sys.path.insert(0, os.getcwd())
    handler = getattr(importlib.import_module(module), func)
    store = FileSystemExecutionStore.create(store_dir)
    runner = DurableFunctionTestRunner(handler=handler, store=store, skip_time=True, poll_interval=0.05)
    result = runner.run(input=payload, execution_timeout=60, function_name=module, execution_name=f"{module}-recorded")
    print(f"recorded: {getattr(result, 'status', '?')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
