#!/usr/bin/env bash
# Regenerate real history files with the official SDKs' own local runners:
#   OUT/js-sdk/<scenario>.{history,operations,invocations}.json
#   OUT/python-sdk/<scenario>.{history,history-cli,store}.json + emulator-store.db
# Scenarios: order-flow retries callback-flow fanout nondeterministic chained-invoke.
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
log="$out/regenerate.log"
if ! node "$here/js/run-fixtures.mjs" "$out/js-sdk" "$@" >"$log" 2>&1; then
  cat "$log" >&2; echo "JS runner failed" >&2; exit 1
fi
if ! "$here/.venv/bin/python" "$here/python/run_fixtures.py" "$out/python-sdk" "$@" >>"$log" 2>&1; then
  cat "$log" >&2; echo "Python runner failed" >&2; exit 1
fi
grep -E '^[a-z-]+: ' "$log" >&2 || true
