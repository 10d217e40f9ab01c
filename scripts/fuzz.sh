#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time and fails on any
# crash, timeout or out-of-memory (CI calls it; see README "Fuzzing").
# Needs the nightly toolchain; installs the pinned cargo-fuzz if missing.
#   scripts/fuzz.sh            every target, FUZZ_SECONDS (45) each
#   scripts/fuzz.sh analyze    one target
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
SECONDS_EACH=${FUZZ_SECONDS:-45}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(load_bytes fast_vs_serde analyze sqlite_store folder_store)

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# No sanitizer: the crate forbids unsafe code, and ASan would halve the
# executions per second; debug assertions and overflow checks stay on.
(cd fuzz && cargo +nightly fuzz build -s none)

# Seeds: every small real and malformed input the project has, copied into
# each target's working corpus (fuzz/corpus/, not committed), so the run
# always starts from the current fixtures and regression inputs.
seed() { # <dir> <find predicates...>
  local dir=$1
  shift
  mkdir -p "$dir"
  # Named by content, as libFuzzer names what it adds: same-named fixtures
  # in different folders all get in, and a rerun adds nothing twice.
  find tests/fixtures sample-histories tests/malformed -type f "$@" -print0 |
    while IFS= read -r -d '' f; do
      cp "$f" "$dir/$(sha1sum <"$f" | cut -c1-40)"
    done
}

for t in "${TARGETS[@]}"; do
  corpus=fuzz/corpus/$t
  if [ "$t" = sqlite_store ]; then
    seed "$corpus" -name '*.db'
    max_len=131072
  else
    seed "$corpus" -size -64k ! -name '*.db'
    max_len=65536
  fi
  echo "== fuzz $t (${SECONDS_EACH}s)"
  (cd fuzz && cargo +nightly fuzz run -s none "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1)
done
echo "fuzzing: no crash in ${TARGETS[*]}"
