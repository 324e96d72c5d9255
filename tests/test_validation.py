"""Bad input fails loudly: each case asserts the file, row, column and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import find_row, read_table, set_cell, write_table

from grcp9 import data, paths
from grcp9.errors import DataValidationError


def first_problem(data_dir: Path) -> str:
    with pytest.raises(DataValidationError) as caught:
        data.load(data_dir)
    return str(caught.value).splitlines()[0]


def test_real_package_is_valid(survey_data):
    assert len(survey_data.registry) > 0 and len(survey_data.responses) > 0


def test_missing_column(data_copy):
    rows = read_table(data_copy / "responses.csv")
    index = rows[0].index("q9_imrf_plan")
    write_table(data_copy / "responses.csv", [r[:index] + r[index + 1:] for r in rows])
    message = first_problem(data_copy)
    assert "responses.csv, row 0 (line 1)" in message
    assert "missing column(s) q9_imrf_plan" in message


def test_extra_column(data_copy):
    rows = read_table(data_copy / "gcm_principles.csv")
    write_table(data_copy / "gcm_principles.csv", [r + (["comment"] if i == 0 else [""]) for i, r in enumerate(rows)])
    message = first_problem(data_copy)
    assert "gcm_principles.csv, row 0 (line 1)" in message and "unexpected column(s) comment" in message


def test_renamed_column(data_copy):
    rows = read_table(data_copy / "iscm_registry.csv")
    rows[0][rows[0].index("short_name")] = "acronym"
    write_table(data_copy / "iscm_registry.csv", rows)
    message = first_problem(data_copy)
    assert "missing column(s) short_name; unexpected column(s) acronym" in message


def test_value_outside_allowed_set(data_copy):
    path = data_copy / "responses.csv"
    row = find_row(path, iscm_id="arcp")
    set_cell(path, row, "q9_imrf_plan", "maybe")
    message = first_problem(data_copy)
    assert f"responses.csv, row {row} (line {row + 1}), column 'q9_imrf_plan'" in message
    assert "expected one of yes, no, undecided, not_attributed; found 'maybe'" in message


def test_objective_out_of_range(data_copy):
    path = data_copy / "gcm_objectives.csv"
    set_cell(path, 23, "objective", "24")
    message = first_problem(data_copy)
    assert message == f"{path}, row 23 (line 24), column 'objective': expected a number of at most 23; found '24'"


def test_duplicate_key(data_copy):
    path = data_copy / "responses.csv"
    rows = read_table(path)
    write_table(path, rows + [rows[3]])
    with pytest.raises(DataValidationError) as caught:
        data.load(data_copy)
    duplicate = [p for p in caught.value.problems if "primary key" in p.expected]
    assert duplicate, caught.value
    assert str(duplicate[0]) == (f"{path}, row {len(rows)} (line {len(rows) + 1}), column 'iscm_id': "
                                 f"expected a unique primary key (wave, iscm_id); found 2021, {rows[3][1]} again (first at row 3)")


def test_respondent_not_in_registry(data_copy):
    path = data_copy / "responses.csv"
    row = find_row(path, iscm_id="cmc")
    set_cell(path, row, "iscm_id", "atlantis")
    message = first_problem(data_copy)
    assert f"responses.csv, row {row} (line {row + 1}), column 'iscm_id'" in message
    assert "survey_roster.csv (wave, iscm_id); found '2021, atlantis'" in message


def test_malformed_csv_row(data_copy):
    path = data_copy / "gcm_principles.csv"
    path.write_text(path.read_text(encoding="utf-8") + "k,Extra,annex1-questionnaire\n", encoding="utf-8")
    message = first_problem(data_copy)
    assert message.endswith("gcm_principles.csv, row 11 (line 12): expected 4 fields; found 3 fields")


def test_formats_given_for_a_no(data_copy):
    path = data_copy / "response_formats.csv"
    rows = read_table(path)
    write_table(path, rows + [["2021", "budapest", "q7", "stocktaking", "x", "annex1-regional-reviews", "Budapest Process", ""]])
    message = first_problem(data_copy)
    assert f"response_formats.csv, row {len(rows)} (line {len(rows) + 1}), column 'question'" in message
    assert "formats only for a respondent whose q6_contributed is yes; found budapest has q6_contributed='no'" in message


def test_whitespace_around_code(data_copy):
    path = data_copy / "survey_roster.csv"
    set_cell(path, 2, "responded", " yes")
    message = first_problem(data_copy)
    assert "survey_roster.csv, row 2 (line 3), column 'responded': expected a value without leading or trailing spaces" in message


def test_spreadsheet_variants_are_accepted(data_copy):
    """A byte-order mark, Windows line endings and trailing blank lines (as Excel and LibreOffice
    write them) do not change the data: the package loads to the same tables."""
    original = data.load(paths.DATA_DIR)
    for name in ("questions.csv", "responses.csv", "iscm_registry.csv"):
        path = data_copy / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    changed = data.load(data_copy)
    for attribute in ("questions", "responses", "registry"):
        assert getattr(changed, attribute).equals(getattr(original, attribute)), attribute


def test_names_in_another_normal_form_are_the_same(data_copy):
    """NFD "Zúñiga" (letters plus combining accents) reads as NFC, so it compares equal."""
    import unicodedata

    path = data_copy / "participants.csv"
    text = path.read_text(encoding="utf-8")
    assert "Rodríguez" in text
    path.write_text(text.replace("Rodríguez", unicodedata.normalize("NFD", "Rodríguez")), encoding="utf-8")
    assert unicodedata.normalize("NFD", "Rodríguez") in path.read_text(encoding="utf-8")
    loaded = data.load(data_copy)
    assert (loaded.participants["name"] == "Stuard Rodríguez").any()


def test_semicolon_separated_file(data_copy):
    path = data_copy / "questions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    message = first_problem(data_copy)
    assert "questions.csv, row 0 (line 1): expected comma-separated values; found values separated by semicolons" in message


def test_lone_carriage_returns(data_copy):
    path = data_copy / "questions.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert "questions.csv, row 0 (line 1): expected line endings LF or CRLF" in first_problem(data_copy)


def test_wrong_encoding(data_copy):
    path = data_copy / "iscm_registry.csv"
    path.write_bytes(path.read_bytes().replace("–".encode(), "–".encode("cp1252")))
    message = first_problem(data_copy)
    assert "iscm_registry.csv, row 22 (line 23): expected UTF-8 text; found byte 0x96" in message


def test_missing_and_empty_files(data_copy):
    (data_copy / "questions.csv").unlink()
    (data_copy / "gcm_principles.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        data.load(data_copy)
    text = str(caught.value)
    assert "gcm_principles.csv: expected a header row (principle, name, source_section, source_quote); found an empty file" in text
    assert "questions.csv: expected a CSV file declared in datapackage.json; found no such file" in text


def test_malformed_descriptor(data_copy):
    (data_copy / "datapackage.json").write_text("{not json", encoding="utf-8")
    assert "datapackage.json: expected valid UTF-8 JSON" in first_problem(data_copy)


def test_roster_and_responses_disagree(data_copy):
    path = data_copy / "survey_roster.csv"
    row = find_row(path, iscm_id="igc")
    set_cell(path, row, "responded", "no")
    message = first_problem(data_copy)
    assert "responses.csv" in message and "expected a respondent marked responded=yes" in message and "'igc'" in message


def test_status_contradicting_answer(data_copy):
    path = data_copy / "responses.csv"
    row = find_row(path, iscm_id="gfmd")
    set_cell(path, row, "q10_formats", "not_applicable")
    message = first_problem(data_copy)
    assert f"row {row} (line {row + 1}), column 'q10_formats': expected reported or not_attributed when q9_imrf_plan is 'yes'" in message


def test_published_percent_needs_numeric_value_and_basis(data_copy):
    path = data_copy / "published_figures.csv"
    row = find_row(path, figure_id="imrf_yes_share_of_respondents")
    set_cell(path, row, "value", "sixty-seven")
    set_cell(path, row, "basis", "")
    with pytest.raises(DataValidationError) as caught:
        data.load(data_copy)
    text = str(caught.value)
    assert "column 'value': expected a non-negative number for unit percent; found 'sixty-seven'" in text
    assert "column 'basis': expected the basis (denominator) of the percentage; found an empty cell" in text


def test_all_problems_are_listed_after_the_first(data_copy):
    set_cell(data_copy / "gcm_objectives.csv", 1, "objective", "0")
    set_cell(data_copy / "gcm_principles.csv", 1, "principle", "z")
    with pytest.raises(DataValidationError) as caught:
        data.load(data_copy)
    lines = str(caught.value).splitlines()
    assert lines[1] == "(1 more problem(s) below)"
    assert len(caught.value.problems) == 2


def test_descriptor_declares_every_csv():
    from grcp9 import paths
    declared = {r["path"] for r in json.loads((paths.DATA_DIR / "datapackage.json").read_text())["resources"]}
    assert declared == {p.name for p in paths.DATA_DIR.glob("*.csv")}


def test_impossible_session_date(data_copy):
    path = data_copy / "meeting_sessions.csv"
    set_cell(path, find_row(path, session_id="opening"), "date", "2021-02-30")
    assert "meeting_sessions.csv, row 1 (line 2), column 'date': expected a date that exists (YYYY-MM-DD); found '2021-02-30'" \
        in first_problem(data_copy)


def test_impossible_time_of_day(data_copy):
    path = data_copy / "meeting_sessions.csv"
    set_cell(path, find_row(path, session_id="opening"), "end", "25:00")
    assert "column 'end': expected a time of day HH:MM; found '25:00'" in first_problem(data_copy)


def test_impossible_month_in_a_statement(data_copy):
    path = data_copy / "statement_facts.csv"
    rows = read_table(path)
    number = next(i for i, row in enumerate(rows[1:], start=1) if row[rows[0].index("fact_kind")] == "date")
    set_cell(path, number, "value", "2021-13")
    assert f"statement_facts.csv, row {number} (line {number + 1}), column 'value': expected a date that exists; found '2021-13'" \
        in first_problem(data_copy)


def test_count_that_is_not_a_whole_number(data_copy):
    path = data_copy / "published_figures.csv"
    number = find_row(path, figure_id="imrf_no_count")
    set_cell(path, number, "value", "1.5")
    assert f"published_figures.csv, row {number} (line {number + 1}), column 'value': expected a whole number for unit count; found '1.5'" \
        in first_problem(data_copy)


def test_pooled_counts_above_the_respondents(data_copy):
    path = data_copy / "published_figures.csv"
    number = find_row(path, figure_id="imrf_undecided_count")
    set_cell(path, number, "value", "40")
    message = first_problem(data_copy)
    assert "column 'value': expected pooled answer counts (recipe plan_count) adding up to at most the" in message
    assert "respondents of wave" in message


def test_duplicate_item_in_a_ranked_list(data_copy):
    path = data_copy / "challenges.csv"
    rows = read_table(path)
    header = rows[0]
    first = rows[1]
    second = next(i for i, row in enumerate(rows[1:], start=1)
                  if i > 1 and row[header.index("list")] == first[header.index("list")])
    set_cell(path, second, "theme", first[header.index("theme")])
    assert f"challenges.csv, row {second} (line {second + 1}), column 'theme': expected each theme once" in first_problem(data_copy)
