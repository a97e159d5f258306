"""``sly-bindings`` answers at once: ``--help`` (every command), ``--version`` and every usage
error end before ``supervisely`` is imported; Ctrl+C while the SDK loads is one line, exit 130.

Each case runs in a new process (what is imported is the point), through the console script's
own entry point, and reports whether ``supervisely`` was imported when it ended."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sly_bindings
from sly_bindings.cli.main import COMMANDS

SOURCE = Path(sly_bindings.__file__).resolve().parent.parent

# Runs the entry point with the given argv and prints, last, what it ended with.
PROBE = textwrap.dedent("""
    import json, sys
    from sly_bindings.cli.main import entry_point
    sys.argv = ["sly-bindings", *json.loads(sys.argv[1])]
    try:
        entry_point()
    except SystemExit as end:
        code = end.code
    print(json.dumps({"exit": code, "sdk": "supervisely" in sys.modules}), file=sys.stderr)
    """)


def probe(args: list) -> tuple[int, bool, str, str]:
    """(exit code, whether supervisely was imported, stdout, stderr without the probe's line)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    *err, last = result.stderr.splitlines()
    ended = json.loads(last)
    return ended["exit"], ended["sdk"], result.stdout, "\n".join(err)


CASES = [
    (["--help"], 0, "usage: sly-bindings"),
    (["--version"], 0, "sly-bindings "),
    *[([command.name, "--help"], 0, f"usage: sly-bindings {command.name}") for command in COMMANDS],
    (["nosuch"], 2, "error: argument {"),
    (
        ["report"],
        2,
        "error: one of the arguments DIR --project-id --dataset-id --local is required",
    ),
    (["validate", "--local"], 2, "error: argument --local: expected one argument"),
    (["discard", "--local", "x", "--bogus"], 2, "error: unrecognized arguments: --bogus"),
    (
        ["auto-bind", "--local", "x", "--max-gap", "nan"],
        2,
        "error: --max-gap nan: give a number of pixels from 0 to",
    ),
    (["auto-bind", "--local", "x"], 2, "error: one of the arguments --max-gap --parents"),
    (["convert", "nosuch", "coco", "a", "b"], 2, "error: argument FROM: unknown format 'nosuch'"),
    (["convert", "cvat", "yolo", "a", "b", "--images", "a"], 2, "error: --images is read with"),
    (["convert", "coco", "yolo", "a"], 2, "error: the following arguments are required: OUT"),
    (["convert", "coco", "yolo", "a", "b", "--bogus"], 2, "error: unrecognized arguments"),
    # A path that is not there needs no SDK either.
    (["report", "/nonexistent/dir"], 2, "error: /nonexistent/dir does not exist: pass a"),
    (["discard", "--local", "/nonexistent/dir"], 2, "error: /nonexistent/dir does not exist"),
    (["convert", "coco", "yolo", "/nonexistent/in", "b"], 2, "error: IN /nonexistent/in does not"),
]


@pytest.mark.parametrize(
    "args, exit_code, expected", CASES, ids=[" ".join(case[0]) for case in CASES]
)
def test_answers_before_the_sdk_is_imported(args, exit_code, expected):
    code, sdk, out, err = probe(args)
    assert code == exit_code, err
    assert expected in (out if exit_code == 0 else err)
    if exit_code:
        assert out == "" and err.count("\n") == 0  # one line
    assert not sdk, "supervisely was imported"


def test_help_lists_every_command_of_the_table():
    code, sdk, out, _ = probe(["--help"])
    assert code == 0 and not sdk
    for command in COMMANDS:
        assert command.name in out and command.help.split()[0] in out


def test_a_run_imports_the_sdk(tmp_path):
    """The probe can see an import: a command with work to do loads the SDK."""
    code, sdk, _, err = probe(["report", "--local", str(tmp_path)])
    assert code == 2 and sdk, err


DRIVER = textwrap.dedent("""
    import sys
    class HoldSdk:
        def find_spec(self, name, path=None, target=None):
            if name == "supervisely":
                print("READY", flush=True)
                sys.stdin.readline()  # blocks until the test signals
            return None
    sys.meta_path.insert(0, HoldSdk())
    sys.argv = ["sly-bindings", "report", sys.argv[1]]
    from sly_bindings.cli.main import entry_point
    entry_point()
    """)


def test_ctrl_c_while_the_sdk_loads_is_one_line_and_exit_130(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "READY"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "interrupted while loading the SDK: nothing was done\n"


# Loads a command's module as the entry point does, and prints the cyclic collections run
# while it loaded, the objects then frozen, and whether the collector is on afterwards.
LOAD_PROBE = textwrap.dedent("""
    import gc, json, sys
    from sly_bindings.cli.main import BY_NAME, load_work
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(info["generation"]))
    load_work(BY_NAME[sys.argv[1]])
    print(json.dumps({"collections": len(collections), "frozen": gc.get_freeze_count(),
                      "enabled": gc.isenabled(), "sdk": "supervisely" in sys.modules}))
    """)


@pytest.mark.parametrize("name", ["convert", "discard"])
def test_the_sdk_is_imported_without_collections_and_frozen(name):
    result = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE, name],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SOURCE)},  # this checkout's package
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])

    assert found["sdk"] and found["enabled"]
    assert found["collections"] == 0  # the import made ~1 million objects: none walked
    assert found["frozen"] > 100_000  # and none walked by a later collection either
