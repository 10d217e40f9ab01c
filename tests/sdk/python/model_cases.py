"""Record the model's edge cases with the Python testing runner (the same
runner, store and serializers as run_fixtures.py), beside the scenarios:

  exhausted           a step whose retries run out (2 attempts): FAILED
  suspended-timeout   a wait-for-callback never answered; the execution
                      times out (3 s) while the handler is suspended
  two-waits           step, wait, step, wait, step: three invocations, the
                      first wait over before the second invocation

Writes <case>.{history,history-cli,store}.json to OUT_DIR.
Usage: model_cases.py OUT_DIR
"""

import json, sys, tempfile, shutil
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_fixtures as rf
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryDecision
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.filesystem import FileSystemExecutionStore
from aws_durable_execution_sdk_python_testing.web.serialization import JSONSerializer

def _fail(step_ctx):
    raise RuntimeError(f"card declined (attempt {step_ctx.attempt})")

def _retry(_e, n):
    if n >= 2:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(1))

@durable_execution
def exhausted(event, context: DurableContext):
    context.step(lambda _: "ok", name="create-order")
    context.step(_fail, name="charge-card", config=StepConfig(retry_strategy=_retry))
    return "never"

@durable_execution
def suspended_timeout(event, context: DurableContext):
    context.step(lambda _: "requested", name="request-approval")
    return context.wait_for_callback(lambda cid, _c: None, name="manager-approval")

@durable_execution
def two_waits(event, context: DurableContext):
    context.step(lambda _: 1, name="one")
    context.wait(Duration.from_seconds(2), name="first-wait")
    context.step(lambda _: 2, name="two")
    context.wait(Duration.from_seconds(2), name="second-wait")
    return context.step(lambda _: 3, name="three")

def run(name, handler, timeout, out):
    with tempfile.TemporaryDirectory() as tmp:
        store = FileSystemExecutionStore.create(Path(tmp) / "executions")
        with DurableFunctionTestRunner(handler=handler, store=store, execution_timeout=timeout) as runner:
            arn = runner.run_async(input="{}", execution_timeout=timeout, function_name=name, execution_name=name+"-1")
            try:
                result = runner.wait_for_result(arn, timeout=timeout+30)
                print(name, result.status, file=sys.stderr)
            except Exception as e:
                print(name, "wait error", e, file=sys.stderr)
            response = runner.get_execution_history(arn, include_execution_data=True)
            history = json.loads(JSONSerializer().to_bytes(response.to_dict()))
        files = list((Path(tmp) / "executions").glob("*.json"))
        shutil.copyfile(files[0], out / f"{name}.store.json")
    (out / f"{name}.history.json").write_text(json.dumps(history, indent=2) + "\n")
    (out / f"{name}.history-cli.json").write_text(json.dumps(rf.cli_style(history), indent=4) + "\n")

out = Path(sys.argv[1])
run("exhausted", exhausted, 60, out)
run("suspended-timeout", suspended_timeout, 3, out)
run("two-waits", two_waits, 60, out)
