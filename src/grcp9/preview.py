"""``make html``'s entry point, and the process each preview keeps for the next one::

    python -m grcp9.preview html --data-dir data --wave ''   # make html
    python -m grcp9.preview stop                            # make stop-kernel (and make clean)

A preview (``python -m grcp9.build html``) spent about half a second of its two importing: pandas
for the validation, and Sphinx and Jupyter Book in its HTML worker, which on two cores competed
with the validation and the notebook for the processors. So, as it keeps a kernel
(``grcp9.kernels.keep_kernel``), each preview leaves a process for the next one (``keep``):
``python -m grcp9.preview serve`` imports what the preview imports, starts the preview's HTML
worker (``grcp9.build.HtmlWorker``, which imports Sphinx), and waits on a socket in
``paths.KEPT_PREVIEW_DIR``. The next ``make html`` imports none of that (``run_kept``): it hands
the process its standard input, output and error and its arguments, then waits for its exit
status, which becomes its own; the process runs the preview (``grcp9.build.main``) as this process
would have, then leaves. Signals that the waiting ``make html`` gets (Ctrl-C) are passed on.

A kept process runs one preview, and only if it was started as this process would start one
(``fingerprint``): the same Python, folder, environment (variable for variable), file-creation mask,
installed packages (the site-packages folder's modification time) and package sources (grcp9's
files, hashed: it imported them); otherwise the preview runs in this process, as before, and replaces the kept
process when it keeps one. A kept process that is still starting is waited for (at most
``READY_SECONDS``). It leaves by itself after ``IDLE_SECONDS`` unused, and when ``make
stop-kernel`` or ``make clean`` stops it. ``GRCP9_KEEP_KERNEL=0`` keeps neither a kernel nor a
process.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from grcp9 import paths
from grcp9.kernel_watch import read_record, running, write_record

KEEP_VARIABLE = "GRCP9_KEEP_KERNEL"  # "0": the preview keeps neither a kernel nor a process
IDLE_SECONDS = 600  # the kept kernel's too
READY_SECONDS = 30.0
STARTING = "starting.json"  # written by the preview that started the process: {"pid"}
READY = "ready.json"  # written by the process once it listens: {"pid", "fingerprint"}
SOCKET = "socket"
SOURCES = Path(__file__).resolve().parent


def keeping() -> bool:
    return os.environ.get(KEEP_VARIABLE, "1") != "0"


def started_as() -> dict[str, Any]:
    """How this process was started, as far as a process or kernel kept for it must share it: the
    same Python, folder, environment (variable for variable) and installed packages (the
    site-packages folder's modification time). The kept kernel's fingerprint adds how it starts
    a kernel (``grcp9.kernels.kept_fingerprint``); the kept process's adds the rest (``fingerprint``)."""
    packages = Path(sysconfig.get_paths()["purelib"])
    return {"python": sys.executable, "folder": str(paths.REPO_ROOT), "environment": sorted(os.environ.items()),
            "packages": packages.stat().st_mtime_ns if packages.is_dir() else None}


def fingerprint() -> str:
    """What a kept process must share with this one, hashed (see the module docstring)."""
    umask = os.umask(0o022)  # read by setting it; set back at once
    os.umask(umask)
    process = {
        **started_as(), "cwd": os.getcwd(), "umask": umask,
        "sources": {source.name: hashlib.sha256(source.read_bytes()).hexdigest() for source in sorted(SOURCES.glob("*.py"))},
    }
    return hashlib.sha256(json.dumps(process, sort_keys=True).encode()).hexdigest()


def _address(folder: Path) -> str | None:
    """The socket's path, relative to the working folder (a socket's path may have at most 107
    bytes); None if it is longer even so."""
    address = os.path.relpath(folder / SOCKET)
    return address if len(address.encode()) < 100 else None


def stop(folder: Path | None = None) -> None:
    """Stop the process kept for the next preview, if any (starting or waiting), and remove its
    records. Its HTML worker leaves when it does (the end of its messages)."""
    folder = folder or paths.KEPT_PREVIEW_DIR
    for name in (READY, STARTING):
        record = read_record(folder / name)
        if record is not None and running(record.get("pid", 0)):
            try:
                os.kill(record["pid"], signal.SIGTERM)
            except ProcessLookupError:
                pass
        (folder / name).unlink(missing_ok=True)
    (folder / SOCKET).unlink(missing_ok=True)


def keep(folder: Path | None = None, idle_seconds: float = IDLE_SECONDS) -> None:
    """Leave a process for the next preview (``serve``), in a session of its own with no terminal
    and nothing of this process open, replacing the one kept before, if any. Nothing is done if
    keeping is off or the socket's path is too long."""
    folder = folder or paths.KEPT_PREVIEW_DIR
    if not keeping() or _address(folder) is None:
        return
    stop(folder)
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "grcp9.preview", "serve", str(folder), str(idle_seconds)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    write_record(folder / STARTING, {"pid": process.pid})
    process.returncode = 0  # it outlives this process, which does not wait for it


def _ready_record(folder: Path) -> dict[str, Any] | None:
    """The record of the process kept for this preview once it listens, waiting for one that is
    still starting (at most READY_SECONDS); None if there is none."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        ready = read_record(folder / READY)
        if ready is not None:
            return ready if running(ready.get("pid", 0)) else None
        starting = read_record(folder / STARTING)
        if starting is None or not running(starting.get("pid", 0)) or time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def run_kept(argv: list[str], folder: Path | None = None) -> int | None:
    """Run the preview with ``argv`` (``grcp9.build``'s arguments) in the process kept for it, if
    one was started as this process would start one; its exit status, or None if none ran it."""
    folder = folder or paths.KEPT_PREVIEW_DIR
    address = _address(folder)
    if not keeping() or address is None:
        return None
    record = _ready_record(folder)
    mine = fingerprint()
    if record is None or record.get("fingerprint") != mine:
        return None
    channel = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        channel.settimeout(10)
        channel.connect(address)
        socket.send_fds(channel, [json.dumps({"fingerprint": mine, "argv": argv}).encode()], [0, 1, 2])
        answer = channel.recv(64).decode().split()
    except (OSError, UnicodeDecodeError):
        channel.close()  # a process that answers later finds the channel closed, and leaves
        return None
    if len(answer) != 2 or answer[0] != "ok" or not answer[1].isdigit():
        channel.close()
        return None
    pid = int(answer[1])

    def pass_on(number: int, frame: Any) -> None:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass

    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, pass_on)
    channel.settimeout(None)
    try:
        result = channel.recv(64).decode().split()
    except (OSError, UnicodeDecodeError):
        result = []
    if len(result) == 2 and result[0] == "exit" and result[1].lstrip("-").isdigit():
        return int(result[1])
    print("[preview] the preview process kept by the last preview stopped before it was done", file=sys.stderr)
    return 1


def serve(folder: Path, idle_seconds: float) -> int:
    """The kept process: import, start the HTML worker, wait for one preview (``run_kept``) and
    run it, or leave after ``idle_seconds``."""
    from grcp9 import build

    build.prepare_preview()
    started_as = fingerprint()
    address = _address(folder)
    assert address is not None
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    connection = None
    try:
        Path(address).unlink(missing_ok=True)
        mask = os.umask(0o177)  # the socket: this user's only
        try:
            listener.bind(address)
        finally:
            os.umask(mask)
        listener.listen(1)
        listener.settimeout(idle_seconds)
        write_record(folder / READY, {"pid": os.getpid(), "fingerprint": started_as})
        if (read_record(folder / STARTING) or {}).get("pid") == os.getpid():
            (folder / STARTING).unlink(missing_ok=True)
        connection, _ = listener.accept()
    except OSError:  # unused for idle_seconds, or stopped
        pass
    finally:
        listener.close()
        if (read_record(folder / READY) or {}).get("pid") == os.getpid():  # not one kept after this one
            (folder / READY).unlink(missing_ok=True)
            Path(address).unlink(missing_ok=True)
    if connection is None:
        return 0
    with connection:
        connection.settimeout(10)
        try:
            message, streams, _, _ = socket.recv_fds(connection, 65536, 3)
            request = json.loads(message)
        except (OSError, ValueError):
            return 1
        if len(streams) != 3 or not isinstance(request, dict) or request.get("fingerprint") != started_as:
            connection.send(b"no")
            return 0
        for target, stream in enumerate(streams):
            os.dup2(stream, target)
            os.close(stream)
        try:
            connection.send(f"ok {os.getpid()}".encode())
        except OSError:  # the preview went on without this process
            return 1
        connection.settimeout(None)
        status = 1
        try:
            status = build.main([str(argument) for argument in request.get("argv", [])], kept=True)
        except KeyboardInterrupt:
            status = 130
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                connection.send(f"exit {status}".encode())
            except OSError:
                pass
    return status


def main(argv: list[str] | None = None) -> int:
    arguments = argv if argv is not None else sys.argv[1:]
    if arguments[:1] == ["serve"] and len(arguments) == 3:
        return serve(Path(arguments[1]), float(arguments[2]))
    if arguments == ["stop"]:
        stop()
        return 0
    if arguments[:1] == ["html"]:
        status = run_kept(arguments)
        if status is not None:
            return status
        from grcp9 import build

        return build.main(arguments)
    print("usage: python -m grcp9.preview html [--data-dir D] [--wave W] [--compare C] | stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    status = main()
    # As grcp9.build's preview: its files are written and closed by now; tearing down the modules
    # a preview imported took 0.3-0.5 s.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
