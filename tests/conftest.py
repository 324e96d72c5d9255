"""Shared fixtures: the real data package, and disposable copies of it to break on purpose."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from grcp9 import data, paths
from grcp9.build import params
from grcp9.build.params import Params

# The browser checks run in Debian's Chromium headless shell (package chromium-headless-shell, the
# same Chromium build without the full browser's windowing layer) where it is installed, else in
# Debian's chromium. Measured on this project's 2-core machine, test_browser.py and
# test_browser_generated.py together: 77 s of CPU with the shell, 91 s with chromium, the same 77
# tests passing.
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def built_params() -> Params:
    """The parameters of this checkout's book (book/generated/params.json, as a reviewer reads them;
    before any build, the default parameters validated)."""
    if paths.PARAMS_FILE.is_file():
        return Params.from_json(paths.PARAMS_FILE.read_text(encoding="utf-8"))
    return params.validate("data")


def raw_rows(name: str, directory: Path = paths.DATA_DIR) -> list[dict[str, str]]:
    """A table of a data package as plain CSV rows, read without grcp9 (tests recount from these)."""
    file = name if name.endswith(".csv") else f"{name}.csv"
    with (directory / file).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def report_text(skipped: str) -> str:
    """The report's text, or the test is skipped (saying what is then ``skipped``) when the text is
    neither at $GRCP9_REPORT_TEXT nor beside the checkout."""
    path = Path(os.environ.get(paths.REPORT_TEXT_ENV, paths.REPORT_TEXT_DEFAULT))
    if not path.is_file():
        pytest.skip(f"report text not found at {path} (set {paths.REPORT_TEXT_ENV}); {skipped}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def survey_data() -> data.SurveyData:
    return data.load(paths.DATA_DIR)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ that a test may corrupt."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


def read_table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_table(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header excluded) of ``column`` to ``value``."""
    rows = read_table(path)
    rows[row][rows[0].index(column)] = value
    write_table(path, rows)


def find_row(path: Path, **match: str) -> int:
    """1-based data row whose columns equal ``match``."""
    rows = read_table(path)
    header = rows[0]
    for number, row in enumerate(rows[1:], start=1):
        if all(row[header.index(k)] == v for k, v in match.items()):
            return number
    raise LookupError(f"no row matching {match} in {path}")


# make test gives each test file to one pytest-xdist worker (--dist loadfile), in the order below
# (--no-loadscope-reorder): the longest files first, so that the short ones fill both workers until
# the end of the run (make test's --durations lists the slowest).
HEAVY_FILES = ["test_sandbox_builds.py", "test_browser.py", "test_sandbox_robustness.py", "test_fixture_wave.py",
               "test_browser_generated.py", "test_notebooks_standalone.py", "test_lint.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heavy files first, longest first; the others after them in their usual order."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVY_FILES.index(name) if name in HEAVY_FILES else len(HEAVY_FILES)

    items.sort(key=rank)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


# The browser tests' site and browser, once per pytest worker (test_browser*.py).
@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(paths.BUILD_DIR / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def browser_context(browser):  # type: ignore[no-untyped-def]
    """One browser context per worker: its tabs share the cache (the theme's stylesheets and
    scripts are fetched and compiled once)."""
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture(scope="session")
def checking_tab(browser_context):  # type: ignore[no-untyped-def]
    """One tab that test_browser.check_page loads every page into."""
    return browser_context.new_page()


@pytest.fixture()
def tab(browser_context):  # type: ignore[no-untyped-def]
    """A tab of its own, for a test that changes its page (its colours, content, width or filter),
    closed after the test; in the worker's browser context. Measured on test_browser.py's eleven
    tests that use one, three runs each: 17.0 s of CPU on average with a new browser context for
    each tab, 16.0 s in the shared one."""
    page = browser_context.new_page()
    yield page
    page.close()
