"""A handler that sends a checkpoint the service must refuse, SigV4-signed
by botocore as the Python SDK's client signs (wrong-key: signed with another
key id), then reports PENDING. Run with the tests' venv python.

    python bogus_checkpoint.py unknown-id | illegal-transition | oversized | wrong-key
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

MODE = sys.argv[1]
event = json.loads(sys.stdin.read())
arn = urllib.parse.quote(event["DurableExecutionArn"], safe="")
url = f"{os.environ['AWS_ENDPOINT_URL_LAMBDA']}/2025-12-01/durable-executions/{arn}/checkpoint"
key = "AKIAWRONGKEY" if MODE == "wrong-key" else os.environ["AWS_ACCESS_KEY_ID"]
signer = SigV4Auth(Credentials(key, os.environ["AWS_SECRET_ACCESS_KEY"]), "lambda", os.environ["AWS_REGION"])


def checkpoint(token, updates):
    body = json.dumps({"CheckpointToken": token, "Updates": updates}).encode()
    signed = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    signer.add_auth(signed)
    req = urllib.request.Request(url, data=body, method="POST", headers=dict(signed.headers.items()))
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
