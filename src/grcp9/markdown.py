"""Writing data into MyST Markdown safely: every data string is escaped, so that characters
such as ``*``, ``_``, ``$``, ``{`` or ``<script>`` print as themselves in HTML and PDF."""

from __future__ import annotations

import string

import pandas as pd

_PUNCTUATION = set(string.punctuation)


def escape(text: object) -> str:
    """Backslash-escape every ASCII punctuation character (CommonMark allows it for all of them)
    and fold line breaks, so data never turns into markup, math, roles or HTML."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):  # type: ignore[call-overload]
        return ""
    folded = " ".join(str(text).split())
    return "".join(f"\\{ch}" if ch in _PUNCTUATION else ch for ch in folded)


def table(frame: pd.DataFrame) -> str:
    """A pipe table with escaped cells (header from the column names)."""
    header = "| " + " | ".join(escape(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(escape(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def bullets(items: list[str], indent: int = 0) -> str:
    """A bullet list of already-escaped items."""
    pad = " " * indent
    return "\n".join(f"{pad}- {item}" for item in items)
