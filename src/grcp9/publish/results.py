"""Glue a value for the book and record the very same value for the tests, in one call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grcp9 import paths

if TYPE_CHECKING:
    from grcp9.data import SurveyData

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
        from myst_nb import glue  # here, so the build steps can read results without importing it

        glue(key, value, display=False)
        print(f"{key} = {value!r}  # {description}")  # the cell that computed a value shows it
        self.values[key] = {"value": value, "description": description}
        self._write()
        return value

    def record_inputs(self, data: SurveyData) -> None:
        """Write which data files and package modules this notebook used (``<notebook>.inputs.json``).

        The build reads it as the notebook's dependencies, so the notebook re-executes only when
        one of these files changes. Call it last, after every computation.
        """
        modules = sorted({Path(str(module.__file__)) for name, module in sys.modules.items()
                          if (name == "grcp9" or name.startswith("grcp9.")) and getattr(module, "__file__", None)})
        target = self.path.with_name(self.path.name.replace(paths.RESULTS_SUFFIX, paths.INPUTS_SUFFIX))
        document = {"notebook": self.notebook,
                    "data": [_relative(p) for p in data.tables_read()],
                    "package": [_relative(p) for p in modules]}
        target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"notebook": self.notebook, "values": self.values}
        self.path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _relative(path: Path) -> str:
    """Repository-relative where possible, so executed outputs do not depend on the checkout's location."""
    try:
        return str(path.resolve().relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path.resolve())


def read(path: str | Path) -> dict[str, dict[str, Any]]:
    """The recorded values of one notebook, keyed by glue key."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["values"]
