"""Computed values in the chapters, and the links that trace them to the cell that made them.

Two roles for chapter writers:

``{value}`notebook.key:spec```
    The value that ``notebooks/<notebook>.ipynb`` recorded under ``key`` (``Results.glue``), taken
    from the executed notebook's results file and formatted with the Python format ``spec``
    (optional). In HTML the value links to the exact cell that computed it (``#cell-<cell id>`` on
    the notebook's page); in the PDF it is plain text. A key the executed notebook did not glue is
    a build error naming the chapter and the key.
``{notebook}`name```
    "computed in" reference: a link to the notebook's page in HTML, the file name in the PDF
    (the reader PDF leaves the computation notebooks out).

It also gives every code cell of an executed notebook page an anchor (``cell-<cell id>``) and,
in the LaTeX build, turns each captioned part of the table of contents into a ``\\part`` page and
the part named by ``edition_appendix_caption`` into lettered appendices.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxRole
from sphinx.util.texescape import escape

NOTEBOOK_DIR = "generated/notebooks"  # source-relative folder of the executed notebooks
RESULTS_SUFFIX = ".results.json"


class computed_value(nodes.inline):
    """A value with the notebook and cell it came from (resolved to a link for HTML)."""


class missing_value(nodes.inline):
    """A value the notebook did not record: an error unless it sits in an ``{only}`` block that
    this build leaves out."""


def wave_blocks(app: Sphinx, doctree: nodes.document) -> None:
    """Keep or drop the ``{only}`` blocks as soon as a page is read (Sphinx itself waits until the
    references are resolved, so a link inside a dropped block to a page this build leaves out would
    warn), then fail on every value still missing: one outside the blocks this build drops."""
    from sphinx.util import logging
    from sphinx.util.nodes import process_only_nodes

    if any(True for _ in doctree.findall(addnodes.only)):
        process_only_nodes(doctree, app.tags)
    for node in list(doctree.findall(missing_value)):
        logging.getLogger(__name__).error(node["message"], location=(app.env.docname, node.get("line")))
        node.replace_self(nodes.problematic(node.rawsource, node.rawsource))


def wave_tags(app: Sphinx, config: Any) -> None:
    """Tags for ``{only}`` blocks, from the parameters of this build (``GRCP9_BUILD_PARAMS``, set by
    grcp9.build; a page's tags change only with the parameters, which start the build afresh):
    ``report`` when the wave shown has a published report transcribed, else ``survey_only``;
    ``comparison`` when the package holds earlier waves to compare with; ``fictitious`` for
    invented test data. A fictitious wave also marks every page title and the PDF title page."""
    if not os.environ.get("GRCP9_BUILD_PARAMS"):
        return
    parameters = json.loads(os.environ["GRCP9_BUILD_PARAMS"])
    app.tags.add("report" if parameters.get("report", True) else "survey_only")
    if not parameters.get("report", True):  # the front matter must not claim a recomputed report
        config.edition_statement = config.edition_statement_survey_only.format(wave=parameters.get("wave", ""))
        config.edition_relation = config.edition_relation_survey_only
    if parameters.get("compare_waves"):
        app.tags.add("comparison")
    if parameters.get("fictitious"):
        app.tags.add("fictitious")
        notice = config.edition_fictitious_notice or "FICTITIOUS TEST DATA: not a real survey"
        config.edition_fictitious_notice = notice
        config.html_title = f"{notice}: {config.html_title}"
        config.latex_doc_overrides = {**getattr(config, "latex_doc_overrides", {}),
                                      "title": f"{config.html_title}"}


class notebook_reference(nodes.inline):
    """A reference to a computation notebook (a link in HTML, its file name in the PDF)."""


@lru_cache(maxsize=64)
def _load(path: str, mtime: int) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _read_json(path: Path) -> Any:
    return _load(str(path), path.stat().st_mtime_ns)


def glue_cells(notebook: Path) -> dict[str, str]:
    """Glue key -> id of the cell whose output carries it, read from an executed notebook."""
    cells = {}
    for cell in _read_json(notebook)["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                cells[name] = cell["id"]
    return cells


class ValueRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        reference, _, spec = self.text.partition(":")
        notebook, _, key = reference.partition(".")
        source = Path(self.env.srcdir) / NOTEBOOK_DIR
        results_file = source / f"{notebook}{RESULTS_SUFFIX}"
        executed = source / f"{notebook}.ipynb"

        def fail(message: str) -> tuple[list[nodes.Node], list[nodes.system_message]]:
            error = self.inliner.reporter.error(f"{{value}}`{self.text}`: {message}", line=self.lineno)
            return [nodes.problematic(self.rawtext, self.rawtext)], [error]

        if not notebook or not key:
            return fail("expected notebook.key or notebook.key:format")
        if not results_file.is_file() or not executed.is_file():
            # A notebook this build does not run (e.g. the report layer's, for a wave without a
            # report) may be cited inside an {only} block the build leaves out: see wave_blocks.
            return [missing_value(self.rawtext, self.rawtext, line=self.lineno,
                                  message=f"{{value}}`{self.text}`: no executed notebook {NOTEBOOK_DIR}/{notebook}.ipynb "
                                          "with its results (run `make notebooks`)")], []
        self.env.note_dependency(str(results_file))
        self.env.note_dependency(str(executed))
        recorded = _read_json(results_file)["values"]
        if key not in recorded:
            # Reported after the {only} blocks of other waves are dropped (MissingValues): a
            # sentence about a published report may name values only a report wave computes.
            return [missing_value(self.rawtext, self.rawtext, message=f"{{value}}`{self.text}`: {notebook}.ipynb recorded no value {key!r}",
                                  line=self.lineno)], []
        cell = glue_cells(executed).get(key)
        if cell is None:
            return fail(f"no cell of {notebook}.ipynb glued {key!r}")
        try:
            text = format(recorded[key]["value"], spec)
        except (TypeError, ValueError) as error:
            return fail(f"format {spec!r} does not apply to {recorded[key]['value']!r}: {error}")
        node = computed_value(self.rawtext, text, classes=["computed-value"], notebook=notebook, key=key, cell=cell,
                              description=recorded[key].get("description", ""))
        return [node], []


class NotebookRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip()
        if not (Path(self.env.srcdir) / NOTEBOOK_DIR / f"{name}.ipynb").is_file():
            error = self.inliner.reporter.error(f"{{notebook}}`{name}`: no executed notebook {NOTEBOOK_DIR}/{name}.ipynb",
                                                line=self.lineno)
            return [nodes.problematic(self.rawtext, self.rawtext)], [error]
        return [notebook_reference(self.rawtext, f"{name}.ipynb", notebook=name, classes=["notebook-reference"])], []


class AnchorRole(SphinxRole):
    """``{anchor}`claim-x```: an invisible target in a table row (a ledger claim, a register entry)
    that ``{jump}`` links to, in HTML (an id) and in the PDF (a label) alike."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        return [nodes.target("", "", ids=[nodes.make_id(self.text)])], []


class _WordsAndTargetRole(SphinxRole):
    """A role written ``{role}`words <target>```; ``link`` makes its nodes from the two parts."""

    expected = "words <target>"

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text, _, target = self.text.rpartition("<")
        if not text.strip() or not target.endswith(">"):
            error = self.inliner.reporter.error(f"{{{self.name}}}`{self.text}`: expected {self.expected}", line=self.lineno)
            return [nodes.problematic(self.rawtext, self.rawtext)], [error]
        return [self.link(text.strip(), target[:-1].strip())], []

    def link(self, text: str, target: str) -> nodes.Node:
        raise NotImplementedError


class JumpRole(_WordsAndTargetRole):
    """``{jump}`words <claim-x>```: a link to an ``{anchor}`` on the same page."""

    expected = "words <anchor>"

    def link(self, text: str, target: str) -> nodes.Node:
        reference = nodes.reference(self.rawtext, "", internal=True, refid=nodes.make_id(target), classes=["row-link"])
        reference += nodes.inline(text, text)
        return reference


class CodeRole(_WordsAndTargetRole):
    """``{code}`words <grcp9.analysis.ledger.recipe>```: in HTML, a link to the function's entry on the page
    of the package's code (api.html, which links on to its source); on paper, where that page is
    not printed, the function's name as text."""

    expected = "words <module.function>"

    def link(self, text: str, target: str) -> nodes.Node:
        if self.env.app.builder.format != "html":
            return nodes.literal(target, target)
        depth = self.env.docname.count("/")
        reference = nodes.reference(self.rawtext, "", refuri=f"{'../' * depth}api.html#{target}", classes=["code-link"])
        reference += nodes.inline(text, text)
        return reference


class page_reference(nodes.inline):
    """A link to a page of the HTML edition only (e.g. downloads); plain text in the PDF."""


class PageRole(_WordsAndTargetRole):
    """``{page}`Text <docname>``: a link in HTML, "Text (HTML edition)" in other formats."""

    expected = "Text <docname>"

    def link(self, text: str, target: str) -> nodes.Node:
        return page_reference(self.rawtext, text, target=target, classes=["page-reference"])


class ResolveComputedLinks(SphinxPostTransform):
    """HTML: link each value to its cell and each notebook reference to its page. Other formats:
    plain text (the PDF has no notebook pages)."""

    default_priority = 20

    def run(self, **kwargs: Any) -> None:
        html = self.app.builder.format == "html"
        for page in list(self.document.findall(page_reference)):
            if html:
                uri = self.app.builder.get_relative_uri(self.env.docname, page["target"])
                link = nodes.reference("", "", refuri=uri, internal=True)
                link.append(nodes.inline(page.rawsource, page.astext()))
                page.replace_self(link)
            else:
                page.replace_self(nodes.inline(page.rawsource, f"{page.astext()} (a page of the HTML edition)"))
        for node in list(self.document.findall(computed_value)) + list(self.document.findall(notebook_reference)):
            if not html:
                node.replace_self(nodes.inline(node.rawsource, node.astext(), classes=node["classes"]))
                continue
            target = f"{NOTEBOOK_DIR}/{node['notebook']}"
            uri = self.app.builder.get_relative_uri(self.env.docname, target)
            if isinstance(node, computed_value):
                uri += f"#cell-{node['cell']}"
                title = f"computed in {node['notebook']}.ipynb, cell {node['cell']}: {node['key']}"
                if node["description"]:
                    title += f" ({node['description']})"
                classes = ["computed-link"]
            else:
                title, classes = f"the notebook {node['notebook']}.ipynb", ["notebook-link"]
            link = nodes.reference("", "", refuri=uri, reftitle=title, classes=classes, internal=True)
            link.append(nodes.inline(node.rawsource, node.astext(), classes=node["classes"]))
            node.replace_self(link)


class DataLineInCaption(SphinxPostTransform):
    """LaTeX: wrap the "Data: ...; computed in ..." end of a figure or table caption in
    ``\\grcpdataline{...}``, which the lists of figures and tables leave out."""

    default_priority = 19  # before ResolveComputedLinks replaces the notebook references
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for reference in list(self.document.findall(notebook_reference)):
            caption = reference.parent
            if not isinstance(caption, (nodes.caption, nodes.title)):
                continue
            for index, child in enumerate(caption.children):
                if isinstance(child, nodes.Text) and "Data: " in child:
                    before, _, after = str(child).rpartition("Data: ")
                    caption.replace(child, nodes.Text(before))
                    caption.insert(index + 1, nodes.raw("", r"\grcpdataline{Data: " if not after else
                                                        r"\grcpdataline{Data: " + after, format="latex"))
                    caption.append(nodes.raw("", "}", format="latex"))
                    break


def anchor_cells(app: Sphinx, doctree: nodes.document) -> None:
    """Give each code cell of an executed notebook page the anchor ``cell-<cell id>``."""
    docname = app.env.docname
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return
    cells = _read_json(source)["cells"]
    for container in doctree.findall(nodes.container):
        if container.get("nb_element") == "cell_code" and "cell_index" in container:
            cell_id = cells[container["cell_index"]].get("id")
            if cell_id:
                anchor = nodes.make_id(f"cell-{cell_id}")
                if anchor not in container["ids"]:
                    container["ids"].append(anchor)


def latex_parts(app: Sphinx, doctree: nodes.document) -> None:
    """LaTeX only: a part page for each captioned part of the root document's table of contents,
    and lettered appendices for the part named by ``edition_appendix_caption``. The captions are
    taken off the toctrees, so LaTeX's contents page keeps its own name."""
    if app.builder.format != "latex" or app.env.docname != app.config.root_doc:
        return
    for toctree in list(doctree.findall(addnodes.toctree)):
        caption = toctree.get("caption")
        if not caption:
            continue
        anchor = toctree.parent if isinstance(toctree.parent, nodes.compound) else toctree
        latex = r"\appendix" + "\n" if caption == app.config.edition_appendix_caption else ""
        latex += r"\part{" + escape(caption) + "}"
        anchor.parent.insert(anchor.parent.index(anchor), nodes.raw("", latex, format="latex"))
        del toctree["caption"]


def _citation_record(app: Sphinx) -> dict[str, Any]:
    """CITATION.cff beside the configuration (the one source of the release date)."""
    import yaml

    record = Path(app.confdir) / "CITATION.cff"
    if not record.is_file():
        record = Path(app.srcdir).parent / "CITATION.cff"
    return yaml.safe_load(record.read_text(encoding="utf-8")) if record.is_file() else {}


def front_matter(app: Sphinx, config: Any) -> None:
    """The PDF's title page, its back (what this edition is, how to cite it) and the PDF's
    metadata, from the configuration and CITATION.cff."""
    citation = _citation_record(app)
    # Jupyter Book passes _config.yml's title as html_title and as the LaTeX document title.
    title = config.latex_doc_overrides.get("title") if hasattr(config, "latex_doc_overrides") else None
    title, version = title or config.html_title or config.project, config.release
    date = str(citation.get("date-released", ""))
    repository = config.edition_repository or "to be announced with the first public release"
    doi = config.edition_doi or "to be assigned when the release is deposited in an archive"
    fictitious = config.edition_fictitious_notice
    # Chapters print the address with {{ repository }} (one setting: edition_repository).
    config.myst_substitutions = {**(config.myst_substitutions or {}), "repository": repository,
                                 "release_date": date, "release_year": date[:4]}
    e = escape
    how_to_cite = (f"{e(config.author)}. \\emph{{{e(title)}}}, version {e(version)}"
                   + (f" ({e(date[:4])})" if date else "") + f". Repository: {e(repository)}. DOI: {e(doi)}.")
    warning = (r"\vspace{1.2cm}\fbox{\parbox{0.85\linewidth}{\centering\large\bfseries " + e(fictitious) + r"}}\par"
               if fictitious else "")
    config.latex_elements["maketitle"] = "\n".join([
        r"\begin{titlepage}",
        r"\pdfbookmark[0]{Title page}{titlepage}",
        r"\centering\sffamily",
        r"\vspace*{2cm}",
        r"{\Huge\bfseries " + e(title) + r"\par}",
        warning,
        r"\vspace{1.5cm}",
        r"{\large " + e(config.edition_relation) + r"\par}\vspace{0.4cm}",
        r"\begin{minipage}{0.8\linewidth}\centering\rmfamily\large " + e(config.edition_source) + r"\end{minipage}\par",
        r"\vfill",
        r"{\large Version " + e(version) + (r" \textbar{} released " + e(date) if date else "") + r"\par}",
        r"\vspace{0.6cm}",
        r"\begin{minipage}{0.85\linewidth}\centering\normalsize",
        r"Repository: " + e(repository) + r"\\ DOI: " + e(doi) + r"\\[0.4cm]",
        e(config.edition_licence),
        r"\end{minipage}",
        r"\end{titlepage}",
        r"\thispagestyle{empty}\noindent",
        r"\section*{About this edition}",
        e(config.edition_statement),
        r"\section*{How to cite this edition}",
        how_to_cite,
        r"\section*{How to cite the original report}",
        e(config.edition_source),
        r"\clearpage",
    ])
    config.latex_elements["preamble"] = config.latex_elements.get("preamble", "") + "\n" + "\n".join([
        r"\hypersetup{pdftitle={" + e(title) + "}, pdfauthor={" + e(config.author) + "}, pdfsubject={" + e(config.edition_subject) + "}, pdfkeywords={" + e(", ".join(config.edition_keywords))
        + "}, pdflang={" + e(config.language or "en") + "}}",
        r"\addto\captionsenglish{\renewcommand{\bibname}{References}}",
        # Tables a size smaller than the text, so that columns sized to their longest word fit.
        r"\makeatletter\g@addto@macro\sphinxatlongtablestart{\small}\g@addto@macro\sphinxattablestart{\small}\makeatother",
        r"\usepackage{pdflscape}",  # wide tables on landscape pages (grcp9.publish.figures.table_layout)
        r"\setlength{\LTcapwidth}{\linewidth}",  # table captions as wide as the text
        # Table cells ragged right: justified narrow columns stretch their spaces into gaps.
        (r"\makeatletter\newcolumntype{\X}[2]{>{\raggedright\arraybackslash}p{\dimexpr"
         r"(\linewidth-\spx@arrayrulewidth)*#1/#2-\tw@\tabcolsep-\spx@arrayrulewidth\relax}}\makeatother"),
        r"\setlength{\headheight}{14pt}",
        # A caption's "Data: ...; computed in ..." line prints under the figure or table, not in
        # the lists of figures and tables (see DataLineInCaption).
        r"\DeclareRobustCommand{\grcpdataline}[1]{#1}",
        r"\newcommand{\grcpgobble}[1]{}",
        # Identifiers (words_with_underscores) may break after an underscore rather than overflow.
        r"\let\grcpunderscore\_\protected\def\_{\grcpunderscore\allowbreak}",
    ])


def repository_button(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """The repository's address (edition_repository, the one setting) as a button in each HTML
    page's header, next to the theme's own buttons; no button while the address is not set. The
    theme's repository button knows GitHub, GitLab and Bitbucket only; this one takes any address."""
    address = app.config.edition_repository
    if address and "header_buttons" in context:
        context["header_buttons"].append({"type": "link", "url": address, "tooltip": "Source repository", "text": "Repository",
                                          "icon": "fa-solid fa-code-branch", "label": "source-repository-button"})


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("edition_appendix_caption", "Appendices", "env")
    app.add_config_value("edition_repository", "", "env")
    app.add_config_value("edition_doi", "", "env")
    app.add_config_value("edition_source", "", "env")
    app.add_config_value("edition_statement", "", "env")
    app.add_config_value("edition_licence", "", "env")
    app.add_config_value("edition_subject", "", "env")
    app.add_config_value("edition_keywords", [], "env")
    app.add_config_value("edition_fictitious_notice", "", "env")
    app.add_config_value("edition_relation", "An independent, recomputed edition of", "env")
    app.add_config_value("edition_statement_survey_only", "", "env")
    app.add_config_value("edition_relation_survey_only", "", "env")
    app.connect("config-inited", wave_tags, priority=400)
    app.connect("config-inited", front_matter, priority=500)
    app.connect("html-page-context", repository_button, priority=510)  # after the theme fills header_buttons (501)
    app.add_node(computed_value)
    app.add_node(missing_value)
    app.connect("doctree-read", wave_blocks, priority=100)
    app.add_node(notebook_reference)
    app.add_node(page_reference)
    app.add_role("page", PageRole())
    app.add_role("value", ValueRole())
    app.add_role("notebook", NotebookRole())
    app.add_role("anchor", AnchorRole())
    app.add_role("jump", JumpRole())
    app.add_role("code", CodeRole())
    app.add_post_transform(DataLineInCaption)
    app.add_post_transform(ResolveComputedLinks)
    app.connect("doctree-read", anchor_cells)
    app.connect("doctree-read", latex_parts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
