"""The params step: validate the data package and the parameters once, and give the other steps
one ``Params`` object.

The notebooks receive their parameters through papermill; the book's Sphinx extensions through the
environment (``Params.environment``). ``params.json`` in ``book/generated/`` is written for readers
and reviewers (the parameters this book was built with); no step reads it back. What the last
validation gave is kept with its inputs' fingerprint (``grcp9.build.hashing``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from grcp9 import hashing, paths

# What the last successful validation saw and gave (hashing's rule: the same inputs, the same verdict).
RECORD = paths.GENERATED_DIR / ".params.record"
ENVIRONMENT_VARIABLE = "GRCP9_BUILD_PARAMS"


@dataclass(frozen=True)
class Params:
    """What one build shows: a validated data package and wave, and what follows from them."""

    data_dir: str  # as the user gave it (relative paths are taken from the repository root)
    wave: str  # the wave shown
    compare_waves: tuple[str, ...]  # the waves the comparison chapter sets beside it
    report: bool  # the wave has a published report transcribed (the report layer's chapters)
    fictitious: bool  # invented test data: every page title says so
    profiles: tuple[str, ...]  # the respondents, one profile page each

    @property
    def output_dir(self) -> str:
        return str(paths.GENERATED_DIR.relative_to(paths.REPO_ROOT))

    def notebook_parameters(self, notebook: str) -> dict[str, Any]:
        """What papermill passes to a notebook (and the waves to compare, to the comparison)."""
        passed: dict[str, Any] = {key: getattr(self, key) for key in paths.NOTEBOOK_PARAMETERS}
        if notebook in paths.COMPARISON_NOTEBOOKS:
            passed["compare_waves"] = ",".join(self.compare_waves)
        return passed

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "output_dir": self.output_dir}, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Params:
        values = json.loads(text)
        return cls(data_dir=values["data_dir"], wave=values["wave"], compare_waves=tuple(values["compare_waves"]),
                   report=values["report"], fictitious=values["fictitious"], profiles=tuple(values["profiles"]))

    def environment(self) -> dict[str, str]:
        """The variables that give the Sphinx build its parameters (book/_ext/computed.py)."""
        return {ENVIRONMENT_VARIABLE: json.dumps({"wave": self.wave, "report": self.report, "fictitious": self.fictitious,
                                                  "compare_waves": list(self.compare_waves)}, sort_keys=True)}


def validate(data_dir: str, wave: str = "", compare: str = "") -> Params:
    """Load (and so validate) the data package, and check the wave and the waves to compare
    against it. Raises DataValidationError or ParameterError, naming file, row and column."""
    from grcp9 import data
    from grcp9.analysis import survey

    loaded = data.load(data_dir)
    checked = survey.check_wave(loaded, wave)
    survey.check_bases(loaded, checked)
    about = loaded.wave(checked)
    return Params(data_dir=data_dir, wave=checked, compare_waves=tuple(survey.check_compare_waves(loaded, checked, compare)),
                  report=bool(about.has_report), fictitious=bool(about.fictitious),
                  profiles=tuple(survey.respondents(loaded, checked)["iscm_id"].tolist()))


def fingerprint(data_dir: str, wave: str, compare: str) -> str:
    """The params step's inputs: the arguments, every file of the data folder and the package's code."""
    folder = paths.resolve(data_dir)
    files = [*hashing.tree(folder), *hashing.tree(paths.PACKAGE_DIR, "*.py")]
    return hashing.digest(files, [data_dir, wave, compare, str(folder.is_dir())])


def outdated(data_dir: str, wave: str = "", compare: str = "") -> bool:
    """Whether the params step will validate again: the data, the code or the arguments changed."""
    return hashing.recall(RECORD, fingerprint(data_dir, wave, compare)) is None


def params_step(data_dir: str, wave: str = "", compare: str = "") -> tuple[Params, bool]:
    """Validate (unless the same inputs were validated last time) and write ``params.json``.
    Returns the parameters and whether they were validated anew."""
    inputs = fingerprint(data_dir, wave, compare)
    validated = hashing.recall(RECORD, inputs)
    if validated is not None:
        params, fresh = Params.from_json(validated), False
    else:
        hashing.forget(RECORD)
        params, fresh = validate(data_dir, wave, compare), True
    hashing.write_if_changed(paths.PARAMS_FILE, params.to_json().encode("utf-8"))
    hashing.remember(RECORD, inputs, params.to_json())
    return params, fresh


def describe(params: Params, fresh: bool) -> str:
    """The params step's progress line."""
    compared = f", compared with {', '.join(params.compare_waves)}" if params.compare_waves else ""
    return f"[params] data {params.data_dir}, wave {params.wave}{compared}: valid{'' if fresh else ' (unchanged since validated)'}"
