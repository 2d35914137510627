#!/usr/bin/env bash
# `make test-clock`: the tests marked `clock` at each instant of tests/clock.py SWEEP (late Sunday,
# early Monday, both sides of both clock changes, New Year's Eve, a leap day). One pytest run
# holds every (test, instant) pair, the instant in the test's id, spread over one worker per core
# (CLOCK_JOBS to change), so the test database is built once per worker.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
if ! "$PY" -m pytest -q -m clock --sweep -n "${CLOCK_JOBS:-auto}" --dist load -p no:randomly; then
  echo "The tests marked clock failed at one or more instants (the instant is in each test's id)."
  exit 1
fi
