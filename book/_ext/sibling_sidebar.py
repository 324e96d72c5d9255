"""Make the sidebar of sibling pages once, not once per page.

The theme (pydata-sphinx-theme, through sphinx-book-theme) makes each page's sidebar from Sphinx's
table of contents, then parses and edits it with BeautifulSoup: work that grows with the entries
the sidebar shows. A respondent's profile page shows every other profile, so the profiles' sidebars
took time growing with the square of the respondents (README, "Benchmark").

Sibling pages (listed by the same table of contents of the same page, in the same folder, with no
pages below them) have sidebars that differ only in which entry is the current page: that entry has
the classes ``current active`` and a link to ``#``, and the others link to their page. This
extension keeps the sidebar the theme made for the first of a group of siblings and, for each
other sibling, moves the current-page marks from that page's entry to the sibling's. When an entry
does not have exactly the expected form (another theme version, say), the theme makes the sidebar
itself, as for any other page. The book's pages were the same, byte for byte, with and without
this extension when it was added (README, "Incremental and parallel builds").

The theme makes its sidebar functions for a page, and renders the sidebar once to see whether it
is empty, in two handlers of the same event; the first is wrapped in place (``setup``) so that the
second already calls the shared sidebar.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from docutils import nodes
from markupsafe import Markup
from sphinx import addnodes
from sphinx.application import Sphinx

# This build's shared sidebars (kept out of Sphinx's environment, which is saved between builds):
# (group, folder, arguments) -> (the page it was made for, its entries' level class, its HTML);
# and, per parent page, which of its tables of contents lists each child.
_MADE: dict[tuple[Any, ...], tuple[str, str, str]] = {}
_GROUPS: dict[str, dict[str, int]] = {}
SHARED: list[str] = []  # the pages whose sidebar was a shared one, in this build (the tests read it)

CURRENT = '<li class="{level} current active"><a class="current reference internal" href="#">'
OTHER = '<li class="{level}"><a class="reference internal" href="{href}">'


def _sibling_group(app: Sphinx, docname: str) -> tuple[str, int] | None:
    """The page and the table of contents on it that list ``docname``, if ``docname`` lists no
    pages itself and is listed once."""
    env = app.env
    if env.toctree_includes.get(docname):
        return None
    parents = [parent for parent, children in env.toctree_includes.items() if docname in children]
    if len(parents) != 1:
        return None
    parent = parents[0]
    if parent not in _GROUPS:
        groups: dict[str, int] = {}
        tree: nodes.document = env.get_doctree(parent)
        for index, toctree in enumerate(tree.findall(addnodes.toctree)):
            for child in toctree["includefiles"]:
                groups[child] = -1 if child in groups else index  # -1: listed twice, not shared
        _GROUPS[parent] = groups
    index = _GROUPS[parent].get(docname, -1)
    return None if index < 0 else (parent, index)


def _retarget(html: str, level: str, source_href: str, target_href: str) -> str | None:
    """The sidebar made for the page at ``source_href`` as the page at ``target_href`` has it, or
    None when either entry is not exactly once in its expected form."""
    source_current = CURRENT.format(level=level)
    source_plain = OTHER.format(level=level, href=source_href)
    target_plain = OTHER.format(level=level, href=target_href)
    if html.count(source_current) != 1 or html.count(target_plain) != 1 or source_plain in html:
        return None
    return html.replace(source_current, source_plain).replace(target_plain, source_current)


def _share_sidebar(app: Sphinx, pagename: str, context: dict[str, Any]) -> None:
    make: Callable[..., Any] | None = context.get("generate_toctree_html")
    group = _sibling_group(app, pagename) if make is not None else None
    if make is None or group is None:
        return

    def shared(kind: str, startdepth: int = 1, show_nav_level: int = 1, **kwargs: Any) -> Any:
        if kind != "sidebar":
            return make(kind, startdepth, show_nav_level, **kwargs)
        key = (group, os.path.dirname(pagename), kind, startdepth, show_nav_level, tuple(sorted(kwargs.items())))
        if key in _MADE:
            source, level, html = _MADE[key]
            href = os.path.basename(app.builder.get_target_uri(pagename))
            moved = _retarget(html, level, os.path.basename(app.builder.get_target_uri(source)), href)
            if moved is None:
                return make(kind, startdepth, show_nav_level, **kwargs)
            SHARED.append(pagename)
            return Markup(moved)
        html = str(make(kind, startdepth, show_nav_level, **kwargs))
        levels = [level for level in (f"toctree-l{depth}" for depth in range(1, 10)) if html.count(CURRENT.format(level=level)) == 1]
        if len(levels) == 1:  # the current page's entry, once: its siblings' entries have its level
            _MADE[key] = (pagename, levels[0], html)
        return Markup(html)

    context["generate_toctree_html"] = shared


def _wrap_theme_handler(app: Sphinx) -> None:
    """Wrap the theme's handler that puts ``generate_toctree_html`` in a page's context, in its
    place among the event's handlers (the theme's next handler renders the sidebar)."""
    _MADE.clear()
    _GROUPS.clear()
    SHARED.clear()
    listeners = app.events.listeners.get("html-page-context", [])
    for position, listener in enumerate(listeners):
        handler = listener.handler
        if getattr(handler, "__name__", "") == "add_toctree_functions" and "pydata_sphinx_theme" in getattr(handler, "__module__", ""):
            def wrapped(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any,
                        _theme: Callable[..., Any] = handler) -> Any:
                result = _theme(app, pagename, templatename, context, doctree)
                _share_sidebar(app, pagename, context)
                return result

            listeners[position] = listener._replace(handler=wrapped)
            return


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", _wrap_theme_handler)
    # Parallel writing forks processes, each making its own first sidebar of a group: the small book of
    # tests/test_sibling_sidebar.py built with -j 2 gave the same pages as without the extension.
    return {"parallel_read_safe": True, "parallel_write_safe": True}
