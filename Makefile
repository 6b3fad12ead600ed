# vTOC: `make up` runs it on this machine, `make test` runs every check CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: setup up test lint unit pg bench bench-quick bench-deps tui-deps clean web browser test-web n8n fuzz audit load

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# setuptools' editable build warns about any folder named like the package: ours is it
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install -q -e '.[dev,postgres,web,otel]'
	touch $(STAMP)

## Run vTOC locally: embedded SQLite, demo data, an admin token.
up: setup
	$(BIN)/vtoc up --port $(PORT)

## Every check CI runs: lint, types, import contracts, tests on SQLite and PostgreSQL.
test: setup pg lint n8n unit bench-quick test-web

lint: setup
	$(BIN)/ruff check vtoc tests bench
	$(BIN)/ruff format --check vtoc tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup tui-deps
	$(BIN)/pytest --ignore=tests/web $(PYTEST_ARGS)

## A longer schemathesis run over the live server (CI runs a short one inside `make unit`).
fuzz: setup pg
	VTOC_FUZZ_EXAMPLES=$${VTOC_FUZZ_EXAMPLES:-100} $(BIN)/pytest tests/e2e/test_fuzz.py -p no:cacheprovider --timeout 3600

## Known vulnerabilities in the Python dependencies (and web/'s npm ones, when web/ exists).
audit: setup
	$(BIN)/pip-audit --skip-editable --progress-spinner off
	@if [ -f web/package-lock.json ]; then cd web && npm audit --omit=dev; else echo "web/: no package-lock.json, npm audit skipped"; fi

## Mixed reads and writes at 50 concurrent for 60 s on loopback (QUICK=1: a few seconds).
load: setup
	$(BIN)/python -m bench --only load $(if $(QUICK),--quick --no-record,)

## Benchmarks (bench/): one table, appended to docs/benchmarks.md. `bench-quick` only
## checks that the harness runs (CI); timings are never pass/fail for CI.
bench: setup pg bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: setup pg bench-deps
	$(BIN)/python -m bench --quick --no-record

bench-deps:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

## The TUI's end-to-end test drives a real terminal: tmux; `vtoc ssh serve`'s, OpenSSH's client.
tui-deps:
	@command -v tmux >/dev/null || (apt-get update -qq && apt-get install -y -qq tmux)
	@command -v ssh >/dev/null || (apt-get update -qq && apt-get install -y -qq openssh-client)

## Make sure the PostgreSQL the tests use answers on 127.0.0.1:5432.
pg:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

## n8n 2.41.1 and its Node 24 in ~/.cache/vtoc/n8n, for the n8n tests (minutes, once).
n8n:
	scripts/n8n-setup

## The SPA: install the locked npm packages, check the API types are current, build web/dist.
web: setup
	cd web && npm ci --no-audit --no-fund && npm run check-api && npm run build

## Debian's Chromium for the browser tests (a test tool's own browser download fails here).
browser:
	@test -x /usr/bin/chromium || { apt-get update && apt-get install -y chromium chromium-driver; }

## Component tests (Vitest) and the browser tests behind a real Traefik.
test-web: web browser
	cd web && npm test
	$(BIN)/pytest tests/web $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## Re-render `vtoc --help` (served without importing Typer) after changing the root commands.
.PHONY: cli-help
cli-help: setup
	$(BIN)/python -c "from vtoc.cli.main import write_root_help; write_root_help()"
