"""The survey data package as typed tables, after schema validation and the coding rules.

``load(data_dir)`` is the only way notebooks and tests read ``data/``: it validates every time
(``grcp9.data.validation``, then ``grcp9.data.rules``); each failure names the file, row and
column at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from grcp9 import paths
from grcp9.data.rules import check_coding_rules
from grcp9.data.validation import to_frame, validate_tables
from grcp9.errors import DataValidationError, Problem

_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth"}


@dataclass(frozen=True)
class Wave:
    """One survey wave: the facts the chapters' wave-dependent words come from."""

    wave: str
    imrf_edition: int
    imrf_year: int
    review_period: str  # "YYYY-YYYY"
    updates_since: int
    has_report: bool  # a published report about this wave is transcribed (the report layer)
    fictitious: bool

    @property
    def imrf_ordinal(self) -> str:
        """"first", "second", ... (the number followed by "th" beyond ninth)."""
        return _ORDINALS.get(self.imrf_edition, f"{self.imrf_edition}th")

    @property
    def review_period_text(self) -> str:
        """The review period with an en dash, as prose writes a range of years."""
        return self.review_period.replace("-", "\u2013")


@dataclass(frozen=True)
class SurveyData:
    """All tables of the data package. Treat the frames as read-only."""

    data_dir: Path
    sections: pd.DataFrame
    waves_table: pd.DataFrame
    objectives: pd.DataFrame
    principles: pd.DataFrame
    registry: pd.DataFrame
    aliases: pd.DataFrame
    roster: pd.DataFrame
    questions: pd.DataFrame
    options: pd.DataFrame
    questionnaire_labels: pd.DataFrame
    responses: pd.DataFrame
    response_formats: pd.DataFrame
    published: pd.DataFrame
    statements: pd.DataFrame
    statement_facts: pd.DataFrame
    challenge_themes: pd.DataFrame
    challenges: pd.DataFrame
    review_events: pd.DataFrame
    review_participants: pd.DataFrame
    participants: pd.DataFrame
    participant_roles: pd.DataFrame
    name_spellings: pd.DataFrame
    speakers: pd.DataFrame
    sessions: pd.DataFrame
    agenda_items: pd.DataFrame
    report_lists: pd.DataFrame
    grcp_meetings: pd.DataFrame
    session_invitations: pd.DataFrame
    statements_made: pd.DataFrame
    summary_statement_iscms: pd.DataFrame
    discrepancies: pd.DataFrame
    # Which tables a computation actually touched, so the build can re-execute a notebook only
    # when a table it reads changes (see tables_read and grcp9.publish.results.Results.record_inputs).
    files: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)
    _read: set[str] = field(default_factory=set, repr=False, compare=False)
    _files_read: set[Path] = field(default_factory=set, repr=False, compare=False)

    def __getattribute__(self, name: str) -> Any:
        if name in _TABLE_ATTRIBUTE_NAMES:
            object.__getattribute__(self, "_read").add(name)
        return object.__getattribute__(self, name)

    @property
    def waves(self) -> list[str]:
        """The survey waves in the package (waves.csv), oldest first."""
        return sorted(self.waves_table["wave"].tolist())

    def wave(self, wave: str) -> Wave:
        """What the package says about one wave (waves.csv)."""
        row: dict[Any, Any] = self.waves_table.set_index("wave").loc[wave].to_dict()
        return Wave(wave=wave, imrf_edition=int(row["imrf_edition"]), imrf_year=int(row["imrf_year"]),
                    review_period=str(row["review_period"]), updates_since=int(row["updates_since"]),
                    has_report=bool(row["report"] == "yes"), fictitious=bool(row["fictitious"] == "yes"))

    def read_file(self, name: str) -> Path:
        """A file of the package that a computation reads itself rather than as a table (the
        stored coverage pass): recorded with the tables read, whether it exists or not."""
        path = self.data_dir / name
        object.__getattribute__(self, "_files_read").add(path)
        return path

    def tables_read(self) -> list[Path]:
        """Files of the tables accessed so far (and of ``read_file``), plus the descriptor every
        load validates against."""
        files = object.__getattribute__(self, "files")
        read = object.__getattribute__(self, "_read")
        direct = object.__getattribute__(self, "_files_read")
        return sorted({files[name] for name in read} | direct | {self.data_dir / paths.DATAPACKAGE_NAME})


_TABLE_ATTRIBUTES = {
    "source_sections": "sections",
    "waves": "waves_table",
    "gcm_objectives": "objectives",
    "gcm_principles": "principles",
    "iscm_registry": "registry",
    "iscm_aliases": "aliases",
    "survey_roster": "roster",
    "questions": "questions",
    "question_options": "options",
    "questionnaire_labels": "questionnaire_labels",
    "responses": "responses",
    "response_formats": "response_formats",
    "published_figures": "published",
    "iscm_statements": "statements",
    "statement_facts": "statement_facts",
    "challenge_themes": "challenge_themes",
    "challenges": "challenges",
    "review_events": "review_events",
    "review_event_participants": "review_participants",
    "participants": "participants",
    "participant_roles": "participant_roles",
    "name_spellings": "name_spellings",
    "speakers": "speakers",
    "meeting_sessions": "sessions",
    "agenda_items": "agenda_items",
    "report_lists": "report_lists",
    "grcp_meetings": "grcp_meetings",
    "session_invitations": "session_invitations",
    "statements": "statements_made",
    "summary_statement_iscms": "summary_statement_iscms",
    "discrepancies": "discrepancies",
}
_TABLE_ATTRIBUTE_NAMES = frozenset(_TABLE_ATTRIBUTES.values())


def load(data_dir: str | Path = paths.DATA_DIR) -> SurveyData:
    """Validate and load the data package in ``data_dir`` (relative paths: from the repo root)."""
    directory = paths.resolve(data_dir)
    descriptor, rows, shown = validate_tables(directory)
    missing = sorted(set(_TABLE_ATTRIBUTES) - set(rows))
    if missing:
        raise DataValidationError([Problem(shown.get(name, f"{directory}/{paths.DATAPACKAGE_NAME}"),
                                           f"a resource named {name}", "none") for name in missing])
    resources = {r["name"]: r for r in descriptor["resources"]}
    frames: dict[str, Any] = {attr: to_frame(resources[name], rows[name]) for name, attr in _TABLE_ATTRIBUTES.items()}
    problems = check_coding_rules(rows, shown)
    if problems:
        raise DataValidationError(problems)
    files = {attr: directory / resources[name]["path"] for name, attr in _TABLE_ATTRIBUTES.items()}
    return SurveyData(data_dir=directory, files=files, **frames)
