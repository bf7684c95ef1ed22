# Two commands for a newcomer: `make demo` and `make test`. Everything else is bootstrapped:
# uv (pinned, from PyPI) into .tools/, then the locked environment into .venv/.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export DO_NOT_TRACK := 1
export UV_PYTHON_DOWNLOADS := never

.PHONY: env demo test lint bench fuzz clean

env: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

demo: env ## generate demo data, run the whole pipeline, render the reports
	$(VENV)/bin/trd demo

# Two pytest-xdist workers by default (TEST_WORKERS=0: one process): the Spark tests (about
# 7 min, one JVM) run in one worker while the other takes the rest; tests/conftest.py keeps the
# tests that share a session build in one worker and hands out the longest groups first. On a
# 2-core machine already busy with other work, one process is faster (TEST_WORKERS=0).
TEST_WORKERS ?= 2
test: env ## run every test
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

N ?= 10000
SEED ?= 2026
fuzz: env ## fuzz `trd ingest` with N mutated datasets (tests/fuzz; figures and defects printed)
	PYTHONPATH=tests $(VENV)/bin/python -m fuzz --cases $(N) --seed $(SEED) --report fuzz-report.jsonl

bench: env ## registry-scale benchmarks (100k and 1M persons, ~25 min): docs/performance.md
	$(VENV)/bin/python -m benchmarks.run $(BENCH_ARGS)

.PHONY: docs
docs: env ## regenerate the generated parts of docs/*.md (contract, checks, seeds, marts)
	$(VENV)/bin/python -m trd.docs

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .tools target dbt_packages logs reports/_site demo_data bench_data gx warehouse.duckdb* fuzz-report.jsonl
