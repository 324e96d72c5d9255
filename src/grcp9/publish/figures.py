"""One declaration per figure and table: it names the producing notebook and the files, and holds
the caption and alt-text templates. ``publish_*`` writes the image/CSV files plus a MyST snippet
(figure or table directive, download link, link to the notebook) that chapters include.
"""

from __future__ import annotations

import base64
import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grcp9 import markdown, paths

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib (and grcp9.publish.style, which sets it up) is imported by the functions that draw or save a
# figure, not with the declarations: the build's params step reads the declarations and draws
# nothing (importing matplotlib took it 0.3 s), and a notebook that draws no figure does not
# depend on grcp9.publish.style (Results.record_inputs records the modules a notebook imported).


@dataclass(frozen=True)
class FigureSpec:
    key: str  # file stem, glue key and reference label (fig-<key>)
    notebook: str  # producing notebook (stem in notebooks/)
    caption: str  # str.format template filled with computed values
    alt: str  # str.format template; must state what the chart shows, values included

    @property
    def label(self) -> str:
        return f"fig-{self.key}"

    @property
    def csv_name(self) -> str:
        """The plotted rows' file: its name says it is a figure's data (a table may share the key)."""
        return f"figure-{self.key}.csv"


@dataclass(frozen=True)
class TableSpec:
    key: str
    notebook: str
    caption: str

    @property
    def label(self) -> str:
        return f"tbl-{self.key}"

    @property
    def csv_name(self) -> str:
        return f"table-{self.key}.csv"


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
        caption="Formats of contribution to the GCM regional reviews (question 7), ISCMs named for each; "
                "the grey hatched bar counts contributors whose format is not attributed to them.",
        alt="Horizontal bar chart of ISCMs per format of contribution to the GCM regional reviews: {bars}.",
    ),
    FigureSpec(
        key="imrf-plans",
        notebook="imrf_plans",
        caption="Plans to contribute to the IMRF (question 9), one bar per answer. Solid: answers attributed to named "
                "ISCMs; grey hatched: counts a published report gives without naming the ISCMs.",
        alt="Horizontal bar chart of IMRF plans among {respondents} respondents: {bars}.",
    ),
    FigureSpec(
        key="survey-summary",
        notebook="survey_summary",
        caption="The percentages of the annex summary. Blue bars: recomputed from the ISCMs the report names; grey hatched "
                "bars: recomputed from counts the report publishes without names; diamonds: the percentage printed in the report.",
        alt="Horizontal bar chart of the survey summary's shares in percent, recomputed: {bars}. Printed in the report: {printed}.",
    ),
    FigureSpec(
        key="objectives",
        notebook="factsheet",
        caption="GCM objectives prioritized by the ISCMs: number of ISCMs the annex summary gives for each objective. "
                "Objectives without a published count keep their row; a count published under a label that fits "
                "another objective is shown at neither, with a note. {label_note}",
        alt="Horizontal bar chart of ISCMs per GCM objective, as published: {bars}.",
    ),
    FigureSpec(
        key="comparison",
        notebook="comparison",
        caption="Answers by wave: respondents that contributed to the GCM regional reviews (question 6) and that "
                "planned to contribute to the IMRF (question 9), in percent of each wave's respondents.",
        alt="Horizontal bar chart of the percentage of respondents per wave and answer: {bars}.",
    ),
    FigureSpec(
        key="participants",
        notebook="meeting",
        caption="Participants of GRCP 9 per ISCM, from the list of participants (Annex VI), the largest delegations "
                "first. A person listed under several ISCMs counts for each; the {hosts} IOM hosts are not included.",
        alt="Horizontal bar chart of the number of participants per ISCM: {bars}.",
    ),
]}

TABLES: dict[str, TableSpec] = {spec.key: spec for spec in [
    TableSpec("respondents", "respondents", "The ISCMs approached for the {wave} survey and whether each answered."),
    TableSpec("regional-review-formats", "regional_reviews",
              "Formats of contribution to the GCM regional reviews, with the ISCMs named for each."),
    TableSpec("imrf-plans", "imrf_plans",
              "IMRF plans: the answers attributed to named ISCMs{published}."),
    TableSpec("survey-summary", "survey_summary",
              "The percentages of the annex summary: recomputed from the data, and as printed in the report."),
    TableSpec("factsheet-respondents", "factsheet", "ISCM inputs from: the respondents the fact sheet lists."),
    TableSpec("objectives", "factsheet",
              "GCM objectives with a count in the annex summary or a place in the fact sheet's priority list."),
    TableSpec("challenges", "factsheet",
              "Challenges detected: the fact sheet's list and the annex summary's list, lined up by theme."),
    TableSpec("factsheet-updates", "factsheet",
              "Main updates on migration governance, 2019 to 2021 (fact sheet), summarised in our words."),
    TableSpec("factsheet-practices", "factsheet",
              "Practices related to the development of the IMRF (fact sheet), summarised in our words."),
    TableSpec("imrf-formats", "factsheet",
              "Formats of contribution to the IMRF that the annex summary says ISCMs consider, mapped to question 10."),
    TableSpec("compendium-coverage", "compendium",
              "What the compendium and the fact sheet give for each respondent: numbers of items and of extracted facts."),
    TableSpec("review-events", "regional_reviews",
              "Events and exercises of the GCM regional reviews named in the annex, with the ISCMs it names and the counts it publishes."),
    TableSpec("questions", "questionnaire", "The questions of the survey questionnaire and their answer options."),
    TableSpec("gcm-objectives", "questionnaire", "The GCM objectives as listed in the questionnaire, with the short labels used in charts."),
    TableSpec("gcm-principles", "questionnaire", "The GCM guiding principles as listed in the questionnaire."),
    TableSpec("comparison-participation", "comparison",
              "Who answered in which wave: each ISCM approached in a wave compared, and its status in the wave {wave}."),
    TableSpec("comparison-answers", "comparison",
              "Answers to questions 6 and 9 of the ISCMs that answered in the wave {wave} and in another wave compared."),
    TableSpec("comparison-overall", "comparison", "Respondents and answers per wave."),
    TableSpec("agenda", "meeting", "The agenda of GRCP 9 (Annex IV): sessions, people in charge, invitations and statements."),
    TableSpec("speakers", "meeting",
              "The list of speakers (Annex V) next to the list of participants (Annex VI), with the spelling each uses."),
    TableSpec("participants-by-iscm", "meeting", "ISCMs in the list of participants, with the roles it states."),
    TableSpec("participant-list-iscms", "meeting",
              "The list of participants (Annex VI), part I, participants from ISCMs: as printed, with the roles we coded "
              "from it and the other spellings of each name in the report."),
    TableSpec("participant-list-hosts", "meeting",
              "The list of participants (Annex VI), part II, host and organizers (IOM): as printed, with the other "
              "spellings of each name in the report."),
    TableSpec("ledger", "verification",
              "The ledger: the numbers and countable claims of the report, recomputed from the data, with their status."),
    TableSpec("discrepancies", "verification", "The discrepancy register, by severity."),
    TableSpec("coverage", "verification",
              "The numerals of the report, part by part: in the ledger, in the data but not checked, not a claim, "
              "or a claim not yet in the ledger."),
]}


def horizontal_bars(labels: list[str], values: list[float | None], unknown: list[bool], title: str, xlabel: str,
                    markers: list[float | None] | None = None, marker_label: str = "printed in the report",
                    value_format: str = "{:g}", missing_text: str = "not published",
                    notes: list[str] | None = None) -> Figure:
    """The project's bar chart: one bar per category, values printed at the bar ends.

    Unknown or pooled quantities are hatched grey; a category without any value keeps its row
    and says so (``missing_text``, or that row's entry of ``notes``) instead of disappearing.
    ``markers`` adds the report's printed values as black diamonds next to recomputed bars.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from grcp9.publish import style

    style.apply()
    known = [v for v in values if v is not None] + [m for m in (markers or []) if m is not None]
    top = max(known + [1.0])
    wrapped = [plain_text(textwrap.fill(label, 34)) for label in labels]
    lines = sum(label.count("\n") + 1 for label in wrapped)
    # Tall enough to read, short enough to fit an A4 page with its caption.
    fig, ax = plt.subplots(figsize=(7.0, min(0.26 * lines + 0.14 * len(labels) + 1.2, 8.0)))
    positions = list(range(len(labels)))[::-1]  # first category on top
    marker_at = markers or [None] * len(labels)
    row_notes = notes or [""] * len(labels)
    for y, value, is_unknown, marker, note in zip(positions, values, unknown, marker_at, row_notes):
        right_of = max(v for v in (value, marker, 0.0) if v is not None) + top * 0.02
        if value is None:
            ax.text(right_of, y, note or missing_text, va="center", fontsize=9, color="#555555", style="italic")
            continue
        ax.barh(y, value, color=style.UNKNOWN if is_unknown else style.KNOWN,
                hatch=style.UNKNOWN_HATCH if is_unknown else None, edgecolor="#555555" if is_unknown else "none")
        if marker is not None and value > top * 0.15:
            # A printed-value diamond sits at or near the bar's end: the bar's own value goes inside
            # the bar, so the two never touch.
            ax.text(value - top * 0.02, y, value_format.format(value), va="center", ha="right", fontsize=9,
                    color="white" if not is_unknown else "black",
                    bbox={"facecolor": style.KNOWN if not is_unknown else "white", "edgecolor": "none", "pad": 1})
        else:
            ax.text(right_of, y, value_format.format(value), va="center", fontsize=9)
    if markers:
        shown = [(m, y) for m, y in zip(markers, positions) if m is not None]
        ax.scatter([m for m, _ in shown], [y for _, y in shown], marker="D", color=style.OKABE_ITO["black"], s=22,
                   zorder=3, label=marker_label)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(lines, 1)), frameon=False, fontsize=9)
    ax.set_yticks(positions, wrapped)
    ax.set_xlabel(xlabel)
    ax.set_title(plain_text(title), loc="left")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, top * 1.3 + 0.5)
    fig.tight_layout()
    return fig


def plain_text(text: str) -> str:
    """Text for matplotlib that never turns into mathtext (a data string may contain '$')."""
    return text.replace("$", r"\$")


def _caption(template: str, values: Mapping[str, Any]) -> str:
    """A caption template filled with values escaped for Markdown."""
    return template.format(**{key: markdown.escape(value) for key, value in values.items()})


def _snippet_path(output_dir: Path, kind: str, key: str) -> Path:
    return output_dir / kind / f"{key}.md"


def _notebook_link(notebook: str) -> str:
    """The notebook's page in HTML, its file name in the PDF (book/_ext/computed.py)."""
    return f"{{notebook}}`{notebook}`"


# Column widths of tables (relative, as MyST's :widths:), one rule for every table. A column gets
# at least its longest unbreakable word plus room for the wider header face, so nothing
# hyphenates into nonsense; the rest of the line is shared in proportion to how much text the
# column holds beyond that (its mean cell length: widths in proportion to the text keep the table
# as short as it can be). A table whose minimum widths do not fit a
# portrait line is set in landscape. Measured in characters of the PDF's table font (\small
# FreeSerif): a portrait line holds about 95, a landscape line about 145, less about 3 per column
# for the space between columns.
SHORT_TABLE_ROWS = 10  # a table of at most this many rows fits on a page whatever its cells hold
PORTRAIT_CHARACTERS = 95
LANDSCAPE_CHARACTERS = 145
COLUMN_GAP_CHARACTERS = 3


@dataclass(frozen=True)
class TableLayout:
    widths: tuple[int, ...]
    landscape: bool


def _longest_word(text: str) -> int:
    """Characters of the longest piece LaTeX cannot break: it may break at a space, after a hyphen
    and (see book/_ext) after an underscore."""
    return max((len(word) for word in re.split(r"[\s_-]+", text)), default=1)


def table_layout(frame: pd.DataFrame) -> TableLayout:
    """Column widths for a table from its content, and whether it needs a landscape page."""
    minimum, wanted = [], []
    for column in frame.columns:
        cells = [str(column)] + ["" if pd.isna(v) else str(v) for v in frame[column]]
        longest_word = max(_longest_word(cell) for cell in cells)
        typical = sum(len(cell) for cell in cells[1:]) / max(len(cells) - 1, 1)
        # The header is set in bold sans, about a quarter wider than the cells' serif.
        minimum.append(max(longest_word + 2, round(_longest_word(str(column)) * 1.25) + 2, 4))
        wanted.append(max(typical - minimum[-1], 0))
    gaps = COLUMN_GAP_CHARACTERS * len(minimum)
    landscape = sum(minimum) + gaps > PORTRAIT_CHARACTERS
    spare = (LANDSCAPE_CHARACTERS if landscape else PORTRAIT_CHARACTERS) - gaps - sum(minimum)
    share = min(1.0, spare / sum(wanted)) if sum(wanted) else 0.0
    return TableLayout(tuple(m + round(w * share) for m, w in zip(minimum, wanted)), landscape)


def describe_bars(labels: list[str], values: list[float | None], value_format: str = "{:g}",
                  missing_text: str = "not published", notes: list[str] | None = None) -> str:
    """'label: value' pairs for alt text (a row without a value gives its note or ``missing_text``)."""
    row_notes = notes or [""] * len(labels)
    return "; ".join(f"{label}: {(note or missing_text) if value is None else value_format.format(value)}"
                     for label, value, note in zip(labels, values, row_notes))


@dataclass(frozen=True)
class ShownFigure:
    """What a notebook shows of a figure it published: the SVG file itself, with the figure's alt
    text. A notebook's image output (``display(fig)``) has no alt text of its own (the HTML page
    took the image file's name), and it drew the figure a third time, as PNG."""

    svg: bytes
    alt: str

    def _repr_html_(self) -> str:
        source = base64.b64encode(self.svg).decode("ascii")
        return (f'<img class="published-figure" src="data:image/svg+xml;base64,{source}" '
                f'alt="{html.escape(self.alt, quote=True)}">')

    def __repr__(self) -> str:
        return f"Figure: {self.alt}"


def publish_figure(fig: Figure, spec: FigureSpec, plotted: pd.DataFrame, values: Mapping[str, Any],
                   output_dir: Path = paths.GENERATED_DIR) -> ShownFigure:
    """Save image files and the exact plotted rows, and write the MyST figure snippet. Returns what
    the notebook displays (``ShownFigure``)."""
    from grcp9.publish import style

    figures_dir = output_dir / "figures"
    svg, _ = style.save(fig, figures_dir / spec.key)
    plotted.to_csv(figures_dir / spec.csv_name, index=False, lineterminator="\n")
    caption = _caption(spec.caption, values)
    alt = " ".join(spec.alt.format(**values).split())  # a plain-text attribute, not Markdown
    snippet = "\n".join([
        f"```{{figure}} {paths.BOOK_FIGURES}/{spec.key}.*",
        f":name: {spec.label}",
        f":alt: {alt}",
        "",
        (f"{caption} Data: {{download}}`{spec.csv_name} <{paths.BOOK_FIGURES}/{spec.csv_name}>`; "
         f"computed in {_notebook_link(spec.notebook)}."),
        "```",
        "",
    ])
    _snippet_path(output_dir, "figures", spec.key).write_text(snippet, encoding="utf-8")
    return ShownFigure(svg.read_bytes(), alt)


def publish_download(table: pd.DataFrame, name: str, output_dir: Path = paths.GENERATED_DIR) -> Path:
    """A CSV offered for download beside the tables (e.g. the full ledger), creating its folder."""
    target = output_dir / "tables" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(target, index=False, lineterminator="\n")
    return target


def publish_table(table: pd.DataFrame, spec: TableSpec, values: Mapping[str, Any],
                  output_dir: Path = paths.GENERATED_DIR, anchors: Sequence[str] | None = None,
                  links: markdown.RowLinks | None = None) -> Path:
    """Save the table as CSV (its download, unescaped) and write a numbered MyST table snippet
    whose cells are escaped, so any data string prints as itself."""
    tables_dir = output_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    csv_path = tables_dir / spec.csv_name
    table.to_csv(csv_path, index=False, lineterminator="\n")
    layout = table_layout(table)
    # The data line is part of the caption, so it stays with its table on paper. A table that may
    # not fit the rest of a page is a longtable in the PDF: it breaks across pages with its header
    # repeated. A short one is a plain table that never breaks (a short longtable just after a
    # figure overflowed the page).
    landscape = (["```{raw} latex", r"\begin{landscape}", "```", ""], ["", "```{raw} latex", r"\end{landscape}", "```"])
    snippet = "\n".join([
        *(landscape[0] if layout.landscape else []),
        (f":::{{table}} {_caption(spec.caption, values)} Data: "
         f"{{download}}`{spec.csv_name} <{paths.BOOK_TABLES}/{spec.csv_name}>`; computed in {_notebook_link(spec.notebook)}."),
        f":name: {spec.label}",
        *([":class: longtable"] if len(table) > SHORT_TABLE_ROWS else []),
        f":widths: {' '.join(map(str, layout.widths))}",
        "",
        markdown.table(table, anchors, links),
        ":::",  # a colon fence: a backtick fence's opening line cannot hold the caption's roles
        *(landscape[1] if layout.landscape else []),
        "",
    ])
    target = _snippet_path(output_dir, "tables", spec.key)
    target.write_text(snippet, encoding="utf-8")
    return target
