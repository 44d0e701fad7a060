# The two commands a newcomer needs:  make demo  and  make test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-pg lint format bench

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Install, load the demo data into SQLite and serve it on http://127.0.0.1:8000/
demo: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py demo

## Install the test tools (and Debian's Chromium for the browser tests) and run every test
test: $(VENV)/.installed-dev
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install -y chromium"; fi; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund || \
	  echo "The accessibility checks need axe-core: npm ci (they skip without it, except in CI)"
	$(PY) -m pytest $(PYTEST_ARGS)

## The same against PostgreSQL (DATABASE_URL may point elsewhere)
test-pg: DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/claims
test-pg:
	DATABASE_URL=$(DATABASE_URL) $(MAKE) test PYTEST_ARGS="--create-db $(PYTEST_ARGS)"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
