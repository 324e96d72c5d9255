"""The process a preview keeps for the next one (grcp9.preview): it has its HTML worker started, runs
no preview started otherwise than it was (another environment or file-creation mask, or keeping
off), refuses one that claims another start, and leaves, its worker with it, when unused or
refused. A preview run through it, its output, status and failure, and make stop-kernel:
test_sandbox_builds."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from sandbox_helpers import gone_within, processes

from grcp9 import kernel_watch, preview


def _keep_from_a_child(folder: Path, idle_seconds: float = 600) -> int:
    """Keep a process in ``folder`` from a child of this one, as a preview does as it ends (so that
    the kept process is not this process's child: it is reaped when it leaves); its pid, once ready."""
    code = (f"from pathlib import Path; from grcp9 import preview; "
            f"preview.keep(folder=Path({str(folder)!r}), idle_seconds={idle_seconds})")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "GRCP9_KEEP_KERNEL": "1"})
    pid = kernel_watch.read_record(folder / preview.STARTING)["pid"]  # type: ignore[index]
    deadline = time.monotonic() + 60
    while not (folder / preview.READY).is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kernel_watch.read_record(folder / preview.READY) == {"pid": pid, "fingerprint": preview.fingerprint()}
    return pid


def _children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is ``pid``: their ids and command lines."""
    return [(child, line) for child, parent, _, line in processes() if parent == pid]


def test_a_kept_process_runs_no_preview_started_otherwise_and_refuses_another_start(tmp_path, monkeypatch):
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "1")
    folder = tmp_path / "kept"
    pid = _keep_from_a_child(folder)
    assert oct((folder / preview.SOCKET).stat().st_mode & 0o777) == "0o600"  # this user's only
    [(worker, line)] = _children(pid)
    assert " -m grcp9.build html-worker " in line  # started ahead, waiting to be told
    # Another environment or file-creation mask, or keeping off: the preview runs in its own process, the kept one waits on.
    monkeypatch.setenv("GRCP9_SOME_VARIABLE", "changed since the process started")
    assert preview.run_kept(["html"], folder=folder) is None
    monkeypatch.delenv("GRCP9_SOME_VARIABLE")
    mask = os.umask(0o022)
    os.umask(0o077 if mask != 0o077 else 0o022)  # another file-creation mask
    try:
        assert preview.run_kept(["html"], folder=folder) is None
    finally:
        os.umask(mask)
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "0")
    assert preview.run_kept(["html"], folder=folder) is None
    assert kernel_watch.running(pid) and kernel_watch.running(worker)
    # A caller that says it was started otherwise is refused; the process leaves, and its worker.
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as channel:
        channel.settimeout(30)
        channel.connect(str(folder / preview.SOCKET))
        socket.send_fds(channel, [json.dumps({"fingerprint": "another", "argv": ["html"]}).encode()], [0, 1, 2])
        assert channel.recv(64) == b"no"
    assert gone_within(pid, 10) and gone_within(worker, 10)
    assert list(folder.iterdir()) == []


def test_a_kept_process_leaves_when_unused(tmp_path, monkeypatch):
    # Stopped by make stop-kernel: the one-table test in test_sandbox_builds.
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "1")
    folder = tmp_path / "kept"
    pid = _keep_from_a_child(folder, idle_seconds=1)
    [(worker, _)] = _children(pid)
    assert gone_within(pid, 10) and gone_within(worker, 10)
    assert list(folder.iterdir()) == []
