"""How much of the report the ledger covers: a pass over the report's text that lists every numeral
and count word and gives each one a status.

The pass (``scan``) reads the report's text, finds every token that states a number (digits, as in
``15``, ``60 %``, ``10:30``, ``A/RES/73/195``; and the count words ``one`` to ``twelve``, ``twenty``
... ``hundred``, ``dozen``, ``half``), and classifies each, first rule that applies:

1. **not a claim**: a page number of the table of contents, list or question numbering, part of a
   name (GRCP 9, COVID-19, the 2030 Agenda), a document symbol or article number, part of a web
   address: each rule names its reason (also inside a claim's quote: "SESSION 1" in a heading);
2. **in the ledger**: the token lies inside the locating quote of a claim of ``published_figures.csv``,
   or inside the locating quote of a data row that a claim's check tests (``grcp9.analysis.ledger.evidence``:
   the agenda items whose times a session's span is checked against, the earlier meetings whose
   years the "mostly biennially" claim is checked against, a fact of an answer that another place
   of the report restates), in the part of the report the quote's section belongs to;
3. **in the data, not checked**: the token lies inside the locating quote of a row of another table
   of the package that no claim's check tests: transcribed, but not checked;
4. **not yet in the ledger**: a date, a time of day or a year, and every other count or percentage:
   countable statements of the report that no ledger claim checks.

The coverage rule (data/README.md) is that no numeral ends in the last two groups; the test suite
fails when one does, and the verification appendix reports the counts of all four.

The result is kept in ``data/report_numerals.csv`` (one row per token, with its line and a short locating quote), so the book reports coverage without the report's text at hand. ``python -m
grcp9.analysis.coverage --report-text PATH`` writes it anew; the test suite scans the text again and fails
if the table and the text disagree. Ordinal words (first, second) are not counted: the report uses
them mostly for order, not for counts.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from grcp9 import paths
from grcp9.data import SurveyData

IN_LEDGER, IN_DATA = "in the ledger", "in the data, not checked"
NOT_A_CLAIM, NOT_YET = "not a claim", "not yet in the ledger"
STATUSES = (IN_LEDGER, IN_DATA, NOT_A_CLAIM, NOT_YET)
# Tables whose quotes do not make a numeral "in the data": the ledger (its own status) and this pass.
NOT_DATA_TABLES = {"published_figures.csv", "report_numerals.csv"}
TABLE_NAME = "report_numerals.csv"
OWN_QUOTE_RULE = "inside the claim's locating quote"
COLUMNS = ["line", "position", "token", "report_section", "source_quote", "status", "claim", "rule"]

_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|dozen|half"
TOKEN = re.compile(rf"(?<![0-9A-Za-z_.])[0-9]+(?:[.,:/][0-9]+)*(?![0-9A-Za-z_])|\b(?:{_WORDS})\b", re.IGNORECASE)
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December"
           "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")

# The report's parts, in order, by the heading that opens each (the first match after the previous).
PARTS: list[tuple[str, str]] = [
    ("Front matter", r""),
    ("Table of contents", r"^TABLE OF CONTENTS"),
    ("List of acronyms", r"^LIST OF ACRONYMS"),
    ("Summary report", r"^SUMMARY REPORT"),
    ("Conclusion", r"^CONCLUSION"),
    ("Annex I", r"^ANNEX I:"),
    ("Annex II", r"^ANNEX II:"),
    ("Annex III", r"^ANNEX III:"),
    ("Annex IV", r"^ANNEX IV:"),
    ("Annex V", r"^ANNEX V:"),
    ("Annex VI", r"^ANNEX VI:"),
    ("Annex VII", r"^ANNEX VII:"),
    ("Annex VIII", r"^ANNEX VIII:"),
]


@dataclass(frozen=True)
class Numeral:
    line: int  # 1-based line of the report's text
    position: int  # 1-based: the how-many-th token on its line
    start: int  # offsets in the line
    end: int
    token: str
    part: str
    text: str  # the whole line

    @property
    def quote(self) -> str:
        """A short locating quote: the numeral with up to four words either side, verbatim, within
        its tab-separated cell of the line, never across a tab."""
        cell_start = self.text.rfind("\t", 0, self.start) + 1
        cell_end = self.text.find("\t", self.end)
        cell_end = len(self.text) if cell_end < 0 else cell_end
        before = self.text[cell_start:self.start]
        after = self.text[self.end:cell_end]
        left = [m.start() for m in re.finditer(r"(?:^|(?<= ))\S", before)][-4:]
        right = [m.end() for m in re.finditer(r"\S(?= |$)", after)][:4]
        start = cell_start + (left[0] if left else len(before))
        end = self.end + (right[-1] if right else 0)
        return self.text[start:end].strip()


def parts_of(lines: list[str]) -> list[str]:
    """The part of the report each line belongs to."""
    result, current, following = [], PARTS[0][0], 1
    for line in lines:
        if following < len(PARTS) and re.match(PARTS[following][1], line.strip()):
            current = PARTS[following][0]
            following += 1
        result.append(current)
    return result


def numerals(text: str) -> list[Numeral]:
    lines = text.splitlines()
    found = []
    for number, (line, part) in enumerate(zip(lines, parts_of(lines), strict=True), start=1):
        for position, match in enumerate(TOKEN.finditer(line), start=1):
            found.append(Numeral(number, position, match.start(), match.end(), match.group(), part, line))
    return found


# --- rules: (name, status, test on the numeral) -----------------------------------------------------

def _before(n: Numeral, width: int = 30) -> str:
    return n.text[max(0, n.start - width):n.start]


def _after(n: Numeral, width: int = 30) -> str:
    return n.text[n.end:n.end + width]


def _around(n: Numeral, pattern: str) -> bool:
    """``pattern`` (with ``§`` standing for the token) matches the line around the token."""
    regex = pattern.replace("§", re.escape(n.token))
    return any(m.start() <= n.start and n.end <= m.end() for m in re.finditer(regex, n.text, re.IGNORECASE))


Rule = tuple[str, str, Callable[[Numeral], bool]]
RULES: list[Rule] = [
    ("page number in the table of contents", NOT_A_CLAIM, lambda n: n.part == "Table of contents"),
    ("postal address, telephone or fax number", NOT_A_CLAIM,
     lambda n: n.part == "Front matter" and bool(re.search(r"Tel:|Fax:|Box|route des|Geneva", n.text))),
    ("web address or e-mail", NOT_A_CLAIM, lambda n: _around(n, r"(?:https?://|www\.)\S*§\S*|\S*§\S*@\S+|\S+@\S*§\S*")),
    ("name of the meeting (GRCP 9, GRCP 7 ...)", NOT_A_CLAIM, lambda n: _around(n, r"\b(?:GRCP|GPCR)\s?§\b")),
    ("name of the pandemic (COVID-19)", NOT_A_CLAIM, lambda n: _around(n, r"COVID-§")),
    ("name of the 2030 Agenda", NOT_A_CLAIM, lambda n: _around(n, r"§ Agenda")),
    ("name of an event or agenda with its year (the 2013 High-level Dialogue, the Post-2015 Agenda)", NOT_A_CLAIM,
     lambda n: _around(n, r"§ High[- ]level Dialogue|Post-§ Development|§ Intergovernmental Conference")),
    ("copyright notice", NOT_A_CLAIM, lambda n: _around(n, r"©\s?§")),
    ("a numeral alone on its line (a stray page or note number)", NOT_A_CLAIM, lambda n: n.text.strip() == n.token),
    ("name of a mechanism (5+5 Dialogue)", NOT_A_CLAIM, lambda n: _around(n, r"\d\+\d Dialogue")),
    ("document symbol or article number", NOT_A_CLAIM,
     lambda n: _around(n, r"A/RES/[\d/]*§[\d/]*|\bA/RES/§|Article §|resolution §|Objective(?:s)? §\b|objective §\b|#§\b")),
    ("list, section or question numbering", NOT_A_CLAIM,
     lambda n: bool(re.fullmatch(r"\s*(?:Q|Question |Session |SESSION |Part )?", _before(n, 12).split("\t")[-1]))
     and bool(re.match(r"[.)]\s|[.)]$|\t|:", _after(n, 2))) and n.token.isdigit()),
    ("enumeration: 1) 2) or (1) (2)", NOT_A_CLAIM,
     lambda n: len(n.token) <= 2 and _around(n, r"(?:^|(?<=[\s(;:]))\(?§\)")),
    ("section number of the questionnaire", NOT_A_CLAIM, lambda n: _around(n, r"^Section §\.?$")),
    ("discussion session number", NOT_A_CLAIM, lambda n: _around(n, r"(?:Discussion |DISCUSSION )?(?:Session|SESSION) §\b")),
    ("'one' introducing a point (One important outcome ...), not a count", NOT_A_CLAIM,
     lambda n: _around(n, r"\b§ (?:important|key|main) (?:outcome|point|lesson|finding)")),
    ("date", NOT_YET, lambda n: _around(n, rf"\b\d{{1,2}}(?:\s?[-–]\s?\d{{1,2}})?\s(?:{_MONTHS})(?:\s\d{{4}})?|(?:{_MONTHS})\s\d{{1,2}}(?:,\s\d{{4}})?|(?:{_MONTHS})\s\d{{4}}")),
    ("time of day", NOT_YET, lambda n: bool(re.fullmatch(r"\d{1,2}:\d{2}", n.token))),
    ("year", NOT_YET, lambda n: bool(re.fullmatch(r"(?:19|20)\d{2}", n.token))),
    ("count or percentage", NOT_YET, lambda n: True),
]


@dataclass(frozen=True)
class Quote:
    source: str  # a ledger claim (figure_id), or a data table's file name
    text: str
    in_ledger: bool = True
    part: str = ""  # the part of the report its section belongs to (source_sections.csv); "" for any
    rule: str = OWN_QUOTE_RULE  # why a numeral inside it counts as in the ledger


def _same_part(quote_part: str, numeral_part: str) -> bool:
    """A quote covers a numeral only in the part of the report its section belongs to (the same
    words printed in another part are another claim). The summary report's conclusion is a section
    of the summary report."""
    def key(part: str) -> str:
        return "summary report" if part.lower() in ("summary report", "conclusion") else part.lower()
    return not quote_part or key(quote_part) == key(numeral_part)


def _section_parts(data_dir: Path) -> dict[str, str]:
    with (data_dir / "source_sections.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["section_id"]: row["part"] for row in csv.DictReader(handle)}


def ledger_quotes(data_dir: Path, wave: str) -> list[Quote]:
    """The locating quotes of the ledger's claims about ``wave`` (published_figures.csv)."""
    parts = _section_parts(data_dir)
    with (data_dir / "published_figures.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [Quote(row["figure_id"], row["source_quote"], part=parts.get(row["source_section"], ""))
                for row in csv.DictReader(handle) if row["wave"] == wave and row["source_quote"]]


def evidence_quotes(data_dir: Path, wave: str) -> list[Quote]:
    """The locating quotes of the data rows that the checks of the ledger's claims about ``wave``
    test (``grcp9.analysis.ledger.evidence``: an agenda item's times, a fact another place of the report
    restates): a numeral inside one is checked by that claim."""
    from grcp9 import data
    from grcp9.analysis import ledger

    parts = _section_parts(data_dir)
    return [Quote(claim, quote, part=parts.get(section, ""), rule=f"inside a locating quote of {table} that the claim's check tests")
            for claim, rows in ledger.evidence(data.load(data_dir), wave).items() for table, section, quote in rows]


def all_quotes(data_dir: Path, wave: str) -> list[Quote]:
    """Every quote the pass classifies by, in the order it tries them: claims, the data their
    checks test, the rest of the data."""
    return ledger_quotes(data_dir, wave) + evidence_quotes(data_dir, wave) + data_quotes(data_dir)


def data_quotes(data_dir: Path) -> list[Quote]:
    """The locating quotes of every other table of the package: the data transcribed from the report."""
    import json

    descriptor = json.loads((data_dir / paths.DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    parts = _section_parts(data_dir)
    quotes = []
    for resource in descriptor["resources"]:
        if resource["path"] in NOT_DATA_TABLES:
            continue
        with (data_dir / resource["path"]).open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                part = parts.get(row.get("source_section") or "", "")
                quotes += [Quote(resource["path"], value, in_ledger=False, part=part) for column, value in row.items()
                           if column.endswith("_quote") and value]
    return quotes


def classify(numeral: Numeral, quotes_on_line: list[tuple[int, int, Quote]]) -> tuple[str, str, str]:
    """(status, claim, rule) of one numeral: not a claim; in the ledger; in the data; not yet."""
    for name, status, applies in RULES:
        if status == NOT_A_CLAIM and applies(numeral):
            return status, "", name
    covering = [quote for start, end, quote in quotes_on_line
                if start <= numeral.start and numeral.end <= end and _same_part(quote.part, numeral.part)]
    for quote in covering:
        if quote.in_ledger:
            return IN_LEDGER, quote.source, quote.rule
    for quote in covering:
        return IN_DATA, "", f"inside a locating quote of {quote.source}"
    for name, status, applies in RULES:
        if applies(numeral):
            return status, "", name
    raise AssertionError("the last rule applies to every numeral")


def _pattern(quote: str) -> re.Pattern[str]:
    """A quote as the text prints it: any run of spaces in the quote stands for any whitespace."""
    return re.compile(r"\s+".join(re.escape(word) for word in quote.split()))


def scan(text: str, quotes: list[Quote]) -> list[dict[str, str]]:
    """One row per numeral of the report's text, classified (see the module docstring)."""
    lines = text.splitlines()
    on_line: dict[int, list[tuple[int, int, Quote]]] = {}
    for quote in quotes:
        pattern = _pattern(quote.text)
        for number, line in enumerate(lines, start=1):
            for match in pattern.finditer(line):
                on_line.setdefault(number, []).append((match.start(), match.end(), quote))
    rows = []
    for numeral in numerals(text):
        status, claim, rule = classify(numeral, on_line.get(numeral.line, []))
        rows.append({"line": str(numeral.line), "position": str(numeral.position), "token": numeral.token,
                     "report_section": numeral.part, "source_quote": numeral.quote, "status": status, "claim": claim, "rule": rule})
    return rows


def write(rows: list[dict[str, str]], target: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target.write_text(buffer.getvalue(), encoding="utf-8")


def read(data: SurveyData) -> list[dict[str, str]]:
    """The stored pass (empty when the package has none: a package without a report), recorded
    among the files the computation read."""
    path = data.read_file(TABLE_NAME)
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Coverage:
    numerals: int
    by_status: dict[str, int]
    by_part: dict[str, dict[str, int]]  # part -> status -> count, parts in the report's order
    claims_located: int  # ledger claims whose quote, or a data row their check tests, covers a numeral
    in_tested_rows: int  # numerals in the ledger through a data row a claim's check tests


def summarize(rows: list[dict[str, str]]) -> Coverage:
    order = [name for name, _ in PARTS]
    by_part: dict[str, dict[str, int]] = {}
    for part in sorted({row["report_section"] for row in rows}, key=order.index):
        counts = Counter(row["status"] for row in rows if row["report_section"] == part)
        by_part[part] = {status: counts.get(status, 0) for status in STATUSES}
    statuses = Counter(row["status"] for row in rows)
    return Coverage(numerals=len(rows), by_status={status: statuses.get(status, 0) for status in STATUSES},
                    by_part=by_part,
                    claims_located=len({row["claim"] for row in rows if row["claim"]}),
                    in_tested_rows=sum(1 for row in rows if row["status"] == IN_LEDGER and row["rule"] != OWN_QUOTE_RULE))


def part_table(summary: Coverage) -> pd.DataFrame:
    """One row per part of the report, with the numerals of each status, and a total row."""
    rows = [{"Part of the report": part, **{status.capitalize(): counts[status] for status in STATUSES},
             "Numerals": sum(counts.values())} for part, counts in summary.by_part.items()]
    rows.append({"Part of the report": "Whole report", **{status.capitalize(): summary.by_status[status] for status in STATUSES},
                 "Numerals": summary.numerals})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    from grcp9.errors import run_command

    parser = argparse.ArgumentParser(prog="python -m grcp9.analysis.coverage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-text", type=Path, default=paths.REPORT_TEXT_DEFAULT, help="the report's text")
    parser.add_argument("--data-dir", type=Path, default=paths.DATA_DIR)
    parser.add_argument("--wave", required=True, help="the wave the report is about (its claims' wave)")
    arguments = parser.parse_args(argv)

    def action() -> str:
        data_dir = paths.resolve(arguments.data_dir)
        rows = scan(arguments.report_text.read_text(encoding="utf-8"), all_quotes(data_dir, arguments.wave))
        write(rows, data_dir / TABLE_NAME)
        summary = summarize(rows)
        return f"{data_dir / TABLE_NAME}: {summary.numerals} numerals, " + ", ".join(f"{n} {s}" for s, n in summary.by_status.items())

    return run_command(action, FileNotFoundError)


if __name__ == "__main__":
    raise SystemExit(main())
