"""Issue 22, "smaller, same spirit", by kind: names with LF, CR or ESC are printed escaped at every
place a line is made (A), a closed standard output is never a silent success (B), and the
password in SERVER_ADDRESS is found and blanked whatever the address looks like (C).

The server halves of C and of "nothing is called saved" (E) are tables of
tests/hostile_server.py, run by tests/cli/test_server_trust.py.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bound_projects import write_local_project
from commands import MAIN, main_captured, sly_bindings_captured, sly_bindings_in_process
from sly_bindings.cli import warning_totals
from sly_bindings.cli.printable import printable
from sly_bindings.cli.runner import QuietSdkWarnings, UserError, redact, secret_values
from sly_bindings.cli.settings import checked_address
from sly_bindings.project.operations import progress_bars
from sly_bindings.server.guard import address_password, shown_address

NAMES = {
    "line feed": "car\nds0    9 images",
    "carriage return": "car\rX",
    "escape": "\x1b[31mcar\x1b[0m",
    "NEL": "car\x85x",
    "line separator": "car\u2028x",
    # invisible format characters (were printed raw): a row shown reversed, names alike
    "right-to-left override": "car\u202eds0    9 images",
    "zero-width space": "car\u200bx",
}


def all_printable(text: str) -> bool:
    return all(line.isprintable() for line in text.split("\n"))


# --- A: names printed escaped ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_tutorial_prints_paths_and_names_escaped(name, tmp_path):
    """main.py's own lines (Target:, Local project written:, the preview, the saved
    annotation) around an image, masks and a folder whose names hold the character."""
    text = NAMES[name]
    folder = tmp_path / f"in {text}"
    folder.mkdir()
    image = folder / f"photo {text}.jpg"
    image.write_bytes((MAIN.parent.parent / "images" / "image.jpg").read_bytes())
    masks = []
    for number in (1, 2):
        mask = folder / f"part {number} {text}.png"
        mask.write_bytes(
            (MAIN.parent.parent / "images" / "car_masks" / f"car_0{number}.png").read_bytes()
        )
        masks.append(mask)
    local = tmp_path / f"out {text}"

    result = main_captured(
        "--local", local, "--image", image, "--masks", *masks, "--class-name", f"car {text}"
    )

    assert result.returncode == 0, result.stderr
    assert all_printable(result.stdout + result.stderr), result.stdout
    assert printable(local) in result.stdout
    assert any((local / "tutorial-bindings").rglob("*.json"))  # what it printed, it wrote


@pytest.mark.parametrize("name", NAMES)
def test_usage_errors_show_what_was_typed_escaped(name):
    """argparse's lines and the commands' own checks go through runner.usage_error."""
    text = NAMES[name]
    for result in (
        sly_bindings_captured("report", "x", f"--bogus{text}"),
        sly_bindings_captured("convert", f"no-such-format{text}", "coco", "a", "b"),
        main_captured("--image", f"a{text}.jpg", "--masks", f"m{text}.png", f"m{text}.png"),
    ):
        assert result.returncode == 2
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert all_printable(result.stderr), result.stderr


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("count", [1, 5], ids=["shown as they are", "totalled"])
def test_warning_lines_are_escaped_where_they_are_made(name, count):
    """Collector.terminal_lines makes every warning line of every command."""
    totals = warning_totals.Collector()
    for number in range(count):
        totals.add(f"{NAMES[name]}/a{number}.json: shapes[0] (road): shape_type 'line' skipped")

    lines = totals.terminal_lines()

    assert lines and all(line.isprintable() for line in lines), lines
    assert printable(NAMES[name]) in lines[0]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("name", NAMES)
def test_progress_bars_name_datasets_escaped(name, monkeypatch):
    """A bar on a terminal (tqdm writes CR, and nothing else, to redraw it)."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bars() as new_bar:  # the bars of every command over a project's datasets
        new_bar(NAMES[name], 100)(50)

    drawn = terminal.getvalue().replace("\r", "")
    assert printable(NAMES[name]) in drawn and drawn.isprintable(), repr(drawn)


@pytest.mark.parametrize("name", ["line feed", "carriage return", "escape"])
@pytest.mark.parametrize("target", ["labelme", "yolo", "coco", "labelstudio"])
def test_convert_warnings_name_datasets_and_classes_escaped(name, target, tmp_path):
    """A dataset named with the character: the writers' warnings (groups in parts, classes
    mixed) name its files."""
    project = write_local_project(tmp_path / "in", datasets=[f"ds {NAMES[name]}"])

    result = sly_bindings_captured("convert", "supervisely", target, project, tmp_path / "out")

    assert result.returncode == 0, result.stderr
    assert all_printable(result.stdout + result.stderr), result.stderr


# --- B: a closed standard output -----------------------------------------------------------------

COMMANDS = [
    ["report", "{IN}"],
    ["validate", "{IN}"],
    ["discard", "{IN}", "--dry-run"],
    ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"],
    ["preview", "{IN}", "{OUT}"],
    ["convert", "supervisely", "coco", "{IN}", "{OUT}"],
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_local_project(tmp_path_factory.mktemp("closed") / "in", datasets=["ds0"])


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["plain", "--json"])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: argv[0])
def test_a_closed_stdout_is_one_line_and_exit_2_before_anything_is_done(
    argv, json_flag, project, tmp_path, monkeypatch, capsys
):
    """``>&-``: Python sets sys.stdout to None, and print writes nothing, without a word."""
    if argv[0] == "preview" and json_flag:
        pytest.skip("preview has no --json")
    out = tmp_path / "out"
    args = [arg.replace("{IN}", str(project)).replace("{OUT}", str(out)) for arg in argv]
    monkeypatch.setattr(sys, "stdout", None)

    code = sly_bindings_in_process(*args, *json_flag)

    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: the standard output is closed") and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "sly_bindings", "report", "{IN}", "--json"],
        [sys.executable, "-m", "sly_bindings", "report", "{IN}"],
        [sys.executable, str(MAIN), "--local", "{OUT}"],
    ],
    ids=["report --json", "report", "main.py"],
)
@pytest.mark.parametrize("how", ["closed", "read-only"])
def test_a_really_closed_stdout_is_not_done(command, how, project, tmp_path):
    """``>&-`` (closed) and ``1</dev/null`` (open for reading only)."""
    args = [arg.replace("{IN}", str(project)).replace("{OUT}", str(tmp_path)) for arg in command]
    env = {k: v for k, v in os.environ.items() if k not in ("SERVER_ADDRESS", "API_TOKEN")}
    with open(os.devnull) as read_only:
        result = subprocess.run(
            args,
            stdout=subprocess.PIPE if how == "closed" else read_only,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=(lambda: os.close(1)) if how == "closed" else None,
            timeout=300,
            env=env,
        )

    assert result.returncode == 2
    assert result.stderr.startswith("error: the standard output is closed"), result.stderr
    assert result.stderr.count("\n") == 1


def test_a_reader_that_goes_away_is_one_line_not_success(project):
    """``| head -0``: EPIPE is said on stderr, exit 141 (a shell's code for SIGPIPE)."""
    reader = "import os, sys, time; os.close(0); time.sleep(20)"
    with subprocess.Popen([sys.executable, "-c", reader], stdin=subprocess.PIPE) as gone:
        result = subprocess.run(
            [sys.executable, "-m", "sly_bindings", "report", str(project), "--json"],
            stdout=gone.stdin,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
        gone.kill()

    assert result.returncode == 141
    assert result.stderr == "error: the output was closed early (a pipe): the run stopped there\n"


# --- C: the password in SERVER_ADDRESS -----------------------------------------------------------

ADDRESSES = {
    "long": ("https://me:pa55-word-0123@app.example.com", "pa55-word-0123"),
    "short": ("https://me:pw5@app.example.com", "pw5"),
    "percent-encoded": ("https://me:pa55%40word%3A0123@app.example.com", "pa55%40word%3A0123"),
    "with a colon": ("https://me:pa:55-word-0123@app.example.com/", "pa:55-word-0123"),
    "no scheme": ("me:pa55-word-0123@app.example.com", "pa55-word-0123"),
    "an open bracket": ("http://me:pa55-word-0123@[::1", "pa55-word-0123"),
    "a bad port": ("http://me:pa55-word-0123@host:99999", "pa55-word-0123"),
    # typed as it is, a / ? or # ends the user part for a URL parser (was: shown whole)
    "with a slash": ("http://me:pa55/word-0123@127.0.0.1:9", "pa55/word-0123"),
    "with a hash": ("http://me:pa55#word-0123@127.0.0.1:9", "pa55#word-0123"),
    "with a question mark": ("http://me:pa55?word-0123@127.0.0.1:9", "pa55?word-0123"),
    "digits then a slash": ("http://me:1234/word-0123@127.0.0.1:9", "1234/word-0123"),
    "an @ too": ("http://me:pa55@word-0123@127.0.0.1:9", "pa55@word-0123"),
    "a backslash": ("http://me:pa55\\word-0123@127.0.0.1:9", "pa55\\word-0123"),
    "outside Latin-1": ("http://me:пароль-0123@127.0.0.1:9", "пароль-0123"),
}


@pytest.mark.parametrize("name", ADDRESSES)
def test_the_password_is_found_and_blanked_in_any_address(name, monkeypatch):
    address, password = ADDRESSES[name]
    monkeypatch.setenv("SERVER_ADDRESS", address)
    monkeypatch.delenv("API_TOKEN", raising=False)

    assert address_password(address) == password
    assert password not in shown_address(address) and ":***@" in shown_address(address)
    assert password in secret_values()
    assert password not in redact(f"retrying {address}/public/api/v3/projects.info")


REFUSED_ADDRESSES = {
    "no scheme": "not a server address",
    "an open bracket": "not a server address",
    "a bad port": "not a server address",
    "with a slash": "not a server address",
    "with a hash": "not a server address",
    "with a question mark": "not a server address",
    # a URL to Python, not to urllib3 or requests (was: an unexpected RuntimeError, exit 1)
    "a backslash": "has a backslash",
    "outside Latin-1": "outside Latin-1, which HTTP Basic auth cannot send",
}


@pytest.mark.parametrize("name", REFUSED_ADDRESSES)
def test_an_address_that_is_not_one_is_refused_without_its_password(name, monkeypatch):
    address, password = ADDRESSES[name]
    if name == "no scheme":
        address = "ftp://" + address  # a scheme that is not http(s)
    with pytest.raises(UserError) as refused:
        checked_address(address)
    assert password not in str(refused.value) and ":***@" in str(refused.value)
    assert REFUSED_ADDRESSES[name] in str(refused.value)


@pytest.mark.parametrize(
    "address", ["http://me:pa%C3%9F-0123@h:9", "http://me:p%C3%A4ss@h", "http://h:9", "h.example"]
)
def test_an_address_requests_can_send_is_taken(address):
    assert checked_address(address).startswith("http")


@pytest.mark.parametrize("name", ADDRESSES)
def test_retry_notes_name_the_address_blanked(name, monkeypatch, capsys):
    """QuietSdkWarnings' note: the SDK's record holds the URL it requested, password and all."""
    address, password = ADDRESSES[name]
    monkeypatch.delenv("SERVER_ADDRESS", raising=False)  # blanked even unredacted
    record = logging.makeLogRecord(
        {
            "msg": "Retrying (1/5).",
            "method": "projects.info",
            "url": f"{address}/public/api/v3/projects.info",
            "details": "500 Server Error",
        }
    )

    assert QuietSdkWarnings().filter(record) is False

    note = capsys.readouterr().err
    assert note.startswith("note: ") and password not in note and ":***@" in note
