# 诚信 Chengxin — the two commands: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PORT   ?= 5000
TEST_DATABASE_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: system-packages assets install translations-compile translations-update migrate seed run test test-sqlite test-postgres clean bench screenshots run-prod

install: system-packages $(VENV)/.installed assets translations-compile

# Chromium, the CJK fonts, libharfbuzz-subset0, poppler-utils…: installed when missing, silent when
# present. The same script sets up CI (.ci/run).
system-packages:
	@scripts/install-system.sh

VENDOR := app/static/vendor
# Front-end packages come from npm (package-lock.json) and are copied into app/static: no CDN.
DESIGNER := app/static/build/designer.js
RULES := app/static/build/rules.js
assets: $(VENDOR)/.copied $(DESIGNER) $(RULES)

# The process designer (bpmn-js modeler + our properties panel + lint) and the rules editor (dmn-js
# decision table), bundled by esbuild in one run.
$(DESIGNER) $(RULES) &: $(VENDOR)/.copied frontend/build.mjs $(wildcard frontend/designer/*) $(wildcard frontend/rules/*)
	node frontend/build.mjs

$(VENDOR)/.copied: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets/. $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger-ui/
	mkdir -p $(VENDOR)/echarts
	cp node_modules/echarts/dist/echarts.common.min.js node_modules/echarts/LICENSE $(VENDOR)/echarts/
	touch $@

$(VENV)/.installed: pyproject.toml | system-packages
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# UI strings: Chinese source, English in app/translations/en (see babel.cfg).
translations-compile: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -d app/translations

translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _ -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

migrate: install
	@mkdir -p instance
	@$(FLASK) db upgrade

seed: migrate
	@$(FLASK) seed-demo

# Serve the app with the timer loop in the background (timers fire within 5 s of being due).
run: seed
	@$(FLASK) tick --every 5 & tick=$$!; trap "kill $$tick 2>/dev/null" EXIT INT TERM; \
	echo "诚信 Chengxin: http://127.0.0.1:$(PORT)  (API: /api/v1, health: /healthz)"; \
	$(FLASK) run --port $(PORT)

# The production shape on one machine: PostgreSQL, gunicorn (4 workers), Celery worker + beat on Redis,
# with the production config (CHENGXIN_ENV=production: PUBLIC_BASE_URL required, here this machine).
PROD_DATABASE_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/chengxin
CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run-prod: export CHENGXIN_ENV = production
run-prod: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
run-prod: install
	@$(PY) -c "import psycopg; c=psycopg.connect('postgresql://postgres:postgres@127.0.0.1:5432/postgres', autocommit=True); \
	  c.execute('CREATE DATABASE chengxin') if not c.execute(\"SELECT 1 FROM pg_database WHERE datname='chengxin'\").fetchone() else None"
	DATABASE_URL=$(PROD_DATABASE_URL) $(FLASK) db upgrade
	DATABASE_URL=$(PROD_DATABASE_URL) $(FLASK) seed-demo
	@export DATABASE_URL=$(PROD_DATABASE_URL) CELERY_BROKER_URL=$(CELERY_BROKER_URL); \
	$(VENV)/bin/celery -A app.worker worker --loglevel=warning --concurrency=2 & worker=$$!; \
	$(VENV)/bin/celery -A app.worker beat --loglevel=warning --schedule=instance/celerybeat-schedule & beat=$$!; \
	trap "kill $$worker $$beat 2>/dev/null" EXIT INT TERM; \
	$(VENV)/bin/gunicorn -w 4 -b 127.0.0.1:$(PORT) --access-logfile - 'wsgi:app'

test: test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

# PostgreSQL is part of the test run, in CI and on a developer machine: when it does not answer the
# run fails and says how to start it (`make test-sqlite` alone tests SQLite only).
test-postgres: install
	@if ! $(PY) -c "import psycopg; psycopg.connect('$(TEST_DATABASE_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) does not answer. Start it, e.g.:" >&2; \
		echo "    sudo pg_ctlcluster 15 main start    (or: sudo service postgresql start)" >&2; \
		echo "or point TEST_DATABASE_URL at one. \`make test-sqlite\` tests SQLite only." >&2; \
		exit 1; \
	fi
	@echo "== PostgreSQL: $(TEST_DATABASE_URL)"
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(PY) -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache

bench: install
	$(PY) bench/scale_bench.py --quick

screenshots: install
	$(PY) scripts/screenshots.py
