# Entry points for humans and CI. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CONSTRAINTS := requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint format bench migrate demo worker beat lock clean

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_catalog
	$(PY) manage.py seed_demo

## The embedded default: SQLite, tasks in-process, e-mail to the console, demo data loaded.
run: setup
	$(PY) manage.py demo_signins
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite: unit, integration, browser. DATABASE_URL wins; else local PostgreSQL; else SQLite.
test: $(VENV)/.installed-dev
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)
	@DATABASE_URL="$${DATABASE_URL:-$$($(PY) tests/pick_database.py)}"; export DATABASE_URL; \
	echo "make test: database $${DATABASE_URL}"; \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks print figures; they need PostgreSQL and are never part of `make test`.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/governance_bench
bench: $(VENV)/.installed-dev
	@createdb -h 127.0.0.1 -U postgres governance_bench 2>/dev/null || true
	@DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) manage.py migrate -v0
	@for b in publish bulk_upsert dashboard reminders report; do echo "== bench/$$b.py"; \
	  DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) bench/$$b.py || exit 1; done

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A governance worker --loglevel=info

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A governance beat --loglevel=info

## Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet --upgrade pip
	/tmp/lock-venv/bin/pip install --quiet -e '.[dev]'
	/tmp/lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e ' > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
