"""Helpers of the sandbox build tests (test_sandbox_builds.py, test_sandbox_robustness.py)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grcp9 import build as build_module
from grcp9 import kernel_watch, paths, preview, sandbox

HOSTILE = "<script>alert('x')</script> & 100% $5 #1 a_b {curly} back\\slash ~tilde ^caret"
NAMES = "Zúñiga, Tomáš, Gümürkçü, Emiratisation"
HOSTILE_LABEL = "Other: $x$ & <b>_y_</b>"


def edit_csv(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_where(path: Path, match: dict[str, str], column: str, value: str) -> None:
    def change(rows: list[list[str]]) -> None:
        header = rows[0]
        hits = [r for r in rows[1:] if all(r[header.index(k)] == v for k, v in match.items())]
        assert hits, f"no row {match} in {path}"
        for row in hits:
            row[header.index(column)] = value
    edit_csv(path, change)


def inject_hostile_strings(data: Path) -> None:
    set_where(data / "iscm_statements.csv", {"iscm_id": "pidc", "question": "q15", "location": "compendium", "item": "1"},
              "summary", f"Hostile test: {HOSTILE}; names {NAMES}.")
    set_where(data / "question_options.csv", {"question": "q7", "option": "other"}, "short_label", HOSTILE_LABEL)
    edit_csv(data / "iscm_aliases.csv", lambda rows: rows.append(["pidc", f"Alias {HOSTILE}", "variant name", "annex1-compendium",
                                                                 "Pacific Immigration Development Community (PIDC)", ""]))


def make(root: Path, target: str, keep_kernel: bool = False) -> str:
    """``make target`` in the sandbox, which must succeed; its output."""
    result = sandbox.make(root, target, keep_kernel=keep_kernel)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def build(root: Path) -> str:
    return make(root, "book")


def executed(log: str) -> set[str]:
    """Notebooks a build executed, as its progress lines name them."""
    return set(re.findall(r"executing (\S+\.ipynb|profile of \S+) \(", log))


def manifest(root: Path) -> dict[str, str]:
    lines = (root / "_build" / build_module.MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def waiting_record(folder: Path) -> dict[str, Any]:
    """The record of the kernel a preview keeps waiting in ``folder`` (grcp9.kernels.keep_kernel)."""
    record = kernel_watch.read_record(folder / kernel_watch.WAITING)
    assert record is not None, f"no kernel waits in {folder}"
    return record


def gone_within(pid: int, seconds: float) -> bool:
    """Whether process ``pid`` is gone within ``seconds`` (a killed process lingers until it is reaped)."""
    deadline = time.monotonic() + seconds
    while kernel_watch.running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not kernel_watch.running(pid)


def kept_process_pid(root: Path) -> int | None:
    """The process a preview in ``root`` keeps for the next one (grcp9.preview.keep), starting or ready."""
    folder = root / paths.KEPT_PREVIEW_DIR.relative_to(paths.REPO_ROOT)
    for name in (preview.READY, preview.STARTING):
        record = kernel_watch.read_record(folder / name)
        if record is not None:
            return int(record["pid"])
    return None


def processes() -> list[tuple[int, int, str, str]]:
    """The processes running now, from /proc: id, parent's id, state (Z: a zombie) and command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append((int(entry.name), int(parent), state, line))
        except (OSError, ValueError):
            continue
    return found


def processes_mentioning(root: Path) -> list[str]:
    """The command lines of the running processes that name ``root`` (kept kernels, kept processes,
    HTML workers), zombies aside."""
    return [line for _, _, state, line in processes() if str(root) in line and state != "Z"]
