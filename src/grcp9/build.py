"""Build steps called by the Makefile: check parameters, execute one notebook, build the book.

    python -m grcp9.build params --data-dir data --wave 2021
    python -m grcp9.build execute respondents [--position 1/3]
    python -m grcp9.build profile-list        # book/generated/profiles.mk, from the data
    python -m grcp9.build profile arcp [--position 1/15]
    python -m grcp9.build book

Each step either succeeds completely or leaves the previous outputs untouched: notebooks are
executed into a temporary file and moved into place, and the book is built in a staging
directory and swapped into ``_build/`` only when both HTML and PDF succeeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

from grcp9 import data, paths, results, survey
from grcp9.validation import DataValidationError

PDF_NAME = "grcp9-reproducible-edition.pdf"
MANIFEST_NAME = "MANIFEST.sha256"
# Notebook metadata that records when or where a notebook ran, not what it computed.
VOLATILE_CELL_METADATA = ("papermill", "execution")
VOLATILE_NOTEBOOK_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")


class BuildError(RuntimeError):
    """A build step failed; the message says which step and that earlier outputs are intact."""


def write_params(data_dir: str, wave: str, params_file: Path = paths.PARAMS_FILE) -> bool:
    """Validate the parameters against the data, then write them only if they changed.

    Returns True when the file was (re)written. An unchanged file keeps its timestamp, so make
    re-executes nothing.
    """
    loaded = data.load(data_dir)  # raises DataValidationError with file/row/column
    checked_wave = survey.check_wave(loaded, wave)
    survey.check_bases(loaded, checked_wave)
    content = json.dumps({"data_dir": data_dir, "wave": checked_wave, "output_dir": str(paths.GENERATED_DIR.relative_to(paths.REPO_ROOT))},
                         indent=2, sort_keys=True) + "\n"
    if params_file.is_file() and params_file.read_text(encoding="utf-8") == content:
        return False
    params_file.parent.mkdir(parents=True, exist_ok=True)
    params_file.write_text(content, encoding="utf-8")
    return True


def strip_volatile_metadata(notebook: Any) -> Any:
    """Remove timings and temporary paths papermill records, so reruns are byte-identical."""
    papermill_meta = notebook.metadata.get("papermill", {})
    for key in VOLATILE_NOTEBOOK_PAPERMILL:
        papermill_meta.pop(key, None)
    for cell in notebook.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"  # papermill gives the cell a random id
    return notebook


def _run_notebook(source: Path, target: Path, parameters: dict[str, Any], label: str, position: str) -> Path:
    """Execute ``source`` into a temporary file, strip volatile metadata, then move it to ``target``."""
    import papermill

    if not source.is_file():
        raise BuildError(f"notebook step: expected {source.relative_to(paths.REPO_ROOT)}; no such notebook")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.stem}.running.ipynb")
    print(f"[notebooks {position}] executing {label} (wave {parameters['wave']}, data {parameters['data_dir']})", flush=True)
    try:
        papermill.execute_notebook(str(source), str(temporary), parameters=parameters, kernel_name="python3",
                                   cwd=str(paths.REPO_ROOT), progress_bar=False, log_output=False)
    except papermill.PapermillExecutionError as error:
        raise BuildError(f"notebook step failed in {label}, cell {error.exec_count}: {error.ename}: "
                         f"{error.evalue.splitlines()[0] if error.evalue else ''}\n"
                         f"The previous executed notebook (if any) is unchanged; the failed run is in {temporary}.") from None
    notebook = strip_volatile_metadata(nbformat.read(temporary, as_version=4))
    set_page_title(notebook, paths.results_path(target.stem, target.parent))
    nbformat.write(notebook, temporary)
    write_dependencies(target, source)  # before the move, so the notebook is newer than its .d file
    os.replace(temporary, target)
    return target


def _make_path(path: str) -> str:
    return path.replace(" ", "\\ ")


def write_dependencies(target: Path, source: Path) -> Path:
    """Turn the inputs a notebook recorded into a make dependency file next to it (like ``gcc -MD -MP``).

    The executed notebook then depends on exactly the data tables and package modules it used;
    each is also listed as an empty target, so a file that disappears triggers a re-run, not an error.
    """
    inputs_file = target.with_name(target.stem + paths.INPUTS_SUFFIX)
    if not inputs_file.is_file():
        raise BuildError(f"notebook step: {source.name} did not record its inputs (call results.record_inputs last)")
    inputs = json.loads(inputs_file.read_text(encoding="utf-8"))
    dependencies = [*inputs["data"], *inputs["package"]]
    relative_target = target.relative_to(paths.REPO_ROOT)
    lines = [f"{_make_path(str(relative_target))}: {' '.join(_make_path(d) for d in dependencies)}", ""]
    lines += [f"{_make_path(d)}:" for d in dependencies]
    depfile = target.with_suffix(paths.DEPENDENCIES_SUFFIX)
    depfile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return depfile


def set_page_title(notebook: Any, results_file: Path) -> None:
    """A template's title cell (tag ``page-title``) becomes the title the notebook glued as ``page_title``."""
    for cell in notebook.cells:
        if "page-title" in cell.metadata.get("tags", []):
            title = results.read(results_file)["page_title"]["value"]
            cell.source = f"# {title}"


def execute(name: str, params_file: Path = paths.PARAMS_FILE, position: str = "") -> Path:
    """Execute notebooks/<name>.ipynb with papermill into book/generated/notebooks/<name>.ipynb."""
    parameters = json.loads(params_file.read_text(encoding="utf-8"))
    return _run_notebook(paths.NOTEBOOKS_DIR / f"{name}.ipynb", paths.EXECUTED_DIR / f"{name}.ipynb",
                         parameters, f"{name}.ipynb", position)


def execute_profile(iscm_id: str, params_file: Path = paths.PARAMS_FILE, position: str = "") -> Path:
    """Execute the profile template for one respondent into book/generated/profiles/<iscm_id>.ipynb."""
    parameters = {**json.loads(params_file.read_text(encoding="utf-8")), "iscm_id": iscm_id}
    return _run_notebook(paths.NOTEBOOKS_DIR / f"{paths.PROFILE_TEMPLATE}.ipynb", paths.PROFILES_DIR / f"{iscm_id}.ipynb",
                         parameters, f"profile of {iscm_id}", position)


def write_profile_list(params_file: Path = paths.PARAMS_FILE, target: Path = paths.PROFILE_LIST) -> list[str]:
    """Write the make fragment listing one profile per respondent (from the data), only if it
    changed, and delete profiles of ISCMs that are no longer respondents."""
    parameters = json.loads(params_file.read_text(encoding="utf-8"))
    loaded = data.load(parameters["data_dir"])
    ids = survey.respondents(loaded, survey.check_wave(loaded, parameters["wave"]))["iscm_id"].tolist()
    content = "# Written by `python -m grcp9.build profile-list` from the data: one profile page per respondent.\n"
    content += f"PROFILE_IDS := {' '.join(ids)}\n"
    # The fragment is rewritten every time (make restarts once after it changes); the list file
    # below changes only with the list, so the book is rebuilt only when profiles come or go.
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content, encoding="utf-8")
    listing = paths.PROFILES_DIR / ".list"
    if not listing.is_file() or listing.read_text(encoding="utf-8") != content:
        listing.parent.mkdir(parents=True, exist_ok=True)
        listing.write_text(content, encoding="utf-8")
    if paths.PROFILES_DIR.is_dir():
        for stale in paths.PROFILES_DIR.glob("*.ipynb"):
            if stale.stem not in ids:
                stale.unlink()
                paths.results_path(stale.stem, paths.PROFILES_DIR).unlink(missing_ok=True)
    return ids


def _jupyter_book(*arguments: str) -> None:
    executable = Path(sys.executable).with_name("jupyter-book")
    command = [str(executable), "build", str(paths.BOOK_DIR), "--config", str(paths.CONFIG_FILE),
               "--toc", str(paths.TOC_FILE), "-W", "-n", "--keep-going", "--path-output", str(paths.STAGING_DIR), *arguments]
    subprocess.run(command, check=True, cwd=paths.REPO_ROOT)


def build_book() -> tuple[Path, Path]:
    """Build HTML and PDF in the staging directory; replace ``_build/`` only if both succeed."""
    staged = paths.STAGING_DIR / "_build"
    # Sphinx keeps reading incrementally (its environment is in .doctrees), but every page is
    # written afresh: no page of a removed document survives, and the output equals a clean build's.
    shutil.rmtree(staged / "html", ignore_errors=True)
    steps = [("HTML", ()), ("PDF", ("--builder", "pdflatex"))]
    for step, arguments in steps:
        print(f"[book] building {step}", flush=True)
        started = time.monotonic()
        try:
            _jupyter_book(*arguments)
        except subprocess.CalledProcessError:
            raise BuildError(f"book step '{step}' failed (see the messages above); "
                             f"the previous book in {paths.BUILD_DIR.name}/ is unchanged") from None
        print(f"[book] {step} built in {time.monotonic() - started:.1f} s", flush=True)
    pdf = staged / "latex" / PDF_NAME
    if not pdf.is_file():
        raise BuildError(f"book step 'PDF' produced no {pdf.name}; the previous book is unchanged")
    incoming = paths.BUILD_DIR.with_name("_build.incoming")
    outgoing = paths.BUILD_DIR.with_name("_build.outgoing")
    for leftover in (incoming, outgoing):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(staged, incoming, symlinks=True)
    write_manifest(incoming)
    if paths.BUILD_DIR.exists():
        os.replace(paths.BUILD_DIR, outgoing)
    os.replace(incoming, paths.BUILD_DIR)
    shutil.rmtree(outgoing, ignore_errors=True)
    return paths.BUILD_DIR / "html" / "index.html", paths.BUILD_DIR / "latex" / PDF_NAME


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    params = commands.add_parser("params", help="validate data and parameters; write book/generated/params.json if changed")
    params.add_argument("--data-dir", default="data")
    params.add_argument("--wave", default="2021")
    run = commands.add_parser("execute", help="execute one notebook with papermill")
    run.add_argument("name")
    run.add_argument("--position", default="", help="progress shown as i/n")
    profile = commands.add_parser("profile", help="execute the profile template for one respondent")
    profile.add_argument("iscm_id")
    profile.add_argument("--position", default="", help="progress shown as i/n")
    commands.add_parser("profile-list", help="write the make fragment listing the respondents' profiles")
    commands.add_parser("book", help="build HTML and PDF atomically into _build/")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "params":
            changed = write_params(arguments.data_dir, arguments.wave)
            print(f"[params] data {arguments.data_dir}, wave {arguments.wave}: valid" + ("" if changed else " (unchanged)"))
        elif arguments.command == "execute":
            execute(arguments.name, position=arguments.position)
        elif arguments.command == "profile":
            execute_profile(arguments.iscm_id, position=arguments.position)
        elif arguments.command == "profile-list":
            write_profile_list()
        else:
            html, pdf = build_book()
            print(f"[book] HTML: {html.relative_to(paths.REPO_ROOT)}\n[book] PDF:  {pdf.relative_to(paths.REPO_ROOT)}")
    except (DataValidationError, survey.ParameterError, BuildError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
