"""book/_ext/sibling_sidebar.py: sibling pages get the sidebar the theme would have made for them.

A small Sphinx project with the book's theme (two captioned tables of contents on the root page, a
page listing three pages of a folder, and a page with pages of its own) is built with and without
the extension; every written file must be the same, and the extension must have shared sidebars."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from grcp9 import paths

PAGES = {
    "index.rst": "Home\n====\n\n.. toctree::\n   :caption: Part one\n\n   alpha\n   beta\n   group/index\n\n"
                 ".. toctree::\n   :caption: Part two\n\n   gamma\n   delta\n",
    "alpha.rst": "Alpha\n=====\n\nText.\n",
    "beta.rst": "Beta\n====\n\nText.\n",
    "gamma.rst": "Gamma\n=====\n\nText.\n",
    "delta.rst": "Delta\n=====\n\nText.\n\n.. toctree::\n\n   epsilon\n",
    "epsilon.rst": "Epsilon\n=======\n\nText.\n",
    "group/index.rst": "Group\n=====\n\n.. toctree::\n\n   one\n   two\n   three\n",
    "group/one.rst": "One\n===\n\nText.\n",
    "group/two.rst": "Two\n===\n\nText.\n",
    "group/three.rst": "Three\n=====\n\nText.\n",
}


def build(tmp_path: Path, name: str, with_extension: bool) -> dict[str, bytes]:
    source = tmp_path / name / "source"
    for page, text in PAGES.items():
        (source / page).parent.mkdir(parents=True, exist_ok=True)
        (source / page).write_text(text, encoding="utf-8")
    extensions = ["sibling_sidebar"] if with_extension else []
    (source / "conf.py").write_text(f"project = 'Siblings'\nhtml_theme = 'sphinx_book_theme'\nextensions = {extensions!r}\n",
                                    encoding="utf-8")
    output = tmp_path / name / "html"
    assert build_main(["-b", "html", "-q", "-W", "-E", str(source), str(output)]) == 0
    return {str(p.relative_to(output)): p.read_bytes() for p in sorted(output.rglob("*"))
            if p.is_file() and p.suffix in {".html", ".js"}}


def test_shared_sidebars_equal_the_themes_own(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(paths.BOOK_DIR / "_ext"))
    extension = importlib.import_module("sibling_sidebar")
    plain = build(tmp_path, "plain", with_extension=False)
    shared = build(tmp_path, "shared", with_extension=True)
    assert shared.keys() == plain.keys()
    assert [page for page in plain if shared[page] != plain[page]] == []
    # The first page of each group (in the order Sphinx writes them) gets the theme's sidebar, the
    # others share it: alpha's with beta, one's with three and two. gamma's sibling delta has a page
    # of its own, so it is no sibling; epsilon is delta's only page. group/index has pages of its own.
    assert set(extension.SHARED) == {"beta", "group/three", "group/two"}, extension.SHARED
    sys.modules.pop("sibling_sidebar", None)
