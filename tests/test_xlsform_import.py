"""The questionnaire out (XLSForm, checked by pyxform) and the answers in (KoBoToolbox/ODK exports).

Expected values come from the raw CSV files of data/ and of the fictitious fixtures, read here
with the csv module, not through grcp9.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import sandbox
from openpyxl import Workbook, load_workbook

from grcp9 import data, paths
from grcp9.analysis import survey
from grcp9.errors import DataValidationError, ParameterError
from grcp9.fieldwork import importer, xlsform

FIXTURE_WAVE = paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave"
EXPORTS = paths.REPO_ROOT / "tests" / "fixtures" / "exports"
CSV_EXPORT = EXPORTS / "kobo-xml-groups-summary.csv"
XLSX_EXPORT = EXPORTS / "kobo-xml-dash-details.xlsx"
LAYOUTS = sorted(p.name for p in EXPORTS.iterdir() if p.suffix in (".csv", ".xlsx", ".zip"))


def raw(directory: Path, name: str) -> list[dict[str, str]]:
    """A CSV file's rows; comment lines (the restricted file's first line) are skipped."""
    with (directory / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


WAVE = raw(FIXTURE_WAVE, "waves")[0]["wave"]


def sheet(workbook: Workbook, name: str) -> list[dict[str, str]]:
    rows = list(workbook[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], ["" if v is None else str(v) for v in row])) for row in rows[1:]]


@pytest.fixture(scope="module")
def form_bytes() -> bytes:
    loaded = data.load(paths.DATA_DIR)
    return xlsform.workbook_bytes(xlsform.form(loaded, survey.check_wave(loaded, "")))


def test_the_xlsform_converts_without_errors_or_warnings(form_bytes):
    """pyxform converts it; where Java is installed, ODK Validate (shipped with pyxform) checks the XForm too."""
    xform, warnings = xlsform.convert(form_bytes, validate=shutil.which("java") is not None)
    assert warnings == []
    assert "<h:title>" in xform and 'relevant=" /data/section2/q6  = \'yes\'"' in xform


def test_the_xlsform_is_the_questionnaire_question_by_question(form_bytes):
    book = load_workbook(io.BytesIO(form_bytes))
    assert book.sheetnames == ["survey", "choices", "settings"]
    questions = {row["name"]: row for row in sheet(book, "survey") if row["type"] not in ("begin_group", "end_group", "note")}
    expected = raw(paths.DATA_DIR, "questions")
    assert list(questions) == [q["question"] for q in sorted(expected, key=lambda q: int(q["number"]))]
    kinds = {"single": "select_one", "multi": "select_multiple", "free_text": "text"}
    labels = {(r["item"], r["language"]): r["text"] for r in raw(paths.DATA_DIR, "questionnaire_labels")}
    for q in expected:
        row = questions[q["question"]]
        english = row["label::English (en)"]
        assert english.startswith(f"{q['number']}. ")
        # The appendix shows the stored wording; the form the questionnaire's, which is the same
        # where the stored wording is not abridged.
        assert (english == f"{q['number']}. {q['text']}") == (not q["abridged"]), q["question"]
        assert all(row[f"label::{name}"] for name in ("Français (fr)", "Español (es)"))
        assert ("{" in labels[(q["question"], "en")]) == (english != f"{q['number']}. {labels[(q['question'], 'en')]}")
        assert row["type"].split()[0] == kinds[q["answer_type"]]
        assert row["required"] == ("yes" if q["answer_type"] != "free_text" else "")
        assert row["relevant"] == (f"${{{q['if_question']}}} = '{q['if_answer']}'" if q["if_question"] else "")
    choices = Counter((row["list_name"], row["name"]) for row in sheet(book, "choices"))
    expected_choices = Counter((o["question"], o["option"]) for o in raw(paths.DATA_DIR, "question_options"))
    expected_choices.update(("iscm", r["iscm_id"]) for r in raw(paths.DATA_DIR, "iscm_registry"))
    assert choices == expected_choices
    appendix = list(csv.DictReader((paths.TABLES_DIR / "table-questions.csv").open(encoding="utf-8")))
    assert [row["No."] for row in appendix if "(Abridged; left out: " in row["Question"]] == [q["number"] for q in expected if q["abridged"]]


def collapsed(text: str) -> str:
    return " ".join(text.split())


def test_the_form_of_the_reports_wave_reads_as_the_report_prints_it(form_bytes):
    """Every English label of the 2021 form (section headings and notes, questions, options)
    stands in the report's text as it is, the wave's words filled in from waves.csv."""
    from conftest import report_text

    report = collapsed(report_text("the 2021 form's wording is not compared with the report"))
    book = load_workbook(io.BytesIO(form_bytes))
    labels = [row["label::English (en)"] for name in ("survey", "choices") for row in sheet(book, name)
              if row.get("label::English (en)") and row.get("list_name") != "iscm"]
    assert len(labels) > 40
    missing = []
    for label in labels:
        text = re.sub(r"^[0-9]+\. ", "", label)  # the form numbers the questions as the report does, before the text
        # A section's heading is its number and title, which the report prints on two lines, with
        # a full stop after the first number only.
        if collapsed(text) not in report and collapsed(re.sub(r"^(Section [0-9]+)\. ", r"\1 ", text)) not in report:
            missing.append(label)
    assert missing == []


WAVE_WORDS_2021 = ("2022", "2019", "2020-2021", "1st", "1er", "1.er")


def test_the_form_of_a_later_wave_has_that_waves_words_in_three_languages(tmp_path):
    """A later wave (added as make new-wave adds it) prepares the third IMRF, in 2030, reviewing
    2028-2029, with updates since 2026: its form says so in each language and holds none of the
    report's wave-dependent words."""
    from grcp9.fieldwork import waves

    directory = shutil.copytree(paths.DATA_DIR, tmp_path / "data")
    waves.new_wave(directory, "2030", "3", "2030", "2028-2029", "2026")
    form = xlsform.form(data.load(directory), "2030")
    _, warnings = xlsform.convert(xlsform.workbook_bytes(form))
    assert warnings == []
    labels = {name: " ".join([*form.survey[f"label::{name}"], *form.choices[f"label::{name}"]]) for name in xlsform.LANGUAGES.values()}
    for name, imrf in (("English (en)", "3rd IMRF"), ("Français (fr)", "3e FEMI"), ("Español (es)", "3.er FEMI")):
        assert imrf in labels[name] and "2030" in labels[name] and "2028-2029" in labels[name] and "2026" in labels[name]
        assert [word for word in WAVE_WORDS_2021 if re.search(rf"(?<![0-9.]){re.escape(word)}(?![0-9])", labels[name])] == []
    # The 2021 form has each of those words: the check above can fail.
    report_wave = xlsform.form(data.load(paths.DATA_DIR), "2021")
    english = " ".join([*report_wave.survey["label::English (en)"], *report_wave.choices["label::English (en)"]])
    assert [word for word in ("2022", "2019", "2020-2021", "1st") if word not in english] == []


def test_the_xlsform_is_the_same_file_for_the_same_data(form_bytes):
    loaded = data.load(paths.DATA_DIR)
    assert xlsform.workbook_bytes(xlsform.form(loaded, survey.check_wave(loaded, ""))) == form_bytes


# --- Import ---------------------------------------------------------------------------------

@pytest.fixture()
def prepared(tmp_path: Path) -> Path:
    return prepare(tmp_path / "data")


def prepare(folder: Path, wave_row: bool = True) -> Path:
    """A copy of data/ ready for the fixture wave: its row in waves.csv (unless not ``wave_row``),
    its invented ISCM in the registry and its submissions' source section (the documented steps
    before an import)."""
    target = shutil.copytree(paths.DATA_DIR, folder)
    for name, keep in (("waves", lambda r: wave_row and r["wave"] == WAVE),
                       ("iscm_registry", lambda r: r["iscm_id"] not in {x["iscm_id"] for x in raw(paths.DATA_DIR, "iscm_registry")}),
                       ("source_sections", lambda r: r["section_id"] not in {x["section_id"] for x in raw(paths.DATA_DIR, "source_sections")})):
        lines = (FIXTURE_WAVE / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        header = next(csv.reader([lines[0]]))
        extra = [line for line in lines[1:] if keep(dict(zip(header, next(csv.reader([line])))))]
        with (target / f"{name}.csv").open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in extra))
    return target


def recount(export: Path) -> dict[str, Counter[str]]:
    """Answers counted straight from a CSV or XLSX export."""
    if export.suffix == ".xlsx":
        rows = list(load_workbook(export, read_only=True).worksheets[0].iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        records = [dict(zip(header, ["" if v is None else str(v) for v in row])) for row in rows[1:]]
    else:
        records = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8-sig")), delimiter=";"))

    def answer(record: dict[str, str], question: str) -> list[str]:
        for key, value in record.items():
            if re.split(r"[/-]", key)[-1] == question:
                return value.split()
        return [re.split(r"[/-]", key)[-1] for key, value in record.items() if re.split(r"[/-]", key)[-2:-1] == [question] and value == "1"]

    return {q: Counter(a for record in records for a in answer(record, q)) for q in ("q6", "q7", "q9", "q10")}


@pytest.mark.parametrize("export", [CSV_EXPORT, XLSX_EXPORT], ids=["csv-semicolons-bom-groups", "xlsx-one-column-per-option"])
def test_an_export_imports_to_its_recount_and_to_the_fixture_wave(export, prepared, tmp_path):
    importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    loaded = data.load(prepared)
    counts = recount(export)
    answers = survey.respondents(loaded, WAVE)
    for question, column in (("q6", "q6_contributed"), ("q9", "q9_imrf_plan")):
        assert Counter(answers[column]) == counts[question]
    for question in ("q7", "q10"):
        formats = survey.format_counts(loaded, WAVE, question).set_index("option")["iscms"]
        assert {o: int(n) for o, n in formats.items() if n and o != "not_attributed"} == dict(counts[question])
    # Same answers as the fixture wave whose book test_fixture_wave.py builds and checks.
    key = ("iscm_id", "q6_contributed", "q7_formats", "q9_imrf_plan", "q10_formats")
    imported = sorted(tuple(r[k] for k in key) for r in raw(prepared, "responses") if r["wave"] == WAVE)
    assert imported == sorted(tuple(r[k] for k in key) for r in raw(FIXTURE_WAVE, "responses"))
    restricted = raw(tmp_path / "restricted", f"{WAVE}-free-text")
    assert restricted and all(row["answer"] for row in restricted)
    assert not any(row["answer"] in (prepared / "responses.csv").read_text(encoding="utf-8") for row in restricted if row["question"] == "q3")


def csv_export_with(change) -> bytes:
    text = CSV_EXPORT.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def column(rows: list[list[str]], name: str) -> int:
    return rows[0].index(name)


def drop_column(rows, name):
    index = column(rows, name)
    for row in rows:
        del row[index]


def set_cell(rows, row, name, value):
    rows[row][column(rows, name)] = value


def first_with(rows, name, value):
    return next(i for i, row in enumerate(rows[1:], start=1) if row[column(rows, name)] == value)


BAD_EXPORTS = {
    "missing question column": (lambda r: drop_column(r, "section2/q6"), r"\.csv, row 0 \(line 1\): expected a column for question q6"),
    "option not in the questionnaire": (lambda r: set_cell(r, 1, "section2/q7", "webinar"),
                                        r"row 1 \(line 2\), column 'section2/q7': expected options of q7, by their names .*found 'webinar'"),
    "answer to an if-yes question after no": (lambda r: set_cell(r, first_with(r, "section2/q6", "no"), "section2/q7", "stocktaking"),
                                              r"column 'q7': expected no answer to q7, which is asked only if q6 is 'yes'; found \['stocktaking'\] while q6 is 'no'"),
    "duplicate submission": (lambda r: r.append([{"_id": "2", "_uuid": "another-uuid", "_submission_time": "2026-04-01T09:00:00",
                                                  "_index": "99"}.get(name, value) for name, value in zip(r[0], r[1])]),
                             r"column 'q1': expected one submission per ISCM \(or --keep-latest\); 5plus5 has 2; found row 1 \(submitted .*role chair\); row 19"),
    "unknown ISCM": (lambda r: set_cell(r, 1, "section1/q1", "Atlantis Proces"),
                     r"column 'section1/q1': expected an ISCM of the registry .*closest: .*; found 'Atlantis Proces'"),
}


@pytest.mark.parametrize("case", list(BAD_EXPORTS), ids=list(BAD_EXPORTS))
def test_a_bad_export_stops_with_one_line_and_changes_nothing(case, prepared, tmp_path):
    change, expected = BAD_EXPORTS[case]
    export = tmp_path / "export.csv"
    export.write_bytes(csv_export_with(change))
    before = sandbox.digest(prepared)
    with pytest.raises(DataValidationError) as raised:
        importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    first_line = str(raised.value).splitlines()[0]
    assert re.search(expected, first_line), first_line
    assert sandbox.digest(prepared) == before
    assert not (tmp_path / "restricted").exists()


@pytest.mark.parametrize("content, expected", [
    (b"", r"expected a header row and at least one submission; found an empty file"),
    (b"\xef\xbb\xbfstart;section1/q1\r\n", r"expected at least one submission under the header; found no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"expected a CSV \(UTF-8 text\) or XLSX export; found a file that is neither"),
    (b"PK\x03\x04 not really a workbook", r"expected a CSV or XLSX export; found a file openpyxl cannot read"),
], ids=["empty file", "header only", "an image", "a broken zip"])
def test_an_export_that_is_not_one_stops_and_changes_nothing(content, expected, prepared, tmp_path):
    export = tmp_path / "export.bin"
    export.write_bytes(content)
    before = sandbox.digest(prepared)
    with pytest.raises(DataValidationError, match=expected):
        importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    assert sandbox.digest(prepared) == before


def test_a_wave_without_its_row_or_already_imported_is_refused(prepared, tmp_path):
    with pytest.raises(ParameterError, match=r"expected a wave with its row in .*waves.csv; found '2099': run make new-wave first"):
        importer.import_export(CSV_EXPORT, "2099", prepared, restricted_dir=tmp_path / "r")
    importer.import_export(CSV_EXPORT, WAVE, prepared, restricted_dir=tmp_path / "r")
    with pytest.raises(ParameterError, match=rf"wave {WAVE} already has answers"):
        importer.import_export(XLSX_EXPORT, WAVE, prepared, restricted_dir=tmp_path / "r")


def test_keep_latest_keeps_the_later_submission_and_logs_it(prepared, tmp_path):
    export = tmp_path / "export.csv"

    def duplicate(rows):
        late = list(rows[1])
        late[column(rows, "section2/q6")] = "no"
        late[column(rows, "section2/q7")] = ""
        late[column(rows, "_submission_time")] = "2026-12-01T00:00:00"
        rows.append(late)

    export.write_bytes(csv_export_with(duplicate))
    importer.import_export(export, WAVE, prepared, keep_latest=True, restricted_dir=tmp_path / "r")
    kept = next(r for r in raw(prepared, "responses") if r["wave"] == WAVE and r["iscm_id"] == "5plus5")
    assert kept["q6_contributed"] == "no"
    log = (prepared / "README.md").read_text(encoding="utf-8").split("## Data log", 1)[1]
    assert re.search(r"--keep-latest: 5plus5: kept row 19, dropped row 1", log)


def test_make_import_and_make_questionnaire_work_as_the_readme_shows(prepared, tmp_path):
    readme = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make import EXPORT=" in readme and "make questionnaire" in readme
    environment = {**sandbox.environment(), "GRCP9_REPO_ROOT": str(paths.REPO_ROOT)}
    result = subprocess.run(["make", "--no-print-directory", "-o", f"{sandbox.VENV}/.installed", f"VENV={sandbox.VENV}", "import",
                             f"EXPORT={CSV_EXPORT}", f"WAVE={WAVE}", f"DATA_DIR={prepared}", f"RESTRICTED_DIR={tmp_path / 'r'}"],
                            cwd=paths.REPO_ROOT, env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert f"[import] wave {WAVE}" in result.stdout
    written = xlsform.write(prepared, WAVE, tmp_path / "form.xlsx")
    assert load_workbook(written).sheetnames == ["survey", "choices", "settings"]


def test_the_restricted_file_says_what_it_holds_and_is_never_committed(prepared, tmp_path):
    importer.import_export(CSV_EXPORT, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    first = (tmp_path / "restricted" / f"{WAVE}-free-text.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# RESTRICTED") and "Do not publish or commit" in first
    # make import writes it under restricted/ in the checkout, which git ignores; the import leaves
    # no staging folder beside the data either.
    where = (importer.RESTRICTED_DIR / f"{WAVE}-free-text.csv").relative_to(paths.REPO_ROOT)
    ignored = subprocess.run(["git", "check-ignore", "--no-index", str(where)], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=False)
    assert ignored.returncode == 0, f"{where} is not ignored by git"
    assert sorted(p.name for p in prepared.parent.iterdir()) == ["data", "restricted"]


def new_wave(directory: Path, **values: str) -> subprocess.CompletedProcess[str]:
    arguments = {"WAVE": "2030", "IMRF_EDITION": "3", "IMRF_YEAR": "2030", "REVIEW_PERIOD": "2028-2029", "UPDATES_SINCE": "2026", **values}
    environment = {**sandbox.environment(), "GRCP9_REPO_ROOT": str(paths.REPO_ROOT)}
    return subprocess.run(["make", "--no-print-directory", "-o", f"{sandbox.VENV}/.installed", f"VENV={sandbox.VENV}", "new-wave",
                           f"DATA_DIR={directory}", *(f"{name}={value}" for name, value in arguments.items())],
                          cwd=paths.REPO_ROOT, env=environment, capture_output=True, text=True, check=False)


def test_make_new_wave_adds_a_valid_row_and_refuses_a_wave_that_exists(tmp_path):
    directory = shutil.copytree(paths.DATA_DIR, tmp_path / "data")
    result = new_wave(directory)
    assert result.returncode == 0, result.stderr
    row = next(r for r in raw(directory, "waves") if r["wave"] == "2030")
    assert (row["imrf_edition"], row["imrf_year"], row["review_period"], row["updates_since"], row["report"]) == ("3", "2030", "2028-2029", "2026", "no")
    assert data.load(directory).wave("2030").imrf_year == 2030
    # The new wave's questionnaire (by default the latest wave, answered or not), worded for it...
    written = xlsform.write(directory, "", tmp_path / "form.xlsx")
    labels = " ".join(row["label::English (en)"] for row in sheet(load_workbook(written), "choices"))
    assert "the 3rd IMRF in 2030" in labels
    # ...while the book still shows, by default, the latest wave with answers.
    from grcp9.build import params

    assert params.validate(str(directory)).wave == "2021"
    before = sandbox.digest(directory)
    again = new_wave(directory)
    assert again.returncode != 0 and re.search(r"^error: parameter 'wave': expected a wave that .*waves.csv does not have yet; found '2030'",
                                               again.stderr, re.MULTILINE), again.stderr
    wrong = new_wave(directory, WAVE="2031", REVIEW_PERIOD="2028")
    assert wrong.returncode != 0 and "error: parameter 'review_period' (REVIEW_PERIOD=): expected two years, as YYYY-YYYY; found '2028'" in wrong.stderr
    assert sandbox.digest(directory) == before


# --- Every layout the tools write -----------------------------------------------------------

def wave_rows(directory: Path, name: str) -> list[dict[str, str]]:
    return [row for row in raw(directory, name) if row["wave"] == WAVE]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[dict[str, str]], ...]]:
    """Each fixture export imported into a copy of data/ prepared for the fictitious wave: the
    wave's rows of responses.csv, response_formats.csv and survey_roster.csv, and the restricted file."""
    results = {}
    for name in LAYOUTS:
        folder = tmp_path_factory.mktemp(name.replace(".", "-"))
        directory = prepare(folder / "data")
        importer.import_export(EXPORTS / name, WAVE, directory, restricted_dir=folder / "restricted")
        results[name] = (wave_rows(directory, "responses"), wave_rows(directory, "response_formats"),
                         wave_rows(directory, "survey_roster"), raw(folder / "restricted", f"{WAVE}-free-text"))
    return results


def test_there_is_an_export_of_each_layout():
    tools = {name.split("-")[0] for name in LAYOUTS}
    assert tools == {"kobo", "odk"} and len(LAYOUTS) >= 9
    assert {"labels-en", "labels-fr", "labels-es", "xml"} <= {part for name in LAYOUTS for part in (name.split("-")[1],
                                                                                                     "-".join(name.split("-")[1:3]))}
    assert {".csv", ".xlsx", ".zip"} == {Path(name).suffix for name in LAYOUTS}


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_imports_to_the_same_answers(round_trip, name):
    """The same fictitious submissions, written in each layout, give identical rows."""
    assert round_trip[name] == round_trip["kobo-xml-groups-summary.csv"]


def test_the_imported_answers_are_the_fictitious_waves(round_trip):
    """...and those rows hold the fixture wave's own answers (recounted from its raw files)."""
    responses, formats, roster, restricted = round_trip["kobo-labels-en-groups-both.csv"]
    fixture = wave_rows(FIXTURE_WAVE, "responses")
    columns = ("iscm_id", "q6_contributed", "q7_formats", "q9_imrf_plan", "q10_formats")
    assert sorted(tuple(r[c] for c in columns) for r in responses) == sorted(tuple(r[c] for c in columns) for r in fixture)
    key = ("iscm_id", "question", "option")
    assert sorted(tuple(r[c] for c in key) for r in formats) == sorted(tuple(r[c] for c in key) for r in wave_rows(FIXTURE_WAVE, "response_formats"))
    assert {r["iscm_id"] for r in roster if r["responded"] == "yes"} == {r["iscm_id"] for r in fixture}
    assert {r["question"] for r in restricted} == {"q3", "q4", "q5", "q12"}


def test_the_fixture_exports_are_written_from_the_form_as_committed():
    """scripts/make_export_fixtures.py writes the same files again, byte for byte."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_export_fixtures", paths.REPO_ROOT / "scripts" / "make_export_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.exports()
    assert sorted(made) == LAYOUTS
    assert [name for name, content in made.items() if (EXPORTS / name).read_bytes() != content] == []


def test_two_kinds_of_multiple_choice_column_that_disagree_name_the_row_and_the_option(prepared, tmp_path):
    rows = list(csv.reader(io.StringIO((EXPORTS / "kobo-xml-groups-both.csv").read_text(encoding="utf-8-sig"))))
    flipped = column(rows, "section2/q7/stocktaking")
    row = next(i for i, r in enumerate(rows[1:], start=1) if r[flipped] == "0")
    rows[row][flipped] = "1"
    export = tmp_path / "both.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    export.write_text(buffer.getvalue(), encoding="utf-8")
    before = sandbox.digest(prepared)
    with pytest.raises(DataValidationError) as raised:
        importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    assert re.match(rf"{re.escape(str(export))}, row {row} \(line {row + 1}\), column 'section2/q7/stocktaking': expected the same "
                    r"choice of q7 in the column 'section2/q7' and in its column per option; found stocktaking not chosen in the one, "
                    r"chosen in the other", str(raised.value)), str(raised.value)
    assert sandbox.digest(prepared) == before


def test_an_error_in_odk_centrals_zip_names_the_zip_and_its_table(prepared, tmp_path):
    import zipfile

    export = tmp_path / "central.zip"
    with zipfile.ZipFile(EXPORTS / "odk-central.zip") as source, zipfile.ZipFile(export, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, content.replace(b",yes,", b",maybe,", 1) if info.filename.endswith(".csv") else content)
    with pytest.raises(DataValidationError) as raised:
        importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    assert re.match(rf"{re.escape(str(export))}, table grcp9_iscm_survey_{WAVE}\.csv, row \d+ \(line \d+\), column 'section2-q6': "
                    r"expected an option of q6, by its name \(yes, no\) or its label; found 'maybe'", str(raised.value)), str(raised.value)


def test_a_new_wave_then_an_import_gives_the_numbers_of_a_recount(tmp_path):
    """As the README's steps go: make new-wave (here its function), then the import of an export in
    French labels; the book's survey numbers, computed from the package, equal a recount of the
    same submissions written with XML names."""
    from grcp9.fieldwork import waves

    directory = prepare(tmp_path / "data", wave_row=False)
    fixture = raw(FIXTURE_WAVE, "waves")[0]
    waves.new_wave(directory, WAVE, fixture["imrf_edition"], fixture["imrf_year"], fixture["review_period"], fixture["updates_since"],
                   fictitious=True)
    importer.import_export(EXPORTS / "kobo-labels-fr-groups-both.xlsx", WAVE, directory, restricted_dir=tmp_path / "restricted")
    loaded = data.load(directory)
    counts = recount(CSV_EXPORT)
    answers = survey.respondents(loaded, WAVE)
    assert len(answers) == sum(counts["q6"].values())
    for question, column in (("q6", "q6_contributed"), ("q9", "q9_imrf_plan")):
        assert Counter(answers[column]) == counts[question]
    for question in ("q7", "q10"):
        formats = survey.format_counts(loaded, WAVE, question).set_index("option")["iscms"]
        assert {o: int(n) for o, n in formats.items() if n and o != "not_attributed"} == dict(counts[question])


def test_a_specify_other_column_goes_to_the_restricted_file(prepared, tmp_path):
    """KoBoToolbox writes the text of an "or other" choice in a column of its own (``q7_other``):
    it is recognised, and the text, free text like any other, stays out of data/."""
    def add_other(rows):
        at = column(rows, "section2/q7")
        rows[0].insert(at + 1, "section2/q7_other")
        for row in rows[1:]:
            row.insert(at + 1, "A fictitious other format" if "other" in row[at].split() else "")

    export = tmp_path / "export.csv"
    export.write_bytes(csv_export_with(add_other))
    importer.import_export(export, WAVE, prepared, restricted_dir=tmp_path / "restricted")
    restricted = raw(tmp_path / "restricted", f"{WAVE}-free-text")
    assert {row["answer"] for row in restricted if row["question"] == "q7_other"} == {"A fictitious other format"}
    assert "A fictitious other format" not in "".join(p.read_text(encoding="utf-8") for p in prepared.glob("*.csv"))


def test_errors_of_a_staged_package_name_the_users_files(monkeypatch, tmp_path):
    """A package checked in a staging copy beside the user's (make new-wave, make import) reports
    its problems with the user's files, whether shown absolute or relative to the checkout."""
    from grcp9.errors import Problem
    from grcp9.fieldwork import waves

    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    staging, directory = tmp_path / ".data-x1y2", tmp_path / "data"
    error = DataValidationError([Problem(".data-x1y2/waves.csv", "a year", "'20x6'", row=2, column="wave"),
                                 Problem(f"{staging}/responses.csv", "yes or no", "'maybe'", row=1, column="q6_contributed")])
    renamed = waves.staged_problems(error, staging, directory)
    assert [problem.file for problem in renamed.problems] == ["data/waves.csv", f"{directory}/responses.csv"]
    assert ".data-x1y2" not in str(renamed)
