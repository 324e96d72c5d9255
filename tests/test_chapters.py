"""Chapters type no numbers: every number in the prose is glued from a computation. Chapters and
notebooks name no year, no event id and no ISCM id: wave facts come from the data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grcp9 import paths

# Numbers that are names, not data: "GRCP 9", question numbers, resolution codes. Not years: a
# year is a wave fact and comes from the data (waves.csv, the agenda's dates).
ALLOWED = [
    r"(?s)```\{raw\}.*?```",  # raw HTML blocks (the ledger's filter script)
    r"(?s)```\{literalinclude\}.*?```",  # a generated file shown as is (the BibTeX record)
    r"(?s)```\{eval-rst\}.*?```",  # API documentation directives (module names such as grcp9.data)
    r"\{(value|notebook)\}`[^`]*`",  # computed values, notebook names
    r"```\{[a-z-]+\}[^\n]*",  # directive lines (file names of includes)
    r"\]\([^)]*\)",  # link targets
    r"GRCP ?\d",
    r"\bquestions? \d+( (and|or) \d+)?\b",
    r"\{cite:[a-z]+\}`[^`]*`",  # citation keys
    r"A/RES/\d+/\d+",
    r"`[^`]*`",  # inline code: file names, commands
    r"COVID-19",
    r"(CC BY|Attribution) \d\.\d",  # licence names
]


def prose_digits(text: str) -> list[str]:
    for pattern in ALLOWED:
        text = re.sub(pattern, "", text)
    return [line.strip() for line in text.splitlines() if re.search(r"\d", line)]


@pytest.mark.parametrize("chapter", sorted(paths.BOOK_DIR.glob("*.md")), ids=lambda p: p.name)
def test_no_typed_numbers(chapter):
    assert prose_digits(chapter.read_text(encoding="utf-8")) == []


def test_the_check_catches_a_typed_number():
    assert prose_digits("Of these, 15 answered (52 %).") == ["Of these, 15 answered (52 %)."]
    assert prose_digits("In {value}`a.year`, {value}`a.n:d` answered question 9.") == []
    assert prose_digits("In 2021 they met.") == ["In 2021 they met."]


YEAR = re.compile(r"(?<![\w/.-])(19|20)\d\d(?![\w])")


def ids(table: str, column: str) -> list[str]:
    import csv

    with (paths.DATA_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def notebook_text(notebook: Path) -> str:
    import json

    return "\n".join("".join(cell["source"]) for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"])


SOURCES = [*sorted(paths.BOOK_DIR.glob("*.md")), *sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_year_event_or_iscm_id(source):
    text = notebook_text(source) if source.suffix == ".ipynb" else source.read_text(encoding="utf-8")
    text = re.sub(r"\{cite:[a-z]+\}`[^`]*`", "", text)  # citation keys (IOM2021) name a publication
    assert YEAR.findall(text) == []
    named = [i for i in [*ids("iscm_registry", "iscm_id"), *ids("review_events", "event_id")]
             if re.search(rf"[\"'`]{re.escape(i)}[\"'`]", text)]
    assert named == []


def test_the_wave_check_catches_a_year_and_an_id():
    assert YEAR.findall("held online in November 2021") == ["20"]
    assert YEAR.findall("IOM2021 and grcp9-2021.zip") == []
