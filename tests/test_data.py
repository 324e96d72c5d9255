"""The data package against its source: every locating quote occurs in the report."""

from __future__ import annotations

import csv
import json
import re

import conftest

from grcp9 import paths


def report_text() -> str:
    return re.sub(r"\s+", " ", conftest.report_text("quotes not checked"))


def quote_cells() -> list[tuple[str, int, str, str]]:
    cells = []
    for table in sorted(paths.DATA_DIR.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                cells += [(table.name, number, column, value) for column, value in row.items()
                          if column.endswith("_quote") and value]
    return cells


def test_every_table_from_the_report_has_provenance_columns():
    descriptor = json.loads((paths.DATA_DIR / paths.DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource.get("x-provenance") == "editorial":  # the editors' own vocabularies
            continue
        header = [field["name"] for field in resource["schema"]["fields"]]
        table = paths.DATA_DIR / resource["path"]
        assert any(c.endswith("_quote") for c in header), f"{table.name} has no locating quote column"
        assert any(c.endswith("_section") for c in header), f"{table.name} has no source section column"


def test_every_quote_occurs_in_the_report():
    text = report_text()
    missing = [f"{name}, row {row}, column {column}: {value!r}" for name, row, column, value in quote_cells()
               if re.sub(r"\s+", " ", value) not in text]
    assert not missing, "quotes not found in the report:\n" + "\n".join(missing)


def test_quotes_are_short():
    # Quotes locate a passage; they must not reproduce it.
    long = [(name, row, value) for name, row, _column, value in quote_cells() if len(value.split()) > 12]
    assert not long, long
