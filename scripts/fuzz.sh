#!/usr/bin/env bash
# Runs every go test -fuzz target of the repository for a bounded time.
#
#   scripts/fuzz.sh [duration]        duration per target, default 20s (CI)
#
# Go fuzzes one target of one package per run, so the targets run one after
# the other; the seed corpora (f.Add and testdata/fuzz/<Target>/) run first.
# A failing input is written to <package>/testdata/fuzz/<Target>/ and the
# script stops with the go test output and a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-20s}

# package target
targets=(
  "./wire FuzzTimestamp"
  "./wire FuzzDecodeInvocationInput"
  "./durable FuzzEnvelope"
  "./durable FuzzOperationState"
  "./emulator FuzzCheckpointValidation"
  "./emulator/httpapi FuzzHTTPRoutes"
)

total_start=$SECONDS
for entry in "${targets[@]}"; do
  read -r pkg target <<<"$entry"
  start=$SECONDS
  if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" "$pkg" 2>&1); then
    echo "$out"
    echo "fuzz: FAIL $pkg $target after $((SECONDS - start))s"
    exit 1
  fi
  execs=$(grep -o 'execs: [0-9]*' <<<"$out" | tail -1 || true)
  echo "fuzz: ok   $pkg $target ${duration} (${execs:-execs: ?}, wall $((SECONDS - start))s)"
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - total_start))s"
