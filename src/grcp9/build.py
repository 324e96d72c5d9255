"""Build steps called by the Makefile: check parameters, execute one notebook, build the book::

    python -m grcp9.build params --data-dir data --wave ''      # also lists the respondents' profiles
    python -m grcp9.build notebooks                           # executes the out-of-date notebooks
    python -m grcp9.build execute respondents                 # one notebook
    python -m grcp9.build profile arcp                        # one profile page
    python -m grcp9.build book
    python -m grcp9.build pdf .staging/pdf .staging/pdf/_toc.yml  # the book's PDF step (make book runs it)
    python -m grcp9.build html --data-dir data --wave ''        # the preview's steps (make html: via grcp9.preview)

Each step either succeeds completely or leaves the previous outputs untouched: notebooks are
executed into a temporary file and moved into place, and the book is built in a staging
directory and swapped into ``_build/`` only when both HTML and PDF succeeded.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grcp9 import latex, paths, results, source_date_epoch
from grcp9.latex import PDF_NAME
from grcp9.validation import run_command

MANIFEST_NAME = "MANIFEST.sha256"
# Notebook metadata that records when or where a notebook ran, not what it computed.
VOLATILE_CELL_METADATA = ("papermill", "execution")
VOLATILE_NOTEBOOK_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")


# Seconds a kernel may take to answer. papermill's 60 s ran out once on the 2-core machine while
# two sandbox builds, their kernels, LaTeX and Chromium all ran at the same time (make test).
KERNEL_START_TIMEOUT = 300


class BuildError(RuntimeError):
    """A build step failed; the message says which step and that earlier outputs are intact."""


def _write_if_changed(target: Path, content: bytes) -> bool:
    """Write ``content`` unless the file already holds it: an unchanged file keeps its timestamp,
    so make and Sphinx see nothing to redo. Returns True when the file was (re)written."""
    if target.is_file() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return True


def write_params(data_dir: str, wave: str, params_file: Path = paths.PARAMS_FILE, compare: str = "", loaded: Any = None) -> bool:
    """Validate the parameters against the data, then write them only if they changed.

    ``compare``: the waves to compare the shown one with, comma-separated; empty means every other
    wave of the package. ``loaded``: the package of ``data_dir`` loaded already, if it was. Returns
    True when the file was (re)written. An unchanged file keeps its timestamp, so make re-executes
    nothing.
    """
    from grcp9 import data, survey  # pandas: imported only by the steps that read data

    if loaded is None:
        loaded = data.load(data_dir)  # raises DataValidationError with file/row/column
    checked_wave = survey.check_wave(loaded, wave)
    survey.check_bases(loaded, checked_wave)
    compare_waves = survey.check_compare_waves(loaded, checked_wave, compare)
    about = loaded.wave(checked_wave)
    content = json.dumps({"data_dir": data_dir, "wave": checked_wave, "output_dir": str(paths.GENERATED_DIR.relative_to(paths.REPO_ROOT)),
                          "compare_waves": compare_waves, "report": about.has_report, "fictitious": about.fictitious},
                         indent=2, sort_keys=True) + "\n"
    return _write_if_changed(params_file, content.encode("utf-8"))


def params_fingerprint(data_dir: str, wave: str, compare: str = "") -> str | None:
    """A hash of everything the params step's verdict depends on: the arguments, every file of the
    data package's folder (names and bytes) and the package's code. None when the folder is
    missing (the params step then says so)."""
    root = paths.resolve(data_dir)
    if not root.is_dir():
        return None
    digest = hashlib.sha256(json.dumps([data_dir, wave, compare, str(paths.GENERATED_DIR)]).encode("utf-8"))
    for base, files in ((root, root.rglob("*")), (paths.PACKAGE_DIR, paths.PACKAGE_DIR.glob("*.py"))):
        for file in sorted(f for f in files if f.is_file()):
            digest.update(f"\0{base.name}/{file.relative_to(base).as_posix()}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _params_record(fingerprint: str) -> str:
    """What the params step keeps after a successful validation: the inputs' hash, and the hash of
    the outputs they gave (params.json and the profile list)."""
    outputs = hashlib.sha256(b"".join(o.read_bytes() for o in (paths.PARAMS_FILE, paths.PROFILE_LIST)))
    return f"{fingerprint}\n{outputs.hexdigest()}\n"


def validated(fingerprint: str | None) -> bool:
    """Whether the last successful params step validated these inputs and its outputs are as it
    wrote them."""
    return (fingerprint is not None and paths.PARAMS_INPUTS.is_file() and paths.PARAMS_FILE.is_file()
            and paths.PROFILE_LIST.is_file() and paths.PARAMS_INPUTS.read_text(encoding="utf-8") == _params_record(fingerprint))


def check_params(data_dir: str, wave: str, compare: str = "") -> str:
    """The params step: validate the data and parameters and write params.json and the profile
    list (each only if it changed). When the data, the package's code and the arguments hash as
    they did at the last successful validation, and its outputs are as it wrote them, nothing is
    validated again: the same inputs get the same verdict. Returns the step's progress line."""
    fingerprint = params_fingerprint(data_dir, wave, compare)
    if validated(fingerprint):
        note = " (unchanged since validated)"
    else:
        paths.PARAMS_INPUTS.unlink(missing_ok=True)  # until this validation succeeds
        from grcp9 import data

        loaded = data.load(data_dir)  # once for both (0.05 s a load); raises DataValidationError with file/row/column
        changed = write_params(data_dir, wave, paths.PARAMS_FILE, compare=compare, loaded=loaded)
        write_profile_list(paths.PARAMS_FILE, paths.PROFILE_LIST, loaded=loaded)
        note = "" if changed else " (unchanged)"
        if fingerprint is not None:
            paths.PARAMS_INPUTS.write_text(_params_record(fingerprint), encoding="utf-8")
    shown = read_parameters(paths.PARAMS_FILE)
    compared = f", compared with {', '.join(shown['compare_waves'])}" if shown["compare_waves"] else ""
    return f"[params] data {data_dir}, wave {shown['wave']}{compared}: valid{note}"


def selected_notebooks(parameters: dict[str, Any]) -> list[str]:
    """The computation notebooks this build runs: the survey notebooks always, the report layer's
    only for a wave with a published report, the comparison only when there are waves to compare."""
    names = [source.stem for source in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) if source.stem != paths.PROFILE_TEMPLATE]
    return [name for name in names
            if (parameters.get("report", True) or name not in paths.REPORT_NOTEBOOKS)
            and (parameters.get("compare_waves") or name not in paths.COMPARISON_NOTEBOOKS)]


def built_specs(parameters: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The figures and tables a build with these parameters makes: those of its notebooks."""
    from grcp9 import figures

    selected = set(selected_notebooks(parameters))
    return ([spec for spec in figures.FIGURES.values() if spec.notebook in selected],
            [spec for spec in figures.TABLES.values() if spec.notebook in selected])


def read_parameters(params_file: Path = paths.PARAMS_FILE, missing_ok: bool = False) -> dict[str, Any]:
    """The parameters of the last params step (with ``missing_ok``, {} before any)."""
    if missing_ok and not params_file.is_file():
        return {}
    return json.loads(params_file.read_text(encoding="utf-8"))


def notebook_parameters(parameters: dict[str, Any], name: str) -> dict[str, Any]:
    """What papermill passes to a notebook: the common parameters (and the waves to compare, to
    the comparison notebook)."""
    passed = {key: parameters[key] for key in paths.NOTEBOOK_PARAMETERS}
    if name in paths.COMPARISON_NOTEBOOKS:
        passed["compare_waves"] = ",".join(parameters.get("compare_waves", []))
    return passed


def strip_volatile_metadata(notebook: Any) -> Any:
    """Remove timings and temporary paths papermill records, so reruns are byte-identical."""
    papermill_meta = notebook.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_PAPERMILL:
        papermill_meta.pop(key, None)
    # The injected parameters are shown or hidden like the template's own parameters cell (the
    # profile template hides both: a page shows results, not code).
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
    """Join consecutive stream outputs of the same stream. The kernel flushes stdout on a timer, so
    one ``print`` can arrive as one message or as two (the text, then its newline), depending on
    the machine's load; joined, a cell's outputs are the same either way."""
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(copy.copy(output))  # the caller's outputs stay as they were
    return merged


_progress_lock = threading.Lock()


def progress(line: str) -> None:
    """Print one progress line whole. The build threads print at the same time, and print() writes
    the text and its newline separately: two lines once came out as one, followed by an empty one."""
    with _progress_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _run_notebook(source: Path, target: Path, parameters: dict[str, Any], label: str, position: str) -> Path:
    """Execute ``source`` into a temporary file, strip volatile metadata, then move it to ``target``.
    It runs in this thread's warm kernel (grcp9.kernels)."""
    import papermill

    from grcp9 import kernels  # noqa: F401  (registers the engines)

    if not source.is_file():
        raise BuildError(f"notebook step: expected {source.relative_to(paths.REPO_ROOT)}; no such notebook")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.stem}.running.ipynb")
    progress(f"[notebooks {position}] executing {label} (wave {parameters['wave']}, data {parameters['data_dir']})")
    try:
        papermill.execute_notebook(str(source), str(temporary), parameters=parameters, kernel_name="python3",
                                   cwd=str(paths.REPO_ROOT), progress_bar=False, log_output=False, engine_name="warm",
                                   start_timeout=KERNEL_START_TIMEOUT,
                                   # written once at the end (and on a failure), not after every cell
                                   request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as error:
        raise BuildError(f"notebook step failed in {label}, cell {error.exec_count}: {error.ename}: "
                         f"{error.evalue.splitlines()[0] if error.evalue else ''}\n"
                         f"The previous executed notebook (if any) is unchanged; the failed run is in {temporary}.") from None
    notebook = strip_volatile_metadata(nbformat.read(temporary, as_version=4))
    set_page_title(notebook, paths.results_path(target.stem, target.parent))
    nbformat.write(notebook, temporary)
    if not inputs_path(target).is_file():
        raise BuildError(f"notebook step: {source.name} did not record its inputs (call results.record_inputs last)")
    os.replace(temporary, target)  # after the notebook wrote its inputs record, so it is the newer file
    return target


def set_page_title(notebook: Any, results_file: Path) -> None:
    """A template's title cell (tag ``page-title``) becomes the title the notebook glued as ``page_title``."""
    for cell in notebook.cells:
        if "page-title" in cell.metadata.get("tags", []):
            title = results.read(results_file)["page_title"]["value"]
            cell.source = f"# {title}"


def execute(name: str, params_file: Path = paths.PARAMS_FILE, position: str = "") -> Path:
    """Execute notebooks/<name>.ipynb with papermill into book/generated/notebooks/<name>.ipynb."""
    parameters = notebook_parameters(read_parameters(params_file), name)
    return _run_notebook(paths.NOTEBOOKS_DIR / f"{name}.ipynb", paths.EXECUTED_DIR / f"{name}.ipynb",
                         parameters, f"{name}.ipynb", position)


def execute_profile(iscm_id: str, params_file: Path = paths.PARAMS_FILE, position: str = "") -> Path:
    """Execute the profile template for one respondent into book/generated/profiles/<iscm_id>.ipynb."""
    parameters = {**notebook_parameters(read_parameters(params_file), paths.PROFILE_TEMPLATE), "iscm_id": iscm_id}
    return _run_notebook(paths.NOTEBOOKS_DIR / f"{paths.PROFILE_TEMPLATE}.ipynb", paths.PROFILES_DIR / f"{iscm_id}.ipynb",
                         parameters, f"profile of {iscm_id}", position)


@dataclass(frozen=True)
class NotebookJob:
    kind: str  # "notebook" or "profile"
    name: str  # notebook stem or ISCM id
    source: Path
    target: Path

    @property
    def label(self) -> str:
        return f"{self.name}.ipynb" if self.kind == "notebook" else f"profile of {self.name}"


def notebook_jobs(profile_ids: list[str], notebooks: list[str]) -> list[NotebookJob]:
    """Every executed notebook the book needs: each selected notebook (``selected_notebooks``),
    and the profile template once per respondent."""
    jobs = [NotebookJob("notebook", name, paths.NOTEBOOKS_DIR / f"{name}.ipynb", paths.EXECUTED_DIR / f"{name}.ipynb")
            for name in notebooks]
    template = paths.NOTEBOOKS_DIR / f"{paths.PROFILE_TEMPLATE}.ipynb"
    jobs += [NotebookJob("profile", iscm_id, template, paths.PROFILES_DIR / f"{iscm_id}.ipynb") for iscm_id in profile_ids]
    return jobs


def inputs_path(target: Path) -> Path:
    """Where an executed notebook's record of the files it read lies (written by the notebook)."""
    return target.with_name(target.stem + paths.INPUTS_SUFFIX)


def recorded_dependencies(target: Path) -> list[Path] | None:
    """The data tables and package modules a previous run of this notebook read, or None if unknown."""
    record = inputs_path(target)
    if not record.is_file():
        return None
    inputs = json.loads(record.read_text(encoding="utf-8"))
    return [paths.resolve(item) for item in [*inputs["data"], *inputs["package"]]]


def is_outdated(job: NotebookJob, params_file: Path = paths.PARAMS_FILE) -> bool:
    """Like make: the executed notebook is missing, or older than its source, the parameters, or
    any data table or module it read last time (a vanished one counts as changed)."""
    if not job.target.is_file():
        return True
    dependencies = recorded_dependencies(job.target)
    if dependencies is None:
        return True
    built = job.target.stat().st_mtime_ns
    return any(not d.is_file() or d.stat().st_mtime_ns > built for d in [job.source, params_file, *dependencies])


def execute_outdated(jobs: int = 0, params_file: Path = paths.PARAMS_FILE,
                     meanwhile: Callable[[], object] | None = None) -> list[NotebookJob]:
    """Execute the out-of-date notebooks, ``jobs`` kernels at a time (default: one per core), and touch
    the execution stamp if anything ran, so make rebuilds the book only then. ``meanwhile`` runs in
    this thread while the kernels work (the preview writes the downloads made from the data then)."""
    profile_ids = paths.PROFILE_LIST.read_text(encoding="utf-8").split()
    notebooks = selected_notebooks(read_parameters(params_file))
    todo = [job for job in notebook_jobs(profile_ids, notebooks) if is_outdated(job, params_file)]
    if not todo:
        return []
    lock = threading.Lock()
    started = iter(range(1, len(todo) + 1))

    def run(job: NotebookJob) -> Path:
        with lock:
            position = f"{next(started)}/{len(todo)}"
        if job.kind == "profile":
            return execute_profile(job.name, params_file, position)
        return execute(job.name, params_file, position)

    # One kernel per core. With a kernel started for each notebook, one more than cores was faster
    # (kernels spend part of their start-up waiting: 22 notebooks in 22.3 s with 2 at a time, 18.7 s
    # with 3); with warm kernels, started once per thread, a third kernel only adds its start-up and
    # imports (24 notebooks in 6.9 s with 2, 7.5 s with 3, measured twice each on 2 cores).
    workers = jobs or os.cpu_count() or 1
    from grcp9 import kernels

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, job) for job in todo]
            if meanwhile is not None:
                meanwhile()
            concurrent.futures.wait(futures)
    finally:
        kernels.shutdown_warm_kernels()
    errors = [error for error in (f.exception() for f in futures) if error is not None]
    if errors:
        raise errors[0]
    paths.EXECUTION_STAMP.touch()
    return todo


def may_execute(data_dir: str, wave: str, compare: str = "") -> bool:
    """Whether the notebook step may have anything to execute, known before the params step: the
    data, the package's code or the arguments changed since the last validation, or a notebook is
    outdated already."""
    if not validated(params_fingerprint(data_dir, wave, compare)):
        return True
    profile_ids = paths.PROFILE_LIST.read_text(encoding="utf-8").split()
    return any(is_outdated(job) for job in notebook_jobs(profile_ids, selected_notebooks(read_parameters())))


def notebooks_line(executed: list[NotebookJob], started: float, kept: bool = False) -> str:
    """The notebook step's last progress line: how many notebooks it executed, in how long (and
    whether in the kernel the last preview kept, grcp9.kernels.keep_kernel)."""
    if not executed:
        return "[notebooks] up to date"
    return (f"[notebooks] {len(executed)} executed in {time.monotonic() - started:.1f} s"
            + (" (the first in the kernel kept by the last preview)" if kept else ""))


def write_profile_list(params_file: Path = paths.PARAMS_FILE, target: Path = paths.PROFILE_LIST, loaded: Any = None) -> list[str]:
    """List one profile per respondent (from the data), rewriting the list only if it changed, and
    remove what this build no longer makes (``remove_unbuilt_outputs``). ``loaded``: the package
    of the parameters' data folder loaded already, if it was."""
    parameters = read_parameters(params_file)
    from grcp9 import data, survey

    if loaded is None:
        loaded = data.load(parameters["data_dir"])
    ids = survey.respondents(loaded, survey.check_wave(loaded, parameters["wave"]))["iscm_id"].tolist()
    content = "".join(f"{iscm_id}\n" for iscm_id in ids)
    _write_if_changed(target, content.encode("utf-8"))  # so make rebuilds the book only when it changes
    remove_unbuilt_outputs(parameters, ids)
    return ids


def remove_unbuilt_outputs(parameters: dict[str, Any], profile_ids: list[str]) -> None:
    """Remove the executed pages this build no longer has (another wave's respondents, the report
    layer's notebooks for a wave without a report) and the figures and tables of the notebooks it
    does not run, so that no page or file of another build survives."""
    keep = {paths.PROFILES_DIR: set(profile_ids), paths.EXECUTED_DIR: set(selected_notebooks(parameters))}
    for directory, wanted in keep.items():
        for stale in directory.glob("*.ipynb") if directory.is_dir() else []:
            if stale.stem not in wanted:
                stale.unlink()
                paths.results_path(stale.stem, directory).unlink(missing_ok=True)
                inputs_path(stale).unlink(missing_ok=True)
    from grcp9 import figures

    build_figures, build_tables = built_specs(parameters)
    for specs, directory, built in ((figures.FIGURES.values(), paths.FIGURES_DIR, build_figures),
                                    (figures.TABLES.values(), paths.TABLES_DIR, build_tables)):
        for spec in specs:
            if spec not in built:
                # .<key>.pdf-inputs: the figure's record of what its PDF was made from (grcp9.style.save)
                for stale in [*directory.glob(f"{spec.key}.*"), *directory.glob(f".{spec.key}.*"), directory / spec.csv_name]:
                    stale.unlink(missing_ok=True)


def _jupyter_book_command(output: Path, toc: Path, *arguments: str) -> list[str]:
    executable = Path(sys.executable).with_name("jupyter-book")
    return [str(executable), "build", str(paths.BOOK_DIR), "--config", str(paths.CONFIG_FILE), "--toc", str(toc),
            "-W", "-n", "--keep-going", "--path-output", str(output), *arguments]


def book_toc(toc: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The HTML book's table of contents for this build: ``_toc.yml`` without the report layer's
    pages when the wave shown has no published report, and without the comparison when there is
    no other wave to compare with."""
    dropped = set()
    if not parameters.get("report", True):
        dropped |= set(paths.REPORT_PAGES) | {f"{paths.BOOK_NOTEBOOKS.strip('/')}/{name}" for name in paths.REPORT_NOTEBOOKS}
    if not parameters.get("compare_waves"):
        dropped |= set(paths.COMPARISON_PAGES) | {f"{paths.BOOK_NOTEBOOKS.strip('/')}/{name}" for name in paths.COMPARISON_NOTEBOOKS}
    parts = []
    for part in toc["parts"]:
        chapters = [entry for entry in part["chapters"] if entry.get("file") not in dropped]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {**toc, "parts": parts}


def _write_toc(target: Path, toc: dict[str, Any]) -> Path:
    import yaml

    _write_if_changed(target, yaml.safe_dump(toc, sort_keys=False, allow_unicode=True).encode("utf-8"))
    return target


def _this_build_toc(params_file: Path) -> dict[str, Any]:
    import yaml

    return book_toc(yaml.safe_load(paths.TOC_FILE.read_text(encoding="utf-8")), read_parameters(params_file))


def write_book_toc(target: Path, params_file: Path = paths.PARAMS_FILE) -> Path:
    return _write_toc(target, _this_build_toc(params_file))


def reader_toc(toc: dict[str, Any]) -> dict[str, Any]:
    """The reader PDF's table of contents: the HTML book's, without the computation notebooks
    (they stay in the HTML edition), without the HTML-only pages (the references, which LaTeX
    prints once at the end, and the downloads), and with the landing page as the first chapter under a root
    document of its own."""
    def keep(entry: dict[str, Any]) -> bool:
        file = entry.get("file", "")
        return not file.startswith(paths.BOOK_NOTEBOOKS.strip("/")) and file not in paths.HTML_ONLY_PAGES

    parts = [{"chapters": [{"file": toc["root"]}]}]
    for part in toc["parts"]:
        chapters = [entry for entry in part["chapters"] if keep(entry)]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {"format": toc["format"], "root": paths.PDF_ROOT, "parts": parts}


def write_reader_toc(target: Path, params_file: Path = paths.PARAMS_FILE) -> Path:
    return _write_toc(target, reader_toc(_this_build_toc(params_file)))


def bibtex_entry(citation: dict[str, Any], repository: str) -> str:
    """The edition's BibTeX entry, from CITATION.cff."""
    authors = " and ".join("{" + a.get("name", f"{a.get('family-names', '')}, {a.get('given-names', '')}") + "}"
                           for a in citation["authors"])
    year = str(citation.get("date-released", ""))[:4]
    fields = {"title": "{" + citation["title"] + "}", "author": authors, "year": year, "version": citation["version"],
              "note": "Data package, notebooks and book (HTML and PDF)", "url": repository}
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields.items() if value)
    return f"@misc{{grcp9-edition-{citation['version']},\n{body}\n}}\n"


def write_data_downloads(params_file: Path = paths.PARAMS_FILE) -> str:
    """The downloads made from the data alone: the data package (zip) and the questionnaire of the
    wave shown (XLSForm), in ``book/generated/downloads/``. Returns the XLSForm's file name.

    They are made from the data, the package's code and the time their entries carry
    (SOURCE_DATE_EPOCH, the last commit's): made again only when one of those changed. (Up to
    3a2858b the time was left out, and a commit that changed neither data nor code left the last
    commit's time in them: a clean build differed.)"""
    from grcp9 import release

    parameters = read_parameters(params_file)
    target = paths.DOWNLOADS_DIR
    target.mkdir(parents=True, exist_ok=True)
    data_zip = target / paths.DATA_ZIP_NAME
    xlsform_name = paths.xlsform_name(parameters["wave"])
    data_inputs = params_fingerprint(parameters["data_dir"], parameters["wave"])
    fingerprint = None if data_inputs is None else f"{data_inputs} {source_date_epoch()}"
    made = (fingerprint is not None and data_zip.is_file() and (target / xlsform_name).is_file()
            and paths.DOWNLOADS_INPUTS.is_file() and paths.DOWNLOADS_INPUTS.read_text(encoding="utf-8") == fingerprint)
    if not made:
        paths.DOWNLOADS_INPUTS.unlink(missing_ok=True)
        staged = target / f".{paths.DATA_ZIP_NAME}.new"
        release.data_archive(paths.resolve(parameters["data_dir"]), staged, Path(paths.DATA_ZIP_NAME).stem)
        _write_if_changed(data_zip, staged.read_bytes())
        staged.unlink()
        # The questionnaire of the wave shown, as an XLSForm for KoBoToolbox and ODK (grcp9.xlsform).
        from grcp9 import data, xlsform

        loaded = data.load(parameters["data_dir"])
        _write_if_changed(target / xlsform_name, xlsform.workbook_bytes(xlsform.form(loaded, parameters["wave"])))
        if fingerprint is not None:
            paths.DOWNLOADS_INPUTS.write_text(fingerprint, encoding="utf-8")
    for stale in target.glob("grcp9-questionnaire-*.xlsx"):
        if stale.name != xlsform_name:
            stale.unlink()
    return xlsform_name


def write_downloads(params_file: Path = paths.PARAMS_FILE) -> list[Path]:
    """The files the HTML edition offers for download (``book/generated/downloads/``): the data
    files (``write_data_downloads``), the citation (CFF and BibTeX), a copy of each executed profile,
    and a Markdown list of them and of every executed notebook, included by ``book/downloads.md``.
    Files are rewritten only when their content changes; the zip is deterministic."""
    import yaml

    parameters = read_parameters(params_file)
    target = paths.DOWNLOADS_DIR
    xlsform_name = write_data_downloads(params_file)
    citation_text = (paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    citation = yaml.safe_load(citation_text)
    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    repository = config.get("sphinx", {}).get("config", {}).get("edition_repository", "")
    _write_if_changed(target / paths.CITATION_CFF_NAME, citation_text.encode("utf-8"))
    _write_if_changed(target / paths.CITATION_BIB_NAME, bibtex_entry(citation, repository).encode("utf-8"))

    def link(label: str, path: str) -> str:
        return f"{{download}}`{label} </{path}>`"

    generated = paths.GENERATED_DIR.relative_to(paths.BOOK_DIR)
    notebooks = sorted(paths.EXECUTED_DIR.glob("*.ipynb"))
    profiles = sorted(paths.PROFILES_DIR.glob("*.ipynb"))
    lines = [
        "## The data package", "",
        (f"- {link(paths.DATA_ZIP_NAME, f'{generated}/downloads/{paths.DATA_ZIP_NAME}')}: every table (CSV), its "
        "`datapackage.json` (Frictionless Data Package) and its `README.md`, exactly as this book was built from."), "",
        "## The questionnaire, ready for a survey tool", "",
        (f"- {link(xlsform_name, f'{generated}/downloads/{xlsform_name}')}: the questionnaire of wave {parameters['wave']} as an "
         "XLSForm (sheets survey, choices, settings) for KoBoToolbox or ODK, written from the same rows as the "
         "questionnaire appendix. Answers the tool exports come back in with `make import`."), "",
        "## How to cite this edition", "",
        f"- {link(paths.CITATION_CFF_NAME, f'{generated}/downloads/{paths.CITATION_CFF_NAME}')}: Citation File Format",
        f"- {link(paths.CITATION_BIB_NAME, f'{generated}/downloads/{paths.CITATION_BIB_NAME}')}: BibTeX", "",
        "## The executed notebooks", "",
        "Each computation notebook as it ran for this book, outputs included (Jupyter `.ipynb`):", "",
        *[f"- {link(n.name, f'{generated}/notebooks/{n.name}')}" for n in notebooks], "",
        "The profile pages, one executed copy of the profile template per respondent:", "",
        *[f"- {link(f'profile-{p.name}', f'{generated}/downloads/profile-{p.name}')}" for p in profiles], "",
    ]
    # Profiles are downloaded as profile-<ISCM>.ipynb: the file name says what the file is.
    for profile in profiles:
        _write_if_changed(target / f"profile-{profile.name}", profile.read_bytes())
    for stale in target.glob("profile-*.ipynb"):
        if stale.name.removeprefix("profile-") not in {p.name for p in profiles}:
            stale.unlink()
    _write_if_changed(target / "downloads.md", "\n".join(lines).encode("utf-8"))
    return sorted(target.iterdir())


PROBLEM_LINE = re.compile(r"\b(WARNING|ERROR|SEVERE|CRITICAL):")


def _print_log_end(log: Path) -> None:
    """A failed step's problems: the log's lines where Sphinx says what went wrong (it says them
    as it reads or writes a page, and an early one was cut off by the end alone), then the log's
    end, where LaTeX and Jupyter Book say it."""
    text = log.read_text(encoding="utf-8")
    problems = [line for line in text.splitlines() if PROBLEM_LINE.search(line)][:20]
    if problems:
        print("\n".join(["[problems in the log]", *problems, "[the log's end]"]), file=sys.stderr)
    print(text[-4000:], file=sys.stderr)


def _run_jupyter_book(steps: dict[str, tuple[Path, list[str]]], label: str) -> list[str]:
    """Run each step (name: staging root, command: Jupyter Book's, or ``pdf_step_command``'s), all
    at the same time, each logging to ``<root>/build.log``; print the end of the log of a step that
    failed. Returns the steps that failed."""
    started = time.monotonic()
    running = {}
    records = {step: warned_pages_record(root) for step, (root, _) in steps.items()}
    for step, (root, command) in steps.items():
        root.mkdir(parents=True, exist_ok=True)
        log = (root / "build.log").open("w", encoding="utf-8")
        print(f"[{label}] building {step} (log: {(root / 'build.log').relative_to(paths.REPO_ROOT)})", flush=True)
        # Each step in a process group of its own, so that stopping it stops LaTeX too.
        running[step] = (subprocess.Popen(command, cwd=paths.REPO_ROOT, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True), log, root)
    failed: list[str] = []
    pending = dict(running)
    ended_badly: list[str] = []  # failed or stopped
    # Fail fast: when one step fails, the others are stopped (the book is not replaced anyway).
    while pending:
        for step, (process, log, root) in list(pending.items()):
            code = process.poll()
            if code is None:
                continue
            del pending[step]
            log.close()
            if code != 0:
                ended_badly.append(step)
            if code != 0 and not (failed and code < 0):  # a step we stopped is not a failure of its own
                failed.append(step)
                _print_log_end(root / "build.log")
                for other, (other_process, _, _) in pending.items():
                    print(f"[{label}] stopping {other}: {step} failed", flush=True)
                    try:
                        os.killpg(other_process.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            elif code == 0:
                print(f"[{label}] {step} built in {time.monotonic() - started:.1f} s", flush=True)
        time.sleep(0.1)
    for step in ended_badly:
        forget_environment(steps[step][0], records[step])
    return failed


def warned_pages_record(root: Path) -> tuple[int, int] | None:
    """Which record of the pages that warned (book/_ext/warned_pages.py) the staging tree ``root``
    holds: its inode and modification time, None if there is none. Sphinx writes a new one at the
    end of every build it finishes, warnings or not; the same record after a step means that
    Sphinx did not finish (stopped, or an error before its end)."""
    try:
        status = (root / "_build" / ".doctrees" / paths.WARNED_PAGES_NAME).stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns


def forget_environment(root: Path, record_before: tuple[int, int] | None) -> None:
    """After a step in the staging tree ``root`` failed or was stopped: remove the environment
    Sphinx saved there, unless Sphinx finished a build since ``record_before`` (the
    ``warned_pages_record`` taken before the step). Sphinx saves what it read before it writes,
    and a page it read with a warning was not read again by the next build, which then passed
    without the warning (seen with a module docstring that broke the API page: the second make
    book built the book). The pages that warned in a build Sphinx finished are read again by the
    next build (book/_ext/warned_pages.py); after one it did not finish, the next build reads
    every page."""
    if warned_pages_record(root) in (None, record_before):  # Sphinx did not finish
        (root / "_build" / ".doctrees" / "environment.pickle").unlink(missing_ok=True)


def _reset_staging_on_new_parameters(params_file: Path = paths.PARAMS_FILE) -> bool:
    """Sphinx's saved environment belongs to one set of parameters: another wave or data package
    changes which pages exist and which ``{only}`` blocks apply, so it starts afresh then (and
    this returns True)."""
    marker = paths.STAGING_DIR / "params.json"
    current = params_file.read_bytes()
    if marker.is_file() and marker.read_bytes() == current:
        return False
    paths.STAGING_DIR.mkdir(parents=True, exist_ok=True)
    for child in paths.STAGING_DIR.iterdir():  # not the records of what is kept: a preview may be using it
        if child in (paths.KEPT_KERNEL_DIR, paths.KEPT_PREVIEW_DIR):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    marker.write_bytes(current)
    return True


# What the HTML step imports first (Sphinx, Jupyter Book, myst-nb, the theme): about 0.6 s, which
# the preview's HTML worker spends while the data is validated and the notebooks run (``import_html_builder``).
HTML_BUILDER_MODULES = ("jupyter_book.cli.main", "jupyter_book.sphinx", "sphinx.application", "myst_nb.sphinx_ext",
                        "sphinx_book_theme", "sphinx_design", "sphinxcontrib.bibtex", "sphinx.ext.viewcode")


def import_html_builder() -> None:
    """Import the HTML step's modules (while something else, e.g. a kernel, does the work)."""
    import importlib

    for name in HTML_BUILDER_MODULES:
        importlib.import_module(name)


PREVIEW_HTML_ROOT = paths.STAGING_DIR / "html"  # the same staging tree as the book's HTML: it reads incrementally


def warm_html_builder() -> None:
    """Do ahead what the HTML step does the first time it writes a page, whatever the page, and then
    keeps for the process's life: compile soupsieve's selector parser (0.1 s; the theme edits each
    page's sidebar with CSS selectors) and the code cells' lexer (0.1 s). Only caches change:
    measured when this was added, a preview that wrote every page gave the same files with and
    without it."""
    import soupsieve
    from pygments.lexers import get_lexer_by_name

    soupsieve.compile("ul > li.toctree-l1 > a[href]")
    for language in ("ipython3", "python"):
        list(get_lexer_by_name(language).get_tokens("x = 1\n"))


class HtmlWorker:
    """The preview's HTML step in a process of its own (``python -m grcp9.build html-worker``),
    started when the preview starts (or, kept for the next preview, before: ``grcp9.preview``).
    While this process validates the data and the kernel runs the notebooks, the worker imports
    Sphinx, Jupyter Book and the book's extensions (about 0.6 s); told ``start`` (the parameters
    and the table of contents are written), it sets Sphinx up (0.3 s: the configuration, the saved
    environment, the theme); told ``build`` (the notebooks are done), it builds. Without a message
    (this process failed or stopped), it leaves without building. Both were on the preview's path
    before: the imports while a notebook ran, in this process, and Sphinx's set-up after the
    notebooks.

    The messages go over a socket pair, the worker's standard input. ``start`` carries this
    process's standard output and error at the time: the worker writes its messages there from
    then on, so a worker started before the preview it serves writes to that preview's output."""

    def __init__(self, root: Path = PREVIEW_HTML_ROOT, toc: Path = PREVIEW_HTML_ROOT / "_toc.yml") -> None:
        self.root, self.toc = root, toc
        self.started = False  # told "start"
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen([sys.executable, "-m", "grcp9.build", "html-worker", str(root), str(toc)],
                                            stdin=theirs.fileno())

    def start(self) -> None:
        """Set Sphinx up now (once the parameters and the table of contents are written)."""
        if not self.started:
            sys.stdout.flush()
            sys.stderr.flush()
            socket.send_fds(self.channel, [b"start"], [sys.stdout.fileno(), sys.stderr.fileno()])
            self.started = True

    def build(self) -> bool:
        """Build now; whether the build succeeded (on a failure the worker printed its log's end)."""
        print(f"[preview] building HTML (log: {(self.root / 'build.log').relative_to(paths.REPO_ROOT)})", flush=True)
        self.start()
        self.channel.send(b"build")
        return self.process.wait() == 0

    def stop(self) -> None:
        """Let the worker go without building, if it still runs."""
        self.channel.close()  # the worker reads the end of its messages and leaves
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_spare_worker: list[HtmlWorker] = []  # started ahead by a process kept for the next preview


def start_spare_worker() -> None:
    """Start the preview's HTML worker ahead of the preview (``grcp9.preview``), for ``take_worker``."""
    _spare_worker.append(HtmlWorker())


def prepare_preview() -> None:
    """What a process kept for the next preview does ahead (``grcp9.preview.serve``): import what
    the preview imports as it goes (pandas for the validation, papermill and the kernels' client,
    the data downloads' writers) and start its HTML worker."""
    from grcp9 import data, figures, kernels, release, survey, xlsform  # noqa: F401

    start_spare_worker()


def take_worker() -> HtmlWorker:
    """The HTML worker started ahead, if any, or a new one (it imports Sphinx meanwhile)."""
    return _spare_worker.pop() if _spare_worker else HtmlWorker()


def _worker_messages() -> Iterator[str]:
    """The worker's side of the channel of ``HtmlWorker``: each message as text, "" at its end. The
    streams that come with ``start`` become the worker's standard output and error."""
    channel = socket.socket(fileno=sys.stdin.fileno())
    while True:
        message, streams, _, _ = socket.recv_fds(channel, 64, 2)
        for target, stream in zip((1, 2), streams):
            os.dup2(stream, target)
            os.close(stream)
        yield message.decode()
        if not message:
            return


def _jupyter_book_here(command: list[str]) -> bool:
    """Run ``command`` (``_jupyter_book_command``'s) in this process, as the command would run;
    whether it succeeded. Any error of Sphinx, Jupyter Book or an extension fails it, its traceback
    printed as the command would print it."""
    import traceback

    from jupyter_book.cli.main import main as jupyter_book

    try:
        jupyter_book.main(command[1:], prog_name="jupyter-book", standalone_mode=False)
    except SystemExit as stop:  # Jupyter Book's exit on Sphinx's non-zero status
        return stop.code in (0, None)
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return False
    return True


def run_html_worker(root: Path, toc: Path) -> int:
    """The worker's side of ``HtmlWorker``: Jupyter Book's HTML build, its messages into
    ``<root>/build.log``. Sphinx is set up after the message ``start``, then waits for ``build``
    before it builds; on any other message, or the end of the channel, the worker leaves without
    building. On a failure it prints the log's end. Its exit status is 0 when the HTML was built,
    1 when the build failed, 3 when it was let go without building."""
    import contextlib

    import_html_builder()
    warm_html_builder()
    from sphinx.application import Sphinx

    messages = _worker_messages()
    if next(messages) != "start":
        return 3
    build = Sphinx.build
    started = time.monotonic()

    def build_when_told(app: Any, *arguments: Any, **options: Any) -> Any:
        nonlocal started
        if next(messages, "") != "build":
            os._exit(3)  # Sphinx has written nothing before it builds
        started = time.monotonic()
        return build(app, *arguments, **options)

    Sphinx.build = build_when_told
    log_file = root / "build.log"
    root.mkdir(parents=True, exist_ok=True)
    with log_file.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        succeeded = _jupyter_book_here(_jupyter_book_command(root, toc))
    if not succeeded:
        _print_log_end(log_file)
        return 1
    print(f"[preview] HTML built in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def start_preview_html(worker: HtmlWorker) -> None:
    """Once the data is validated: the staging tree for these parameters and its table of
    contents, then the worker sets Sphinx up while the notebooks run, if the parameters are those
    of the staging tree's last build. New parameters bring pages that their notebooks have yet to
    write, and set up before them, Sphinx failed on them (37 warnings, seen in the benchmark's
    first preview of a generated wave): the worker then starts after the notebooks."""
    fresh = _reset_staging_on_new_parameters()
    write_book_toc(worker.toc)
    if not fresh:
        worker.start()


def build_preview(worker: HtmlWorker) -> Path:
    """HTML only, for an author's quick look: built by the HTML worker, set up already (see
    ``start_preview_html``), and copied to ``_preview/html``. ``_build/`` is left alone: the book
    there is only ever replaced by ``build_book``, HTML and PDF together."""
    write_downloads()
    # Unlike the book, pages are not all written afresh: Sphinx writes only what changed.
    record = warned_pages_record(worker.root)
    if not worker.build():
        forget_environment(worker.root, record)
        raise BuildError(f"preview step 'HTML' failed (see the messages above); {paths.PREVIEW_DIR.name}/ is unchanged")
    html_root = worker.root
    incoming = paths.PREVIEW_DIR.with_name(paths.PREVIEW_DIR.name + ".incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    snapshot(html_root / "_build" / "html", paths.PREVIEW_DIR / "html", incoming / "html")
    shutil.rmtree(paths.PREVIEW_DIR, ignore_errors=True)
    os.replace(incoming, paths.PREVIEW_DIR)
    return paths.PREVIEW_DIR / "html" / "index.html"


def snapshot(source: Path, previous: Path, target: Path) -> None:
    """Copy the tree ``source`` to ``target`` (a new folder), as ``shutil.copytree`` with symlinks
    kept would, except that a file which ``previous`` (the last snapshot of ``source``) holds as it
    is now (same size and modification time, which the copies keep, as rsync compares them) is
    hard-linked from there instead of copied. Nothing is written into an existing file, so
    ``previous`` stays as it was until it is replaced. Copying the preview's 280 files took 0.2 to
    0.3 s after a one-table change, of which a few files had changed."""
    for directory, folders, names in os.walk(source):
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        linked = [name for name in folders if Path(directory, name).is_symlink()]
        folders[:] = [name for name in folders if name not in linked]  # os.walk does not enter them
        for name in [*names, *linked]:
            now, before, made = Path(directory, name), previous / relative / name, target / relative / name
            if now.is_symlink():
                os.symlink(os.readlink(now), made)
                continue
            state = now.stat()
            try:
                kept = before.lstat()
            except FileNotFoundError:
                kept = None
            if (kept is not None and stat.S_ISREG(kept.st_mode) and kept.st_size == state.st_size
                    and kept.st_mtime_ns == state.st_mtime_ns):
                os.link(before, made)
            else:
                shutil.copy2(now, made)


def build_book() -> tuple[Path, Path]:
    """Build HTML and PDF at the same time, each in its own staging tree (Sphinx environments must
    not be shared between concurrent builds); replace ``_build/`` only if both succeed."""
    _reset_staging_on_new_parameters()
    html_root, pdf_root = paths.STAGING_DIR / "html", paths.STAGING_DIR / "pdf"
    write_downloads()
    # Sphinx keeps reading incrementally (its environment is in .doctrees), but every page is
    # written afresh: no page of a removed document survives, and the output equals a clean build's.
    shutil.rmtree(html_root / "_build" / "html", ignore_errors=True)
    pdf_toc = write_reader_toc(pdf_root / "_toc.yml")
    html_toc = write_book_toc(html_root / "_toc.yml")
    latex.remove_outputs(pdf_root / "_build" / "latex")  # LaTeX starts from no auxiliary files
    failed = _run_jupyter_book({"HTML": (html_root, _jupyter_book_command(html_root, html_toc)),
                                "PDF": (pdf_root, pdf_step_command(pdf_root, pdf_toc))}, "book")
    if failed:
        raise BuildError(f"book step '{failed[0]}' failed (see the messages above); "
                         f"the previous book in {paths.BUILD_DIR.name}/ is unchanged")
    pdf = pdf_root / "_build" / "latex" / PDF_NAME
    if not pdf.is_file():
        raise BuildError(f"book step 'PDF' produced no {pdf.name}; the previous book is unchanged")
    incoming = paths.BUILD_DIR.with_name("_build.incoming")
    outgoing = paths.BUILD_DIR.with_name("_build.outgoing")
    for leftover in (incoming, outgoing):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(html_root / "_build" / "html", incoming / "html", symlinks=True)
    shutil.copytree(pdf_root / "_build" / "latex", incoming / "latex", symlinks=True)
    shutil.copyfile(pdf, incoming / "html" / PDF_NAME)  # offered on the HTML site's download page
    write_manifest(incoming)
    if paths.BUILD_DIR.exists():
        os.replace(paths.BUILD_DIR, outgoing)
    os.replace(incoming, paths.BUILD_DIR)
    shutil.rmtree(outgoing, ignore_errors=True)
    return paths.BUILD_DIR / "html" / "index.html", paths.BUILD_DIR / "latex" / PDF_NAME


def pdf_step_command(root: Path, toc: Path) -> list[str]:
    return [sys.executable, "-m", "grcp9.build", "pdf", str(root), str(toc)]


def run_pdf_step(root: Path, toc: Path) -> int:
    """The book's PDF step, in a process of its own (``pdf_step_command``): Jupyter Book's LaTeX
    build (Sphinx), then the PDF from the LaTeX it wrote (``grcp9.latex.make_pdf``: a LaTeX run,
    or the kept outputs of the last one when it would read the same files). Its exit status."""
    if not _jupyter_book_here(_jupyter_book_command(root, toc, "--builder", "latex")):
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    return latex.make_pdf(root / "_build" / "latex", root / paths.KEPT_LATEX_NAME)


def manifest_files(build_dir: Path) -> list[Path]:
    """The outputs a build promises to reproduce byte for byte: everything the notebooks wrote,
    the HTML site and the PDF. LaTeX's intermediate files (logs, aux) are not outputs."""
    generated = [p for p in paths.GENERATED_DIR.rglob("*") if p.is_file() and not p.name.startswith(".")]
    html = [p for p in (build_dir / "html").rglob("*") if p.is_file()]
    return sorted([*generated, *html, build_dir / "latex" / PDF_NAME])


def write_manifest(build_dir: Path) -> Path:
    """SHA-256 of every output, as ``sha256sum`` writes it (paths relative to the repository root,
    as they will be once ``build_dir`` is in place as ``_build``)."""
    lines = []
    for file in manifest_files(build_dir):
        relative = file.relative_to(paths.REPO_ROOT)
        if relative.parts[0] == build_dir.name:
            relative = Path(paths.BUILD_DIR.name, *relative.parts[1:])
        lines.append(f"{hashlib.sha256(file.read_bytes()).hexdigest()}  {relative}")
    manifest = build_dir / MANIFEST_NAME
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None, kept: bool = False) -> int:
    """The steps' command line; ``kept``: this is the process kept for the next preview (grcp9.preview)."""
    parser = argparse.ArgumentParser(prog="python -m grcp9.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    params = commands.add_parser("params", help="validate data and parameters; write params.json and the profile list if changed")
    params.add_argument("--data-dir", default="data")
    params.add_argument("--wave", default="", help="the wave shown (default: the package's latest)")
    params.add_argument("--compare", default="", help="waves to compare with, comma-separated (default: every other wave)")
    run = commands.add_parser("execute", help="execute one notebook with papermill")
    run.add_argument("name")
    run.add_argument("--position", default="", help="progress shown as i/n")
    profile = commands.add_parser("profile", help="execute the profile template for one respondent")
    profile.add_argument("iscm_id")
    profile.add_argument("--position", default="", help="progress shown as i/n")
    outdated = commands.add_parser("notebooks", help="execute the out-of-date notebooks, in parallel")
    outdated.add_argument("--jobs", type=int, default=0, help="kernels at a time (default: one per core)")
    commands.add_parser("book", help="build HTML and PDF atomically into _build/")
    pdf_step = commands.add_parser("pdf", help="the book's PDF step: Sphinx's LaTeX, then LaTeX or its kept PDF (run_pdf_step)")
    pdf_step.add_argument("root", type=Path)
    pdf_step.add_argument("toc", type=Path)
    worker = commands.add_parser("html-worker", help="the preview's HTML step, told when to set up and build (HtmlWorker)")
    worker.add_argument("root", type=Path)
    worker.add_argument("toc", type=Path)
    html = commands.add_parser("html", help="params, notebooks and the preview's HTML, in this process and an HTML worker (make html)")
    html.add_argument("--data-dir", default="data")
    html.add_argument("--wave", default="")
    html.add_argument("--compare", default="")
    arguments = parser.parse_args(argv)
    if arguments.command == "html-worker":
        return run_html_worker(arguments.root, arguments.toc)
    if arguments.command == "pdf":
        return run_pdf_step(arguments.root, arguments.toc)

    def step() -> str:
        if arguments.command == "params":
            return check_params(arguments.data_dir, arguments.wave, arguments.compare)
        if arguments.command == "execute":
            execute(arguments.name, position=arguments.position)
            return ""
        if arguments.command == "profile":
            from grcp9 import kernels

            try:
                execute_profile(arguments.iscm_id, position=arguments.position)
            finally:
                kernels.shutdown_warm_kernels()
            return ""
        if arguments.command == "notebooks":
            started = time.monotonic()
            executed = execute_outdated(jobs=arguments.jobs)
            return notebooks_line(executed, started)
        if arguments.command == "html":  # the steps of make html, without an interpreter started for each
            from grcp9 import kernels, preview

            worker = take_worker()
            try:
                try:
                    # the kernel the last preview kept, or one that starts while the data is validated
                    if may_execute(arguments.data_dir, arguments.wave, arguments.compare) and not kernels.take_kept_kernel():
                        kernels.start_spare_kernel()
                    print(check_params(arguments.data_dir, arguments.wave, arguments.compare), flush=True)
                    start_preview_html(worker)
                    started = time.monotonic()
                    executed = execute_outdated(meanwhile=write_data_downloads)
                finally:  # also when validation failed or nothing was outdated: the spare kernel was not used
                    kernels.shutdown_warm_kernels()
                print(notebooks_line(executed, started, kernels.kept_kernel_ran()), flush=True)
                ran_in = " (run by the process kept by the last preview)" if kept else ""
                return f"[preview] HTML: {build_preview(worker).relative_to(paths.REPO_ROOT)}{ran_in}"
            finally:
                worker.stop()  # when something failed before the build
                kernels.keep_kernel()  # for the next preview; it starts on its own as this process ends
                preview.keep()  # and a process for it, with the HTML worker started
        html, pdf = build_book()
        return f"[book] HTML: {html.relative_to(paths.REPO_ROOT)}\n[book] PDF:  {pdf.relative_to(paths.REPO_ROOT)}"

    return run_command(step, BuildError)

if __name__ == "__main__":
    status = main()
    if sys.argv[1:2] in (["html"], ["html-worker"]):
        # The preview's process holds Sphinx, pandas and a notebook client: tearing them down took
        # 0.3-0.5 s after the work was done. By now its files are written and closed and its
        # kernels stopped, so it leaves at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
