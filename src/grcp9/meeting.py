"""Computations over the meeting annexes (IV agenda, V speakers, VI participants): who took part,
who spoke, in which session. Counts the summary of proceedings states are compared, not assumed."""

from __future__ import annotations

import pandas as pd

from grcp9 import survey
from grcp9.data import SurveyData

SPOKEN_FORMS = ("oral", "video")


def participants_by_iscm(data: SurveyData) -> pd.DataFrame:
    """ISCMs in the list of participants: how many people each, and the roles stated, in question 1 order."""
    roles = data.participant_roles.merge(data.registry[["iscm_id", "short_name", "q1_position"]], on="iscm_id", validate="many_to_one")
    table = roles.groupby(["iscm_id", "short_name", "q1_position"], as_index=False).agg(
        participants=("number", "nunique"), roles=("role", lambda r: ", ".join(sorted(set(r)))))
    return table.sort_values("q1_position").drop(columns="q1_position").reset_index(drop=True)


def hosts(data: SurveyData) -> pd.DataFrame:
    return data.participants[data.participants["group"] == "host"].reset_index(drop=True)


def invited(data: SurveyData) -> pd.DataFrame:
    """ISCMs invited to each discussion session."""
    table = data.session_invitations.merge(data.registry[["iscm_id", "short_name"]], on="iscm_id", validate="many_to_one")
    return table[["session_id", "iscm_id", "short_name"]]


def iscms_with_statements(data: SurveyData, forms: tuple[str, ...] = ("oral", "video", "written")) -> list[str]:
    """ISCMs for which the agenda lists a statement in one of ``forms``, in question 1 order."""
    ids = data.statements_made.loc[data.statements_made["form"].isin(forms), "iscm_id"].drop_duplicates()
    return survey.named(data, ids)


def sessions(data: SurveyData) -> pd.DataFrame:
    """The agenda: each session with its time, people in charge, invitations and statements."""
    people = dict(zip(data.participants["number"].astype(int).tolist(), data.participants["name"].tolist()))

    def person(number: object) -> str:
        return "" if number is None or number is pd.NA else str(people[int(str(number))])

    rows = []
    for session in data.sessions.sort_values("position").to_dict("records"):
        made = data.statements_made[data.statements_made["session_id"] == session["session_id"]]
        rows.append({
            "session_id": session["session_id"],
            "Session": session["agenda_name"],
            "Called in the summary": session["summary_name"],
            "Date": session["date"],
            "Time (CET)": f"{session['start']}-{session['end']}",
            "Facilitator": person(session["facilitator"]),
            "Rapporteur": person(session["rapporteur"]),
            "ISCMs invited": int((data.session_invitations["session_id"] == session["session_id"]).sum()),
            "Statements": int(made["participant"].nunique()),
            "ISCMs with a statement": ", ".join(survey.named(data, made["iscm_id"].drop_duplicates())),
        })
    return pd.DataFrame(rows)


def speakers(data: SurveyData) -> pd.DataFrame:
    """Annex V next to Annex VI: the participant number and the spelling each annex uses."""
    names = data.participants.set_index("number")["name"]
    table = data.speakers.sort_values("position").copy()
    table["annex_vi_name"] = [names.get(n, "") if pd.notna(n) else "" for n in table["participant"]]
    table["same_spelling"] = [a == b for a, b in zip(table["name"], table["annex_vi_name"])]
    return table[["position", "name", "participant", "annex_vi_name", "same_spelling"]].reset_index(drop=True)
