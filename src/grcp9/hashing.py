"""The one rule for "unchanged": a step skips its work when the SHA-256 of everything it reads
equals the digest it recorded after its last success.

A step computes ``digest(files, extra)`` over its inputs (file names and bytes, plus any other
value its result depends on), asks ``unchanged(record, fingerprint)`` (or ``recall``, for what it gave) before working, and
calls ``remember(record, fingerprint)`` only after it succeeded. A failed step forgets its record first
(``forget``), so it runs again next time. Times of files are never compared.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from grcp9 import paths


@lru_cache(maxsize=4096)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    """A file's SHA-256; cached within one process for a file that has not been rewritten since."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, or "missing"."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return "missing"
    return _file_digest(path, status.st_size, status.st_mtime_ns)


def digest(files: Iterable[Path], extra: object = None) -> str:
    """SHA-256 over each file's name (relative to the repository, so that a clone elsewhere gives
    the same) and bytes, in sorted order, and ``extra`` (any JSON value: arguments, parameters)."""
    root = paths.REPO_ROOT
    total = hashlib.sha256(json.dumps(extra, sort_keys=True).encode("utf-8"))
    for path in sorted(set(files)):
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        total.update(f"\0{name}\0{file_digest(path)}".encode())
    return total.hexdigest()


def tree(directory: Path, pattern: str = "*") -> list[Path]:
    """The files under ``directory`` matching ``pattern`` (no hidden files, no caches)."""
    if not directory.is_dir():
        return []
    return [p for p in directory.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
            and not any(part.startswith(".") for part in p.relative_to(directory).parts)]


def recall(record: Path, fingerprint: str) -> str | None:
    """What the step that keeps ``record`` gave when it last succeeded, if that was on inputs with
    this fingerprint (else None: the step must work)."""
    if not record.is_file():
        return None
    kept, _, result = record.read_text(encoding="utf-8").partition("\n")
    return result if kept == fingerprint else None


def unchanged(record: Path, fingerprint: str) -> bool:
    """Whether the step that keeps ``record`` last succeeded on inputs with this fingerprint."""
    return recall(record, fingerprint) is not None


def remember(record: Path, fingerprint: str, result: str = "") -> None:
    """Record the fingerprint of the inputs the step just succeeded on (and what it gave)."""
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(f"{fingerprint}\n{result}", encoding="utf-8")


def forget(record: Path) -> None:
    """Forget the step's last success (before it works again, so a failure leaves no record)."""
    record.unlink(missing_ok=True)


def write_if_changed(target: Path, content: bytes) -> bool:
    """Write ``content`` unless the file holds it already (an unchanged file is not touched).
    Returns whether the file was written."""
    if target.is_file() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return True
