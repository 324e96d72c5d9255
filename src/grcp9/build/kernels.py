"""Warm kernels: the build's notebooks share one kernel per build thread.

Starting a kernel for each notebook (with pandas and matplotlib imported anew) cost about 2 s a
notebook; the notebook step executes every notebook through the ``warm`` engine registered here
instead. Each build thread keeps one kernel and reuses it; before each reuse the kernel's namespace
is cleared, its execution counter reset, the package's modules removed from ``sys.modules`` (each
notebook imports them anew, so its record of the modules it read is its own) and open figures
closed. The executed notebooks are the same, byte for byte, as with a kernel started for each
(the sandbox tests compare two builds). A notebook run on its own with papermill starts its own
kernel as usual.

Kernels log at CRITICAL level: their warning about an unencrypted local connection, and the error
they log when shut down while busy, are not problems of the build.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines

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
# collection, %reset's included, looks only at what the notebooks since made (a reset is then about
# a tenth of what it is with a full collection each time).
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

# What a kernel started ahead runs as it starts (IPython's exec_lines, before it answers its first
# request): the libraries every notebook imports, leaving no name behind.
PRELOAD = "import importlib; [importlib.import_module(name) for name in ('pandas', 'matplotlib.pyplot')]; del importlib"

_local = threading.local()
_started: list[tuple[KernelManager, Any]] = []
_ahead: list[KernelManager] = []
_lock = threading.Lock()


def start_ahead(kernel_name: str = "python3") -> None:
    """Start one kernel now, which imports the notebooks' libraries as it starts, for the first
    build thread that needs one: it starts while this process validates the data."""
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(extra_arguments=[*KERNEL_ARGUMENTS, f"--IPKernelApp.exec_lines={PRELOAD}"])
    with _lock:
        _ahead.append(km)


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
            # cleanup_kc=False: nbclient's clean-up would shut the kernel down after each notebook.
            return client.execute(cleanup_kc=False)
        finally:
            client.kc = None


def _kernel(kernel_name: str, start_timeout: int) -> tuple[KernelManager, Any]:
    """This thread's kernel and client, started on first use; on every later use the kernel's
    namespace is cleared and its execution counter reset first."""
    km: KernelManager | None = getattr(_local, "km", None)
    if km is None or not km.is_alive():
        with _lock:
            km = _ahead.pop() if _ahead else None
        if km is None:
            km = KernelManager(kernel_name=kernel_name)
            km.start_kernel(extra_arguments=KERNEL_ARGUMENTS)
        kc = _ready_client(km, start_timeout)
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
    requests. That step was 0.2 s of each kernel's start."""
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


def shutdown_warm_kernels() -> None:
    """Stop every warm kernel, and one started ahead and not used (call when a build's notebooks
    are done, or failed)."""
    with _lock:
        started = [*_started, *((km, None) for km in _ahead)]
        _started.clear()
        _ahead.clear()
    for km, kc in started:
        if kc is not None:
            kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
    _local.__dict__.clear()


papermill_engines.register("warm", WarmEngine)
