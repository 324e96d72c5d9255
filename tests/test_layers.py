"""The package's layers (docs/ARCHITECTURE.md): import-linter checks the contract in
pyproject.toml, and the notebooks import only the layers a chapter may use."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grcp9 import paths

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``root/src`` with ``root/pyproject.toml``'s contracts."""
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False)


def test_the_layers_contract_holds():
    result = lint_imports(paths.REPO_ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("analysis/survey.py", "from grcp9.build import params", "Layers"),  # the analysis may not import the build
    ("data/package.py", "from grcp9.analysis import survey", "Layers"),  # nor the data layer the analysis
    ("analysis/meeting.py", "from grcp9.analysis import ledger", "No cycles"),  # ledger imports meeting
])
def test_a_reverse_import_breaks_the_contract(tmp_path, module, line, contract):
    root = tmp_path / "repo"
    shutil.copytree(paths.PACKAGE_DIR, root / "src" / "grcp9", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(paths.REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    target = root / "src" / "grcp9" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode != 0
    assert any(contract in text and "BROKEN" in text for text in result.stdout.split("\n\n")), result.stdout[-3000:]


def notebook_imports(notebook: Path) -> set[str]:
    """The grcp9 modules a notebook's code cells import."""
    found = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        for node in ast.walk(ast.parse("\n".join(line for line in source.splitlines() if not line.startswith(("%", "!"))))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grcp9"):
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.startswith("grcp9")}
    return found


@pytest.mark.parametrize("notebook", sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_use_only_the_data_analysis_and_publishing_layers(notebook):
    allowed = ("grcp9.data", "grcp9.analysis.", "grcp9.publish.", "grcp9.paths", "grcp9.markdown", "grcp9.errors")
    imported = notebook_imports(notebook)
    assert imported, f"{notebook.name} imports nothing of grcp9"
    assert sorted(name for name in imported if not name.startswith(allowed)) == []
