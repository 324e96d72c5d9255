"""Adding a survey wave: its row in ``waves.csv``, or a wave's data package merged into another.

    python -m grcp9.fieldwork.waves new --data-dir data --wave 2025 --imrf-edition 2 --imrf-year 2026 \
        --review-period 2024-2025 --updates-since 2022                     (make new-wave)
    python -m grcp9.fieldwork.waves merge --base data --add path/to/wave-package --output path/to/merged

``new`` adds the wave's row (the IMRF it prepares, the period of the regional reviews and the year
the questionnaire asks for updates since: the words of the questionnaire that change with the
wave) and a source section for its questionnaire; it refuses a wave the package has already.

A wave's package has the same tables as ``data/`` (the questionnaire, the registry and the other
shared tables as they stand, plus the wave's rows). Merging takes every row of the base and adds
every row of the addition whose primary key the base does not have; a row with the same key and
other content is a conflict and stops the merge with both files and rows. The merged package is
validated (``grcp9.data.load``) before it is moved into place, so a failed merge writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

from grcp9 import paths
from grcp9.errors import DataValidationError, ParameterError, Problem, run_command


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    reader = csv.DictReader(io.StringIO(text))
    rows = [row for row in reader if any(value for value in row.values())]
    return list(reader.fieldnames or []), rows


def merge_packages(base: Path, addition: Path, output: Path) -> Path:
    """Write base + addition into ``output`` (replaced only if the merged package is valid)."""
    from grcp9 import data

    base, addition, output = paths.resolve(base), paths.resolve(addition), paths.resolve(output)
    descriptor = json.loads((base / paths.DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    problems: list[Problem] = []
    merged: dict[str, str] = {}
    for resource in descriptor["resources"]:
        header, rows = _read(base / resource["path"])
        key = resource["schema"].get("primaryKey") or header
        key = [key] if isinstance(key, str) else key
        index = {tuple(row[k] for k in key): (number, row) for number, row in enumerate(rows, start=1)}
        extra = addition / resource["path"]
        if extra.is_file():
            extra_header, extra_rows = _read(extra)
            if extra_header != header:
                problems.append(Problem(str(extra), f"the columns of {base / resource['path']} ({', '.join(header)})",
                                        ", ".join(extra_header), row=0))
                continue
            for number, row in enumerate(extra_rows, start=1):
                found = index.get(tuple(row[k] for k in key))
                if found is None:
                    rows.append(row)
                    index[tuple(row[k] for k in key)] = (len(rows), row)
                elif found[1] != row:
                    problems.append(Problem(str(extra), f"the same content as row {found[0]} of {base / resource['path']} "
                                            f"(same key {', '.join(key)})", "different values", row=number))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        merged[resource["path"]] = buffer.getvalue()
    if problems:
        raise DataValidationError(problems)
    staging = Path(tempfile.mkdtemp(prefix=".merge-", dir=output.parent if output.parent.is_dir() else None))
    try:
        for name, text in merged.items():
            (staging / name).write_text(text, encoding="utf-8")
        shutil.copyfile(base / paths.DATAPACKAGE_NAME, staging / paths.DATAPACKAGE_NAME)
        if (base / "README.md").is_file():
            shutil.copyfile(base / "README.md", staging / "README.md")
        data.load(staging)  # the merged package must be valid before it replaces anything
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output


def staged_problems(error: DataValidationError, staging: Path, directory: Path) -> DataValidationError:
    """The same problems, naming the user's files instead of the staging copy's."""
    shown = [(str(staging), str(directory))]
    if staging.is_relative_to(paths.REPO_ROOT):  # files in the checkout are shown relative to it
        shown.append((str(staging.relative_to(paths.REPO_ROOT)), str(directory.relative_to(paths.REPO_ROOT))))

    def user_file(file: str) -> str:
        for staged, user in shown:
            if file.startswith(staged):
                return user + file[len(staged):]
        return file

    return DataValidationError([Problem(user_file(problem.file), problem.expected, problem.found, problem.row, problem.column)
                                for problem in error.problems])


def append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows to a CSV file, keeping its existing lines as they are."""
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").rstrip("\n") + "\n"
    header = next(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=header, lineterminator="\n").writerows(rows)
    path.write_text(text + buffer.getvalue(), encoding="utf-8")


def check_staged(staging: Path, directory: Path) -> None:
    """Validate the package assembled in ``staging``, as make book will; its problems name the
    user's files in ``directory``."""
    from grcp9 import data

    try:
        data.load(staging)
    except DataValidationError as error:
        raise staged_problems(error, staging, directory) from None


def swap_in(staging: Path, directory: Path) -> None:
    """Put the checked package in ``staging`` in place of ``directory`` (two renames)."""
    previous = directory.with_name(f".{directory.name}.before")
    shutil.rmtree(previous, ignore_errors=True)
    directory.rename(previous)
    staging.rename(directory)
    shutil.rmtree(previous, ignore_errors=True)


def write_staged(directory: Path, tables: dict[str, list[dict[str, str]]]) -> None:
    """Append rows to tables of the package in ``directory``, validate the result in a copy, and
    only then put it in place of the package (nothing is half-written)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        shutil.copytree(directory, staging, dirs_exist_ok=True)
        for name, rows in tables.items():
            if rows:
                append_rows(staging / name, rows)
        check_staged(staging, directory)
        swap_in(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def new_wave(data_dir: str | Path, wave: str, imrf_edition: str, imrf_year: str, review_period: str, updates_since: str,
             fictitious: bool = False) -> Path:
    """Add the row of ``wave`` to ``waves.csv`` (and a source section for its questionnaire), after
    checking each value; refuse a wave the package has already."""
    import re

    from grcp9 import data

    directory = paths.resolve(data_dir)
    loaded = data.load(directory)
    checks = {"wave": (wave, r"[0-9]{4}", "a year (four digits)"), "imrf_edition": (imrf_edition, r"[1-9][0-9]?", "a whole number from 1"),
              "imrf_year": (imrf_year, r"20[0-9]{2}", "a year (four digits)"),
              "review_period": (review_period, r"[0-9]{4}-[0-9]{4}", "two years, as YYYY-YYYY"),
              "updates_since": (updates_since, r"20[0-9]{2}", "a year (four digits)")}
    for name, (value, pattern, expected) in checks.items():
        if not re.fullmatch(pattern, value or ""):
            raise ParameterError(f"parameter '{name}' ({name.upper()}=): expected {expected}; found {value!r}")
    if wave in loaded.waves:
        raise ParameterError(f"parameter 'wave': expected a wave that {directory / 'waves.csv'} does not have yet; "
                             f"found {wave!r}, which it has")
    section = f"survey-{wave}-questionnaire"
    write_staged(directory, {
        "source_sections.csv": [] if section in set(loaded.sections["section_id"]) else
        [{"section_id": section, "part": f"Survey {wave}", "title": f"The questionnaire of survey wave {wave}, as sent to the ISCMs"}],
        "waves.csv": [{"wave": wave, "imrf_edition": imrf_edition, "imrf_year": imrf_year, "review_period": review_period,
                       "updates_since": updates_since, "report": "no", "fictitious": "yes" if fictitious else "no",
                       "source_section": section, "source_quote": f"questionnaire of wave {wave}",
                       "coding_note": "Added with make new-wave."}]})
    return directory / "waves.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.fieldwork.waves", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="add a wave's row to waves.csv")
    new.add_argument("--data-dir", default="data")
    for name in ("wave", "imrf-edition", "imrf-year", "review-period", "updates-since"):
        new.add_argument(f"--{name}", default="")
    new.add_argument("--fictitious", action="store_true", help="invented test data")
    merge = commands.add_parser("merge", help="merge a wave's data package into a copy of another")
    merge.add_argument("--base", default="data")
    merge.add_argument("--add", required=True, help="the wave's data package")
    merge.add_argument("--output", required=True, help="directory to write (replaced if it exists)")
    arguments = parser.parse_args(argv)
    if arguments.command == "new":
        return run_command(lambda: f"[waves] wave {arguments.wave} added to " + str(new_wave(
            arguments.data_dir, arguments.wave, arguments.imrf_edition, arguments.imrf_year, arguments.review_period,
            arguments.updates_since, arguments.fictitious)))
    return run_command(lambda: f"[waves] merged {arguments.add} into {arguments.base}: "
                               f"{merge_packages(Path(arguments.base), Path(arguments.add), Path(arguments.output))}")


if __name__ == "__main__":
    sys.exit(main())
