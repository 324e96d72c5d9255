"""Load the data package and validate every table against its declared schema.

The schema lives in ``data/datapackage.json`` (Frictionless Table Schema). This module
implements the part of that standard the package uses (field order, required, integer type,
enum, pattern, minimum/maximum, minLength/maxLength, unique, primary and foreign keys) so that
every problem is reported as *file, row, column, what was expected, what was found*.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grcp9 import paths
from grcp9.errors import DataValidationError, Problem

if TYPE_CHECKING:
    import pandas as pd

def _show(value: str) -> str:
    return repr(value)


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path)


def read_descriptor(data_dir: Path) -> dict[str, Any]:
    """Read ``datapackage.json``; a missing or malformed descriptor is a validation error."""
    descriptor_path = data_dir / paths.DATAPACKAGE_NAME
    shown = _display_path(descriptor_path)
    if not data_dir.is_dir():
        raise DataValidationError([Problem(_display_path(data_dir), "an existing data directory", "no such directory")])
    if not descriptor_path.is_file():
        raise DataValidationError([Problem(shown, "a Frictionless data package descriptor", "no such file")])
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataValidationError([Problem(shown, "valid UTF-8 JSON", str(error))]) from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DataValidationError([Problem(shown, "a JSON object with a 'resources' list", "something else")])
    return descriptor


def _read_rows(path: Path, field_names: list[str], problems: list[Problem]) -> list[dict[str, str]] | None:
    """Read a CSV: UTF-8, comma-separated, the declared header, full rows.

    What spreadsheet programs add without changing the data is accepted: a UTF-8 byte-order mark,
    Windows line endings (CRLF) and blank lines at the end. Text is Unicode-normalized (NFC), so
    a name typed in another normal form compares equal. A file separated by semicolons (a
    spreadsheet's CSV in some locales) gets a message that says so.
    """
    shown = _display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, "a CSV file declared in datapackage.json", "no such file"))
        return None
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        problems.append(Problem(shown, f"a header row ({', '.join(field_names)})", "an empty file"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(shown, "UTF-8 text", f"byte {raw[error.start]:#04x} that is not UTF-8 (is the file Latin-1 or Windows-1252?)", row=line - 1))
        return None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.append(Problem(shown, "line endings LF or CRLF", "a carriage return alone (old Mac line endings); re-save the file", row=line - 1))
        return None
    try:
        records = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as error:
        problems.append(Problem(shown, "well-formed CSV", str(error)))
        return None
    while records and not records[-1]:
        records.pop()  # blank lines at the end
    if len(records[0]) == 1 and records[0][0].split(";") == field_names:
        problems.append(Problem(shown, "comma-separated values", "values separated by semicolons; re-save the file as CSV with commas", row=0))
        return None
    header = records[0]
    if header != field_names:
        missing = [name for name in field_names if name not in header]
        extra = [name for name in header if name not in field_names]
        if missing or extra:
            detail = []
            if missing:
                detail.append(f"missing column(s) {', '.join(missing)}")
            if extra:
                detail.append(f"unexpected column(s) {', '.join(extra)}")
            found = "; ".join(detail)
        else:
            found = f"the columns in another order ({', '.join(header)})"
        problems.append(Problem(shown, f"the header {', '.join(field_names)}", found, row=0))
        return None
    rows: list[dict[str, str]] = []
    for number, record in enumerate(records[1:], start=1):
        if len(record) != len(field_names):
            problems.append(Problem(shown, f"{len(field_names)} fields", f"{len(record)} fields", row=number))
            continue
        rows.append(dict(zip(field_names, record)))
    return rows


def _check_cell(value: str, field: dict[str, Any], shown: str, row: int, problems: list[Problem]) -> None:
    name = field["name"]
    constraints = field.get("constraints", {})

    def problem(expected: str, found: str | None = None) -> None:
        problems.append(Problem(shown, expected, _show(value) if found is None else found, row=row, column=name))

    if value != value.strip():
        problem("a value without leading or trailing spaces")
        return
    if value == "":
        if constraints.get("required", False):
            problem("a value (this column is required)", "an empty cell")
        return
    number: int | None = None
    if field.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            problem("a whole number")
            return
        number = int(value)
    if "enum" in constraints and value not in constraints["enum"]:
        problem(f"one of {', '.join(constraints['enum'])}")
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        problem(f"a value matching the pattern {constraints['pattern']}")
    if number is not None and "minimum" in constraints and number < constraints["minimum"]:
        problem(f"a number of at least {constraints['minimum']}")
    if number is not None and "maximum" in constraints and number > constraints["maximum"]:
        problem(f"a number of at most {constraints['maximum']}")
    if "minLength" in constraints and len(value) < constraints["minLength"]:
        problem(f"at least {constraints['minLength']} characters")
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        problem(f"at most {constraints['maxLength']} characters", f"{len(value)} characters")


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_keys(resource: dict[str, Any], rows: list[dict[str, str]], shown: str, problems: list[Problem]) -> None:
    schema = resource["schema"]
    key_sets: list[tuple[list[str], str]] = []
    if "primaryKey" in schema:
        key_sets.append((_as_list(schema["primaryKey"]), "primary key"))
    for field in schema["fields"]:
        if field.get("constraints", {}).get("unique"):
            key_sets.append(([field["name"]], "unique column"))
    for columns, kind in key_sets:
        seen: dict[tuple[str, ...], int] = {}
        for number, row in enumerate(rows, start=1):
            key = tuple(row[c] for c in columns)
            if key in seen:
                problems.append(Problem(shown, f"a unique {kind} ({', '.join(columns)})",
                                        f"{', '.join(key)} again (first at row {seen[key]})", row=number, column=columns[-1]))
            else:
                seen[key] = number


def _check_foreign_keys(descriptor: dict[str, Any], tables: dict[str, list[dict[str, str]]],
                        shown_paths: dict[str, str], problems: list[Problem]) -> None:
    for resource in descriptor["resources"]:
        name = resource["name"]
        if name not in tables:
            continue
        for foreign in resource["schema"].get("foreignKeys", []):
            columns = _as_list(foreign["fields"])
            target = foreign["reference"]["resource"]
            target_columns = _as_list(foreign["reference"]["fields"])
            if target not in tables:
                continue
            known = {tuple(row[c] for c in target_columns) for row in tables[target]}
            for number, row in enumerate(tables[name], start=1):
                key = tuple(row[c] for c in columns)
                if all(key) and key not in known:
                    problems.append(Problem(shown_paths[name],
                                            f"a value present in {shown_paths[target]} ({', '.join(target_columns)})",
                                            _show(", ".join(key)), row=number, column=columns[-1]))


def validate_tables(data_dir: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]], dict[str, str]]:
    """Validate every resource; return the descriptor, the rows by resource and display paths.

    Raises DataValidationError listing every problem found (schema level).
    """
    descriptor = read_descriptor(data_dir)
    problems: list[Problem] = []
    tables: dict[str, list[dict[str, str]]] = {}
    shown_paths: dict[str, str] = {}
    for resource in descriptor["resources"]:
        path = data_dir / resource["path"]
        shown = _display_path(path)
        shown_paths[resource["name"]] = shown
        fields = resource["schema"]["fields"]
        rows = _read_rows(path, [f["name"] for f in fields], problems)
        if rows is None:
            continue
        for number, row in enumerate(rows, start=1):
            for field in fields:
                _check_cell(row[field["name"]], field, shown, number, problems)
        _check_keys(resource, rows, shown, problems)
        tables[resource["name"]] = rows
    _check_foreign_keys(descriptor, tables, shown_paths, problems)
    if problems:
        raise DataValidationError(problems)
    return descriptor, tables, shown_paths


def to_frame(resource: dict[str, Any], rows: list[dict[str, str]]) -> pd.DataFrame:
    """Typed, read-only-by-convention DataFrame: integers as Int64, empty strings as missing."""
    import pandas as pd  # here, so that reporting errors does not need pandas

    columns = [f["name"] for f in resource["schema"]["fields"]]
    frame = pd.DataFrame(rows, columns=columns, dtype="string")
    frame = frame.replace("", pd.NA)
    for field in resource["schema"]["fields"]:
        if field.get("type") == "integer":
            frame[field["name"]] = frame[field["name"]].astype("Int64")
    return frame
