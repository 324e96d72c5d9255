"""A disposable copy of the repository that tests can build and break without touching the real one.

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
SKIP_PARTS = {".git", ".venv", "_build", ".staging", "generated", "__pycache__", ".pytest_cache", "test-artifacts",
              "_build.incoming", "_build.outgoing"}


def create(target: Path) -> Path:
    """Copy the sources (not builds, not the environment) to ``target``, keeping timestamps."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        return {name for name in names if name in SKIP_PARTS or name.endswith(".egg-info")}

    shutil.copytree(paths.REPO_ROOT, target, ignore=ignore, symlinks=True)
    return target


def make(root: Path, *arguments: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run make in the copy with this checkout's environment; output is captured as text."""
    environment = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "GRCP9_REPO_ROOT"}}
    command = ["make", "--no-print-directory", "-o", f"{VENV}/.installed", f"VENV={VENV}", *arguments]
    return subprocess.run(command, check=False, cwd=root, env=environment, capture_output=True, text=True, timeout=timeout)


def digest(directory: Path) -> dict[str, str]:
    """SHA-256 of every file below ``directory`` (with its modification time), to detect any change."""
    result = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        result[str(path.relative_to(directory))] = f"{content}:{path.stat().st_mtime_ns}"
    return result
