"""The meeting data recounted independently, citation metadata, versions, and the release."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import built_params

from grcp9 import __version__, paths
from grcp9.build import release
from grcp9.publish import figures, results

BUILT = (paths.BUILD_DIR / paths.MANIFEST_NAME).is_file()


def raw(name: str) -> list[dict[str, str]]:
    with (paths.DATA_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not BUILT, reason="book not built: run `make book`")
def test_meeting_counts_equal_an_independent_recount():
    values = {k: v["value"] for k, v in results.read(paths.results_path("meeting")).items()}
    roles = raw("participant_roles")
    statements = raw("statements")
    assert values["participants"] == sum(r["group"] == "iscm" for r in raw("participants"))
    assert values["hosts"] == sum(r["group"] == "host" for r in raw("participants"))
    assert values["iscms_represented"] == len({r["iscm_id"] for r in roles})
    assert values["iscms_invited"] == len({r["iscm_id"] for r in raw("session_invitations")})
    assert values["statements"] == len({(r["session_id"], r["participant"]) for r in statements})
    assert values["iscms_with_statement"] == len({r["iscm_id"] for r in statements})
    assert values["iscms_spoke"] == len({r["iscm_id"] for r in statements if r["form"] in ("oral", "video")})
    plotted = {r["iscm_id"]: int(r["participants"]) for r in csv.DictReader((paths.FIGURES_DIR / figures.FIGURES["participants"].csv_name).open(encoding="utf-8"))}
    assert plotted == dict(Counter(r["iscm_id"] for r in roles))


def test_names_keep_their_accents():
    names = " ".join(r["name"] for r in raw("participants"))
    for name in ("Gümürkçü", "Tomáš", "Rodríguez", "Patiño", "Echeverría", "António"):
        assert name in names


def test_citation_file_is_valid_cff():
    schema = json.loads((paths.REPO_ROOT / "tests" / "schemas" / "citation-file-format-1.2.0.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    citation["date-released"] = str(citation["date-released"])
    jsonschema.validate(citation, schema)


def test_one_version_everywhere():
    pyproject = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    citation = yaml.safe_load((paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == __version__
    assert citation["version"] == __version__
    assert config["sphinx"]["config"]["release"] == __version__
    assert config["parse"]["myst_substitutions"]["version"] == __version__
    assert f"version {__version__}" in config["sphinx"]["config"]["html_theme_options"]["extra_footer"]


@pytest.mark.skipif(not BUILT, reason="book not built: run `make book`")
def test_version_shown_in_html_and_pdf():
    import subprocess
    assert f"version {__version__}" in (paths.BUILD_DIR / "html" / "findings.html").read_text(encoding="utf-8")
    first_page = subprocess.run(["pdftotext", "-l", "1", str(paths.BUILD_DIR / "latex" / "grcp9-reproducible-edition.pdf"), "-"],
                                capture_output=True, text=True, check=True).stdout
    assert re.search(rf"Version {re.escape(__version__)}", first_page)


@pytest.mark.skipif(not BUILT, reason="book not built: run `make book`")
def test_release_has_exactly_the_listed_files_with_matching_checksums(tmp_path):
    # Each test releases into a folder of its own: two tests writing release/ at once raced.
    target = release.make_release(built_params(), release_dir=tmp_path)
    name = f"grcp9-{__version__}"
    expected = {f"{name}.pdf", f"{name}-html.tar.gz", f"{name}-data.zip", "SHA256SUMS"}
    assert {p.name for p in target.iterdir()} == expected
    sums = dict(reversed(line.split("  ", 1)) for line in (target / "SHA256SUMS").read_text(encoding="utf-8").splitlines())
    assert set(sums) == expected - {"SHA256SUMS"}
    for file, digest in sums.items():
        assert hashlib.sha256((target / file).read_bytes()).hexdigest() == digest
    again = release.make_release(built_params(), release_dir=tmp_path / "again")
    assert (again / "SHA256SUMS").read_text(encoding="utf-8") == "".join(f"{d}  {f}\n" for f, d in sums.items())


def test_release_refuses_a_dirty_tree(monkeypatch):
    monkeypatch.setattr(release, "working_tree_changes", lambda: [" M data/responses.csv"])
    monkeypatch.setattr(release, "make_release", lambda *arguments: pytest.fail("a release was made from a dirty tree"))
    with pytest.raises(release.ReleaseError, match=r"uncommitted changes(.|\n)*data/responses.csv"):
        release.release_step(built_params())


@pytest.mark.skipif(not BUILT, reason="book not built: run `make book`")
def test_release_packages_the_data_that_was_built(tmp_path):
    import zipfile

    built_data = paths.resolve(json.loads(paths.PARAMS_FILE.read_text(encoding="utf-8"))["data_dir"])
    target = release.make_release(built_params(), release_dir=tmp_path)
    with zipfile.ZipFile(next(target.glob("*-data.zip"))) as archive:
        names = {Path(name).name for name in archive.namelist()}
    assert names == {p.name for p in built_data.iterdir() if p.is_file()}


def _repository_setting() -> str:
    config = yaml.safe_load(paths.CONFIG_FILE.read_text(encoding="utf-8"))
    return str(config["sphinx"]["config"].get("edition_repository", ""))


def test_the_repository_address_is_one_setting_that_citation_cff_repeats():
    """edition_repository in _config.yml is the address; CITATION.cff gives the same one as
    repository-code (or none while the setting is empty)."""
    citation = yaml.safe_load((paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation.get("repository-code", "") == _repository_setting()


def test_a_repository_address_reaches_the_html_header_and_the_pdf_front_matter():
    """The book's extension turns the one setting into a button in each HTML page's header and into
    the PDF's title page and citation (given an address here, as a release would set it)."""
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(paths.BOOK_DIR / "_ext"))
    import computed

    address = "https://example.org/grcp9-edition"
    config = SimpleNamespace(edition_repository=address, edition_doi="", edition_fictitious_notice="", html_title="Title",
                             project="Title", release=__version__, author="Authors", language="en", myst_substitutions={},
                             latex_elements={}, edition_relation="", edition_source="", edition_licence="",
                             edition_statement="", edition_subject="", edition_keywords=[])
    app = SimpleNamespace(srcdir=str(paths.BOOK_DIR), confdir=str(paths.REPO_ROOT), config=config)
    computed.front_matter(app, config)
    assert f"Repository: {address}" in config.latex_elements["maketitle"]
    assert config.myst_substitutions["repository"] == address
    context: dict[str, object] = {"header_buttons": [{"label": "theme's own"}]}
    computed.repository_button(app, "intro", "page.html", context, None)
    assert context["header_buttons"][-1]["url"] == address  # type: ignore[index]
    config.edition_repository = ""
    context = {"header_buttons": []}
    computed.repository_button(app, "intro", "page.html", context, None)
    assert context["header_buttons"] == []


@pytest.mark.skipif(not BUILT, reason="book not built: run `make book`")
def test_the_built_book_names_the_repository_setting():
    import subprocess

    address = _repository_setting()
    front = subprocess.run(["pdftotext", "-l", "2", str(paths.BUILD_DIR / "latex" / "grcp9-reproducible-edition.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    header = (paths.BUILD_DIR / "html" / "intro.html").read_text(encoding="utf-8")
    if address:
        assert address in " ".join(front.split()) and f'href="{address}"' in header
    else:
        assert "Repository: to be announced" in " ".join(front.split())
        assert "btn-source-repository-button" not in header
