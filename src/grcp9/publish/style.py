"""One plotting style for every figure: Okabe–Ito colours (colour-blind safe), plain axes.

Unknown or unattributed quantities are always drawn in grey with hatching, so they are never
mistaken for a real category.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.figure import Figure

from grcp9 import hashing

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
KNOWN = OKABE_ITO["blue"]
SECONDARY = OKABE_ITO["orange"]
CONTRAST = OKABE_ITO["vermillion"]
UNKNOWN = "#BBBBBB"
UNKNOWN_HATCH = "///"



def apply() -> None:
    """Set the project's matplotlib defaults (call once per notebook, before plotting)."""
    plt.rcParams.update({
        "figure.figsize": (7.0, 3.2),
        "figure.dpi": 100,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.prop_cycle": cycler(color=list(OKABE_ITO.values())[1:]),
        "svg.hashsalt": "grcp9",  # stable element ids in SVG output
        "svg.fonttype": "none",  # text in the SVG stays text: selectable, searchable, sharp at any size
        "pdf.fonttype": 42,  # embed TrueType, keeps text selectable in the PDF
    })


SVG_METADATA = {"Date": None, "Creator": None}
PDF_METADATA = {"CreationDate": None, "Creator": None, "Producer": None}


def save(fig: Figure, stem: Path) -> tuple[Path, Path]:
    """Write an SVG (HTML; every browser shows it, so no raster fallback) and a PDF (LaTeX), both
    vector, without timestamps, so rebuilds are identical.

    The PDF is written again only when what it is made from changed (``pdf_inputs``: the SVG's
    bytes, which hold every mark the figure draws, and the settings and font files the PDF adds).
    Embedding and subsetting its fonts took most of a figure's time (0.46 of 0.75 s for the
    objectives chart), and a notebook re-executed for another table mostly redraws the same figures."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg, pdf = stem.with_suffix(".svg"), stem.with_suffix(".pdf")
    fig.savefig(svg, bbox_inches="tight", metadata=SVG_METADATA)
    record = stem.with_name(f".{stem.name}.pdf-inputs")  # hidden: not an output of the book
    inputs = pdf_inputs(fig, svg)
    if pdf.is_file() and hashing.recall(record, inputs) == hashing.file_digest(pdf):
        return svg, pdf
    hashing.forget(record)
    fig.savefig(pdf, bbox_inches="tight", metadata=PDF_METADATA)
    hashing.remember(record, inputs, hashing.file_digest(pdf))
    return svg, pdf


def pdf_inputs(fig: Figure, svg: Path) -> str:
    """The fingerprint (``grcp9.hashing``) of what a figure's PDF is made from: the figure's SVG
    (same figure, same tight box), each font file its texts resolve to, matplotlib's and fontTools'
    versions, the figure's resolution, every rcParam and the PDF's metadata."""
    import fontTools
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.text import Text

    fonts = {Path(font_manager.findfont(text.get_fontproperties())) for text in fig.findobj(Text)}
    settings = [matplotlib.__version__, fontTools.version, fig.dpi, sorted(PDF_METADATA.items()),
                sorted((name, repr(value)) for name, value in plt.rcParams.items())]
    return hashing.digest([svg, *fonts], settings)
