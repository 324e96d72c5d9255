"""Every path the project uses, in one place.

Relative paths given by a user (notebook parameters, make variables) are resolved against the
repository root, so executed notebooks never record a machine-specific absolute path.
"""

from __future__ import annotations

import os
from pathlib import Path

# The checkout being built. GRCP9_REPO_ROOT (exported by the Makefile) lets one environment build
# another copy of the repository, e.g. the sandbox copies the robustness tests break on purpose.
REPO_ROOT = Path(os.environ.get("GRCP9_REPO_ROOT") or Path(__file__).resolve().parents[2]).resolve()
DATA_DIR = REPO_ROOT / "data"
DATAPACKAGE_NAME = "datapackage.json"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
BOOK_DIR = REPO_ROOT / "book"
GENERATED_DIR = BOOK_DIR / "generated"
EXECUTED_DIR = GENERATED_DIR / "notebooks"
FIGURES_DIR = GENERATED_DIR / "figures"
TABLES_DIR = GENERATED_DIR / "tables"
PROFILES_DIR = GENERATED_DIR / "profiles"
DOWNLOADS_DIR = GENERATED_DIR / "downloads"  # files the HTML site offers (grcp9.build.book.write_downloads)
DATA_ZIP_NAME = "grcp9-data-package.zip"
QUESTIONNAIRE_DIR = REPO_ROOT / "questionnaire"  # make questionnaire: the XLSForm of a wave


def xlsform_name(wave: str) -> str:
    """File name of a wave's questionnaire as an XLSForm (make questionnaire, the downloads page)."""
    return f"grcp9-questionnaire-{wave}.xlsx"


CITATION_CFF_NAME = "grcp9-edition-citation.cff"
CITATION_BIB_NAME = "grcp9-edition-citation.bib"
PROFILE_TEMPLATE = "iscm_profile"  # notebooks/iscm_profile.ipynb, executed once per respondent
PARAMS_FILE = GENERATED_DIR / "params.json"  # the parameters this book was built with, for its readers
PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_DIR = REPO_ROOT / "_build"
PREVIEW_DIR = REPO_ROOT / "_preview"  # make html: the HTML alone, for an author's quick look
STAGING_DIR = REPO_ROOT / ".staging"  # the Sphinx builds' trees, kept between builds (grcp9.build.book)
PDF_NAME = "grcp9-reproducible-edition.pdf"
MANIFEST_NAME = "MANIFEST.sha256"  # in _build/: the SHA-256 of every output of the book
CONFIG_FILE = REPO_ROOT / "_config.yml"
TOC_FILE = REPO_ROOT / "_toc.yml"  # the HTML book's; the reader PDF's is derived from it (build.book.reader_toc)
PDF_ROOT = "pdf-edition"  # book/pdf-edition.md: root document of the reader PDF
HTML_REFERENCES_PAGE = "references"  # book/references.md: the HTML bibliography page
HTML_ONLY_PAGES = (HTML_REFERENCES_PAGE, "downloads", "api")  # left out of the reader PDF
# The report layer: notebooks and chapters about a published report (its meeting, its fact sheet
# and compendium, the ledger and register). A wave without a report (waves.csv, report=no) is
# built without them (grcp9.build.book.book_toc); the survey chapters build for any wave.
REPORT_NOTEBOOKS = ("survey_summary", "factsheet", "compendium", "meeting", "verification")
REPORT_PAGES = ("meeting", "meeting-annexes", "annex1", "verification")
# Shown only when the package holds other waves to compare with (parameter compare_waves).
COMPARISON_NOTEBOOKS = ("comparison",)
COMPARISON_PAGES = ("comparison",)
# The parameters every computation notebook takes (grcp9.build.params.Params.notebook_parameters).
NOTEBOOK_PARAMETERS = ("data_dir", "wave", "output_dir")

# Book-relative (Sphinx source-relative) forms, for links written into generated MyST.
BOOK_FIGURES = "/generated/figures"
BOOK_TABLES = "/generated/tables"
BOOK_NOTEBOOKS = "/generated/notebooks"

RESULTS_SUFFIX = ".results.json"
INPUTS_SUFFIX = ".inputs.json"  # data files and modules a notebook used: its build dependencies


def resolve(path: str | Path) -> Path:
    """Resolve a user-given path: absolute stays absolute, relative is taken from the repo root."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate


def results_path(notebook_stem: str, executed_dir: Path = EXECUTED_DIR) -> Path:
    """Machine-readable results written next to an executed notebook."""
    return executed_dir / f"{notebook_stem}{RESULTS_SUFFIX}"

# The report's text is not redistributed here (all rights reserved by IOM). Tests that check
# provenance quotes against it look for it at $GRCP9_REPORT_TEXT or beside the checkout.
REPORT_TEXT_ENV = "GRCP9_REPORT_TEXT"
REPORT_TEXT_DEFAULT = REPO_ROOT.parent / "shared" / "seed" / "000_370e50703f3914a4.txt"
