"""The book step: Jupyter Book's HTML and LaTeX builds at the same time, then LaTeX, and the
book swapped into ``_build/`` only when both succeeded.

Each Sphinx build runs in a staging tree of its own under ``.staging/`` and reads incrementally
(its environment is kept). The environment belongs to one set of parameters: other parameters
start the staging trees afresh. A Sphinx build that fails forgets its environment, so that the
next one reads every page again (a page read with a warning is otherwise not read again). LaTeX
runs only when the files Sphinx wrote for it changed (``grcp9.hashing``), from no auxiliary files.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from grcp9 import hashing, paths, source_date_epoch
from grcp9.build.params import Params
from grcp9.errors import Grcp9Error

log = logging.getLogger(__name__)

PDF_NAME = paths.PDF_NAME
MANIFEST_NAME = paths.MANIFEST_NAME
# LaTeX's own outputs in the LaTeX folder: removed before each run (a run that reused the last
# run's .aux and .toc made a PDF whose font tables differed from a clean build's).
LATEX_OUTPUTS = {".aux", ".toc", ".lof", ".lot", ".out", ".xdv", ".fdb_latexmk", ".fls", ".log", ".idx", ".ind", ".ilg"}
BOOK_RECORD = paths.BUILD_DIR / ".inputs"
PREVIEW_RECORD = paths.PREVIEW_DIR / ".inputs"


class BookError(Grcp9Error):
    """A Sphinx or LaTeX step failed; the message says which, and that the last book is intact."""


# --- tables of contents -----------------------------------------------------------------------

def book_toc(toc: dict[str, Any], params: Params) -> dict[str, Any]:
    """The HTML book's table of contents for this build: ``_toc.yml`` without the report layer's
    pages for a wave without a published report, and without the comparison when there is no
    other wave to compare with."""
    notebooks = paths.BOOK_NOTEBOOKS.strip("/")
    dropped: set[str] = set()
    if not params.report:
        dropped |= set(paths.REPORT_PAGES) | {f"{notebooks}/{name}" for name in paths.REPORT_NOTEBOOKS}
    if not params.compare_waves:
        dropped |= set(paths.COMPARISON_PAGES) | {f"{notebooks}/{name}" for name in paths.COMPARISON_NOTEBOOKS}
    parts = []
    for part in toc["parts"]:
        chapters = [entry for entry in part["chapters"] if entry.get("file") not in dropped]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {**toc, "parts": parts}


def reader_toc(toc: dict[str, Any]) -> dict[str, Any]:
    """The reader PDF's table of contents: the HTML book's without the computation notebooks and
    the HTML-only pages, with the landing page as the first chapter under a root of its own."""
    def keep(entry: dict[str, Any]) -> bool:
        file = entry.get("file", "")
        return not file.startswith(paths.BOOK_NOTEBOOKS.strip("/")) and file not in paths.HTML_ONLY_PAGES

    parts = [{"chapters": [{"file": toc["root"]}]}]
    for part in toc["parts"]:
        chapters = [entry for entry in part["chapters"] if keep(entry)]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {"format": toc["format"], "root": paths.PDF_ROOT, "parts": parts}


def tocs(params: Params) -> tuple[dict[str, Any], dict[str, Any]]:
    """This build's tables of contents: the HTML book's and the reader PDF's."""
    import yaml

    html = book_toc(yaml.safe_load(paths.TOC_FILE.read_text(encoding="utf-8")), params)
    return html, reader_toc(html)


def _write_toc(target: Path, toc: dict[str, Any]) -> Path:
    import yaml

    hashing.write_if_changed(target, yaml.safe_dump(toc, sort_keys=False, allow_unicode=True).encode("utf-8"))
    return target


# --- downloads --------------------------------------------------------------------------------

def bibtex_entry(citation: dict[str, Any], repository: str) -> str:
    """The edition's BibTeX entry, from CITATION.cff."""
    authors = " and ".join("{" + a.get("name", f"{a.get('family-names', '')}, {a.get('given-names', '')}") + "}"
                           for a in citation["authors"])
    fields = {"title": "{" + citation["title"] + "}", "author": authors, "year": str(citation.get("date-released", ""))[:4],
              "version": citation["version"], "note": "Data package, notebooks and book (HTML and PDF)", "url": repository}
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields.items() if value)
    return f"@misc{{grcp9-edition-{citation['version']},\n{body}\n}}\n"


def write_data_downloads(params: Params) -> str:
    """The downloads made from the data alone, in ``book/generated/downloads/``: the data package
    (zip) and the questionnaire of the wave shown (XLSForm), made again only when the data, the
    package's code or the time their entries carry changed. Returns the XLSForm's file name."""
    from grcp9.build import params as params_module
    from grcp9.build import release

    target = paths.DOWNLOADS_DIR
    xlsform_name = paths.xlsform_name(params.wave)
    record = target / ".data-downloads.record"
    inputs = hashing.digest([], [params_module.fingerprint(params.data_dir, params.wave, ""), source_date_epoch()])
    made = [target / paths.DATA_ZIP_NAME, target / xlsform_name]
    if not (hashing.unchanged(record, inputs) and all(file.is_file() for file in made)):
        from grcp9 import data
        from grcp9.fieldwork import xlsform

        hashing.forget(record)
        target.mkdir(parents=True, exist_ok=True)
        staged = target / f".{paths.DATA_ZIP_NAME}.new"
        release.data_archive(paths.resolve(params.data_dir), staged, Path(paths.DATA_ZIP_NAME).stem)
        hashing.write_if_changed(made[0], staged.read_bytes())
        staged.unlink()
        form = xlsform.form(data.load(params.data_dir), params.wave)
        hashing.write_if_changed(made[1], xlsform.workbook_bytes(form))
        hashing.remember(record, inputs)
    for stale in target.glob("grcp9-questionnaire-*.xlsx"):
        if stale.name != xlsform_name:
            stale.unlink()
    return xlsform_name


def write_downloads(params: Params) -> None:
    """The files the HTML edition offers (``book/generated/downloads/``): the data files, the
    citation (CFF and BibTeX), a copy of each executed profile, and the Markdown list of them and
    of every executed notebook that ``book/downloads.md`` includes."""
    import yaml

    target = paths.DOWNLOADS_DIR
    xlsform_name = write_data_downloads(params)
    citation_text = (paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    repository = config.get("sphinx", {}).get("config", {}).get("edition_repository", "")
    hashing.write_if_changed(target / paths.CITATION_CFF_NAME, citation_text.encode("utf-8"))
    hashing.write_if_changed(target / paths.CITATION_BIB_NAME, bibtex_entry(yaml.safe_load(citation_text), repository).encode("utf-8"))

    def link(label: str, path: str) -> str:
        return f"{{download}}`{label} </{path}>`"

    generated = paths.GENERATED_DIR.relative_to(paths.BOOK_DIR)
    profiles = sorted(paths.PROFILES_DIR.glob("*.ipynb"))
    lines = [
        "## The data package", "",
        (f"- {link(paths.DATA_ZIP_NAME, f'{generated}/downloads/{paths.DATA_ZIP_NAME}')}: every table (CSV), its "
         "`datapackage.json` (Frictionless Data Package) and its `README.md`, exactly as this book was built from."), "",
        "## The questionnaire, ready for a survey tool", "",
        (f"- {link(xlsform_name, f'{generated}/downloads/{xlsform_name}')}: the questionnaire of wave {params.wave} as an "
         "XLSForm (sheets survey, choices, settings) for KoBoToolbox or ODK, in English, French and Spanish, worded for "
         "that wave. Answers the tool exports come back in with `make import`."), "",
        "## How to cite this edition", "",
        f"- {link(paths.CITATION_CFF_NAME, f'{generated}/downloads/{paths.CITATION_CFF_NAME}')}: Citation File Format",
        f"- {link(paths.CITATION_BIB_NAME, f'{generated}/downloads/{paths.CITATION_BIB_NAME}')}: BibTeX", "",
        "## The executed notebooks", "",
        "Each computation notebook as it ran for this book, outputs included (Jupyter `.ipynb`):", "",
        *[f"- {link(n.name, f'{generated}/notebooks/{n.name}')}" for n in sorted(paths.EXECUTED_DIR.glob("*.ipynb"))], "",
        "The profile pages, one executed copy of the profile template per respondent:", "",
        *[f"- {link(f'profile-{p.name}', f'{generated}/downloads/profile-{p.name}')}" for p in profiles], "",
    ]
    for profile in profiles:  # downloaded as profile-<ISCM>.ipynb: the name says what the file is
        hashing.write_if_changed(target / f"profile-{profile.name}", profile.read_bytes())
    for stale in target.glob("profile-*.ipynb"):
        if stale.name.removeprefix("profile-") not in {p.name for p in profiles}:
            stale.unlink()
    hashing.write_if_changed(target / "downloads.md", "\n".join(lines).encode("utf-8"))


# --- Sphinx and LaTeX -------------------------------------------------------------------------

def _staging_for(params: Params) -> None:
    """Start the staging trees afresh when the parameters, the book's Sphinx extensions or the
    versions of the tools that render it differ from their last build's: Sphinx reads again only
    the pages it sees changed, and sees none of these."""
    from importlib.metadata import version

    marker = paths.STAGING_DIR / "built-for.json"
    tools = {name: version(name) for name in ("sphinx", "jupyter-book", "myst-nb", "sphinx-book-theme", "docutils")}
    built_for = hashing.digest(hashing.tree(paths.BOOK_DIR / "_ext", "*.py"), [params.to_json(), tools])
    if marker.is_file() and marker.read_text(encoding="utf-8") == built_for:
        return
    shutil.rmtree(paths.STAGING_DIR, ignore_errors=True)
    paths.STAGING_DIR.mkdir(parents=True)
    marker.write_text(built_for, encoding="utf-8")


def _sphinx_arguments(root: Path, toc: dict[str, Any], *arguments: str) -> list[str]:
    """Jupyter Book's arguments for the book in the staging tree ``root``, with warnings as errors."""
    toc_file = _write_toc(root / "_toc.yml", toc)
    log.info(f"[book] building {root.name} (log: {(root / 'build.log').relative_to(paths.REPO_ROOT)})")
    return ["build", str(paths.BOOK_DIR), "--config", str(paths.CONFIG_FILE), "--toc", str(toc_file),
            "-W", "-n", "--keep-going", "--path-output", str(root), *arguments]


def _start_sphinx(root: Path, toc: dict[str, Any], params: Params, *arguments: str) -> subprocess.Popen[bytes]:
    """Start Jupyter Book in a process of its own, its messages in ``root/build.log``."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), *_sphinx_arguments(root, toc, *arguments)]
    with (root / "build.log").open("w", encoding="utf-8") as log_file:
        return subprocess.Popen(command, cwd=paths.REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                env={**os.environ, **params.environment()}, start_new_session=True)


# What the HTML step imports first (about 0.7 s): the preview imports it while the notebooks run.
SPHINX_MODULES = ("jupyter_book.cli.main", "jupyter_book.sphinx", "sphinx.application", "myst_nb.sphinx_ext",
                  "sphinx_book_theme", "sphinx_design", "sphinxcontrib.bibtex", "sphinx.ext.viewcode")


def import_sphinx_meanwhile() -> threading.Thread:
    """Import Jupyter Book and Sphinx in a thread, while this process waits for the kernels."""
    thread = threading.Thread(target=lambda: [importlib.import_module(name) for name in SPHINX_MODULES], daemon=True)
    thread.start()
    return thread


def _run_sphinx_here(root: Path, toc: dict[str, Any], params: Params) -> int:
    """Jupyter Book's HTML build in this process, as its command would run; its exit status."""
    from jupyter_book.cli.main import main as jupyter_book

    arguments = _sphinx_arguments(root, toc)
    os.environ.update(params.environment())
    with (root / "build.log").open("w", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file), \
            contextlib.redirect_stderr(log_file):
        try:
            jupyter_book.main(arguments, prog_name="jupyter-book", standalone_mode=False)
        except SystemExit as stop:  # Jupyter Book's exit on Sphinx's status
            return 0 if stop.code in (0, None) else 1
        except Exception:  # noqa: BLE001  (any error of Sphinx or an extension fails the step, traceback in the log)
            traceback.print_exc()
            return 1
    return 0


def _finish(process: subprocess.Popen[bytes] | int, root: Path, step: str, output: str = "book") -> None:
    """Wait for a Sphinx build (a process, or the status of one run here); if it failed, forget
    its environment and say why."""
    if (process if isinstance(process, int) else process.wait()) == 0:
        return
    shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    text = (root / "build.log").read_text(encoding="utf-8", errors="replace")
    problems = [line for line in text.splitlines() if any(word in line for word in ("WARNING:", "ERROR:", "CRITICAL:"))][:20]
    print("\n".join([*problems, text[-4000:]]), file=sys.stderr)
    raise BookError(f"{output} step '{step}' failed (see the messages above; log: {(root / 'build.log').relative_to(paths.REPO_ROOT)}); "
                    f"the previous {output} is unchanged")


def run_latex(latex_dir: Path) -> None:
    """The PDF from the LaTeX files Sphinx wrote (``make all-pdf``, as Jupyter Book runs it), unless
    those files and SOURCE_DATE_EPOCH are what the last successful run read."""
    def made_by_latex(file: Path) -> bool:  # or by this step (its log and its record)
        return file.suffix in LATEX_OUTPUTS or file.name in (PDF_NAME, "latex-run.log") or file.name.startswith(".")

    inputs = hashing.digest([p for p in latex_dir.iterdir() if p.is_file() and not made_by_latex(p)], source_date_epoch())
    record = latex_dir / ".latex.record"
    if hashing.unchanged(record, inputs) and (latex_dir / PDF_NAME).is_file():
        return
    hashing.forget(record)
    for leftover in [p for p in latex_dir.iterdir() if made_by_latex(p)]:
        leftover.unlink()
    log.info("[book] running LaTeX")
    with (latex_dir / "latex-run.log").open("w", encoding="utf-8") as output:
        status = subprocess.run([os.environ.get("MAKE", "make"), "all-pdf"], cwd=latex_dir, stdout=output, stderr=subprocess.STDOUT, check=False)
    if status.returncode != 0 or not (latex_dir / PDF_NAME).is_file():
        print((latex_dir / "latex-run.log").read_text(encoding="utf-8", errors="replace")[-4000:], file=sys.stderr)
        raise BookError("book step 'PDF' failed in LaTeX (see the messages above); the previous book is unchanged")
    hashing.remember(record, inputs)


def book_fingerprint(params: Params) -> str:
    """What the book is made from: the book's sources and generated files, the configuration, the
    package's code (the API page shows it), the citation, the parameters and the build's time."""
    from importlib.metadata import version

    files = [*hashing.tree(paths.BOOK_DIR), paths.CONFIG_FILE, paths.TOC_FILE, paths.REPO_ROOT / "CITATION.cff",
             *hashing.tree(paths.PACKAGE_DIR, "*.py")]
    tools = [version(name) for name in ("sphinx", "jupyter-book", "myst-nb", "sphinx-book-theme", "docutils")]
    return hashing.digest(files, [params.to_json(), source_date_epoch(), tools])


def _copy_site(source: Path, target: Path) -> None:
    """Copy a built site; Sphinx's .buildinfo is left out (it holds a hash of the checkout's folder)."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".buildinfo"))


def _replace(incoming: Path, target: Path) -> None:
    """Put ``incoming`` in place of ``target`` (two renames: never a half-written ``target``)."""
    outgoing = target.with_name(target.name + ".outgoing")
    shutil.rmtree(outgoing, ignore_errors=True)
    if target.exists():
        os.replace(target, outgoing)
    os.replace(incoming, target)
    shutil.rmtree(outgoing, ignore_errors=True)


def book_step(params: Params) -> bool:
    """HTML and PDF into ``_build/``, unless what the book is made from is unchanged since the
    last book. Returns whether it built."""
    write_downloads(params)
    inputs = book_fingerprint(params)
    if hashing.unchanged(BOOK_RECORD, inputs) and (paths.BUILD_DIR / MANIFEST_NAME).is_file():
        return False
    _staging_for(params)
    html_root, pdf_root = paths.STAGING_DIR / "html", paths.STAGING_DIR / "pdf"
    for root in (html_root, pdf_root):
        root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(html_root / "_build" / "html", ignore_errors=True)  # every page written afresh
    html_toc, pdf_toc = tocs(params)
    html = _start_sphinx(html_root, html_toc, params)
    pdf = _start_sphinx(pdf_root, pdf_toc, params, "--builder", "latex")
    try:  # the first step to fail stops the other (below): the book is not replaced anyway
        pending = {"HTML": (html, html_root), "PDF": (pdf, pdf_root)}
        while pending:
            for step, (process, root) in [(step, entry) for step, entry in pending.items() if entry[0].poll() is not None]:
                del pending[step]
                _finish(process, root, step)
                if step == "PDF":
                    run_latex(root / "_build" / "latex")
            time.sleep(0.05)
    finally:
        for process, root in ((html, html_root), (pdf, pdf_root)):
            if process.poll() is None:  # the other step failed: this one is stopped
                os.killpg(process.pid, 15)
                process.wait()
            if process.returncode != 0:  # stopped or failed: its next build reads every page again
                shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    incoming = paths.BUILD_DIR.with_name(paths.BUILD_DIR.name + ".incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    _copy_site(html_root / "_build" / "html", incoming / "html")
    shutil.copytree(pdf_root / "_build" / "latex", incoming / "latex", ignore=shutil.ignore_patterns(".*"))
    shutil.copyfile(pdf_root / "_build" / "latex" / PDF_NAME, incoming / "html" / PDF_NAME)  # the site's download
    write_manifest(incoming)
    hashing.remember(incoming / BOOK_RECORD.name, inputs)
    _replace(incoming, paths.BUILD_DIR)
    return True


def preview_step(params: Params) -> bool:
    """The HTML alone, for an author's quick look, into ``_preview/html``: Sphinx writes only the
    pages that changed. ``_build/`` is left alone. Returns whether it built."""
    write_downloads(params)
    inputs = book_fingerprint(params)
    if hashing.unchanged(PREVIEW_RECORD, inputs) and (paths.PREVIEW_DIR / "html").is_dir():
        return False
    _staging_for(params)
    root = paths.STAGING_DIR / "html"
    root.mkdir(parents=True, exist_ok=True)
    _finish(_run_sphinx_here(root, tocs(params)[0], params), root, "HTML", "preview")
    incoming = paths.PREVIEW_DIR.with_name(paths.PREVIEW_DIR.name + ".incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    _copy_site(root / "_build" / "html", incoming / "html")
    hashing.remember(incoming / PREVIEW_RECORD.name, inputs)
    _replace(incoming, paths.PREVIEW_DIR)
    return True


def manifest_files(build_dir: Path) -> list[Path]:
    """The outputs a build promises to reproduce byte for byte: what the notebooks wrote, the
    HTML site and the PDF."""
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
        lines.append(f"{hashing.file_digest(file)}  {relative}")
    manifest = build_dir / MANIFEST_NAME
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest
