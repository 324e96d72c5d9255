"""The built book (``make book`` runs first): pages exist and print the numbers the notebooks computed.

Expected values come from the results files written next to the executed notebooks, and the
format of each value from the chapter's own ``{value}`` role, so nothing is typed here.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import built_params

from grcp9 import paths
from grcp9.build import book, notebooks
from grcp9.publish import results

# The figures and tables of this build's notebooks (a wave without a report has fewer).
BUILT_FIGURES, BUILT_TABLES = notebooks.built_specs(built_params())


HTML_DIR = paths.BUILD_DIR / "html"
PDF = paths.BUILD_DIR / "latex" / paths.PDF_NAME
VALUE_ROLE = re.compile(r"\{value\}`(?P<notebook>\w+)\.(?P<key>\w+)(?::(?P<spec>[^`]*))?`")


def _built_toc_files() -> set[str]:
    """The documents of this build's table of contents (grcp9.build.book.book_toc: which pages the wave has)."""
    import yaml

    parameters = built_params()
    toc = book.book_toc(yaml.safe_load(paths.TOC_FILE.read_text(encoding="utf-8")), parameters)
    return {toc["root"], *(entry["file"] for part in toc["parts"] for entry in part["chapters"] if "file" in entry)}


BUILT = _built_toc_files()
# The PDF root has no HTML page; chapters this build's wave does not have are not built.
CHAPTERS = sorted(p for p in paths.BOOK_DIR.glob("*.md") if p.stem != paths.PDF_ROOT and p.stem in BUILT)

pytestmark = pytest.mark.skipif(not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file(), reason="book not built: run `make book`")


@dataclass(frozen=True)
class GluedValue:
    chapter: Path
    notebook: str
    key: str
    text: str  # as the book must print it


ONLY_BLOCK = re.compile(r"^(?P<fence>:{3,})\{only\} (?P<tag>\w+)\n(?P<body>.*?)^(?P=fence)$", re.DOTALL | re.MULTILINE)
KNOWN_TAGS = {"report", "survey_only", "comparison", "fictitious"}


def build_tags() -> set[str]:
    """The tags of this build, from its parameters (see wave_tags in book/_ext/computed.py)."""
    parameters = built_params()
    tags = {"report" if parameters.report else "survey_only"}
    return tags | ({"comparison"} if parameters.compare_waves else set()) | ({"fictitious"} if parameters.fictitious else set())


def shown_text(text: str, tags: set[str]) -> str:
    """A chapter's text as this build shows it: ``{only}`` blocks of other tags left out."""
    for match in ONLY_BLOCK.finditer(text):
        assert match["tag"] in KNOWN_TAGS, f"unknown tag {match['tag']!r} in an {{only}} block"
    return ONLY_BLOCK.sub(lambda m: m["body"] if m["tag"] in tags else "", text)


def test_shown_text_drops_the_blocks_of_other_waves():
    text = "a\n::::{only} report\nb\n::::\n:::{only} survey_only\nc\n:::\nd"
    assert shown_text(text, {"report"}) == "a\nb\n\n\nd"
    assert shown_text(text, {"survey_only"}) == "a\n\nc\n\nd"


def glued_values(chapter: Path) -> list[GluedValue]:
    """Every glued value of a chapter that this build shows, in order, formatted as the chapter asks."""
    found = []
    for match in VALUE_ROLE.finditer(shown_text(chapter.read_text(encoding="utf-8"), build_tags())):
        recorded = results.read(paths.results_path(match["notebook"]))
        assert match["key"] in recorded, f"{chapter.name}: {match['key']} not recorded by {match['notebook']}.ipynb"
        found.append(GluedValue(chapter, match["notebook"], match["key"],
                                format(recorded[match["key"]]["value"], match["spec"] or "")))
    return found


def html_page(chapter: Path) -> BeautifulSoup:
    return parsed_page((HTML_DIR / chapter.relative_to(paths.BOOK_DIR)).with_suffix(".html").resolve())


@cache
def parsed_page(page: Path) -> BeautifulSoup:
    """A built HTML page, parsed once per test worker (tests only read it)."""
    return BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")


@cache
def pdf_text() -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (Debian poppler-utils) is missing: run `make system-packages`")
    text = subprocess.run(["pdftotext", "-layout", str(PDF), "-"], check=True, capture_output=True, text=True).stdout
    return normalise(text)


def normalise(text: str) -> str:
    text = re.sub(r"-\n\s*", "-", text)  # LaTeX hyphenation at line ends
    return re.sub(r"\s+", " ", text)


def test_expected_pages_exist():
    pages = ["index.html", "intro.html", "findings.html", "annex1.html", "data.html", "questionnaire.html",
             "profiles.html", "references.html"]
    pages += [f"{paths.BOOK_NOTEBOOKS.strip('/')}/{name}.html" for name in notebooks.selected_notebooks(built_params())]
    missing = [page for page in pages if not (HTML_DIR / page).is_file()]
    assert not missing
    assert PDF.is_file() and PDF.stat().st_size > 10_000


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_html_prints_every_glued_value_in_order(chapter):
    expected = [value.text for value in glued_values(chapter)]
    printed = [span.get_text() for span in html_page(chapter).select("span.computed-value")]
    assert printed == expected


def test_chapters_glue_numbers():
    assert len(glued_values(paths.BOOK_DIR / "findings.md")) >= 20


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_pdf_prints_every_glued_value(chapter):
    text = pdf_text()
    missing = [value for value in glued_values(chapter) if normalise(value.text) not in text]
    assert not missing


def page_with(label: str) -> BeautifulSoup:
    """The chapter page that holds the figure or table with this label."""
    for chapter in CHAPTERS:
        page = html_page(chapter)
        if page.find(id=label) is not None:
            return page
    raise AssertionError(f"{label} is on no chapter page")


@pytest.mark.parametrize("spec", BUILT_FIGURES, ids=lambda s: s.key)
def test_figure_has_alt_text_and_data_download(spec):
    figure = page_with(spec.label).find(id=spec.label)
    image = figure.find("img")
    assert image is not None and len(image.get("alt", "")) > 40
    assert any(ch.isdigit() for ch in image["alt"]), "alt text must state the values"
    assert image["src"].endswith(".svg"), "HTML shows the vector version"
    assert "<text" in (HTML_DIR / image["src"]).read_text(encoding="utf-8"), "the figure's text is not text"
    assert (HTML_DIR / image["src"]).is_file()
    links = [a["href"] for a in figure.find_all("a", href=True) if a["href"].endswith(spec.csv_name)]
    assert links, "no CSV download link"
    assert (HTML_DIR / links[0]).read_bytes() == (paths.FIGURES_DIR / spec.csv_name).read_bytes()
    assert any(f"generated/notebooks/{spec.notebook}.html" in a["href"] for a in figure.find_all("a", href=True))
    # The notebook that made it shows the same chart, the SVG file's bytes, with the same alt text
    # (an image output of its own would have had the file's name as alt text).
    notebook = parsed_page(HTML_DIR / "generated" / "notebooks" / f"{spec.notebook}.html")
    shown = [img for img in notebook.find_all("img") if img.get("src", "").startswith("data:image/svg+xml;base64,")
             and base64.b64decode(img["src"].split(",", 1)[1]) == (HTML_DIR / image["src"]).read_bytes()]
    assert len(shown) == 1 and shown[0]["alt"] == image["alt"]
    assert not [img for img in notebook.find_all("img") if img.get("alt", "").endswith(".png")]


@pytest.mark.parametrize("spec", BUILT_TABLES, ids=lambda s: s.key)
def test_table_is_numbered_with_download(spec):
    table = page_with(spec.label).find(id=spec.label)
    assert table.name == "table"
    assert table.find("caption").find(class_="caption-number") is not None
    csv_rows = (paths.TABLES_DIR / spec.csv_name).read_text(encoding="utf-8").splitlines()
    assert len(table.find("tbody").find_all("tr")) == len(csv_rows) - 1
    download = table.find_next("a", href=lambda href: bool(href) and href.endswith(spec.csv_name))
    assert download is not None, "no CSV download link after the table"
    assert (HTML_DIR / download["href"]).read_bytes() == (paths.TABLES_DIR / spec.csv_name).read_bytes()


def latex_source() -> str:
    return PDF.with_suffix(".tex").read_text(encoding="utf-8")


def test_pdf_uses_vector_figures():
    tex = latex_source()
    for spec in BUILT_FIGURES:
        assert f"\\sphinxincludegraphics{{{{{spec.key}}}.pdf}}" in tex, f"{spec.key}: PDF build does not use the vector file"


def test_pdf_tables_are_real_tables():
    tex = latex_source()
    for spec in BUILT_TABLES:
        assert f":{spec.label}}}}}" in tex, f"{spec.label} missing from the LaTeX source"
    environments = sum(tex.count(f"\\begin{{{name}}}") for name in ("tabulary", "longtable", "tabular"))
    assert environments >= len(BUILT_TABLES)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_every_value_links_to_the_cell_that_computed_it(chapter):
    """Each value links to an anchor on its notebook's page; the cell there shows the value."""
    expected = glued_values(chapter)
    spans = html_page(chapter).select("span.computed-value")
    assert len(spans) == len(expected)
    for value, span in zip(expected, spans):
        link = span.find_parent("a")
        assert link is not None, f"{value.key}: value without a link"
        page, _, anchor = link["href"].partition("#")
        assert Path(page).stem == value.notebook and anchor.startswith("cell-"), link["href"]
        target = (HTML_DIR / chapter.relative_to(paths.BOOK_DIR)).parent.joinpath(page)
        cell = parsed_page(target.resolve()).find(id=anchor)
        assert cell is not None, f"{value.key}: no cell {anchor} on {page}"
        assert f"{value.key} = " in cell.get_text(), f"{value.key}: the cell {anchor} does not show the value"


def test_download_page_offers_every_file_with_the_right_type():
    """Every link on the downloads page resolves to a non-empty file of the type its name says."""
    import zipfile

    import yaml

    page = BeautifulSoup((HTML_DIR / "downloads.html").read_text(encoding="utf-8"), "html.parser")
    kinds = (".pdf", ".zip", ".ipynb", ".cff", ".bib", ".xlsx")
    links = [a["href"] for a in page.select("article a[href]") if a["href"].endswith(kinds)]
    suffixes = {Path(link).suffix for link in links}
    assert suffixes == set(kinds)
    notebooks = [Path(link).name for link in links if link.endswith(".ipynb")]
    expected = [p.name for p in paths.EXECUTED_DIR.glob("*.ipynb")] + [f"profile-{p.name}" for p in paths.PROFILES_DIR.glob("*.ipynb")]
    assert sorted(notebooks) == sorted(expected)
    for link in links:
        file = HTML_DIR / link
        content = file.read_bytes()
        assert content, f"{link} is empty"
        if link.endswith(".pdf"):
            assert content.startswith(b"%PDF") and content == PDF.read_bytes()
        elif link.endswith(".zip"):
            with zipfile.ZipFile(file) as archive:
                names = {Path(name).name for name in archive.namelist()}
            assert names == {p.name for p in paths.DATA_DIR.iterdir() if p.is_file()}
        elif link.endswith(".ipynb"):
            assert json.loads(content)["nbformat"] == 4
            name = Path(link).name
            source = paths.PROFILES_DIR / name.removeprefix("profile-") if name.startswith("profile-") else paths.EXECUTED_DIR / name
            assert content == source.read_bytes(), f"{link} is not the executed notebook {source.name}"
        elif link.endswith(".cff"):
            assert yaml.safe_load(content)["cff-version"]
        elif link.endswith(".xlsx"):
            from openpyxl import load_workbook

            assert load_workbook(file, read_only=True).sheetnames == ["survey", "choices", "settings"]
        else:
            assert content.decode("utf-8").startswith("@misc{") and "title = {" in content.decode("utf-8")


def test_reproduce_chapter_gives_the_readme_commands():
    def commands(text: str) -> list[str]:
        blocks = re.findall(r"```bash\n(.*?)```", text, re.DOTALL)
        return [line.strip() for block in blocks if "make book" in block for line in block.splitlines() if line.strip()]

    readme = commands((paths.REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    chapter = commands((paths.BOOK_DIR / "reproduce.md").read_text(encoding="utf-8"))
    assert readme and chapter[:2] == readme[:2], "the two commands differ between README and the book"
    assert [c for c in chapter if c.startswith("make book DATA_DIR")] == [c for c in readme if c.startswith("make book DATA_DIR")]


def test_every_recipe_and_module_is_readable_in_the_book():
    """The API page documents each recipe of the ledger and links to its source code, and every
    module of the data, analysis and publishing layers."""
    from grcp9.analysis import ledger

    page = BeautifulSoup((HTML_DIR / "api.html").read_text(encoding="utf-8"), "html.parser")
    for name in ledger.RECIPES:
        entry = page.find(id=f"grcp9.analysis.ledger.{name}")
        assert entry is not None, f"recipe {name} is not on the API page"
        source = entry.find("a", href=lambda href: bool(href) and "_modules/grcp9/analysis/ledger.html" in href)
        assert source is not None, f"recipe {name} has no link to its source"
        assert (HTML_DIR / source["href"].split("#")[0]).is_file()
    # What a reviewer follows from a number: every module of the data, analysis and publishing
    # layers; the build is documented for developers (docs/), not in the reader's book.
    def modules(layer: str) -> set[str]:
        return {f"grcp9.{layer}.{p.stem}" for p in (paths.PACKAGE_DIR / layer).glob("*.py") if p.stem != "__init__"}

    shown = modules("data") | modules("analysis") | modules("publish")
    assert {m for m in shown if page.find(id=f"module-{m}") is None} == set()
    assert {m for m in modules("build") if page.find(id=f"module-{m}") is not None} == set()


def test_the_sidebar_lists_every_chapter_and_profile():
    """The sidebar of a page deep in the book (a profile) links every chapter of this build's table
    of contents and every ISCM profile: the theme's navigation depth (``max_navbar_depth`` in
    _config.yml) must reach the profiles under their chapter."""
    profiles = sorted(p.stem for p in (paths.GENERATED_DIR / "profiles").glob("*.ipynb"))
    assert profiles, "no executed profiles"
    soup = BeautifulSoup((HTML_DIR / "generated" / "profiles" / f"{profiles[0]}.html").read_text(encoding="utf-8"), "html.parser")
    nav = soup.select_one("nav.bd-docs-nav")
    assert nav is not None
    # The page's own entry links to "#" (the current page).
    linked = {a["href"].split("#")[0].removesuffix(".html").rsplit("/", 1)[-1] or profiles[0] for a in nav.select("a[href]")}
    expected = {Path(name).name for name in BUILT} | set(profiles)
    assert sorted(expected - linked) == []
