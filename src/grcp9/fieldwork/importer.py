"""Import the answers a survey tool collected (KoBoToolbox, ODK Central) into the data package.

    python -m grcp9.fieldwork.importer --export answers.csv --wave 2026 [--data-dir data] [--keep-latest]

Reads an export as these tools write it (tests/fixtures/exports/README.md lists the layouts):

- CSV, comma- or semicolon-separated, with or without a byte-order mark, XLSX (first sheet), or
  ODK Central's ZIP (its main table; attachments are not read);
- headers and values as the XLSForm names them (``grcp9.fieldwork.xlsform``) or as its labels, in
  English, French or Spanish, worded for the wave; with or without group prefixes (``section2/q7``,
  ``section2-q7``); the tools' own columns (``_uuid``, ``_submission_time``, ``meta/instanceID``,
  ``SubmissionDate``, ``KEY`` ...) and "specify other" text columns (``q7_other``);
- a multiple-choice answer as one column of space-separated option names or labels, as one column
  per option (``q7/stocktaking``: 0/1, or the option's label when chosen), or both, which must
  then agree.

The wave must already have its row in ``waves.csv`` and no answers yet. The import writes the
wave's roster (or marks the respondents in a roster listed beforehand), its answers to the
closed questions and their formats, with the submission as provenance. Free-text answers are
written verbatim to ``restricted/<wave>-free-text.csv``, outside the data package and never
published: the book shows only the editors' summaries (``iscm_statements.csv``).

Nothing is half-written: the new package is assembled in a copy, validated as ``make book``
validates it, and only then put in place of the old one. Every problem stops the import with the
file, row and column.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import functools
import io
import re
import shutil
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grcp9 import paths
from grcp9.errors import DataValidationError, ParameterError, Problem, run_command
from grcp9.fieldwork import waves, xlsform

RESTRICTED_DIR = paths.REPO_ROOT / "restricted"  # verbatim free text; not in git, not published
# Columns the survey tools add (KoBoToolbox and ODK Central); everything else must be a question.
TOOL_COLUMNS = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid", "phonenumber", "audit",
                "instanceid", "instancename", "submissiondate", "submitterid", "submittername", "attachmentspresent",
                "attachmentsexpected", "status", "reviewstate", "edits", "formversion", "key"}
SUBMISSION_TIME = ("_submission_time", "submissiondate", "end")
SUBMISSION_ID = ("_uuid", "meta/instanceid", "instanceid", "key", "_id", "_index")


class ExportError(DataValidationError):
    """An export that cannot be imported (file, row, column, what was expected)."""


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass
class Export:
    file: str
    header: list[str]
    rows: list[dict[str, str]]


def _central_csv(content: bytes, shown: str) -> tuple[str, bytes] | None:
    """The main table of ODK Central's ZIP ("download all submissions"): the CSV with a KEY column
    and no PARENT_KEY (a repeat group's table has one); attachments (media/) are not read. None
    for a ZIP that is no such download (an XLSX is a ZIP too)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return None
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" in names:  # a workbook
            return None
        tables = []
        for name in sorted(names, key=len):
            if name.lower().endswith(".csv") and not name.startswith("media/"):
                first = archive.read(name).decode("utf-8-sig", errors="replace").split("\n", 1)[0]
                if "KEY" in first.split(",") and "PARENT_KEY" not in first.split(","):
                    tables.append(name)
        if not tables:
            raise ExportError([Problem(shown, "ODK Central's ZIP with the form's table (a CSV with a KEY column)",
                                       f"a ZIP holding {', '.join(names[:5]) or 'nothing'}")])
        return tables[0], archive.read(tables[0])


def read_export(path: Path) -> Export:
    """The export's header and rows as text (NFC), from CSV (comma or semicolon), XLSX (first
    sheet) or ODK Central's ZIP (its main CSV)."""
    shown = str(path)
    if not path.is_file():
        raise ExportError([Problem(shown, "an export file (CSV, XLSX or ODK Central's ZIP)", "no such file")])
    content = path.read_bytes()
    if content[:4] == b"PK\x03\x04":
        inside = _central_csv(content, shown)
        if inside is not None:
            shown, content = f"{shown}, table {inside[0]}", inside[1]
    if content[:4] == b"PK\x03\x04":
        try:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 (any unreadable workbook)
            raise ExportError([Problem(shown, "a CSV or XLSX export", f"a file openpyxl cannot read ({error})")]) from None
        records = [["" if v is None else str(int(v) if isinstance(v, float) and v.is_integer() else v) for v in row]
                   for row in book.worksheets[0].iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ExportError([Problem(shown, "a CSV (UTF-8 text) or XLSX export", "a file that is neither")]) from None
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        first = text.split("\n", 1)[0]
        if "\x00" in text:
            raise ExportError([Problem(shown, "a CSV (UTF-8 text) or XLSX export", "a file that is neither")])
        delimiter = ";" if first.count(";") > first.count(",") else ","
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    records = [[unicodedata.normalize("NFC", cell.strip()) for cell in record] for record in records]
    records = [record for record in records if any(record)]
    if not records:
        raise ExportError([Problem(shown, "a header row and at least one submission", "an empty file")])
    header, body = records[0], records[1:]
    if not body:
        raise ExportError([Problem(shown, "at least one submission under the header", "no rows")])
    return Export(shown, header, [dict(zip(header, row + [""] * (len(header) - len(row)))) for row in body])


@dataclass
class Submission:
    number: int  # data row in the export (1-based)
    iscm_id: str
    submission_id: str
    submitted: str
    single: dict[str, str] = field(default_factory=dict)  # question -> option
    multi: dict[str, list[str]] = field(default_factory=dict)  # question -> options
    free_text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    """What an export's column holds: a question's answer, one option of a multiple choice (a 0/1
    column, or one holding the option's label when chosen), or the "specify other" text."""

    question: str
    option: str | None = None
    other: bool = False


@dataclass
class Vocabulary:
    """The form's names and labels, in every language, as an export may write them."""

    headers: dict[str, Column]  # a folded header written in labels -> its column
    values: dict[str, dict[str, str]]  # question -> folded option name or label -> option name
    joined: dict[str, list[tuple[str, str]]]  # question -> (folded label, option), longest first
    order: dict[str, list[str]]  # question -> its options in the form's order
    notes: set[str]  # the form's notes, which carry no answer


def vocabulary(data: object, wave: str) -> Vocabulary:
    """Headers and values of the wave's form (``xlsform.wording``) in each of its languages: a
    question's label with or without its section's label before it, an option's column as the
    question's label and the option's, joined by the tool's group separator (``/`` or ``-``)."""
    from grcp9.data import SurveyData

    assert isinstance(data, SurveyData)
    words = xlsform.wording(data, wave)
    options = data.options.sort_values("position")
    order = {q: list(options.loc[options["question"] == q, "option"]) for q in data.questions["question"]}
    headers: dict[str, Column] = {}
    values: dict[str, dict[str, str]] = {q: {_fold(o): o for o in order[q]} for q in order}
    joined: dict[str, list[tuple[str, str]]] = {q: [] for q in order}
    for q in data.questions.to_dict("records"):
        for language in xlsform.LANGUAGES:
            title = f"{q['number']}. {words[q['question']][language]}"
            group = words[f"section{q['questionnaire_section']}"][language]
            for separator in ("/", "-"):  # the tools' group separator, also between a question and its option
                for prefix in ("", f"{group}{separator}"):
                    headers[_fold(prefix + title)] = Column(q["question"])
                    for option in order[q["question"]]:
                        option_label = words[f"{q['question']}/{option}"][language]
                        headers[_fold(f"{prefix}{title}{separator}{option_label}")] = Column(q["question"], option)
    for item, texts in words.items():
        if "/" in item:
            question, option = item.split("/", 1)
            for text in texts.values():
                values[question][_fold(text)] = option
                joined[question].append((_fold(text), option))
    for pairs in joined.values():
        pairs.sort(key=lambda pair: -len(pair[0]))
    return Vocabulary(headers, values, joined, order, {item for item in words if item.endswith("_note")})


def _column_map(export: Export, questions: dict[str, str], words: Vocabulary) -> tuple[dict[str, Column], list[Problem]]:
    """Export column -> what it holds; the tools' own columns and the form's notes are left out.
    A column is named either by the form's names (``q7``, ``section2/q7``, ``section2-q7``,
    ``q7/stocktaking``, ``q7_other``) or by its labels in any of the form's languages."""
    mapping: dict[str, Column] = {}
    problems = []
    for column in export.header:
        lowered = column.casefold()
        if lowered.startswith(("_", "meta/", "meta-")) or lowered in TOOL_COLUMNS or lowered.split("/")[-1] in TOOL_COLUMNS:
            continue
        if _fold(column) in words.headers:
            mapping[column] = words.headers[_fold(column)]
            continue
        parts = re.split(r"[/-]", column)
        if parts[-1] in words.notes:
            continue
        index = next((i for i, part in enumerate(parts) if part in questions or part.removesuffix("_other") in questions), None)
        if index is None:
            problems.append(Problem(export.file, "a question of the questionnaire, by its name (q1 ... q17, possibly under a group "
                                    "such as section2/q7) or its label in English, French or Spanish, or a column the survey "
                                    "tools add", repr(column), row=0))
            continue
        if parts[index] not in questions:
            mapping[column] = Column(parts[index].removesuffix("_other"), other=True)
            continue
        mapping[column] = Column(parts[index], "/".join(parts[index + 1:]) or None)
    return mapping, problems


def _first(row: dict[str, str], names: tuple[str, ...]) -> str:
    lowered = {key.casefold(): value for key, value in row.items()}
    return next((lowered[name] for name in names if lowered.get(name)), "")


def _choices(value: str, question: str, words: Vocabulary) -> list[str] | None:
    """The options of a multiple choice written in one cell: option names separated by spaces,
    or option labels (in any language) separated by spaces; None if it is neither."""
    names = value.split()
    if all(name in words.order[question] for name in names):
        return names

    def split(rest: str) -> list[str] | None:
        if not rest:
            return []
        for text, option in words.joined[question]:
            if rest == text or rest.startswith(text + " "):
                tail = split(rest[len(text):].lstrip())
                if tail is not None:
                    return [option, *tail]
        return None

    return split(_fold(value))


def parse(export: Export, data: object, wave: str) -> list[Submission]:
    """Check every answer against the wave's form and the registry; one Submission per row."""
    from grcp9.data import SurveyData

    assert isinstance(data, SurveyData)
    questions = dict(zip(data.questions["question"], data.questions["answer_type"]))
    words = vocabulary(data, wave)
    mapping, problems = _column_map(export, questions, words)
    present = {column.question for column in mapping.values() if not column.other}
    for question, kind in questions.items():
        if kind in ("single", "multi") and question not in present:
            problems.append(Problem(export.file, f"a column for question {question} (or, for a multiple choice, one column "
                                    f"per option such as {question}/<option>)", "none", row=0))
    if problems:
        raise ExportError(problems)
    names = _iscm_names(data)
    gates = {q: (g, a) for q, g, a in zip(data.questions["question"], data.questions["if_question"], data.questions["if_answer"])
             if isinstance(g, str) and g}
    submissions = []
    for number, row in enumerate(export.rows, start=1):
        def fail(column: str, expected: str, found: str, number: int = number) -> None:
            problems.append(Problem(export.file, expected, found, row=number, column=column))

        # The instance id: KoBoToolbox's _uuid is ODK's instanceID without its "uuid:" scheme.
        item = Submission(number, "", _first(row, SUBMISSION_ID).removeprefix("uuid:") or f"row {number}", _first(row, SUBMISSION_TIME))
        one_cell: dict[str, tuple[str, set[str]]] = {}  # a multiple choice written in one cell: its column and options
        per_option: dict[str, dict[str, tuple[str, bool]]] = {}  # ... in a column per option: option -> (column, chosen)
        for column, where in mapping.items():
            value = row.get(column, "")
            question, kind = where.question, questions[where.question]
            allowed = words.order.get(question, [])
            if where.other:
                if value:
                    item.free_text[f"{question}_other"] = value
            elif where.option is not None:  # one column per option
                if kind != "multi":
                    fail(column, f"a column per option only for a multiple-choice question; {question} is {kind}", repr(column))
                elif where.option not in allowed:
                    fail(column, f"an option of {question} ({', '.join(allowed)})", repr(where.option))
                elif _fold(value) in ("", "0", "false"):
                    per_option.setdefault(question, {})[where.option] = (column, False)
                elif _fold(value) in ("1", "true") or words.values[question].get(_fold(value)) == where.option:
                    per_option.setdefault(question, {})[where.option] = (column, True)
                else:
                    fail(column, f"0 or 1, or the label of the option {where.option}", repr(value))
            elif question == "q1":
                item.iscm_id = _match_iscm(value, names, functools.partial(fail, column))
            elif kind == "single":
                option = words.values[question].get(_fold(value), "") if value else ""
                if value and not option:
                    fail(column, f"an option of {question}, by its name ({', '.join(allowed)}) or its label", repr(value))
                item.single[question] = option
            elif kind == "multi":
                chosen = _choices(value, question, words)
                if chosen is None:
                    fail(column, f"options of {question}, by their names ({', '.join(allowed)}) or labels, separated by spaces",
                         repr(value))
                else:
                    one_cell[question] = (column, set(chosen))
            elif value:
                item.free_text[question] = value
        for question in set(one_cell) | set(per_option):
            detail = {option for option, (_, chosen) in per_option.get(question, {}).items() if chosen}
            if question in one_cell and question in per_option:
                column, summary = one_cell[question]
                for option in [o for o in words.order[question] if (o in summary) != (o in detail)]:
                    fail(per_option[question][option][0] if option in per_option[question] else column,
                         f"the same choice of {question} in the column {column!r} and in its column per option",
                         f"{option} {'chosen' if option in summary else 'not chosen'} in the one, "
                         f"{'chosen' if option in detail else 'not chosen'} in the other")
            selected = one_cell[question][1] if question in one_cell else detail
            item.multi[question] = [option for option in words.order[question] if option in selected]
        for question in ("q6", "q9"):
            if not item.single.get(question):
                fail(question, f"an answer to the closed question {question}", "an empty cell")
        for question, (gate, answer) in gates.items():
            given = item.multi.get(question) or item.single.get(question) or item.free_text.get(question)
            if given and item.single.get(gate) != answer:
                fail(question, f"no answer to {question}, which is asked only if {gate} is {answer!r}",
                     f"{given!r} while {gate} is {item.single.get(gate)!r}")
        submissions.append(item)
    if problems:
        raise ExportError(problems)
    return submissions


def _iscm_names(data: object) -> dict[str, tuple[str, str]]:
    """Folded name -> (iscm_id, the name as the registry writes it): ids, short names, names and
    aliases of the registry."""
    from grcp9.data import SurveyData

    assert isinstance(data, SurveyData)
    names: dict[str, tuple[str, str]] = {}
    for record in data.registry.to_dict("records"):
        for name in (record["iscm_id"], record["short_name"], record["name"]):
            names[_fold(str(name))] = (str(record["iscm_id"]), str(name))
    for iscm_id, alias in zip(data.aliases["iscm_id"], data.aliases["alias"]):
        names.setdefault(_fold(str(alias)), (str(iscm_id), str(alias)))
    return names


def _match_iscm(value: str, names: dict[str, tuple[str, str]], fail: Callable[[str, str], None]) -> str:
    found = names.get(_fold(value))
    if found is None:
        closest = [names[name][1] for name in difflib.get_close_matches(_fold(value), list(names), n=3, cutoff=0.4)]
        fail("an ISCM of the registry (its id, name, short name or an alias)" + (f"; closest: {'; '.join(closest)}" if closest else ""),
             repr(value))
        return ""
    return found[0]


def resolve_duplicates(export: Export, submissions: list[Submission], keep_latest: bool) -> tuple[list[Submission], list[str]]:
    """One submission per ISCM. Two or more stop the import, listing each (row, time, role),
    unless ``keep_latest``: then the latest is kept and a log line says which were dropped."""
    by_iscm: dict[str, list[Submission]] = {}
    for item in submissions:
        by_iscm.setdefault(item.iscm_id, []).append(item)
    kept, log, problems = [], [], []
    for iscm_id, items in by_iscm.items():
        if len(items) == 1:
            kept.append(items[0])
            continue
        listing = "; ".join(f"row {i.number} (submitted {i.submitted or 'at an unknown time'}, role {i.single.get('q2') or 'not given'})"
                            for i in items)
        if not keep_latest:
            problems.append(Problem(export.file, f"one submission per ISCM (or --keep-latest); {iscm_id} has {len(items)}", listing,
                                    row=items[-1].number, column="q1"))
            continue
        latest = max(items, key=lambda i: (i.submitted, i.number))
        kept.append(latest)
        log.append(f"{iscm_id}: kept row {latest.number}, dropped " +
                   ", ".join(f"row {i.number}" for i in items if i is not latest) + f" ({listing})")
    if problems:
        raise ExportError(problems)
    return sorted(kept, key=lambda i: i.number), log


def import_export(export_path: str | Path, wave: str, data_dir: str | Path = paths.DATA_DIR, keep_latest: bool = False,
                  restricted_dir: Path = RESTRICTED_DIR) -> Path:
    """Import the export into ``data_dir`` (replaced only if the result validates)."""
    from grcp9 import data

    directory = paths.resolve(data_dir)
    loaded = data.load(directory)
    if wave not in loaded.waves:
        raise ParameterError(f"parameter 'wave': expected a wave with its row in {directory}/waves.csv; found {wave!r}: "
                             f"run make new-wave first (make new-wave WAVE={wave} IMRF_EDITION=… IMRF_YEAR=… "
                             "REVIEW_PERIOD=… UPDATES_SINCE=…)")
    if (loaded.responses["wave"] == wave).any():
        raise ParameterError(f"parameter 'wave': wave {wave} already has answers in {directory}/responses.csv; undo an earlier "
                             "import with `git checkout data/`, or import into another wave")
    export = read_export(paths.resolve(export_path))
    submissions, log = resolve_duplicates(export, parse(export, loaded, wave), keep_latest)
    section = f"survey-{wave}-submissions"
    staging = Path(tempfile.mkdtemp(prefix=f".import-{wave}-", dir=directory.parent))
    try:
        shutil.copytree(directory, staging, dirs_exist_ok=True)
        if section not in set(loaded.sections["section_id"]):
            waves.append_rows(staging / "source_sections.csv", [{"section_id": section, "part": "Survey submissions",
                                                       "title": f"Answers submitted to the questionnaire of wave {wave}"}])
        answered = {item.iscm_id for item in submissions}
        _write_roster(staging / "survey_roster.csv", loaded, wave, answered, section, export.file)
        quote = {item.iscm_id: f"submission {item.submission_id}"[:120] for item in submissions}
        responses, formats = [], []
        for item in submissions:
            record = {"wave": wave, "iscm_id": item.iscm_id, "q6_section": section, "q6_quote": quote[item.iscm_id],
                      "q9_section": section, "q9_quote": quote[item.iscm_id], "coding_note": ""}
            for gate, multi, gate_column, status_column in (("q6", "q7", "q6_contributed", "q7_formats"),
                                                            ("q9", "q10", "q9_imrf_plan", "q10_formats")):
                record[gate_column] = item.single[gate]
                chosen = item.multi.get(multi, [])
                record[status_column] = ("reported" if chosen else "not_attributed") if item.single[gate] == "yes" else "not_applicable"
                formats += [{"wave": wave, "iscm_id": item.iscm_id, "question": multi, "option": option, "report_wording": "",
                             "source_section": section, "source_quote": quote[item.iscm_id], "coding_note": ""} for option in chosen]
            responses.append(record)
        waves.append_rows(staging / "responses.csv", responses)
        waves.append_rows(staging / "response_formats.csv", formats)
        if log:
            _log_duplicates(staging / "README.md", wave, export.file, log)
        waves.check_staged(staging, directory)
        _write_restricted(restricted_dir, wave, submissions)
        waves.swap_in(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _write_roster(path: Path, loaded: object, wave: str, answered: set[str], section: str, shown: str) -> None:
    from grcp9.data import SurveyData

    assert isinstance(loaded, SurveyData)
    listed = loaded.roster[loaded.roster["wave"] == wave]
    if listed.empty:  # the ISCMs approached are taken to be question 1's list, as for the report's wave
        waves.append_rows(path, [{"wave": wave, "iscm_id": iscm_id, "responded": "yes" if iscm_id in answered else "no", "source_section": section,
                        "source_quote": "list of submissions", "coding_note": "" if iscm_id in answered else
                        "No submission; the roster of an imported wave is question 1's list unless listed before the import."}
                       for iscm_id in loaded.registry.sort_values("q1_position")["iscm_id"]])
        return
    missing = sorted(answered - set(listed["iscm_id"]))
    if missing:
        raise ExportError([Problem(shown, f"respondents listed in the roster of wave {wave} (survey_roster.csv)",
                                    ", ".join(missing), column="q1")])
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for row in rows:
        if row["wave"] == wave and row["iscm_id"] in answered:
            row["responded"] = "yes"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _log_duplicates(readme: Path, wave: str, export: str, log: list[str]) -> None:
    """A line in the data log (README.md) for submissions dropped by --keep-latest."""
    if not readme.is_file():
        return
    text = readme.read_text(encoding="utf-8")
    line = f"| import | Wave {wave} from {Path(export).name} with --keep-latest: " + "; ".join(log).replace("|", "/") + " |\n"
    marker = "## Data log"
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        end = len(text) if end == -1 else end
        text = text[:end].rstrip("\n") + "\n" + line + text[end:]
    readme.write_text(text, encoding="utf-8")


def _write_restricted(directory: Path, wave: str, submissions: list[Submission]) -> Path:
    """Free-text answers verbatim (names of officials included): kept out of the data package."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{wave}-free-text.csv"
    buffer = io.StringIO()
    buffer.write(f"# RESTRICTED: the free-text answers of wave {wave} as submitted, names of officials included. "
                 "Do not publish or commit this file; the book shows only the editors' summaries (iscm_statements.csv).\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["wave", "iscm_id", "submission", "question", "answer"])
    for item in submissions:
        for question, answer in item.free_text.items():
            writer.writerow([wave, item.iscm_id, item.submission_id, question, answer])
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.fieldwork.importer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", required=True, help="the CSV or XLSX file the survey tool exported")
    parser.add_argument("--wave", required=True)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--keep-latest", action="store_true", help="keep each ISCM's latest submission (logged in the data log)")
    parser.add_argument("--restricted-dir", default=str(RESTRICTED_DIR), help="where the verbatim free text goes (not published)")
    arguments = parser.parse_args(argv)

    def run() -> str:
        target = import_export(arguments.export, arguments.wave, arguments.data_dir, arguments.keep_latest,
                               paths.resolve(arguments.restricted_dir))
        return f"[import] wave {arguments.wave} from {arguments.export} into {target}: valid"

    return run_command(run)


if __name__ == "__main__":
    sys.exit(main())
