#!/usr/bin/env bash
# Runs the tests of the SDK, the runner, the emulator and its HTTP endpoint,
# the wire types and the fault tests under the race detector.
#
#   scripts/race.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
go test -race -count=1 "$@" \
  ./wire \
  ./durable \
  ./durable/durabletest \
  ./emulator \
  ./emulator/httpapi \
  ./faults
echo "race: ok in $((SECONDS - start))s"
