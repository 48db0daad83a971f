# yibao: `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PY ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen --no-sync
SCALE ?= 0.1

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
	$(RUN) yibao sim --profile linshui-2020 --scale $(SCALE) --seed 1 --abuse default --out var/sim-$(SCALE)
	$(RUN) yibao year --data var/sim-$(SCALE) --report report

lint: install
	$(RUN) ruff check src tests benchmarks
	$(RUN) mypy
	$(RUN) lint-imports

postgres:
	@bash scripts/ensure-postgres.sh

chromium:
	@command -v chromium >/dev/null && fc-list | grep -qi wqy || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei; }

test: lint postgres chromium
	$(RUN) pytest -n 2 -q

bench: install
	ONLY=$(ONLY) $(RUN) python benchmarks/run_all.py

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis
