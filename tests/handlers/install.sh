#!/usr/bin/env bash
# Install the pinned official SDKs the re-run tests drive:
#   - npm: @aws/durable-execution-sdk-js 2.4.0 (+ -testing 1.1.4) and the Lambda
#     runtime interface client aws-lambda-ric 4.0.2, from package-lock.json
#     (aws-lambda-ric builds native code: cmake, autoconf, automake, libtool
#     and a C++ compiler, installed with apt-get when missing and root)
#   - PyPI: aws-durable-execution-sdk-python 3.0.0 (+ -testing 1.4.0) and the
#     Lambda runtime interface client awslambdaric 4.2.2 into tests/handlers/.venv
# Idempotent: skips what is already installed at the pinned versions.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: node and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi
if [ ! -f node_modules/@aws/durable-execution-sdk-js/package.json ] \
  || ! grep -q '"version": "2.4.0"' node_modules/@aws/durable-execution-sdk-js/package.json \
  || [ ! -f node_modules/aws-lambda-ric/package.json ] \
  || ! grep -q '"version": "4.0.2"' node_modules/aws-lambda-ric/package.json; then
  missing=""
  for tool in cmake autoconf automake libtoolize make g++; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake autoconf automake libtool make g++ >/dev/null
    else
      echo "install.sh: aws-lambda-ric's native build needs:$missing (apt-get install cmake autoconf automake libtool make g++)" >&2
      exit 1
    fi
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi

PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null; then
  echo "install.sh: python3 is required" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import importlib.metadata as m; assert m.version('aws-durable-execution-sdk-python') == '3.0.0'; assert m.version('aws-durable-execution-sdk-python-testing') == '1.4.0'; assert m.version('awslambdaric') == '4.2.2'" 2>/dev/null; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
echo "install.sh: JS and Python SDKs ready in $(pwd)"
