"""The glue/results helper and the build steps that run before any notebook."""

from __future__ import annotations

import json
import os
import subprocess

import nbformat
import pytest

from grcp9 import build, data, paths, results, survey
from grcp9.validation import DataValidationError


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


def test_params_fail_on_unknown_wave_before_any_notebook(tmp_path):
    target = tmp_path / "params.json"
    with pytest.raises(survey.ParameterError, match="parameter 'wave': expected one of 2021"):
        build.write_params("data", "2026", target)
    assert not target.exists()


def test_params_fail_on_missing_data_directory(tmp_path):
    with pytest.raises(DataValidationError, match="expected an existing data directory; found no such directory"):
        build.write_params(str(tmp_path / "nowhere"), "2021", tmp_path / "params.json")


def test_params_rewritten_only_when_changed(tmp_path, data_copy):
    target = tmp_path / "params.json"
    assert build.write_params(str(data_copy), "2021", target) is True
    assert json.loads(target.read_text())["wave"] == "2021"
    assert build.write_params(str(data_copy), "2021", target) is False


@pytest.fixture
def params_outputs(tmp_path, monkeypatch):
    """The params step's outputs (and what it removes) in tmp_path, not in this checkout."""
    generated = tmp_path / "generated"
    for name, path in {"PARAMS_FILE": generated / "params.json",
                       "PROFILE_LIST": generated / "profiles.txt", "PARAMS_INPUTS": generated / ".params-inputs",
                       "EXECUTED_DIR": generated / "notebooks", "PROFILES_DIR": generated / "profiles",
                       "FIGURES_DIR": generated / "figures", "TABLES_DIR": generated / "tables"}.items():
        monkeypatch.setattr(paths, name, path)
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
    first = build.check_params(str(data_copy), "2021")
    assert first.endswith(": valid") and len(validations) == 1
    assert json.loads(paths.PARAMS_FILE.read_text())["wave"] == "2021"
    assert "arcp" in paths.PROFILE_LIST.read_text().split()
    assert build.check_params(str(data_copy), "2021").endswith("valid (unchanged since validated)")
    assert len(validations) == 1  # nothing read again
    # The same bytes written again (a new time, the same content) are the same inputs.
    roster = data_copy / "survey_roster.csv"
    roster.write_bytes(roster.read_bytes())
    build.check_params(str(data_copy), "2021")
    assert len(validations) == 1
    # Other arguments, a changed module of the package: validated again.
    build.check_params(str(data_copy), "")
    assert len(validations) == 2
    (package / "module.py").write_text("RULE = 2\n", encoding="utf-8")
    build.check_params(str(data_copy), "")
    assert len(validations) == 3
    # A data change that breaks the package fails, and keeps failing: no verdict is kept from before.
    text = roster.read_text(encoding="utf-8")
    roster.write_text(text.replace(",yes,", ",perhaps,", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataValidationError, match="survey_roster.csv"):
            build.check_params(str(data_copy), "")
    assert not paths.PARAMS_INPUTS.exists()
    roster.write_text(text, encoding="utf-8")
    assert build.check_params(str(data_copy), "").endswith(": valid (unchanged)")
    assert len(validations) == 6
    # A params file changed by another step is not what was validated.
    paths.PARAMS_FILE.write_text("{}", encoding="utf-8")
    build.check_params(str(data_copy), "")
    assert len(validations) == 7 and json.loads(paths.PARAMS_FILE.read_text())["wave"] == "2021"


def test_params_command_reports_one_readable_line(capsys):
    assert build.main(["params", "--data-dir", "data", "--wave", "1999"]) == 1
    assert capsys.readouterr().err.startswith("error: parameter 'wave': expected one of 2021")


def test_volatile_metadata_is_stripped():
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.0, "parameters": {"wave": "2021"},
                                      "input_path": "a", "output_path": "b"}
    cell = nbformat.v4.new_code_cell("1")
    cell.metadata["papermill"] = {"start_time": "t"}
    cell.metadata["execution"] = {"iopub.status.busy": "t"}
    notebook.cells.append(cell)
    stripped = build.strip_volatile_metadata(notebook)
    assert stripped.metadata["papermill"] == {"parameters": {"wave": "2021"}}
    assert "papermill" not in stripped.cells[0].metadata and "execution" not in stripped.cells[0].metadata


def test_a_print_split_over_two_messages_reads_as_one():
    import nbformat

    from grcp9 import build

    split = [nbformat.v4.new_output("stream", name="stdout", text="7 sections written"),
             nbformat.v4.new_output("stream", name="stdout", text="\n")]
    whole = [nbformat.v4.new_output("stream", name="stdout", text="7 sections written\n")]
    display = nbformat.v4.new_output("display_data", data={"text/plain": "x"})
    assert build.merge_adjacent_streams(split) == whole
    assert build.merge_adjacent_streams([*split, display, *split]) == [*whole, display, *whole]
    other = nbformat.v4.new_output("stream", name="stderr", text="warning\n")
    assert build.merge_adjacent_streams([split[0], other, split[1]]) == [split[0], other, split[1]]


def test_merging_a_conflicting_row_writes_nothing(tmp_path):
    """A wave's package whose shared row differs from the base's stops the merge, naming both."""
    import shutil

    from grcp9 import waves

    fixture = shutil.copytree(paths.REPO_ROOT / "tests" / "fixtures" / "fictitious-wave", tmp_path / "wave")
    questions = fixture / "questions.csv"
    questions.write_text(questions.read_text(encoding="utf-8").replace("What is your role in the ISCM?", "Your role?"), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"wave/questions.csv, row 2 \(line 3\): expected the same content as row 2 of .*data/questions.csv"):
        waves.merge_packages(paths.DATA_DIR, fixture, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_params_step_for_a_wave_without_a_report(tmp_path):
    """The fixture wave alone: valid, no report, nothing to compare, fictitious."""
    target = tmp_path / "params.json"
    build.write_params("tests/fixtures/fictitious-wave", "", target)
    parameters = json.loads(target.read_text())
    assert (parameters["report"], parameters["compare_waves"], parameters["fictitious"]) == (False, [], True)
    assert not set(build.selected_notebooks(parameters)) & set(paths.REPORT_NOTEBOOKS + paths.COMPARISON_NOTEBOOKS)


def test_viewcode_finds_the_package_sources_without_importing_them():
    """book/_ext/viewcode_paths.py: the package's modules map to their files under src/ (no import);
    other modules keep viewcode's own lookup."""
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(paths.BOOK_DIR / "_ext"))
    import viewcode_paths

    app = SimpleNamespace(srcdir=str(paths.BOOK_DIR), emit_firstresult=lambda *arguments: None)  # no other extension answers
    source = paths.REPO_ROOT / "src" / "grcp9"
    assert viewcode_paths.module_filename(app, "grcp9.ledger") == str(source / "ledger.py")  # type: ignore[arg-type]
    assert viewcode_paths.module_filename(app, "grcp9") == str(source / "__init__.py")  # type: ignore[arg-type]
    import json

    assert viewcode_paths.module_filename(app, "json") == json.__file__  # type: ignore[arg-type]


def test_a_snapshot_equals_its_source_and_leaves_the_last_one_as_it_was(tmp_path):
    source, last, new = tmp_path / "built", tmp_path / "preview", tmp_path / "incoming"
    files = {"index.html": "first page", "_static/style.css": "body {}", "gone.html": "a page later removed",
             "same-size.html": "AAAA"}
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")
    (source / "link.html").symlink_to("index.html")
    (source / "static").symlink_to("_static", target_is_directory=True)
    build.snapshot(source, tmp_path / "no-preview-yet", last)
    assert {p.relative_to(last).as_posix(): p.read_text(encoding="utf-8") for p in last.rglob("*")
            if p.is_file()} == {**files, "link.html": "first page"}
    assert os.readlink(last / "link.html") == "index.html"
    assert os.readlink(last / "static") == "_static" and (last / "static" / "style.css").is_file()
    # A later build writes some files again (one with its old size), removes one and adds one. (A
    # file's time has the kernel's clock tick as resolution: "later" is set, not waited for.)
    for name, text in (("index.html", "second page"), ("same-size.html", "BBBB")):
        written = (source / name).stat().st_mtime_ns
        (source / name).write_text(text, encoding="utf-8")
        os.utime(source / name, ns=(written + 10**9, written + 10**9))
    (source / "gone.html").unlink()
    (source / "new.html").write_text("a new page", encoding="utf-8")
    build.snapshot(source, last, new)
    assert {p.relative_to(new).as_posix(): p.read_text(encoding="utf-8") for p in new.rglob("*") if p.is_file()} == {
        "index.html": "second page", "_static/style.css": "body {}", "same-size.html": "BBBB",
        "new.html": "a new page", "link.html": "second page"}
    assert os.readlink(new / "static") == "_static"
    # The last snapshot is untouched; the unchanged file is shared with it, not copied.
    assert (last / "index.html").read_text(encoding="utf-8") == "first page"
    assert (last / "same-size.html").read_text(encoding="utf-8") == "AAAA"
    assert (last / "gone.html").is_file()
    assert (new / "_static/style.css").stat().st_ino == (last / "_static/style.css").stat().st_ino
    assert (new / "index.html").stat().st_ino != (last / "index.html").stat().st_ino


def test_downloads_are_made_again_when_the_time_they_carry_changes(params_outputs, monkeypatch):
    """The data zip and the XLSForm carry SOURCE_DATE_EPOCH: a new time (a new commit) makes them
    again, as a clean build would, and an unchanged one does not."""
    from grcp9 import release

    made = []
    real_archive = release.data_archive
    monkeypatch.setattr(release, "data_archive", lambda *args: made.append(args) or real_archive(*args))
    build.write_params("data", "", paths.PARAMS_FILE)

    def downloads(folder: str, epoch: str) -> dict[str, bytes]:
        monkeypatch.setattr(paths, "DOWNLOADS_DIR", params_outputs / folder)
        monkeypatch.setattr(paths, "DOWNLOADS_INPUTS", params_outputs / folder / ".data-inputs")
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        build.write_downloads()
        return {p.name: p.read_bytes() for p in (params_outputs / folder).iterdir() if p.suffix in {".zip", ".xlsx"}}

    first = downloads("kept", "1700000000")
    assert len(made) == 1 and len(first) == 2
    assert downloads("kept", "1700000000") == first and len(made) == 1  # nothing changed: not made again
    later = downloads("kept", "1800000000")
    assert len(made) == 2
    assert all(later[name] != first[name] for name in first)
    assert later == downloads("fresh", "1800000000")  # what a clean build writes at that time


def test_a_change_to_any_module_of_the_package_rebuilds_the_book():
    """The book shows every module (the API page, the code pages): each is a prerequisite of make
    book's stamp, read from make's own database. Only build.py and paths.py were, and a changed
    docstring of another module left the API page as it was."""
    database = subprocess.run(["make", "--no-print-directory", "-s", "-p", "-n", "help"], cwd=paths.REPO_ROOT,
                              capture_output=True, text=True, check=True).stdout
    [rule] = [line for line in database.splitlines() if line.startswith("_build/.complete:")]
    prerequisites = set(rule.split(":", 1)[1].split())
    modules = {str(module.relative_to(paths.REPO_ROOT)) for module in (paths.REPO_ROOT / "src" / "grcp9").glob("*.py")}
    assert len(modules) > 20 and modules <= prerequisites
