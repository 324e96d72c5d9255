"""The verification ledger: every claim's status is asserted, recipes and rows match one to one."""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import find_row, raw_rows, set_cell

from grcp9 import data, paths
from grcp9.analysis import ledger
from grcp9.publish import results


@pytest.fixture(scope="module")
def checks():
    return ledger.evaluate(data.load())


def test_every_claim_has_its_expected_status(checks):
    assert ledger.status_mismatches(checks) == []


def test_statuses_are_known_and_all_three_occur(checks):
    assert set(checks["status"]) == set(ledger.STATUSES)


def test_a_data_change_that_flips_a_status_names_the_claim(data_copy):
    path = data_copy / "published_figures.csv"
    set_cell(path, find_row(path, figure_id="respondents_total"), "value", "16")
    messages = ledger.status_mismatches(ledger.evaluate(data.load(data_copy)))
    assert len(messages) == 1
    assert messages[0].startswith("claim respondents_total (annex1-summary, \u201c15 ISCMs (more than half\u201d): "
                                  "expected status 'matches', found 'differs'")


# A change to the data a cross-check reads, and the claims it must flip to "differs" (read from the
# report: the fact sheet's month against the compendium's; a cohort finishing before its diploma was
# launched; an event outside the review period; a resource "developed" after the survey).
CROSS_CHECK_FLIPS = {
    "compendium month": (("statement_facts.csv", {"iscm_id": "arcp", "location": "compendium", "fact_kind": "date"}, "value", "2021-06"),
                         {"arcp_survey_month_factsheet"}),
    "diploma launched later": (("statement_facts.csv", {"iscm_id": "pidc", "question": "q15", "item": "5", "fact_kind": "date"}, "value", "2022"),
                               {"pidc_diploma_first_cohort", "pidc_diploma_trimesters"}),
    "webinar before the period": (("review_events.csv", {"event_id": "high-level-webinar"}, "date", "2019-09"), {"high_level_webinar_date"}),
    "resource dated after the survey": (("statement_facts.csv", {"iscm_id": "pidc", "fact_kind": "instrument",
                                         "value": "PIDC Regional Model Immigration Primary Line Best Practices (developed 2021)"},
                                         "value", "PIDC Regional Model Immigration Primary Line Best Practices (developed 2031)"),
                                        {"pidc_resources_dated"}),
}


@pytest.mark.parametrize("case", list(CROSS_CHECK_FLIPS))
def test_a_cross_check_flips_when_the_data_it_reads_changes(data_copy, case):
    (table, match, column, value), claims = CROSS_CHECK_FLIPS[case]
    path = data_copy / table
    set_cell(path, find_row(path, **match), column, value)
    messages = ledger.status_mismatches(ledger.evaluate(data.load(data_copy)))
    flipped = {re.match(r"claim (\S+) ", message).group(1) for message in messages}
    assert flipped == claims, messages
    assert all("found 'differs'" in message for message in messages), messages


def test_a_row_with_a_missing_recipe_fails(data_copy):
    path = data_copy / "published_figures.csv"
    set_cell(path, find_row(path, figure_id="mexico_followup_actions"), "recipe", "no_such_recipe")
    with pytest.raises(ledger.LedgerError, match="expected a recipe of grcp9.analysis.ledger.RECIPES; found no_such_recipe"):
        ledger.evaluate(data.load(data_copy))


def test_a_recipe_no_row_uses_fails(monkeypatch):
    monkeypatch.setitem(ledger.RECIPES, "orphan", ledger.not_in_data)
    with pytest.raises(ledger.LedgerError, match="recipe\\(s\\) used by no ledger row: orphan"):
        ledger.evaluate(data.load())


@pytest.mark.skipif(not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file(), reason="book not built: run `make book`")
def test_appendix_summary_counts_are_computed(checks):
    values = {k: v["value"] for k, v in results.read(paths.results_path("verification")).items()}
    assert values["claims"] == len(checks)
    assert values["matches"] + values["differs"] + values["uncheckable"] + values["by_construction"] == len(checks)
    assert values["tested"] == values["matches"] + values["differs"]
    assert values["differs"] == int((checks["status"] == ledger.DIFFERS).sum())


def test_claims_that_hold_by_construction_could_not_have_failed(data_copy):
    """Each claim marked 'holds by construction' is one the data cannot contradict: the roster has
    as many ISCMs as question 1 offers (coding rule 2), and a format the summary names must be an
    option of its question or the data does not load."""
    from conftest import find_row, set_cell

    from grcp9.errors import DataValidationError

    loaded = data.load(data_copy)
    marked = loaded.published[loaded.published["expected_status"] == ledger.BY_CONSTRUCTION]
    assert set(marked["recipe"]) == {"roster_count", "option_exists", *WAVE_FIELDS, "updates_period", "one_per_iscm"}
    for row in marked[marked["recipe"] == "roster_count"].itertuples():
        assert int(row.value) == len(loaded.registry)
    path = data_copy / "published_figures.csv"
    option_row = marked[marked["recipe"] == "option_exists"].iloc[0]
    set_cell(path, find_row(path, figure_id=option_row["figure_id"]), "subject", "no_such_option")
    with pytest.raises(DataValidationError, match="expected a known q10_option"):
        data.load(data_copy)


# Recipes of facts of the wave, and the column of waves.csv each reads (coded from the report's words).
WAVE_FIELDS = {"imrf_year": "imrf_year", "review_period": "review_period", "updates_since": "updates_since",
               "survey_wave": "wave"}


def test_wave_facts_and_one_questionnaire_per_iscm_could_not_have_failed(data_copy):
    """A wave fact's printed value is the waves.csv cell coded from it (read here from the raw
    files); a second questionnaire of one ISCM does not load (responses are keyed by wave and ISCM)."""
    from conftest import read_table, write_table

    from grcp9.errors import DataValidationError

    waves = {row["wave"]: row for row in raw_rows("waves.csv")}
    claims = [row for row in raw_rows("published_figures.csv") if row["recipe"] in WAVE_FIELDS]
    assert claims
    for claim in claims:
        assert claim["value"] == waves[claim["wave"]][WAVE_FIELDS[claim["recipe"]]], claim["figure_id"]
    for claim in raw_rows("published_figures.csv"):
        if claim["recipe"] == "updates_period":
            assert claim["value"] == f"{waves[claim['wave']]['updates_since']}-{claim['wave']}", claim["figure_id"]
    path = data_copy / "responses.csv"
    rows = read_table(path)
    write_table(path, [*rows, rows[1]])
    with pytest.raises(DataValidationError, match="unique primary key"):
        data.load(data_copy)


def test_counts_that_depend_on_a_reading_are_recounted_under_each(checks):
    """"ISCMs who spoke", recounted from the raw rows under every reading the ledger lists."""

    statements = raw_rows("statements")
    counts = [len({r["iscm_id"] for r in statements if r["form"] in forms})
              for forms in (("oral",), ("oral", "video"), ("oral", "video", "written"))]
    counts.append(len({r["iscm_id"] for r in raw_rows("summary_statement_iscms")}))
    claim = checks.set_index("claim").loc["meeting_iscms_spoke"]
    published = int(float(claim["published"]))
    assert claim["recomputed"] == "/".join(map(str, counts))
    assert claim["status"] == (ledger.MATCHES if published in counts else ledger.DIFFERS)
    assert claim["detail"].count("(matches)") == counts.count(published)


def test_register_and_ledger_name_each_other(checks):
    """Each register entry about a claim names the claim in the report's words with its status, and
    that claim's ledger row names the entry; read from the raw files."""

    loaded = data.load()
    ledger_rows = ledger.reader_table(loaded, checks).assign(claim=checks["claim"].tolist()).set_index("claim")
    register = ledger.register_table(loaded, checks).set_index("Discrepancy")
    published = {r["figure_id"]: r for r in raw_rows("published_figures")}
    entries = [r for r in raw_rows("discrepancies") if r["claim"]]
    assert entries
    for entry in entries:
        claim = published[entry["claim"]]
        assert (claim["report_label"] or claim["source_quote"]) in register.loc[entry["title"], "Ledger claim"]
        assert ledger.STATUS_BADGES[checks.set_index("claim").loc[entry["claim"], "status"]] in register.loc[entry["title"], "Ledger claim"]
        assert entry["title"] in ledger_rows.loc[entry["claim"], "Detail"]


# --- the meeting's schedule, recounted from the raw tables ------------------------------------------

def test_session_times_recounted_from_the_items():
    """Each session's heading (ledger value) equals its items' first start and last end, and the
    items follow one another; counted here from agenda_items.csv without grcp9."""
    items: dict[str, list[dict[str, str]]] = {}
    for row in raw_rows("agenda_items.csv"):
        items.setdefault(row["session_id"], []).append(row)
    claims = [row for row in raw_rows("published_figures.csv") if row["recipe"] == "session_span"]
    assert len(claims) == len(raw_rows("meeting_sessions.csv"))
    for claim in claims:
        rows = sorted(items[claim["subject"]], key=lambda r: int(r["position"]))
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(rows)), claim["figure_id"]
        assert claim["value"] == f"{rows[0]['start']}-{rows[-1]['end']}", claim["figure_id"]


def test_printed_meeting_dates_are_the_session_dates():
    dates = sorted({row["date"] for row in raw_rows("meeting_sessions.csv")})
    days = [int(date[8:]) for date in dates]
    for claim in raw_rows("published_figures.csv"):
        if claim["recipe"] == "meeting_dates":
            assert [int(d) for d in re.findall(r"\b\d{1,2}\b", claim["value"])] == [days[0], days[-1]]
    assert ledger.printed_days("10-11 November 2021") == [(2021, 11, 10), (2021, 11, 11)]
    assert ledger.printed_days("11 Nov 2021") == [(2021, 11, 11)]
    assert ledger.printed_days("November 10") == [(None, 11, 10)]


def test_an_item_time_that_leaves_a_gap_makes_the_session_differ(data_copy):
    path = data_copy / "agenda_items.csv"
    set_cell(path, find_row(path, session_id="closing", position="2"), "start", "15:05")
    messages = ledger.status_mismatches(ledger.evaluate(data.load(data_copy)))
    assert len(messages) == 1 and messages[0].startswith("claim session_times_closing ")
    assert "do not follow one another: 15:00 to 15:05" in messages[0]


def test_list_lengths_recounted_from_the_items():
    items: dict[str, int] = {}
    for row in raw_rows("report_lists.csv"):
        items[row["list_id"]] = items.get(row["list_id"], 0) + 1
    claims = [row for row in raw_rows("published_figures.csv") if row["recipe"] == "list_length"]
    assert {claim["subject"] for claim in claims} == set(items)
    for claim in claims:
        assert (int(claim["value"]) == items[claim["subject"]]) == (claim["expected_status"] == ledger.MATCHES), claim["figure_id"]


def test_claims_that_cannot_be_checked_say_why(checks):
    uncheckable = checks[checks["status"] == ledger.UNCHECKABLE]
    assert len(uncheckable) > 0 and (uncheckable["detail"].str.len() > 0).all()
    for claim in raw_rows("published_figures.csv"):
        if claim["recipe"] == "not_transcribed":
            assert claim["note"], f"{claim['figure_id']}: no reason in its note"


def test_counts_per_part_of_the_report_recounted(checks):
    """What each chapter says of its part: recounted from the raw ledger's expected statuses."""
    part_of = {row["section_id"]: row["part"] for row in raw_rows("source_sections.csv")}
    counts = ledger.counts_by_part_group(data.load(), checks)
    assert set(counts) == set(ledger.PART_GROUPS)
    for group, parts in ledger.PART_GROUPS.items():
        mine = [row for row in raw_rows("published_figures.csv") if part_of[row["source_section"]] in parts]
        assert counts[group]["tested"] == sum(row["expected_status"] in ("matches", "differs") for row in mine), group
        assert counts[group]["differs"] == sum(row["expected_status"] == "differs" for row in mine), group
    assert sum(c["claims"] for c in counts.values()) == len(checks)


def test_earlier_meetings_recounted_from_annex_seven():
    years = {row["edition"]: int(row["year"]) for row in raw_rows("grcp_meetings.csv")}
    claims = {row["figure_id"]: row for row in raw_rows("published_figures.csv") if row["recipe"].startswith("grcp_")}
    assert claims
    for claim in claims.values():
        if claim["recipe"] == "grcp_year":
            assert int(claim["value"]) == years[claim["subject"]], claim["figure_id"]
        elif claim["recipe"] == "grcp_year_held":
            assert int(claim["value"]) in years.values(), claim["figure_id"]
        else:  # "mostly biennially", with this meeting's year from the agenda
            this = int(min(row["date"] for row in raw_rows("meeting_sessions.csv"))[:4])
            series = sorted([*years.values(), this])
            gaps = [b - a for a, b in itertools.pairwise(series)]
            assert (sum(g == 2 for g in gaps) > len(gaps) / 2) == (claim["expected_status"] == ledger.MATCHES)
