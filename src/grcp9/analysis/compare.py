"""Comparing survey waves: who answered in which wave, and how answers changed.

Every function takes the loaded ``SurveyData``, the wave shown and the waves to compare it with
(``compare_waves``, checked by ``grcp9.analysis.survey.check_compare_waves``). Answers that are not
attributed in a wave stay "not attributed": a change is reported only between two attributed
answers.
"""

from __future__ import annotations

import pandas as pd

from grcp9.analysis import survey
from grcp9.data import NOT_ATTRIBUTED, SurveyData

NOT_APPROACHED = "not approached"
NOT_APPROACHED_ANSWER = "no answer"  # in a wave where the ISCM did not answer
ANSWER_COLUMNS = {"q6_contributed": "Contributed to the regional reviews (question 6)",
                  "q9_imrf_plan": "Plans for the IMRF (question 9)"}


def _waves(wave: str, compare_waves: list[str]) -> list[str]:
    return sorted({wave, *compare_waves})


def participation(data: SurveyData, wave: str, compare_waves: list[str]) -> pd.DataFrame:
    """One row per ISCM approached in any of the waves: answered / did not answer / not approached
    in each wave, and its status in the wave shown relative to the others (answered in every
    wave, joined, dropped out, answered in none, other)."""
    waves = _waves(wave, compare_waves)
    table = data.registry[["iscm_id", "short_name", "q1_position"]].copy()
    for w in waves:
        roster = data.roster[data.roster["wave"] == w].set_index("iscm_id")["responded"]
        table[w] = table["iscm_id"].map(roster).map({"yes": "answered", "no": "did not answer"}).fillna(NOT_APPROACHED)
    table = table[(table[waves] != NOT_APPROACHED).any(axis=1)]
    others = [w for w in waves if w != wave]

    def status(row: pd.Series) -> str:
        now = row[wave] == "answered"
        before = [row[w] == "answered" for w in others]
        if now and all(before):
            return "answered in every wave"
        if now and not any(before):
            return "joined"
        if not now and any(before):
            return "dropped out"
        if not now and not any(before):
            return "answered in no wave"
        return "answered in some earlier waves"

    table["status"] = table.apply(status, axis=1)
    return table.sort_values("q1_position").drop(columns="q1_position").reset_index(drop=True)


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """Number of ISCMs per status of ``participation``."""
    return {str(k): int(v) for k, v in table["status"].value_counts().items()}


def names_with_status(table: pd.DataFrame, status: str) -> str:
    """Short names of the ISCMs with that status, comma-separated ("none" if there are none)."""
    return ", ".join(table.loc[table["status"] == status, "short_name"]) or "none"


def answer_changes(data: SurveyData, wave: str, compare_waves: list[str]) -> pd.DataFrame:
    """For each ISCM that answered in the wave shown and in at least one other: its answers to
    questions 6 and 9 in each wave, and whether an attributed answer changed."""
    waves = _waves(wave, compare_waves)
    frames = {w: survey.respondents(data, w).set_index("iscm_id") for w in waves}
    both = [i for i in frames[wave].index if any(i in frames[w].index for w in waves if w != wave)]
    rows = []
    for iscm_id in both:
        row: dict[str, object] = {"iscm_id": iscm_id, "short_name": frames[wave].loc[iscm_id, "short_name"]}
        for column in ANSWER_COLUMNS:
            answers = [frames[w].loc[iscm_id, column] if iscm_id in frames[w].index else "" for w in waves]
            for w, answer in zip(waves, answers):
                row[f"{column} {w}"] = "not attributed" if answer == NOT_ATTRIBUTED else (answer or NOT_APPROACHED_ANSWER)
            known = [a for a in answers if a and a != NOT_ATTRIBUTED]
            row[f"{column} changed"] = "yes" if len(set(known)) > 1 else ("no" if len(known) > 1 else "cannot tell")
        rows.append(row)
    return pd.DataFrame(rows)


def overall(data: SurveyData, wave: str, compare_waves: list[str]) -> pd.DataFrame:
    """Per wave: ISCMs approached, respondents, and the respondents (number and percent) that
    contributed to the regional reviews and that planned to contribute to the IMRF."""
    rows = []
    for w in _waves(wave, compare_waves):
        counts = survey.participation(data, w)
        answers = survey.respondents(data, w)
        contributed = int((answers["q6_contributed"] == "yes").sum())
        planned = int((answers["q9_imrf_plan"] == "yes").sum())
        rows.append({"wave": w, "approached": counts.approached, "respondents": counts.respondents,
                     "contributed": contributed, "contributed_percent": survey.percent(contributed, counts.respondents),
                     "planned": planned, "planned_percent": survey.percent(planned, counts.respondents)})
    return pd.DataFrame(rows)
