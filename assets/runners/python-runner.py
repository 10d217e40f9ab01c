"""durable-lens runner shim for Python handlers: runs one Lambda invocation.

    python python-runner.py module:function        (module importable from the cwd)
    python python-runner.py path/to/file.py:function

Reads the invocation event (JSON) on stdin, calls the handler with a minimal
Lambda context, and prints the handler's result as one line of JSON on
stdout. Whatever the handler prints goes to stderr, so stdout holds only the
result. If the handler raises, a Lambda-style error object
({"errorType","errorMessage","stackTrace"}) is printed and the exit status is 1.
"""

import importlib
import importlib.util
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, timeout_ms: int) -> None:
        self._deadline = time.monotonic() + timeout_ms / 1000.0
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "durable-lens-rerun")
        self.function_version = "$LATEST"
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{self.function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = os.environ.get("DURABLE_LENS_REQUEST_ID", "durable-lens")
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "durable-lens"
        self.tenant_id = None
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load(spec: str):
    target, _, func = spec.rpartition(":")
    if not target or not func:
        raise ValueError(f"expected module:function or file.py:function, got {spec!r}")
    sys.path.insert(0, os.getcwd())
    if target.endswith(".py"):
        path = os.path.abspath(target)
        sys.path.insert(0, os.path.dirname(path))
        mspec = importlib.util.spec_from_file_location("durable_lens_handler", path)
        if mspec is None or mspec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(mspec)
        mspec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    handler = getattr(module, func, None)
    if not callable(handler):
        raise AttributeError(f"{target} has no function {func!r}")
    return handler


def main() -> int:
    real_stdout = sys.stdout
    # Keep stdout for the result only.
    sys.stdout = sys.stderr
    try:
        if len(sys.argv) != 2:
            raise ValueError("usage: python python-runner.py module:function")
        handler = load(sys.argv[1])
        event = json.loads(sys.stdin.read())
        context = Context(int(os.environ.get("DURABLE_LENS_TIMEOUT_MS", "900000")))
        result = handler(event, context)
        real_stdout.write(json.dumps(result, default=str) + "\n")
        real_stdout.flush()
        return 0
    except BaseException as e:  # noqa: BLE001 - report anything the handler raised
        traceback.print_exc()
        real_stdout.write(
            json.dumps(
                {
                    "errorType": type(e).__name__,
                    "errorMessage": str(e),
                    "stackTrace": traceback.format_exception(e),
                }
            )
            + "\n"
        )
        real_stdout.flush()
        return 1


if __name__ == "__main__":
    sys.exit(main())
