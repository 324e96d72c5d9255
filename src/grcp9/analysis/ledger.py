"""The reviewer's ledger: every claim the report publishes (``published_figures.csv``), recomputed
from the data by a named recipe, with a status: matches, differs, cannot be checked (and why), or
holds by construction (the data was coded from the claim itself, or validation already guarantees
it, so the check could not have failed: it is reported apart from the real matches).

A recipe takes the data and the claim's row and returns a ``Check``. Recipes live in ``RECIPES``;
a ledger row naming a recipe that does not exist, or a recipe no row uses, is an error.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grcp9.analysis import annex, meeting, survey
from grcp9.data import NOT_ATTRIBUTED, SurveyData

MATCHES, DIFFERS, UNCHECKABLE = "matches", "differs", "cannot be checked"
BY_CONSTRUCTION = "holds by construction"
STATUSES = (MATCHES, DIFFERS, UNCHECKABLE, BY_CONSTRUCTION)


@dataclass(frozen=True)
class Check:
    status: str
    recomputed: str  # as shown in the ledger ("" when nothing can be recomputed)
    detail: str  # the difference, or why the claim cannot be checked, or what the match rests on
    # The data rows the check tested, beyond the claim itself: (table, source_section, source_quote)
    # of each. The coverage pass counts the report's numerals inside their quotes as checked.
    evidence: tuple[tuple[str, str, str], ...] = ()


def _published_number(row: dict[str, Any]) -> float:
    return float(row["value"])


def _compare(published: float, recomputed: float, row: dict[str, Any], detail: str = "") -> Check:
    """Counts compare exactly; percentages after rounding the way the report rounds."""
    if row["unit"] == "percent":
        rounded = survey.report_round(recomputed)
        shown = f"{recomputed:.1f}"
        if rounded == published:
            return Check(MATCHES, shown, detail or f"{shown} % rounds to {published:g} %")
        return Check(DIFFERS, shown, f"{shown} % rounds to {rounded:g} %, not {published:g} % ({rounded - published:+g} points)")
    shown = f"{recomputed:g}"
    if recomputed == published:
        return Check(MATCHES, shown, detail)
    return Check(DIFFERS, shown, f"{shown} instead of {published:g} ({recomputed - published:+g}){'; ' + detail if detail else ''}")


def roster_count(data: SurveyData, row: dict[str, Any]) -> Check:
    """The report does not list the ISCMs approached; the roster was taken to be question 1's list
    because it has as many ISCMs as the report counts (coding rule 2). Equal by construction."""
    check = _compare(_published_number(row), survey.participation(data, row["wave"]).approached, row)
    if check.status == MATCHES:
        return Check(BY_CONSTRUCTION, check.recomputed, "the roster was taken to be question 1's list because it has this many "
                     "ISCMs (coding rule 2): equal by construction, not an independent check")
    return check


def respondent_count(data: SurveyData, row: dict[str, Any]) -> Check:
    return _compare(_published_number(row), survey.participation(data, row["wave"]).respondents, row)


def more_than_half(data: SurveyData, row: dict[str, Any]) -> Check:
    share = survey.participation(data, row["wave"]).share_of_approached
    status = MATCHES if share > 50 else DIFFERS
    return Check(status, f"{share:.1f}", f"{share:.1f} % of the ISCMs approached")


def contributors_share(data: SurveyData, row: dict[str, Any]) -> Check:
    reviews = survey.regional_reviews(data, row["wave"])
    share = reviews.share_of_respondents if row["basis"] == "respondents" else reviews.share_of_approached
    return _compare(_published_number(row), share, row)


_PLAN_OF = {"imrf_yes": "yes", "imrf_undecided": "undecided", "imrf_no": "no"}


def _plan(row: dict[str, Any]) -> str:
    return next(plan for prefix, plan in _PLAN_OF.items() if row["figure_id"].startswith(prefix))


def _plans(data: SurveyData, wave: str) -> dict[str, dict[str, Any]]:
    table = survey.imrf_plans(data, wave)
    return {str(record["plan"]): {str(k): v for k, v in record.items()} for record in table.to_dict("records")}


def plan_count(data: SurveyData, row: dict[str, Any]) -> Check:
    plan = _plan(row)
    plans = _plans(data, row["wave"])
    named = int(plans[plan]["attributed"])
    if plan != "yes" and named == 0:
        unknown = int(plans[NOT_ATTRIBUTED]["attributed"])
        return Check(UNCHECKABLE, "", f"the report does not name these ISCMs; {unknown} respondents have a plan it does not attribute")
    return _compare(_published_number(row), named, row)


def plan_share(data: SurveyData, row: dict[str, Any]) -> Check:
    plan = _plan(row)
    if row["basis"] == "active":
        count = int(float(survey.published_value(data, row["wave"], "imrf_yes_count")))
        bases = survey.implied_bases(count, _published_number(row))
        return Check(UNCHECKABLE, "", "the report never states how many ISCMs are active; "
                     f"only {', '.join(map(str, bases)) or 'no'} whole denominator(s) fit the percentage")
    respondents = len(survey.respondents(data, row["wave"]))
    plans = _plans(data, row["wave"])
    named = int(plans[plan]["attributed"])
    if named:
        return _compare(_published_number(row), survey.percent(named, respondents), row)
    published_count = int(plans[plan]["published"])
    return _compare(_published_number(row), survey.percent(published_count, respondents), row,
                    "recomputed from the report's own (unattributed) count")


def format_rank(data: SurveyData, row: dict[str, Any]) -> Check:
    formats = survey.format_counts(data, row["wave"], "q7")
    named = formats[formats["option"] != NOT_ATTRIBUTED].set_index("option")["iscms"]
    count = int(named[row["subject"]])
    rank = 1 + int((named > count).sum())
    return _compare(_published_number(row), rank, row, f"{count} ISCMs named for this format in the annex")


def option_exists(data: SurveyData, row: dict[str, Any]) -> Check:
    """That a format the summary mentions is an option of the question. Loading the data already
    requires it (a published figure's subject must be a known option), so it holds by construction."""
    question = row["subject_kind"].split("_")[0]
    known = set(data.options.loc[data.options["question"] == question, "option"])
    if row["subject"] in known:
        return Check(BY_CONSTRUCTION, row["subject"], f"an option of {question}, as validation requires; the report gives no count for it")
    return Check(DIFFERS, row["subject"], f"not an option of {question}")


def objective_count(data: SurveyData, row: dict[str, Any]) -> Check:
    return Check(UNCHECKABLE, "", "answers to question 13 are not published per ISCM")


def objective_label(data: SurveyData, row: dict[str, Any]) -> Check:
    table = annex.objective_counts(data, row["wave"]).set_index("objective")
    objective = int(row["subject"])
    title = str(table.loc[objective, "title"])
    if annex.label_fits(row["value"], title):
        return Check(MATCHES, f"objective {objective}", f"fits the title: {title}")
    instead = [o for o, t in zip(table.index, table["title"]) if annex.label_fits(row["value"], str(t))]
    return Check(DIFFERS, f"objective {', '.join(map(str, instead)) or 'none'}",
                 f"the label does not fit objective {objective} ({title}); it fits objective {', '.join(map(str, instead)) or 'none'}")


def priority_rank(data: SurveyData, row: dict[str, Any]) -> Check:
    counts = annex.objective_counts(data, row["wave"]).dropna(subset=["iscms"]).set_index("objective")["iscms"]
    objective = int(row["subject"])
    if objective not in counts.index:
        return Check(UNCHECKABLE, "", f"the summary gives no count for objective {objective}")
    count = int(counts[objective])
    best, worst = 1 + int((counts > count).sum()), int((counts >= count).sum())
    published = _published_number(row)
    shown = f"{best}" if best == worst else f"{best}-{worst}"
    if best <= published <= worst:
        return Check(MATCHES, shown, f"{count} ISCMs in the summary's counts")
    return Check(DIFFERS, shown, f"by the summary's counts ({count} ISCMs) the objective ranks {shown}, not {published:g}")


def event_count(data: SurveyData, row: dict[str, Any]) -> Check:
    participants = data.review_participants
    named = int(((participants["wave"] == row["wave"]) & (participants["event_id"] == row["subject"])).sum())
    if named == 0:
        return Check(UNCHECKABLE, "", "the annex names none of the ISCMs that took part")
    return _compare(_published_number(row), named, row, "ISCMs named for the event")


def objective_23_all(data: SurveyData, row: dict[str, Any]) -> Check:
    counts = annex.objective_counts(data, row["wave"]).set_index("objective")["iscms"]
    respondents = len(survey.respondents(data, row["wave"]))
    count = counts[23]
    status = MATCHES if count == respondents else DIFFERS
    return Check(status, f"{count} of {respondents}", f"the annex summary counts {count} ISCMs for objective 23, of {respondents} respondents")


def objective_total(data: SurveyData, row: dict[str, Any]) -> Check:
    return _compare(_published_number(row), len(data.objectives), row)


def session_count(data: SurveyData, row: dict[str, Any]) -> Check:
    return _compare(_published_number(row), len(data.sessions), row)


def by_readings(published: float, readings: list[tuple[str, int]]) -> Check:
    """A count whose meaning depends on a reading of the report's words, checked under each reading
    (one rule for all such claims): it matches if one reading gives the published count; the detail
    lists every reading with its count and marks the ones that match."""
    matching = [name for name, count in readings if count == published]
    detail = "; ".join(f"{name}: {count}{' (matches)' if count == published else ''}" for name, count in readings)
    shown = "/".join(str(count) for _, count in readings)
    if matching:
        return Check(MATCHES, shown, f"matches under {len(matching)} of {len(readings)} readings: {detail}")
    return Check(DIFFERS, shown, f"no reading gives {published:g}: {detail}")


def iscms_represented(data: SurveyData, row: dict[str, Any]) -> Check:
    """"Brought together N ISCMs": read as ISCMs with a participant (Annex VI) or as ISCMs invited
    to the discussion sessions (Annex IV)."""
    return by_readings(_published_number(row), [
        ("ISCMs with a participant in the list of participants", len(meeting.participants_by_iscm(data))),
        ("ISCMs invited to the discussion sessions", int(meeting.invited(data)["iscm_id"].nunique())),
    ])


def iscms_with_statements(data: SurveyData, row: dict[str, Any]) -> Check:
    """"N ISCMs who spoke": read as ISCMs with an oral statement, with an oral or video statement,
    with any statement (the agenda), or as the ISCMs the summary's own statement lists name."""
    return by_readings(_published_number(row), [
        ("oral statement (agenda)", len(meeting.iscms_with_statements(data, ("oral",)))),
        ("oral or video statement (agenda)", len(meeting.iscms_with_statements(data, meeting.SPOKEN_FORMS))),
        ("any statement, written included (agenda)", len(meeting.iscms_with_statements(data))),
        ("named in the summary's statement lists", int(data.summary_statement_iscms["iscm_id"].nunique())),
    ])


def session_statement_list(data: SurveyData, row: dict[str, Any]) -> Check:
    listed = set(data.summary_statement_iscms.loc[data.summary_statement_iscms["session_id"] == row["subject"], "iscm_id"])
    agenda = set(data.statements_made.loc[data.statements_made["session_id"] == row["subject"], "iscm_id"])
    missing, extra = survey.named(data, pd.Series(sorted(agenda - listed))), survey.named(data, pd.Series(sorted(listed - agenda)))
    if not missing and not extra and len(listed) == _published_number(row):
        return Check(MATCHES, f"{len(agenda)}", "the same ISCMs as the agenda")
    parts = [f"the agenda has {len(agenda)} ISCMs with statements"]
    if missing:
        parts.append(f"not listed: {', '.join(missing)}")
    if extra:
        parts.append(f"listed without a statement in the agenda: {', '.join(extra)}")
    return Check(DIFFERS, f"{len(agenda)}", "; ".join(parts))


# --- the meeting's schedule: dates and times as the report prints them -----------------------------

_MONTH_NUMBERS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}


def printed_days(value: str) -> list[tuple[int | None, int, int]]:
    """(year or None, month, day) of every day a printed date names: "10-11 November 2021" gives
    both days, "November 10" and "11 Nov 2021" one each."""
    words = re.findall(r"[A-Za-z]+|\d+", value)
    month = next((_MONTH_NUMBERS[w.lower()] for w in words if w.lower() in _MONTH_NUMBERS), None)
    if month is None:
        raise ValueError(f"no month in the printed date {value!r}")
    year = next((int(w) for w in words if w.isdigit() and len(w) == 4), None)
    days = [int(w) for w in words if w.isdigit() and len(w) <= 2]
    if len(days) == 2 and days[0] < days[1]:  # a range of days
        days = list(range(days[0], days[1] + 1))
    return [(year, month, day) for day in days]


def _same_days(printed: list[tuple[int | None, int, int]], dates: list[str]) -> bool:
    """The printed days are the ISO ``dates``, the year compared only where the report prints it."""
    actual = [(int(d[:4]), int(d[5:7]), int(d[8:10])) for d in dates]
    return len(printed) == len(actual) and all((p[0] is None or p[0] == a[0]) and p[1:] == a[1:]
                                               for p, a in zip(sorted(printed, key=lambda p: p[1:]), actual, strict=True))


def _session_dates(data: SurveyData, session_ids: list[str] | None = None) -> list[str]:
    sessions = data.sessions if session_ids is None else data.sessions[data.sessions["session_id"].isin(session_ids)]
    return sorted(set(sessions["date"]))


def meeting_dates(data: SurveyData, row: dict[str, Any]) -> Check:
    """The days the report prints for the meeting, against the dates of its sessions (Annex IV)."""
    dates = _session_dates(data)
    status = MATCHES if _same_days(printed_days(row["value"]), dates) else DIFFERS
    return Check(status, ", ".join(dates), f"the sessions of the agenda fall on {', '.join(dates)}")


def session_date(data: SurveyData, row: dict[str, Any]) -> Check:
    """The day the report gives for one session, against the session's date in the agenda."""
    dates = _session_dates(data, [row["subject"]])
    status = MATCHES if _same_days(printed_days(row["value"]), dates) else DIFFERS
    name = data.sessions.set_index("session_id").loc[row["subject"], "agenda_name"]
    return Check(status, ", ".join(dates), f"the agenda holds {name} on {', '.join(dates)}")


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def session_span(data: SurveyData, row: dict[str, Any]) -> Check:
    """A session's times as its heading prints them, against its items' times: the items must follow
    one another without gap or overlap, from the heading's start to its end."""
    start, end = re.findall(r"\d{1,2}:\d{2}", row["value"])
    items = data.agenda_items[data.agenda_items["session_id"] == row["subject"]].sort_values("position")
    if items.empty:
        return Check(UNCHECKABLE, "", "the agenda lists no items for this session")
    evidence = _evidence("agenda_items.csv", items.to_dict("records"))
    gaps = [f"{a} to {b}" for a, b in zip(items["end"].iloc[:-1], items["start"].iloc[1:], strict=True) if a != b]
    span = f"{items['start'].iloc[0]}-{items['end'].iloc[-1]}"
    minutes = _minutes(items["end"].iloc[-1]) - _minutes(items["start"].iloc[0])
    detail = f"{len(items)} items from {span} ({minutes} minutes)"
    if gaps:
        return Check(DIFFERS, span, f"{detail}; the items do not follow one another: {', '.join(gaps)}", evidence)
    if (_minutes(start), _minutes(end)) != (_minutes(items["start"].iloc[0]), _minutes(items["end"].iloc[-1])):
        return Check(DIFFERS, span, f"{detail}, not {start}-{end}", evidence)
    return Check(MATCHES, span, detail, evidence)


def rapporteur_count(data: SurveyData, row: dict[str, Any]) -> Check:
    """The rapporteurs the agenda names for its sessions."""
    named = data.sessions["rapporteur"].dropna()
    return _compare(_published_number(row), int(named.nunique()), row, f"{len(named)} sessions with a rapporteur")


# --- facts of the wave (waves.csv was coded from the report's own words) -----------------------------

def _wave_fact(data: SurveyData, row: dict[str, Any], value: str, what: str) -> Check:
    if row["value"] == value:
        return Check(BY_CONSTRUCTION, value, f"{what} in waves.csv, coded from the report's words: equal by construction")
    return Check(DIFFERS, value, f"{what} in waves.csv is {value}, not {row['value']}")


def imrf_year(data: SurveyData, row: dict[str, Any]) -> Check:
    return _wave_fact(data, row, str(data.wave(row["wave"]).imrf_year), "the year of the IMRF the wave prepares")


def review_period(data: SurveyData, row: dict[str, Any]) -> Check:
    return _wave_fact(data, row, data.wave(row["wave"]).review_period, "the review period")


def updates_since(data: SurveyData, row: dict[str, Any]) -> Check:
    return _wave_fact(data, row, str(data.wave(row["wave"]).updates_since), "the year question 12 asks about updates since")


def updates_period(data: SurveyData, row: dict[str, Any]) -> Check:
    """"(2019-2021)": from the year question 12 asks about to the survey's year."""
    wave = data.wave(row["wave"])
    return _wave_fact(data, row, f"{wave.updates_since}-{wave.wave}", "the period of updates (question 12's year to the survey's)")


def survey_wave(data: SurveyData, row: dict[str, Any]) -> Check:
    return _wave_fact(data, row, data.wave(row["wave"]).wave, "the survey wave")


def one_per_iscm(data: SurveyData, row: dict[str, Any]) -> Check:
    """One questionnaire per ISCM: the answers are keyed by wave and ISCM, so loading the data
    already requires it."""
    answers = data.responses[data.responses["wave"] == row["wave"]]
    most = int(answers["iscm_id"].value_counts().max()) if len(answers) else 0
    if most == _published_number(row):
        return Check(BY_CONSTRUCTION, str(most), "responses.csv is keyed by wave and ISCM: validation already allows one "
                     "answer per ISCM")
    return Check(DIFFERS, str(most), f"an ISCM has {most} questionnaires")


def list_length(data: SurveyData, row: dict[str, Any]) -> Check:
    """A count the report gives for a list it spells out in the same place, against the items."""
    items = data.report_lists[data.report_lists["list_id"] == row["subject"]].sort_values("position")
    return _compare(_published_number(row), len(items), row, "; ".join(items["item"]))


def not_transcribed(data: SurveyData, row: dict[str, Any]) -> Check:
    """A count or date the data package holds nothing to recount (the claim's note says why)."""
    return Check(UNCHECKABLE, "", row["note"] or "the data package holds nothing to recount this")


# --- the earlier global meetings (Annex VII's list of their reports) --------------------------------

def grcp_year(data: SurveyData, row: dict[str, Any]) -> Check:
    """The year the report gives for one earlier global meeting, against Annex VII's list."""
    years = dict(zip(data.grcp_meetings["edition"].astype(str), data.grcp_meetings["year"]))
    return _compare(_published_number(row), int(years[row["subject"]]), row, f"Annex VII lists GRCP {row['subject']} in {years[row['subject']]}")


def grcp_year_held(data: SurveyData, row: dict[str, Any]) -> Check:
    """"The <year> GRCP": a global meeting that Annex VII lists in that year."""
    held = data.grcp_meetings.loc[data.grcp_meetings["year"] == int(row["value"]), "edition"].tolist()
    if held:
        return Check(MATCHES, row["value"], f"Annex VII lists GRCP {', '.join(map(str, held))} in {row['value']}")
    return Check(DIFFERS, "", f"Annex VII lists no global meeting in {row['value']}")


def grcp_biennial(data: SurveyData, row: dict[str, Any]) -> Check:
    """"Mostly biennially": the years between consecutive meetings (Annex VII's list and this
    meeting's own year, from the agenda), two years in more than half of the cases."""
    years = sorted([*data.grcp_meetings["year"].astype(int), int(data.sessions["date"].min()[:4])])
    gaps = [later - earlier for earlier, later in itertools.pairwise(years)]
    two = sum(gap == 2 for gap in gaps)
    status = MATCHES if two * 2 > len(gaps) else DIFFERS
    return Check(status, f"{two} of {len(gaps)}", f"years between meetings: {', '.join(map(str, gaps))}",
                 _evidence("grcp_meetings.csv", data.grcp_meetings.to_dict("records")))


# --- facts of the ISCMs' answers (statement_facts.csv), and events of the regional reviews -------------

def _facts(data: SurveyData, row: dict[str, Any]) -> pd.DataFrame:
    """The facts a claim names in ``subject``: iscm/question/location/item/kind (a sixth part, a
    word of the value, is read by ``_fact``)."""
    iscm_id, question, location, item, kind = row["subject"].split("/")[:5]
    facts = data.statement_facts
    return facts[(facts["wave"] == row["wave"]) & (facts["iscm_id"] == iscm_id) & (facts["question"] == question)
                 & (facts["location"] == location) & (facts["item"].astype(str) == item) & (facts["fact_kind"] == kind)]


def _fact(data: SurveyData, row: dict[str, Any]) -> pd.Series:
    """The one fact a claim names in ``subject``, picked by a word of its value when the item has
    several facts of that kind."""
    hits = _facts(data, row)
    words = row["subject"].split("/")[5:]
    if words:
        hits = hits[hits["value"].str.contains(words[0], regex=False)]
    if len(hits) != 1:
        raise LedgerError(f"published_figures.csv, claim {row['figure_id']}: expected one fact {row['subject']}; found {len(hits)}")
    return hits.iloc[0]


def _evidence(table: str, records: Iterable[Any]) -> tuple[tuple[str, str, str], ...]:
    """(table, source_section, source_quote) of each data row a check tested."""
    return tuple((table, str(record["source_section"]), str(record["source_quote"])) for record in records)


def _years(text: str) -> list[int]:
    return [int(year) for year in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)]


def fact_agrees(data: SurveyData, row: dict[str, Any]) -> Check:
    """A date or count the report gives in one place, against the fact of the same answer
    transcribed from another place (the fact sheet against the compendium, the summary report
    against the compendium): a year must be among the years the fact gives; a month or a count
    must be the fact's own."""
    fact = _fact(data, row)
    value, stated = str(row["value"]), str(fact["value"])
    where = f"the {fact['location']} (item {fact['item']}) gives {stated}"
    if re.fullmatch(r"\d{4}", value):
        years = _years(stated)
        return Check(MATCHES if int(value) in years else DIFFERS, ", ".join(map(str, years)), where,
                     _evidence("statement_facts.csv", [fact]))
    same = re.match(rf"{re.escape(value)}\b", stated) is not None
    return Check(MATCHES if same else DIFFERS, stated, where, _evidence("statement_facts.csv", [fact]))


def fact_after(data: SurveyData, row: dict[str, Any]) -> Check:
    """A year the report gives for a later step of something whose start the answer dates (a
    diploma's first cohort after its launch): the later step may not come before the start."""
    fact = _fact(data, row)
    start = min(_years(str(fact["value"])))
    status = MATCHES if int(str(row["value"])[:4]) >= start else DIFFERS
    return Check(status, f"from {start}", f"the answer dates the start in {start}", _evidence("statement_facts.csv", [fact]))


def dated_in_the_past(data: SurveyData, row: dict[str, Any]) -> Check:
    """A list the report presents as done ("developed", "revised"): every year its items give is
    no later than the survey's year (a plan would be dated later)."""
    items = _facts(data, row)
    survey_year = int(data.wave(row["wave"]).wave)
    later = [value for value in items["value"] if any(year > survey_year for year in _years(value))]
    dated = [value for value in items["value"] if _years(value)]
    evidence = _evidence("statement_facts.csv", items.to_dict("records"))
    if not dated:
        return Check(UNCHECKABLE, "", "the items give no years", evidence)
    if later:
        return Check(DIFFERS, f"{len(later)} of {len(dated)}", f"dated after the survey ({survey_year}): {'; '.join(later)}", evidence)
    return Check(MATCHES, f"{len(dated)} of {len(dated)}", f"{len(dated)} items dated, none after the survey's year {survey_year}", evidence)


def self_reported(data: SurveyData, row: dict[str, Any]) -> Check:
    """A date or count an ISCM gives about its own work, transcribed as a fact of its answer:
    the package holds nothing else to check it against."""
    fact = _fact(data, row)
    return Check(UNCHECKABLE, "", f"the ISCM's own statement ({fact['value']}); nothing else in the data dates or counts it",
                 _evidence("statement_facts.csv", [fact]))


def event_in_period(data: SurveyData, row: dict[str, Any]) -> Check:
    """The date the report gives an event of the regional reviews, against the review period the
    questionnaire names (waves.csv): the event must fall inside it."""
    events = data.review_events.set_index("event_id")
    event = events.loc[row["subject"]]
    first, last = (int(year) for year in str(data.wave(row["wave"]).review_period).split("-"))
    year = int(str(event["date"])[:4])
    status = MATCHES if first <= year <= last else DIFFERS
    return Check(status, str(event["date"]), f"review period {first}-{last}", _evidence("review_events.csv", [event]))


def not_in_data(data: SurveyData, row: dict[str, Any]) -> Check:
    return Check(UNCHECKABLE, "", "the report gives no data behind this number")


RECIPES: dict[str, Callable[[SurveyData, dict[str, Any]], Check]] = {
    recipe.__name__: recipe for recipe in [
        roster_count, respondent_count, more_than_half, contributors_share, plan_count, plan_share, format_rank,
        option_exists, objective_count, objective_label, priority_rank, event_count, objective_23_all, objective_total,
        session_count, iscms_represented, iscms_with_statements, session_statement_list, meeting_dates, session_date,
        session_span, rapporteur_count, imrf_year, review_period, updates_since, updates_period, survey_wave, one_per_iscm,
        list_length, grcp_year, grcp_year_held, grcp_biennial, fact_agrees, fact_after, dated_in_the_past, self_reported,
        event_in_period, not_transcribed, not_in_data,
    ]
}


class LedgerError(ValueError):
    """A ledger row names a recipe that does not exist, or a recipe is used by no row."""


def check_recipes(data: SurveyData) -> None:
    used = set(data.published["recipe"])
    missing = sorted(used - set(RECIPES))
    unused = sorted(set(RECIPES) - used)
    if missing:
        raise LedgerError(f"published_figures.csv, column 'recipe': expected a recipe of grcp9.analysis.ledger.RECIPES; found {', '.join(missing)}")
    if unused:
        raise LedgerError(f"grcp9.analysis.ledger.RECIPES: recipe(s) used by no ledger row: {', '.join(unused)}")


def _checks(data: SurveyData) -> list[tuple[dict[str, Any], Check]]:
    check_recipes(data)
    checks = []
    for record in data.published.fillna("").to_dict("records"):
        row = {str(key): value for key, value in record.items()}
        checks.append((row, RECIPES[row["recipe"]](data, row)))
    return checks


def evaluate(data: SurveyData) -> pd.DataFrame:
    """Every claim with its recomputed value and status, and the data rows its check tested
    (``checked_rows``: each row's table and locating quote)."""
    rows = []
    for row, check in _checks(data):
        rows.append({"claim": row["figure_id"], "section": row["source_section"], "quote": row["source_quote"],
                     "published": row["value"], "unit": row["unit"], "basis": row["basis"], "rounding": row["rounding"],
                     "recomputed": check.recomputed, "status": check.status, "detail": check.detail,
                     "checked_rows": " | ".join(f"{table}: {quote}" for table, _, quote in check.evidence),
                     "recipe": row["recipe"], "expected_status": row["expected_status"]})
    return pd.DataFrame(rows)


def evidence(data: SurveyData, wave: str) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Claim -> the data rows its check tested, (table, source_section, source_quote) each, for the
    claims about ``wave`` whose check tested any."""
    return {row["figure_id"]: check.evidence for row, check in _checks(data) if row["wave"] == wave and check.evidence}


# Statuses as a reader sees them: a sign and the word, never colour alone.
STATUS_BADGES = {MATCHES: "\u2714 matches", DIFFERS: "\u2718 differs", UNCHECKABLE: "? cannot be checked",
                 BY_CONSTRUCTION: "= holds by construction"}


def section_titles(data: SurveyData) -> dict[str, str]:
    """Section key -> the report's part and section title, as a reader finds them in the report."""
    return {str(key): f"{part}: {title}" for key, part, title in
            zip(data.sections["section_id"], data.sections["part"], data.sections["title"])}


def claim_words(data: SurveyData) -> dict[str, str]:
    """Claim identifier -> the claim in the report's words (its label, else its locating quote)."""
    return {str(claim): str(label or quote) for claim, label, quote in
            zip(data.published["figure_id"], data.published["report_label"].fillna(""), data.published["source_quote"].fillna(""))}


def reader_table(data: SurveyData, checks: pd.DataFrame) -> pd.DataFrame:
    """The ledger for readers: the claim in the report's own words, where the report makes it (part
    and section title), the published and recomputed values, the status with its sign, the detail."""
    sections = section_titles(data)
    wording = claim_words(data)
    words = [wording[claim] for claim in checks["claim"]]
    register = data.discrepancies.fillna("")
    entries = {claim: "; ".join(register.loc[register["claim"] == claim, "title"]) for claim in checks["claim"]}
    return pd.DataFrame({
        "Claim, in the report's words": words,
        "Where in the report": [sections.get(section, section) for section in checks["section"]],
        "Published": checks["published"].tolist(),
        "Recomputed": checks["recomputed"].tolist(),
        "Status": [STATUS_BADGES.get(status, status) for status in checks["status"]],
        "Detail": [f"{detail} Register: {entries[claim]}." if entries[claim] else detail
                   for claim, detail in zip(checks["claim"], checks["detail"])],
    })


SEVERITIES = ("changes a number or fact", "a reviewer would query", "cosmetic")  # most severe first


def sorted_register(data: SurveyData) -> pd.DataFrame:
    """The discrepancy register, most severe first, then by identifier (empty cells as "")."""
    register = data.discrepancies.fillna("")
    rank = register["severity"].map({severity: n for n, severity in enumerate(SEVERITIES)})
    return register.assign(rank=rank).sort_values(["rank", "discrepancy_id"]).drop(columns="rank")


def register_table(data: SurveyData, checks: pd.DataFrame) -> pd.DataFrame:
    """The discrepancy register for readers, most severe first, each entry with the ledger claim it
    concerns in the report's words and that claim's status (the ledger's detail names the entry in
    turn)."""
    register = sorted_register(data)
    wording = claim_words(data)
    status = dict(zip(checks["claim"], checks["status"]))

    def claim_text(claim: str) -> str:
        if not claim:
            return ""
        return f"\u201c{wording.get(claim, claim)}\u201d ({STATUS_BADGES.get(status.get(claim, ''), '')})"

    sections = section_titles(data)
    return pd.DataFrame({
        "Severity": register["severity"].tolist(),
        "Discrepancy": register["title"].tolist(),
        "Section": [sections.get(section, section) for section in register["source_section"]],
        "Located by": register["source_quote"].tolist(),
        "Ledger claim": [claim_text(claim) for claim in register["claim"]],
    })


# The parts of the report each chapter of the book retells (source_sections.csv, column part): a
# chapter says how many of its part's claims the ledger tests and how many differ.
PART_GROUPS: dict[str, tuple[str, ...]] = {
    "summary": ("Front matter", "Summary Report"),
    "annex1": ("Annex I",),
    "meeting_annexes": ("Annex II", "Annex III", "Annex IV", "Annex V", "Annex VI", "Annex VII", "Annex VIII"),
}


def counts_by_part_group(data: SurveyData, checks: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per group of PART_GROUPS: its claims, those really tested (matches or differs), those that differ."""
    part_of = dict(zip(data.sections["section_id"], data.sections["part"]))
    parts = checks["section"].map(part_of)
    result = {}
    for group, members in PART_GROUPS.items():
        mine = checks[parts.isin(members)]
        result[group] = {"claims": len(mine), "tested": int(mine["status"].isin([MATCHES, DIFFERS]).sum()),
                         "differs": int((mine["status"] == DIFFERS).sum())}
    return result


def ledger_markup(data: SurveyData, checks: pd.DataFrame) -> tuple[list[str], dict[str, list[list[tuple[str, str]]]]]:
    """For the ledger's table in the book: an anchor per claim, and in the detail a link to each
    register entry about the claim and to the recipe that recomputes it (its code)."""
    register = data.discrepancies.fillna("")
    entries = [register.loc[register["claim"] == claim, "discrepancy_id"].tolist() for claim in checks["claim"]]
    recipes = dict(zip(data.published["figure_id"], data.published["recipe"]))
    return ([f"claim-{claim}" for claim in checks["claim"]],
            {"Detail": [[*(("register entry", f"register-{entry}") for entry in found),
                         ("recipe", f"code:grcp9.analysis.ledger.{recipes[claim]}")] for claim, found in zip(checks["claim"], entries)]})


def register_markup(data: SurveyData) -> tuple[list[str], dict[str, list[list[tuple[str, str]]]]]:
    """For the register's table in the book (rows as ``register_table`` orders them): an anchor
    per entry, and beside its claim a link to the claim's row in the ledger."""
    register = sorted_register(data)
    return ([f"register-{entry}" for entry in register["discrepancy_id"]],
            {"Ledger claim": [[("ledger row", f"claim-{claim}")] if claim else [] for claim in register["claim"]]})


def status_mismatches(checks: pd.DataFrame) -> list[str]:
    """One message per claim whose status is not the one the ledger expects."""
    wrong = checks[checks["status"] != checks["expected_status"]]
    return [f"claim {row.claim} ({row.section}, \u201c{row.quote}\u201d): expected status {row.expected_status!r}, "
            f"found {row.status!r} ({row.detail})" for row in wrong.itertuples()]
