#!/usr/bin/env bash
# Fails if any tracked file names the `../shared` folder beside the
# repository: a clone must pass its tests with nothing next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
if hits=$(git grep -n -I -F '../shared' -- ':!scripts/no-shared.sh'); then
  echo "files in the repository name ../shared (copy what they need into the repository):"
  echo "$hits"
  exit 1
fi
echo "no file names ../shared"
