"""One plotting style for every figure: Okabe–Ito colours (colour-blind safe), plain axes.

Unknown or unattributed quantities are always drawn in grey with hatching, so they are never
mistaken for a real category.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.figure import Figure

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


def save(fig: Figure, stem: Path) -> tuple[Path, Path]:
    """Write an SVG (HTML; every browser shows it, so no raster fallback) and a PDF (LaTeX), both
    vector, without timestamps, so rebuilds are identical."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg, pdf = stem.with_suffix(".svg"), stem.with_suffix(".pdf")
    fig.savefig(svg, bbox_inches="tight", metadata={"Date": None, "Creator": None})
    fig.savefig(pdf, bbox_inches="tight", metadata={"CreationDate": None, "Creator": None, "Producer": None})
    return svg, pdf
