#!/usr/bin/env bash
# Runs every go test -fuzz target of the repository for a bounded number of
# inputs.
#
#   scripts/fuzz.sh [scale]     scale multiplies each target's budget, default 1 (CI)
#
# Each target has a budget in executions (-fuzztime Nx), sized to about 20 s
# of fuzzing on a loaded 2-core machine. A count, not a duration: Go 1.26's
# fuzzing coordinator can report a bare "context deadline exceeded" failure,
# with no failing input, when a duration's deadline fires while a starved
# worker is still running an input (go.dev/issue/75804, fixed in Go 1.27).
# A count has no deadline to race; a loaded machine only takes longer.
#
# Go fuzzes one target of one package per run, so the targets run one after
# the other; the seed corpora (f.Add and testdata/fuzz/<Target>/) run first.
# A failing input is written to <package>/testdata/fuzz/<Target>/ and the
# script stops with the go test output and a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${1:-1}
if ! [[ $scale =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [scale]  (scale: a positive integer, got \"$scale\")" >&2
  exit 2
fi

# package target executions
targets=(
  "./wire FuzzTimestamp 50000"
  "./wire FuzzEpochMillis 50000"
  "./wire FuzzDecodeInvocationInput 400000"
  "./wire FuzzDecodeCheckpointOutput 200000"
  "./wire FuzzDecodeCheckpointInput 100000"
  "./wire FuzzMarshalCheckpointOutput 100000"
  "./wire FuzzAppendCheckpointInput 100000"
  "./internal/jsonscan FuzzSpecial 200000"
  "./durable FuzzEnvelope 60000"
  "./durable FuzzOperationState 1500"
  "./durable FuzzPlainDecode 50000"
  "./durable FuzzPlainEncode 50000"
  "./emulator FuzzCheckpointValidation 300000"
  "./emulator/httpapi FuzzHTTPRoutes 50000"
  "./emulator/boltstore FuzzFrame 100000"
)

total_start=$SECONDS
for entry in "${targets[@]}"; do
  read -r pkg target execs <<<"$entry"
  budget="$((execs * scale))x"
  start=$SECONDS
  if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$budget" "$pkg" 2>&1); then
    echo "$out"
    echo "fuzz: FAIL $pkg $target after $((SECONDS - start))s"
    exit 1
  fi
  echo "fuzz: ok   $pkg $target ${budget} (wall $((SECONDS - start))s)"
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - total_start))s"
