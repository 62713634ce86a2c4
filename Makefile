# Entry points for humans and CI. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CONSTRAINTS := requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test test-clock lint format bench extension migrate demo worker beat lock clean

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

## Test-time tools from the npm registry (package.json, pinned by package-lock.json): axe-core,
## which the browser tests inject into every page, and web-ext, which lints the extension. The machine's Node.js and npm install it.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
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
## The system tools the tests use, from Debian's packages when missing (.ci/system-tools, which CI calls too):
## chromium + chromium-driver (browser tests), npm (installs axe-core for them), poppler-utils (pdftotext reads the report PDFs), faketime (test-clock),
## xmlsec1 (the test SAML identity provider signs with it).
SYSTEM_TOOLS := chromium chromium-driver npm poppler-utils faketime xmlsec1
## XDIST=auto spreads it over the cores (one PostgreSQL test database per process).
XDIST ?= auto
test: $(VENV)/.installed-dev
	@.ci/system-tools $(SYSTEM_TOOLS)
	@$(MAKE) --no-print-directory node_modules/.installed
	@DATABASE_URL="$${DATABASE_URL:-$$($(PY) tests/pick_database.py)}"; export DATABASE_URL; \
	echo "make test: database $${DATABASE_URL}"; \
	$(PY) -m pytest -n $(XDIST) $(PYTEST_ARGS)

## The date-sensitive part of the suite under moved clocks: the process clock a year and more ahead
## (faketime; the database server keeps its own), then TIME_ZONE far west and far east of UTC.
DATED_TESTS := tests/compliance/test_compliance_selectors.py tests/compliance/test_rollups.py \
	tests/attestations/test_obligations.py tests/notifications/test_reminders.py tests/compliance/test_snapshots.py \
	tests/compliance/test_reports.py tests/notifications/test_magic_links.py tests/attestations/test_exceptions.py \
	tests/attestations/test_attestations.py tests/test_tasks.py tests/governance/test_clock.py \
	tests/policies/test_services.py tests/notifications/test_rendering.py tests/people/test_hr_plan.py
test-clock: $(VENV)/.installed-dev
	@.ci/system-tools $(SYSTEM_TOOLS)
	@DATABASE_URL="$${DATABASE_URL:-$$($(PY) tests/pick_database.py)}"; export DATABASE_URL; \
	echo "make test-clock: database $${DATABASE_URL}, process clock +400 days"; \
	faketime '+400 days' $(PY) -m pytest -n $(XDIST) -q $(PYTEST_ARGS) $(DATED_TESTS) && \
	for zone in America/Los_Angeles Pacific/Auckland; do \
	  echo "make test-clock: TIME_ZONE=$$zone"; \
	  TIME_ZONE=$$zone $(PY) -m pytest -n $(XDIST) -q $(PYTEST_ARGS) $(DATED_TESTS) || exit 1; \
	done

## The browser extension (extension/): build/unpacked/ to load unpacked, and the zip an organization deploys.
## SERVER=https://gov.example.com bakes the governance site's origin into its permissions.
extension: $(VENV)/.installed
	$(PY) extension/build.py $(if $(SERVER),--server $(SERVER))

## ruff, the apps' layering (import-linter's contract in pyproject.toml) and the types (mypy, django-stubs).
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks print figures; they need PostgreSQL and are never part of `make test`.
## The last one, bench/load.py, runs locust (the `bench` extra) against gunicorn and a Celery
## worker on a Redis broker (127.0.0.1:6379) with the production settings.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/governance_bench
$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[dev,bench]'
	touch $@

## Every figure of the README's table in one run (each script also runs alone); a script that misses
## its target says so and the run goes on, failing at the end.
BENCHES := seed.py publish.py "publish.py --changed-rules 30" obligation_writes.py bulk_upsert.py dashboard.py reminders.py \
	report.py triggers.py team.py "load.py --no-publish" load.py
bench: $(VENV)/.installed-bench
	@createdb -h 127.0.0.1 -U postgres governance_bench 2>/dev/null || true
	@DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) manage.py migrate -v0
	@status=0; for b in $(BENCHES); do echo "== bench/$$b"; \
	  DATABASE_URL="$${DATABASE_URL:-$(BENCH_DATABASE_URL)}" $(PY) bench/$$b || status=1; done; exit $$status

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
	rm -rf $(VENV) node_modules db.sqlite3 media staticfiles
