# Siyana — two commands: `make run` (the service with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint system-deps setup messages clean lock

# Debian packages the project needs: gettext (translations), fping, snmp, snmpd, iproute2 (poller tests and bench). Installed only when missing.
system-deps:
	@bash scripts/system-deps.sh

# Python packages: the exact versions in requirements.lock (`make lock` renews it from pyproject.toml's
# ranges), then the project itself without resolving anything; `pip check` catches a pyproject.toml
# dependency added without `make lock`.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	@touch $(STAMP)

# Renew requirements.lock (make) and requirements-production.lock (docker/Dockerfile) in a throw-away venv.
lock:
	PYTHON=$(PYTHON) bash scripts/lock.sh

# npm: axe-core for the browser tests (tests/ui); jsQR is vendored in static/vendor/jsqr from the same lock.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

setup: system-deps $(STAMP) $(NODE_STAMP) messages

run: setup
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --no-input -v 0
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	PY=$(PY) bash scripts/test.sh

# The poller against fping and net-snmp in one run (root: network namespaces, raw ICMP); writes bench/RESULTS.md.
bench: setup
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache node_modules
