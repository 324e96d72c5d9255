"""Benchmark: this project's build against the plain Jupyter Book way of building the same book.

    .venv/bin/python scripts/benchmark.py          (or: make benchmark)

Both builds run in disposable copies of the repository, one after the other on this machine:

- plain: Jupyter Book executes every notebook itself (``execute_notebooks: force``), serially,
  building HTML and then the PDF. Its notebooks are the same sources with their parameters
  injected beforehand (papermill --prepare-only), one profile notebook per respondent.
- ours: ``make book`` (papermill targets in parallel, then HTML and PDF), clean; then a no-op
  rebuild; then a rebuild after one data table changed.

It prints the times and the ratios the project targets, and the fixed costs: kernel start per
notebook, the Sphinx HTML step and the LaTeX step. Times are wall-clock seconds; this is not a test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from grcp9 import data, paths, sandbox, survey

TARGETS = {"clean build, ours / plain": 0.6, "one-table change / clean build": 0.4}
NO_OP_TARGET_SECONDS = 2.0
CHANGED_TABLE = "challenges.csv"


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
    started = time.monotonic()
    result = sandbox.make(root, *arguments, timeout=3600)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: {label} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed, result.stdout + result.stderr


def prepare_plain(root: Path) -> None:
    """Notebooks with parameters injected but not executed, and Jupyter Book set to execute them."""
    parameters = {"data_dir": "data", "wave": "2021", "output_dir": "book/generated"}
    loaded = data.load(root / "data")
    executed = root / "book" / "generated" / "notebooks"
    profiles = root / "book" / "generated" / "profiles"
    executed.mkdir(parents=True, exist_ok=True)
    profiles.mkdir(parents=True, exist_ok=True)
    for source in sorted((root / "notebooks").glob("*.ipynb")):
        if source.stem != paths.PROFILE_TEMPLATE:
            papermill.execute_notebook(str(source), str(executed / source.name), parameters=parameters, prepare_only=True,
                                       kernel_name="python3", progress_bar=False)
    for iscm_id in survey.respondents(loaded, "2021")["iscm_id"]:
        papermill.execute_notebook(str(root / "notebooks" / f"{paths.PROFILE_TEMPLATE}.ipynb"), str(profiles / f"{iscm_id}.ipynb"),
                                   parameters={**parameters, "iscm_id": iscm_id}, prepare_only=True,
                                   kernel_name="python3", progress_bar=False)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = config.replace('execute_notebooks: "off"', 'execute_notebooks: "force"\n  timeout: 300')
    (root / "_config.yml").write_text(config, encoding="utf-8")


def seed_generated_snippets(root: Path) -> None:
    """Chapters include figure/table snippets that notebooks write. Jupyter Book reads chapters and
    notebooks in one pass, so the plain build starts from a copy of them (not timed)."""
    for folder in ("figures", "tables", "compendium"):
        shutil.copytree(paths.GENERATED_DIR / folder, root / "book" / "generated" / folder, dirs_exist_ok=True)


def kernel_start_seconds(repeats: int = 3) -> float:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells.append(nbformat.v4.new_code_cell("1 + 1"))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "trivial.ipynb"
        nbformat.write(notebook, source)
        started = time.monotonic()
        for _ in range(repeats):
            papermill.execute_notebook(str(source), str(Path(folder) / "out.ipynb"), kernel_name="python3", progress_bar=False)
        return (time.monotonic() - started) / repeats


def step_seconds(log: str, step: str) -> float | None:
    match = re.search(rf"\[book\] {step} built in ([0-9.]+) s", log)
    return float(match.group(1)) if match else None


def main() -> int:
    if not paths.GENERATED_DIR.joinpath("figures").is_dir():
        sys.exit("benchmark: run `make book` first (the plain build starts from its figure and table snippets)")
    results: dict[str, float | None] = {}
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

        print("ours (make book: papermill targets in parallel, then HTML and PDF):", flush=True)
        ours = sandbox.create(Path(folder) / "ours")
        clean, log = make_timed("clean build", ours, "book")
        results["ours clean build"] = clean
        results["Sphinx HTML step"] = step_seconds(log, "HTML")
        results["LaTeX PDF step"] = step_seconds(log, "PDF")
        no_op, log = make_timed("no-op rebuild", ours, "book")
        assert "executing" not in log, "the no-op rebuild executed a notebook"
        results["no-op rebuild"] = no_op
        table = ours / "data" / CHANGED_TABLE
        table.write_text(table.read_text(encoding="utf-8").replace("Data on migration", "Data on migration flows"), encoding="utf-8")
        changed, log = make_timed(f"rebuild after changing {CHANGED_TABLE}", ours, "book")
        results["one-table change rebuild"] = changed
        rerun = sorted(set(re.findall(r"executing (\S+)", log)))
        print(f"  notebooks re-executed after the change: {', '.join(rerun)}")
    results["kernel start per notebook"] = kernel_start_seconds()

    ratios = {
        "clean build, ours / plain": results["ours clean build"] / results["plain clean build"],  # type: ignore[operator]
        "one-table change / clean build": results["one-table change rebuild"] / results["ours clean build"],  # type: ignore[operator]
    }
    print("\nseconds:")
    for name, value in results.items():
        print(f"  {name:32s} {'n/a' if value is None else f'{value:7.1f}'}")
    print("ratios (target):")
    for name, value in ratios.items():
        verdict = "met" if value <= TARGETS[name] else "NOT met"
        print(f"  {name:32s} {value:7.2f}  (<= {TARGETS[name]}: {verdict})")
    verdict = "met" if results["no-op rebuild"] < NO_OP_TARGET_SECONDS else "NOT met"  # type: ignore[operator]
    print(f"  {'no-op rebuild, seconds':32s} {results['no-op rebuild']:7.2f}  (< {NO_OP_TARGET_SECONDS}: {verdict})")
    report = paths.REPO_ROOT / "test-artifacts" / "benchmark.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"seconds": results, "ratios": ratios}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {report.relative_to(paths.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
