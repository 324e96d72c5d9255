"""One declaration per figure and table: it names the producing notebook and the files, and holds
the caption and alt-text templates. ``publish_*`` writes the image/CSV files plus a MyST snippet
(figure or table directive, download link, link to the notebook) that chapters include.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grcp9 import paths, style


@dataclass(frozen=True)
class FigureSpec:
    key: str  # file stem, glue key and reference label (fig-<key>)
    notebook: str  # producing notebook (stem in notebooks/)
    caption: str  # str.format template filled with computed values
    alt: str  # str.format template; must state what the chart shows, values included

    @property
    def label(self) -> str:
        return f"fig-{self.key}"


@dataclass(frozen=True)
class TableSpec:
    key: str
    notebook: str
    caption: str

    @property
    def label(self) -> str:
        return f"tbl-{self.key}"


FIGURES: dict[str, FigureSpec] = {spec.key: spec for spec in [
    FigureSpec(
        key="respondents",
        notebook="respondents",
        caption="ISCMs approached for the {wave} survey, by whether they answered.",
        alt="Bar chart: of {approached} ISCMs approached, {respondents} answered the survey and {non_respondents} did not.",
    ),
    FigureSpec(
        key="regional-review-formats",
        notebook="regional_reviews",
        caption="Formats of contribution to the GCM regional reviews (question 7), ISCMs named by the report for each; "
                "the grey hatched bar counts contributors whose format the report does not give.",
        alt="Horizontal bar chart of ISCMs per format of contribution to the GCM regional reviews: {bars}.",
    ),
    FigureSpec(
        key="imrf-plans",
        notebook="imrf_plans",
        caption="Plans to contribute to the IMRF (question 9) as the report counts them. Solid: ISCMs the report names; "
                "grey hatched: counts the report publishes without naming the ISCMs.",
        alt="Horizontal bar chart of IMRF plans among {respondents} respondents: {bars}.",
    ),
]}

TABLES: dict[str, TableSpec] = {spec.key: spec for spec in [
    TableSpec("respondents", "respondents", "The ISCMs approached for the {wave} survey and whether each answered."),
    TableSpec("regional-review-formats", "regional_reviews",
              "Formats of contribution to the GCM regional reviews, with the ISCMs the report names for each."),
    TableSpec("imrf-plans", "imrf_plans",
              "IMRF plans: answers the report attributes to named ISCMs, next to the counts it publishes."),
]}


def horizontal_bars(labels: list[str], values: list[int], unknown: list[bool], title: str, xlabel: str) -> Figure:
    """The project's bar chart: one bar per category, values printed at the bar ends, unknowns hatched grey."""
    style.apply()
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(labels) + 1.0))
    positions = list(range(len(labels)))[::-1]  # first category on top
    for y, value, is_unknown in zip(positions, values, unknown):
        ax.barh(y, value, color=style.UNKNOWN if is_unknown else style.KNOWN,
                hatch=style.UNKNOWN_HATCH if is_unknown else None, edgecolor="#555555" if is_unknown else "none")
        ax.text(value + 0.15, y, str(value), va="center", fontsize=9)
    ax.set_yticks(positions, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(values + [1]) * 1.15 + 0.5)
    fig.tight_layout()
    return fig


def _snippet_path(output_dir: Path, kind: str, key: str) -> Path:
    return output_dir / kind / f"{key}.md"


def _notebook_link(notebook: str) -> str:
    return f"{{doc}}`{notebook}.ipynb <{paths.BOOK_NOTEBOOKS}/{notebook}>`"


def describe_bars(labels: list[str], values: list[int]) -> str:
    """'label: value' pairs for alt text."""
    return "; ".join(f"{label}: {value}" for label, value in zip(labels, values))


def publish_figure(fig: Figure, spec: FigureSpec, plotted: pd.DataFrame, values: Mapping[str, Any],
                   output_dir: Path = paths.GENERATED_DIR) -> Path:
    """Save image files and the exact plotted rows, and write the MyST figure snippet."""
    figures_dir = output_dir / "figures"
    style.save(fig, figures_dir / spec.key)
    plotted.to_csv(figures_dir / f"{spec.key}.csv", index=False, lineterminator="\n")
    caption = spec.caption.format(**values)
    alt = " ".join(spec.alt.format(**values).split())
    snippet = "\n".join([
        f"```{{figure}} {paths.BOOK_FIGURES}/{spec.key}.*",
        f":name: {spec.label}",
        f":alt: {alt}",
        "",
        (f"{caption} Data: {{download}}`{spec.key}.csv <{paths.BOOK_FIGURES}/{spec.key}.csv>`; "
         f"computed in {_notebook_link(spec.notebook)}."),
        "```",
        "",
    ])
    target = _snippet_path(output_dir, "figures", spec.key)
    target.write_text(snippet, encoding="utf-8")
    return target


def publish_table(table: pd.DataFrame, spec: TableSpec, values: Mapping[str, Any],
                  output_dir: Path = paths.GENERATED_DIR) -> Path:
    """Save the table as CSV (its download) and write a numbered csv-table snippet that reads it."""
    tables_dir = output_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    csv_path = tables_dir / f"{spec.key}.csv"
    table.to_csv(csv_path, index=False, lineterminator="\n")
    snippet = "\n".join([
        f"```{{csv-table}} {spec.caption.format(**values)}",
        f":file: {paths.BOOK_TABLES}/{spec.key}.csv",
        ":header-rows: 1",
        f":name: {spec.label}",
        "```",
        "",
        (f"Data: {{download}}`{spec.key}.csv <{paths.BOOK_TABLES}/{spec.key}.csv>`; "
         f"computed in {_notebook_link(spec.notebook)}."),
        "",
    ])
    target = _snippet_path(output_dir, "tables", spec.key)
    target.write_text(snippet, encoding="utf-8")
    return target
