"""Write the fictitious survey-tool exports of tests/fixtures/exports/ from the project's own form.

    .venv/bin/python scripts/make_export_fixtures.py

The fictitious wave's XLSForm (grcp9.fieldwork.xlsform) is converted with pyxform, the reference
XLSForm converter; the exports are written from the form pyxform read (its groups, names, labels in
each language and choices), with the same invented submissions in every layout: the fictitious
wave's answers (tests/fixtures/fictitious-wave), plus invented roles and free text. Each layout is
one export setting of KoBoToolbox or ODK Central (tests/fixtures/exports/README.md). The files are
the same, byte for byte, every time; a test writes them again and compares.
"""

from __future__ import annotations

import csv
import datetime
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_WAVE = ROOT / "tests" / "fixtures" / "fictitious-wave"
EXPORTS = ROOT / "tests" / "fixtures" / "exports"
STAMP = (2026, 3, 31, 12, 0, 0)  # the zip entries' and workbooks' time

# Columns KoBoToolbox adds (its CSV and XLS exports) and ODK Central (its CSV).
KOBO_START = ["start", "end"]
KOBO_END = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__",
            "_tags", "_index"]
CENTRAL_START = ["SubmissionDate"]
CENTRAL_END = ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
               "ReviewState", "DeviceID", "Edits", "FormVersion"]

# name: (tool, headers and values "xml" or a language, group separator or None, multiple choices, file type, CSV delimiter)
LAYOUTS: dict[str, dict[str, Any]] = {
    "kobo-xml-groups-summary.csv": {"tool": "kobo", "language": None, "groups": "/", "multi": "summary", "delimiter": ";"},
    "kobo-xml-groups-both.csv": {"tool": "kobo", "language": None, "groups": "/", "multi": "both", "delimiter": ","},
    "kobo-xml-dash-details.xlsx": {"tool": "kobo", "language": None, "groups": "-", "multi": "details"},
    "kobo-xml-nogroups-summary.csv": {"tool": "kobo", "language": None, "groups": None, "multi": "summary", "delimiter": ","},
    "kobo-labels-en-groups-both.csv": {"tool": "kobo", "language": "English (en)", "groups": "/", "multi": "both", "delimiter": ";"},
    "kobo-labels-fr-groups-both.xlsx": {"tool": "kobo", "language": "Français (fr)", "groups": "/", "multi": "both"},
    "kobo-labels-es-nogroups-details.csv": {"tool": "kobo", "language": "Español (es)", "groups": None, "multi": "details",
                                            "delimiter": ";", "detail_values": "labels"},
    "odk-central.csv": {"tool": "central", "language": None, "groups": "-", "multi": "summary", "delimiter": ","},
    "odk-central.zip": {"tool": "central", "language": None, "groups": "-", "multi": "summary", "delimiter": ","},
}


def form() -> dict[str, Any]:
    """The fictitious wave's form as pyxform reads it."""
    sys.path.insert(0, str(ROOT / "src"))
    from pyxform.xls2xform import convert

    from grcp9 import data
    from grcp9.fieldwork import xlsform

    loaded = data.load(FIXTURE_WAVE)
    wave = loaded.waves[-1]
    result = convert(xlsform=xlsform.workbook_bytes(xlsform.form(loaded, wave)), file_type=".xlsx", warnings=[])
    return dict(result._pyxform)


def read(name: str) -> list[dict[str, str]]:
    with (FIXTURE_WAVE / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROLES = ["chair", "secretariat_head", "chair_representative", "secretariat_representative"]


def submissions() -> list[dict[str, Any]]:
    """The fictitious wave's answers, one submission per respondent, in the order of responses.csv."""
    wave = read("waves")[0]["wave"]
    formats: dict[tuple[str, str], list[str]] = {}
    for row in read("response_formats"):
        if row["wave"] == wave:
            formats.setdefault((row["iscm_id"], row["question"]), []).append(row["option"])
    made = []
    for number, row in enumerate((r for r in read("responses") if r["wave"] == wave), start=1):
        made.append({"number": number, "uuid": f"f1c71710-0000-4000-8000-{number:012d}", "time": f"2026-03-{number:02d}T10:{number:02d}:00",
                     "q1": row["iscm_id"], "q2": ROLES[(number - 1) % len(ROLES)], "q3": f"Fictitious Official {number}",
                     "q4": "Fictitious Secretariat", "q5": "Head of Secretariat", "q6": row["q6_contributed"],
                     "q7": formats.get((row["iscm_id"], "q7"), []), "q9": row["q9_imrf_plan"],
                     "q10": formats.get((row["iscm_id"], "q10"), []), "q12": f"An invented update ({number})."})
    return made


def questions(survey: dict[str, Any]) -> list[tuple[dict[str, Any] | None, dict[str, Any]]]:
    """(group, question) for every question of the form, notes left out (the tools export no notes)."""
    found = []
    for child in survey["children"]:
        if child.get("name") == "meta":  # the instance id, which the tools export under their own names
            continue
        if child["type"] == "group":
            found += [(child, item) for item in child["children"] if item["type"] != "note"]
        elif child["type"] != "note":
            found.append((None, child))
    return found


def label(item: dict[str, Any], language: str | None) -> str:
    return str(item["name"]) if language is None else str(item["label"][language])


def table(survey: dict[str, Any], layout: dict[str, Any]) -> list[list[str]]:
    """The export's rows (header first), as the layout's tool writes them."""
    language, separator = layout["language"], layout["groups"]
    choices = survey["choices"]
    kobo = layout["tool"] == "kobo"
    header = list(KOBO_START if kobo else CENTRAL_START)
    cells: list[tuple[str, Any]] = []  # (kind, detail) per question column
    for group, item in questions(survey):
        title = label(item, language)
        if group is not None and separator is not None:
            title = f"{label(group, language)}{separator}{title}"
        kind = item["type"]
        options = choices.get(item.get("list_name") or item["type"].split()[-1], []) if kind.startswith("select") else []
        if kind == "select all that apply":
            if layout["multi"] in ("summary", "both"):
                header.append(title)
                cells.append(("multi", (item["name"], options)))
            if layout["multi"] in ("details", "both"):
                for option in options:
                    header.append(f"{title}{separator or '/'}{label(option, language)}")  # the group separator here too
                    cells.append(("detail", (item["name"], option)))
        else:
            header.append(title)
            cells.append(("single" if kind.startswith("select") else "text", (item["name"], options)))
    header += KOBO_END if kobo else CENTRAL_END
    rows = [header]
    for submission in submissions():
        def text_of(option: dict[str, Any]) -> str:
            return label(option, language)

        row = [submission["time"], submission["time"]] if kobo else [submission["time"] + ".000Z"]
        for kind, (name, detail) in cells:
            value = submission.get(name, "")
            if kind == "single":
                chosen = next((o for o in detail if o["name"] == value), None)
                row.append("" if chosen is None else text_of(chosen))
            elif kind == "multi":
                row.append(" ".join(text_of(o) for o in detail if o["name"] in value))
            elif kind == "detail":
                question = submission.get(name, [])
                chosen = detail["name"] in question
                if layout.get("detail_values") == "labels":
                    row.append(text_of(detail) if chosen else "")
                else:
                    row.append(("1" if chosen else "0") if submission["q6" if name == "q7" else "q9"] == "yes" else "")
            else:
                row.append(str(value))
        if kobo:
            row += [str(1000 + submission["number"]), submission["uuid"], submission["time"], "", "", "submitted_via_web", "",
                    "vGRCP9fictitious", "", str(submission["number"])]
        else:
            instance = f"uuid:{submission['uuid']}"
            row += [instance, instance, "42", "Fictitious enumerator", "0", "0", "", "", "", "0", survey.get("version", "")]
        rows.append(row)
    return rows


def csv_bytes(rows: list[list[str]], delimiter: str, bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if bom else "\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def central_zip(survey: dict[str, Any], rows: list[list[str]]) -> bytes:
    """ODK Central's "download all submissions": the form's CSV and its attachments under media/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{survey['id_string']}.csv", date_time=STAMP), csv_bytes(rows, ",", False), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo("media/1774958400000.jpg", date_time=STAMP), b"\xff\xd8\xff\xe0 fictitious attachment",
                         zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def exports() -> dict[str, bytes]:
    """Every layout's file, by name."""
    from grcp9.fieldwork import xlsform

    survey = form()
    made = {}
    for name, layout in LAYOUTS.items():
        rows = table(survey, layout)
        if name.endswith(".zip"):
            made[name] = central_zip(survey, rows)
        elif name.endswith(".xlsx"):
            made[name] = xlsform.xlsx_bytes([("fictitious-wave", rows)], datetime.datetime(*STAMP))
        else:
            made[name] = csv_bytes(rows, layout["delimiter"], bom=layout["tool"] == "kobo")
    return made


def main() -> int:
    EXPORTS.mkdir(parents=True, exist_ok=True)
    for name, content in exports().items():
        (EXPORTS / name).write_bytes(content)
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
