"""Glue a value for the book and record the very same value for the tests, in one call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from myst_nb import glue

JsonScalar = int | float | str


class Results:
    """Collects a notebook's glued values in ``<notebook>.results.json`` next to the executed notebook.

    The book prints what ``glue`` stores; the tests read the JSON file. Both come from this call.
    """

    def __init__(self, path: str | Path, notebook: str):
        self.path = Path(path)
        self.notebook = notebook
        self.values: dict[str, dict[str, Any]] = {}

    def glue(self, key: str, value: JsonScalar, description: str) -> JsonScalar:
        if key in self.values:
            raise KeyError(f"{self.notebook}: the key {key!r} is glued twice")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"{self.notebook}: glue {key!r} expects a number or a string, got {type(value).__name__}")
        glue(key, value, display=False)
        self.values[key] = {"value": value, "description": description}
        self._write()
        return value

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"notebook": self.notebook, "values": self.values}
        self.path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def read(path: str | Path) -> dict[str, dict[str, Any]]:
    """The recorded values of one notebook, keyed by glue key."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["values"]
