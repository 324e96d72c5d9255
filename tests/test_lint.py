"""`make lint` (ruff and mypy) as one test of the suite, so that it runs beside the others on the
test workers instead of before them."""

from __future__ import annotations

import os
import subprocess

from grcp9 import paths


def test_make_lint_passes():
    environment = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    result = subprocess.run(["make", "--no-print-directory", "lint"], cwd=paths.REPO_ROOT, env=environment,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
