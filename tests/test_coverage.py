"""The coverage pass (grcp9.coverage, data/report_numerals.csv): every numeral and count word of
the report's text has a row, with a status, and the table is what a pass over the text gives."""

from __future__ import annotations

import re

from conftest import raw_rows
from conftest import report_text as read_report_text

from grcp9 import coverage, paths

STORED = raw_rows(coverage.TABLE_NAME)
REPORT_WAVE = next(row["wave"] for row in raw_rows("waves.csv") if row["report"] == "yes")
QUOTES = coverage.ledger_quotes(paths.DATA_DIR, REPORT_WAVE) + coverage.data_quotes(paths.DATA_DIR)


def report_text() -> str:
    return read_report_text("the pass is not repeated")


def differences(rows: list[dict[str, str]], stored: list[dict[str, str]]) -> list[str]:
    by_key = {(row["line"], row["position"]): row for row in stored}
    found = []
    for row in rows:
        old = by_key.pop((row["line"], row["position"]), None)
        if old != row:
            found.append(f"line {row['line']}, numeral {row['position']} ({row['token']!r}): "
                         f"{'not in ' + coverage.TABLE_NAME if old is None else 'stored as ' + repr(old)}")
    found += [f"line {line}, numeral {position}: in {coverage.TABLE_NAME} but not in the text" for line, position in by_key]
    return found


def test_the_table_is_the_pass_over_the_report_text():
    rows = coverage.scan(report_text(), QUOTES)
    found = differences(rows, STORED)
    assert not found, f"run `python -m grcp9.coverage --wave {REPORT_WAVE}`:\n" + "\n".join(found[:10])


def test_a_numeral_added_to_the_text_is_missed_by_the_table():
    text = report_text() + "\nThe editors counted 77 more.\n"
    found = differences(coverage.scan(text, QUOTES), STORED)
    assert found == [f"line {len(text.splitlines())}, numeral 1 ('77'): not in {coverage.TABLE_NAME}"]


def test_every_digit_run_of_the_text_has_a_row():
    """Counted here without grcp9's pattern: the digit runs of each line (joined by the separators
    of 1,000, 10.7, 15:00 and 73/195) against the rows of that line that are digits."""
    lines = report_text().splitlines()
    stored: dict[int, int] = {}
    for row in STORED:
        if row["token"][0].isdigit():
            stored[int(row["line"])] = stored.get(int(row["line"]), 0) + 1
    for number, line in enumerate(lines, start=1):
        runs = [run for run in re.split(r"[^0-9.,:/]+", line) if any(c.isdigit() for c in run)]
        # not counted: a run glued to a letter or a dot before it (H2O, v.2), an ordinal (2nd)
        expected = sum(1 for run in re.finditer(r"[0-9][0-9.,:/]*", line)
                       if not (run.start() > 0 and (line[run.start() - 1].isalnum() or line[run.start() - 1] in "._"))
                       and not re.match(r"(?:st|nd|rd|th)\b", line[run.end():]))
        assert stored.get(number, 0) == expected, f"line {number}: {expected} numerals, {stored.get(number, 0)} rows ({runs})"


def status_of(quote_part: str, token: str) -> tuple[str, str]:
    hits = [row for row in STORED if row["token"] == token and quote_part in row["source_quote"]]
    assert len(hits) >= 1, (quote_part, token)
    return hits[0]["status"], hits[0]["claim"]


def test_known_numerals_have_the_expected_status():
    # the report's words, read by a person: counts the ledger checks; facts transcribed in a table
    # but checked by no claim; dates no table holds; numerals that are not claims
    assert status_of("total of 29", "29") == (coverage.IN_LEDGER, "approached_total")
    assert status_of("four domains", "four") == (coverage.IN_LEDGER, "outcome_domains")
    assert status_of("almost 15 countries", "15") == (coverage.IN_DATA, "")
    assert status_of("15:00-15:30", "15:30") == (coverage.IN_DATA, "")
    assert status_of("Eighth Global RCP Meeting", "2019") == (coverage.IN_DATA, "")
    assert status_of("this was 2020 Training Needs Analysis", "2020") == (coverage.NOT_YET, "")
    # a year before a closing bracket is not the numbering of a list, "1)"
    assert status_of("19 December 2018) invites", "2018") == (coverage.IN_LEDGER, "gcm_resolution_date_context")
    assert status_of("GRCP 9", "9")[0] == coverage.NOT_A_CLAIM
    assert status_of("COVID-19", "19")[0] == coverage.NOT_A_CLAIM
    toc = [row for row in STORED if row["report_section"] == "Table of contents"]
    assert toc and {row["status"] for row in toc} == {coverage.NOT_A_CLAIM}


def test_a_quote_covers_numerals_only_in_its_own_part_of_the_report():
    """The meeting's dates are printed in several parts; each part's are covered by that part's claim."""
    sections = {row["section_id"]: row["part"] for row in raw_rows("source_sections.csv")}
    claims = {row["figure_id"]: row for row in raw_rows("published_figures.csv")}
    covered = [row for row in STORED if row["status"] == coverage.IN_LEDGER]
    for row in covered:
        claim_part = sections[claims[row["claim"]]["source_section"]].lower()
        part = "summary report" if row["report_section"].lower() == "conclusion" else row["report_section"].lower()
        assert claim_part == part, row
    by_part = {row["report_section"]: row["claim"] for row in covered if row["token"] == "10" and "November 2021" in row["source_quote"]}
    assert len(set(by_part.values())) == len(by_part) >= 3, by_part


def test_rows_in_the_ledger_name_a_claim_whose_quote_holds_them():
    claims = {row["figure_id"]: row for row in raw_rows("published_figures.csv") if row["wave"] == REPORT_WAVE}
    for row in STORED:
        if row["status"] == coverage.IN_LEDGER:
            assert row["claim"] in claims, row
            assert row["token"] in claims[row["claim"]]["source_quote"], row
        else:
            assert row["claim"] == "", row


def test_the_summary_adds_up():
    summary = coverage.summarize(STORED)
    assert summary.numerals == len(STORED) == sum(summary.by_status.values())
    assert sum(sum(part.values()) for part in summary.by_part.values()) == len(STORED)
    parts = list(summary.by_part)
    assert (parts[0], parts[-1]) == ("Front matter", "Annex VIII")
