# The interface of the project: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SCALE  ?= 0.05
SEED   ?= 42

.PHONY: setup system-packages demo test test-fast ci run bench bench-ingest dashboards-html db-up db-down docs lint lock clean clean-all

setup: $(STAMP)  ## create the virtualenv and install the pinned dependencies

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

system-packages:  ## as root with apt: PostgreSQL (and, for the tests, Chromium) from Debian; otherwise says what is missing
	@setup/system-packages.sh $(SYSTEM_PACKAGES)

demo: SYSTEM_PACKAGES = postgres
demo: system-packages setup  ## generate the demo institution, then ingest, build, check it
	$(BIN)/publics demo --scale $(SCALE) --seed $(SEED)

ci: setup  ## the gate on pull requests (docs/ci.md): STATE=dir-of-manifest BASE_RESULTS=quality.json, both optional
	$(BIN)/publics ci $(if $(STATE),--state $(STATE)) $(if $(BASE_RESULTS),--base-results $(BASE_RESULTS))

run: setup  ## run the pipeline on your own extracts: make run INBOX=/path/to/files
	$(BIN)/publics run $(INBOX)

test: SYSTEM_PACKAGES = postgres chromium
test: system-packages setup lint  ## the linters, then every test: unit, integration (throwaway Postgres), dbt, Great Expectations
	$(BIN)/python -m pytest

test-fast: setup  ## unit tests only (no database)
	$(BIN)/python -m pytest tests/unit

bench: SYSTEM_PACKAGES = postgres
bench: system-packages setup  ## pipeline benchmark: files to dashboards step by step, bare COPY limit, a daily delivery (SCALE=1)
	nice $(BIN)/publics bench pipeline --scale $(SCALE) --seed $(SEED) --daily

bench-ingest: setup  ## ingestion benchmark: publics ingest vs bare COPY vs pandas to_sql (SCALE=1)
	$(BIN)/publics bench ingest --scale $(SCALE)

dashboards-html: setup  ## the dashboards as static HTML pages in target/dashboards (after make demo)
	$(BIN)/publics dashboards render --out target/dashboards

db-up: setup
	$(BIN)/publics db up

db-down: setup
	$(BIN)/publics db down

docs: setup  ## the generated docs (glossary, sources from the contracts, dashboards' exposures) and dbt docs in target/
	$(BIN)/publics glossary
	$(BIN)/publics sources
	$(BIN)/publics dashboards exposures
	eval "$$($(BIN)/publics db env)" && $(BIN)/dbt docs generate

lint: setup  ## ruff (Python), import-linter (the layers, pyproject.toml), sqlfluff (the dbt models, .sqlfluff)
	$(BIN)/ruff check ingestion publics publics_demo tests
	$(BIN)/lint-imports
	@# sqlfluff's dbt templater compiles the models, and dbt connects to compile: any running
	@# PostgreSQL will do (the local cluster, or DATABASE_URL), even without the project's schemas.
	$(BIN)/publics db up >/dev/null
	eval "$$($(BIN)/publics db env)" && $(BIN)/sqlfluff lint models

lock:  ## re-resolve the pinned set from pyproject's ranges
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test,lint]'
	.lock-venv/bin/pip freeze --exclude-editable | sed '1i # Fully pinned, tested set of Python packages (pip freeze of a working environment).\n# Regenerate with: make lock   (installs pyproject ranges in a fresh venv and freezes them)' > requirements.lock
	rm -rf .lock-venv

clean:  ## stop the local cluster and remove build outputs (keeps the venv)
	-$(BIN)/publics db down
	rm -rf target logs .local

clean-all: clean
	rm -rf $(VENV)
