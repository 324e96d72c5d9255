"""Assemble a release: the PDF, the HTML site as an archive, the data package as a zip, and
SHA256SUMS for them, in ``release/grcp9-<version>/``. Archives are deterministic (sorted entries,
timestamps from SOURCE_DATE_EPOCH), so the same build gives the same checksums.

    make release        (python -m grcp9.build release)
"""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
import time
import zipfile
from pathlib import Path

from grcp9 import __version__, hashing, paths, source_date_epoch
from grcp9.build.params import Params
from grcp9.errors import Grcp9Error

RELEASE_DIR = paths.REPO_ROOT / "release"


class ReleaseError(Grcp9Error):
    """A release cannot be made from this checkout (no book, or uncommitted changes)."""


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def html_archive(site: Path, target: Path, top: str) -> Path:
    """tar.gz of the site with fixed owners, modes and times."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for file in _files(site):
            info = tarfile.TarInfo(f"{top}/{file.relative_to(site)}")
            info.size, info.mtime, info.mode, info.uid, info.gid = file.stat().st_size, source_date_epoch(), 0o644, 0, 0
            info.uname = info.gname = ""
            with file.open("rb") as handle:
                archive.addfile(info, handle)
    with target.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=source_date_epoch()) as compressed:
        compressed.write(buffer.getvalue())
    return target


def data_archive(data_dir: Path, target: Path, top: str) -> Path:
    """zip of the data package (tables, descriptor, README) with fixed times."""
    stamp = time.gmtime(max(source_date_epoch(), 315532800))[:6]  # zip dates start in 1980
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in _files(data_dir):
            info = zipfile.ZipInfo(f"{top}/{file.relative_to(data_dir)}", date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())
    return target


def working_tree_changes() -> list[str]:
    """Uncommitted changes to tracked files and untracked files git does not ignore, one per line
    (``git status --porcelain``); empty outside a git checkout."""
    import subprocess

    result = subprocess.run(["git", "status", "--porcelain"], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=False)
    return result.stdout.splitlines() if result.returncode == 0 else []


def make_release(params: Params, version: str = __version__, release_dir: Path = RELEASE_DIR) -> Path:
    """The release of the built book, with the data package it was built from (``params``)."""
    pdf = paths.BUILD_DIR / "latex" / paths.PDF_NAME
    site = paths.BUILD_DIR / "html"
    if not pdf.is_file() or not site.is_dir():
        raise ReleaseError("release: no built book; run `make book` first")
    name = f"grcp9-{version}"
    target = release_dir / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    outputs = [
        Path(shutil.copyfile(pdf, target / f"{name}.pdf")),
        html_archive(site, target / f"{name}-html.tar.gz", f"{name}-html"),
        data_archive(paths.resolve(params.data_dir), target / f"{name}-data.zip", f"{name}-data"),
    ]
    sums = target / "SHA256SUMS"
    sums.write_text("".join(f"{hashing.file_digest(p)}  {p.name}\n" for p in outputs), encoding="utf-8")
    return target


def release_step(params: Params) -> str:
    """``make release``: refuse a working tree with uncommitted changes, then assemble the release."""
    changes = working_tree_changes()
    if changes:
        raise ReleaseError("release: the working tree has uncommitted changes; a release must be built from a commit:\n  "
                           + "\n  ".join(changes[:10]))
    target = make_release(params)
    return "\n".join([f"[release] {target.relative_to(paths.REPO_ROOT)}:", *(f"  {file.name}" for file in sorted(target.iterdir()))])
