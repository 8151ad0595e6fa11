# Two commands on a fresh machine: `make run` and `make test`. Everything they need
# (virtualenv, Python packages, Debian's chromium for the browser test) is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install run ingest serve test test-fast eval bench bench-ingest load system-deps a11y-deps readme-examples clean

install: $(STAMP)

# torch is pinned in pyproject.toml to the CPU wheel that lies on every machine.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's chromium drives the end-to-end chat test; a browser download is impossible here.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "WARNING: could not install chromium; the browser test will be skipped with its reason"; \
	  else echo "WARNING: chromium missing and apt-get unavailable; the browser test will be skipped"; fi; \
	fi

# axe-core for the accessibility test, from npm (tests/a11y/package-lock.json); no browser download.
a11y-deps:
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/a11y --no-audit --no-fund --silent || echo "WARNING: npm ci failed; the accessibility test will be skipped"; \
	else echo "WARNING: npm missing; the accessibility test will be skipped with its reason"; fi

ingest: $(STAMP)
	$(BIN)/permanence ingest

# Ingests policies_corpus/ on first start (progress bar), then serves the API and the chat UI.
run: $(STAMP)
	$(BIN)/permanence serve

test: $(STAMP) system-deps a11y-deps
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "unit"

# Rewrites README.md's marked example blocks with what the CLI prints on the corpus today.
readme-examples: $(STAMP)
	$(BIN)/python scripts/readme_examples.py

eval: $(STAMP)
	$(BIN)/permanence eval

# Scaling report (real corpus, then 100, 1,000 and 10,000 synthetic documents): writes
# eval/reports/performance.md and .png. Takes about 15 minutes on 2 cores; CI does not run it.
bench: $(STAMP)
	$(BIN)/python eval/bench_scaling.py

bench-ingest: $(STAMP)
	$(BIN)/python eval/bench_ingest.py --markdown

# 20 concurrent clients for 60 s against real uvicorn processes on 127.0.0.1 (bounded in time and
# requests), in the setting that measured best on 2 cores: 2 processes, 1 torch thread each.
load: $(STAMP)
	$(BIN)/python eval/load_test.py --clients 20 --duration 60 --workers 2 --torch-threads 1

clean:
	rm -rf data .pytest_cache
