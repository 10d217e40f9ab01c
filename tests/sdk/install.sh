#!/usr/bin/env bash
# Install the official AWS durable execution SDKs and their local test
# runners, pinned, for tests/sdk_fixtures.rs:
#   JS:     npm ci from package-lock.json into tests/sdk/node_modules
#   Python: a venv at tests/sdk/.venv with requirements.txt
# Idempotent: re-running only checks that both are in place (and repairs
# them if not). Needs node/npm and python3.11 (or PYTHON=...) on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# --- JS ---------------------------------------------------------------------
# The lock file is the pin; reinstall only when it changed since last time.
stamp="node_modules/.durable-lens-lock.sha"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
node -e 'import("@aws/durable-execution-sdk-js-testing").then(() => {}, (e) => { console.error(e); process.exit(1) })'

# --- Python -----------------------------------------------------------------
py="${PYTHON:-}"
if [[ -z "$py" ]]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1; then py="$cand"; break; fi
  done
fi
if [[ -z "$py" ]]; then
  echo "tests/sdk/install.sh: no python3 found (need >= 3.11)" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  "$py" -m venv .venv
fi
stamp=".venv/.durable-lens-req.sha"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi
.venv/bin/python -c 'import aws_durable_execution_sdk_python, aws_durable_execution_sdk_python_testing'
echo "tests/sdk: official JS and Python SDKs + test runners installed"
