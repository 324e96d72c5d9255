"""One author–year citation style for the text and the references, in HTML and PDF.

- In the text: "International Organization for Migration (2021)" and "(United Nations General
  Assembly, 2018)", with round brackets (``bibtex_reference_style: author_year_round``).
- In the references: each entry is labelled by the same author and year (``bibtex_default_style:
  author_year_titles``), with "a", "b" added when one author has two entries in a year, sorted
  by author, year and title; titles keep the capitalisation they were published with (pybtex's
  default styles lower-case them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.backends.plaintext import Backend as PlainText
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle
from pybtex.style.template import field as template_field
from pybtex.style.template import sentence
from sphinx.application import Sphinx
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def author_text(entry: Any) -> str:
    """The authors as the text cites them: family names, a corporate author in full."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    # render(), not render_as("text"): render_as looks its backend up among the installed packages'
    # entry points on every call (a fifth of a second per build, measured).
    names = [Text.from_latex(" ".join(p.last_names or p.first_names)).render(PlainText()) for p in persons]
    if not names:
        return "Anonymous"
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names)


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries: list[Any]) -> Iterator[str]:
        labels = [f"{author_text(e)} {e.fields.get('year', 'n.d.')}" for e in sorted_entries]
        total, seen = Counter(labels), Counter[str]()
        for label in labels:
            if total[label] > 1:
                seen[label] += 1
                yield f"{label}{'abcdefghijklmnopqrstuvwxyz'[seen[label] - 1]}"
            else:
                yield label


class AuthorYearTitles(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = SortingStyle

    def format_title(self, e: Any, which_field: str, as_sentence: bool = True) -> Any:
        title = template_field(which_field)  # as published: no change of case
        return sentence[title] if as_sentence else title


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclass
class AuthorYearRound(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = field(default_factory=_round)
    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


def setup(app: Sphinx) -> dict[str, Any]:
    pybtex.plugin.register_plugin("pybtex.style.formatting", "author_year_titles", AuthorYearTitles)
    sphinxcontrib.bibtex.plugin.register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round", AuthorYearRound)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
