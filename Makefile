# xuncha-audit — 巡察财务疑点分析套件
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEMO_OUT ?= out/demo
DEMO_DB  ?= out/demo/xuncha.duckdb

# Bytecode is cached (in git-ignored __pycache__/) even where the environment says not to:
# without it every pytest run recompiles the project and re-rewrites each test module's
# asserts (collection of the fast tier 8.8 s -> 5.1 s per worker).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test test-fast test-spark lint lab docs bench clean samples lock wheelhouse offline-check

# Installs the locked versions (requirements/dev.lock, from `make lock`), then the project
# itself without resolving again, so two installs a month apart get the same versions.
$(STAMP): pyproject.toml requirements/dev.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## make setup: create .venv with everything installed
setup: $(STAMP)

## make demo: run the whole job on the bundled sample data
demo: $(STAMP)
	$(BIN)/xuncha-audit run data_samples --out $(DEMO_OUT) --db $(DEMO_DB) \
		--unit 某市住房和城乡建设局 --level 市级 --region 湖南 --city 长沙 \
		--period-start 2023-01-01 --period-end 2024-12-31

## make test: set up and run the whole test suite (ruff, unit, end-to-end, notebooks, Spark)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup -q

## make test-fast: ruff + the fast tier (each check's first flag/pass case and unit tests; no Spark, notebooks, end-to-end or slow tests; ~1,075 tests, ~2 min on 2 cores)
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup -q -m "not slow and not spark and not e2e"

## make test-spark: the differential tests DuckDB vs Spark local[2] (needs Java 17+)
test-spark: $(STAMP)
	$(BIN)/pytest -q -m spark

## make lint: ruff, and sqlfluff over the check SQL (report only, see .sqlfluff)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint xuncha_audit/checks --nofail --format github-annotation-native | tail -n 20

## make lab: open JupyterLab on notebooks/ with the sample data loaded (runs the demo only
## when its database does not exist yet: opening the notebooks never overwrites findings.xlsx)
lab: $(STAMP)
	@test -f $(DEMO_DB) || $(MAKE) demo
	XUNCHA_DB=$(abspath $(DEMO_DB)) XUNCHA_LIVE=1 $(BIN)/jupyter lab --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

## make docs: regenerate docs/checks from the check metadata
docs: $(STAMP)
	$(BIN)/xuncha-audit checks docs --out docs/checks

## make samples: regenerate data_samples/ from the generator
samples: $(STAMP)
	$(BIN)/python -m xuncha_audit.synth --out data_samples --seed 20241 --scale sample

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

## make lock: re-resolve requirements/*.lock from pyproject.toml (commit the result)
lock:
	PY=$(PY) bash release/lock.sh

## make wheelhouse: every wheel for Linux and Windows x86-64 (CPython 3.11) at the locked
## versions, the project's wheel, launchers and notebooks in dist/xuncha-audit-offline/
wheelhouse: $(STAMP)
	PY=$(abspath $(BIN)/python) bash release/wheelhouse.sh dist/xuncha-audit-offline

## make offline-check: build the wheelhouse, install from it with --no-index into a fresh
## venv and run the sample job there (what CI does after the tests)
offline-check: wheelhouse
	bash release/offline_check.sh dist/xuncha-audit-offline

clean:
	rm -rf out .pytest_cache dist
