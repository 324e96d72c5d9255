# Reproducible edition of the GRCP 9 Summary Report. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --jobs=$(shell nproc 2>/dev/null || echo 2) --output-sync=target

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Parameters of the analysis (see README: "Rerun with other parameters").
DATA_DIR ?= data
WAVE ?=
COMPARE ?=

# Reproducible timestamps (LaTeX, matplotlib): the last commit's time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1636502400)
export SOURCE_DATE_EPOCH
export PYTHONHASHSEED := 0
export GRCP9_REPO_ROOT := $(CURDIR)
# This checkout's package first, whichever checkout the environment was installed from.
export PYTHONPATH := $(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: help venv system-packages params notebooks book html questionnaire new-wave import lint test release screenshots benchmark clean

help: ## List the targets with one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  Parameters: DATA_DIR (default data), WAVE (default: the package's latest wave), COMPARE (waves to compare"
	@echo "  with, comma-separated; default: every other wave), e.g. make book DATA_DIR=/path/to/data WAVE=2026"

venv: $(VENV)/.installed ## Create .venv with the pinned Python packages and this project (editable)

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --requirement requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	touch $@

system-packages: ## Install the Debian packages for the PDF and tests (TeX, poppler) when missing; needs root
	@scripts/ensure-system-packages

ARGS = --data-dir '$(DATA_DIR)' --wave '$(WAVE)' --compare '$(COMPARE)'

params: | venv ## Validate the data and parameters (fails before any notebook runs)
	@$(BIN)/python -m grcp9.build params $(ARGS)

notebooks: | venv ## Execute the notebooks whose inputs changed (papermill, in parallel), after the params step
	@$(BIN)/python -m grcp9.build notebooks $(ARGS)

# The steps decide themselves what to redo: each skips its work when the content of what it reads
# is unchanged (grcp9.hashing), so make runs them every time.
book: | venv system-packages ## Build the book: HTML in _build/html, PDF in _build/latex (installs what it needs)
	@$(BIN)/python -m grcp9.build book $(ARGS)

html: | venv ## Preview: the HTML only, in _preview/html (leaves the book in _build/ alone)
	@$(BIN)/python -m grcp9.build html $(ARGS)

questionnaire: | venv ## Write the questionnaire of WAVE as an XLSForm: questionnaire/grcp9-questionnaire-<wave>.xlsx (checked with pyxform)
	@$(BIN)/python -m grcp9.fieldwork.xlsform --data-dir '$(DATA_DIR)' --wave '$(WAVE)'

new-wave: | venv ## Add a survey wave: make new-wave WAVE=2025 IMRF_EDITION=2 IMRF_YEAR=2026 REVIEW_PERIOD=2024-2025 UPDATES_SINCE=2022 [FICTITIOUS=1]
	@$(BIN)/python -m grcp9.fieldwork.waves new --data-dir '$(DATA_DIR)' --wave '$(WAVE)' --imrf-edition '$(IMRF_EDITION)' \
		--imrf-year '$(IMRF_YEAR)' --review-period '$(REVIEW_PERIOD)' --updates-since '$(UPDATES_SINCE)' $(if $(FICTITIOUS),--fictitious)

# Free-text answers as submitted (names of officials included) go here, never into data/.
RESTRICTED_DIR ?= restricted

import: | venv ## Import a KoBoToolbox/ODK export: make import EXPORT=<file> WAVE=<year> [DATA_DIR=data] [KEEP_LATEST=1]
	@test -n '$(EXPORT)' -a -n '$(WAVE)' || { echo "error: make import needs EXPORT=<file> and WAVE=<year>" >&2; exit 2; }
	@$(BIN)/python -m grcp9.fieldwork.importer --export '$(EXPORT)' --wave '$(WAVE)' --data-dir '$(DATA_DIR)' \
		--restricted-dir '$(RESTRICTED_DIR)' $(if $(KEEP_LATEST),--keep-latest)

lint: | venv ## Check the package, the Sphinx extensions and tests: ruff (style, bugs), mypy (types), the layers (import-linter)
	$(BIN)/ruff check src tests book/_ext scripts
	$(BIN)/mypy src/grcp9
	$(BIN)/lint-imports

# Two workers, one test file at a time each (a module's sandbox build stays in one worker).
test: book ## Run the whole test suite (lint, unit, data validation, built book, sandbox builds, browser)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15 tests

release: book ## Assemble release/grcp9-<version>/: PDF, HTML archive, data zip and SHA256SUMS
	@$(BIN)/python -m grcp9.build release $(ARGS)

screenshots: book ## Full-page pictures of each chapter at 1300 and 400 px, in test-artifacts/screenshots/ (to look at)
	$(BIN)/python scripts/screenshots.py

benchmark: book ## Time our build against the plain Jupyter Book build of the same book; prints ratios
	$(BIN)/python scripts/benchmark.py

clean: ## Remove generated outputs (keeps .venv)
	rm -rf _build _build.incoming _build.outgoing _preview _preview.incoming _preview.outgoing .staging book/generated release questionnaire
