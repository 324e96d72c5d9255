"""A figure's files (grcp9.publish.style.save): the PDF is reused only when what it is made from is unchanged,
and a reused PDF has the bytes a fresh one would have."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

from grcp9.publish import figures, style


def chart(title: str = "Respondents", values: tuple[int, ...] = (3, 1)):
    return figures.horizontal_bars(["First mechanism", "Second mechanism"], list(values), [False, False], title, "ISCMs")


@pytest.fixture(autouse=True)
def project_style():
    with matplotlib.rc_context():
        style.apply()
        yield
    plt.close("all")


def save(stem: Path, **changes) -> tuple[bytes, int]:
    fig = chart(**changes)
    _, pdf = style.save(fig, stem)
    return pdf.read_bytes(), pdf.stat().st_mtime_ns


def fresh_pdf(tmp_path: Path, **changes) -> bytes:
    """The same figure saved in an empty folder: nothing to reuse."""
    folder = tmp_path / f"fresh-{len(list(tmp_path.iterdir()))}"
    return save(folder / "figure", **changes)[0]


def test_an_unchanged_figure_keeps_its_pdf_and_the_pdf_is_what_a_fresh_save_writes(tmp_path):
    stem = tmp_path / "kept" / "figure"
    first, written = save(stem)  # a fresh save: the folder was empty
    again, rewritten = save(stem)
    assert rewritten == written, "the unchanged figure's PDF was written again"
    assert again == first


@pytest.mark.parametrize("change", ["title", "values", "setting", "tampered PDF", "lost record"])
def test_a_changed_figure_or_setting_gets_a_new_pdf(tmp_path, change):
    stem = tmp_path / "changed" / "figure"
    first, _ = save(stem)
    pdf, record = stem.with_suffix(".pdf"), stem.with_name(f".{stem.name}.pdf-inputs")
    assert record.is_file()
    changes: dict = {}
    if change == "title":
        changes = {"title": "Respondents, as counted"}
    elif change == "values":
        changes = {"values": (3, 2)}
    elif change == "setting":
        plt.rcParams["pdf.compression"] = 0  # the SVG is the same, the PDF is not (and style.apply keeps it)
    elif change == "tampered PDF":
        pdf.write_bytes(first.replace(b"/Type /Catalog", b"/Type  /Catalog"))
    else:
        record.unlink()
        pdf.write_bytes(b"not the figure")
    second, _ = save(stem, **changes)
    if change in {"title", "values", "setting"}:
        assert second == fresh_pdf(tmp_path, **changes) and second != first
    else:  # the same figure: a fresh save's bytes are the first save's (made in an empty folder)
        assert second == first
