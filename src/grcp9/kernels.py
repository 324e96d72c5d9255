"""Kernels for papermill: quiet ones, and warm ones that the build's notebooks share.

Every executed notebook used to start its own kernel (about 2 s each on the project's machine, with
pandas and matplotlib imported anew). ``execute_outdated`` now runs every notebook, and the profile
template once per respondent, through the ``warm`` engine registered here: each build thread keeps
one kernel and reuses it for every notebook it executes. Before each reuse the kernel's namespace
is cleared, its execution counter reset, the package's modules removed from ``sys.modules`` (each
notebook imports them anew, so its record of the modules it read is its own) and open figures
closed. Measured when this was introduced: the executed notebooks, their results and their
records of inputs were the same, byte for byte, as those of a build whose kernels were started
anew for each notebook (for the profiles: for each profile); the sandbox tests compare two warm
builds. A notebook run on its own (papermill, as the README shows) starts its own kernel.

The preview (``python -m grcp9.build html``) starts one spare kernel, with pandas and matplotlib
imported, before it validates the data, when something may have to execute
(``start_spare_kernel``); the first build thread that needs a kernel takes it. The fact sheet
notebook executed so was byte-identical to the notebook step's (a sandbox test compares them).

The preview also keeps one kernel for the next preview (``keep_kernel``): when it is done, it
leaves a kernel started as a spare one is, with the libraries imported, waiting in a process of its
own. The next ``make html`` that has something to execute claims it (``take_kept_kernel``) instead
of starting a spare kernel, if it was started as this process would start one: the same Python,
arguments, start-up code, folder, environment (variable for variable) and installed packages (the
site-packages folder's modification time); any difference, and a spare kernel is started as before.
A kept kernel runs one preview's notebooks, like a spare one, and is stopped after them. The kernel
leaves by itself after KEPT_IDLE_SECONDS unclaimed, when ``make clean`` or ``make stop-kernel``
removes its records, or when the preview that claimed it is gone (``grcp9.kernel_watch``).
``GRCP9_KEEP_KERNEL=0`` turns keeping off; the test suite's sandboxes do, except where a test
checks it.

Kernels are started with their own log at CRITICAL level: the kernel's warning that it talks to
papermill over TCP on localhost without encryption, and the error it logs when the shutdown's
interrupt finds it busy, are not problems of the build, and they buried its progress lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine, papermill_engines

from grcp9 import kernel_watch, paths, preview
from grcp9.preview import keeping

# No IPython history: a warm kernel restarts its execution count at 1 for each profile, and the
# history database then prints "Session/line number was not unique" into the notebook's output.
# CRITICAL, not ERROR: jupyter_client interrupts a kernel before shutting it down, and a kernel
# interrupted while busy logs "KeyboardInterrupt caught in kernel" as an error. A failing cell is
# reported by papermill (the notebook step's error), not by the kernel's log.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
# Run before each reuse of a warm kernel, without storing history (so it takes no execution count).
# Each notebook imports the package's modules anew (so that its record of the modules it read,
# ``Results.record_inputs``, lists its own imports, and no module state crosses notebooks), and
# finds no figure left open by the previous one. The garbage collector then frees what the last
# notebook left in cycles, and freezes what survives (the libraries and their caches): every later
# collection, %reset's included, looks only at what the notebooks since made. A reset took 0.09 s
# with a full collection each time and 0.008 s so (measured in a kernel with the package, pandas
# and matplotlib loaded).
RESET = """\
import sys
for name in [name for name in sys.modules if name == 'grcp9' or name.startswith('grcp9.')]:
    del sys.modules[name]
if 'matplotlib.pyplot' in sys.modules:
    sys.modules['matplotlib.pyplot'].close('all')
get_ipython().run_line_magic('reset', '-f')
get_ipython().execution_count = 1
import gc
gc.collect()
gc.freeze()
del gc
"""

# What a spare kernel runs while it starts (IPython's exec_lines: before it answers its first
# request, without storing history). It imports the libraries every notebook imports and leaves no
# name in the namespace.
PRELOAD = "import importlib; [importlib.import_module(name) for name in ('pandas', 'matplotlib.pyplot')]; del importlib"

_local = threading.local()
_started: list[tuple[KernelManager, Any]] = []
_spare: list[KernelManager] = []  # started ahead of use (start_spare_kernel), no client yet
_lock = threading.Lock()
_kept_ran = threading.Event()  # a notebook ran in the kept kernel since it was claimed (take_kept_kernel)


class QuietEngine(NBClientEngine):
    """papermill's engine, with quiet kernels."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        return super().execute_managed_notebook(nb_man, kernel_name, extra_arguments=KERNEL_ARGUMENTS, **kwargs)


class WarmEngine(Engine):
    """papermill engine that reuses one kernel, and one client of it, per thread (see the module
    docstring)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False, stdout_file: Any = None,
                                 stderr_file: Any = None, start_timeout: int = 60, execution_timeout: Any = None,
                                 **kwargs: Any) -> Any:
        km, kc = _kernel(kernel_name, start_timeout)
        client = PapermillNotebookClient(nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                                         kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                         stderr_file=stderr_file)
        client.kc = kc  # nbclient starts no client of its own (and waits for no readiness) when it has one
        try:
            # cleanup_kc=False: nbclient's clean-up would shut the kernel down, and the next profile
            # would start a new one (it did, until this was measured: one kernel per profile).
            return client.execute(cleanup_kc=False)
        finally:
            client.kc = None


def _kernel(kernel_name: str, start_timeout: int) -> tuple[KernelManager, Any]:
    """This thread's kernel and client, started on first use; on every later use the kernel's
    namespace is cleared and its execution counter reset first."""
    km: KernelManager | None = getattr(_local, "km", None)
    if km is None or not km.is_alive():
        with _lock:
            spare = next((k for k in _spare if k.kernel_name == kernel_name), None)
            if spare is not None:
                _spare.remove(spare)
        km = spare or _start_process(kernel_name)
        try:
            kc = _ready_client(km, start_timeout)
        except RuntimeError:
            if not isinstance(km, KeptKernelManager):
                raise
            # The kept kernel left between its claim and now (it was killed): start one as before.
            km = _start_process(kernel_name)
            kc = _ready_client(km, start_timeout)
        if isinstance(km, KeptKernelManager):
            _kept_ran.set()
        _local.km, _local.kc = km, kc
        return km, kc
    kc = _local.kc
    reply = kc.execute_interactive(RESET, store_history=False, timeout=start_timeout)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not reset the warm kernel: {reply['content']}")
    return km, kc


def _ready_client(km: KernelManager, start_timeout: int) -> Any:
    kc = km.client()  # made by the thread that uses it
    kc.start_channels()
    with _lock:
        _started.append((km, kc))
    wait_for_ready(kc, start_timeout)  # a RuntimeError if the kernel's process has gone
    kc.allow_stdin = False
    return kc


def wait_for_ready(kc: Any, timeout: float) -> None:
    """Wait until the kernel answers on its shell channel and its IOPub channel is connected, as
    jupyter_client's ``wait_for_ready`` does, without its last step: reading IOPub until it has
    been quiet for 0.2 s, to drop the messages that are left. Nothing here needs them dropped:
    nbclient, and ``execute_interactive`` (the reset), read only the messages that answer their own
    requests. That step was 0.2 s of each kernel's start, and of each preview."""
    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = kc.shell_channel.get_msg(timeout=1)
        except queue.Empty:
            pass
        else:
            if reply["msg_type"] == "kernel_info_reply":
                try:  # the request's status message, once IOPub is connected (else ask again)
                    kc.iopub_channel.get_msg(timeout=0.2)
                except queue.Empty:
                    pass
                else:
                    kc._handle_kernel_info_reply(reply)
                    return
        if not kc.is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


def _start_process(kernel_name: str, *extra_arguments: str) -> KernelManager:
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(extra_arguments=[*KERNEL_ARGUMENTS, *extra_arguments])
    return km


def start_spare_kernel(kernel_name: str = "python3") -> None:
    """Start a kernel now, for the first build thread that needs one (``_kernel``), so that it starts
    while this process does other work (the preview validates the data meanwhile). It is started as
    ``_kernel`` starts one, and imports the libraries every notebook imports (PRELOAD) before it is
    ready; the thread that takes it waits for that.

    The preload used to be sent as a request right after the start, and the client closed at once:
    the kernel was not listening yet, the request was dropped with the client's socket, and the
    spare kernel imported nothing (seen in a test of this function). A start-up line cannot be lost."""
    km = _start_process(kernel_name, f"--IPKernelApp.exec_lines={PRELOAD}")
    with _lock:
        _spare.append(km)


def shutdown_warm_kernels() -> None:
    """Stop every warm kernel, and any spare one not used (call when a build's notebooks are done,
    or failed)."""
    with _lock:
        started = [*_started, *((km, None) for km in _spare)]
        _started.clear()
        _spare.clear()
    for km, kc in started:
        if kc is not None:
            kc.stop_channels()
        if kc is None and isinstance(km, KeptKernelManager) and km.give_back():
            continue  # claimed but not used (nothing was outdated): it waits for the next preview again
        if km.is_alive():
            km.shutdown_kernel(now=True)
    _local.__dict__.clear()


# --- the kernel kept for the next preview (see the module docstring) -----------------------------

KEPT_IDLE_SECONDS = preview.IDLE_SECONDS
WATCH_FILE = Path(kernel_watch.__file__)


def kept_fingerprint(kernel_name: str = "python3") -> str:
    """What a kept kernel must share with a kernel this process would start, hashed: how this
    process was started (``preview.started_as``), and how it starts a kernel."""
    started_as = {
        **preview.started_as(), "kernel": kernel_name, "arguments": KERNEL_ARGUMENTS, "preload": PRELOAD,
        "watch": hashlib.sha256(WATCH_FILE.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(started_as, sort_keys=True).encode()).hexdigest()


class KeptKernelManager(KernelManager):
    """A kernel that an earlier preview started and left waiting, claimed by this process. This
    process did not start it, so it knows it by its process id, and stops it with a signal."""

    kept_pid = 0
    claim: Path | None = None
    kept_connection: Path | None = None  # its connection file, left by keep_kernel

    @classmethod
    def from_record(cls, record: dict[str, Any], kernel_name: str = "python3", claim: Path | None = None) -> KeptKernelManager:
        """The manager of the kernel a record of ``keep_kernel`` describes (claimed by ``claim``, if any)."""
        km = cls(kernel_name=kernel_name)
        km.load_connection_info(record["connection"])
        km.kept_pid, km.claim, km.kept_connection = record["pid"], claim, Path(record["connection_file"])
        return km

    @property
    def has_kernel(self) -> bool:  # nbclient starts a kernel of its own for a manager without one
        return kernel_watch.running(self.kept_pid)

    def is_alive(self) -> bool:
        return kernel_watch.running(self.kept_pid)

    def interrupt_kernel(self) -> None:
        os.kill(self.kept_pid, signal.SIGINT)

    def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        try:
            os.kill(self.kept_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for record in (self.claim, self.kept_connection):
            if record is not None:
                record.unlink(missing_ok=True)

    def give_back(self) -> bool:
        """Make this claimed, unused kernel wait again, unless another waits already."""
        if self.claim is None or not self.is_alive() or (self.claim.parent / kernel_watch.WAITING).exists():
            return False
        try:
            os.rename(self.claim, self.claim.parent / kernel_watch.WAITING)
        except OSError:
            return False
        return True


def take_kept_kernel(kernel_name: str = "python3", folder: Path | None = None) -> bool:
    """Claim the kernel an earlier preview kept, as this process's spare kernel, if one waits and was
    started as this process would start one (``kept_fingerprint``). Returns whether it did."""
    folder = folder or paths.KEPT_KERNEL_DIR
    waiting = kernel_watch.read_record(folder / kernel_watch.WAITING)
    if not keeping() or waiting is None or waiting.get("fingerprint") != kept_fingerprint(kernel_name):
        return False
    claim = folder / f"claimed-{os.getpid()}.json"
    try:
        os.rename(folder / kernel_watch.WAITING, claim)  # the kernel's own watch may expire it meanwhile
    except FileNotFoundError:
        return False
    record = kernel_watch.read_record(claim)
    if record is None or record.get("fingerprint") != waiting["fingerprint"] or not kernel_watch.running(record["pid"]):
        claim.unlink(missing_ok=True)  # replaced meanwhile, or gone: its watch sees no record and leaves
        return False
    _kept_ran.clear()
    km = KeptKernelManager.from_record(record, kernel_name, claim)
    with _lock:
        _spare.append(km)
    return True


def kept_kernel_ran() -> bool:
    """Whether a notebook ran in the kernel this process claimed (take_kept_kernel)."""
    return _kept_ran.is_set()


def stop_kept_kernel(folder: Path | None = None) -> None:
    """Stop the kernel kept for the next preview, if any, and remove its records (those of a
    preview still running stay)."""
    folder = folder or paths.KEPT_KERNEL_DIR
    if not folder.is_dir():
        return
    for record in folder.iterdir():
        pid = kernel_watch.claimer(record.name)
        if pid is not None and pid != os.getpid() and kernel_watch.running(pid):
            continue
        data = kernel_watch.read_record(record)
        if record.name == kernel_watch.WAITING and data is not None and isinstance(data.get("pid"), int):
            try:
                os.kill(data["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
        record.unlink(missing_ok=True)


def keep_kernel(kernel_name: str = "python3", folder: Path | None = None, idle_seconds: float = KEPT_IDLE_SECONDS) -> None:
    """Leave a kernel waiting for the next preview, started as a spare kernel is (PRELOAD) and
    watched by ``grcp9.kernel_watch``, in a process and session of its own with no terminal and
    nothing of this process open: it outlives this process, and a caller reading this process's
    output does not wait for it. Nothing is done if keeping is off, or if a kernel started as this
    one would be waits already."""
    if not keeping():
        return
    folder = folder or paths.KEPT_KERNEL_DIR
    fingerprint = kept_fingerprint(kernel_name)
    waiting = kernel_watch.read_record(folder / kernel_watch.WAITING)
    if waiting is not None and waiting.get("fingerprint") == fingerprint and kernel_watch.running(waiting.get("pid", 0)):
        return
    stop_kept_kernel(folder)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    starting = folder / f"starting-{token}.json"
    kernel_watch.write_record(starting, {"token": token})
    watch = (f"import runpy; runpy.run_path({str(WATCH_FILE)!r})['watch']({str(folder)!r}, {token!r}, {idle_seconds!r}); "
             "del runpy")
    km = KernelManager(kernel_name=kernel_name, connection_file=str(folder / f"connection-{token}.json"))
    km.start_kernel(extra_arguments=[*KERNEL_ARGUMENTS, f"--IPKernelApp.exec_lines={PRELOAD}; {watch}"],
                    independent=True, cwd=str(paths.REPO_ROOT), stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    connection = {key: value.decode() if isinstance(value, bytes) else value
                  for key, value in km.get_connection_info().items()}
    kernel_watch.write_record(folder / kernel_watch.WAITING, {"token": token, "fingerprint": fingerprint,
                                                  "pid": km.provisioner.pid,
                                                  "connection": connection, "connection_file": km.connection_file})
    starting.unlink()
    # The kernel reads its connection file while it starts, after this returns; the manager would
    # remove it when it is collected. It is left to stop_kept_kernel.
    km._connection_file_written = False


def main(argv: list[str] | None = None) -> int:
    """``python -m grcp9.kernels stop`` (make stop-kernel)."""
    arguments = argv if argv is not None else sys.argv[1:]
    if arguments != ["stop"]:
        print("usage: python -m grcp9.kernels stop", file=sys.stderr)
        return 2
    stop_kept_kernel()
    return 0


papermill_engines.register("quiet", QuietEngine)
papermill_engines.register("warm", WarmEngine)


if __name__ == "__main__":
    sys.exit(main())
