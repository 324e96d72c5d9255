"""The project's own rules beyond the schema: the coding rules of ``data/README.md``.

Cross-table counts (the roster agrees with the answers), answers that must agree with each other,
real dates, the report's pooled counts and ranked lists, the shape of statement facts and the
ledger's rows. Each failure names the file, row and column at fault.
"""

from __future__ import annotations

import re

from grcp9.errors import Problem

# The codes of answers the report does not attribute, or that do not apply (data/README.md).
NOT_ATTRIBUTED = "not_attributed"
NOT_APPLICABLE = "not_applicable"
REPORTED = "reported"
NUMERIC_UNITS = ("count", "percent", "rank")


def check_coding_rules(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    """Cross-table rules: answers must agree with each other and with the roster."""
    problems: list[Problem] = []
    problems += _check_roster_matches_responses(rows, shown)
    problems += _check_format_statuses(rows, shown)
    problems += _check_published_figures(rows, shown)
    problems += _check_statement_facts(rows, shown)
    problems += _check_dates(rows, shown)
    problems += _check_pooled_counts(rows, shown)
    problems += _check_ranked_lists(rows, shown)
    problems += _check_questionnaire_labels(rows, shown)
    return problems


def _real_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD that exists in the calendar (no 2021-02-30, no month 13)."""
    import datetime

    parts = value.split("-")
    try:
        datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _check_dates(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    """Dates that match their pattern must also exist: sessions, and dates found in statements."""
    problems = []
    for number, row in enumerate(rows["meeting_sessions"], start=1):
        if not _real_date(row["date"]):
            problems.append(Problem(shown["meeting_sessions"], "a date that exists (YYYY-MM-DD)", repr(row["date"]),
                                    row=number, column="date"))
        for column in ("start", "end"):
            hours, _, minutes = row[column].partition(":")
            if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
                problems.append(Problem(shown["meeting_sessions"], "a time of day HH:MM", repr(row[column]), row=number, column=column))
    for number, row in enumerate(rows["statement_facts"], start=1):
        if row["fact_kind"] == "date" and not all(_real_date(part) for part in row["value"].split("/")):
            problems.append(Problem(shown["statement_facts"], "a date that exists", repr(row["value"]), row=number, column="value"))
    return problems


def _check_pooled_counts(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    """Counts the report pools over the answers to one question (recipe plan_count: yes, undecided,
    no) cannot add up to more than the wave's respondents."""
    respondents: dict[str, int] = {}
    for row in rows["survey_roster"]:
        respondents[row["wave"]] = respondents.get(row["wave"], 0) + (row["responded"] == "yes")
    pooled: dict[str, list[tuple[int, int]]] = {}
    for number, row in enumerate(rows["published_figures"], start=1):
        if row["recipe"] == "plan_count" and row["value"].isdigit():
            pooled.setdefault(row["wave"], []).append((number, int(row["value"])))
    problems = []
    for wave, counts in pooled.items():
        total = sum(value for _, value in counts)
        if total > respondents.get(wave, 0):
            problems.append(Problem(shown["published_figures"],
                                    f"pooled answer counts (recipe plan_count) adding up to at most the {respondents.get(wave, 0)} "
                                    f"respondents of wave {wave}", f"{total}", row=counts[-1][0], column="value"))
    return problems


def _check_ranked_lists(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    """An item appears once in a ranked list: a challenge theme per list, an objective in the fact
    sheet's priority list."""
    problems = []
    seen: dict[tuple[str, ...], int] = {}
    for number, row in enumerate(rows["challenges"], start=1):
        key = ("challenges", row["wave"], row["list"], row["theme"])
        if key in seen:
            problems.append(Problem(shown["challenges"], f"each theme once in the {row['list']} list of wave {row['wave']}",
                                    f"{row['theme']} again (first at row {seen[key]})", row=number, column="theme"))
        seen.setdefault(key, number)
    for number, row in enumerate(rows["published_figures"], start=1):
        if row["recipe"] == "priority_rank":
            key = ("priorities", row["wave"], "", row["subject"])
            if key in seen:
                problems.append(Problem(shown["published_figures"], f"each objective once in the priority list of wave {row['wave']}",
                                        f"objective {row['subject']} again (first at row {seen[key]})", row=number, column="subject"))
            seen.setdefault(key, number)
    return problems


_FACT_PATTERNS = {
    "date": (r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?(/[0-9]{4})?", "a date as YYYY, YYYY-MM, YYYY-MM-DD or YYYY/YYYY"),
    "count": (r"(about |almost |over |average of )?[0-9]+ .+", "a count: a number followed by what is counted"),
}


def _check_statement_facts(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    problems = []
    for number, row in enumerate(rows["statement_facts"], start=1):
        rule = _FACT_PATTERNS.get(row["fact_kind"])
        if rule and not re.fullmatch(rule[0], row["value"]):
            problems.append(Problem(shown["statement_facts"], f"{rule[1]} for fact_kind {row['fact_kind']}",
                                    repr(row["value"]), row=number, column="value"))
    return problems


# The words of the questionnaire that change with the wave (waves.csv), as questionnaire_labels.csv marks them.
WAVE_PLACEHOLDERS = ("imrf_ordinal", "imrf_year", "review_period", "updates_since")
LABEL_LANGUAGES = ("en", "fr", "es")


def _check_questionnaire_labels(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    """Every section, question and option has its wording in each language, with only the wave's
    placeholders, the same ones in every language."""
    problems = []
    file = shown["questionnaire_labels"]
    sections = sorted({row["questionnaire_section"] for row in rows["questions"]}, key=int)
    items = [*(f"section{s}" for s in sections), *(f"section{s}_note" for s in sections),
             *(row["question"] for row in rows["questions"]), *(f"{row['question']}/{row['option']}" for row in rows["question_options"])]
    given: dict[str, dict[str, set[str]]] = {}
    for number, row in enumerate(rows["questionnaire_labels"], start=1):
        if row["item"] not in items:
            problems.append(Problem(file, "a section, question or option of questions.csv and question_options.csv",
                                    repr(row["item"]), row=number, column="item"))
        found = set(re.findall(r"\{([^{}]*)\}", row["text"]))
        unknown = sorted(found - set(WAVE_PLACEHOLDERS))
        if unknown or row["text"].count("{") != row["text"].count("}"):
            problems.append(Problem(file, f"only the placeholders {{{'}, {'.join(WAVE_PLACEHOLDERS)}}}", ", ".join(unknown) or "an unmatched brace",
                                    row=number, column="text"))
        given.setdefault(row["item"], {})[row["language"]] = found
    for item in items:
        missing = [language for language in LABEL_LANGUAGES if language not in given.get(item, {})]
        if missing:
            problems.append(Problem(file, f"the wording of {item} in {', '.join(LABEL_LANGUAGES)}", f"none in {', '.join(missing)}", column="item"))
        elif len({frozenset(found) for found in given[item].values()}) > 1:
            problems.append(Problem(file, f"the same placeholders in every language of {item}", "different ones", column="text"))
    return problems


def _check_roster_matches_responses(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    problems = []
    answered = {(r["wave"], r["iscm_id"]) for r in rows["survey_roster"] if r["responded"] == "yes"}
    responding = {(r["wave"], r["iscm_id"]) for r in rows["responses"]}
    for number, row in enumerate(rows["responses"], start=1):
        if (row["wave"], row["iscm_id"]) not in answered:
            problems.append(Problem(shown["responses"], f"a respondent marked responded=yes in {shown['survey_roster']}",
                                    repr(row["iscm_id"]), row=number, column="iscm_id"))
    for number, row in enumerate(rows["survey_roster"], start=1):
        if row["responded"] == "yes" and (row["wave"], row["iscm_id"]) not in responding:
            problems.append(Problem(shown["survey_roster"], f"a row in {shown['responses']} for this respondent",
                                    "none", row=number, column="responded"))
    return problems


# For each multi-select question: the single-choice question it depends on and the answer that opens it.
_FORMAT_QUESTIONS = {"q7": ("q6_contributed", "q7_formats"), "q10": ("q9_imrf_plan", "q10_formats")}


def _expected_format_status(gate_answer: str) -> tuple[str, ...]:
    if gate_answer == "yes":
        return (REPORTED, NOT_ATTRIBUTED)
    if gate_answer == NOT_ATTRIBUTED:
        return (NOT_ATTRIBUTED,)
    return (NOT_APPLICABLE,)


def _check_format_statuses(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    problems = []
    responses = {(r["wave"], r["iscm_id"]): r for r in rows["responses"]}
    formats_given: set[tuple[str, str, str]] = set()
    for number, row in enumerate(rows["response_formats"], start=1):
        key = (row["wave"], row["iscm_id"])
        formats_given.add((*key, row["question"]))
        response = responses.get(key)
        if response is None:
            continue  # reported by the foreign-key check
        gate_column, status_column = _FORMAT_QUESTIONS[row["question"]]
        if response[gate_column] != "yes":
            problems.append(Problem(shown["response_formats"],
                                    f"formats only for a respondent whose {gate_column} is yes",
                                    f"{row['iscm_id']} has {gate_column}={response[gate_column]!r}",
                                    row=number, column="question"))
        elif response[status_column] != REPORTED:
            problems.append(Problem(shown["response_formats"],
                                    f"{status_column}=reported in {shown['responses']} for a respondent with formats",
                                    f"{row['iscm_id']} has {status_column}={response[status_column]!r}",
                                    row=number, column="iscm_id"))
    for number, row in enumerate(rows["responses"], start=1):
        for question, (gate_column, status_column) in _FORMAT_QUESTIONS.items():
            allowed = _expected_format_status(row[gate_column])
            if row[status_column] not in allowed:
                problems.append(Problem(shown["responses"],
                                        f"{' or '.join(allowed)} when {gate_column} is {row[gate_column]!r}",
                                        repr(row[status_column]), row=number, column=status_column))
            elif row[status_column] == REPORTED and (row["wave"], row["iscm_id"], question) not in formats_given:
                problems.append(Problem(shown["responses"],
                                        f"at least one {question} row in {shown['response_formats']} when {status_column}=reported",
                                        "none", row=number, column=status_column))
    return problems


def _subject_key(kind: str, subject: str) -> str:
    """The part of a ledger row's subject that names a known item: for a fact, its first five
    parts (iscm/question/location/item/kind; a sixth, a word of the value, picks one of several)."""
    return "/".join(subject.split("/")[:5]) if kind == "fact" else subject


def _check_published_figures(rows: dict[str, list[dict[str, str]]], shown: dict[str, str]) -> list[Problem]:
    problems = []
    where = shown["published_figures"]
    waves = {r["wave"] for r in rows["survey_roster"]}
    subjects = {
        "objective": {r["objective"] for r in rows["gcm_objectives"]},
        "q7_option": {r["option"] for r in rows["question_options"] if r["question"] == "q7"},
        "q10_option": {r["option"] for r in rows["question_options"] if r["question"] == "q10"},
        "event": {r["event_id"] for r in rows["review_events"]},
        "session": {r["session_id"] for r in rows["meeting_sessions"]},
        "list": {r["list_id"] for r in rows["report_lists"]},
        "grcp": {r["edition"] for r in rows["grcp_meetings"]},
        "event_date": {r["event_id"] for r in rows["review_events"]},
        # a fact of an answer: iscm/question/location/item/kind, then a word of its value if needed
        "fact": {"/".join((r["iscm_id"], r["question"], r["location"], r["item"], r["fact_kind"])) for r in rows["statement_facts"]},
    }
    for number, row in enumerate(rows["published_figures"], start=1):

        def add(expected: str, found: str, column: str, row_number: int = number) -> None:
            problems.append(Problem(where, expected, found, row=row_number, column=column))

        if row["wave"] not in waves:
            add(f"a wave present in {shown['survey_roster']} ({', '.join(sorted(waves))})", repr(row["wave"]), "wave")
        unit, value = row["unit"], row["value"]
        if unit in NUMERIC_UNITS and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            add(f"a non-negative number for unit {unit}", repr(value), "value")
        elif unit in ("count", "rank") and not value.isdigit():
            add(f"a whole number for unit {unit}", repr(value), "value")
        elif unit == "percent" and float(value) > 100:
            add("a percentage between 0 and 100", repr(value), "value")
        if unit == "percent" and not row["basis"]:
            add("the basis (denominator) of the percentage", "an empty cell", "basis")
        if bool(row["subject_kind"]) != bool(row["subject"]):
            add("subject_kind and subject both given or both empty", f"subject_kind={row['subject_kind']!r}, subject={row['subject']!r}", "subject")
        elif row["subject_kind"] and _subject_key(row["subject_kind"], row["subject"]) not in subjects[row["subject_kind"]]:
            add(f"a known {row['subject_kind']}", repr(row["subject"]), "subject")
    return problems
