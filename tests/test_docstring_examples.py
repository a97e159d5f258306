"""The examples in the docstrings of src/ run and print what they say they print."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
MODULES = sorted(path.stem for path in (REPO_DIR / "src").glob("*.py") if path.stem != "main")


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name, monkeypatch):
    monkeypatch.chdir(REPO_DIR)  # examples use paths such as images/image.jpg
    module = importlib.import_module(module_name)
    results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.failed == 0
    assert results.attempted > 0, f"{module_name} has no example to run"
