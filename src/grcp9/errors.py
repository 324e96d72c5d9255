"""The project's own errors, and how a command reports them.

Every bad input is reported as one line that names the user's file, row and column and what was
expected (``Problem``); a command prints it after ``error:`` and exits 1 (``run_command``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

MAX_LISTED_PROBLEMS = 25


class Grcp9Error(Exception):
    """Base of the project's own errors: bad input or a failed step, reported as ``error: ...``."""


@dataclass(frozen=True)
class Problem:
    """One validation failure, located as precisely as the failure allows."""

    file: str
    expected: str
    found: str = ""
    row: int | None = None  # 1-based data row (the header is row 0)
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: expected {self.expected}"
        return f"{text}; found {self.found}" if self.found else text


class ParameterError(Grcp9Error, ValueError):
    """A notebook or build parameter that does not fit the data (unknown wave, wrong type, ...)."""


def run_command(action: Callable[[], str], *errors: type[Exception]) -> int:
    """A command's body for ``python -m grcp9.<module>``: run ``action``, print the line it returns
    and exit 0; on one of the project's errors (``Grcp9Error``) or ``errors`` print
    ``error: ...`` on stderr and exit 1."""
    handled: tuple[type[Exception], ...] = (Grcp9Error, *errors)
    try:
        message = action()
    except handled as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if message:
        print(message, flush=True)
    return 0


class DataValidationError(Grcp9Error, ValueError):
    """Raised when the data package does not match its schema or its coding rules."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("DataValidationError needs at least one problem")
        self.problems = problems
        lines = [str(problems[0])]
        if len(problems) > 1:
            lines.append(f"({len(problems) - 1} more problem(s) below)")
            lines.extend(f"  - {p}" for p in problems[1:MAX_LISTED_PROBLEMS])
            if len(problems) > MAX_LISTED_PROBLEMS:
                lines.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
        super().__init__("\n".join(lines))
