# One command to run the API, one to test it. Each makes its own virtual environment in .venv and
# installs the locked dependency tree (every package pinned, with hashes); only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run dev test test-services lint format lock seed openapi clients demo bench bench-webhooks bench-media bench-smoke clean

## run: install, migrate and seed an empty embedded database, then serve with gunicorn on http://127.0.0.1:5000
## and run the worker beside it (webhooks, scheduled events), both from the Procfile. Webhooks may go to
## this machine's own addresses here (a receiver you run locally); production refuses that.
run: $(VENV)/.runtime
	$(BIN)/flask --app wsgi seed --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" GUNICORN_BIND=$(HOST):$(PORT) GUNICORN_WORKERS=$(WORKERS) \
		PUBLIC_API_URL=$${PUBLIC_API_URL:-http://$(HOST):$(PORT)} \
		WEBHOOK_ALLOW_PRIVATE_TARGETS=$${WEBHOOK_ALLOW_PRIVATE_TARGETS:-true} $(BIN)/honcho start -f Procfile

## dev: the same with Flask's development server and its reloader (for working on the code, never for serving)
dev: $(VENV)/.runtime
	$(BIN)/flask --app wsgi seed --if-empty
	$(BIN)/flask --app wsgi run --debug --host $(HOST) --port $(PORT)

## test: install what the tests need and run them, with coverage (the floor is in pyproject.toml)
test: $(VENV)/.dev
	$(BIN)/pytest --cov --cov-report=term

## test-services: after `make test`, only what PostgreSQL and Redis add (each test's PostgreSQL half, the
## Redis and several-instance runs); needs TEST_DATABASE_URL and TEST_REDIS_URL
test-services: $(VENV)/.dev
	@test -n "$$TEST_DATABASE_URL" -a -n "$$TEST_REDIS_URL" || { echo "set TEST_DATABASE_URL and TEST_REDIS_URL"; exit 2; }
	$(BIN)/pytest --services-only

## lint: formatting, lint, types and the import layers, all with zero findings
lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## format: let ruff format the code and fix what it can
format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: write requirements.lock and requirements-dev.lock (the whole tree, hashed) from the pins
lock: $(VENV)/.dev
	$(BIN)/uv pip compile requirements.txt --generate-hashes --universal --python-version 3.11 --no-header -q -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.txt --constraint requirements.lock --generate-hashes --universal \
		--python-version 3.11 --no-header -q -o requirements-dev.lock

## clients: write openapi.yaml, then the TypeScript types from it (clients/typescript/src/schema.d.ts; needs Node.js)
clients: openapi
	npm ci --prefix clients/typescript --no-audit --no-fund
	npm run --prefix clients/typescript generate

## demo: serve the demo frontend on http://127.0.0.1:8080 (run `make run` in another terminal first)
demo:
	$(PYTHON) -m http.server 8080 --bind 127.0.0.1 --directory examples/frontend

## bench: the read benchmark at 100,000 articles on SQLite and on PostgreSQL (a cluster of its own): every case hit,
## spread, with writes and uncached, against a bare Flask ceiling (about 45 minutes and 6 GB in bench/.data the
## first time); writes BENCHMARKS.md and BENCHMARKS.json
bench: $(VENV)/.runtime
	$(BIN)/python -m bench

## bench-webhooks: write latency with and without a webhook, and the delay to its delivery (a minute); writes BENCHMARKS-webhooks.md
bench-webhooks: $(VENV)/.dev
	$(BIN)/python -m bench.webhooks

## bench-media: how long an upload and its variants take, and the bytes each format serves; writes BENCHMARKS-media.md
bench-media: $(VENV)/.dev
	$(BIN)/python -m bench.media

## bench-smoke: the benchmark on 1,000 articles with one-second runs, both databases: checks that it works, not how fast
bench-smoke: $(VENV)/.runtime
	$(BIN)/python -m bench --smoke

## seed: add whatever of the studio's page is missing from the database
seed: $(VENV)/.runtime
	$(BIN)/flask --app wsgi seed

## openapi: write openapi.yaml from the running code
openapi: $(VENV)/.runtime
	$(BIN)/flask --app wsgi export-openapi

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .coverage bench/.data \
		clients/typescript/node_modules clients/typescript/dist

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.runtime: requirements.lock $(VENV)/.python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

# The development tree includes the runtime one, so it satisfies what needs .runtime too.
$(VENV)/.dev: requirements-dev.lock $(VENV)/.python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime
