# yibao: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
SCALE ?= 0.01

.PHONY: install run test lint bench postgres chromium clean

.tools/bin/uv:
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced

run: install
	$(RUN) yibao demo

lint: install
	$(RUN) ruff check src tests benchmarks
	$(RUN) mypy
	$(RUN) lint-imports

postgres:
	@bash scripts/ensure-postgres.sh

test: lint postgres
	$(RUN) pytest -n 2 -q

bench: install
	ONLY=$(ONLY) $(RUN) python benchmarks/run_all.py

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
