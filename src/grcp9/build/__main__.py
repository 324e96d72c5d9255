"""The build's command line (the Makefile's targets call it): see ``grcp9.build``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from grcp9 import paths
from grcp9.build import book, kernels, notebooks, params, release
from grcp9.errors import run_command

log = logging.getLogger("grcp9")


def steps(command: str, data_dir: str, wave: str, compare: str) -> str:
    """Run the steps of ``command`` in order, each given the validated parameters."""
    if command in ("notebooks", "html") and params.outdated(data_dir, wave, compare):
        # An author's loop: the data or the code changed, so a notebook will most likely run, and
        # its kernel starts while the data is validated.
        kernels.start_ahead()
    try:
        return _steps(command, data_dir, wave, compare)
    finally:
        kernels.shutdown_warm_kernels()


def _steps(command: str, data_dir: str, wave: str, compare: str) -> str:
    checked, fresh = params.params_step(data_dir, wave, compare)
    log.info(params.describe(checked, fresh))
    if command == "params":
        return ""
    if command == "release":
        return release.release_step(checked)
    importing = book.import_sphinx_meanwhile() if command == "html" else None  # the preview runs Sphinx here
    started = time.monotonic()
    executed = notebooks.notebooks_step(checked)
    log.info(f"[notebooks] {len(executed)} executed in {time.monotonic() - started:.1f} s" if executed else "[notebooks] up to date")
    if command == "notebooks":
        return ""
    if command == "html":
        assert importing is not None
        importing.join()
        built = book.preview_step(checked)
        return f"[preview] HTML: {(paths.PREVIEW_DIR / 'html' / 'index.html').relative_to(paths.REPO_ROOT)}" + ("" if built else " (up to date)")
    built = book.book_step(checked)
    return "\n".join([f"[book] HTML: {(paths.BUILD_DIR / 'html' / 'index.html').relative_to(paths.REPO_ROOT)}" + ("" if built else " (up to date)"),
                      f"[book] PDF:  {(paths.BUILD_DIR / 'latex' / paths.PDF_NAME).relative_to(paths.REPO_ROOT)}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.build", description="Build the edition: see grcp9.build.")
    parser.add_argument("command", choices=["params", "notebooks", "html", "book", "release"])
    parser.add_argument("--data-dir", default="data", help="the data package's folder (default: data)")
    parser.add_argument("--wave", default="", help="the wave shown (default: the package's latest)")
    parser.add_argument("--compare", default="", help="waves to compare with, comma-separated (default: every other wave)")
    arguments = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)  # the build's progress lines; other libraries' logs stay quiet
    log.setLevel(logging.INFO)
    return run_command(lambda: steps(arguments.command, arguments.data_dir, arguments.wave, arguments.compare))


if __name__ == "__main__":
    status = main()
    # Everything is written and closed, and the kernels are stopped: leave without tearing down
    # Sphinx, pandas and the notebook client, which takes a quarter of a second after a preview.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
