"""Chapters type no numbers: every number in the prose is glued from a computation."""

from __future__ import annotations

import re

import pytest

from grcp9 import paths

# Numbers that are names or dates, not data: years, "GRCP 9", question numbers, resolution codes.
ALLOWED = [
    r"(?s)```\{raw\}.*?```",  # raw HTML blocks (the ledger's filter script)
    r"(?s)```\{literalinclude\}.*?```",  # a generated file shown as is (the BibTeX record)
    r"(?s)```\{eval-rst\}.*?```",  # API documentation directives (module names such as grcp9.data)
    r"\{(value|notebook)\}`[^`]*`",  # computed values, notebook names
    r"```\{[a-z-]+\}[^\n]*",  # directive lines (file names of includes)
    r"\]\([^)]*\)",  # link targets
    r"\b(19|20)\d\d\b",  # years
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
    assert prose_digits("In 2021, {value}`a.n:d` answered question 9.") == []
