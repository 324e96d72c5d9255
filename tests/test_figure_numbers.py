"""book/_ext/figure_numbers.py: Sphinx numbers figures, tables and code blocks from the pages'
outlines exactly as from their doctrees.

A small Sphinx project (a numbered table of contents with a page of pages below it, sections,
captioned and uncaptioned figures, a table with a title, captioned code blocks) is built with and
without the extension, then built again after a page changed (the numbering then reads the saved
outlines of the pages not read again). The numbers Sphinx saves and every written page must be
the same both ways."""

from __future__ import annotations

import importlib
import pickle
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from grcp9 import paths

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n'
FIGURE = ".. figure:: /pic.svg\n   :name: {name}\n\n   {caption}\n\n"
TABLE = ".. table:: {title}\n   :name: {name}\n\n   =  =\n   a  b\n   =  =\n   1  2\n   =  =\n\n"
CODE = ".. code-block:: python\n   :caption: {caption}\n   :name: {name}\n\n   x = 1\n\n"
PAGES = {
    "index.rst": "Home\n====\n\n" + FIGURE.format(name="fig-home", caption="On the home page.")
                 + ".. toctree::\n   :numbered:\n\n   first\n   part/index\n\n.. toctree::\n\n   last\n",
    "first.rst": "First\n=====\n\n" + FIGURE.format(name="fig-first", caption="A figure.")
                 + ".. figure:: /pic.svg\n\n" + "Section\n-------\n\n" + TABLE.format(title="A table", name="tbl-first")
                 + CODE.format(caption="Some code", name="code-first") + "See :numref:`fig-part-one` and :numref:`tbl-last`.\n",
    "part/index.rst": "Part\n====\n\n.. toctree::\n\n   one\n   two\n\n" + TABLE.format(title="Part table", name="tbl-part"),
    "part/one.rst": "One\n===\n\n" + FIGURE.format(name="fig-part-one", caption="In part one.")
                    + "Deeper\n------\n\nSub\n~~~\n\n" + FIGURE.format(name="fig-deep", caption="Deep down."),
    "part/two.rst": "Two\n===\n\n" + CODE.format(caption="More code", name="code-two") + TABLE.format(title="Two", name="tbl-two"),
    "last.rst": "Last\n====\n\n" + TABLE.format(title="Last table", name="tbl-last") + FIGURE.format(name="fig-last", caption="Last."),
}
CHANGE = ("part/one.rst", FIGURE.format(name="fig-added", caption="Added before the others."))


def build(tmp_path: Path, name: str, with_extension: bool) -> tuple[dict[str, bytes], dict[str, object], dict[str, bytes], dict[str, object]]:
    source = tmp_path / name / "source"
    for page, text in PAGES.items():
        (source / page).parent.mkdir(parents=True, exist_ok=True)
        (source / page).write_text(text, encoding="utf-8")
    (source / "pic.svg").write_text(SVG, encoding="utf-8")
    extensions = ["figure_numbers"] if with_extension else []
    (source / "conf.py").write_text(f"project = 'Numbers'\nextensions = {extensions!r}\nnumfig = True\n"
                                    "numfig_secnum_depth = 1\n", encoding="utf-8")
    output = tmp_path / name / "html"

    def run() -> tuple[dict[str, bytes], dict[str, object]]:
        assert build_main(["-b", "html", "-q", "-W", str(source), str(output)]) == 0
        pages = {str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*.html"))}
        with (output / ".doctrees" / "environment.pickle").open("rb") as handle:
            env = pickle.load(handle)
        if with_extension:
            assert set(env.grcp9_numbering_outlines) == {page.removesuffix(".rst") for page in PAGES}
        return pages, env.toc_fignumbers

    first = run()
    changed = source / CHANGE[0]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace("One\n===\n\n", "One\n===\n\n" + CHANGE[1]), encoding="utf-8")
    return (*first, *run())


def test_numbers_from_outlines_equal_sphinxs_own(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(paths.BOOK_DIR / "_ext"))
    importlib.import_module("figure_numbers")
    plain_pages, plain_numbers, plain_pages_after, plain_numbers_after = build(tmp_path, "plain", with_extension=False)
    pages, numbers, pages_after, numbers_after = build(tmp_path, "outlines", with_extension=True)
    assert numbers == plain_numbers and numbers_after == plain_numbers_after
    assert pages == plain_pages and pages_after == plain_pages_after
    # The case is not empty: numbered in sections, across pages, and changed by the added figure.
    assert numbers["part/one"]["figure"] == {"fig-part-one": (2, 1), "fig-deep": (2, 2)}
    assert numbers_after["part/one"]["figure"]["fig-deep"] == (2, 3)
    assert numbers["first"]["code-block"] == {"code-first": (1, 1)} and "tbl-last" in numbers["last"]["table"]
    assert numbers["index"]["figure"] == {"fig-home": (1,)} and numbers["last"]["figure"] == {"fig-last": (2,)}
    sys.modules.pop("figure_numbers", None)
