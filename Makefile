# Rootmap's commands. README's scripts/run and scripts/test call `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench bench-audit bench-web system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages the reports and the browser tests need (installed when missing).
system-deps:
	scripts/system-deps

# Demo data in rootmap.sqlite3 (or DATABASE_URL), served on http://127.0.0.1:8000.
run: $(STAMP) system-deps
	$(BIN)/rootmap demo --password "$${ROOTMAP_DEMO_PASSWORD:-rootmap-demo}"

# Both databases run even when the first fails, so one run shows every failure.
test: $(STAMP) system-deps
	status=0; $(MAKE) test-sqlite || status=1; $(MAKE) test-postgres || status=1; exit $$status

test-sqlite: $(STAMP)
	scripts/ensure-redis
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# The same suite against PostgreSQL (a fresh test database on 127.0.0.1:5432).
test-postgres: $(STAMP)
	scripts/ensure-postgres
	scripts/ensure-redis
	DATABASE_URL=$${POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/rootmap} $(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) system-deps
	$(BIN)/python -m benchmarks

# 1 million audit entries seeded into a scratch PostgreSQL database, then verified (< 1 min).
bench-audit: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python -m benchmarks.audit_bench $${AUDIT_ENTRIES:-1000000}

# The pages at 1,000 and 100,000 clients on PostgreSQL, side by side, under locust
# (benchmarks/web_load.py; docs/performance.md). Seeds each database once, then reuses it.
bench-web: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python -m benchmarks.web_load

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
