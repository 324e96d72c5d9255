"""The preview's spare kernel (grcp9.kernels.start_spare_kernel): it must have done its imports when a
build thread takes it, and otherwise look like a kernel started for a notebook. The kernel a preview
keeps for the next one (grcp9.kernels.keep_kernel): the same, once claimed; not claimed when started
otherwise; gone when no longer wanted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox_helpers import gone_within, waiting_record

from grcp9 import kernel_watch, kernels, paths

PROBE = ("import sys as _sys; print(sorted(m for m in ('pandas', 'matplotlib.pyplot') if m in _sys.modules), "
         "sorted(k for k in globals() if not k.startswith('_')))")


def _probe(kc: Any) -> tuple[str, int]:
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = kc.execute_interactive(PROBE, output_hook=keep, timeout=60)
    return "".join(printed).strip(), reply["content"]["execution_count"]


def _probe_beside_a_plain_kernel(take: Callable[[], Any]) -> tuple[str, int, str, int]:
    """What PROBE prints, and its execution count, in the kernel ``take`` returns the client of, and
    in a kernel that imported nothing ahead; every kernel is stopped afterwards."""
    plain = kernels._start_process("python3")
    plain_client = plain.client()
    try:
        plain_client.start_channels()
        kernels.wait_for_ready(plain_client, 60)
        printed, count = _probe(take())
        plain_printed, plain_count = _probe(plain_client)
    finally:
        plain_client.stop_channels()
        plain.shutdown_kernel(now=True)
        kernels.shutdown_warm_kernels()
    return printed, count, plain_printed, plain_count


def _assert_like_a_plain_kernel(printed: str, count: int, plain_printed: str, plain_count: int) -> None:
    modules, names = printed.split("] [")
    assert modules == "['matplotlib.pyplot', 'pandas'", printed
    # The same names and execution count as a kernel that imported nothing ahead: a notebook run in it
    # starts from the same namespace, its first cell numbered 1.
    assert names == plain_printed.split("] [")[1], (printed, plain_printed)
    assert count == plain_count == 1


def test_the_spare_kernel_has_imported_the_libraries_and_left_no_name():
    def take() -> Any:
        kernels.start_spare_kernel()
        return kernels._kernel("python3", 60)[1]  # the first use takes the spare kernel

    _assert_like_a_plain_kernel(*_probe_beside_a_plain_kernel(take))


# --- the kernel kept for the next preview (grcp9.kernels.keep_kernel, grcp9.kernel_watch) ---------

def _kept_pid(folder: Path) -> int:
    return waiting_record(folder)["pid"]


def _keep_from_a_child(folder: Path, idle_seconds: float = 600) -> int:
    """Keep a kernel as a preview does, from a process that then ends (the kernel is not this
    process's child); its process id."""
    code = f"from pathlib import Path; from grcp9 import kernels; kernels.keep_kernel(folder=Path({str(folder)!r}), idle_seconds={idle_seconds})"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "GRCP9_KEEP_KERNEL": "1"})
    return _kept_pid(folder)


def test_a_kept_kernel_is_claimed_like_a_spare_one_and_stopped_after_use(tmp_path, monkeypatch):
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "1")
    folder = tmp_path / "kernel"
    pid = _keep_from_a_child(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["waiting.json", f"connection-{_token(folder)}.json"])
    assert oct((folder / "waiting.json").stat().st_mode & 0o777) == "0o600"  # it holds the kernel's key

    def take() -> Any:
        assert kernels.take_kept_kernel(folder=folder)
        assert not (folder / "waiting.json").exists() and (folder / f"claimed-{os.getpid()}.json").is_file()
        km, kept_client = kernels._kernel("python3", 60)
        assert isinstance(km, kernels.KeptKernelManager) and km.kept_pid == pid and kernels.kept_kernel_ran()
        return kept_client

    _assert_like_a_plain_kernel(*_probe_beside_a_plain_kernel(take))
    assert gone_within(pid, 3)
    assert list(folder.iterdir()) == []  # its claim and connection file went with it


def _token(folder: Path) -> str:
    return waiting_record(folder)["token"]


def test_a_kept_kernel_started_otherwise_is_not_claimed(tmp_path, monkeypatch):
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "1")
    folder = tmp_path / "kernel"
    folder.mkdir()
    record = {"token": "t", "pid": os.getpid(), "fingerprint": kernels.kept_fingerprint(), "connection": {}}
    (folder / "waiting.json").write_text(json.dumps(record), encoding="utf-8")
    monkeypatch.setenv("GRCP9_SOME_VARIABLE", "changed since the kernel started")
    assert not kernels.take_kept_kernel(folder=folder)
    monkeypatch.delenv("GRCP9_SOME_VARIABLE")
    monkeypatch.setenv("GRCP9_KEEP_KERNEL", "0")
    assert not kernels.take_kept_kernel(folder=folder)
    assert (folder / "waiting.json").is_file()  # not claimed either time


def test_a_kept_kernel_leaves_when_unwanted(tmp_path):
    # Three at once: their records removed (make clean), their wait over, the preview that claimed one gone.
    removed, idle, claimed = (tmp_path / name for name in ("removed", "idle", "claimed"))
    removed_pid = _keep_from_a_child(removed)
    idle_pid = _keep_from_a_child(idle, idle_seconds=1)
    claimed_pid = _keep_from_a_child(claimed)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    os.rename(claimed / "waiting.json", claimed / f"claimed-{ended.stdout.strip()}.json")
    (removed / "waiting.json").unlink()
    assert gone_within(removed_pid, 10) and gone_within(idle_pid, 10) and gone_within(claimed_pid, 10)
    assert list(idle.iterdir()) == []  # it took its record and connection file with it


def test_a_claim_keeps_the_kernel_while_its_preview_runs(tmp_path):
    folder = tmp_path / "kernel"
    folder.mkdir()
    (folder / "claimed-1.json").write_text(json.dumps({"token": "a"}), encoding="utf-8")  # pid 1 always runs
    (folder / f"claimed-{os.getpid()}.json").write_text(json.dumps({"token": "b"}), encoding="utf-8")
    (folder / "waiting.json").write_text(json.dumps({"token": "c"}), encoding="utf-8")
    (folder / "starting-d.json").write_text(json.dumps({"token": "d"}), encoding="utf-8")
    assert [kernel_watch.state(folder, token) for token in "abcde"] == ["claimed", "claimed", "waiting", "waiting", "gone"]
    kernel_watch.expire(folder, "e")  # not its record: it stays
    assert kernel_watch.state(folder, "c") == "waiting"
    kernel_watch.expire(folder, "c")
    assert kernel_watch.state(folder, "c") == "gone" and not (folder / "waiting.json").exists()


def test_make_help_gives_the_kept_kernels_wait():
    makefile = (paths.REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    minutes = {int(m) for m in re.findall(r"after (\d+) minutes", makefile)}
    assert minutes == {kernels.KEPT_IDLE_SECONDS // 60}


def test_only_a_process_id_counts_as_a_running_kernel():
    assert kernel_watch.running(os.getpid())
    assert not kernel_watch.running(0) and not kernel_watch.running(-1)  # process groups to os.kill
