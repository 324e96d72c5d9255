"""Computations over the survey data: what the book shows, recomputed from ``data/``.

Every function takes the loaded ``SurveyData`` and a wave, and returns plain numbers or tidy
DataFrames. Unknowns stay unknown: answers the report does not attribute are counted as
"not attributed", never spread over the answer options.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from grcp9.data import NOT_ATTRIBUTED, SurveyData
from grcp9.validation import DataValidationError, ParameterError, Problem

NOT_REPORTED_LABEL = "Format not reported"


def check_wave(data: SurveyData, wave: object) -> str:
    """Return the wave as the data spells it, or fail naming the waves that exist."""
    if not isinstance(wave, (str, int)) or isinstance(wave, bool):
        raise ParameterError(f"parameter 'wave': expected a survey year such as '2021'; found {wave!r} ({type(wave).__name__})")
    text = str(wave)
    if text not in data.waves:
        raise ParameterError(f"parameter 'wave': expected one of {', '.join(data.waves)} "
                             f"(waves in {data.data_dir}/survey_roster.csv); found {text!r}")
    return text


def check_bases(data: SurveyData, wave: str) -> None:
    """Every percentage in the book divides by the ISCMs approached or the respondents of the wave:
    fail before any notebook runs if either is zero."""
    counts = participation(data, wave)
    if counts.respondents == 0:
        roster_file = data.data_dir / "survey_roster.csv"
        raise DataValidationError([Problem(str(roster_file), f"at least one ISCM with responded=yes in wave {wave} "
                                           "(respondents are the basis of the percentages)",
                                           f"none of {counts.approached} approached", column="responded")])


def percent(part: float, whole: float) -> float:
    """Share in percent. A zero basis is an error, not a silent 0 or NaN."""
    if whole == 0:
        raise ZeroDivisionError(f"percentage basis of zero (part={part}): the denominator must be positive")
    return 100.0 * part / whole


def report_round(value: float, decimals: int = 0) -> float:
    """Round half up, as the report's percentages are rounded (not Python's round-half-even)."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def implied_bases(count: int, published_percent: float, decimals: int = 0, limit: int = 10_000) -> list[int]:
    """Every whole denominator N for which ``count / N``, rounded like the report, gives the percentage.

    Used for bases the report never states (for example its "active ISCMs").
    """
    if published_percent <= 0:
        raise ValueError("an implied basis needs a positive published percentage")
    return [n for n in range(max(count, 1), limit + 1)
            if report_round(percent(count, n), decimals) == published_percent]


def published_value(data: SurveyData, wave: str, figure_id: str) -> float | str:
    """A figure as the report publishes it: a number for count/percent/rank units, else text."""
    rows = data.published[(data.published["figure_id"] == figure_id) & (data.published["wave"] == wave)]
    if rows.empty:
        raise KeyError(f"no published figure {figure_id!r} for wave {wave} in published_figures.csv")
    row = rows.iloc[0]
    return str(row["value"]) if row["unit"] == "text" else float(row["value"])


def named(data: SurveyData, ids: pd.Series) -> list[str]:
    """Short names in the questionnaire's order."""
    registry = data.registry.set_index("iscm_id")
    return registry.loc[list(ids)].sort_values("q1_position")["short_name"].tolist()


def roster(data: SurveyData, wave: str) -> pd.DataFrame:
    """ISCMs approached in a wave, with whether they answered, in the questionnaire's order."""
    table = data.roster[data.roster["wave"] == wave].merge(data.registry, on="iscm_id", validate="one_to_one")
    return table.sort_values("q1_position")[["iscm_id", "short_name", "name", "responded"]].reset_index(drop=True)


@dataclass(frozen=True)
class Participation:
    approached: int
    respondents: int

    @property
    def share_of_approached(self) -> float:
        return percent(self.respondents, self.approached)


def participation(data: SurveyData, wave: str) -> Participation:
    table = roster(data, wave)
    return Participation(approached=len(table), respondents=int((table["responded"] == "yes").sum()))


def respondents(data: SurveyData, wave: str) -> pd.DataFrame:
    """One row per respondent with its closed answers as far as the report attributes them."""
    table = data.responses[data.responses["wave"] == wave].merge(data.registry, on="iscm_id", validate="one_to_one")
    return table.sort_values("q1_position").reset_index(drop=True)


@dataclass(frozen=True)
class RegionalReviews:
    approached: int
    respondents: int
    contributed: list[str]
    did_not_contribute: list[str]
    not_attributed: int

    @property
    def n_contributed(self) -> int:
        return len(self.contributed)

    @property
    def share_of_respondents(self) -> float:
        return percent(self.n_contributed, self.respondents)

    @property
    def share_of_approached(self) -> float:
        return percent(self.n_contributed, self.approached)


def regional_reviews(data: SurveyData, wave: str) -> RegionalReviews:
    """Question 6: who contributed to the GCM regional reviews."""
    answers = respondents(data, wave)
    return RegionalReviews(
        approached=participation(data, wave).approached,
        respondents=len(answers),
        contributed=named(data, answers.loc[answers["q6_contributed"] == "yes", "iscm_id"]),
        did_not_contribute=named(data, answers.loc[answers["q6_contributed"] == "no", "iscm_id"]),
        not_attributed=int((answers["q6_contributed"] == NOT_ATTRIBUTED).sum()),
    )


def format_counts(data: SurveyData, wave: str, question: str) -> pd.DataFrame:
    """Formats of a multi-select question (q7 or q10): ISCMs the report names for each option.

    Every option of the questionnaire appears (zero where nobody is named), in questionnaire
    order, followed by a row for respondents whose formats the report does not give.
    """
    status_column = {"q7": "q7_formats", "q10": "q10_formats"}[question]
    options = data.options[data.options["question"] == question].sort_values("position")
    chosen = data.response_formats[(data.response_formats["wave"] == wave) & (data.response_formats["question"] == question)]
    rows = []
    for option in options.itertuples():
        ids = chosen.loc[chosen["option"] == option.option, "iscm_id"]
        rows.append({"option": option.option, "format": option.short_label, "iscms": len(ids),
                     "named": ", ".join(named(data, ids)), "attribution": "named in the report"})
    answers = respondents(data, wave)
    unknown = answers.loc[answers[status_column] == NOT_ATTRIBUTED, "iscm_id"]
    rows.append({"option": NOT_ATTRIBUTED, "format": NOT_REPORTED_LABEL, "iscms": len(unknown),
                 "named": ", ".join(named(data, unknown)), "attribution": "formats not attributed"})
    return pd.DataFrame(rows)


PLAN_ORDER = ("yes", "undecided", "no")
PLAN_FIGURES = {"yes": "imrf_yes_count", "undecided": "imrf_undecided_count", "no": "imrf_no_count"}


def imrf_plans(data: SurveyData, wave: str) -> pd.DataFrame:
    """Question 9, side by side: what the data attributes and what the report publishes.

    ``attributed`` counts respondents whose answer the report names; ``published`` is the
    report's own count (which may include respondents it does not name).
    """
    answers = respondents(data, wave)
    total = len(answers)
    rows = []
    for plan in PLAN_ORDER:
        ids = answers.loc[answers["q9_imrf_plan"] == plan, "iscm_id"]
        published = published_value(data, wave, PLAN_FIGURES[plan])
        rows.append({"plan": plan, "attributed": len(ids), "published": int(published),
                     "published_share_of_respondents": percent(float(published), total),
                     "named": ", ".join(named(data, ids))})
    unknown = answers.loc[answers["q9_imrf_plan"] == NOT_ATTRIBUTED, "iscm_id"]
    rows.append({"plan": NOT_ATTRIBUTED, "attributed": len(unknown), "published": pd.NA,
                 "published_share_of_respondents": pd.NA, "named": ", ".join(named(data, unknown))})
    return pd.DataFrame(rows)


def most_named_formats(formats: pd.DataFrame) -> list[str]:
    """Short labels of the format(s) with the most named ISCMs in a ``format_counts`` table."""
    named = formats[formats["option"] != NOT_ATTRIBUTED]
    top = named["iscms"].max()
    return named.loc[named["iscms"] == top, "format"].tolist()


def published_format_order(data: SurveyData, wave: str, question: str) -> list[str]:
    """Short labels of a question's options in the order the report lists them (its rank figures)."""
    ranked = data.published[(data.published["wave"] == wave) & (data.published["unit"] == "rank")
                            & (data.published["subject_kind"] == f"{question}_option")]
    ranked = ranked.assign(rank=ranked["value"].astype(float)).sort_values(["rank", "figure_id"])
    labels = data.options[data.options["question"] == question].set_index("option")["short_label"]
    return [labels[option] for option in ranked["subject"]]
