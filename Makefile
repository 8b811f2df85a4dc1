# Rootmap's commands. `make run` and `make test` are the two that README promises.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages the reports and the browser tests need (installed when missing).
system-deps:
	scripts/system-deps

run: $(STAMP)
	$(BIN)/rootmap score examples/

test: $(STAMP) system-deps
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# The same suite against PostgreSQL (a fresh test database on 127.0.0.1:5432).
test-postgres: $(STAMP)
	scripts/ensure-postgres
	DATABASE_URL=$${POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/rootmap} $(BIN)/python -m pytest -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) system-deps
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
