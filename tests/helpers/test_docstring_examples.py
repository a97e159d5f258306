"""The examples in the docstrings of src/ run and print what they say they print."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parents[2]
SRC_DIR = REPO_DIR / "src"
# bindings.py and every module of the sly_bindings package (main.py is the tutorial: no examples),
# and a package's __init__.py when it has examples (formats/coco: the format's interface).
MODULES = ["bindings"] + sorted(
    ".".join(path.relative_to(SRC_DIR).with_suffix("").parts).removesuffix(".__init__")
    for path in (SRC_DIR / "sly_bindings").rglob("*.py")
    if path.name != "__main__.py" and (path.name != "__init__.py" or ">>>" in path.read_text())
)
# Modules whose examples need a server or a command line, so every one is marked +SKIP.
WITHOUT_RUNNABLE_EXAMPLES = {"sly_bindings.cli.main"}


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name, monkeypatch):
    monkeypatch.chdir(REPO_DIR)  # examples use paths such as images/image.jpg
    module = importlib.import_module(module_name)
    results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.failed == 0
    if module_name not in WITHOUT_RUNNABLE_EXAMPLES:
        assert results.attempted > 0, f"{module_name} has no example to run"
