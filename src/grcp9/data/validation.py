"""Validate every table of the data package: the schema by the reference validator, the rest by
the project's own rules.

The schema lives in ``data/datapackage.json`` (Frictionless Table Schema), and ``frictionless``,
the reference implementation of the standard, checks it: types, required values, enum, pattern,
minimum and maximum, lengths, unique columns, primary and foreign keys. This module reads each
table first, with the project's own rules: UTF-8 text (a byte-order mark and CRLF line endings, as
spreadsheets write them, are accepted), Unicode NFC, commas, the declared header, as many fields
in every row, no leading or trailing spaces in a cell. Every problem, whoever found it, is reported
as *file, row, column, what was expected, what was found*.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grcp9 import hashing, paths
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


def _check_spaces(rows: list[dict[str, str]], shown: str, problems: list[Problem]) -> set[tuple[int, str]]:
    """The project's own cell rule: no leading or trailing spaces (a spreadsheet's stray space
    would otherwise make a code unknown). Returns the cells it flagged."""
    flagged = set()
    for number, row in enumerate(rows, start=1):
        for name, value in row.items():
            if value != value.strip():
                problems.append(Problem(shown, "a value without leading or trailing spaces", _show(value), row=number, column=name))
                flagged.add((number, name))
    return flagged


def _field(resource: dict[str, Any], name: str) -> dict[str, Any]:
    return next(field for field in resource["schema"]["fields"] if field["name"] == name)


def _constraint_expected(field: dict[str, Any], constraint: str) -> str:
    """What a constraint of ``datapackage.json`` asks for, in words."""
    value = field.get("constraints", {}).get(constraint)
    if constraint == "enum":
        return f"one of {', '.join(value)}"
    return {"required": "a value (this column is required)", "pattern": f"a value matching the pattern {value}",
            "minimum": f"a number of at least {value}", "maximum": f"a number of at most {value}",
            "minLength": f"at least {value} characters", "maxLength": f"at most {value} characters"}.get(
        constraint, f"the constraint {constraint} {value}")


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _reference_problem(error: Any, resource: dict[str, Any], shown: dict[str, str]) -> Problem | None:
    """One error of ``frictionless`` as a Problem naming the file, row, column and expectation."""
    file = shown[resource["name"]]
    if not hasattr(error, "row_number"):  # an error of the table as a whole
        return Problem(file, "a table that fits its schema", f"{error.title}: {error.note}")
    row = error.row_number - 1  # frictionless counts the header as row 1
    cells = [str(cell) for cell in error.cells]
    header = [field["name"] for field in resource["schema"]["fields"]]
    if error.type == "type-error":
        kind = _field(resource, error.field_name).get("type", "string")
        return Problem(file, "a whole number" if kind == "integer" else f"a value of type {kind}", _show(error.cell), row=row, column=error.field_name)
    if error.type == "constraint-error":
        constraint = re.search(r'constraint "(\w+)"', error.note)
        name = constraint.group(1) if constraint else ""
        found = ("an empty cell" if name == "required" else f"{len(error.cell)} characters" if name == "maxLength" else _show(error.cell))
        return Problem(file, _constraint_expected(_field(resource, error.field_name), name), found, row=row, column=error.field_name)
    if error.type == "primary-key" and 'all "None"' in error.note:
        return None  # a key cell that is empty or of the wrong type: reported by its own error
    if error.type == "unique-error" and _as_list(resource["schema"].get("primaryKey", [])) == [error.field_name]:
        return None  # the primary key's own error says it
    if error.type in ("primary-key", "unique-error"):
        columns = [error.field_name] if error.type == "unique-error" else _as_list(resource["schema"]["primaryKey"])
        first = re.search(r"position (\d+)", error.note)
        key = ", ".join(cells[header.index(column)] for column in columns)
        kind = "unique column" if error.type == "unique-error" else "primary key"
        return Problem(file, f"a unique {kind} ({', '.join(columns)})",
                       f"{key} again" + (f" (first at row {int(first.group(1)) - 1})" if first else ""), row=row, column=columns[-1])
    if error.type == "foreign-key":
        for foreign in resource["schema"].get("foreignKeys", []):
            columns = _as_list(foreign["fields"])
            if f'for "{", ".join(columns)}"' in error.note:
                target = foreign["reference"]["resource"]
                return Problem(file, f"a value present in {shown.get(target, target)} ({', '.join(_as_list(foreign['reference']['fields']))})",
                               _show(", ".join(cells[header.index(column)] for column in columns)), row=row, column=columns[-1])
    return Problem(file, "a row that fits the table's schema", f"{error.title}: {error.note}", row=row)


def check_schema(descriptor: dict[str, Any], tables: dict[str, list[dict[str, str]]], shown: dict[str, str],
                 names: set[str]) -> list[Problem]:
    """Check the tables ``names`` against ``datapackage.json`` with ``frictionless``, the reference
    implementation of the standard: types, constraints, primary, unique and foreign keys (the
    tables a foreign key refers to are given to it as well)."""
    import frictionless

    resources = {resource["name"]: resource for resource in descriptor["resources"] if resource["name"] in tables}
    package = frictionless.Package(resources=[frictionless.Resource.from_descriptor({
        "name": name, "schema": resource["schema"],
        "data": [[field["name"] for field in resource["schema"]["fields"]], *(list(row.values()) for row in tables[name])]})
        for name, resource in resources.items()])
    problems = []
    for name in sorted(names, key=list(resources).index):
        report = package.get_resource(name).validate(limit_errors=10_000)
        problems += [_reference_problem(error, resources[name], shown) for task in report.tasks for error in task.errors]
    return [problem for problem in problems if problem is not None]


def _schema_fingerprint(resource: dict[str, Any], tables: dict[str, list[dict[str, str]]]) -> str:
    """What ``check_schema`` decides a table's verdict from: its schema, its rows and the rows of
    the tables its foreign keys refer to."""
    referred = sorted({foreign["reference"]["resource"] or resource["name"] for foreign in resource["schema"].get("foreignKeys", [])})
    from importlib.metadata import version

    return hashing.digest([], [version("frictionless"), resource["schema"], tables[resource["name"]],
                               {name: tables.get(name) for name in referred}])


def validate_tables(data_dir: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]], dict[str, str]]:
    """Read every resource (``_read_rows``), then check it: the project's cell rule, and the schema
    by ``frictionless`` (``check_schema``). A table's schema verdict is kept for the content it was
    given (``grcp9.hashing``): the notebooks, which each load the package the params step has
    validated, do not check it again, and after a change only the tables it touched are checked. Returns the descriptor, the rows by resource and
    the files' display paths; raises DataValidationError listing every problem found."""
    descriptor = read_descriptor(data_dir)
    problems: list[Problem] = []
    tables: dict[str, list[dict[str, str]]] = {}
    shown_paths: dict[str, str] = {}
    flagged: dict[str, set[tuple[int, str]]] = {}
    for resource in descriptor["resources"]:
        path = data_dir / resource["path"]
        shown_paths[resource["name"]] = _display_path(path)
        rows = _read_rows(path, [f["name"] for f in resource["schema"]["fields"]], problems)
        if rows is not None:
            flagged[resource["name"]] = _check_spaces(rows, shown_paths[resource["name"]], problems)
            tables[resource["name"]] = rows
    if problems:  # the schema check needs every table read
        raise DataValidationError(problems)
    fingerprints = {resource["name"]: _schema_fingerprint(resource, tables) for resource in descriptor["resources"]}
    verdicts = {name: paths.STAGING_DIR / "schema-valid" / fingerprint for name, fingerprint in fingerprints.items()}
    unchecked = {name for name, record in verdicts.items() if not hashing.unchanged(record, fingerprints[name])}
    if unchecked:
        names = {shown: name for name, shown in shown_paths.items()}
        problems += [problem for problem in check_schema(descriptor, tables, shown_paths, unchecked)
                     # a cell with stray spaces is reported once
                     if (problem.row, problem.column) not in flagged.get(names.get(problem.file, ""), set())]
        if not problems:
            for name in unchecked:
                hashing.remember(verdicts[name], fingerprints[name])
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
