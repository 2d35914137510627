# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
# pytest-xdist workers for make test, each with its own test database (auto: one per core). Tests
# are handed out in order (--dist load), so on each worker the tests that empty the database (the
# PostgreSQL races) still run after the others, as pytest-django orders them.
TEST_JOBS ?= auto

# The first of these that is Python 3.13 (pyenv reads .python-version for python3).
PYTHON313 := $(shell for candidate in python3.13 python3 python; do \
	if command -v $$candidate >/dev/null 2>&1 && \
	   $$candidate -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then \
	  command -v $$candidate; break; fi; done)

.PHONY: help demo serve test test-clock lint format e2e bench install install-dev clean

help:
	@echo "make demo   - install, load demo data, serve http://127.0.0.1:8000 with a worker and the scheduler"
	@echo "make test   - lint, migration check, import contracts and the whole pytest suite"
	@echo "make test-clock - the date- and time-sensitive tests at each awkward instant"
	@echo "make e2e    - browser journeys in Chromium against a live demo site"
	@echo "make bench  - benchmarks in tests/perf"

$(PY):
	@if [ -z "$(PYTHON313)" ]; then \
	  echo "Python 3.13 is needed and was not found (tried python3.13, python3, python)."; \
	  echo "Install it (for example: pyenv install 3.13.0) and run make again."; \
	  exit 1; fi
	$(PYTHON313) -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact --no-install-project
	@touch $@

$(VENV)/.installed-dev: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact --no-install-project --extra dev
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The demo runs as production does (cms/settings/demo.py): DEBUG off, hashed static files served
# by whitenoise, and three processes: the web server, a task worker and the scheduler.
DEMO_ENV := DJANGO_SETTINGS_MODULE=cms.settings.demo

demo: install
	$(DEMO_ENV) $(PY) manage.py setup_demo
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "Serving the demo site at http://127.0.0.1:8000 with a task worker and the scheduler"
	@echo "(Ctrl+C stops all three)."
	$(DEMO_ENV) $(PY) manage.py serve_demo --address 127.0.0.1:8000

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(TEST_JOBS) --dist load

# The tests marked `clock` again at each instant of tests/clock.py SWEEP (late Sunday, early
# Monday, both sides of both clock changes, New Year's Eve, a leap day). `make test` runs the
# whole suite at one instant; TEST_NOW=<ISO instant> moves it.
test-clock: install-dev
	bash tests/clock_sweep.sh

e2e: install-dev
	bash tests/e2e/run.sh

bench: install-dev
	bash tests/perf/run.sh

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 tests/e2e/screenshots
