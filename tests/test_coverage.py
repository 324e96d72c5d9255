"""The coverage pass (grcp9.analysis.coverage, data/report_numerals.csv): every numeral and count word of
the report's text has a row, with a status, and the table is what a pass over the text gives."""

from __future__ import annotations

import functools
import re

from conftest import raw_rows
from conftest import report_text as read_report_text

from grcp9 import paths
from grcp9.analysis import coverage, ledger

STORED = raw_rows(coverage.TABLE_NAME)
REPORT_WAVE = next(row["wave"] for row in raw_rows("waves.csv") if row["report"] == "yes")
QUOTES = coverage.all_quotes(paths.DATA_DIR, REPORT_WAVE)


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
    assert not found, f"run `python -m grcp9.analysis.coverage --wave {REPORT_WAVE}`:\n" + "\n".join(found[:10])


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
    # the report's words, read by a person: counts the ledger checks, in a claim's own quote or in a
    # data row its check tests (an agenda item's times, an earlier meeting's year, a fact of an
    # answer another place restates); numerals that are not claims
    assert status_of("total of 29", "29") == (coverage.IN_LEDGER, "approached_total")
    assert status_of("four domains", "four") == (coverage.IN_LEDGER, "outcome_domains")
    assert status_of("almost 15 countries", "15") == (coverage.IN_LEDGER, "budapest_reference_group_size")
    assert status_of("15:00-15:30", "15:30") == (coverage.IN_LEDGER, "session_times_opening")
    assert status_of("Eighth Global RCP Meeting", "2019") == (coverage.IN_LEDGER, "grcp_mostly_biennial")
    assert status_of("this was 2020 Training Needs Analysis", "2020") == (coverage.IN_LEDGER, "pidc_tna_year_outcomes")
    assert status_of("in 2020 PIDC undertook", "2020")[0] == coverage.IN_LEDGER
    assert status_of("One important outcome", "One")[0] == coverage.NOT_A_CLAIM
    # a year before a closing bracket is not the numbering of a list, "1)"
    assert status_of("19 December 2018) invites", "2018") == (coverage.IN_LEDGER, "gcm_resolution_date_context")
    assert status_of("GRCP 9", "9")[0] == coverage.NOT_A_CLAIM
    assert status_of("COVID-19", "19")[0] == coverage.NOT_A_CLAIM
    toc = [row for row in STORED if row["report_section"] == "Table of contents"]
    assert toc and {row["status"] for row in toc} == {coverage.NOT_A_CLAIM}


OWN_QUOTE = "inside the claim's locating quote"
TESTED_ROW = re.compile(r"inside a locating quote of (\S+\.csv) that the claim's check tests")


def _part(part: str) -> str:
    return "summary report" if part.lower() in ("summary report", "conclusion") else part.lower()


@functools.cache
def table_rows(name: str) -> tuple[dict[str, str], ...]:
    return tuple(raw_rows(name))


def covering_quotes(row: dict[str, str]) -> list[tuple[str, str]]:
    """(quote, section) of what the row says covers it: the claim's own quote, or the quotes of the
    named table's rows (read from the raw CSV)."""
    if row["rule"] == OWN_QUOTE:
        claim = next(claim for claim in table_rows("published_figures.csv") if claim["figure_id"] == row["claim"])
        return [(claim["source_quote"], claim["source_section"])]
    table = TESTED_ROW.fullmatch(row["rule"])
    assert table, row["rule"]
    return [(data_row["source_quote"], data_row["source_section"]) for data_row in table_rows(table.group(1))]


def test_a_quote_covers_numerals_only_in_its_own_part_of_the_report():
    """The meeting's dates are printed in several parts; each part's are covered by that part's claim."""
    sections = {row["section_id"]: row["part"] for row in raw_rows("source_sections.csv")}
    text = read_report_text("the lines of the numerals cannot be read").splitlines()
    covered = [row for row in STORED if row["status"] == coverage.IN_LEDGER]
    for row in covered:
        line = " ".join(text[int(row["line"]) - 1].split())
        parts = {_part(sections[section]) for quote, section in covering_quotes(row) if " ".join(quote.split()) in line}
        assert _part(row["report_section"]) in parts, row
    by_part = {row["report_section"]: row["claim"] for row in covered if row["token"] == "10" and "November 2021" in row["source_quote"]}
    assert len(set(by_part.values())) == len(by_part) >= 3, by_part


def test_rows_in_the_ledger_name_a_claim_whose_quote_holds_them():
    claims = {row["figure_id"]: row for row in raw_rows("published_figures.csv") if row["wave"] == REPORT_WAVE}
    for row in STORED:
        if row["status"] == coverage.IN_LEDGER:
            assert row["claim"] in claims, row
            assert any(row["token"] in quote for quote, _ in covering_quotes(row)), row
        else:
            assert row["claim"] == "", row


def test_each_tested_row_is_one_the_claims_check_tested(survey_data):
    """A numeral counted through a data row must lie in a row the claim's check really tested."""
    tested = ledger.evidence(survey_data, REPORT_WAVE)
    for row in STORED:
        match = TESTED_ROW.fullmatch(row["rule"])
        if match:
            quotes = [quote for table, _, quote in tested[row["claim"]] if table == match.group(1)]
            assert any(row["token"] in quote for quote in quotes), row


def test_the_summary_adds_up():
    summary = coverage.summarize(STORED)
    assert summary.numerals == len(STORED) == sum(summary.by_status.values())
    assert sum(sum(part.values()) for part in summary.by_part.values()) == len(STORED)
    parts = list(summary.by_part)
    assert (parts[0], parts[-1]) == ("Front matter", "Annex VIII")


def test_every_numeral_is_in_the_ledger_or_a_recorded_non_claim():
    """The coverage rule (data/README.md): each numeral and count word of the report is checked by a
    ledger claim, or is not a claim for a reason the pass records."""
    left = [(row["line"], row["token"], row["status"], row["source_quote"]) for row in STORED
            if row["status"] not in (coverage.IN_LEDGER, coverage.NOT_A_CLAIM)]
    assert left == []
    assert all(row["rule"] for row in STORED)


def test_the_stored_pass_is_among_the_files_a_notebook_read():
    """The verification notebook reads report_numerals.csv itself (not as a table): it is recorded,
    so a new pass re-executes the notebook (its .inputs.json lists it)."""
    from grcp9 import data
    from grcp9.analysis import coverage

    loaded = data.load(paths.DATA_DIR)
    assert paths.DATA_DIR / coverage.TABLE_NAME not in loaded.tables_read()
    assert coverage.read(loaded)
    assert paths.DATA_DIR / coverage.TABLE_NAME in loaded.tables_read()
