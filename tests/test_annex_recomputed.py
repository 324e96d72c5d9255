"""Every figure's plotted rows and the book's percentages, recomputed independently here from the
raw CSV files with the standard library only (no project code), and compared."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from grcp9 import paths
from grcp9.publish import figures, results

WAVE = "2021"
pytestmark = pytest.mark.skipif(not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file(), reason="book not built: run `make book`")


def raw(name: str) -> list[dict[str, str]]:
    with (paths.DATA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def plotted(key: str) -> list[dict[str, str]]:
    with (paths.FIGURES_DIR / figures.FIGURES[key].csv_name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def recorded(notebook: str) -> dict[str, object]:
    return {k: v["value"] for k, v in results.read(paths.results_path(notebook)).items()}


def roster() -> list[dict[str, str]]:
    return [r for r in raw("survey_roster") if r["wave"] == WAVE]


def responses() -> list[dict[str, str]]:
    return [r for r in raw("responses") if r["wave"] == WAVE]


def published(figure_id: str) -> float:
    return float(next(r["value"] for r in raw("published_figures") if r["figure_id"] == figure_id and r["wave"] == WAVE))


def test_respondents_figure_and_shares():
    answered = sum(r["responded"] == "yes" for r in roster())
    rows = {r["status"]: int(r["iscms"]) for r in plotted("respondents")}
    assert rows == {"Answered": answered, "Did not answer": len(roster()) - answered}
    assert recorded("respondents")["share_of_approached"] == pytest.approx(100 * answered / len(roster()))


def test_regional_review_formats_figure():
    q7 = Counter(r["option"] for r in raw("response_formats") if r["wave"] == WAVE and r["question"] == "q7")
    q7["not_attributed"] = sum(r["q7_formats"] == "not_attributed" for r in responses())
    options = [r["option"] for r in raw("question_options") if r["question"] == "q7"]
    assert {r["option"]: int(r["iscms"]) for r in plotted("regional-review-formats")} == {o: q7[o] for o in [*options, "not_attributed"]}


def test_regional_review_shares():
    contributed = sum(r["q6_contributed"] == "yes" for r in responses())
    values = recorded("regional_reviews")
    assert values["contributed"] == contributed
    assert values["share_of_respondents"] == pytest.approx(100 * contributed / len(responses()))
    assert values["share_of_approached"] == pytest.approx(100 * contributed / len(roster()))


def test_imrf_plans_figure():
    yes = sum(r["q9_imrf_plan"] == "yes" for r in responses())
    rows = {r["plan"]: int(r["iscms"]) for r in plotted("imrf-plans")}
    assert rows == {"yes": yes, "undecided": published("imrf_undecided_count"), "no": published("imrf_no_count")}
    assert recorded("imrf_plans")["yes_share_of_respondents"] == pytest.approx(100 * yes / len(responses()))


def test_survey_summary_figure():
    n_respondents, n_approached = len(responses()), len(roster())
    contributed = sum(r["q6_contributed"] == "yes" for r in responses())
    yes = sum(r["q9_imrf_plan"] == "yes" for r in responses())
    expected = [
        100 * n_respondents / n_approached,
        100 * contributed / n_respondents,
        100 * contributed / n_approached,
        100 * yes / n_respondents,
        None,  # share of "active" ISCMs: basis not stated
        100 * published("imrf_undecided_count") / n_respondents,
        100 * published("imrf_no_count") / n_respondents,
    ]
    got = [float(r["recomputed_percent"]) if r["recomputed_percent"] else None for r in plotted("survey-summary")]
    assert got == [pytest.approx(e) if e is not None else None for e in expected]


def test_objectives_figure():
    counts = {int(r["subject"]): int(r["value"]) for r in raw("published_figures")
              if r["wave"] == WAVE and r["subject_kind"] == "objective" and r["unit"] == "count"}
    # A count whose label the ledger finds does not fit its objective is plotted at neither objective.
    ambiguous = {int(r["subject"]) for r in raw("published_figures")
                 if r["wave"] == WAVE and r["recipe"] == "objective_label" and r["expected_status"] == "differs"}
    rows = {int(r["objective"]): (int(r["iscms"]) if r["iscms"] else None) for r in plotted("objectives")}
    assert ambiguous and rows == {int(o["objective"]): None if int(o["objective"]) in ambiguous else counts.get(int(o["objective"]))
                                  for o in raw("gcm_objectives")}


def test_one_profile_page_per_respondent():
    respondents = {r["iscm_id"] for r in roster() if r["responded"] == "yes"}
    pages = {p.stem for p in (paths.BUILD_DIR / "html" / "generated" / "profiles").glob("*.html")}
    assert pages == respondents
    names = {r["iscm_id"]: r["name"] for r in raw("iscm_registry")}
    for iscm_id in respondents:
        page = BeautifulSoup((paths.BUILD_DIR / "html" / "generated" / "profiles" / f"{iscm_id}.html").read_text(encoding="utf-8"),
                             "html.parser")
        assert names[iscm_id] in page.find("h1").get_text()


def test_compendium_prints_every_summary():
    page = BeautifulSoup((paths.BUILD_DIR / "html" / "annex1.html").read_text(encoding="utf-8"), "html.parser")
    text = " ".join(page.get_text().split())
    missing = [r["summary"] for r in raw("iscm_statements") if r["wave"] == WAVE and r["location"] == "compendium"
               and " ".join(r["summary"].split()) not in text]
    assert not missing


def test_profile_pages_are_in_the_pdf():
    import subprocess
    pdf = paths.BUILD_DIR / "latex" / "grcp9-reproducible-edition.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    for row in raw("iscm_registry"):
        if any(r["iscm_id"] == row["iscm_id"] and r["responded"] == "yes" for r in roster()):
            assert row["short_name"] in text


def test_review_event_recount():
    """Events with a published count and no ISCM named, and events with both names and a count,
    recounted from the raw rows."""
    named = Counter(r["event_id"] for r in raw("review_event_participants") if r["wave"] == WAVE)
    titles = {r["event_id"]: r["title"] for r in raw("review_events") if r["wave"] == WAVE}
    counts = {r["subject"]: int(r["value"]) for r in raw("published_figures") if r["wave"] == WAVE and r["subject_kind"] == "event"}
    count_only = [f"{titles[e]} ({n} ISCMs)" for e, n in counts.items() if named[e] == 0]
    both = [f"{titles[e]} ({named[e]} named, {n} counted)" for e, n in counts.items() if named[e]]
    reviews = recorded("regional_reviews")
    assert sorted(str(reviews["events_count_only"]).split("; ")) == sorted(count_only or ["none"])
    assert sorted(str(reviews["events_named_and_counted"]).split("; ")) == sorted(both or ["none"])
    assert reviews["events"] == len(titles)