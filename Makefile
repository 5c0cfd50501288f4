# One command to run the API, one to test it. Each makes its own virtual
# environment in .venv with the pinned requirements; only Python 3.11+ is needed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test seed openapi demo bench bench-smoke clean

## run: install, migrate and seed an empty embedded database, and serve on http://127.0.0.1:5000
run: $(VENV)/.runtime
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed --if-empty
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## test: install what the tests need and run them
test: $(VENV)/.dev
	$(BIN)/pytest

## demo: serve the demo frontend on http://127.0.0.1:8080 (run `make run` in another terminal first)
demo:
	$(PYTHON) -m http.server 8080 --bind 127.0.0.1 --directory examples/frontend

## bench: the read benchmark on 1,000 and 100,000 articles (about 15 minutes, 2.2 GB in bench/.data); writes BENCHMARKS.md
bench: $(VENV)/.runtime
	$(BIN)/python -m bench

## bench-smoke: the benchmark on 1,000 articles with one-second runs: checks that it works, not how fast
bench-smoke: $(VENV)/.runtime
	$(BIN)/python -m bench --smoke

## seed: add whatever of the studio's page is missing from the database
seed: $(VENV)/.runtime
	$(BIN)/flask --app wsgi seed

## openapi: write openapi.yaml from the running code
openapi: $(VENV)/.runtime
	$(BIN)/flask --app wsgi export-openapi

clean:
	rm -rf $(VENV) instance .pytest_cache bench/.data

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.runtime: requirements.txt $(VENV)/.python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@
