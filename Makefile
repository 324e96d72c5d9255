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

PARAMS := book/generated/params.json
EXECUTION_STAMP := book/generated/.executed
# One profile page per respondent: the params step writes the list from the data.
PROFILE_LIST := book/generated/profiles.txt

BOOK_SOURCES := $(shell find book -path book/generated -prune -o -type f -print) _config.yml _toc.yml
BOOK_STAMP := _build/.complete
# The book's dates come from SOURCE_DATE_EPOCH (the last commit): a new commit rebuilds the book
# (not the notebooks), so the checkout's PDF equals a clean clone's.
EPOCH_STAMP := book/generated/.source-date-epoch
PDF := _build/latex/grcp9-reproducible-edition.pdf

# Reproducible timestamps (LaTeX, matplotlib): the last commit's time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1636502400)
export SOURCE_DATE_EPOCH
export PYTHONHASHSEED := 0
export GRCP9_REPO_ROOT := $(CURDIR)
# This checkout's package first, whichever checkout the environment was installed from.
export PYTHONPATH := $(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: help venv system-packages params notebooks book html stop-kernel questionnaire import lint test release screenshots benchmark clean FORCE

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

params: $(PROFILE_LIST) ## Validate the data and parameters (fails before any notebook runs)

# The params step validates the data and parameters on every run, and rewrites params.json and
# the list of profiles only when they change: an unchanged rerun executes nothing.
$(PROFILE_LIST): FORCE | venv
	@$(BIN)/python -m grcp9.build params --data-dir '$(DATA_DIR)' --wave '$(WAVE)' --compare '$(COMPARE)'

$(PARAMS): $(PROFILE_LIST) ;

notebooks: $(EXECUTION_STAMP) ## Execute the notebooks whose inputs changed (papermill, in parallel)

# Each executed notebook depends on its source, the parameters and exactly the data tables and
# package modules it read last time (its .inputs.json); `grcp9.build notebooks` executes the outdated
# ones, one kernel more than cores at a time, and touches the stamp only if it executed any.
$(EXECUTION_STAMP): FORCE $(PARAMS) | venv
	@$(BIN)/python -m grcp9.build notebooks

$(EPOCH_STAMP): FORCE
	@mkdir -p $(@D); echo '$(SOURCE_DATE_EPOCH)' | cmp -s - $@ || echo '$(SOURCE_DATE_EPOCH)' > $@

# The package's code: build.py and paths.py assemble the book, and the book shows every module
# (the API page's docstrings, the code pages); a change to any of them rebuilds it.
BOOK_CODE := $(wildcard src/grcp9/*.py)

$(BOOK_STAMP): $(EXECUTION_STAMP) $(PROFILE_LIST) $(EPOCH_STAMP) $(BOOK_SOURCES) $(BOOK_CODE) | venv system-packages
	@$(BIN)/python -m grcp9.build book
	@touch $@

book: $(BOOK_STAMP) ## Build the book: HTML in _build/html, PDF in _build/latex (installs what it needs)
	@echo "HTML: $(CURDIR)/_build/html/index.html"
	@echo "PDF:  $(CURDIR)/$(PDF)"

# The params and notebook steps in one process, and the HTML step in a worker it starts first, which
# imports and sets up Sphinx while the data is validated and the kernels run. It leaves one kernel
# and one such process with its worker (imports done) waiting for the next make html, which runs in
# them (they leave after 10 minutes unused; make stop-kernel or make clean stops them;
# GRCP9_KEEP_KERNEL=0: none).
html: | venv ## Preview: the HTML only, in _preview/html (fast; leaves the book in _build/ alone)
	@$(BIN)/python -m grcp9.preview html --data-dir '$(DATA_DIR)' --wave '$(WAVE)' --compare '$(COMPARE)'

stop-kernel: ## Stop the kernel and the process that make html keeps for the next make html (they also leave after 10 minutes)
	@if [ -x '$(BIN)/python' ]; then $(BIN)/python -m grcp9.kernels stop && $(BIN)/python -m grcp9.preview stop; fi

questionnaire: | venv ## Write the questionnaire of WAVE as an XLSForm: questionnaire/grcp9-questionnaire-<wave>.xlsx (checked with pyxform)
	@$(BIN)/python -m grcp9.xlsform --data-dir '$(DATA_DIR)' --wave '$(WAVE)'

# Free-text answers as submitted (names of officials included) go here, never into data/.
RESTRICTED_DIR ?= restricted

import: | venv ## Import a KoBoToolbox/ODK export: make import EXPORT=<file> WAVE=<year> [DATA_DIR=data] [KEEP_LATEST=1]
	@test -n '$(EXPORT)' -a -n '$(WAVE)' || { echo "error: make import needs EXPORT=<file> and WAVE=<year>" >&2; exit 2; }
	@$(BIN)/python -m grcp9.importer --export '$(EXPORT)' --wave '$(WAVE)' --data-dir '$(DATA_DIR)' \
		--restricted-dir '$(RESTRICTED_DIR)' $(if $(KEEP_LATEST),--keep-latest)

lint: | venv ## Check the package, the Sphinx extensions and tests: ruff (style, bugs) and mypy (types)
	$(BIN)/ruff check src tests book/_ext scripts
	$(BIN)/mypy src/grcp9

# Two workers, one test file each at a time (module fixtures such as the sandbox build stay in one
# worker); the slowest tests are listed at the end. Re-execution of the notebooks is checked once,
# byte for byte, by test_sandbox_builds.py (a clean build in another directory), not by nbval.
# Lint runs as one of the tests (tests/test_lint.py), beside the others rather than before them.
test: book ## Run the whole test suite (lint, unit, data validation, built book, sandbox builds, browser)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15 tests

release: book ## Assemble release/grcp9-<version>/: PDF, HTML archive, data zip and SHA256SUMS
	$(BIN)/python -m grcp9.release

screenshots: book ## Full-page pictures of each chapter at 1300 and 400 px, in test-artifacts/screenshots/ (to look at)
	$(BIN)/python scripts/screenshots.py

benchmark: book ## Time our build against the plain Jupyter Book build of the same book; prints ratios
	$(BIN)/python scripts/benchmark.py

clean: stop-kernel ## Remove generated outputs (keeps .venv)
	rm -rf _build _build.incoming _build.outgoing _preview _preview.incoming .staging book/generated release questionnaire

FORCE:
