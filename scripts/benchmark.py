"""Benchmark: this project's build against the plain Jupyter Book way of building the same book.

    .venv/bin/python scripts/benchmark.py          (or: make benchmark)

Both builds run in disposable copies of the repository, one after the other on this machine:

- plain: Jupyter Book executes every notebook itself (``execute_notebooks: force``), serially,
  building HTML and then the PDF. Its notebooks are the same sources with their parameters
  injected beforehand (papermill --prepare-only), one profile notebook per respondent.
- ours: ``make book`` (papermill targets in parallel, then HTML and PDF), clean; then a no-op
  rebuild; then an author's loop: ``make html`` with nothing changed (the first preview), then
  after one data table changed, and again after one chapter changed. The previews keep a kernel
  and a process for the next one, as ``make html`` does (grcp9.kernels.keep_kernel,
  grcp9.preview.keep); before each change the benchmark waits until both are ready, as an author's
  edit would take longer.
- the floor: the work no build can avoid, measured on this machine: every code cell of every
  notebook executed once in one process (no kernels), divided over the cores, plus the slower of
  our Sphinx HTML and LaTeX steps (they run at the same time).
- scale: ``make html`` for generated fictitious waves of 25, 50 and 100 respondents
  (scripts/generate_wave.py): seconds per added respondent, and whether the growth is linear.
  These previews keep no kernel: each of them starts its own, as the runs before the kept kernel did.

It prints the times and the ratios the project targets in one run. Times are wall-clock seconds;
this is not a test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from grcp9 import build, data, kernel_watch, kernels, paths, preview, sandbox, survey  # kernels also registers the engines

TARGETS = {
    "clean build, ours / plain": 0.3,
    "clean build, ours / floor": 1.5,
    "make html after a one-table change / clean build": 0.15,
    "make html after a one-chapter change / clean build": 0.15,
}
NO_OP_TARGET_SECONDS = 2.0
CHANGED_TABLE = "challenges.csv"
CHANGED_CHAPTER = "book/data.md"
SCALE_SIZES = (25, 50, 100)  # respondents of the generated waves (scripts/generate_wave.py)
SCALE_TARGET_SECONDS = 0.3  # per added respondent (its profile page), notebooks and HTML


def timed(label: str, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    print(f"  {label} ...", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: {label} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed, result.stdout + result.stderr


def make_timed(label: str, root: Path, *arguments: str, keep_kernel: bool = False) -> tuple[float, str]:
    started = time.monotonic()
    result = sandbox.make(root, *arguments, timeout=3600, keep_kernel=keep_kernel)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"benchmark: {label} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed, result.stdout + result.stderr


def wait_for_what_the_preview_kept(root: Path, timeout: float = 60) -> None:
    """Wait until the kernel the last preview in ``root`` kept answers (it imports pandas and
    matplotlib as it starts), and the process it kept listens (grcp9.preview: it imports and starts
    its HTML worker first)."""
    ready = root / paths.KEPT_PREVIEW_DIR.relative_to(paths.REPO_ROOT) / preview.READY
    deadline = time.monotonic() + timeout
    while not ready.is_file():
        if time.monotonic() > deadline:
            sys.exit(f"benchmark: the preview kept no process ({ready} is missing)")
        time.sleep(0.05)
    waiting = root / paths.KEPT_KERNEL_DIR.relative_to(paths.REPO_ROOT) / kernel_watch.WAITING
    record = kernel_watch.read_record(waiting)
    if record is None:
        sys.exit(f"benchmark: the preview kept no kernel ({waiting} is missing)")
    client = kernels.KeptKernelManager.from_record(record).client()
    client.start_channels()
    try:
        kernels.wait_for_ready(client, timeout)
    finally:
        client.stop_channels()


def prepare_plain(root: Path) -> None:
    """Notebooks with parameters injected but not executed, and Jupyter Book set to execute them,
    for the same pages as our build (its parameters and table of contents)."""
    import yaml

    result = sandbox.make(root, "params")
    if result.returncode != 0:
        sys.exit(f"benchmark: the params step failed:\n{result.stderr[-3000:]}")
    parameters = json.loads((root / "book" / "generated" / "params.json").read_text(encoding="utf-8"))
    toc = build.book_toc(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")), parameters)
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    executed = root / "book" / "generated" / "notebooks"
    profiles = root / "book" / "generated" / "profiles"
    executed.mkdir(parents=True, exist_ok=True)
    profiles.mkdir(parents=True, exist_ok=True)
    for name in build.selected_notebooks(parameters):
        papermill.execute_notebook(str(root / "notebooks" / f"{name}.ipynb"), str(executed / f"{name}.ipynb"),
                                   parameters=build.notebook_parameters(parameters, name), prepare_only=True,
                                   kernel_name="python3", progress_bar=False)
    loaded = data.load(root / "data")
    for iscm_id in survey.respondents(loaded, parameters["wave"])["iscm_id"]:
        papermill.execute_notebook(str(root / "notebooks" / f"{paths.PROFILE_TEMPLATE}.ipynb"), str(profiles / f"{iscm_id}.ipynb"),
                                   parameters={**build.notebook_parameters(parameters, paths.PROFILE_TEMPLATE), "iscm_id": iscm_id},
                                   prepare_only=True, kernel_name="python3", progress_bar=False)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    config = config.replace('execute_notebooks: "off"', 'execute_notebooks: "force"\n  timeout: 300')
    (root / "_config.yml").write_text(config, encoding="utf-8")


CELLS_SCRIPT = """
import json, sys, time
jobs = json.loads(sys.argv[1])
total = 0.0
for source, parameters in jobs:
    cells = [c for c in json.load(open(source))["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])]
    namespace = dict(parameters)
    started = time.perf_counter()
    for cell in cells:
        exec(compile("".join(cell["source"]), source, "exec"), namespace)
    total += time.perf_counter() - started
print(total)
"""


def cells_seconds(root: Path, output: Path) -> float:
    """The notebooks' own work: every code cell of every notebook the build runs (each profile
    once per respondent) executed in one Python process, without kernels, one after another."""
    parameters = json.loads((root / "book" / "generated" / "params.json").read_text(encoding="utf-8"))
    common = {**parameters, "data_dir": str(root / "data"), "output_dir": str(output)}
    jobs = [(str(root / "notebooks" / f"{name}.ipynb"), {**build.notebook_parameters(common, name)})
            for name in build.selected_notebooks(parameters)]
    for iscm_id in (root / "book" / "generated" / "profiles.txt").read_text(encoding="utf-8").split():
        jobs.append((str(root / "notebooks" / f"{paths.PROFILE_TEMPLATE}.ipynb"),
                     {**build.notebook_parameters(common, paths.PROFILE_TEMPLATE), "iscm_id": iscm_id}))
    environment = {**sandbox.environment(), "GRCP9_REPO_ROOT": str(root), "PYTHONPATH": str(root / "src"), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", CELLS_SCRIPT, json.dumps(jobs)], cwd=root, env=environment,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"benchmark: executing the cells failed:\n{result.stderr[-3000:]}")
    return float(result.stdout.strip().splitlines()[-1])


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
            papermill.execute_notebook(str(source), str(Path(folder) / "out.ipynb"), kernel_name="python3", progress_bar=False,
                                       engine_name="quiet")  # as the build starts its kernels (grcp9.kernels)
        return (time.monotonic() - started) / repeats


def logged_seconds(log: str, pattern: str) -> float | None:
    """Seconds a step printed in its progress line (the first group of ``pattern``)."""
    match = re.search(pattern, log)
    return float(match.group(1)) if match else None


def step_seconds(log: str, step: str) -> float | None:
    return logged_seconds(log, rf"\[book\] {step} built in ([0-9.]+) s")


def scale(folder: Path) -> dict[int, float]:
    """``make html`` (notebooks and HTML) for generated waves of SCALE_SIZES respondents."""
    sys.path.insert(0, str(paths.REPO_ROOT / "scripts"))
    from generate_wave import generate

    root = sandbox.create(folder / "scale")
    seconds = {}
    for respondents in SCALE_SIZES:
        generate(respondents, root / f"wave-{respondents}")
        seconds[respondents], _ = make_timed(f"make html, generated wave of {respondents} respondents", root, "html",
                                             f"DATA_DIR=wave-{respondents}")
    return seconds


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
        results["cells alone, one process"] = cells_seconds(ours, Path(folder) / "cells-output")
        no_op, log = make_timed("no-op rebuild", ours, "book")
        assert "executing" not in log, "the no-op rebuild executed a notebook"
        results["no-op rebuild"] = no_op
        results["make html, nothing changed (first preview)"], _ = make_timed("make html, nothing changed", ours, "html",
                                                                             keep_kernel=True)
        wait_for_what_the_preview_kept(ours)
        table = ours / "data" / CHANGED_TABLE
        table.write_text(table.read_text(encoding="utf-8").replace("Data on migration", "Data on migration flows"), encoding="utf-8")
        results["make html after a one-table change"], log = make_timed(f"make html after changing {CHANGED_TABLE}", ours, "html",
                                                                        keep_kernel=True)
        if "kernel kept by the last preview" not in log or "process kept by the last preview" not in log:
            sys.exit(f"benchmark: the one-table preview did not run in the kept kernel and process:\n{log[-3000:]}")
        rerun = sorted(set(re.findall(r"executing (\S+)", log)))
        print(f"  notebooks re-executed after the change: {', '.join(rerun)}")
        results["  its notebook step (one-table change)"] = logged_seconds(log, r"\[notebooks\] \d+ executed in ([0-9.]+) s")
        results["  its HTML step (one-table change)"] = logged_seconds(log, r"\[preview\] HTML built in ([0-9.]+) s")
        chapter = ours / CHANGED_CHAPTER
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAn added sentence.\n", encoding="utf-8")
        wait_for_what_the_preview_kept(ours)
        results["make html after a one-chapter change"], log = make_timed(f"make html after changing {CHANGED_CHAPTER}", ours, "html",
                                                                          keep_kernel=True)
        if "process kept by the last preview" not in log:
            sys.exit(f"benchmark: the one-chapter preview did not run in the kept process:\n{log[-3000:]}")
        sandbox.make(ours, "stop-kernel")
        results["  its HTML step (one-chapter change)"] = logged_seconds(log, r"\[preview\] HTML built in ([0-9.]+) s")
        results["make book after those changes"], _ = make_timed("make book after those changes", ours, "book")
        sizes = scale(Path(folder))
    results["kernel start per notebook"] = kernel_start_seconds()
    cores = os.cpu_count() or 1
    floor = results["cells alone, one process"] / cores + max(results["Sphinx HTML step"] or 0, results["LaTeX PDF step"] or 0)  # type: ignore[operator]
    results["floor (cells / cores + slower book step)"] = floor
    for respondents, seconds in sizes.items():
        results[f"scale: make html, {respondents} respondents"] = seconds
    small, middle, large = SCALE_SIZES
    per_respondent = (sizes[large] - sizes[small]) / (large - small)
    first_half = (sizes[middle] - sizes[small]) / (middle - small)
    second_half = (sizes[large] - sizes[middle]) / (large - middle)
    clean = results["ours clean build"]
    ratios = {
        "clean build, ours / plain": clean / results["plain clean build"],  # type: ignore[operator]
        "clean build, ours / floor": clean / floor,  # type: ignore[operator]
        "make html after a one-table change / clean build": results["make html after a one-table change"] / clean,  # type: ignore[operator]
        "make html after a one-chapter change / clean build": results["make html after a one-chapter change"] / clean,  # type: ignore[operator]
    }
    print("\nseconds:")
    for name, value in results.items():
        print(f"  {name:52s} {'n/a' if value is None else f'{value:7.1f}'}")
    print("ratios (target):")
    for name, value in ratios.items():
        verdict = "met" if value <= TARGETS[name] else "NOT met"
        print(f"  {name:52s} {value:7.2f}  (<= {TARGETS[name]}: {verdict})")
    verdict = "met" if results["no-op rebuild"] < NO_OP_TARGET_SECONDS else "NOT met"  # type: ignore[operator]
    print(f"  {'no-op rebuild, seconds':52s} {results['no-op rebuild']:7.2f}  (< {NO_OP_TARGET_SECONDS}: {verdict})")
    verdict = "met" if per_respondent <= SCALE_TARGET_SECONDS else "NOT met"
    print(f"  {'scale: seconds per added respondent':52s} {per_respondent:7.2f}  (<= {SCALE_TARGET_SECONDS}: {verdict})")
    print(f"  {'scale: per respondent, first half / second half':52s} {first_half:7.2f} / {second_half:.2f}"
          f"  (linear if close: ratio {second_half / first_half if first_half else float('nan'):.2f})")
    report = paths.REPO_ROOT / "test-artifacts" / "benchmark.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"seconds": results, "ratios": ratios, "per_respondent": per_respondent,
                                  "per_respondent_halves": [first_half, second_half]}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {report.relative_to(paths.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
