#!/usr/bin/env bash
# `make bench`: benchmarks that report figures (medians), never timed asserts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
.venv/bin/python tests/perf/curricula.py
.venv/bin/python tests/perf/planner.py
.venv/bin/python tests/perf/dashboard.py
.venv/bin/python tests/perf/finder.py
.venv/bin/python tests/perf/referrals.py
bash tests/perf/load.sh
