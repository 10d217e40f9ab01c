#!/usr/bin/env bash
# Regenerate real history files with the official SDKs' own local runners:
#   OUT/js-sdk/<scenario>.{history,operations,invocations,inputs}.json
#   OUT/python-sdk/<scenario>.{history,history-cli,store,state,inputs}.json,
#     <scenario>.store/ + emulator-store.db
#   (<scenario>.child.inputs.json too where a durable child execution runs)
# Scenarios: order-flow retries callback-flow fanout nondeterministic
# chained-invoke retry-exhausted callback-failed execution-timeout (Python
# only) chained-invoke-durable nested removed-operation loop-2000
# wait-for-condition callback-timeout.
# Run tests/sdk/install.sh first. Usage: regenerate.sh OUT [SCENARIO ...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 OUT_DIR [SCENARIO ...]" >&2
  exit 2
fi
out="$1"; shift
if [[ ! -d "$here/node_modules/@aws/durable-execution-sdk-js-testing" || ! -x "$here/.venv/bin/python" ]]; then
  echo "official SDKs not installed: run tests/sdk/install.sh" >&2
  exit 3
fi
mkdir -p "$out/js-sdk" "$out/python-sdk"
# The SDKs log every step failure and replay decision; keep that out of the
# way unless a run fails.
# The two runners are independent: run them side by side (loop-2000 takes
# the JS runner most of a minute).
log="$out/regenerate.log"
node "$here/js/run-fixtures.mjs" "$out/js-sdk" "$@" >"$log.js" 2>&1 &
js=$!
py_ok=0
"$here/.venv/bin/python" "$here/python/run_fixtures.py" "$out/python-sdk" "$@" >"$log.py" 2>&1 || py_ok=$?
js_ok=0
wait "$js" || js_ok=$?
cat "$log.js" "$log.py" >"$log"
if [[ $js_ok -ne 0 ]]; then
  cat "$log.js" >&2; echo "JS runner failed" >&2; exit 1
fi
if [[ $py_ok -ne 0 ]]; then
  cat "$log.py" >&2; echo "Python runner failed" >&2; exit 1
fi
rm -f "$log.js" "$log.py"
grep -E '^[a-z0-9-]+: ' "$log" >&2 || true
