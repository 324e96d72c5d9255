"""grcp9.latex: the PDF step runs LaTeX again only when what LaTeX read changed, and otherwise
uses the kept outputs of its last run, which are what a run would write.

A small LaTeX folder as Sphinx leaves one (a Makefile whose ``all-pdf`` runs XeLaTeX with its
recorder), whose document reads a file of its folder and a file outside it. Each build removes
LaTeX's outputs first, as ``grcp9.build.build_book`` does."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from grcp9 import latex

pytestmark = pytest.mark.skipif(shutil.which("xelatex") is None, reason="xelatex is not installed (make system-packages)")

STEM = latex.PDF_NAME.removesuffix(".pdf")
MAKEFILE = f"all-pdf:\n\techo run >> ../runs.txt\n\txelatex -recorder -interaction=nonstopmode -halt-on-error {STEM}.tex\n"


def folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The LaTeX folder, the folder kept outputs go to, and a file outside the LaTeX folder that
    the document reads (as it reads TeX Live's files)."""
    latex_dir = tmp_path / "latex"
    latex_dir.mkdir(parents=True)
    outside = tmp_path / "outside.tex"
    outside.write_text("Read from outside.\n", encoding="utf-8")
    (latex_dir / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (latex_dir / "part.tex").write_text("A part.\n", encoding="utf-8")
    (latex_dir / f"{STEM}.tex").write_text("\\documentclass{article}\n\\begin{document}\nHello.\n\\input{part}\n"
                                           f"\\input{{{outside}}}\n\\end{{document}}\n", encoding="utf-8")
    return latex_dir, tmp_path / "kept", outside


def build(latex_dir: Path, kept: Path) -> tuple[int, bytes]:
    """Remove the outputs, make the PDF: the number of LaTeX runs so far, and the PDF's bytes."""
    latex.remove_outputs(latex_dir)
    assert latex.make_pdf(latex_dir, kept) == 0
    runs = (latex_dir.parent / "runs.txt").read_text(encoding="utf-8").count("run")
    return runs, (latex_dir / latex.PDF_NAME).read_bytes()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(autouse=True)
def epoch(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1636502400")  # a PDF's bytes depend on it, not on the time


def test_the_same_files_reuse_the_last_outputs_which_equal_a_fresh_run(tmp_path):
    latex_dir, kept, _ = folder(tmp_path)
    runs, first = build(latex_dir, kept)
    log = (latex_dir / f"{STEM}.log").read_bytes()
    assert runs == 1 and first.startswith(b"%PDF")
    assert build(latex_dir, kept) == (1, first)  # not run again: the kept PDF
    assert (latex_dir / f"{STEM}.log").read_bytes() == log  # and its log (test_pdf reads the log)
    record = json.loads((kept / latex.RECORD_NAME).read_text(encoding="utf-8"))
    assert str(tmp_path / "outside.tex") in record["read"] and "part.tex" in record["state"]
    # A fresh run in another folder writes the same bytes.
    other, other_kept, _ = folder(tmp_path / "fresh")
    shutil.copyfile(latex_dir / f"{STEM}.tex", other / f"{STEM}.tex")
    assert build(other, other_kept) == (1, first)


@pytest.mark.parametrize("change", ["document", "file of the folder", "new file in the folder", "file outside", "epoch",
                                    "kept PDF tampered with", "record lost"])
def test_a_change_to_what_latex_read_runs_it_again(tmp_path, monkeypatch, change):
    latex_dir, kept, outside = folder(tmp_path)
    _, first = build(latex_dir, kept)
    if change == "document":
        edit(latex_dir / f"{STEM}.tex", "Hello.", "Hello again.")
    elif change == "file of the folder":
        edit(latex_dir / "part.tex", "A part.", "Another part.")
    elif change == "new file in the folder":  # a figure Sphinx adds, say, before the document names it
        (latex_dir / "figure.pdf").write_bytes(b"%PDF-1.4\n")
    elif change == "file outside":
        edit(outside, "Read", "Still read")
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1636502401")
    elif change == "kept PDF tampered with":
        (kept / latex.PDF_NAME).write_bytes(b"%PDF-1.4 not what LaTeX wrote\n")
    elif change == "record lost":
        (kept / latex.RECORD_NAME).unlink()
    runs, second = build(latex_dir, kept)
    assert runs == 2
    if change in ("kept PDF tampered with", "record lost", "new file in the folder"):
        assert second == first
    else:
        assert second != first
    assert build(latex_dir, kept) == (2, second)  # and its outputs are kept in turn


def test_a_failed_run_keeps_nothing(tmp_path):
    latex_dir, kept, _ = folder(tmp_path)
    build(latex_dir, kept)
    edit(latex_dir / f"{STEM}.tex", "Hello.", "Hello \\undefinedcommandforthetest.")
    latex.remove_outputs(latex_dir)
    with open(os.devnull, "w") as quiet, pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdout", quiet)
        assert latex.make_pdf(latex_dir, kept) != 0
    assert not kept.exists()
    edit(latex_dir / f"{STEM}.tex", "Hello \\undefinedcommandforthetest.", "Hello.")
    runs, _ = build(latex_dir, kept)
    assert runs == 3  # the document is as it was for the first run, but what that run left is gone
