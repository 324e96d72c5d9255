"""Computations for the elements of the report's Annex I beyond the closed questions:
summary claims, GCM objectives, challenges, free-text answers, regional-review events, the
questionnaire, and one ISCM's profile.

Where the report states something that the data cannot reproduce, the published value is shown
next to what the data gives, and the difference is reported rather than resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from grcp9 import markdown
from grcp9.analysis import survey
from grcp9.data import NOT_ATTRIBUTED, SurveyData

_STOPWORDS = {"and", "of", "the", "in", "for", "on", "to", "a"}


# --- Survey summary -------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    key: str
    statement: str
    basis: str
    from_data: float | None  # percentage recomputed from named respondents, None if not attributable
    from_published_count: float | None  # percentage recomputed from the report's own count
    published: float | None  # percentage the report prints
    published_text: str = ""


def summary_claims(data: SurveyData, wave: str) -> list[Claim]:
    """The annex summary's percentages, recomputed where the data allows."""
    participation = survey.participation(data, wave)
    reviews = survey.regional_reviews(data, wave)
    plans = survey.imrf_plans(data, wave)
    attributed = dict(zip(plans["plan"].tolist(), plans["attributed"].tolist()))
    respondents = reviews.respondents

    def published(figure_id: str) -> float:
        return float(survey.published_value(data, wave, figure_id))

    return [
        Claim("respondents", "Respondents, of the ISCMs approached", "approached", participation.share_of_approached,
              survey.percent(published("respondents_total"), published("approached_total")), None,
              str(survey.published_value(data, wave, "respondents_more_than_half"))),
        Claim("reviews_of_respondents", "Contributed to the GCM regional reviews, of respondents", "respondents",
              reviews.share_of_respondents, None, published("regional_review_share_of_respondents")),
        Claim("reviews_of_approached", "Contributed to the GCM regional reviews, of ISCMs approached", "approached",
              reviews.share_of_approached, None, published("regional_review_share_of_approached")),
        Claim("imrf_yes_of_respondents", "Considering a contribution to the IMRF, of respondents", "respondents",
              survey.percent(attributed["yes"], respondents),
              survey.percent(published("imrf_yes_count"), respondents), published("imrf_yes_share_of_respondents")),
        Claim("imrf_yes_of_active", "Considering a contribution to the IMRF, of active ISCMs", "active",
              None, None, published("imrf_yes_share_of_active")),
        Claim("imrf_undecided", "Undecided about the IMRF, of respondents", "respondents",
              None, survey.percent(published("imrf_undecided_count"), respondents), published("imrf_undecided_share_of_respondents")),
        Claim("imrf_no", "Not contributing to the IMRF, of respondents", "respondents",
              None, survey.percent(published("imrf_no_count"), respondents), None),
    ]


def claims_table(claims: list[Claim]) -> pd.DataFrame:
    """Claims as a table; empty cells where a value cannot be computed or is not printed."""
    def show(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    return pd.DataFrame({
        "Claim": [c.statement for c in claims],
        "Basis": [c.basis for c in claims],
        "% from named ISCMs": [show(c.from_data) for c in claims],
        "% from the report's counts": [show(c.from_published_count) for c in claims],
        "% printed in the report": [c.published_text or show(c.published) for c in claims],
        "Agrees after rounding": [agreement(c) for c in claims],
    })


def agreement(claim: Claim) -> str:
    """'yes'/'no' when a printed percentage can be compared with a recomputed one, else why not."""
    recomputed = claim.from_data if claim.from_data is not None else claim.from_published_count
    if claim.published is None:
        if claim.published_text and recomputed is not None:
            return "yes" if claim.published_text == "more than half" and recomputed > 50 else "check wording"
        return "no percentage printed"
    if recomputed is None:
        return "basis not stated"
    return "yes" if survey.report_round(recomputed) == claim.published else "no"


# --- GCM objectives ---------------------------------------------------------------------------

def _label_words(label: str) -> list[str]:
    words = re.findall(r"[a-z]+", label.lower().replace("counter-", ""))
    return [w for w in words if w not in _STOPWORDS and w != "counter"]


def objective_chart(objectives: pd.DataFrame) -> pd.DataFrame:
    """Rows of the objectives chart. A count the report publishes under a label that fits another
    objective is not plotted at either objective: the report does not settle which one it counts
    (see the discrepancy register). Its row says so instead of showing a bar."""
    chart = objectives[["objective", "short_label", "iscms"]].copy()
    chart["published_iscms"] = chart["iscms"]
    chart["note"] = ""
    mismatched = objectives[(objectives["label_fits"] == False) & objectives["iscms"].notna()]
    for objective, count, label, fits in zip(mismatched["objective"], mismatched["iscms"], mismatched["report_label"],
                                             mismatched["label_fits_instead"]):
        where = chart["objective"] == objective
        chart.loc[where, "iscms"] = pd.NA
        chart.loc[where, "note"] = f"{int(str(count))} as published, under the label \u201c{label}\u201d, which fits objective {fits}: not plotted"
    return chart.reset_index(drop=True)


def label_fits(label: str, title: str) -> bool:
    """Whether a report's short label fits an objective title: every content word of the label
    appears in the title, compared on its first six letters (so "management" fits "manage")."""
    title_lower = title.lower()
    return all(word[:6] in title_lower for word in _label_words(label))


def objective_counts(data: SurveyData, wave: str) -> pd.DataFrame:
    """All GCM objectives with the number of ISCMs the report gives for each (missing where it gives none).

    ``label_fits`` checks the report's label against the questionnaire's title of the same
    number; ``label_fits_instead`` names the objectives whose titles the label fits.
    """
    counts = data.published[(data.published["wave"] == wave) & (data.published["subject_kind"] == "objective")
                            & (data.published["unit"] == "count")]
    counts = counts.assign(objective=counts["subject"].astype(int))[["objective", "value", "report_label", "figure_id"]]
    table = data.objectives.merge(counts, on="objective", how="left", validate="one_to_one")
    table["iscms"] = pd.to_numeric(table["value"]).astype("Int64")
    titles = dict(zip(data.objectives["objective"].astype(int).tolist(), data.objectives["title"].astype(str).tolist()))
    fits: list[bool | None] = []
    instead: list[str] = []
    for objective, label in zip(table["objective"].astype(int).tolist(), table["report_label"].tolist()):
        if not isinstance(label, str):
            fits.append(None)
            instead.append("")
            continue
        fits.append(label_fits(label, titles[objective]))
        instead.append(", ".join(str(o) for o, title in titles.items() if o != objective and label_fits(label, title)))
    table["label_fits"] = pd.array(fits, dtype="boolean")
    table["label_fits_instead"] = instead
    return table[["objective", "short_label", "title", "iscms", "report_label", "label_fits", "label_fits_instead"]]


def factsheet_priorities(data: SurveyData, wave: str) -> pd.DataFrame:
    """The fact sheet's list of prioritized objectives, next to the summary's counts for them."""
    ranks = data.published[(data.published["wave"] == wave) & (data.published["subject_kind"] == "objective")
                           & (data.published["unit"] == "rank")]
    ranks = ranks.assign(objective=ranks["subject"].astype(int), position=ranks["value"].astype(float).astype(int))
    counts = objective_counts(data, wave)[["objective", "short_label", "title", "iscms"]]
    table = ranks.merge(counts, on="objective", validate="one_to_one").sort_values("position")
    return table[["position", "objective", "short_label", "title", "iscms"]].reset_index(drop=True)


def top_counted_objectives(data: SurveyData, wave: str) -> list[int]:
    """Objectives in the summary's counts, most ISCMs first (ties by objective number)."""
    counts = objective_counts(data, wave).dropna(subset=["iscms"])
    return counts.sort_values(["iscms", "objective"], ascending=[False, True])["objective"].astype(int).tolist()


# --- Challenges, statements, events ----------------------------------------------------------

def challenges_by_theme(data: SurveyData, wave: str) -> pd.DataFrame:
    """The fact sheet's and the summary's challenge lists lined up by theme (position and wording)."""
    rows = data.challenges[data.challenges["wave"] == wave]
    table = data.challenge_themes[["theme", "label"]].copy()
    for source in ("factsheet", "summary"):
        part = rows[rows["list"] == source][["theme", "position", "report_wording"]]
        part = part.rename(columns={"position": f"{source}_position", "report_wording": f"{source}_wording"})
        table = table.merge(part, on="theme", how="left", validate="one_to_one")
    return table.sort_values("factsheet_position", na_position="last").reset_index(drop=True)


def statements(data: SurveyData, wave: str, question: str, location: str) -> pd.DataFrame:
    """Free-text answers of one kind, with the ISCM's short name, in questionnaire order."""
    rows = data.statements[(data.statements["wave"] == wave) & (data.statements["question"] == question)
                           & (data.statements["location"] == location)]
    table = rows.merge(data.registry[["iscm_id", "short_name", "q1_position"]], on="iscm_id", validate="many_to_one")
    return table.sort_values(["q1_position", "item"]).reset_index(drop=True)


def facts_for(data: SurveyData, wave: str, iscm_id: str) -> pd.DataFrame:
    facts = data.statement_facts
    return facts[(facts["wave"] == wave) & (facts["iscm_id"] == iscm_id)].reset_index(drop=True)


def compendium_coverage(data: SurveyData, wave: str) -> pd.DataFrame:
    """Per respondent: how many practice and update items the compendium and fact sheet give."""
    answers = survey.respondents(data, wave)[["iscm_id", "short_name"]]
    rows = data.statements[data.statements["wave"] == wave]
    for question, location, column in [("q15", "compendium", "practices (compendium)"), ("q12", "compendium", "updates (compendium)"),
                                       ("q15", "factsheet", "practices (fact sheet)"), ("q12", "factsheet", "updates (fact sheet)")]:
        subset = rows[(rows["question"] == question) & (rows["location"] == location)]
        answers[column] = answers["iscm_id"].map(subset.groupby("iscm_id").size()).fillna(0).astype(int)
    facts = data.statement_facts[data.statement_facts["wave"] == wave].groupby("iscm_id").size()
    answers["facts"] = answers["iscm_id"].map(facts).fillna(0).astype(int)
    return answers


def review_events(data: SurveyData, wave: str) -> pd.DataFrame:
    """Regional-review events: ISCMs the annex names for each, and the count it publishes."""
    events = data.review_events[data.review_events["wave"] == wave]
    published = data.published[(data.published["wave"] == wave) & (data.published["subject_kind"] == "event")]
    published_counts = dict(zip(published["subject"], pd.to_numeric(published["value"])))
    rows = []
    for event in events.itertuples():
        participants = data.review_participants
        ids = participants.loc[(participants["wave"] == wave) & (participants["event_id"] == event.event_id), "iscm_id"]
        named = survey.named(data, ids)
        count = published_counts.get(event.event_id)
        rows.append({"event_id": event.event_id, "title": event.title,
                     "when": event.date_note if isinstance(event.date_note, str) else (event.date if isinstance(event.date, str) else ""),
                     "named": len(named), "named_iscms": ", ".join(named),
                     "published_count": pd.NA if count is None else int(count)})
    table = pd.DataFrame(rows, columns=["event_id", "title", "when", "named", "named_iscms", "published_count"])
    table["published_count"] = table["published_count"].astype("Int64")
    return table


def events_counted_not_named(events: pd.DataFrame) -> str:
    """Events (from ``review_events``) for which the report publishes a count but names no ISCM."""
    rows = events[(events["named"] == 0) & events["published_count"].notna()]
    return "; ".join(f"{r.title} ({r.published_count} ISCMs)" for r in rows.itertuples()) or "none"


def events_named_and_counted(events: pd.DataFrame) -> str:
    """Events for which the report both names ISCMs and publishes a count, with both numbers."""
    rows = events[(events["named"] > 0) & events["published_count"].notna()]
    return "; ".join(f"{r.title} ({r.named} named, {r.published_count} counted)" for r in rows.itertuples()) or "none"


def review_events_table(events: pd.DataFrame) -> pd.DataFrame:
    """The review events as the book's table shows them."""
    columns = {"title": "Event or exercise", "when": "When", "named_iscms": "ISCMs named", "named": "Number named",
               "published_count": "Number published"}
    return events.reindex(columns=list(columns)).rename(columns=columns)


def respondents_outside_survey(data: SurveyData, wave: str) -> list[str]:
    """ISCMs named in regional-review events that did not answer the survey."""
    answered = set(survey.respondents(data, wave)["iscm_id"])
    events = set(data.review_events.loc[data.review_events["wave"] == wave, "event_id"])
    participants = data.review_participants[data.review_participants["wave"] == wave]
    ids = participants[participants["event_id"].isin(events)]["iscm_id"]
    return survey.named(data, pd.Series(sorted(set(ids) - answered)))


# --- Questionnaire ---------------------------------------------------------------------------

def questionnaire(data: SurveyData) -> pd.DataFrame:
    """Questions with their answer options (as one text cell) in questionnaire order."""
    options = data.options.sort_values(["question", "position"]).groupby("question")["label"].agg("; ".join)
    table = data.questions.sort_values("number").copy()
    table["options"] = table["question"].map(options).fillna("")
    # Question 1's options are the ISCMs themselves, kept in the registry.
    table.loc[table["question"] == "q1", "options"] = f"one of the {len(data.registry)} ISCMs of the registry"
    # Where the stored wording is abridged, the reader is told what it leaves out.
    abridged = table["abridged"].fillna("")
    table["text"] = [f"{text} (Abridged; left out: {left_out}.)" if left_out else text
                     for text, left_out in zip(table["text"], abridged, strict=True)]
    return table[["number", "questionnaire_section", "answer_type", "text", "options"]].reset_index(drop=True)


# --- Profiles ---------------------------------------------------------------------------------

ANSWER_TEXT = {
    "yes": "yes", "no": "no", "undecided": "undecided",
    NOT_ATTRIBUTED: "not attributed (see below: what stays unknown)",
    "reported": "named", "not_applicable": "not applicable",
}


def profile_answers(data: SurveyData, wave: str, iscm_id: str) -> pd.DataFrame:
    """One respondent's closed answers with their provenance (section and locating quote)."""
    answers = survey.respondents(data, wave)
    row = answers[answers["iscm_id"] == iscm_id]
    if row.empty:
        raise survey.ParameterError(f"parameter 'iscm_id': expected a respondent of wave {wave}; found {iscm_id!r}")
    answer = row.iloc[0]
    formats = data.response_formats[(data.response_formats["wave"] == wave) & (data.response_formats["iscm_id"] == iscm_id)]
    labels = data.options.set_index(["question", "option"])["short_label"]

    def formats_text(question: str, status: str) -> str:
        chosen = formats[formats["question"] == question]
        if chosen.empty:
            return ANSWER_TEXT[status]
        return "; ".join(f"{labels[(question, o)]} (annex: {w})" if isinstance(w, str) and w else str(labels[(question, o)])
                         for o, w in zip(chosen["option"], chosen["report_wording"]))

    def first(question: str) -> tuple[str, str]:
        chosen = formats[formats["question"] == question]
        return (chosen["source_section"].iloc[0], chosen["source_quote"].iloc[0]) if not chosen.empty else ("", "")

    q7_section, q7_quote = first("q7")
    q10_section, q10_quote = first("q10")
    titles = {row.section_id: f"{row.part}: {row.title}" for row in data.sections.itertuples()}
    rows = pd.DataFrame([
        {"question": "6. Contributed to the GCM regional reviews?", "answer": ANSWER_TEXT[answer["q6_contributed"]],
         "section": answer["q6_section"], "quote": answer["q6_quote"]},
        {"question": "7. In what format?", "answer": formats_text("q7", answer["q7_formats"]), "section": q7_section, "quote": q7_quote},
        {"question": "9. Plans to contribute to the IMRF?", "answer": ANSWER_TEXT[answer["q9_imrf_plan"]],
         "section": answer["q9_section"], "quote": answer["q9_quote"]},
        {"question": "10. In what format?", "answer": formats_text("q10", answer["q10_formats"]), "section": q10_section, "quote": q10_quote},
    ])
    # The report's own part and section title, not our section key.
    rows["section"] = rows["section"].map(lambda section: titles.get(section, section) if section else "")
    return rows


def profile_unknowns(data: SurveyData, wave: str, iscm_id: str) -> list[str]:
    """What the source (the report, or for a wave without one the submission) leaves unknown about
    one respondent, in plain words."""
    answer = survey.respondents(data, wave).set_index("iscm_id").loc[iscm_id]
    unknown: list[str] = []
    if not data.wave(wave).has_report:
        questions = {"q6_contributed": "question 6", "q7_formats": "question 7", "q9_imrf_plan": "question 9", "q10_formats": "question 10"}
        return [f"its answer to {q}: not attributed in the data" for column, q in questions.items() if answer[column] == NOT_ATTRIBUTED]
    if answer["q6_contributed"] == NOT_ATTRIBUTED:
        unknown.append("whether it contributed to the GCM regional reviews (question 6)")
    if answer["q7_formats"] == NOT_ATTRIBUTED:
        unknown.append("the format of its contribution to the regional reviews (question 7)")
    if answer["q9_imrf_plan"] == NOT_ATTRIBUTED:
        unknown.append("whether it plans to contribute to the IMRF (question 9): the report only gives pooled totals")
    if answer["q10_formats"] == NOT_ATTRIBUTED:
        unknown.append("which IMRF formats it considers (question 10)")
    unknown.append("which GCM objectives it addresses (question 13): the report publishes only totals")
    return unknown


@dataclass(frozen=True)
class Profile:
    title: str
    header_markdown: str
    answers: pd.DataFrame
    statements_markdown: str
    unknowns_markdown: str
    events_markdown: str


_QUESTION_HEADINGS = {"q15": "Practices relevant for the IMRF (question 15)", "q12": "Updates since {since} (question 12)"}
_LOCATION_NAMES = {"compendium": "compendium", "factsheet": "fact sheet", "submission": "submission"}


def _statement_lines(data: SurveyData, wave: str, iscm_id: str, question: str) -> list[str]:
    rows = data.statements[(data.statements["wave"] == wave) & (data.statements["iscm_id"] == iscm_id)
                           & (data.statements["question"] == question)].sort_values(["location", "item"])
    facts = facts_for(data, wave, iscm_id)
    lines = []
    for row in rows.itertuples():
        source = f"{_LOCATION_NAMES[str(row.location)]}, located by \u201c{row.source_quote}\u201d"
        lines.append(f"- {markdown.escape(row.summary)} *\\({markdown.escape(source)}\\)*")
        mine = facts[(facts["question"] == question) & (facts["location"] == row.location) & (facts["item"] == row.item)]
        for fact in mine.itertuples():
            lines.append(f"  - {markdown.escape(fact.fact_kind)}: {markdown.escape(fact.value)}")
    return lines


def compendium_markdown(data: SurveyData, wave: str) -> str:
    """The compendium as MyST: one section per respondent with an entry, practices then updates."""
    answers = survey.respondents(data, wave)
    parts = []
    for row in answers.itertuples():
        blocks = []
        for question in ("q15", "q12"):
            lines = _statement_lines(data, wave, str(row.iscm_id), question)
            if lines:
                heading = _QUESTION_HEADINGS[question].format(since=data.wave(wave).updates_since)
                blocks.append(f"**{heading}**\n\n" + "\n".join(lines))
        if blocks:
            parts.append(f"### {markdown.escape(row.short_name)}\n\n*{markdown.escape(row.name)}*\n\n" + "\n\n".join(blocks))
    return "\n\n".join(parts) + "\n"


def profile(data: SurveyData, wave: str, iscm_id: str) -> Profile:
    """Everything the report says about one respondent, with provenance, and what it leaves unknown."""
    answers = profile_answers(data, wave, iscm_id)  # raises ParameterError for a non-respondent
    entry = data.registry.set_index("iscm_id").loc[iscm_id]
    aliases = data.aliases[data.aliases["iscm_id"] == iscm_id]
    alias_text = "; ".join(f"{a} ({k})" for a, k in zip(aliases["alias"], aliases["alias_kind"])) or "none recorded"
    about = data.wave(wave)
    source = "the report" if about.has_report else "the submission"
    header = "\n\n".join([
        f"**Name offered in question 1:** {markdown.escape(entry['name'])}",
        f"**Other names and spellings recorded:** {markdown.escape(alias_text)}",
        f"**Survey wave:** {markdown.escape(wave)}",
        f"**Source of the answers:** {source}",
    ])
    statement_parts = []
    for question in ("q15", "q12"):
        lines = _statement_lines(data, wave, iscm_id, question)
        heading = _QUESTION_HEADINGS[question].format(since=about.updates_since)
        statement_parts.append(f"**{heading}**\n\n" + ("\n".join(lines) if lines else f"None in {source}."))
    events = data.review_participants[data.review_participants["iscm_id"] == iscm_id].merge(data.review_events, on=["wave", "event_id"])
    events = events[events["wave"] == wave]
    event_lines = [f"- {markdown.escape(t)}" for t in events["title"]] or [f"None named in {source}."]
    unknowns = profile_unknowns(data, wave, iscm_id) or ["nothing: every closed answer is attributed"]
    return Profile(
        title=f"{entry['short_name']}: {entry['name']}" if entry["short_name"] not in entry["name"] else str(entry["name"]),
        header_markdown=header,
        answers=answers.rename(columns={"question": "Question", "answer": "Answer", "section": "Source", "quote": "Located by"}),
        statements_markdown="\n\n".join(statement_parts),
        unknowns_markdown="\n".join(f"- {markdown.escape(u)}" for u in unknowns),
        events_markdown="\n".join(event_lines),
    )
