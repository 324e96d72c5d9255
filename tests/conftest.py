"""Shared fixtures: the real data package, and disposable copies of it to break on purpose."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from grcp9 import data, paths


@pytest.fixture(scope="session")
def survey_data() -> data.SurveyData:
    return data.load(paths.DATA_DIR)


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ that a test may corrupt."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


def read_table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_table(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, header excluded) of ``column`` to ``value``."""
    rows = read_table(path)
    rows[row][rows[0].index(column)] = value
    write_table(path, rows)


def find_row(path: Path, **match: str) -> int:
    """1-based data row whose columns equal ``match``."""
    rows = read_table(path)
    header = rows[0]
    for number, row in enumerate(rows[1:], start=1):
        if all(row[header.index(k)] == v for k, v in match.items()):
            return number
    raise LookupError(f"no row matching {match} in {path}")
