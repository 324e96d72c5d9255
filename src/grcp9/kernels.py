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

Kernels are started with their own log at CRITICAL level: the kernel's warning that it talks to
papermill over TCP on localhost without encryption, and the error it logs when the shutdown's
interrupt finds it busy, are not problems of the build, and they buried its progress lines.
"""

from __future__ import annotations

import threading
from typing import Any

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine, papermill_engines

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
        kc = km.client()  # made by the thread that uses it
        kc.start_channels()
        with _lock:
            _started.append((km, kc))
        kc.wait_for_ready(timeout=start_timeout)
        kc.allow_stdin = False
        _local.km, _local.kc = km, kc
        return km, kc
    kc = _local.kc
    reply = kc.execute_interactive(RESET, store_history=False, timeout=start_timeout)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"could not reset the warm kernel: {reply['content']}")
    return km, kc


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
        if km.is_alive():
            km.shutdown_kernel(now=True)
    _local.__dict__.clear()


papermill_engines.register("quiet", QuietEngine)
papermill_engines.register("warm", WarmEngine)
