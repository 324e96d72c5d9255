"""The verification ledger: every claim's status is asserted, recipes and rows match one to one."""

from __future__ import annotations

import pytest
from conftest import find_row, set_cell

from grcp9 import data, ledger, paths, results


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


def test_a_row_with_a_missing_recipe_fails(data_copy):
    path = data_copy / "published_figures.csv"
    set_cell(path, find_row(path, figure_id="mexico_followup_actions"), "recipe", "no_such_recipe")
    with pytest.raises(ledger.LedgerError, match="expected a recipe of grcp9.ledger.RECIPES; found no_such_recipe"):
        ledger.evaluate(data.load(data_copy))


def test_a_recipe_no_row_uses_fails(monkeypatch):
    monkeypatch.setitem(ledger.RECIPES, "orphan", ledger.not_in_data)
    with pytest.raises(ledger.LedgerError, match="recipe\\(s\\) used by no ledger row: orphan"):
        ledger.evaluate(data.load())


@pytest.mark.skipif(not (paths.BUILD_DIR / ".complete").is_file(), reason="book not built: run `make book`")
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

    from grcp9.validation import DataValidationError

    loaded = data.load(data_copy)
    marked = loaded.published[loaded.published["expected_status"] == ledger.BY_CONSTRUCTION]
    assert set(marked["recipe"]) == {"roster_count", "option_exists"}
    for row in marked[marked["recipe"] == "roster_count"].itertuples():
        assert int(row.value) == len(loaded.registry)
    path = data_copy / "published_figures.csv"
    option_row = marked[marked["recipe"] == "option_exists"].iloc[0]
    set_cell(path, find_row(path, figure_id=option_row["figure_id"]), "subject", "no_such_option")
    with pytest.raises(DataValidationError, match="expected a known q10_option"):
        data.load(data_copy)


def test_counts_that_depend_on_a_reading_are_recounted_under_each(checks):
    """"ISCMs who spoke", recounted from the raw rows under every reading the ledger lists."""
    import csv

    def raw(name):
        with (paths.DATA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    statements = raw("statements")
    counts = [len({r["iscm_id"] for r in statements if r["form"] in forms})
              for forms in (("oral",), ("oral", "video"), ("oral", "video", "written"))]
    counts.append(len({r["iscm_id"] for r in raw("summary_statement_iscms")}))
    claim = checks.set_index("claim").loc["meeting_iscms_spoke"]
    published = int(float(claim["published"]))
    assert claim["recomputed"] == "/".join(map(str, counts))
    assert claim["status"] == (ledger.MATCHES if published in counts else ledger.DIFFERS)
    assert claim["detail"].count("(matches)") == counts.count(published)


def test_register_and_ledger_name_each_other(checks):
    """Each register entry about a claim names the claim in the report's words with its status, and
    that claim's ledger row names the entry; read from the raw files."""
    import csv

    def raw(name):
        with (paths.DATA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    loaded = data.load()
    ledger_rows = ledger.reader_table(loaded, checks).assign(claim=checks["claim"].tolist()).set_index("claim")
    register = ledger.register_table(loaded, checks).set_index("Discrepancy")
    published = {r["figure_id"]: r for r in raw("published_figures")}
    entries = [r for r in raw("discrepancies") if r["claim"]]
    assert entries
    for entry in entries:
        claim = published[entry["claim"]]
        assert (claim["report_label"] or claim["source_quote"]) in register.loc[entry["title"], "Ledger claim"]
        assert ledger.STATUS_BADGES[checks.set_index("claim").loc[entry["claim"], "status"]] in register.loc[entry["title"], "Ledger claim"]
        assert entry["title"] in ledger_rows.loc[entry["claim"], "Detail"]
