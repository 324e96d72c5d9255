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
from grcp9.errors import DataValidationError, ParameterError, Problem

NOT_REPORTED_LABEL = "Format not reported"


def check_wave(data: SurveyData, wave: object, answered: bool = True) -> str:
    """Return the wave as the data spells it, or fail naming the waves that exist. An empty wave
    is the package's latest wave with answers (with ``answered`` false: its latest wave, answered
    or not, as for the questionnaire of a wave about to be fielded)."""
    if not isinstance(wave, (str, int)) or isinstance(wave, bool):
        raise ParameterError(f"parameter 'wave': expected a survey year (YYYY) or empty for the latest; "
                             f"found {wave!r} ({type(wave).__name__})")
    text = str(wave).strip()
    with_answers = [w for w in data.waves if (data.roster["wave"] == w).any()] if answered else data.waves
    if not text and (with_answers or data.waves):
        return (with_answers or data.waves)[-1]
    if text not in data.waves:
        raise ParameterError(f"parameter 'wave': expected one of {', '.join(data.waves)} "
                             f"(waves in {data.data_dir}/waves.csv); found {text!r}")
    if answered and (data.roster["wave"] == text).sum() == 0:
        raise ParameterError(f"parameter 'wave': wave {text} is in {data.data_dir}/waves.csv but has no rows in survey_roster.csv")
    return text


def check_compare_waves(data: SurveyData, wave: str, compare: object) -> list[str]:
    """The waves to compare ``wave`` with: the comma-separated list given, or (empty) every other
    wave of the package that has roster rows; each must exist and differ from ``wave``."""
    text = ",".join(compare) if isinstance(compare, (list, tuple)) else str(compare or "")
    given = [part.strip() for part in text.split(",") if part.strip()]
    if not given:
        return [w for w in data.waves if w != wave and (data.roster["wave"] == w).any()]
    return _checked_compare_waves(data, wave, given)


def require_compare_waves(data: SurveyData, wave: str, compare: object) -> list[str]:
    """``check_compare_waves`` for the comparison itself: at least one other wave is needed."""
    others = check_compare_waves(data, wave, compare)
    if not others:
        raise ParameterError(f"parameter 'compare_waves': expected at least one other wave to compare wave {wave} with; "
                             f"{data.data_dir}/waves.csv holds {', '.join(data.waves)}")
    return others


def _checked_compare_waves(data: SurveyData, wave: str, given: list[str]) -> list[str]:
    problems = [w for w in given if w == wave or w not in data.waves]
    if problems:
        raise ParameterError(f"parameter 'compare_waves': expected waves of {data.data_dir}/waves.csv other than the wave shown "
                             f"({wave}): one of {', '.join(w for w in data.waves if w != wave) or 'none'}; found {', '.join(problems)}")
    return sorted(set(given))


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


PLAN_FIGURES = {"yes": "imrf_yes_count", "undecided": "imrf_undecided_count", "no": "imrf_no_count"}


def published_glues(data: SurveyData, wave: str, wanted: dict[str, tuple[str, str]]) -> list[tuple[str, float | str, str]]:
    """The report's own figures a notebook shows beside its recomputation, as (glue key, value,
    description) for ``wanted`` = {glue key: (figure id, description)}; none for a wave without a
    published report (waves.csv, report=no), whose chapters leave those sentences out."""
    if not data.wave(wave).has_report:
        return []
    return [(key, published_value(data, wave, figure_id), description) for key, (figure_id, description) in wanted.items()]


def imrf_plans(data: SurveyData, wave: str) -> pd.DataFrame:
    """Question 9, one row per answer option (questionnaire order) and one for answers not
    attributed: ``attributed`` counts respondents with that answer; for a wave with a published
    report, ``published`` is the report's own count (which may include respondents it does not
    name) where it gives one, else empty."""
    answers = respondents(data, wave)
    total = len(answers)
    has_report = data.wave(wave).has_report
    options = data.options[data.options["question"] == "q9"].sort_values("position")
    rows = []
    for option in options.itertuples():
        plan = str(option.option)
        ids = answers.loc[answers["q9_imrf_plan"] == plan, "iscm_id"]
        published: object = pd.NA
        if has_report and plan in PLAN_FIGURES:
            published = int(published_value(data, wave, PLAN_FIGURES[plan]))
        rows.append({"plan": plan, "label": option.short_label, "attributed": len(ids), "published": published,
                     "published_share_of_respondents": pd.NA if published is pd.NA else percent(float(published), total),  # type: ignore[arg-type]
                     "named": ", ".join(named(data, ids))})
    unknown = answers.loc[answers["q9_imrf_plan"] == NOT_ATTRIBUTED, "iscm_id"]
    rows.append({"plan": NOT_ATTRIBUTED, "label": "Not attributed", "attributed": len(unknown), "published": pd.NA,
                 "published_share_of_respondents": pd.NA, "named": ", ".join(named(data, unknown))})
    return pd.DataFrame(rows)


def plan_bars(plans: pd.DataFrame) -> pd.DataFrame:
    """The bars of the IMRF plans figure, from ``imrf_plans``: one per answer option. Where the
    report publishes a pooled count larger than the answers it attributes, the bar shows that
    count, marked as pooled (not named); otherwise it counts the attributed answers."""
    rows = []
    for row in plans[plans["plan"] != NOT_ATTRIBUTED].to_dict("records"):
        published, attributed = row["published"], int(row["attributed"])
        pooled = not pd.isna(published) and int(published) > attributed
        rows.append({"plan": row["plan"], "label": f"{row['label']} (published, not named)" if pooled else str(row["label"]),
                     "iscms": int(published) if pooled else attributed,
                     "source": "published count" if pooled else "attributed answers", "pooled": pooled})
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
