"""Each module that docs/helpers.md's "Helpers you can copy" table lists imports alone, with only the
companions and libraries that the table names beside it."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
SRC_DIR = REPO_DIR / "src"
HELPERS_PAGE = (REPO_DIR / "docs" / "helpers.md").read_text()
# Besides the standard library, every helper may use these (the SDK brings requests, tqdm and
# Pillow).
ALWAYS_ALLOWED = {"supervisely", "numpy", "cv2", "requests", "tqdm", "PIL"}
LIBRARY_MODULES = {
    "pycocotools": "pycocotools",
    "PyYAML": "yaml",
    "defusedxml": "defusedxml",
    "ijson": "ijson",
}


def copyable_rows() -> list[tuple[str, list[str], set[str]]]:
    """(module, companions, extra libraries) for every row of docs/helpers.md's table of helpers."""
    section = HELPERS_PAGE.split("# Helpers you can copy", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`src/"):
            continue
        module = cells[0].strip("`").removeprefix("src/")
        named = re.findall(r"`([^`]+)`", cells[1])
        companions = [name.removeprefix("src/") for name in named if name.endswith(".py")]
        libraries = {LIBRARY_MODULES[name] for name in named if name in LIBRARY_MODULES}
        rows.append((module, companions, libraries))
    return rows


ROWS = copyable_rows()


def test_readme_lists_the_helpers():
    listed = {module for module, _, _ in ROWS}
    assert {"bindings.py", "sly_bindings/groups/merge.py", "sly_bindings/formats/cvat.py"} <= listed


def copy_alone(folder: Path, module: str, companions: List[str]) -> None:
    """``module`` and its ``companions`` copied into ``folder`` with their folders, an empty
    ``__init__.py`` in each package folder, as docs/helpers.md says to copy them."""
    for relative in [module, *companions]:
        destination = folder / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SRC_DIR / relative, destination)
        for package in destination.relative_to(folder).parents:
            if package != Path("."):
                (folder / package / "__init__.py").touch()


# One process imports every row from its own folder, one after the other: the project's modules
# are forgotten between rows (the SDK, which every row may use, stays loaded).
IMPORT_EACH_ALONE = """
import importlib, json, sys
found = {}
for folder, dotted in json.loads(sys.argv[1]):
    for name in [name for name in sys.modules if name == "bindings" or name == "sly_bindings"
                 or name.startswith("sly_bindings.")]:
        del sys.modules[name]
    sys.path[0] = folder
    importlib.invalidate_caches()
    try:
        found[dotted] = [True, importlib.import_module(dotted).__file__]
    except Exception as error:
        found[dotted] = [False, f"{type(error).__name__}: {error}"]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def imported_alone(tmp_path_factory) -> Dict[str, Tuple[bool, str]]:
    """Per module of the table: (imported, its file or the error), each imported from a folder
    that holds only it and its companions, with nothing of the repository on the path."""
    rows = []
    for module, companions, _ in ROWS:
        folder = tmp_path_factory.mktemp("alone")
        copy_alone(folder, module, companions)
        rows.append((str(folder), module.removesuffix(".py").replace("/", ".")))
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, json.dumps(rows)],
        cwd=tmp_path_factory.mktemp("cwd"),
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    return {dotted: (found[dotted][0], found[dotted][1], Path(folder)) for folder, dotted in rows}


@pytest.mark.parametrize("module, companions, libraries", ROWS, ids=[row[0] for row in ROWS])
def test_a_copied_module_imports_with_its_companions_alone(
    tmp_path, module, companions, libraries, imported_alone
):
    copy_alone(tmp_path, module, companions)

    # Its own imports: the standard library, the SDK, numpy, OpenCV and what the table names.
    for relative in [module, *companions]:
        tree = ast.parse((tmp_path / relative).read_text())
        for node in tree.body:
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module] if isinstance(node, ast.ImportFrom) else []
            )
            for name in names:
                top = name.split(".")[0]
                assert (
                    top in sys.stdlib_module_names
                    or top in ALWAYS_ALLOWED | libraries
                    or (tmp_path / f"{top}.py").exists()
                    or (tmp_path / top).is_dir()
                ), f"{relative} imports {name}, which docs/helpers.md does not name beside {module}"

    # And it runs from the copy: nothing of the repository is on the path.
    imported, where, folder = imported_alone[module.removesuffix(".py").replace("/", ".")]
    assert imported, where
    assert Path(where).is_relative_to(folder)
