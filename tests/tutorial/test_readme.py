"""README.md is the tutorial page: it must not drift from the code it shows or the output it quotes."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from commands import checkout_copy

REPO_DIR = Path(__file__).resolve().parents[2]
README = (REPO_DIR / "README.md").read_text()
SOURCES = {path: path.read_text() for path in sorted((REPO_DIR / "src").rglob("*.py"))}


def code_blocks(language: str) -> list[str]:
    """The fenced blocks of ``language`` in README, in order (a bare ``` fence: language "")."""
    blocks, current, current_language = [], None, None
    for line in README.splitlines(keepends=True):
        fence = line.strip()
        if current is None and fence.startswith("```"):
            current, current_language = [], fence[3:]
        elif current is not None and fence == "```":
            if current_language == language:
                blocks.append(textwrap.dedent("".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def appears_in_source(block: str, source: str) -> bool:
    """``block`` is in ``source`` line for line, at any one indentation."""
    return any(textwrap.indent(block, " " * depth) in source for depth in range(0, 17, 4))


@pytest.mark.parametrize("block", code_blocks("python"), ids=lambda block: block.split("\n")[0])
def test_every_python_block_is_in_src(block):
    assert any(appears_in_source(block, source) for source in SOURCES.values()), (
        "This README block is not in src/ verbatim; change README and src together:\n" + block
    )


def test_readme_starts_with_the_commands_that_ci_runs():
    first_block = code_blocks("bash")[0]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == [
        "./create_venv.sh",
        ".venv/bin/python src/main.py",
        ".venv/bin/python -m pytest",
    ]
    # The set-up and the tests; main.py runs inside the tests, away from the machine's settings.
    ci_commands = (REPO_DIR / ".ci" / "run").read_text().splitlines()
    setup_and_tests = [commands[0], commands[2]]
    assert [line for line in ci_commands if line in commands] == setup_and_tests
    assert README.index(first_block) < README.index("## ")  # before any section


def normalise(output: str) -> list[str]:
    """Output lines with what changes from run to run (keys, folders) replaced by placeholders."""
    output = re.sub(r"\b[0-9a-f]{32}\b", "<key>", output)
    output = re.sub(r"\S*/output/tutorial-bindings(_\d{3})?", "<project>", output)
    output = re.sub(r"\S*/output/bindings_preview\.png", "<preview>", output)
    return output.strip().splitlines()


def test_the_output_shown_is_what_main_prints(tmp_path):
    (shown,) = [block for block in code_blocks("") if block.startswith("Target: ")]
    checkout = checkout_copy(tmp_path / "checkout")  # README's command, on a copy of the checkout
    result = subprocess.run(
        [sys.executable, str(checkout / "src" / "main.py")],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert normalise(result.stdout) == normalise(shown)
