"""A disposable copy of the repository that tests and the benchmark can build and break without
touching the real one.

The copy reuses this checkout's virtual environment (``make -o`` keeps make from reinstalling it);
the Makefile exports GRCP9_REPO_ROOT, so the package builds the copy, not this checkout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grcp9 import paths

VENV = Path(sys.executable).parent.parent  # the environment running the tests
SKIP_PARTS = {".git", ".venv", "_build", "_preview", ".staging", "generated", "__pycache__", ".pytest_cache", "test-artifacts",
              "_build.incoming", "_build.outgoing", ".mypy_cache", ".ruff_cache", ".import_linter_cache"}


def create(target: Path) -> Path:
    """Copy the sources (not builds, not the environment) to ``target``, keeping timestamps."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        return {name for name in names if name in SKIP_PARTS or name.endswith(".egg-info")}

    shutil.copytree(paths.REPO_ROOT, target, ignore=ignore, symlinks=True)
    return target


def environment() -> dict[str, str]:
    """This process's environment without what would tie a child build to this checkout or this make,
    and with this checkout's SOURCE_DATE_EPOCH (the copy has no git history to take it from)."""
    result = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "GRCP9_REPO_ROOT", "PYTHONPATH"}}
    if "SOURCE_DATE_EPOCH" not in result:
        commit_time = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=paths.REPO_ROOT, capture_output=True,
                                     text=True, check=False).stdout.strip()
        if commit_time:
            result["SOURCE_DATE_EPOCH"] = commit_time
    return result


def make(root: Path, *arguments: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run make in the copy with this checkout's environment; output is captured as text."""
    command = ["make", "--no-print-directory", "-o", f"{VENV}/.installed", f"VENV={VENV}", *arguments]
    return subprocess.run(command, check=False, cwd=root, env=environment(), capture_output=True, text=True, timeout=timeout)


def digest(directory: Path) -> dict[str, str]:
    """SHA-256 of every file below ``directory`` (with its modification time), to detect any change."""
    result = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        result[str(path.relative_to(directory))] = f"{content}:{path.stat().st_mtime_ns}"
    return result
