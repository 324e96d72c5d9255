"""book/_ext/warned_pages.py: a page that warned is read (and written) again by the next build, so
its warning fails that build too, until it is fixed; the pages that did not warn are not read
again.

A small Sphinx project (three pages) is built with ``-W --keep-going``, as the book is: with a
page that warns as it is read (an unknown role), one that warns as it is written (a reference to
no page), and a warning that names no page (a missing static folder). Without the extension, the
second build passes: the defect this extension is for."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

from grcp9 import paths

PAGES = {
    "index.rst": "Home\n====\n\n.. toctree::\n\n   quiet\n   loud\n",
    "quiet.rst": "Quiet\n=====\n\nNothing wrong here.\n",
    "loud.rst": "Loud\n====\n\nFine so far.\n",
}
READ_WARNING = "A role that does not exist: :nosuchrole:`x`.\n"  # warns as the page is read
WRITE_WARNING = "A page that does not exist: :doc:`nowhere`.\n"  # warns as the page's references are resolved


def project(tmp_path: Path, with_extension: bool, static: str = "") -> tuple[Path, Path]:
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    for page, text in PAGES.items():
        (source / page).write_text(text, encoding="utf-8")
    extensions = ["warned_pages"] if with_extension else []
    static_path = [static] if static else []
    (source / "conf.py").write_text(f"project = 'Warnings'\nextensions = {extensions!r}\nhtml_static_path = {static_path!r}\n",
                                    encoding="utf-8")
    return source, tmp_path / "html"


def build(source: Path, output: Path) -> tuple[int, set[str]]:
    """Build (HTML, writing only what changed, as the preview does): its status and the pages it read."""
    doctrees = output / ".doctrees"
    before = {p.stem: p.stat().st_mtime_ns for p in doctrees.glob("*.doctree")}
    status = build_main(["-b", "html", "-q", "-W", "--keep-going", str(source), str(output)])
    read = {p.stem for p in doctrees.glob("*.doctree") if before.get(p.stem) != p.stat().st_mtime_ns}
    return status, read


def add(source: Path, page: str, text: str) -> None:
    (source / page).write_text((source / page).read_text(encoding="utf-8") + text, encoding="utf-8")


def set_text(source: Path, page: str, text: str) -> None:
    (source / page).write_text(text, encoding="utf-8")


@pytest.fixture()
def extension(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(paths.BOOK_DIR / "_ext"))
    importlib.import_module("warned_pages")
    yield
    sys.modules.pop("warned_pages", None)


@pytest.mark.parametrize("warning", [READ_WARNING, WRITE_WARNING], ids=["read", "written"])
def test_a_page_that_warned_warns_again_until_fixed(tmp_path, extension, warning):
    source, output = project(tmp_path, with_extension=True)
    assert build(source, output) == (0, {"index", "quiet", "loud"})
    add(source, "loud.rst", warning)
    assert build(source, output) == (1, {"loud"})
    assert json.loads((output / ".doctrees" / paths.WARNED_PAGES_NAME).read_text(encoding="utf-8")) == {"all": False, "pages": ["loud"]}
    assert build(source, output) == (1, {"loud"})  # unchanged, read again: the warning again
    set_text(source, "loud.rst", PAGES["loud.rst"])
    assert build(source, output) == (0, {"loud"})
    assert build(source, output) == (0, set())  # nothing warned: nothing read again


@pytest.mark.parametrize("warning", [READ_WARNING, WRITE_WARNING], ids=["read", "written"])
def test_without_the_extension_the_next_build_passes(tmp_path, warning):
    source, output = project(tmp_path, with_extension=False)
    assert build(source, output)[0] == 0
    add(source, "loud.rst", warning)
    assert build(source, output) == (1, {"loud"})
    assert build(source, output) == (0, set())


def test_a_warning_that_names_no_page_reads_every_page_again(tmp_path, extension):
    source, output = project(tmp_path, with_extension=True, static="no-such-folder")
    assert build(source, output) == (1, {"index", "quiet", "loud"})
    assert json.loads((output / ".doctrees" / paths.WARNED_PAGES_NAME).read_text(encoding="utf-8"))["all"] is True
    assert build(source, output) == (1, {"index", "quiet", "loud"})
