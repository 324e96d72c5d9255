"""The watch of a kernel that the preview keeps for the next preview (``grcp9.kernels.keep_kernel``).

It runs inside that kernel, started by its start-up line through ``runpy.run_path``: the kernel must
not import the ``grcp9`` package before a notebook does (each notebook records the modules it
imports itself), so this file imports nothing from it.

The kept kernel's records are files in one folder (``paths.KEPT_KERNEL_DIR``), each holding the
kernel's token:

- ``starting-<token>.json`` while the preview that started it writes its record;
- ``waiting.json`` while it waits for a preview;
- ``claimed-<pid>.json`` once the preview of process <pid> took it (a rename of ``waiting.json``).

Beside them is its connection file, ``connection-<token>.json``, which it removes when it leaves.

Once a second the watch looks, and the kernel leaves (``os._exit``) when

- no record holds its token (``make clean`` or ``make stop-kernel`` removed them, or a newer kernel
  replaced it), or the preview that claimed it is no longer running (that preview stops the kernel
  itself when it is done; this covers one that was killed first);
- it has waited ``idle_seconds`` unclaimed: it then renames ``waiting.json`` away before it leaves,
  so that a preview cannot claim it after that (a rename succeeds for one of the two only).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

WAITING = "waiting.json"


def read_record(record: Path) -> dict[str, Any] | None:
    """A record's content, or None if there is no readable record."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_record(record: Path, data: dict[str, Any]) -> None:
    """Write a record at once (a rename), readable by its owner only (a kept kernel's holds its key)."""
    temporary = record.with_name(f".{record.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temporary, record)


def token_of(record: Path) -> str | None:
    """The token a record holds, or None if there is no readable record."""
    token = (read_record(record) or {}).get("token")
    return token if isinstance(token, str) else None


def running(pid: int) -> bool:
    """Whether process ``pid`` exists. 0 and negative numbers name process groups to os.kill (0:
    the caller's own, which always exists), not processes: a record without a process id would
    have counted as a running kernel."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def claimer(name: str) -> int | None:
    """The process id in a claim's file name (``claimed-<pid>.json``)."""
    number = name.removeprefix("claimed-").removesuffix(".json")
    return int(number) if number.isdigit() else None


def state(folder: Path, token: str) -> str:
    """``waiting``, ``claimed`` (by a running process) or ``gone``, for the kernel of ``token``."""
    if token_of(folder / f"starting-{token}.json") == token or token_of(folder / WAITING) == token:
        return "waiting"
    for claim in folder.glob("claimed-*.json"):
        pid = claimer(claim.name)
        if pid is not None and token_of(claim) == token:
            return "claimed" if running(pid) else "gone"
    return "gone"


def expire(folder: Path, token: str) -> None:
    """Take this kernel's waiting record away (a rename, which a claim cannot race), then its start
    record, if any."""
    expired = folder / f"expired-{token}.json"
    try:
        os.rename(folder / WAITING, expired)
    except FileNotFoundError:
        pass
    else:
        if token_of(expired) != token:  # another kernel's record, written since it was read: put it back
            try:
                os.rename(expired, folder / WAITING)
            except OSError:
                expired.unlink(missing_ok=True)
        else:
            expired.unlink(missing_ok=True)
    (folder / f"starting-{token}.json").unlink(missing_ok=True)


def watch(folder: str, token: str, idle_seconds: float, interval: float = 1.0) -> threading.Thread:
    """Start the watch in a daemon thread of this process (the kernel)."""

    def run() -> None:
        started = time.monotonic()
        records = Path(folder)
        while True:
            time.sleep(interval)
            now = state(records, token)
            if now == "waiting" and time.monotonic() - started > idle_seconds:
                expire(records, token)
                if state(records, token) == "claimed":  # claimed just before the record went
                    continue
                now = "gone"
            if now == "gone":
                (records / f"connection-{token}.json").unlink(missing_ok=True)
                os._exit(0)

    thread = threading.Thread(target=run, name="grcp9-kept-kernel-watch", daemon=True)
    thread.start()
    return thread
