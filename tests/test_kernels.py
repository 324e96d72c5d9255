"""The preview's spare kernel (grcp9.kernels.start_spare_kernel): it must have done its imports when a
build thread takes it, and otherwise look like a kernel started for a notebook."""

from __future__ import annotations

from typing import Any

from grcp9 import kernels

PROBE = ("import sys as _sys; print(sorted(m for m in ('pandas', 'matplotlib.pyplot') if m in _sys.modules), "
         "sorted(k for k in globals() if not k.startswith('_')))")


def _probe(kc: Any) -> tuple[str, int]:
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = kc.execute_interactive(PROBE, output_hook=keep, timeout=60)
    return "".join(printed).strip(), reply["content"]["execution_count"]


def test_the_spare_kernel_has_imported_the_libraries_and_left_no_name():
    plain = kernels._start_process("python3")
    plain_client = plain.client()
    try:
        plain_client.start_channels()
        plain_client.wait_for_ready(timeout=60)
        kernels.start_spare_kernel()
        _, spare_client = kernels._kernel("python3", 60)  # the first use takes the spare kernel
        spare_printed, spare_count = _probe(spare_client)
        plain_printed, plain_count = _probe(plain_client)
    finally:
        plain_client.stop_channels()
        plain.shutdown_kernel(now=True)
        kernels.shutdown_warm_kernels()
    modules, names = spare_printed.split("] [")
    assert modules == "['matplotlib.pyplot', 'pandas'", spare_printed
    # The same names and execution count as a kernel that imported nothing ahead: a notebook run in it
    # starts from the same namespace, its first cell numbered 1.
    assert names == plain_printed.split("] [")[1], (spare_printed, plain_printed)
    assert spare_count == plain_count == 1
