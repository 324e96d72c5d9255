"""Every notebook runs on its own with papermill, given ``data_dir``, ``wave`` and ``output_dir``,
into a fresh output folder that the notebook creates; nothing is written into the book's own
generated folder. The README's command line runs as written (placeholders filled in) once."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import papermill
import pytest

from grcp9 import paths
from grcp9.build import kernels
from grcp9.fieldwork import waves

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


@pytest.fixture(scope="module")
def warm_kernel() -> Iterator[None]:
    """The build's warm engine (grcp9.build.kernels): one kernel for this file's notebooks, its namespace
    cleared before each; the README's command line itself runs once, below, in a process of its own."""
    yield
    kernels.shutdown_warm_kernels()


def listing(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``directory`` with its size and modification time: a write changes them."""
    return {str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.rglob("*") if p.is_file()}


def run_into_fresh_folder(notebook: str, tmp_path: Path, command_line: bool = False) -> None:
    output = tmp_path / "out" / "not-yet-created"
    parameters = {"data_dir": str(paths.DATA_DIR), "wave": WAVE, "output_dir": str(output)}
    if notebook == paths.PROFILE_TEMPLATE:
        parameters["iscm_id"] = "arcp"
    if notebook in paths.COMPARISON_NOTEBOOKS:  # needs two waves: data/ with the fixture wave merged in
        parameters["data_dir"] = str(waves.merge_packages(paths.DATA_DIR, paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave",
                                                          tmp_path / "two-waves"))
        parameters["wave"] = ""
    before = listing(paths.GENERATED_DIR)
    executed = tmp_path / "executed.ipynb"
    if command_line:  # the README's example, with its placeholders filled in
        command = readme_example()
        command[0] = str(Path(sys.executable).with_name("papermill"))
        command[1:3] = [str(paths.REPO_ROOT / command[1]), str(executed)]
        for name, value in parameters.items():
            if name in command:
                command[command.index(name) + 1] = value
            else:
                command += ["-p", name, value]
        result = subprocess.run([*command, "--no-progress-bar"], capture_output=True, text=True, cwd=paths.REPO_ROOT, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
    else:
        papermill.execute_notebook(str(paths.NOTEBOOKS_DIR / f"{notebook}.ipynb"), str(executed), parameters=parameters,
                                   kernel_name="python3", cwd=str(paths.REPO_ROOT), progress_bar=False, engine_name="warm")
    written = sorted(p.relative_to(output) for p in output.rglob("*") if p.is_file())
    assert any(p.name.endswith(paths.RESULTS_SUFFIX) for p in written), written
    assert json.loads(executed.read_text(encoding="utf-8"))["cells"]
    assert listing(paths.GENERATED_DIR) == before, "the notebook wrote into book/generated"


def test_the_readme_example_runs_as_written(tmp_path):
    run_into_fresh_folder(readme_example()[1].removeprefix("notebooks/").removesuffix(".ipynb"), tmp_path, command_line=True)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_on_its_own_into_a_fresh_output_folder(notebook, tmp_path, warm_kernel):
    run_into_fresh_folder(notebook, tmp_path)


def test_the_comparison_needs_another_wave(tmp_path, warm_kernel):
    """With one wave, the comparison notebook stops with a message that says why (run in the warm
    kernel; the command line's own exit on a failing notebook is papermill's)."""
    with pytest.raises(papermill.PapermillExecutionError, match=r"parameter 'compare_waves': expected at least one other wave"):
        papermill.execute_notebook(str(paths.NOTEBOOKS_DIR / "comparison.ipynb"), str(tmp_path / "executed.ipynb"),
                                   parameters={"data_dir": str(paths.DATA_DIR), "output_dir": str(tmp_path / "out")},
                                   kernel_name="python3", cwd=str(paths.REPO_ROOT), progress_bar=False, engine_name="warm")
