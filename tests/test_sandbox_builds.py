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
import time
import zipfile
from pathlib import Path

import pytest
from sandbox_helpers import build, executed, gone_within, kept_process_pid, make, manifest, processes_mentioning, waiting_record

from grcp9 import build as build_module
from grcp9 import kernel_watch, paths, sandbox

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
    ours = paths.BUILD_DIR / build_module.MANIFEST_NAME
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
    (the notebook step alone, which make book and make html both run first) or ``html`` (the author's
    preview: that step, then the HTML alone into _preview/)."""
    change(root, path, old, new)
    return executed(make(root, target))


def kept_kernel_pids(root: Path) -> list[int]:
    records = root / paths.KEPT_KERNEL_DIR.relative_to(paths.REPO_ROOT)
    return [waiting_record(records)["pid"]] if (records / kernel_watch.WAITING).is_file() else []


def test_one_table_change_reruns_exactly_its_readers(clean):
    book_before = sandbox.digest(clean / "_build")
    # An author's loop: a preview, which leaves a kernel and a process for the next one
    # (grcp9.kernels.keep_kernel, grcp9.preview.keep), then a change and a preview run by them.
    assert executed(make(clean, "html", keep_kernel=True)) == set()
    [kept] = kept_kernel_pids(clean)
    kept_process = kept_process_pid(clean)
    assert kept_process is not None
    change(clean, "data/challenges.csv", "Data on migration,", "Data on migration flows,")
    log = make(clean, "html", keep_kernel=True)
    assert executed(log) == {"factsheet.ipynb"}
    assert "(the first in the kernel kept by the last preview)" in log
    assert "(run by the process kept by the last preview)" in log.splitlines()[-1]
    assert "[preview] HTML built in" in log  # the HTML worker's line, which it wrote to make's output
    # Both were stopped after that preview; it kept others.
    assert gone_within(kept, 3) and gone_within(kept_process, 3)
    [kept_next] = kept_kernel_pids(clean)
    kept_process_next = kept_process_pid(clean)
    assert kept_next != kept and kept_process_next not in (None, kept_process)
    # A preview that fails in the kept process fails as one that runs in make's own: its status and
    # its message reach make (the HTML worker's messages: its line above).
    table = clean / "data" / "challenges.csv"
    text = table.read_text(encoding="utf-8")
    table.write_text(text + text.splitlines()[-1] + "\n", encoding="utf-8")  # a row twice: a duplicate key
    failed = sandbox.make(clean, "html", keep_kernel=True)
    table.write_text(text, encoding="utf-8")
    assert failed.returncode != 0
    assert re.search(r"challenges\.csv, row \d+ \(line \d+\), column '\w+': expected a unique primary key", failed.stderr), failed.stderr
    assert gone_within(kept_process_next, 3)
    make(clean, "stop-kernel")
    assert kept_kernel_pids(clean) == [] and kept_process_pid(clean) is None
    assert gone_within(kept_next, 3)
    deadline = time.monotonic() + 3
    while processes_mentioning(clean) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(clean) == []  # nor HTML workers
    assert "Data on migration flows" in (clean / "_preview" / "html" / "annex1.html").read_text(encoding="utf-8")
    # The data package offered for download is made again from the changed data.
    with zipfile.ZipFile(clean / paths.DOWNLOADS_DIR.relative_to(paths.REPO_ROOT) / paths.DATA_ZIP_NAME) as archive:
        table = next(name for name in archive.namelist() if name.endswith("/challenges.csv"))
        assert "Data on migration flows" in archive.read(table).decode("utf-8")
    assert sandbox.digest(clean / "_build") == book_before, "make html changed the book in _build/"
    # The preview ran the notebook in the kernel kept by the last preview, started with its libraries
    # imported ahead as a spare kernel is (grcp9.kernels.start_spare_kernel); the notebook step of
    # make book starts its own. Both give the same bytes.
    executed_dir = clean / paths.EXECUTED_DIR.relative_to(paths.REPO_ROOT)
    by_preview = {f.name: f.read_bytes() for f in executed_dir.glob("factsheet.*")}
    (clean / "data/challenges.csv").write_bytes((clean / "data/challenges.csv").read_bytes())  # a new time only
    assert executed(make(clean, "notebooks")) == {"factsheet.ipynb"}
    assert {f.name: f.read_bytes() for f in executed_dir.glob("factsheet.*")} == by_preview
    reran = change_and_rebuild(clean, "data/review_event_participants.csv", "arab-region-dialogue,midcom,", "arab-region-dialogue,colombo,")
    # The verification ledger recounts the named participants of review events too.
    assert reran == {"regional_reviews.ipynb", "verification.ipynb"} | respondent_profiles(clean)


def test_module_change_reruns_exactly_its_importers(clean):
    # grcp9.meeting is imported by the meeting notebook, and by the verification notebook through
    # grcp9.ledger: an import of an import counts.
    reran = change_and_rebuild(clean, "src/grcp9/meeting.py", 'SPOKEN_FORMS = (', '# a changed module\nSPOKEN_FORMS = (')
    assert reran == {"meeting.ipynb", "verification.ipynb"}


def test_reverting_the_changes_gives_the_clean_build_back(clean):
    for path in ("data/challenges.csv", "data/review_event_participants.csv", "src/grcp9/meeting.py"):
        # Written anew (a fresh modification time), as an editor or `git checkout` would.
        (clean / path).write_bytes((paths.REPO_ROOT / path).read_bytes())
    build(clean)
    # Sphinx wrote the LaTeX of the clean build again: its PDF was used, not made again (grcp9.latex).
    assert "[latex] LaTeX would read the files it read for the kept PDF" in (clean / paths.STAGING_DIR.relative_to(paths.REPO_ROOT) / "pdf" / "build.log").read_text(encoding="utf-8")
    ours = paths.BUILD_DIR / build_module.MANIFEST_NAME
    if ours.is_file():
        assert manifest(clean) == manifest(paths.REPO_ROOT)
