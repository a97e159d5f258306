"""README.md is the tutorial page and docs/*.md the rest of the manual: they must not drift from
the code they show, the commands they give or the output they quote."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from commands import checkout_copy, main_captured

REPO_DIR = Path(__file__).resolve().parents[2]
PAGES: Dict[str, str] = {
    path.relative_to(REPO_DIR).as_posix(): path.read_text()
    for path in [REPO_DIR / "README.md", *sorted((REPO_DIR / "docs").glob("*.md"))]
}
README = PAGES["README.md"]
SOURCES = {path: path.read_text() for path in sorted((REPO_DIR / "src").rglob("*.py"))}
SHELL_LANGUAGES = ("bash", "console")


def code_blocks(language: str, page: str = README) -> list[str]:
    """The fenced blocks of ``language`` in ``page``, in order (a bare ``` fence: language "")."""
    blocks, current, current_language = [], None, None
    for line in page.splitlines(keepends=True):
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


def blocks_of_every_page(*languages: str) -> List[Tuple[str, str]]:
    """(page, block) for each block of ``languages`` in README and docs/*.md."""
    return [
        (name, block)
        for name, page in PAGES.items()
        for language in languages
        for block in code_blocks(language, page)
    ]


def appears_in_source(block: str, source: str) -> bool:
    """``block`` is in ``source`` line for line, at any one indentation."""
    return any(textwrap.indent(block, " " * depth) in source for depth in range(0, 17, 4))


@pytest.mark.parametrize(
    "page, block",
    blocks_of_every_page("python"),
    ids=lambda value: value.split("\n")[0],
)
def test_every_python_block_is_in_src(page, block):
    assert any(appears_in_source(block, source) for source in SOURCES.values()), (
        f"This block of {page} is not in src/ verbatim; change {page} and src together:\n" + block
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
    output = re.sub(r"\S*/tmp\.[A-Za-z0-9]{10}\b", "<mktemp>", output)  # mktemp -d
    return output.strip().splitlines()


def test_the_output_shown_is_what_main_prints(tmp_path, monkeypatch):
    """README's command, ``src/main.py`` with no settings, in this process; its default output
    folder moved from the checkout into ``tmp_path`` (test_main_local.py runs it in a process)."""
    import main as tutorial

    (shown,) = [block for block in code_blocks("") if block.startswith("Target: ")]
    monkeypatch.setattr(tutorial, "DEFAULT_LOCAL_DIR", tmp_path / "output")
    result = main_captured(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert normalise(result.stdout) == normalise(shown)


def quick_start() -> Tuple[List[str], str]:
    """The commands of README's quick start (the first ``console`` block, lines ``$ ...``) and
    what it shows they print."""
    block = code_blocks("console")[0]
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    shown = "\n".join(line for line in block.splitlines() if not line.startswith("$ "))
    return commands, shown


def test_the_quick_start_is_on_the_first_screen():
    commands, _ = quick_start()
    first_screen = README[: README.index("\n## ")]
    assert code_blocks("console")[0] in first_screen
    assert 8 <= len(code_blocks("console")[0].splitlines()) <= 20
    # It reaches a converted dataset and a preview page.
    assert any(" convert " in command for command in commands)
    assert any(" preview " in command for command in commands)


def test_the_quick_start_prints_what_readme_shows(tmp_path):
    """The quick start as a new user types it, in a checkout whose ``.venv`` is this Python's:
    the same lines come out, and the COCO dataset and the preview page are there."""
    venv = Path(sys.prefix)
    if not (venv / "bin" / "sly-bindings").exists():
        pytest.skip(f"no sly-bindings in {venv}/bin: create_venv.sh installs it")
    checkout = checkout_copy(tmp_path / "checkout")
    (checkout / ".venv").symlink_to(venv, target_is_directory=True)
    commands, shown = quick_start()
    script = "set -e\n" + "".join(
        f"echo {shlex.quote('$ ' + command)}\n{command}\n" for command in commands
    )
    (tmp_path / "tmp").mkdir()
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=checkout,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout
    printed = [line for line in result.stdout.splitlines() if not line.startswith("$ ")]
    assert normalise("\n".join(printed)) == normalise(shown)
    (demo,) = (tmp_path / "tmp").iterdir()
    assert list((demo / "coco" / "annotations").glob("instances_*.json"))
    assert "<img" in (demo / "preview" / "index.html").read_text()


def headings(page: str) -> List[str]:
    """The headings of ``page`` outside its code blocks, as GitHub makes their anchors."""
    anchors, in_code = [], False
    for line in page.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,6} ", line):
            title = line.lstrip("#").strip().lower()
            anchors.append(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def links(page: str) -> Iterator[str]:
    """The targets of the relative links and images of ``page``: ``path``, ``path#anchor`` or
    ``#anchor``."""
    for target in re.findall(r"\]\(([^)\s]+)\)", page):
        if not re.match(r"[a-z]+:", target):
            yield target


@pytest.mark.parametrize("name", list(PAGES))
def test_every_link_between_the_pages_leads_somewhere(name):
    here = (REPO_DIR / name).parent
    for target in links(PAGES[name]):
        path, _, anchor = target.partition("#")
        file = (here / path).resolve() if path else REPO_DIR / name
        assert file.exists(), f"{name}: the link {target} leads to no file"
        if anchor:
            text = PAGES.get(file.relative_to(REPO_DIR).as_posix(), "")
            assert anchor in headings(text), f"{name}: the link {target} leads to no heading"


def test_readme_links_every_page_of_docs_from_its_contents():
    contents = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    assert {page for page in PAGES if page.startswith("docs/")} == {
        f"docs/{Path(target).name}" for target in links(contents) if target.startswith("docs/")
    }


def test_each_page_of_docs_leads_back_to_readme_and_on_to_the_next():
    """Each docs page opens with ``[README](../README.md) · next: [...](page.md)``, in the order of
    README's contents, the last with README alone: a page added to the contents joins the chain."""
    contents = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    order = [Path(target).name for target in links(contents) if target.startswith("docs/")]
    for page, following in zip(order, order[1:] + [None]):
        first_line = PAGES[f"docs/{page}"].split("\n", 1)[0]
        expected = ["../README.md"] + ([following] if following else [])
        assert list(links(first_line)) == expected, f"docs/{page}: {first_line}"


def shell_commands(block: str) -> Iterator[List[str]]:
    """Each simple command of a shell block (a ``console`` block: its ``$`` lines), as words,
    with leading ``NAME=value`` assignments left out."""
    lines = block.splitlines()
    if any(line.startswith("$ ") for line in lines):
        lines = [line[2:] for line in lines if line.startswith("$ ")]
    for line in lines:
        words: List[str] = []
        for word in shlex.split(line, comments=True) + ["&&"]:
            if word in ("&&", "||", ";", "|"):
                while words and re.match(r"^\w+=", words[0]):
                    words.pop(0)
                if words:
                    yield words
                words = []
            else:
                words.append(word)


def expand_braces(word: str) -> List[str]:
    """``a/{b,c}.py`` as the shell expands it: ``['a/b.py', 'a/c.py']`` (one pair of braces)."""
    match = re.search(r"\{([^}]*)\}", word)
    if match is None:
        return [word]
    return [word[: match.start()] + one + word[match.end() :] for one in match[1].split(",")]


def repo_path(word: str) -> Path:
    """The checkout path a command names, ``path/to/this/repo/`` taken off."""
    return REPO_DIR / word.replace("path/to/this/repo/", "")


@pytest.mark.parametrize(
    "page, block", blocks_of_every_page(*SHELL_LANGUAGES), ids=lambda value: value.split("\n")[0]
)
def test_every_shell_command_names_what_there_is(page, block):
    """Each ``sly-bindings`` and ``src/main.py`` command of every shell block parses with the
    parsers the commands use (in this process: argparse, no work done), and each script,
    module and checkout file it names exists."""
    from main import parse_args
    from sly_bindings.cli.main import build_parser

    for words in shell_commands(block):
        program, arguments = words[0], words[1:]
        if program == ".venv/bin/sly-bindings":
            build_parser(arguments).parse_args(arguments)
        elif program == ".venv/bin/python" and arguments[:1] == ["-m"]:
            module = arguments[1]
            assert module in ("pytest", "black") or (REPO_DIR / "tests" / module).is_dir()
        elif program == ".venv/bin/python":
            assert repo_path(arguments[0]).is_file(), f"{page}: no {arguments[0]}"
            if arguments[0] == "src/main.py":
                parse_args(arguments[1:])
        elif program == "cp":
            for word in arguments[:-1]:
                for path in expand_braces(word):
                    assert repo_path(path).exists(), f"{page}: {word} names no file"
        elif program.startswith("./"):
            assert (REPO_DIR / program).is_file(), f"{page}: no {program}"
