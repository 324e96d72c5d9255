"""Adding a survey wave: merge a wave's data package into another (e.g. into ``data/``).

    python -m grcp9.fieldwork.waves merge --base data --add path/to/wave-package --output path/to/merged

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
from grcp9.errors import DataValidationError, Problem, run_command


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grcp9.fieldwork.waves", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge a wave's data package into a copy of another")
    merge.add_argument("--base", default="data")
    merge.add_argument("--add", required=True, help="the wave's data package")
    merge.add_argument("--output", required=True, help="directory to write (replaced if it exists)")
    arguments = parser.parse_args(argv)
    return run_command(lambda: f"[waves] merged {arguments.add} into {arguments.base}: "
                               f"{merge_packages(Path(arguments.base), Path(arguments.add), Path(arguments.output))}")


if __name__ == "__main__":
    sys.exit(main())
