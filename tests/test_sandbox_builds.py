"""Builds of a disposable copy of the repository (grcp9.sandbox), in this order:

1. a clean build, byte-identical to this checkout's (the manifest of every output);
2. incremental rebuilds: nothing changed executes nothing; a changed table or module re-executes
   exactly the notebooks that read it, and reverting the change gives the clean build back.

Hostile strings, broken input and failing steps are in test_sandbox_robustness.py, on a sandbox
of their own, so that the two files build in parallel (one pytest-xdist worker each).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
import sandbox
from sandbox_helpers import build, executed, make, manifest

from grcp9 import paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = sandbox.create(tmp_path_factory.mktemp("sandbox") / "repo")
    (root.parent / "clean-build.log").write_text(build(root), encoding="utf-8")
    return root


# What a clean build may print: make's command lines, and one progress line per step and notebook.
PROGRESS = re.compile(r"\[(params|notebooks[^\]]*|book)\] |HTML: |PDF: ")  # make echoes no command of a build


def test_a_clean_build_prints_progress_and_nothing_else(clean):
    lines = [line for line in (clean.parent / "clean-build.log").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert any(line.startswith("[notebooks") for line in lines)
    assert [line for line in lines if not PROGRESS.match(line)] == []
    # One line per notebook: the build threads' lines never run into each other.
    assert [line for line in lines if line.count("[notebooks") > 1] == []
    assert "" not in (clean.parent / "clean-build.log").read_text(encoding="utf-8").split("\n")[:-1]
    # The noise this test is about (seen in a build before kernels logged at CRITICAL level):
    assert not PROGRESS.match("[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.")


# --- 1. byte-identical -----------------------------------------------------------------------------

def test_clean_build_is_byte_identical_to_this_checkout(clean):
    ours = paths.BUILD_DIR / paths.MANIFEST_NAME
    if not ours.is_file():
        pytest.skip("this checkout has no built book to compare with")
    theirs, mine = manifest(clean), manifest(paths.REPO_ROOT)
    assert sorted(set(theirs) ^ set(mine)) == [], "the two builds produced different files"
    assert [path for path in theirs if theirs[path] != mine[path]] == [], "files differ between two builds"


# --- 2. incremental ---------------------------------------------------------------------------------

def respondent_profiles(root: Path) -> set[str]:
    rows = csv.DictReader(io.StringIO((root / "data" / "survey_roster.csv").read_text(encoding="utf-8")))
    return {f"profile of {r['iscm_id']}" for r in rows if r["responded"] == "yes"}


def test_noop_rebuild_executes_nothing(clean):
    before = sandbox.digest(clean / "_build")
    log = build(clean)
    assert executed(log) == set() and "[book] building" not in log
    assert sandbox.digest(clean / "_build") == before


def change(root: Path, path: str, old: str, new: str) -> None:
    target_file = root / path
    text = target_file.read_text(encoding="utf-8")
    assert old in text
    target_file.write_text(text.replace(old, new, 1), encoding="utf-8")


def change_and_rebuild(root: Path, path: str, old: str, new: str, target: str = "notebooks") -> set[str]:
    """Change a file, then run make ``target`` and return the notebooks it executed: ``notebooks``
    (the params and notebook steps, which make book and make html both run first) or ``html`` (the
    author's preview: those steps, then the HTML alone into _preview/)."""
    change(root, path, old, new)
    return executed(make(root, target))


def test_one_table_change_reruns_exactly_its_readers(clean):
    book_before = sandbox.digest(clean / "_build")
    # An author's loop: a preview, a change, a preview.
    assert executed(make(clean, "html")) == set()
    change(clean, "data/challenges.csv", "Data on migration,", "Data on migration flows,")
    assert executed(make(clean, "html")) == {"factsheet.ipynb"}
    assert "Data on migration flows" in (clean / "_preview" / "html" / "annex1.html").read_text(encoding="utf-8")
    assert not (clean / "_preview" / "html" / ".buildinfo").exists()
    # The data package offered for download is made again from the changed data.
    with zipfile.ZipFile(clean / paths.DOWNLOADS_DIR.relative_to(paths.REPO_ROOT) / paths.DATA_ZIP_NAME) as archive:
        table = next(name for name in archive.namelist() if name.endswith("/challenges.csv"))
        assert "Data on migration flows" in archive.read(table).decode("utf-8")
    # A preview that fails on bad data says where, and leaves the last preview as it was.
    preview_before = sandbox.digest(clean / "_preview")
    table_file = clean / "data" / "challenges.csv"
    text = table_file.read_text(encoding="utf-8")
    table_file.write_text(text + text.splitlines()[-1] + "\n", encoding="utf-8")  # a row twice: a duplicate key
    failed = sandbox.make(clean, "html")
    table_file.write_text(text, encoding="utf-8")
    assert failed.returncode != 0
    assert re.search(r"challenges\.csv, row \d+ \(line \d+\), column '\w+': expected a unique primary key", failed.stderr), failed.stderr
    assert sandbox.digest(clean / "_preview") == preview_before
    assert sandbox.digest(clean / "_build") == book_before, "make html changed the book in _build/"
    # Unchanged is decided by content: a file written again with the same bytes executes nothing.
    (clean / "data/challenges.csv").write_bytes((clean / "data/challenges.csv").read_bytes())
    assert executed(make(clean, "notebooks")) == set()
    # The preview ran the notebook in the kernel started ahead while the data was validated
    # (grcp9.build.kernels.start_ahead, its libraries imported as it started); without a record of
    # its last run the notebook step executes it again in a kernel started for it: the same bytes.
    executed_dir = clean / paths.EXECUTED_DIR.relative_to(paths.REPO_ROOT)
    by_preview = {f.name: f.read_bytes() for f in executed_dir.glob("factsheet.*")}
    (executed_dir / ".factsheet.record").unlink()
    assert executed(make(clean, "notebooks")) == {"factsheet.ipynb"}
    assert {f.name: f.read_bytes() for f in executed_dir.glob("factsheet.*")} == by_preview
    reran = change_and_rebuild(clean, "data/review_event_participants.csv", "arab-region-dialogue,midcom,", "arab-region-dialogue,colombo,")
    # The verification ledger recounts the named participants of review events too.
    assert reran == {"regional_reviews.ipynb", "verification.ipynb"} | respondent_profiles(clean)


def test_module_change_reruns_exactly_its_importers(clean):
    # grcp9.analysis.meeting is imported by the meeting notebook, and by the verification notebook through
    # grcp9.analysis.ledger: an import of an import counts.
    reran = change_and_rebuild(clean, "src/grcp9/analysis/meeting.py", 'SPOKEN_FORMS = (', '# a changed module\nSPOKEN_FORMS = (')
    assert reran == {"meeting.ipynb", "verification.ipynb"}


def test_reverting_the_changes_gives_the_clean_build_back(clean):
    for path in ("data/challenges.csv", "data/review_event_participants.csv", "src/grcp9/analysis/meeting.py"):
        # Written anew (a fresh modification time), as an editor or `git checkout` would.
        (clean / path).write_bytes((paths.REPO_ROOT / path).read_bytes())
    build(clean)
    ours = paths.BUILD_DIR / paths.MANIFEST_NAME
    if ours.is_file():
        assert manifest(clean) == manifest(paths.REPO_ROOT)
