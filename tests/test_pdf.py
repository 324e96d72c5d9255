"""The reader PDF (``make book`` first): complete, without code, structured, numbered like the HTML.

Expected content is read from the raw data and the generated CSV files, not from the LaTeX
source, so a row or question that LaTeX cut or dropped fails here.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import built_params

from grcp9 import paths
from grcp9.build import book, notebooks

# The figures and tables of this build's notebooks (a wave without a report has fewer).
BUILT_FIGURES, BUILT_TABLES = notebooks.built_specs(built_params())


PDF = paths.BUILD_DIR / "latex" / paths.PDF_NAME
LOG = PDF.with_suffix(".log")
HTML_DIR = paths.BUILD_DIR / "html"
# An overfull line under 1 pt (0.35 mm) cannot be seen in print; anything wider reaches into the
# margin visibly, and a clipped table cell or URL is always wider. TeX's own \hfuzz is 0.1 pt.
OVERFULL_HBOX_TOLERANCE_PT = 1.0

pytestmark = pytest.mark.skipif(not (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file(), reason="book not built: run `make book`")


def pdftotext(*arguments: str) -> str:
    return subprocess.run(["pdftotext", *arguments, str(PDF), "-"], check=True, capture_output=True, text=True).stdout


def printed(phrase: str, max_gap: int = 400) -> bool:
    """``phrase`` in the PDF's text in reading order or in layout order (pdftotext orders some
    wrapped table cells well in one mode and badly in the other)."""
    return appears_in_order(phrase, words(), max_gap) or appears_in_order(phrase, layout_words(), max_gap)


@cache
def layout_words() -> str:
    return comparable(pdftotext("-layout"))


@cache
def reading_text() -> str:
    """The PDF's text in reading order (a table cell's lines stay together), as pdftotext gives it."""
    return pdftotext()


@cache
def words() -> str:
    """The PDF's text as one lower-case string of letters and digits, words separated by one space
    (hyphens removed, so a word LaTeX hyphenated at a line end reads as one)."""
    return comparable(reading_text())


def comparable(text: str) -> str:
    text = re.sub(r"[-\u00ad\u2010\u2011]\s*\n\s*", "", text.lower())  # hyphenation at line ends
    text = text.replace("-", "")
    return " ".join(re.findall(r"[^\W_]+", text))


def appears_in_order(phrase: str, text: str, max_gap: int = 400) -> bool:
    """Every word of ``phrase`` in ``text``, in order, each within ``max_gap`` characters of the
    previous one (table cells wrap, and other columns' words come in between)."""
    tokens = comparable(phrase).split()
    if not tokens:
        return True
    for start in [m.start() for m in re.finditer(rf"\b{re.escape(tokens[0])}\b", text)]:
        position, found = start + len(tokens[0]), True
        for token in tokens[1:]:
            match = re.compile(rf"\b{re.escape(token)}\b").search(text, position, position + max_gap + len(token))
            if match is None:
                found = False
                break
            position = match.end()
        if found:
            return True
    return False


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def reader_toc() -> dict:
    return book.reader_toc(book.book_toc(yaml.safe_load(paths.TOC_FILE.read_text(encoding="utf-8")), built_params()))


def chapter_title(docname: str) -> str:
    for line in (paths.BOOK_DIR / f"{docname}.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{docname}.md has no title")


def test_log_has_no_overfull_boxes():
    log = LOG.read_text(encoding="utf-8", errors="replace")
    assert "Overfull \\vbox" not in log, re.findall(r"Overfull \\vbox.*", log)
    wide = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]
    assert [w for w in wide if w > OVERFULL_HBOX_TOLERANCE_PT] == []


def test_the_overfull_check_reads_real_logs():
    assert appears_in_order("Overfull box", "an overfull hbox in a box") is True
    assert re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", "Overfull \\hbox (12.5pt too wide) in") == ["12.5"]


def test_every_question_of_the_questionnaire_is_printed():
    questions = read_csv(paths.DATA_DIR / "questions.csv")
    assert questions
    missing = [q["question"] for q in questions if not printed(q["text"])]
    assert missing == []


@pytest.mark.parametrize("spec", BUILT_TABLES, ids=lambda s: s.key)
def test_every_row_label_of_every_table_is_printed(spec):
    rows = read_csv(paths.TABLES_DIR / spec.csv_name)
    first_column = next(iter(rows[0])) if rows else None
    missing = [row[first_column] for row in rows if row[first_column] and not printed(row[first_column])]
    assert missing == []


@pytest.mark.parametrize("spec", BUILT_FIGURES, ids=lambda s: s.key)
def test_every_figure_caption_is_printed(spec):
    snippet = (paths.FIGURES_DIR / f"{spec.key}.md").read_text(encoding="utf-8")
    caption = snippet.split("\n\n", 1)[1].split(" Data: ")[0]
    caption = re.sub(r"\\(.)", r"\1", caption)  # Markdown escapes
    assert printed(caption, max_gap=40)


def test_the_order_check_can_fail():
    assert not appears_in_order("Prague Process", comparable("process prague"))
    assert not appears_in_order("Migration Dialogue", comparable("migration " + "x " * 300 + "dialogue"))
    assert appears_in_order("Migration Dialogue", comparable("Migra-\ntion | yes | Dia-\nlogue"))


def test_no_line_of_a_code_block_is_wrapped():
    """Sphinx breaks a code line too long for the page and marks the break (a visible space at its
    end, a hooked arrow before its continuation). The commands the PDF prints fit their lines."""
    marked = [line for line in reading_text().splitlines() if line.endswith("\u2423") or line.startswith(",\u2192")]
    assert marked == []


def test_no_code_cells_and_no_dataframe_text():
    tex = PDF.with_suffix(".tex").read_text(encoding="utf-8")
    assert "{cell_input}" not in tex, "a code cell in the PDF"
    # A cell's output is Markdown or a figure, never monospace text (a DataFrame or a print).
    outputs = re.findall(r"\\begin\{sphinxuseclass\}\{cell_output\}(.*?)\\end\{sphinxuseclass\}", tex, re.DOTALL)
    assert outputs, "no profile output found: the check would pass vacuously"
    assert not [o for o in outputs if "sphinxVerbatim" in o], "text output of a cell in the PDF"
    text = pdftotext("-layout")
    assert not re.search(r"^\s*In \[\d*\]:", text, re.MULTILINE)
    assert "survey_data = data.load" not in text and "import " not in text
    assert not [p for p in reader_toc_files() if p.startswith("generated/notebooks/")]


def reader_toc_files() -> list[str]:
    files = [reader_toc()["root"]]
    for part in reader_toc()["parts"]:
        files += [entry["file"] for entry in part["chapters"]]
    return files


def outline_titles() -> list[tuple[int, str]]:
    from pypdf import PdfReader

    found: list[tuple[int, str]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, " ".join(item.title.split())))

    walk(PdfReader(PDF).outline, 0)
    return found


def test_outline_lists_every_chapter_and_appendix():
    titles = [title for _, title in outline_titles()]
    chapters = [entry["file"] for part in reader_toc()["parts"] for entry in part["chapters"]]
    missing = [chapter_title(c) for c in chapters if not any(chapter_title(c) in t for t in titles)]
    assert missing == []
    assert titles.count("References") == 1
    assert "Bibliography" not in titles
    assert not any(t.startswith("Computation") for t in titles)


def test_parts_contents_and_lettered_appendices():
    front = " ".join(pdftotext("-l", "6").split()).lower()
    assert "contents" in front and "list of figures" in front and "list of tables" in front
    contents_page = pdftotext("-f", "3", "-l", "3").split()
    assert contents_page[0].lower() == "contents", "the contents page is not headed Contents"
    captions = [part["caption"] for part in reader_toc()["parts"] if part.get("caption")]
    text = " ".join(reading_text().split())
    for number, caption in enumerate(captions, start=1):
        assert re.search(rf"Part [IVX]+\s+{re.escape(caption)}", text), f"no part page for {caption}"
    assert re.search(r"APPENDIX\s+A\b", text, re.IGNORECASE)
    intro = chapter_title(toc_root())
    assert re.search(rf"CHAPTER\s+ONE\s+{re.escape(intro)}", text, re.IGNORECASE), "the introduction is not the first chapter"


def toc_root() -> str:
    return yaml.safe_load(paths.TOC_FILE.read_text(encoding="utf-8"))["root"]


def test_title_page_and_its_back():
    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    settings = config["sphinx"]["config"]
    title_page = " ".join(pdftotext("-l", "1").split())
    back = " ".join(pdftotext("-f", "2", "-l", "2").split())
    assert title_page.startswith(config["title"])
    for expected in (f"Version {settings['release']}", "independent, recomputed edition", "Repository", "DOI",
                     "CC BY 4.0", "Summary Report"):
        assert expected in title_page, expected
    citation = yaml.safe_load((paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["date-released"]) in title_page
    assert "About this edition" in back and "not a publication of the International Organization for Migration" in back
    assert "How to cite this edition" in back


def test_pdf_metadata():
    from pypdf import PdfReader

    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    reader = PdfReader(PDF)
    meta = reader.metadata
    assert meta.title == config["title"] and meta.author == config["author"]
    assert meta.subject and "GRCP 9" in meta.subject
    assert "migration" in (meta.get("/Keywords") or "")
    assert str(reader.trailer["/Root"].get("/Lang")) == config["sphinx"]["config"]["language"]


def html_numbers() -> dict[str, str]:
    numbers = {}
    for page in HTML_DIR.glob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for spec in [*BUILT_FIGURES, *BUILT_TABLES]:
            element = soup.find(id=spec.label)
            if element is not None:
                number = element.find(class_="caption-number")
                numbers[spec.label] = number.get_text(" ", strip=True)
    return numbers


def test_figures_and_tables_have_the_same_numbers_in_html_and_pdf():
    numbers = html_numbers()
    text = words()
    assert len(numbers) == len(BUILT_FIGURES) + len(BUILT_TABLES)
    for spec in [*BUILT_FIGURES, *BUILT_TABLES]:
        kind = "figure" if spec.label.startswith("fig-") else "table"
        opening = " ".join(comparable(spec.caption.split("{")[0]).split()[:8])
        printed = re.findall(rf"{kind} (\d+) {re.escape(opening)}", text)
        assert printed, f"{spec.label} not captioned in the PDF"
        assert f"{kind} {printed[0]}" == comparable(numbers[spec.label]), spec.label


def test_internal_links_reach_their_targets():
    """Every internal link of the PDF (cross-references, contents, citations) points at a named
    destination that exists."""
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    destinations = set(reader.named_destinations)
    internal, broken = 0, []
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") != "/Link":
                continue
            action = link.get("/A")
            target = link.get("/Dest") or (action.get("/D") if action is not None and action.get("/S") == "/GoTo" else None)
            if target is None:
                continue
            internal += 1
            if isinstance(target, str) and target not in destinations:
                broken.append(f"page {number}: {target}")
    assert internal > 100, "hardly any internal links: the check would pass vacuously"
    assert broken == []
