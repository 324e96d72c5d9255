"""Read again, in the next build, the pages that warned in this one.

The book is built with ``-W --keep-going``: a warning fails the build, but Sphinx has saved what
it read (its environment) by then, and the next build reads only the pages whose sources changed.
A page that warned as it was read, and did not change, was not read again, so the next build
passed without the warning (seen with a module docstring that broke the API page). The preview,
which writes only the pages that changed, likewise did not write again a page that warned as it
was written.

This extension notes the page of each warning, from the warning's location or else from the page
being read or written, and when the build has finished writes them to
``<doctrees>/warned-pages.json`` (``grcp9.paths.WARNED_PAGES_NAME``), with ``"all": true`` if a
warning named no page. The next build reads those pages again (all of them for ``"all"``), so
their warnings come back until they are fixed. The record is written at every finished build, an
empty one when nothing warned; ``grcp9.build`` removes the saved environment of a step that did
not finish (stopped, or an error before the end: no new record), so that every page is read again
then. Sphinx removes it itself after an exception, and this extension its record.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging as sphinx_logging
from sphinx.util.build_phase import BuildPhase

from grcp9 import paths


def _record(app: Sphinx) -> Path:
    return Path(app.doctreedir) / paths.WARNED_PAGES_NAME


def _page_of_location(app: Sphinx, location: Any) -> str | None:
    """The page a warning's location names: a page name, (page, line), a node, or "path:line"
    (the form Sphinx's own handler leaves when it has seen the warning first)."""
    env = app.env
    if isinstance(location, tuple):
        location = location[0]
    if isinstance(location, nodes.Node):
        location = sphinx_logging.get_node_location(location)
    if not location or not isinstance(location, str):
        return None
    if location in env.found_docs:
        return location
    source, _, line = location.rpartition(":")
    if source and (line.isdigit() or line == ""):
        location = source
    page = env.path2doc(location)
    return page if page in env.found_docs else None


def _current_page(app: Sphinx) -> str | None:
    """The page being read or written when a warning without a page of its own was emitted."""
    if app.phase == BuildPhase.READING:
        return app.env.temp_data.get("docname")
    if app.phase == BuildPhase.WRITING:
        return getattr(app.builder, "current_docname", None) or None
    return None


class _WarnedPages(logging.Handler):
    """Notes the page of each warning that Sphinx counts (the same filter as its own: not the
    warnings that ``suppress_warnings`` silences)."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(logging.WARNING)
        self.app = app
        self.pages: set[str] = set()
        self.unplaced = False

    def filter(self, record: logging.LogRecord) -> bool:
        suppressed = sphinx_logging.is_suppressed_warning(getattr(record, "type", ""), getattr(record, "subtype", ""),
                                                          getattr(self.app.config, "suppress_warnings", ()))
        # Sphinx holds a phase's warnings and logs them again at its end (pending_warnings): the
        # same record, seen here first while its page was being read or written.
        seen = getattr(record, "grcp9_page_noted", False)
        return not suppressed and not seen

    def emit(self, record: logging.LogRecord) -> None:
        record.grcp9_page_noted = True
        page = None
        if getattr(self.app, "env", None) is not None:  # none yet while the configuration is read
            page = _page_of_location(self.app, getattr(record, "location", None)) or _current_page(self.app)
        if page is None:
            self.unplaced = True
        else:
            self.pages.add(page)


def _outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """The pages that warned in the last finished build, to be read again."""
    record = _record(app)
    if not record.is_file():
        return []
    last = json.loads(record.read_text(encoding="utf-8"))
    pages = env.found_docs if last["all"] else set(last["pages"]) & env.found_docs
    return sorted(pages - added - changed)


def _finished(app: Sphinx, exception: BaseException | None) -> None:
    """Stop noting, and write the record (after the other extensions' ends: their warnings too)."""
    handler: _WarnedPages = app.grcp9_warned_pages  # type: ignore[attr-defined]
    logging.getLogger(sphinx_logging.NAMESPACE).removeHandler(handler)
    record = _record(app)
    if exception is not None:  # Sphinx has removed its saved environment: every page is read again
        record.unlink(missing_ok=True)
        return
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(record.name + ".partial")
    partial.write_text(json.dumps({"all": handler.unplaced, "pages": sorted(handler.pages)}) + "\n", encoding="utf-8")
    os.replace(partial, record)


def setup(app: Sphinx) -> dict[str, Any]:
    handler = _WarnedPages(app)
    app.grcp9_warned_pages = handler  # type: ignore[attr-defined]
    logging.getLogger(sphinx_logging.NAMESPACE).addHandler(handler)
    app.connect("env-get-outdated", _outdated)
    app.connect("build-finished", _finished, priority=900)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
