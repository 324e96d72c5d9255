"""The book of a second, fictitious survey wave (tests/fixtures/fictitious-wave), built once.

The fixture wave is merged into a copy of data/ the documented way (``python -m grcp9.fieldwork.waves
merge``), and the book is built for it in a sandbox copy of the repository, HTML and PDF. The
tests then check the book against counts made here, directly from the raw CSV files of the fixture
and of data/ (not through grcp9), that no wording of the report's wave leaks into it, that it says
on every page that its data is fictitious, and that changing one answer changes exactly what
depends on it.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import sandbox
from bs4 import BeautifulSoup

from grcp9 import paths

pytestmark = pytest.mark.slow

FIXTURE = paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave"
MERGED = "fictitious-wave-data"  # inside the sandbox


def raw(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


FIXTURE_WAVE = raw(FIXTURE, "waves")[0]["wave"]
BASE_WAVES = [row["wave"] for row in raw(paths.DATA_DIR, "waves")]


def wave_rows(directory: Path, name: str, wave: str = FIXTURE_WAVE) -> list[dict[str, str]]:
    return [row for row in raw(directory, name) if row["wave"] == wave]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = sandbox.create(tmp_path_factory.mktemp("fixture-wave") / "repo")
    merge = subprocess.run([str(sandbox.VENV / "bin" / "python"), "-m", "grcp9.fieldwork.waves", "merge", "--base", "data",
                            "--add", "tests/fixtures/fictitious-wave", "--output", MERGED],
                           cwd=root, env={**sandbox.environment(), "GRCP9_REPO_ROOT": str(root), "PYTHONPATH": str(root / "src")},
                           capture_output=True, text=True, check=False)
    assert merge.returncode == 0, merge.stderr
    result = sandbox.make(root, "book", f"DATA_DIR={MERGED}", f"WAVE={FIXTURE_WAVE}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


def recorded(root: Path, notebook: str) -> dict[str, object]:
    values = json.loads((root / "book" / "generated" / "notebooks" / f"{notebook}{paths.RESULTS_SUFFIX}").read_text(encoding="utf-8"))
    return {key: entry["value"] for key, entry in values["values"].items()}


def plotted(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "book" / "generated" / "figures" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_fixture_says_it_is_fictitious() -> None:
    readme = (FIXTURE / "README.md").read_text(encoding="utf-8")
    assert "fictitious" in readme.lower().split("\n", 1)[0]
    assert all(row["fictitious"] == "yes" and row["report"] == "no" for row in raw(FIXTURE, "waves"))
    assert FIXTURE_WAVE not in BASE_WAVES


def test_the_fixture_has_the_cases_the_comparison_needs() -> None:
    now = {r["iscm_id"] for r in wave_rows(FIXTURE, "survey_roster") if r["responded"] == "yes"}
    before = {r["iscm_id"] for r in raw(paths.DATA_DIR, "survey_roster") if r["responded"] == "yes"}
    registry_before = {r["iscm_id"] for r in raw(paths.DATA_DIR, "iscm_registry")}
    assert now - registry_before, "an ISCM absent from the report's wave"
    assert before - now, "an ISCM that answered before but not in the fixture wave"
    assert 15 <= len(now) <= 25


def test_counts_equal_a_recount_of_the_raw_files(built: Path) -> None:
    roster = wave_rows(FIXTURE, "survey_roster")
    responses = wave_rows(FIXTURE, "responses")
    answered = [r for r in roster if r["responded"] == "yes"]
    respondents = recorded(built, "respondents")
    assert respondents["approached"] == len(roster)
    assert respondents["respondents"] == len(answered) == len(responses)
    assert respondents["wave"] == FIXTURE_WAVE
    wave = raw(FIXTURE, "waves")[0]
    assert respondents["imrf_year"] == int(wave["imrf_year"])
    reviews = recorded(built, "regional_reviews")
    assert reviews["contributed"] == sum(r["q6_contributed"] == "yes" for r in responses)
    assert reviews["did_not_contribute"] == sum(r["q6_contributed"] == "no" for r in responses)
    assert reviews["share_of_respondents"] == pytest.approx(100 * reviews["contributed"] / len(responses))  # type: ignore[operator]
    q7 = Counter(r["option"] for r in wave_rows(FIXTURE, "response_formats") if r["question"] == "q7")
    assert reviews["format_stocktaking"] == q7["stocktaking"]
    assert reviews["format_participation"] == q7["regional_event_participation"]
    plans = recorded(built, "imrf_plans")
    answers = Counter(r["q9_imrf_plan"] for r in responses)
    for plan in ("yes", "no", "undecided"):
        assert plans[plan] == answers[plan], plan
    assert plans["not_attributed"] == answers["not_attributed"]
    assert not any(key.startswith("published_") for key in [*plans, *reviews, *respondents]), "no report, no published figures"


def test_figures_plot_the_recount(built: Path) -> None:
    responses = wave_rows(FIXTURE, "responses")
    answers = Counter(r["q9_imrf_plan"] for r in responses)
    bars = {row["plan"]: int(row["iscms"]) for row in plotted(built, "figure-imrf-plans.csv")}
    assert bars == {plan: answers[plan] for plan in ("yes", "no", "undecided")}
    q7 = Counter(r["option"] for r in wave_rows(FIXTURE, "response_formats") if r["question"] == "q7")
    formats = {row["option"]: int(row["iscms"]) for row in plotted(built, "figure-regional-review-formats.csv")}
    assert {k: v for k, v in formats.items() if k != "not_attributed"} == {o: q7[o] for o in formats if o != "not_attributed"}
    roster = wave_rows(FIXTURE, "survey_roster")
    status = {row["status"]: int(row["iscms"]) for row in plotted(built, "figure-respondents.csv")}
    assert status == {"Answered": sum(r["responded"] == "yes" for r in roster), "Did not answer": sum(r["responded"] == "no" for r in roster)}


def test_comparison_equals_a_recount(built: Path) -> None:
    now = {r["iscm_id"] for r in wave_rows(FIXTURE, "survey_roster") if r["responded"] == "yes"}
    before = {r["iscm_id"] for r in raw(paths.DATA_DIR, "survey_roster") if r["responded"] == "yes"}
    comparison = recorded(built, "comparison")
    assert comparison["compared"] == ", ".join(BASE_WAVES)
    assert comparison["in_every_wave"] == len(now & before)
    assert comparison["joined"] == len(now - before)
    assert comparison["dropped_out"] == len(before - now)
    short = {r["iscm_id"]: r["short_name"] for r in [*raw(paths.DATA_DIR, "iscm_registry"), *raw(FIXTURE, "iscm_registry")]}
    assert set(str(comparison["joined_named"]).split(", ")) == {short[i] for i in now - before}
    old = {r["iscm_id"]: r for r in raw(paths.DATA_DIR, "responses")}
    new = {r["iscm_id"]: r for r in wave_rows(FIXTURE, "responses")}

    def changed(column: str) -> int:
        return sum(1 for i in now & before if "not_attributed" not in (old[i][column], new[i][column]) and old[i][column] != new[i][column])

    assert comparison["q6_changed"] == changed("q6_contributed")
    assert comparison["q9_changed"] == changed("q9_imrf_plan")


def test_the_book_leaves_out_the_report_layer_and_says_fictitious(built: Path) -> None:
    html = built / "_build" / "html"
    for page in ("meeting", "meeting-annexes", "annex1", "verification"):
        assert not (html / f"{page}.html").exists(), page
    assert (html / "comparison.html").is_file()
    for page in html.rglob("*.html"):
        if page.name in {"index.html", "genindex.html", "search.html"} or {"_modules", "_static"} & set(page.parts):  # index: a redirect
            continue
        title = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").title
        assert title is not None and "FICTITIOUS" in title.get_text(), page
    pdf = built / "_build" / "latex" / "grcp9-reproducible-edition.pdf"
    first_page = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "FICTITIOUS TEST DATA" in first_page
    front = " ".join(subprocess.run(["pdftotext", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "No published report about this wave is transcribed" in front and "recomputed edition of" not in front
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "FICTITIOUS" in info


# Words of the report's own wave that must not appear in the survey pages of another wave.
LEAKS = [*BASE_WAVES, "first IMRF", "2020–2021", "Annex I says", "the report names", "the report prints"]


def test_no_wording_of_the_report_wave_leaks(built: Path) -> None:
    html = built / "_build" / "html"
    pages = [html / "intro.html", html / "findings.html", *sorted((html / "generated" / "profiles").glob("*.html"))]
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        main = soup.find("article") or soup  # the page's text (the footer cites the source report)
        for tag in main.select("span.bibtex-citation, a[href^='references']"):  # citations keep their year
            tag.decompose()
        text = main.get_text(" ")
        found = [word for word in LEAKS if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
        assert not found, f"{page.name}: {found}"


def test_changing_one_answer_changes_exactly_what_depends_on_it(built: Path) -> None:
    """Last in this module: it changes the sandbox's data. One respondent's answer to question 9
    goes from undecided to no; the notebooks are re-executed and every result compared."""
    generated = built / "book" / "generated"

    def snapshot() -> dict[str, object]:
        state: dict[str, object] = {}
        for file in sorted((generated / "notebooks").glob(f"*{paths.RESULTS_SUFFIX}")):
            for key, value in recorded(built, file.name.removesuffix(paths.RESULTS_SUFFIX)).items():
                state[f"{file.name.split('.')[0]}.{key}"] = value
        for folder in ("figures", "tables"):
            for file in sorted((generated / folder).glob("*.csv")):
                state[f"{folder}/{file.name}"] = file.read_text(encoding="utf-8")
        for file in sorted((generated / "profiles").glob("*.ipynb")):
            state[f"profiles/{file.stem}"] = file.read_text(encoding="utf-8")
        return state

    before = snapshot()
    path = built / MERGED / "responses.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    target = next(r for r in rows if r["wave"] == FIXTURE_WAVE and r["q9_imrf_plan"] == "undecided")
    target["q9_imrf_plan"] = "no"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = sandbox.make(built, "notebooks", f"DATA_DIR={MERGED}", f"WAVE={FIXTURE_WAVE}")
    assert result.returncode == 0, result.stderr[-3000:]
    after = snapshot()
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    expected = {f"imrf_plans.{key}" for key in ("no", "undecided", "no_named", "undecided_named",
                                                  "no_share_of_respondents", "undecided_share_of_respondents")}
    expected |= {"figures/figure-imrf-plans.csv", "tables/table-imrf-plans.csv", f"profiles/{target['iscm_id']}"}
    if target["iscm_id"] in {r["iscm_id"] for r in raw(paths.DATA_DIR, "responses")}:
        expected.add("tables/table-comparison-answers.csv")  # its Q9 column shows the new answer
    assert changed == expected
