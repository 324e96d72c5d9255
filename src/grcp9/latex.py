"""The PDF from the LaTeX that Sphinx wrote: LaTeX is run again only when what it read changed.

The book's PDF step is Sphinx's LaTeX build, then LaTeX (``make all-pdf`` in the LaTeX folder,
as Jupyter Book runs it: latexmk, three XeLaTeX passes and makeindex, about 4 s). A change that
the PDF does not show (a module docstring, which only the HTML's API page shows; an HTML-only
page) left the LaTeX files as they were, and LaTeX made the same PDF again.

After each successful run, ``make_pdf`` keeps LaTeX's outputs (the PDF, its log, the auxiliary
files) and a record of what the run read: the SHA-256 of every other file of the LaTeX folder
(the ``.tex`` file, Sphinx's styles, the figures, the Makefile, latexmk's and makeindex's
settings), the size and modification time (as make compares them) of every file outside it that
its recorder (``-recorder``: the ``.fls`` file) lists as read (TeX Live's files and format), and
the environment variables the run depends on (``SOURCE_DATE_EPOCH`` among them). When a later
build's are the same, the kept outputs are copied back instead of running LaTeX: the same bytes,
since a LaTeX run depends on nothing else (the clean build's PDF equals this checkout's). Not in
the record: the fonts that XeTeX finds through fontconfig; after a font upgrade, ``make clean``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

PDF_NAME = "grcp9-reproducible-edition.pdf"
# LaTeX's files besides the PDF: removed before each run (an incremental run made another PDF),
# kept with the PDF after a successful one.
LATEX_AUXILIARY = {".aux", ".toc", ".lof", ".lot", ".out", ".xdv", ".fdb_latexmk", ".fls", ".log", ".idx", ".ind", ".ilg"}
RECORD_NAME = "inputs.json"
ENVIRONMENT = ("SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE", "LATEXOPTS", "LATEXMKOPTS", "MAKE")


def outputs(latex_dir: Path) -> list[Path]:
    """The files a LaTeX run wrote into ``latex_dir`` (the PDF and the auxiliary files)."""
    return sorted(p for p in latex_dir.iterdir() if p.is_file() and (p.suffix in LATEX_AUXILIARY or p.name == PDF_NAME))


def remove_outputs(latex_dir: Path) -> None:
    """Remove the last run's outputs: LaTeX starts from no auxiliary files (an incremental run,
    latexmk reusing the last .aux, .toc, .out ..., gave a PDF whose font tables differed from a
    clean build's, byte for byte, though the pages were the same)."""
    if latex_dir.is_dir():
        for leftover in outputs(latex_dir):
            leftover.unlink()


def files_read(latex_dir: Path, recorder: Path) -> list[str]:
    """The files outside ``latex_dir`` that a LaTeX run read and did not write, as its recorder
    file lists them."""
    read, written = set(), set()
    for line in recorder.read_text(encoding="utf-8", errors="replace").splitlines():
        kind, _, name = line.partition(" ")
        if kind == "INPUT":
            read.add(name)
        elif kind == "OUTPUT":
            written.add(name)
    folder = latex_dir.resolve()
    return sorted(name for name in read - written if (latex_dir / name).resolve().parent != folder)


def inputs_state(latex_dir: Path, elsewhere: list[str]) -> dict[str, str]:
    """What a LaTeX run in ``latex_dir`` reads: the SHA-256 of each file of the folder that is not
    an output, the size and modification time of each of the files ``elsewhere``, and the
    environment variables of the run."""
    outputs_now = set(outputs(latex_dir))
    state = {f"${name}": os.environ.get(name, "") for name in ENVIRONMENT}
    for path in sorted(latex_dir.iterdir()):
        if path.is_file() and path not in outputs_now:
            state[path.name] = _digest(path)
    for name in elsewhere:
        path = latex_dir / name
        if path.is_file():
            status = path.stat()
            state[name] = f"{status.st_size}:{status.st_mtime_ns}"
        else:
            state[name] = "missing"
    return state


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reuse(latex_dir: Path, kept: Path) -> bool:
    """Copy the kept outputs into ``latex_dir`` if LaTeX would read what it read when it made
    them, and they are as it wrote them; whether it did."""
    record_file = kept / RECORD_NAME
    if not record_file.is_file():
        return False
    record = json.loads(record_file.read_text(encoding="utf-8"))
    if inputs_state(latex_dir, record["read"]) != record["state"]:
        return False
    names = record["outputs"]
    if any(not (kept / name).is_file() or _digest(kept / name) != digest for name, digest in names.items()):
        return False
    for name in names:
        shutil.copy2(kept / name, latex_dir / name)
    return True


def keep(latex_dir: Path, kept: Path) -> None:
    """Keep the outputs of the run that just succeeded in ``latex_dir`` and what it read."""
    read = files_read(latex_dir, latex_dir / PDF_NAME.replace(".pdf", ".fls"))
    kept.mkdir(parents=True, exist_ok=True)  # emptied by make_pdf before the run
    made = {}
    for output in outputs(latex_dir):
        shutil.copy2(output, kept / output.name)
        made[output.name] = _digest(output)
    record = {"read": read, "state": inputs_state(latex_dir, read), "outputs": made}
    (kept / RECORD_NAME).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def make_pdf(latex_dir: Path, kept: Path) -> int:
    """The PDF in ``latex_dir``, from the LaTeX files Sphinx wrote there: the kept outputs of the
    last run if it read the same files (``reuse``), else a LaTeX run (``make all-pdf``, the
    command Jupyter Book runs), whose outputs are then kept (``keep``). Its exit status."""
    if reuse(latex_dir, kept):
        print(f"[latex] LaTeX would read the files it read for the kept PDF: that PDF and its log are used "
              f"({kept.name}/{RECORD_NAME})", flush=True)
        return 0
    shutil.rmtree(kept, ignore_errors=True)  # kept only for the files of a successful run
    status = subprocess.run([os.environ.get("MAKE", "make"), "all-pdf"], cwd=latex_dir, check=False).returncode
    if status == 0 and (latex_dir / PDF_NAME).is_file():
        keep(latex_dir, kept)
    return status
