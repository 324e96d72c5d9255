"""Robustness, on a sandbox copy of the repository whose data holds hostile strings:

3. hostile strings in the data, escaped in HTML, PDF and figures;
4. broken input: a one-line message naming file, row, column and what was expected, before any
   notebook runs, and the last good book left exactly as it was;
5. failing build steps (HTML, PDF, notebook) that leave the last good book in place.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sandbox
from bs4 import BeautifulSoup
from sandbox_helpers import HOSTILE, HOSTILE_LABEL, NAMES, build, edit_csv, inject_hostile_strings, set_where

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = sandbox.create(tmp_path_factory.mktemp("sandbox") / "repo")
    inject_hostile_strings(root / "data")
    build(root)
    return root


# --- 3. escaping -----------------------------------------------------------------------------------

def page_text(root: Path, page: str) -> tuple[str, BeautifulSoup]:
    soup = BeautifulSoup((root / "_build" / "html" / page).read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text().split()), soup


def test_hostile_strings_are_text_in_html(built):
    for page in ("annex1.html", "generated/profiles/pidc.html"):
        text, soup = page_text(built, page)
        assert HOSTILE in text and NAMES in text, page
        assert not any("alert('x')" in (s.string or "") for s in soup.find_all("script")), f"{page}: injected script became code"
        assert not soup.find_all("b", string=re.compile("_y_")), page
    text, _ = page_text(built, "findings.html")
    assert HOSTILE_LABEL in text  # table cell and figure alt/label data


def test_hostile_strings_in_pdf(built):
    pdf = built / "_build" / "latex" / "grcp9-reproducible-edition.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Zúñiga, Tomáš, Gümürkçü, Emiratisation" in text
    for piece in ("<script>alert('x')</script>", "& 100% $5 #1 a_b {curly} back\\slash", "tilde", "caret", "Other: $x$ & <b>_y_</b>"):
        assert piece in text, piece


def test_hostile_label_in_figure_data(built):
    rows = (built / "book" / "generated" / "figures" / "figure-regional-review-formats.csv").read_text(encoding="utf-8")
    assert HOSTILE_LABEL in rows


# --- 4. broken input: clear error, nothing lost ---------------------------------------------------

def remove_column(name: str, column: str) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        def change(rows: list[list[str]]) -> None:
            index = rows[0].index(column)
            for row in rows:
                del row[index]
        edit_csv(data / name, change)
    return apply


def write_bytes(name: str, transform: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        (data / name).write_bytes(transform((data / name).read_bytes()))
    return apply


def set_value(name: str, match: dict[str, str], column: str, value: str) -> Callable[[Path], None]:
    return lambda data: set_where(data / name, match, column, value)


def append_row(name: str, row: list[str]) -> Callable[[Path], None]:
    return lambda data: edit_csv(data / name, lambda rows: rows.append(row))


def rename_column(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        def change(rows: list[list[str]]) -> None:
            rows[0][rows[0].index(old)] = new
        edit_csv(data / name, change)
    return apply


def duplicate_row(name: str, index: int) -> Callable[[Path], None]:
    return lambda data: edit_csv(data / name, lambda rows: rows.append(list(rows[index])))


def no_respondents(data: Path) -> None:
    """A wave (in waves.csv) whose roster has nobody who answered."""
    edit_csv(data / "waves.csv", lambda rows: rows.append(["2099", *rows[1][1:]]))
    edit_csv(data / "survey_roster.csv", lambda rows: rows.extend([["2099", r[1], "no", r[3], r[4], ""] for r in rows[1:3]]))


def extra_column(data: Path) -> None:
    edit_csv(data / "gcm_principles.csv", lambda rows: [row.append("comment" if i == 0 else "") for i, row in enumerate(rows)])


CASES: dict[str, tuple[Callable[[Path], None], str, list[str]]] = {
    # name: (break the data, expected message (regex) on the first error line, make arguments)
    "missing file": ((lambda d: (d / "questions.csv").unlink()),
                     r"questions\.csv: expected a CSV file declared in datapackage\.json; found no such file", []),
    "empty file": (write_bytes("gcm_principles.csv", lambda b: b""),
                   r"gcm_principles\.csv: expected a header row \(principle, name, source_section, source_quote\); found an empty file", []),
    "wrong encoding": (write_bytes("iscm_registry.csv", lambda b: b.replace("–".encode(), "–".encode("cp1252"))),
                       r"iscm_registry\.csv, row 22 \(line 23\): expected UTF-8 text; found byte 0x96", []),
    "semicolons": (write_bytes("responses.csv", lambda b: b.replace(b",", b";")),
                   r"responses\.csv, row 0 \(line 1\): expected comma-separated values; found values separated by semicolons", []),
    "missing column": (remove_column("responses.csv", "q9_imrf_plan"),
                       r"responses\.csv, row 0 \(line 1\): expected the header .*; found missing column\(s\) q9_imrf_plan", []),
    "extra column": (extra_column, r"gcm_principles\.csv, row 0 \(line 1\): .*found unexpected column\(s\) comment", []),
    "renamed column": (rename_column("iscm_registry.csv", "short_name", "acronym"),
                       r"iscm_registry\.csv, row 0 \(line 1\): .*missing column\(s\) short_name; unexpected column\(s\) acronym", []),
    "objective 24": (set_value("gcm_objectives.csv", {"objective": "23"}, "objective", "24"),
                     r"gcm_objectives\.csv, row 23 \(line 24\), column 'objective': expected a number of at most 23; found '24'", []),
    "plan maybe": (set_value("responses.csv", {"iscm_id": "arcp"}, "q9_imrf_plan", "maybe"),
                   r"responses\.csv, row 3 \(line 4\), column 'q9_imrf_plan': expected one of yes, no, undecided, not_attributed; found 'maybe'", []),
    "duplicate key": (duplicate_row("gcm_principles.csv", 1),
                      r"gcm_principles\.csv, row 11 \(line 12\), column 'principle': expected a unique primary key \(principle\); found a again", []),
    "respondent not in registry": (set_value("responses.csv", {"iscm_id": "cmc"}, "iscm_id", "atlantis"),
                                   r"responses\.csv, row 5 \(line 6\), column 'iscm_id': expected a value present in .*survey_roster\.csv", []),
    "formats for a no": (append_row("response_formats.csv", ["2021", "budapest", "q7", "stocktaking", "x", "annex1-regional-reviews",
                                                               "Budapest Process", ""]),
                         r"response_formats\.csv, row 11 \(line 12\), column 'question': expected formats only for a respondent whose q6_contributed is yes", []),
    "whitespace around code": (set_value("survey_roster.csv", {"iscm_id": "arcp"}, "responded", " yes"),
                               r"survey_roster\.csv, row 4 \(line 5\), column 'responded': expected a value without leading or trailing spaces", []),
    "percentage basis of zero": (no_respondents, r"survey_roster\.csv, column 'responded': expected at least one ISCM with responded=yes in wave 2099",
                                 ["WAVE=2099"]),
    "unknown wave": ((lambda d: None), r"parameter 'wave': expected one of 2021 .*; found '2026'", ["WAVE=2026"]),
    "wave of the wrong type": ((lambda d: None), r"parameter 'wave': expected one of 2021 .*; found 'twenty-one'", ["WAVE=twenty-one"]),
    "missing data directory": ((lambda d: shutil.rmtree(d)), r"expected an existing data directory; found no such directory", []),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_broken_input_stops_before_notebooks_and_keeps_the_book(built, tmp_path, case):
    breaker, expected, arguments = CASES[case]
    data = shutil.copytree(built / "data", tmp_path / "data")
    breaker(data)
    before = sandbox.digest(built / "_build")
    result = sandbox.make(built, "book", f"DATA_DIR={data}", *arguments)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors, result.stderr[-2000:]
    assert re.search(expected, errors[0]), errors[0]
    assert "executing" not in result.stdout, "a notebook ran although the input was rejected"
    assert sandbox.digest(built / "_build") == before, "the last good book changed"


# --- 5. a failing build step leaves the previous book in place ------------------------------------

def failing_steps(root: Path, path: str, change: Callable[[str], str], *goals: str) -> list[subprocess.CompletedProcess[str]]:
    """Break ``path`` with ``change``, then run make with each of ``goals`` in turn: each fails, and
    neither the book in _build/ nor the preview in _preview/ changed. Their results."""
    target = root / path
    original = target.read_text(encoding="utf-8")
    before = {output: sandbox.digest(root / output) if (root / output).exists() else None for output in ("_build", "_preview")}
    try:
        target.write_text(change(original), encoding="utf-8")
        results = [sandbox.make(root, goal) for goal in goals]
    finally:
        target.write_text(original, encoding="utf-8")
    assert [result.returncode != 0 for result in results] == [True] * len(goals)
    after = {output: sandbox.digest(root / output) if (root / output).exists() else None for output in ("_build", "_preview")}
    assert after == before, "the last good book or preview changed"
    return results


def failing_step(root: Path, path: str, change: Callable[[str], str], goal: str = "book") -> subprocess.CompletedProcess[str]:
    [result] = failing_steps(root, path, change, goal)
    return result


def test_failed_html_step_says_why_keeps_the_book_and_fails_again_until_fixed(built):
    """A module docstring that breaks the API page, in the HTML edition only (paths.HTML_ONLY_PAGES):
    the book's HTML step fails with Sphinx's message, and so does the preview after it. A failed
    Sphinx step forgets what it read, so the page that warned is read again, not taken as read."""
    prose = "\nEvery function takes the loaded"

    def break_docstring(text: str) -> str:
        assert prose in text
        return text.replace(prose, "\nEvery :nosuchrole:`x` function takes the loaded", 1)

    book, preview = failing_steps(built, "src/grcp9/analysis/survey.py", break_docstring, "book", "html")
    assert "error: book step 'HTML' failed" in book.stderr and "error: preview step 'HTML' failed" in preview.stderr
    for result in (book, preview):
        assert "docstring of grcp9.analysis.survey" in result.stderr and 'Unknown interpreted text role "nosuchrole"' in result.stderr


def test_failed_pdf_step_keeps_the_book(built):
    result = failing_step(built, "book/data.md", lambda text: text + "\n```{raw} latex\n\\undefinedcommandforthetest\n```\n")
    assert "error: book step 'PDF' failed" in result.stderr


def test_failed_notebook_keeps_the_book_and_the_executed_notebook(built):
    executed = built / "book" / "generated" / "notebooks" / "questionnaire.ipynb"
    before = executed.read_bytes()

    def break_notebook(text: str) -> str:
        return text.replace('"questions = annex.questionnaire(survey_data)', '"raise RuntimeError(\\"broken on purpose\\")')

    result = failing_step(built, "notebooks/questionnaire.ipynb", break_notebook)
    assert re.search(r"error: notebook step failed in questionnaire\.ipynb, cell \d+: RuntimeError: broken on purpose", result.stderr)
    assert executed.read_bytes() == before


def test_failed_profile_names_its_iscm_and_keeps_the_book(built):
    """The profile template fails for one respondent only: the error names that ISCM, the book is
    unchanged, and every respondent still has an executed profile (the failing one its last good one)."""
    profiles = built / "book" / "generated" / "profiles"
    ids = json.loads((built / "book" / "generated" / "params.json").read_text(encoding="utf-8"))["profiles"]
    failing = ids[-1]

    def break_one_profile(text: str) -> str:
        line = '    "profile = annex.profile(survey_data, wave, iscm_id)\\n",'
        assert line in text
        return text.replace(line, f'    "if iscm_id == \\"{failing}\\": raise RuntimeError(\\"broken on purpose\\")\\n",\n{line}')

    result = failing_step(built, "notebooks/iscm_profile.ipynb", break_one_profile)
    assert re.search(rf"error: notebook step failed in profile of {re.escape(failing)}, cell \d+: RuntimeError: broken on purpose",
                     result.stderr), result.stderr[-2000:]
    assert [iscm_id for iscm_id in ids if not (profiles / f"{iscm_id}.ipynb").is_file()] == []  # the failing one's last good copy too

