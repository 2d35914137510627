#!/usr/bin/env bash
# `make test-clock`: the tests marked `clock` at each instant of tests/clock.py SWEEP, two instants
# at a time (one per core). Each run's output is kept and shown if it fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

run_at() {
  local instant=$1 log="$LOGS/$1.log"
  if TEST_NOW="$instant" "$PY" -m pytest -q -m clock -p no:randomly >"$log" 2>&1; then
    echo "ok at $instant: $(tail -n 1 "$log")"
  else
    echo "FAILED at $instant:"
    cat "$log"
    return 1
  fi
}
export -f run_at
export PY LOGS

"$PY" -c 'from tests.clock import SWEEP; print("\n".join(SWEEP))' \
  | xargs -P "${CLOCK_JOBS:-2}" -I{} bash -c 'run_at "$@"' _ {}
status=$?
if [ "$status" -ne 0 ]; then
  echo "The tests marked clock failed at one or more instants (above)."
  exit 1
fi
