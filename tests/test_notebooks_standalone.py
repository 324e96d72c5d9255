"""The README's single-notebook example runs as written for every notebook: papermill with
``data_dir``, ``wave`` and ``output_dir``, into a fresh output folder that the notebook creates.
Nothing is written into the book's own generated folder."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grcp9 import paths, sandbox, waves

NOTEBOOKS = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("*.ipynb"))
WAVE = min({row["wave"] for row in csv.DictReader((paths.DATA_DIR / "survey_roster.csv").open(encoding="utf-8"))})


def readme_example() -> list[str]:
    """The papermill command line the README shows (continuation lines joined)."""
    text = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split(".venv/bin/papermill", 1)[1].split("```", 1)[0]
    return ["papermill", *" ".join(block.replace("\\\n", " ").split()).split()]


def test_the_readme_example_names_every_parameter():
    command = readme_example()
    assert [command[i + 1] for i, word in enumerate(command) if word == "-p"] == ["data_dir", "wave", "output_dir"]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_on_its_own_into_a_fresh_output_folder(notebook, tmp_path):
    output = tmp_path / "out" / "not-yet-created"
    extra = ["-p", "iscm_id", "arcp"] if notebook == paths.PROFILE_TEMPLATE else []
    data_dir, wave = paths.DATA_DIR, WAVE
    if notebook in paths.COMPARISON_NOTEBOOKS:  # needs two waves: data/ with the fixture wave merged in
        data_dir = waves.merge_packages(paths.DATA_DIR, paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave", tmp_path / "two-waves")
        wave = ""
    before = sandbox.digest(paths.GENERATED_DIR)
    result = subprocess.run([str(Path(sys.executable).with_name("papermill")), str(paths.NOTEBOOKS_DIR / f"{notebook}.ipynb"),
                             str(tmp_path / "executed.ipynb"), "-p", "data_dir", str(data_dir), "-p", "wave", wave,
                             "-p", "output_dir", str(output), *extra, "--no-progress-bar"],
                            capture_output=True, text=True, cwd=paths.REPO_ROOT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    written = sorted(p.relative_to(output) for p in output.rglob("*") if p.is_file())
    assert any(p.name.endswith(paths.RESULTS_SUFFIX) for p in written), written
    assert json.loads((tmp_path / "executed.ipynb").read_text(encoding="utf-8"))["cells"]
    assert sandbox.digest(paths.GENERATED_DIR) == before, "the notebook wrote into book/generated"


def test_the_comparison_needs_another_wave(tmp_path):
    result = subprocess.run([str(Path(sys.executable).with_name("papermill")), str(paths.NOTEBOOKS_DIR / "comparison.ipynb"),
                             str(tmp_path / "executed.ipynb"), "-p", "data_dir", str(paths.DATA_DIR), "-p", "output_dir",
                             str(tmp_path / "out"), "--no-progress-bar"], capture_output=True, text=True, cwd=paths.REPO_ROOT, check=False)
    assert result.returncode != 0
    assert "parameter 'compare_waves': expected at least one other wave" in result.stderr
