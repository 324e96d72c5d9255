"""The questionnaire as an XLSForm, for KoBoToolbox and ODK, from the data package.

    python -m grcp9.fieldwork.xlsform --data-dir data --wave <year>   # questionnaire/grcp9-questionnaire-<year>.xlsx

The form is written from the same rows as the book's questionnaire appendix (``questions.csv``,
``question_options.csv``, the ISCM registry for question 1):

- ``survey``: one group per questionnaire section (``section1`` ...), so that exports name the
  columns ``section2/q7`` and so on, with the section's note; each question with its type
  (``select_one <list>``, ``select_multiple <list>``, ``text``), its wording as label in English,
  French and Spanish (``label::English (en)`` ...), ``required`` for closed questions, and the
  "if yes" condition of ``if_question``/``if_answer`` as ``relevant``;
- ``choices``: the options with their stable names (``option`` column) and labels in the three
  languages, and the list ``iscm`` (question 1) from the registry;
- ``settings``: form title, ``form_id``, ``version`` (the wave) and ``default_language``.

The wording comes from ``questionnaire_labels.csv``, whose templates mark the words that change
with the wave; ``wording`` fills them in from the wave's row in ``waves.csv``. For the report's
wave the English reads as the report prints the questionnaire.

The workbook is deterministic (fixed document dates and zip timestamps), so the same data gives
the same file byte for byte.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from grcp9 import paths, source_date_epoch
from grcp9.data import SurveyData
from grcp9.errors import run_command

ISCM_LIST = "iscm"
# The form's languages, as XLSForm names them (label::<name>); English is the default, as in the report.
LANGUAGES = {"en": "English (en)", "fr": "Français (fr)", "es": "Español (es)"}
LABELS = [f"label::{name}" for name in LANGUAGES.values()]
SURVEY_COLUMNS = ["type", "name", *LABELS, "required", "relevant"]
CHOICES_COLUMNS = ["list_name", "name", *LABELS]


@dataclass(frozen=True)
class XLSForm:
    survey: pd.DataFrame
    choices: pd.DataFrame
    settings: pd.DataFrame


def _list_name(question: str) -> str:
    return ISCM_LIST if question == "q1" else question


def ordinal(number: int, language: str) -> str:
    """An IMRF's ordinal as each language abbreviates it: 1st, 1er, 1.er; 2nd, 2e, 2.º."""
    if language == "fr":
        return "1er" if number == 1 else f"{number}e"
    if language == "es":
        return f"{number}.er" if number % 10 in (1, 3) and number % 100 not in (11, 13) else f"{number}.º"
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def wording(data: SurveyData, wave: str) -> dict[str, dict[str, str]]:
    """Each item of the form (section, note, question, option) in each language, with the wave's
    words (waves.csv) in place of the placeholders of ``questionnaire_labels.csv``."""
    about = data.wave(wave)
    words: dict[str, dict[str, str]] = {}
    for row in data.questionnaire_labels.to_dict("records"):
        values = {"imrf_ordinal": ordinal(about.imrf_edition, row["language"]), "imrf_year": str(about.imrf_year),
                  "review_period": about.review_period, "updates_since": str(about.updates_since)}
        words.setdefault(row["item"], {})[row["language"]] = str(row["text"]).format(**values)
    return words


def _labels(texts: dict[str, str], prefix: str = "") -> dict[str, str]:
    return {f"label::{name}": prefix + texts[language] for language, name in LANGUAGES.items()}


def form(data: SurveyData, wave: str) -> XLSForm:
    """The three sheets of the XLSForm for ``wave``, worded for that wave in each language."""
    words = wording(data, wave)
    questions = data.questions.sort_values("number")
    rows: list[dict[str, str]] = []
    section = None
    for q in questions.to_dict("records"):
        if q["questionnaire_section"] != section:
            if section is not None:
                rows.append({"type": "end_group", "name": f"section{section}"})
            section = q["questionnaire_section"]
            rows.append({"type": "begin_group", "name": f"section{section}", **_labels(words[f"section{section}"])})
            rows.append({"type": "note", "name": f"section{section}_note", **_labels(words[f"section{section}_note"])})
        kind = {"single": "select_one", "multi": "select_multiple"}.get(q["answer_type"])
        condition = ""
        if isinstance(q.get("if_question"), str) and q["if_question"]:
            gate = data.questions.set_index("question").loc[q["if_question"]]
            test = "selected(${%s}, '%s')" if gate["answer_type"] == "multi" else "${%s} = '%s'"
            condition = test % (q["if_question"], q["if_answer"])
        rows.append({"type": f"{kind} {_list_name(q['question'])}" if kind else "text", "name": q["question"],
                     **_labels(words[q["question"]], f"{q['number']}. "), "required": "yes" if kind else "", "relevant": condition})
    if section is not None:
        rows.append({"type": "end_group", "name": f"section{section}"})
    survey = pd.DataFrame(rows, columns=SURVEY_COLUMNS).fillna("")

    registry = data.registry.sort_values("q1_position")
    # The ISCMs' names are proper names: the same in every language.
    choices = [{"list_name": ISCM_LIST, "name": r["iscm_id"], **{label: r["name"] for label in LABELS}} for r in registry.to_dict("records")]
    options = data.options.sort_values(["question", "position"])
    order = {q: n for q, n in zip(data.questions["question"], data.questions["number"])}
    for r in sorted(options.to_dict("records"), key=lambda r: (order[r["question"]], r["position"])):
        choices.append({"list_name": _list_name(r["question"]), "name": r["option"], **_labels(words[f"{r['question']}/{r['option']}"])})
    settings = pd.DataFrame([{"form_title": f"Survey of inter-State consultation mechanisms on migration ({wave})",
                              "form_id": f"grcp9_iscm_survey_{wave}", "version": wave, "default_language": LANGUAGES["en"]}])
    return XLSForm(survey=survey, choices=pd.DataFrame(choices, columns=CHOICES_COLUMNS), settings=settings)


def _fixed_time() -> datetime.datetime:
    return datetime.datetime.fromtimestamp(source_date_epoch(), tz=datetime.UTC).replace(tzinfo=None)


def workbook_bytes(xlsform: XLSForm) -> bytes:
    """The XLSForm as .xlsx bytes, the same for the same sheets (dates from SOURCE_DATE_EPOCH)."""
    return xlsx_bytes([(name, [list(frame.columns), *([str(value) for value in row] for row in frame.itertuples(index=False))])
                       for name, frame in (("survey", xlsform.survey), ("choices", xlsform.choices), ("settings", xlsform.settings))],
                      _fixed_time())


def xlsx_bytes(sheets: list[tuple[str, list[list[str]]]], when: datetime.datetime) -> bytes:
    """A workbook of the named sheets' rows, the same bytes for the same rows and time."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.properties.created = book.properties.modified = when
    book.properties.creator = "grcp9"
    raw = io.BytesIO()
    book.save(raw)
    # openpyxl stamps each zip entry with the current time: rewrite them with the fixed one.
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            target.writestr(entry, content)
    return fixed.getvalue()


def convert(xlsx: bytes, validate: bool = False) -> tuple[str, list[str]]:
    """Convert with pyxform (the reference XLSForm converter): the XForm XML and its warnings.
    ``validate`` also runs ODK Validate (needs Java). Raises pyxform's error on an invalid form."""
    from pyxform.xls2xform import convert as pyxform_convert

    warnings: list[str] = []
    result = pyxform_convert(xlsform=xlsx, warnings=warnings, validate=validate, file_type=".xlsx", pretty_print=True)
    return result.xform, warnings


def write(data_dir: str | Path, wave: str, output: str | Path | None = None) -> Path:
    """Validate the data, then write the wave's XLSForm (default:
    ``questionnaire/grcp9-questionnaire-<wave>.xlsx``) atomically; unchanged content is not rewritten."""
    from grcp9 import data
    from grcp9.analysis import survey

    loaded = data.load(data_dir)
    checked = survey.check_wave(loaded, wave, answered=False)  # a wave is fielded before it has answers
    content = workbook_bytes(form(loaded, checked))
    convert(content)  # a form pyxform cannot convert is never written
    target = paths.resolve(output) if output else paths.QUESTIONNAIRE_DIR / paths.xlsform_name(checked)
    if target.is_file() and target.read_bytes() == content:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.new")
    temporary.write_bytes(content)
    os.replace(temporary, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.fieldwork.xlsform", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--wave", default="", help="default: the package's latest wave")
    parser.add_argument("--output", default=None, help="default: questionnaire/grcp9-questionnaire-<wave>.xlsx")
    arguments = parser.parse_args(argv)
    return run_command(lambda: f"[questionnaire] XLSForm: {write(arguments.data_dir, arguments.wave, arguments.output)}")


if __name__ == "__main__":
    sys.exit(main())
