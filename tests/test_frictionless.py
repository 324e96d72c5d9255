"""``data.load`` and ``frictionless`` run on the files as they are agree: ``load`` reads each table
with the project's own rules and has ``frictionless`` (the Frictionless Data reference
implementation) check the schema, so it must accept the package that ``frictionless`` accepts, and
reject the schema-level faults it rejects. Cross-table coding rules (data/README.md, "Checks beyond
the schema") are ours alone: the standard cannot express them, so they are not compared."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import find_row, read_table, set_cell, write_table

from grcp9 import data, paths
from grcp9.errors import DataValidationError


def frictionless_accepts(data_dir: Path) -> bool:
    from frictionless import validate

    return bool(validate(str(data_dir / paths.DATAPACKAGE_NAME)).valid)


def we_accept(data_dir: Path) -> bool:
    try:
        data.load(data_dir)
    except DataValidationError:
        return False
    return True


def duplicate_first_row(name: str) -> Callable[[Path], None]:
    def change(directory: Path) -> None:
        rows = read_table(directory / name)
        write_table(directory / name, [*rows, rows[1]])
    return change


def set_value(name: str, match: dict[str, str], column: str, value: str) -> Callable[[Path], None]:
    def change(directory: Path) -> None:
        set_cell(directory / name, find_row(directory / name, **match), column, value)
    return change


def spreadsheet_variants(directory: Path) -> None:
    for name in ("questions.csv", "responses.csv"):
        path = directory / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


CASES: dict[str, tuple[Callable[[Path], None], bool]] = {
    "the package as it is": (lambda d: None, True),
    "byte-order mark and CRLF": (spreadsheet_variants, True),
    "value outside the enum": (set_value("responses.csv", {"iscm_id": "arcp"}, "q9_imrf_plan", "maybe"), False),
    "duplicate primary key": (duplicate_first_row("gcm_principles.csv"), False),
    "unknown foreign key": (set_value("responses.csv", {"iscm_id": "cmc"}, "iscm_id", "atlantis"), False),
    "not an integer": (set_value("gcm_objectives.csv", {"objective": "23"}, "objective", "twenty-three"), False),
    "integer above the maximum": (set_value("gcm_objectives.csv", {"objective": "23"}, "objective", "24"), False),
    "missing required value": (set_value("survey_roster.csv", {"iscm_id": "arcp"}, "responded", ""), False),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_reference_validator_agrees(case, tmp_path):
    change, valid = CASES[case]
    directory = shutil.copytree(paths.DATA_DIR, tmp_path / "data")
    change(directory)
    assert (we_accept(directory), frictionless_accepts(directory)) == (valid, valid)


FIXTURE_WAVE = paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave"


def test_the_fixture_wave_and_its_merge_are_standard_packages(tmp_path):
    """The fictitious wave's package, and data/ with it merged in (python -m grcp9.fieldwork.waves merge)."""
    from grcp9.fieldwork import waves

    merged = waves.merge_packages(paths.DATA_DIR, FIXTURE_WAVE, tmp_path / "two-waves")
    for directory in (FIXTURE_WAVE, merged):
        assert (we_accept(directory), frictionless_accepts(directory)) == (True, True), directory


def test_a_wave_missing_from_waves_csv_is_caught_by_both(tmp_path):
    directory = shutil.copytree(FIXTURE_WAVE, tmp_path / "wave")
    write_table(directory / "waves.csv", read_table(directory / "waves.csv")[:1])  # header only
    assert (we_accept(directory), frictionless_accepts(directory)) == (False, False)
