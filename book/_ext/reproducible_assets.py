"""Copy myst-nb's stylesheet into the HTML output before any page is written.

myst-nb copies its stylesheet only when the build finishes, so a clean build writes its pages
before the file exists and links it without Sphinx's ``?v=`` checksum, while an incremental build
links it with one: the two builds would differ. Copying it first makes every build link it the
same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myst_nb.sphinx_ext import add_global_html_resources
from sphinx.application import Sphinx


def _copy_early(app: Sphinx) -> None:
    if app.builder.format == "html":
        (Path(app.builder.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _copy_early)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
