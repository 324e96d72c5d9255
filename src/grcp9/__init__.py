"""Reproducible edition of the GRCP 9 Summary Report (IOM, 2021): data, computations and book helpers."""

import os

__version__ = "0.1.0"


def source_date_epoch() -> int:
    """The time that the files a build makes carry (archives, the XLSForm): SOURCE_DATE_EPOCH, which
    make sets to the last commit's time, or a fixed one."""
    return int(os.environ.get("SOURCE_DATE_EPOCH", "1636502400"))
