"""Reproducible edition of the GRCP 9 Summary Report (IOM, 2021): data, computations and book helpers."""

__version__ = "0.1.0"
