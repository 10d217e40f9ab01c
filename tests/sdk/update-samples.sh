#!/usr/bin/env bash
# Refresh sample-histories/ from fresh runs of the official SDKs' local
# runners (see regenerate.sh). Which run becomes which sample is listed here
# and in sample-histories/README.md; the large sample comes from
# examples/gen_large_history.rs instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
samples="$here/../../sample-histories"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The samples come from the first six scenarios only (python-store.db holds
# one execution each; the test counts them).
"$here/regenerate.sh" "$tmp" order-flow retries callback-flow fanout nondeterministic chained-invoke
js="$tmp/js-sdk"; py="$tmp/python-sdk"
mkdir -p "$samples"
cp "$js/order-flow.history.json"        "$samples/order-flow.history.json"
cp "$js/order-flow.operations.json"     "$samples/order-flow.operations.json"
cp "$js/order-flow.invocations.json"    "$samples/order-flow.invocations.json"
cp "$js/retries.history.json"           "$samples/retries.history.json"
cp "$js/callback-flow.history.json"     "$samples/callback-flow.history.json"
cp "$js/fanout.history.json"            "$samples/fanout.history.json"
cp "$js/nondeterministic.history.json"  "$samples/nondeterministic.history.json"
cp "$js/chained-invoke.history.json"    "$samples/chained-invoke.history.json"
cp "$py/order-flow.history.json"        "$samples/order-flow.python.history.json"
cp "$py/order-flow.store.json"          "$samples/order-flow.python.store.json"
cp "$py/retries.history-cli.json"       "$samples/retries.python.history-cli.json"
cp "$py/callback-flow.history.json"     "$samples/callback-flow.python.history.json"
cp "$py/fanout.store.json"              "$samples/fanout.python.store.json"
cp "$py/nondeterministic.history.json"  "$samples/nondeterministic.python.history.json"
cp "$py/chained-invoke.history.json"    "$samples/chained-invoke.python.history.json"
cp "$py/emulator-store.db"              "$samples/python-store.db"
echo "sample-histories/ refreshed from the official SDK runners"
