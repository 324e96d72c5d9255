"""The notebook step: execute with papermill the notebooks whose inputs changed, in parallel.

An executed notebook is out of date when the fingerprint (``grcp9.build.hashing``) of its
template, its parameters, and the data tables and package modules it read last time (its
``.inputs.json``, written by the notebook) differs from the one recorded after its last run.
Each notebook is executed into a temporary file and moved into place only when it succeeded.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grcp9 import hashing, paths
from grcp9.build.params import Params
from grcp9.errors import Grcp9Error

log = logging.getLogger(__name__)

# Notebook metadata that records when or where a notebook ran, not what it computed.
VOLATILE_CELL_METADATA = ("papermill", "execution")
VOLATILE_NOTEBOOK_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")
# Seconds a kernel may take to answer: papermill's 60 s ran out once on a 2-core machine under the
# full test suite's load.
KERNEL_START_TIMEOUT = 300


class NotebookError(Grcp9Error):
    """A notebook failed; the message names it and its cell, and says the last good output is kept."""


def selected_notebooks(params: Params) -> list[str]:
    """The computation notebooks this build runs: the survey notebooks always, the report layer's
    only for a wave with a published report, the comparison only when there are waves to compare."""
    names = [source.stem for source in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) if source.stem != paths.PROFILE_TEMPLATE]
    return [name for name in names if (params.report or name not in paths.REPORT_NOTEBOOKS)
            and (params.compare_waves or name not in paths.COMPARISON_NOTEBOOKS)]


@dataclass(frozen=True)
class Job:
    """One executed notebook: a computation notebook, or the profile template for one respondent."""

    label: str
    source: Path
    target: Path
    parameters: dict[str, Any]

    @property
    def inputs(self) -> Path:
        """The notebook's record of the files it read (``Results.record_inputs``)."""
        return self.target.with_name(self.target.stem + paths.INPUTS_SUFFIX)

    @property
    def record(self) -> Path:
        return self.target.with_name(f".{self.target.stem}.record")

    def fingerprint(self) -> str | None:
        """The fingerprint of what the last run read, or None before any run."""
        if not self.inputs.is_file():
            return None
        read = json.loads(self.inputs.read_text(encoding="utf-8"))
        files = [self.source, *(paths.resolve(item) for item in [*read["data"], *read["package"]])]
        return hashing.digest(files, self.parameters)

    def outdated(self) -> bool:
        fingerprint = self.fingerprint()
        return fingerprint is None or not self.target.is_file() or not hashing.unchanged(self.record, fingerprint)


def jobs(params: Params) -> list[Job]:
    """Every executed notebook the book needs: each selected notebook, and a profile per respondent."""
    made = [Job(f"{name}.ipynb", paths.NOTEBOOKS_DIR / f"{name}.ipynb", paths.EXECUTED_DIR / f"{name}.ipynb",
                params.notebook_parameters(name)) for name in selected_notebooks(params)]
    template = paths.NOTEBOOKS_DIR / f"{paths.PROFILE_TEMPLATE}.ipynb"
    return made + [Job(f"profile of {iscm_id}", template, paths.PROFILES_DIR / f"{iscm_id}.ipynb",
                       {**params.notebook_parameters(paths.PROFILE_TEMPLATE), "iscm_id": iscm_id}) for iscm_id in params.profiles]


def strip_volatile_metadata(notebook: Any) -> Any:
    """Remove the timings and temporary paths papermill records, so reruns are byte-identical."""
    papermill_meta = notebook.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_PAPERMILL:
        papermill_meta.pop(key, None)
    # The injected parameters are shown or hidden like the template's own parameters cell.
    hiding = [tag for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])
              for tag in cell.metadata["tags"] if tag.startswith(("remove-", "hide-"))]
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = merge_adjacent_streams(cell.outputs)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"  # papermill gives the cell a random id
            cell.metadata["tags"] = [*tags, *(tag for tag in hiding if tag not in tags)]
    return notebook


def merge_adjacent_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive outputs of the same stream: the kernel flushes on a timer, so one ``print``
    can arrive as one message or two depending on the machine's load; joined, they are the same."""
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(copy.copy(output))  # the caller's outputs stay as they were
    return merged


def set_page_title(notebook: Any, target: Path) -> None:
    """A template's title cell (tag ``page-title``) becomes the title the notebook glued as ``page_title``."""
    from grcp9.publish import results

    for cell in notebook.cells:
        if "page-title" in cell.metadata.get("tags", []):
            cell.source = f"# {results.read(paths.results_path(target.stem, target.parent))['page_title']['value']}"


def execute(job: Job, position: str = "") -> None:
    """Execute one job in this thread's warm kernel; the executed notebook replaces the last one
    only when it succeeded."""
    import nbformat
    import papermill

    from grcp9.build import kernels  # noqa: F401  (registers the warm engine)

    job.target.parent.mkdir(parents=True, exist_ok=True)
    temporary = job.target.with_name(f".{job.target.stem}.running.ipynb")
    hashing.forget(job.record)
    log.info(f"[notebooks {position}] executing {job.label}")
    try:
        papermill.execute_notebook(str(job.source), str(temporary), parameters=job.parameters, kernel_name="python3",
                                   cwd=str(paths.REPO_ROOT), progress_bar=False, log_output=False, engine_name="warm",
                                   start_timeout=KERNEL_START_TIMEOUT, request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as error:
        raise NotebookError(f"notebook step failed in {job.label}, cell {error.exec_count}: {error.ename}: "
                            f"{error.evalue.splitlines()[0] if error.evalue else ''}\n"
                            f"The previous executed notebook (if any) is unchanged; the failed run is in {temporary}.") from None
    notebook = strip_volatile_metadata(nbformat.read(temporary, as_version=4))
    set_page_title(notebook, job.target)
    nbformat.write(notebook, temporary)
    fingerprint = job.fingerprint()
    if fingerprint is None:
        raise NotebookError(f"notebook step: {job.source.name} did not record its inputs (call results.record_inputs last)")
    os.replace(temporary, job.target)
    hashing.remember(job.record, fingerprint)


def notebooks_step(params: Params, workers: int = 0) -> list[Job]:
    """Remove what this build no longer makes, then execute the outdated jobs, one warm kernel per
    core. Returns the jobs executed."""
    from grcp9.build import kernels

    remove_unbuilt_outputs(params)
    todo = [job for job in jobs(params) if job.outdated()]
    counter = iter(range(1, len(todo) + 1))
    lock = threading.Lock()

    def run(job: Job) -> None:
        with lock:
            position = f"{next(counter)}/{len(todo)}"
        execute(job, position)

    # Two warm kernels on two cores executed the book's notebooks in 6.9 s, three in 7.5 s.
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            futures = [pool.submit(run, job) for job in todo]
            concurrent.futures.wait(futures)
    finally:
        kernels.shutdown_warm_kernels()
    errors = [error for error in (future.exception() for future in futures) if error is not None]
    if errors:
        raise errors[0]
    return todo


def built_specs(params: Params) -> tuple[list[Any], list[Any]]:
    """The figures and tables a build with these parameters makes: those of its notebooks."""
    from grcp9.publish import figures

    selected = set(selected_notebooks(params))
    return ([spec for spec in figures.FIGURES.values() if spec.notebook in selected],
            [spec for spec in figures.TABLES.values() if spec.notebook in selected])


def remove_unbuilt_outputs(params: Params) -> None:
    """Remove the executed pages, figures and tables that this build does not make (another wave's
    respondents, the report layer's for a wave without a report), so none of another build survives."""
    from grcp9.publish import figures

    keep = {paths.PROFILES_DIR: set(params.profiles), paths.EXECUTED_DIR: set(selected_notebooks(params))}
    for directory, wanted in keep.items():
        for stale in sorted(directory.glob("*.ipynb")) if directory.is_dir() else []:
            if stale.stem not in wanted:
                for file in (stale, paths.results_path(stale.stem, directory), stale.with_name(stale.stem + paths.INPUTS_SUFFIX),
                             stale.with_name(f".{stale.stem}.record")):
                    file.unlink(missing_ok=True)
    built_figures, built_tables = built_specs(params)
    for specs, directory, built in ((figures.FIGURES.values(), paths.FIGURES_DIR, built_figures),
                                    (figures.TABLES.values(), paths.TABLES_DIR, built_tables)):
        for spec in specs:
            if spec not in built:
                for stale in [*directory.glob(f"{spec.key}.*"), *directory.glob(f".{spec.key}.*"), directory / spec.csv_name]:
                    stale.unlink(missing_ok=True)
