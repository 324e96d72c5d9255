"""Number figures and tables from an outline of each page, not from the whole page.

With ``numfig`` on (this book numbers its figures and tables across pages), Sphinx numbers them
again after every build that read a page: it walks every page's doctree along the table of
contents, loading each one from disk. After a one-table change, that loaded the 45 doctrees of the
book's pages (0.33 s of a 1.4 s HTML step); what the walk looks at is a small part of them:
sections, tables of contents, and the numbered nodes with their captions.

This extension keeps, for each page when it is read, that part: a copy of the page's tree with
only those nodes, their captions and titles, and the nodes that lead to them (``outline``), saved
with Sphinx's environment. Sphinx's own numbering (``TocTreeCollector.assign_figure_numbers``) then
walks the outlines instead of the doctrees. A node whose title Sphinx gets from a function of the
domain that registered it (``add_enumerable_node(..., title_getter)``) is kept whole, as is any
page whose outline could not be made. The numbers were the same with and without this extension on
the book and on the test's small book (tests/test_figure_numbers.py).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector

ATTRIBUTE = "grcp9_numbering_outlines"  # on the environment: page name -> its outline


def _kind(env: BuildEnvironment, node: nodes.Element) -> tuple[bool, bool]:
    """Whether a domain numbers nodes of this kind, and whether its title comes from a function."""
    numbered = any(domain.get_enumerable_node_type(node) for domain in env.domains.values())
    std = env.domains["std"]
    custom_title = numbered and std.enumerable_nodes.get(node.__class__, (None, None))[1] is not None  # type: ignore[attr-defined]
    return numbered, custom_title


def outline(env: BuildEnvironment, node: nodes.Element) -> nodes.Element | None:
    """The part of ``node`` that Sphinx's figure numbering reads, or None if it has none."""
    if isinstance(node, addnodes.toctree):
        return node.copy()
    numbered, custom_title = _kind(env, node)
    if custom_title:
        return node.deepcopy()
    children: list[nodes.Node] = []
    for child in node.children:
        if not isinstance(child, nodes.Element):
            continue
        if numbered and isinstance(child, (nodes.caption, nodes.title)):
            children.append(child.deepcopy())  # the numbered node's title (its text is read)
        elif numbered and isinstance(child, nodes.literal_block):
            children.append(child.copy())  # what makes a container a code block
        else:
            kept = outline(env, child)
            if kept is not None:
                children.append(kept)
    if not (children or numbered or isinstance(node, nodes.section)):
        return None
    copy = node.copy()
    copy.extend(children)
    return copy


def _outlines(env: BuildEnvironment) -> dict[str, nodes.Element]:
    if not hasattr(env, ATTRIBUTE):
        setattr(env, ATTRIBUTE, {})
    return getattr(env, ATTRIBUTE)


def page_outline(env: BuildEnvironment, doctree: nodes.document) -> nodes.Element:
    """The outline of a page: the outlines of its top nodes under a plain element (the walk reads
    only the children of a page's root), belonging to no document, so that it is saved alone."""
    root = nodes.Element()
    root.extend(kept for kept in (outline(env, child) for child in doctree.children if isinstance(child, nodes.Element))
                if kept is not None)
    for node in root.findall():
        node._document = None  # copies refer to the page's document, which would be saved with them
    return root


def _record(app: Sphinx, doctree: nodes.document) -> None:
    outlines = _outlines(app.env)
    try:
        outlines[app.env.docname] = page_outline(app.env, doctree)
    except Exception:  # noqa: BLE001  (a node that cannot be copied: the page is walked whole)
        outlines.pop(app.env.docname, None)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _outlines(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = getattr(other, ATTRIBUTE, {})
    _outlines(env).update({name: theirs[name] for name in docnames if name in theirs})


_ORIGINAL = TocTreeCollector.assign_figure_numbers


def assign_figure_numbers(self: TocTreeCollector, env: BuildEnvironment) -> list[str]:
    """Sphinx's numbering, walking the outlines of the pages that have one."""
    outlines = getattr(env, ATTRIBUTE, None)
    if not outlines:
        return _ORIGINAL(self, env)
    get_doctree = env.get_doctree

    def outline_or_doctree(docname: str) -> nodes.document:
        return outlines[docname] if docname in outlines else get_doctree(docname)  # type: ignore[return-value]

    env.get_doctree = outline_or_doctree  # type: ignore[method-assign]
    try:
        return _ORIGINAL(self, env)
    finally:
        del env.get_doctree  # the instance's attribute: the method is the class's again


def setup(app: Sphinx) -> dict[str, Any]:
    TocTreeCollector.assign_figure_numbers = assign_figure_numbers  # type: ignore[method-assign]
    app.connect("doctree-read", _record, priority=900)  # after the handlers that change the tree
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
