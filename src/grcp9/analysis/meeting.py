"""Computations over the meeting annexes (IV agenda, V speakers, VI participants): who took part,
who spoke, in which session. Counts the summary of proceedings states are compared, not assumed."""

from __future__ import annotations

import pandas as pd

from grcp9.analysis import survey
from grcp9.data import SurveyData

SPOKEN_FORMS = ("oral", "video")


def participants_by_iscm(data: SurveyData) -> pd.DataFrame:
    """ISCMs in the list of participants: how many people each, and the roles stated, in question 1 order."""
    roles = data.participant_roles.merge(data.registry[["iscm_id", "short_name", "q1_position"]], on="iscm_id", validate="many_to_one")
    table = roles.groupby(["iscm_id", "short_name", "q1_position"], as_index=False).agg(
        participants=("number", "nunique"), roles=("role", lambda r: ", ".join(sorted(set(r)))))
    return table.sort_values("q1_position").drop(columns="q1_position").reset_index(drop=True)


def largest_first(by_iscm: pd.DataFrame) -> pd.DataFrame:
    """ISCMs with the most participants first (ties in alphabetical order), for the chart."""
    return by_iscm.sort_values(["participants", "short_name"], ascending=[False, True], ).reset_index(drop=True)


PARTICIPANT_GROUPS = {"iscm": "Participants from ISCMs", "host": "Host and organizers (IOM)"}  # Annex VI's two parts


def participant_list(data: SurveyData, group: str) -> pd.DataFrame:
    """One part of Annex VI as the report prints it: number, the ISCM (and role) the person is listed
    under, name with honorific, position; the roles we coded from it; and the other spellings of
    the name used elsewhere in the report, with where."""
    if group not in PARTICIPANT_GROUPS:
        raise ValueError(f"group: expected one of {', '.join(PARTICIPANT_GROUPS)}; found {group!r}")
    people = data.participants[data.participants["group"] == group].sort_values("number")
    roles = data.participant_roles.merge(data.registry[["iscm_id", "short_name"]], on="iscm_id", validate="many_to_one")
    coded = {number: "; ".join(f"{row.short_name}: {row.role}" for row in rows.itertuples())
             for number, rows in roles.groupby("number")}
    other = {}
    for number, rows in data.name_spellings.groupby("participant"):
        printed = people.loc[people["number"] == number, "name"]
        others = [f"{row.spelling} ({row.used_in})" for row in rows.itertuples()
                  if printed.empty or row.spelling != printed.iloc[0]]
        other[number] = "; ".join(others)
    table = pd.DataFrame({
        "No.": people["number"].astype(int).tolist(),
        "Name": [f"{h} {n}" if isinstance(h, str) else n for h, n in zip(people["honorific"], people["name"])],
        "Listed under": people["listed_under"].fillna("").tolist(),
        "Position": people["position"].fillna("").tolist(),
        "Role (coded)": [coded.get(n, "") for n in people["number"]],
        "Other spellings in the report": [other.get(n, "") for n in people["number"]],
    })
    # Hosts are listed under IOM, not under an ISCM: there is no ISCM role to code.
    return table if group == "iscm" else table.drop(columns="Role (coded)")


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


def month(data: SurveyData) -> str:
    """The month and year of the meeting, from the agenda's session dates ("November 2021"); two
    months are joined with an en dash."""
    import datetime

    dates = sorted(datetime.date.fromisoformat(d) for d in data.sessions["date"])
    first, last = (d.strftime("%B %Y") for d in (dates[0], dates[-1]))
    return first if first == last else f"{first}\u2013{last}"
