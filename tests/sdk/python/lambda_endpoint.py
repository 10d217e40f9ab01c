"""A Lambda Invoke endpoint for `dex-local-runner start-server
--lambda-endpoint`: the official local durable execution service invokes
each handler invocation here (`POST /2015-03-31/functions/{name}/invocations`,
boto3's Invoke), and this runs the handler of handlers.py with that name,
in this process, as Lambda would run it (module state survives between
invocations, as in a warm Lambda). The handlers checkpoint to the service
through the SDK's own boto3 client (AWS_ENDPOINT_URL_LAMBDA points it at
the service).

Usage: lambda_endpoint.py  -> prints "listening <port>" once it accepts
connections on 127.0.0.1 (a free port), then serves until killed.
"""

from __future__ import annotations

import json
import sys
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handlers  # noqa: E402

from aws_durable_execution_sdk_python import DurableContext, durable_execution  # noqa: E402

LOOP_STEPS = 60


@durable_execution
def loop_60(event, context: DurableContext):
    """Enough steps (two events each) for a history of several pages (the
    service serves 100 events a page)."""
    total = 0
    for i in range(1, LOOP_STEPS + 1):
        total += context.step(lambda _, i=i: i, name=f"item-{i}")
    return {"total": total}


HANDLERS = {
    "order-flow": handlers.order_flow,
    "retries": handlers.retries,
    "callback-flow": handlers.callback_flow,
    "fanout": handlers.fanout,
    "nondeterministic": handlers.nondeterministic,
    "nested": handlers.nested,
    "loop-60": loop_60,
}


class Context:
    """The parts of a Lambda context object the SDK reads."""

    def __init__(self, name: str) -> None:
        self.function_name = name
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-west-2:123456789012:function:{name}"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class Invoke(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        parts = self.path.split("?")[0].strip("/").split("/")
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if len(parts) != 4 or parts[1] != "functions" or parts[3] != "invocations":
            self._send(404, {"Type": "User", "Message": f"no route {self.path}"}, "ResourceNotFoundException")
            return
        name = unquote(parts[2]).split(":")[-1] if parts[2].startswith("arn") else unquote(parts[2]).split(":")[0]
        handler = HANDLERS.get(name)
        if handler is None:
            self._send(404, {"Type": "User", "Message": f"Function not found: {name}"}, "ResourceNotFoundException")
            return
        context = Context(name)
        try:
            result = handler(json.loads(body), context)
        except Exception as e:  # noqa: BLE001 - reported as Lambda reports it
            traceback.print_exc()
            self._send(200, {"errorMessage": str(e), "errorType": type(e).__name__}, function_error=True)
            return
        self._send(200, result, request_id=context.aws_request_id)

    def _send(self, status, doc, error_type=None, function_error=False, request_id=None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Amz-Executed-Version", "$LATEST")
        self.send_header("x-amzn-RequestId", request_id or str(uuid.uuid4()))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        if function_error:
            self.send_header("X-Amz-Function-Error", "Unhandled")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
