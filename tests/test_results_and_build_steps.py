"""The glue/results helper and the build steps that run before any notebook."""

from __future__ import annotations

import json

import nbformat
import pytest

from grcp9 import data, hashing, paths
from grcp9.analysis import survey
from grcp9.build import book, notebooks, params
from grcp9.errors import DataValidationError
from grcp9.publish import results


def test_results_records_what_it_glues(tmp_path):
    recorder = results.Results(tmp_path / "nb.results.json", "nb")
    assert recorder.glue("n", 15, "count") == 15
    recorder.glue("names", "A, B", "names")
    assert results.read(tmp_path / "nb.results.json") == {"n": {"value": 15, "description": "count"},
                                                          "names": {"value": "A, B", "description": "names"}}


def test_results_refuses_duplicates_and_non_scalars(tmp_path):
    recorder = results.Results(tmp_path / "nb.results.json", "nb")
    recorder.glue("n", 1, "x")
    with pytest.raises(KeyError, match="glued twice"):
        recorder.glue("n", 2, "x")
    with pytest.raises(TypeError, match="expects a number or a string"):
        recorder.glue("flag", True, "x")


def test_params_fail_on_unknown_wave_before_any_notebook():
    with pytest.raises(survey.ParameterError, match="parameter 'wave': expected one of 2021"):
        params.validate("data", "2026")


def test_params_fail_on_missing_data_directory(tmp_path):
    with pytest.raises(DataValidationError, match="expected an existing data directory; found no such directory"):
        params.validate(str(tmp_path / "nowhere"), "2021")


@pytest.fixture
def params_outputs(tmp_path, monkeypatch):
    """The params step's outputs (and what the notebook step removes) in tmp_path, not in this checkout."""
    generated = tmp_path / "generated"
    for name, path in {"PARAMS_FILE": generated / "params.json",
                       "EXECUTED_DIR": generated / "notebooks", "PROFILES_DIR": generated / "profiles",
                       "DOWNLOADS_DIR": generated / "downloads",
                       "FIGURES_DIR": generated / "figures", "TABLES_DIR": generated / "tables"}.items():
        monkeypatch.setattr(paths, name, path)
    monkeypatch.setattr(params, "RECORD", generated / ".params.record")
    generated.mkdir()
    return generated


def test_params_step_validates_again_exactly_when_its_inputs_change(tmp_path, data_copy, params_outputs, monkeypatch):
    package = tmp_path / "package"
    package.mkdir()
    (package / "module.py").write_text("RULE = 1\n", encoding="utf-8")
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    validations = []
    real_load = data.load

    def counted(*arguments, **keywords):  # a validation: the data package read and checked
        validations.append(arguments)
        return real_load(*arguments, **keywords)

    monkeypatch.setattr(data, "load", counted)
    first, fresh = params.params_step(str(data_copy), "2021")
    assert fresh and len(validations) == 1 and first.wave == "2021" and "arcp" in first.profiles
    assert json.loads(paths.PARAMS_FILE.read_text())["wave"] == "2021"
    again, fresh = params.params_step(str(data_copy), "2021")
    assert (again, fresh) == (first, False) and len(validations) == 1  # nothing read again
    # The same bytes written again (a new time, the same content) are the same inputs.
    roster = data_copy / "survey_roster.csv"
    roster.write_bytes(roster.read_bytes())
    params.params_step(str(data_copy), "2021")
    assert len(validations) == 1
    # Other arguments, a changed module of the package: validated again.
    params.params_step(str(data_copy), "")
    assert len(validations) == 2
    (package / "module.py").write_text("RULE = 2\n", encoding="utf-8")
    params.params_step(str(data_copy), "")
    assert len(validations) == 3
    # A data change that breaks the package fails, and keeps failing: no verdict is kept from before.
    text = roster.read_text(encoding="utf-8")
    roster.write_text(text.replace(",yes,", ",perhaps,", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataValidationError, match="survey_roster.csv"):
            params.params_step(str(data_copy), "")
    assert not params.RECORD.exists()
    roster.write_text(text, encoding="utf-8")
    assert params.params_step(str(data_copy), "") == (first, True)
    assert len(validations) == 6


def test_params_command_reports_one_readable_line(capsys):
    from grcp9.build.__main__ import main

    assert main(["params", "--data-dir", "data", "--wave", "1999"]) == 1
    assert capsys.readouterr().err.startswith("error: parameter 'wave': expected one of 2021")


def test_a_fingerprint_is_of_content_and_names_not_of_times_or_places(tmp_path, monkeypatch):
    """grcp9.hashing's one rule: the same bytes under the same repository-relative names give the
    same fingerprint, wherever the checkout is and whenever the files were written."""
    def fingerprint(root, content: bytes = b"a,b\n", name: str = "t.csv") -> str:
        monkeypatch.setattr(paths, "REPO_ROOT", root)
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "data" / name).write_bytes(content)
        return hashing.digest([root / "data" / name], {"wave": "2021"})

    here = fingerprint(tmp_path / "one")
    assert fingerprint(tmp_path / "two") == here  # another folder
    assert fingerprint(tmp_path / "one") == here  # written again later
    assert fingerprint(tmp_path / "one", b"a,c\n") != here
    assert fingerprint(tmp_path / "three", name="u.csv") != here
    record = tmp_path / "record"
    assert hashing.recall(record, here) is None
    hashing.remember(record, here, "what it gave")
    assert hashing.recall(record, here) == "what it gave" and hashing.recall(record, "other") is None
    hashing.forget(record)
    assert not hashing.unchanged(record, here)


def test_volatile_metadata_is_stripped():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.0, "parameters": {"wave": "2021"},
                                      "input_path": "a", "output_path": "b"}
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["papermill"] = {"start_time": "t"}
    cell.metadata["execution"] = {"iopub.status.busy": "t"}
    notebook.cells.append(cell)
    stripped = notebooks.strip_volatile_metadata(notebook)
    assert stripped.metadata["papermill"] == {"parameters": {"wave": "2021"}}
    assert "papermill" not in stripped.cells[0].metadata and "execution" not in stripped.cells[0].metadata


def test_a_print_split_over_two_messages_reads_as_one():
    split = [nbformat.v4.new_output("stream", name="stdout", text="7 sections written"),
             nbformat.v4.new_output("stream", name="stdout", text="\n")]
    whole = [nbformat.v4.new_output("stream", name="stdout", text="7 sections written\n")]
    display = nbformat.v4.new_output("display_data", data={"text/plain": "x"})
    assert notebooks.merge_adjacent_streams(split) == whole
    assert notebooks.merge_adjacent_streams([*split, display, *split]) == [*whole, display, *whole]
    other = nbformat.v4.new_output("stream", name="stderr", text="warning\n")
    assert notebooks.merge_adjacent_streams([split[0], other, split[1]]) == [split[0], other, split[1]]


def test_merging_a_conflicting_row_writes_nothing(tmp_path):
    """A wave's package whose shared row differs from the base's stops the merge, naming both."""
    import shutil

    from grcp9.fieldwork import waves

    fixture = shutil.copytree(paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave", tmp_path / "wave")
    questions = fixture / "questions.csv"
    questions.write_text(questions.read_text(encoding="utf-8").replace("What is your role in the ISCM?", "Your role?"), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"wave/questions.csv, row 2 \(line 3\): expected the same content as row 2 of .*data/questions.csv"):
        waves.merge_packages(paths.DATA_DIR, fixture, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_params_step_for_a_wave_without_a_report():
    """The fixture wave alone: valid, no report, nothing to compare, fictitious."""
    checked = params.validate("tests/fixtures/fictitious-wave", "")
    assert (checked.report, checked.compare_waves, checked.fictitious) == (False, (), True)
    assert not set(notebooks.selected_notebooks(checked)) & set(paths.REPORT_NOTEBOOKS + paths.COMPARISON_NOTEBOOKS)


def test_downloads_are_made_again_when_the_time_they_carry_changes(params_outputs, monkeypatch):
    """The data zip and the XLSForm carry SOURCE_DATE_EPOCH: a new time (a new commit) makes them
    again, as a clean build would, and an unchanged one does not."""
    from grcp9.build import release

    made = []
    real_archive = release.data_archive
    monkeypatch.setattr(release, "data_archive", lambda *args: made.append(args) or real_archive(*args))
    checked = params.validate("data", "")

    def downloads(folder: str, epoch: str) -> dict[str, bytes]:
        monkeypatch.setattr(paths, "DOWNLOADS_DIR", params_outputs / folder)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        book.write_data_downloads(checked)
        return {p.name: p.read_bytes() for p in (params_outputs / folder).iterdir() if p.suffix in {".zip", ".xlsx"}}

    first = downloads("kept", "1700000000")
    assert len(made) == 1 and len(first) == 2
    assert downloads("kept", "1700000000") == first and len(made) == 1  # nothing changed: not made again
    later = downloads("kept", "1800000000")
    assert len(made) == 2
    assert all(later[name] != first[name] for name in first)
    assert later == downloads("fresh", "1800000000")  # what a clean build writes at that time


def test_a_change_to_any_module_of_the_package_rebuilds_the_book(tmp_path, monkeypatch):
    """The book shows the package's modules (the API page, the code pages): a changed docstring of
    any of them changes what the book step is made from."""
    import shutil

    package = shutil.copytree(paths.PACKAGE_DIR, tmp_path / "grcp9", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "PACKAGE_DIR", package)
    checked = params.validate("data", "")
    before = book.book_fingerprint(checked)
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 20
    for module in modules:
        text = module.read_text(encoding="utf-8")
        module.write_text(text + "\n# changed\n", encoding="utf-8")
        assert book.book_fingerprint(checked) != before, module
        module.write_text(text, encoding="utf-8")
    assert book.book_fingerprint(checked) == before


def test_viewcode_finds_the_package_sources_without_importing_them():
    """book/_ext/viewcode_paths.py: the package's modules map to their files under src/ (no import);
    other modules keep viewcode's own lookup."""
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(paths.BOOK_DIR / "_ext"))
    import viewcode_paths

    app = SimpleNamespace(srcdir=str(paths.BOOK_DIR), emit_firstresult=lambda *arguments: None)  # no other extension answers
    source = paths.REPO_ROOT / "src" / "grcp9"
    assert viewcode_paths.module_filename(app, "grcp9.analysis.ledger") == str(source / "analysis" / "ledger.py")  # type: ignore[arg-type]
    assert viewcode_paths.module_filename(app, "grcp9.data") == str(source / "data" / "__init__.py")  # type: ignore[arg-type]
    assert viewcode_paths.module_filename(app, "grcp9") == str(source / "__init__.py")  # type: ignore[arg-type]
    assert viewcode_paths.module_filename(app, "json") == json.__file__  # type: ignore[arg-type]


def test_latex_runs_again_exactly_when_what_it_reads_changed(tmp_path, monkeypatch):
    """build.book.run_latex: LaTeX (here a stand-in Makefile) runs when the files Sphinx wrote for it
    or SOURCE_DATE_EPOCH changed, from no auxiliary files, and not otherwise; a failed run leaves
    no record, so the next build runs it again."""
    latex = tmp_path / "latex"
    latex.mkdir()
    (latex / "Makefile").write_text("all-pdf:\n\ttest ! -e book.aux\n\techo run >> ../runs.txt\n\ttouch book.aux\n"
                                    f"\tcat book.tex > {paths.PDF_NAME}\n", encoding="utf-8")
    (latex / "book.tex").write_text("first", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def runs() -> int:
        return len((tmp_path / "runs.txt").read_text().split()) if (tmp_path / "runs.txt").exists() else 0

    book.run_latex(latex)
    book.run_latex(latex)
    assert runs() == 1 and (latex / paths.PDF_NAME).read_text() == "first"
    (latex / "book.tex").write_text("second", encoding="utf-8")
    book.run_latex(latex)
    assert runs() == 2 and (latex / paths.PDF_NAME).read_text() == "second"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    book.run_latex(latex)
    assert runs() == 3
    (latex / "Makefile").write_text("all-pdf:\n\texit 1\n", encoding="utf-8")
    with pytest.raises(book.BookError, match="failed in LaTeX"):
        book.run_latex(latex)
    (latex / "Makefile").write_text("all-pdf:\n\techo run >> ../runs.txt\n\tcat book.tex > " + paths.PDF_NAME + "\n", encoding="utf-8")
    book.run_latex(latex)
    assert runs() == 4
