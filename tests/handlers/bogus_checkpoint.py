"""A handler that sends a checkpoint the service must refuse, signed like the
SDKs sign (only the access key id matters to durable-lens), then reports
PENDING. Standard library only.

    python3 bogus_checkpoint.py unknown-id | illegal-transition | oversized | wrong-key
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

MODE = sys.argv[1]
event = json.loads(sys.stdin.read())
arn = urllib.parse.quote(event["DurableExecutionArn"], safe="")
url = f"{os.environ['AWS_ENDPOINT_URL_LAMBDA']}/2025-12-01/durable-executions/{arn}/checkpoint"
key = "AKIAWRONGKEY" if MODE == "wrong-key" else os.environ["AWS_ACCESS_KEY_ID"]


def checkpoint(token, updates):
    body = json.dumps({"CheckpointToken": token, "Updates": updates}).encode()
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", f"AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {"error": e.headers.get("x-amzn-ErrorType"), "body": e.read().decode()}


token = event["CheckpointToken"]
step = {"Id": "s1", "Type": "STEP", "SubType": "Step", "Name": "charge"}
if MODE == "unknown-id":
    updates = [{"Id": "nope", "Type": "WAIT", "Action": "CANCEL"}]
elif MODE == "illegal-transition":
    status, answer = checkpoint(token, [dict(step, Action="START"), dict(step, Action="SUCCEED", Payload="1")])
    print(status, answer, file=sys.stderr)
    token = answer.get("CheckpointToken", token)
    updates = [dict(step, Action="START")]
elif MODE == "oversized":
    updates = [dict(step, Action="START"), dict(step, Action="SUCCEED", Payload="x" * (256 * 1024 + 1))]
else:
    updates = [dict(step, Action="START")]
status, answer = checkpoint(token, updates)
print(status, answer, file=sys.stderr)
if status != 200:
    print(json.dumps({"Status": "FAILED", "Error": {"ErrorType": "CheckpointError", "ErrorMessage": str(answer)[:300]}}))
else:
    print(json.dumps({"Status": "SUCCEEDED", "Result": "null"}))
