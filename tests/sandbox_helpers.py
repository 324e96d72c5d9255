"""Helpers of the sandbox build tests (test_sandbox_builds.py, test_sandbox_robustness.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import sandbox

from grcp9 import paths

HOSTILE = "<script>alert('x')</script> & 100% $5 #1 a_b {curly} back\\slash ~tilde ^caret"
NAMES = "Zúñiga, Tomáš, Gümürkçü, Emiratisation"
HOSTILE_LABEL = "Other: $x$ & <b>_y_</b>"


def edit_csv(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_where(path: Path, match: dict[str, str], column: str, value: str) -> None:
    def change(rows: list[list[str]]) -> None:
        header = rows[0]
        hits = [r for r in rows[1:] if all(r[header.index(k)] == v for k, v in match.items())]
        assert hits, f"no row {match} in {path}"
        for row in hits:
            row[header.index(column)] = value
    edit_csv(path, change)


def inject_hostile_strings(data: Path) -> None:
    set_where(data / "iscm_statements.csv", {"iscm_id": "pidc", "question": "q15", "location": "compendium", "item": "1"},
              "summary", f"Hostile test: {HOSTILE}; names {NAMES}.")
    set_where(data / "question_options.csv", {"question": "q7", "option": "other"}, "short_label", HOSTILE_LABEL)
    edit_csv(data / "iscm_aliases.csv", lambda rows: rows.append(["pidc", f"Alias {HOSTILE}", "variant name", "annex1-compendium",
                                                                 "Pacific Immigration Development Community (PIDC)", ""]))


def make(root: Path, target: str) -> str:
    """``make target`` in the sandbox, which must succeed; its output."""
    result = sandbox.make(root, target)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def build(root: Path) -> str:
    return make(root, "book")


def executed(log: str) -> set[str]:
    """Notebooks a build executed, as its progress lines name them."""
    return set(re.findall(r"executing (\S+\.ipynb|profile of \S+)$", log, re.MULTILINE))


def manifest(root: Path) -> dict[str, str]:
    lines = (root / "_build" / paths.MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}
