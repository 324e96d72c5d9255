"""Let sphinx.ext.viewcode find the package's source files without importing the package.

viewcode decides whether a module's source page must be written again by comparing the module's
file with the page, and it finds the file by importing the module. In an incremental HTML build
(``make html`` after a table changed) no page imports the package, so that import (pandas,
matplotlib and the package's modules) is about a third of the Sphinx run, to learn paths that are
fixed: ``src/grcp9/<layer>/<module>.py``. Other modules keep viewcode's own lookup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.ext import viewcode

PACKAGE = "grcp9"
_viewcode_lookup = viewcode.get_module_filename


def module_filename(app: Sphinx, modname: str) -> str | None:
    """The source file of ``modname`` if it is a module of the package, else viewcode's answer."""
    if modname == PACKAGE or modname.startswith(PACKAGE + "."):
        source = Path(app.srcdir).parent / "src" / Path(*modname.split("."))
        for candidate in (source.with_suffix(".py"), source / "__init__.py"):
            if candidate.is_file():
                return str(candidate)
    return _viewcode_lookup(app, modname)


def setup(app: Sphinx) -> dict[str, Any]:
    viewcode.get_module_filename = module_filename  # type: ignore[assignment]
    return {"parallel_read_safe": True, "parallel_write_safe": True}
