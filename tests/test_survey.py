"""Unit tests of the computations, on the real data and on small edited copies."""

from __future__ import annotations

import pytest
from conftest import find_row, set_cell

from grcp9 import data
from grcp9.analysis import survey


@pytest.mark.parametrize(("value", "expected"), [(26.5, 27.0), (66.666, 67.0), (31.034, 31.0), (0.5, 1.0), (2.5, 3.0), (59.95, 60.0)])
def test_report_round_is_half_up(value, expected):
    assert survey.report_round(value) == expected


def test_report_round_with_decimals():
    assert survey.report_round(51.724, 1) == 51.7
    assert survey.report_round(0.05, 1) == 0.1


def test_percent():
    assert survey.percent(9, 15) == 60.0
    assert survey.percent(0, 4) == 0.0


def test_percent_of_zero_basis_is_an_error():
    with pytest.raises(ZeroDivisionError, match="percentage basis of zero"):
        survey.percent(3, 0)


def test_implied_bases():
    assert survey.implied_bases(10, 37) == [27]
    assert survey.implied_bases(1, 50) == [2]
    assert survey.implied_bases(2, 40) == [5]
    assert survey.implied_bases(9, 60) == [15]
    assert survey.implied_bases(1, 33) == [3]
    assert survey.implied_bases(10, 99) == []


def test_check_wave(survey_data):
    assert survey.check_wave(survey_data, 2021) == "2021"
    with pytest.raises(survey.ParameterError, match=r"parameter 'wave': expected one of 2021 .*found '2026'"):
        survey.check_wave(survey_data, "2026")
    with pytest.raises(survey.ParameterError, match=r"expected a survey year \(YYYY\) or empty for the latest; found \[2021\] \(list\)"):
        survey.check_wave(survey_data, [2021])
    assert survey.check_wave(survey_data, "") == max(survey_data.waves)


def test_check_compare_waves(survey_data):
    assert survey.check_compare_waves(survey_data, "2021", "") == []
    with pytest.raises(survey.ParameterError, match=r"parameter 'compare_waves'.*found 2021"):
        survey.check_compare_waves(survey_data, "2021", "2021")
    with pytest.raises(survey.ParameterError, match=r"found 1999"):
        survey.check_compare_waves(survey_data, "2021", "1999")


def test_participation(survey_data):
    counts = survey.participation(survey_data, "2021")
    roster = survey_data.roster
    assert counts.approached == len(roster)
    assert counts.respondents == (roster["responded"] == "yes").sum() == len(survey_data.responses)
    assert counts.share_of_approached == pytest.approx(100 * counts.respondents / counts.approached)


def test_regional_reviews_names_follow_question_1_order(survey_data):
    reviews = survey.regional_reviews(survey_data, "2021")
    assert reviews.n_contributed + len(reviews.did_not_contribute) + reviews.not_attributed == reviews.respondents
    order = survey_data.registry.set_index("short_name")["q1_position"]
    assert [order[n] for n in reviews.contributed] == sorted(order[n] for n in reviews.contributed)


def test_format_counts_cover_every_option_and_the_unknown(survey_data):
    table = survey.format_counts(survey_data, "2021", "q7")
    options = survey_data.options[survey_data.options["question"] == "q7"]["option"].tolist()
    assert table["option"].tolist() == options + ["not_attributed"]
    formats = survey_data.response_formats
    for row in table.itertuples():
        if row.option != "not_attributed":
            assert row.iscms == ((formats["question"] == "q7") & (formats["option"] == row.option)).sum()
    unknown = survey_data.responses["q7_formats"] == "not_attributed"
    assert table.set_index("option").loc["not_attributed", "iscms"] == unknown.sum()


def test_formats_change_when_the_data_changes(data_copy):
    path = data_copy / "response_formats.csv"
    row = find_row(path, iscm_id="pidc", option="stocktaking")
    set_cell(path, row, "option", "dedicated_event")
    edited = data.load(data_copy)
    table = survey.format_counts(edited, "2021", "q7").set_index("option")
    original = survey.format_counts(data.load(), "2021", "q7").set_index("option")
    assert table.loc["stocktaking", "iscms"] == original.loc["stocktaking", "iscms"] - 1
    assert table.loc["dedicated_event", "iscms"] == original.loc["dedicated_event", "iscms"] + 1
    assert "PIDC" in table.loc["dedicated_event", "named"]


def test_imrf_plans_keep_unattributed_answers_apart(survey_data):
    plans = survey.imrf_plans(survey_data, "2021").set_index("plan")
    responses = survey_data.responses
    assert plans.loc["yes", "attributed"] == (responses["q9_imrf_plan"] == "yes").sum()
    assert plans.loc["not_attributed", "attributed"] == (responses["q9_imrf_plan"] == "not_attributed").sum()
    # Nothing is guessed: no respondent is coded undecided or no, while the report publishes totals for both.
    assert plans.loc["undecided", "attributed"] == 0 and plans.loc["undecided", "published"] > 0
    assert plans.loc["no", "attributed"] == 0 and plans.loc["no", "published"] > 0
    # The pooled totals account exactly for the unattributed respondents.
    assert plans.loc["undecided", "published"] + plans.loc["no", "published"] == plans.loc["not_attributed", "attributed"]


def test_most_named_and_published_order(survey_data):
    table = survey.format_counts(survey_data, "2021", "q7")
    top = table[table["option"] != "not_attributed"]["iscms"].max()
    assert survey.most_named_formats(table) == table[(table["iscms"] == top) & (table["option"] != "not_attributed")]["format"].tolist()
    order = survey.published_format_order(survey_data, "2021", "q7")
    assert len(order) == len(set(order)) and all(isinstance(label, str) for label in order)


def test_published_value(survey_data):
    assert survey.published_value(survey_data, "2021", "respondents_more_than_half") == "more than half"
    assert isinstance(survey.published_value(survey_data, "2021", "approached_total"), float)
    with pytest.raises(KeyError, match="no published figure 'nope'"):
        survey.published_value(survey_data, "2021", "nope")
