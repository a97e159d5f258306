"""Every command over a project shows a progress bar with the count and the time left when stderr
is a terminal, by one rule (``formats.progress``): none in a pipe, none for a few images.

In-process with a stderr that says it is a terminal, for every command; once in a process whose
stderr is a real terminal (a pty), as a user sees it."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import supervisely as sly

import sly_bindings.formats.progress
from bound_projects import META, SIZE, annotations, write_local_project
from commands import sly_bindings_in_process


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, and keeps what is written to it."""

    def isatty(self) -> bool:
        return True


# (command line after the project, what names the bar): every command that reads a project.
COMMANDS = [
    (["report"], "ds0"),
    (["report", "--groups"], "ds0"),
    (["validate"], "ds0"),
    (["discard", "--dry-run"], "ds0"),
    (["discard", "--classes", "car"], "ds0"),
    (["auto-bind", "--max-gap", "2"], "ds0"),
    (["auto-bind", "--parents", "person", "--children", "car", "--dry-run"], "ds0"),
    (["preview", "{out}"], "preview"),
    (["convert-to", "coco"], "COCO"),
    (["convert-to", "labelme"], "LabelMe"),
]


def command_line(words, project, out):
    """``sly-bindings`` arguments for ``words`` on ``project`` (convert-to F: convert to F)."""
    if words[0] == "convert-to":
        return ["convert", "supervisely", words[1], project, out]
    return [words[0], project, *[word.replace("{out}", str(out)) for word in words[1:]]]


def run_on_a_terminal(monkeypatch, capsys, tmp_path, words, terminal: bool) -> str:
    project = write_local_project(tmp_path / "project", datasets=["ds0"])  # 4 images
    stderr = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    code = sly_bindings_in_process(*command_line(words, project, tmp_path / "out"))
    assert code in (0, 1), capsys.readouterr()  # validate finds problems: 1
    return stderr.getvalue()


@pytest.mark.parametrize("words, name", COMMANDS, ids=lambda value: " ".join(value))
def test_a_bar_with_the_count_and_the_time_left_on_a_terminal(
    words, name, monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(sly_bindings.formats.progress, "FEW", 2)  # 4 images are more
    shown = run_on_a_terminal(monkeypatch, capsys, tmp_path, words, terminal=True)
    # tqdm's bar: the name, the count out of 4 and [elapsed<left]
    assert re.search(rf"{name}:\s+\d+%\|[^|]*\| \d/4 \[\d\d:\d\d<(\?|\d\d:\d\d)", shown), shown


def no_bar(stderr: str) -> bool:
    """No tqdm bar in ``stderr`` (its rate, ``image/s``, is on every bar it draws)."""
    return "image/s" not in stderr


@pytest.mark.parametrize("words, name", COMMANDS[:1] + COMMANDS[-3:-1])
def test_no_bar_in_a_pipe_nor_for_a_few_images(words, name, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sly_bindings.formats.progress, "FEW", 2)
    assert no_bar(run_on_a_terminal(monkeypatch, capsys, tmp_path, words, terminal=False))
    monkeypatch.setattr(sly_bindings.formats.progress, "FEW", 10)  # the default: 4 are a few
    assert no_bar(run_on_a_terminal(monkeypatch, capsys, tmp_path / "few", words, terminal=True))


def test_a_real_terminal_shows_the_bar(tmp_path):
    """``report`` in a process whose stderr is a pty: the bar of a dataset of 12 images."""
    import fcntl
    import pty
    import struct
    import termios

    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(META)
    dataset = project.create_dataset("ds0")
    for copy in range(3):  # 12 images: more than formats.progress.FEW
        for name, ann in annotations().items():
            dataset.add_item_np(f"{copy}-{name}", np.zeros(SIZE + (3,), np.uint8), ann=ann)
    leader, follower = pty.openpty()
    # 24 rows of 100 columns: a new pty has 0, and tqdm draws a bar as wide as the terminal.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.run(
        [sys.executable, "-m", "sly_bindings", "report", str(tmp_path / "project")],
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=120,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal is closed and read
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.returncode == 0
    assert re.search(r"ds0:\s+\d+%\|[^|]*\| \d+/12 \[\d\d:\d\d<", shown.decode()), shown
