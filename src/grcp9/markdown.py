"""Writing data into MyST Markdown safely: every data string is escaped, so that characters
such as ``*``, ``_``, ``$``, ``{`` or ``<script>`` print as themselves in HTML and PDF."""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

import pandas as pd

_PUNCTUATION = set(string.punctuation)


def escape(text: object) -> str:
    """Backslash-escape every ASCII punctuation character (CommonMark allows it for all of them)
    and fold line breaks, so data never turns into markup, math, roles or HTML."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):  # type: ignore[call-overload]
        return ""
    folded = " ".join(str(text).split())
    return "".join(f"\\{ch}" if ch in _PUNCTUATION else ch for ch in folded)


# Links inside a table, per column: for each row, the (words, target) pairs to append to its cell.
# A target is an anchor on the same page, or "code:module.function" for a function's documentation.
RowLinks = Mapping[str, Sequence[Sequence[tuple[str, str]]]]


def _link(words: str, target: str) -> str:
    if target.startswith("code:"):
        return f"{{code}}`{words} <{target.removeprefix('code:')}>`"
    return f"{{jump}}`{words} <{target}>`"


def table(frame: pd.DataFrame, anchors: Sequence[str] | None = None, links: RowLinks | None = None) -> str:
    """A pipe table with escaped cells (header from the column names). ``anchors``: one target per
    row, placed in its first cell (``{anchor}``); ``links``: links to such targets appended to the
    cells of a column (``{jump}``). Anchors and link words are the caller's, not escaped."""
    header = "| " + " | ".join(escape(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = []
    for number, row in enumerate(frame.itertuples(index=False)):
        cells = [escape(v) for v in row]
        for column, per_row in (links or {}).items():
            index = list(frame.columns).index(column)
            cells[index] = " ".join([cells[index], *(_link(words, anchor) for words, anchor in per_row[number])]).strip()
        if anchors is not None:
            cells[0] = f"{{anchor}}`{anchors[number]}`{cells[0]}"
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([header, rule, *rows])


def bullets(items: list[str], indent: int = 0) -> str:
    """A bullet list of already-escaped items."""
    pad = " " * indent
    return "\n".join(f"{pad}- {item}" for item in items)
