"""Benchmark: this project's build against the plain Jupyter Book way of building the same book.

    .venv/bin/python scripts/benchmark.py          (or: make benchmark)

Both builds run in disposable copies of the repository, one after the other on this machine:

- plain: Jupyter Book executes every notebook itself (``execute_notebooks: force``), serially,
  building HTML and then the PDF. Its notebooks are the same sources with their parameters
  injected beforehand (papermill --prepare-only), one profile notebook per respondent.
- ours: ``make book`` clean; then a no-op rebuild; then an author's loop: ``make html`` with
  nothing changed (the first preview), then after one data table changed.

It prints the times and the ratios the project targets, from one run, and writes them to
test-artifacts/benchmark.json. Times are wall-clock seconds; this is not a test.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import papermill

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import sandbox

from grcp9 import paths
from grcp9.build import book, notebooks
from grcp9.build.params import Params

TARGETS = {  # ratio: at most
    "clean build, ours / plain": 0.3,
    "make html after a one-table change / clean build": 0.3,
}
NO_OP_TARGET_SECONDS = 2.0
CHANGED_TABLE = "challenges.csv"
RESULTS = paths.REPO_ROOT / "test-artifacts" / "benchmark.json"


def timed(label: str, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    print(f"  {label} ...", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: {label} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed, result.stdout + result.stderr


def make_timed(label: str, root: Path, *arguments: str) -> tuple[float, str]:
    command = ["make", "--no-print-directory", "-o", f"{sandbox.VENV}/.installed", f"VENV={sandbox.VENV}", *arguments]
    return timed(label, command, root, sandbox.environment())


def prepare_plain(root: Path) -> None:
    """Notebooks with parameters injected but not executed, and Jupyter Book set to execute them,
    for the same pages as our build (its parameters and table of contents)."""
    import yaml

    result = sandbox.make(root, "params")
    if result.returncode != 0:
        sys.exit(f"benchmark: the params step failed:\n{result.stderr[-3000:]}")
    parameters = Params.from_json((root / "book" / "generated" / "params.json").read_text(encoding="utf-8"))
    toc = book.book_toc(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")), parameters)
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    executed = root / "book" / "generated" / "notebooks"
    profiles = root / "book" / "generated" / "profiles"
    executed.mkdir(parents=True, exist_ok=True)
    profiles.mkdir(parents=True, exist_ok=True)
    for name in notebooks.selected_notebooks(parameters):
        papermill.execute_notebook(str(root / "notebooks" / f"{name}.ipynb"), str(executed / f"{name}.ipynb"),
                                   parameters=parameters.notebook_parameters(name), prepare_only=True,
                                   kernel_name="python3", progress_bar=False)
    for iscm_id in parameters.profiles:
        papermill.execute_notebook(str(root / "notebooks" / f"{paths.PROFILE_TEMPLATE}.ipynb"), str(profiles / f"{iscm_id}.ipynb"),
                                   parameters={**parameters.notebook_parameters(paths.PROFILE_TEMPLATE), "iscm_id": iscm_id},
                                   prepare_only=True, kernel_name="python3", progress_bar=False)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = config.replace('execute_notebooks: "off"', 'execute_notebooks: "force"\n  timeout: 300')
    (root / "_config.yml").write_text(config, encoding="utf-8")


def seed_generated_snippets(root: Path) -> None:
    """Chapters include figure/table snippets that notebooks write. Jupyter Book reads chapters and
    notebooks in one pass, so the plain build starts from a copy of them (not timed)."""
    for folder in ("figures", "tables", "compendium"):
        shutil.copytree(paths.GENERATED_DIR / folder, root / "book" / "generated" / folder, dirs_exist_ok=True)


def main() -> int:
    if not paths.GENERATED_DIR.joinpath("figures").is_dir():
        sys.exit("benchmark: run `make book` first (the plain build starts from its figure and table snippets)")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="grcp9-benchmark-") as folder:
        print("plain Jupyter Book build (executes every notebook itself, serially):", flush=True)
        plain = sandbox.create(Path(folder) / "plain")
        prepare_plain(plain)
        seed_generated_snippets(plain)
        environment = {**sandbox.environment(), "GRCP9_REPO_ROOT": str(plain)}
        jupyter_book = str(sandbox.VENV / "bin" / "jupyter-book")
        common = ["build", "book", "--config", str(plain / "_config.yml"), "--toc", str(plain / "_toc.yml")]
        html_plain, _ = timed("plain HTML (with execution)", [jupyter_book, *common], plain, environment)
        pdf_plain, _ = timed("plain PDF", [jupyter_book, *common, "--builder", "pdflatex"], plain, environment)
        results["plain clean build"] = html_plain + pdf_plain

        print("ours:", flush=True)
        ours = sandbox.create(Path(folder) / "ours")
        results["ours clean build"], _ = make_timed("make book, clean", ours, "book")
        results["no-op rebuild"], log = make_timed("make book, nothing changed", ours, "book")
        if "executing" in log:
            sys.exit("benchmark: the no-op rebuild executed a notebook")
        results["make html, nothing changed (first preview)"], _ = make_timed("make html, nothing changed", ours, "html")
        table = ours / "data" / CHANGED_TABLE
        table.write_text(table.read_text(encoding="utf-8").replace("Data on migration", "Data on migration flows"), encoding="utf-8")
        results["make html after a one-table change"], log = make_timed(f"make html after changing {CHANGED_TABLE}", ours, "html")
        print(f"  re-executed: {', '.join(sorted(set(re.findall(r'executing (.+)$', log, re.MULTILINE))))}")
    ratios = {"clean build, ours / plain": results["ours clean build"] / results["plain clean build"],
              "make html after a one-table change / clean build": results["make html after a one-table change"] / results["ours clean build"]}
    print("\nseconds:")
    for label, value in results.items():
        print(f"  {label:48} {value:7.1f}")
    print("targets:")
    met = {label: ratios[label] <= target for label, target in TARGETS.items()}
    met["no-op rebuild under 2 s"] = results["no-op rebuild"] < NO_OP_TARGET_SECONDS
    for label, target in TARGETS.items():
        print(f"  {label:48} {ratios[label]:7.2f}  (at most {target}: {'met' if met[label] else 'NOT met'})")
    print(f"  {'no-op rebuild':48} {results['no-op rebuild']:7.2f} s (under {NO_OP_TARGET_SECONDS} s: "
          f"{'met' if met['no-op rebuild under 2 s'] else 'NOT met'})")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else []
    runs.append({"commit": commit, "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
                 "seconds": {k: round(v, 2) for k, v in results.items()}, "ratios": {k: round(v, 3) for k, v in ratios.items()},
                 "targets met": met})
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(paths.REPO_ROOT)}")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
