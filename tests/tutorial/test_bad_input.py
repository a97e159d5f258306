"""What a user gets wrong, met where they meet it: src/main.py on the command line.

Each case must end in one line on stderr that names the problem and the fix, exit code 2, no
traceback, and nothing written. (A rejected token, an unknown workspace and a server that is
not listening are in test_main_server.py, against the test server.)
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from commands import main_in_process, sly_bindings_in_process
from sly_bindings.formats.registry import listing

REPO_DIR = Path(__file__).resolve().parents[2]
DEMO_MASK = REPO_DIR / "images" / "car_masks" / "car_01.png"
DEMO_IMAGE = str(REPO_DIR / "images" / "image.jpg")
# Two good masks, for the cases about the image (one mask alone adds a warning line).
TWO_MASKS = ["--masks", str(DEMO_MASK), str(DEMO_MASK.with_name("car_02.png"))]
SERVER = {"SERVER_ADDRESS": "http://127.0.0.1:9", "API_TOKEN": "t0ken"}


def write_inputs(folder: Path) -> dict:
    """Bad files of every kind in ``folder``, by the names the cases use."""
    mask = cv2.imread(str(DEMO_MASK), cv2.IMREAD_GRAYSCALE)
    paths = {
        name: folder / file_name
        for name, file_name in [
            ("corrupt", "corrupt.jpg"),
            ("truncated", "truncated.jpg"),
            ("small", "small.png"),
            ("empty", "empty.png"),
            ("jpeg_mask", "jpeg_mask.jpg"),
            ("rgba", "rgba.png"),
            ("sixteen_bit", "sixteen_bit.png"),
            ("a_file", "a_file"),
            ("fifo_image", "fifo.jpg"),
            ("fifo_mask", "fifo.png"),
            ("huge_image", "huge.png"),
            ("huge_mask", "huge_mask.png"),
        ]
    }
    os.mkfifo(paths["fifo_image"])
    os.mkfifo(paths["fifo_mask"])
    png_header_only(paths["huge_image"], 40000, 30000)
    png_header_only(paths["huge_mask"], 30000, 30000)
    demo_image = (REPO_DIR / "images" / "image.jpg").read_bytes()
    paths["corrupt"].write_bytes(demo_image[:400])
    paths["truncated"].write_bytes(demo_image[: len(demo_image) // 2])
    cv2.imwrite(str(paths["small"]), mask[:100, :100])
    cv2.imwrite(str(paths["empty"]), np.zeros_like(mask))
    cv2.imwrite(str(paths["jpeg_mask"]), mask, [cv2.IMWRITE_JPEG_QUALITY, 60])
    cv2.imwrite(str(paths["rgba"]), np.dstack([mask] * 4))
    cv2.imwrite(str(paths["sixteen_bit"]), (mask > 0).astype(np.uint16) * 65535)
    paths["a_file"].write_text("")
    return {name: str(path) for name, path in paths.items()}


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header says ``width`` x ``height`` and which holds no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


CASES = [
    # (case, command-line arguments, environment, the line's text after "error: ")
    ("API_TOKEN missing", [], {"SERVER_ADDRESS": "https://sly.example.com"},
     "SERVER_ADDRESS is set (in the environment) but API_TOKEN is not: add API_TOKEN to "
     "~/supervisely.env, or pass --local DIR to use a local project instead"),
    ("SERVER_ADDRESS missing", [], {"API_TOKEN": "t0ken"},
     "API_TOKEN is set (in the environment) but SERVER_ADDRESS is not: add SERVER_ADDRESS to "
     "~/supervisely.env, or pass --local DIR to use a local project instead"),
    ("WORKSPACE_ID not a number", [], {**SERVER, "WORKSPACE_ID": "my workspace"},
     "WORKSPACE_ID='my workspace' (in the environment) is not a number: copy the workspace ID "
     "from the workspace's context menu in Supervisely"),
    ("SERVER_ADDRESS malformed", [], {**SERVER, "SERVER_ADDRESS": "http://sly example.com"},
     "SERVER_ADDRESS='http://sly example.com' is not a server address: use the form "
     "https://app.supervisely.com or http://host:port"),
    ("image missing", ["--image", "nowhere.jpg", *TWO_MASKS], {},
     "image nowhere.jpg does not exist: check the path"),
    ("image corrupt", ["--image", "{corrupt}", *TWO_MASKS], {},
     "image {corrupt}: its size cannot be read from its header (corrupt or truncated, or not a "
     "PNG, JPEG, BMP, WebP or TIFF whatever its name says), so it is not decoded: export it "
     "again as PNG or JPEG"),
    ("image cut short", ["--image", "{truncated}", *TWO_MASKS], {},
     "image {truncated} is truncated (its JPEG data ends early): copy it again"),
    ("mask missing", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "nowhere.png"], {},
     "mask nowhere.png does not exist: check the path"),
    ("mask of another size", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{small}"], {},
     "mask {small} is 100x100 but the image is 1280x720: masks must have the image's size"),
    ("empty mask", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{empty}"], {},
     "mask {empty} is empty (no pixel set): remove it or redraw it"),
    ("JPEG-compressed mask", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{jpeg_mask}"], {},
     "mask {jpeg_mask} has * distinct values, not only 0/1 or 0/255: save masks losslessly "
     "(PNG, not JPEG) with one value for the object"),
    ("4-channel mask", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{rgba}"], {},
     "mask {rgba} has shape (720, 1280, 4): a mask must be 2-D or have 3 identical "
     "channels (save it without an alpha channel)"),
    ("16-bit mask", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{sixteen_bit}"], {},
     "mask {sixteen_bit} has 16-bit pixels: save masks as 8-bit PNG"),
    ("a folder of masks", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), str(DEMO_MASK.parent)], {},
     f"mask {DEMO_MASK.parent} is a folder: pass one file per mask, e.g. "
     f"{DEMO_MASK.parent}/*.png"),
    ("a folder as the image", ["--image", str(DEMO_MASK.parent), *TWO_MASKS], {},
     f"image {DEMO_MASK.parent} is a folder: pass one image file"),
    ("a FIFO as the image", ["--image", "{fifo_image}", *TWO_MASKS], {},
     "image {fifo_image} is not a regular file (a FIFO, socket or device): pass one image file"),
    ("a FIFO as a mask", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{fifo_mask}"], {},
     "mask {fifo_mask} is not a regular file (a FIFO, socket or device): pass a mask saved as "
     "an image file"),
    ("an image header over 2^30 pixels", ["--image", "{huge_image}", *TWO_MASKS], {},
     "image {huge_image}: its header gives 40000x30000 pixels, over the 2^30 that OpenCV "
     "decodes: give a smaller image (or a tile of it)"),
    ("a 30000x30000 mask header", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), "{huge_mask}"], {},
     "mask {huge_mask} is 30000x30000 but the image is 1280x720: masks must have the image's "
     "size"),
    ("a token with a newline", [], {**SERVER, "API_TOKEN": "t0k\nen"},
     "API_TOKEN (in the environment) contains a newline: copy the token again, on one line and "
     "without quotes split over lines"),
    ("a read timeout of nothing", [], {**SERVER, "SLY_READ_TIMEOUT_SEC": "0"},
     "SLY_READ_TIMEOUT_SEC='0' must be a number of seconds above 0: fix or unset it"),
    ("--local is a file", ["--local", "{a_file}"], {},
     "--local {a_file} is a file: give a folder to write the project into"),
    ("--local inside a file", ["--local", "{a_file}/projects"], {},
     "--local {a_file}/projects is inside the file {a_file}: give a folder to write the project "
     "into"),
    ("--local not writable", ["--local", "/proc"], {},
     "cannot write into /proc (*): pass --local with a folder you can write"),
    ("--masks with no path", ["--masks"], {},
     "argument --masks: expected at least one argument (see main.py --help)"),
    ("--image without --masks", ["--image", str(DEMO_MASK)], {},
     "--image and --masks go together: your image and the masks of its parts (see main.py --help)"),
    ("--masks without --image", ["--masks", str(DEMO_MASK)], {},
     "--image and --masks go together: your image and the masks of its parts (see main.py --help)"),
    ("a mask named twice", ["--image", DEMO_IMAGE, "--masks", str(DEMO_MASK), str(DEMO_MASK)], {},
     f"--masks names {DEMO_MASK} twice: give each part's mask once (see main.py --help)"),
    ("an empty class name", ["--class-name", " "], {},
     "--class-name needs a name that is not empty (see main.py --help)"),
    ("a project name that climbs", ["--project-name", ".."], {},
     "--project-name '..' is not a plain folder name: use one without '/' or '\\', not '.' or "
     "'..' (see main.py --help)"),
    ("a project name with a slash", ["--project-name", "a/b"], {},
     "--project-name 'a/b' is not a plain folder name: use one without '/' or '\\', not '.' or "
     "'..' (see main.py --help)"),
    ("an empty project name", ["--project-name", ""], {},
     "--project-name '' is not a plain folder name: use one without '/' or '\\', not '.' or "
     "'..' (see main.py --help)"),
    ("a project name too long", ["--project-name", "y" * 300], {},
     f"--project-name '{'y' * 300}' is longer than 200 bytes: choose a shorter name "
     "(see main.py --help)"),
    ("a preview that is no picture", ["--preview", "{a_file}.txt"], {},
     "--preview {a_file}.txt needs the extension .png, .jpg, .jpeg, e.g. bindings_preview.png "
     "(see main.py --help)"),
    ("a preview inside a file", ["--preview", "{a_file}/p.png"], {},
     "--preview {a_file}/p.png is inside the file {a_file}: give a path in a folder "
     "(see main.py --help)"),
    ("a preview where nothing can be written", ["--preview", "/proc/p.png"], {},
     "--preview /proc/p.png cannot be written in /proc (*) (see main.py --help)"),
    ("a misspelt option", ["--imgae", "photo.jpg"], {},
     "unrecognized arguments: --imgae photo.jpg (see main.py --help)"),
]  # fmt: skip


@pytest.mark.parametrize(
    "arguments, environment, expected", [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_ends_in_one_line_with_the_fix(
    tmp_path, arguments, environment, expected, monkeypatch, capsys
):
    """In this process, as the script runs main (``run_tutorial``): its exit code and its lines."""
    inputs = write_inputs(tmp_path)
    arguments = [argument.format(**inputs) for argument in arguments]
    if "--local" not in arguments and not environment:
        arguments += ["--local", str(tmp_path / "out")]
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    code = main_in_process(*arguments)

    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.count("\n") == 1, stderr
    pattern = "error: " + expected.format(**inputs)
    assert fnmatch_line(stderr.strip(), pattern), stderr
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written


def test_bad_input_in_a_process_is_one_line_and_exit_code_2(tmp_path):
    """The same, once as a user meets it: the script in a process of its own."""
    result = subprocess.run(
        [sys.executable, str(REPO_DIR / "src" / "main.py"), "--imgae", "photo.jpg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert (
        result.stderr == "error: unrecognized arguments: --imgae photo.jpg (see main.py --help)\n"
    )


def fnmatch_line(line: str, pattern: str) -> bool:
    """``line`` equals ``pattern`` where ``*`` stands for any text (and nothing else is special)."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), line) is not None


def test_missing_workspace_id_in_server_mode(tmp_path, monkeypatch, capsys):
    """A clone whose local.env lost WORKSPACE_ID."""
    import main as tutorial

    (tmp_path / "local.env").write_text("# WORKSPACE_ID=619\n")
    monkeypatch.setattr(tutorial, "LOCAL_ENV", tmp_path / "local.env")
    for name, value in SERVER.items():
        monkeypatch.setenv(name, value)

    assert main_in_process() == 2
    assert capsys.readouterr().err == (
        "error: WORKSPACE_ID is not set: put WORKSPACE_ID=<id> in local.env (the ID is in the "
        "workspace's context menu), or pass --local DIR to write a local project instead\n"
    )


@pytest.mark.parametrize(
    "command, expected",
    [
        (["-m", "sly_bindings"], "the following arguments are required: "
         "{report,discard,auto-bind,validate,convert,preview} (see sly-bindings --help)"),
        (["-m", "sly_bindings", "discard", "x", "--max-gap", "3"],
         "unrecognized arguments: --max-gap 3 (see sly-bindings discard --help)"),
        # A mistyped option is named even when it leaves an argument missing, and the line
        # points at the --help that lists the command's options.
        (["-m", "sly_bindings", "report", "--bogus"],
         "unrecognized arguments: --bogus; one of the arguments DIR --project-id --dataset-id "
         "--local is required (see sly-bindings report --help)"),
        (["-m", "sly_bindings", "auto-bind", "x", "--max-gapp", "3"],
         "unrecognized arguments: --max-gapp; one of the arguments --max-gap --parents is "
         "required (see sly-bindings auto-bind --help)"),
        (["-m", "sly_bindings", "convert", "coco", "sly", "a", "--bogus"],
         "unrecognized arguments: --bogus; the following arguments are required: OUT "
         "(see sly-bindings convert --help)"),
        (["-m", "sly_bindings", "--bogus"],
         "unrecognized arguments: --bogus; the following arguments are required: "
         "{report,discard,auto-bind,validate,convert,preview} (see sly-bindings --help)"),
        (["-m", "sly_bindings", "preview", "--limti", "in", "out"],
         "unrecognized arguments: --limti (see sly-bindings preview --help)"),
        # Abbreviations argparse accepts are not called unknown.
        (["-m", "sly_bindings", "report", "--proj", "7", "--bogus"],
         "unrecognized arguments: --bogus (see sly-bindings report --help)"),
        (["-m", "sly_bindings", "convert", "coco", "json", "in", "out"],
         f"argument TO: unknown format 'json': use one of {listing()} "
         "(see sly-bindings convert --help)"),
        (["-m", "sly_bindings", "validate"],
         "one of the arguments DIR --project-id --dataset-id --local is required "
         "(see sly-bindings validate --help)"),
    ],
)  # fmt: skip
def test_every_command_names_a_usage_error_in_one_line(command, expected, capsys):
    code = sly_bindings_in_process(*command[2:])
    assert (code, *capsys.readouterr()) == (2, "", f"error: {expected}\n")


def test_one_mask_warns_once_after_the_inputs_are_read(tmp_path, capsys):
    """A group of one label binds nothing: the run goes on, with one warning line."""
    code = main_in_process(
        "--image", DEMO_IMAGE, "--masks", DEMO_MASK, "--local", tmp_path, "--only-part-1"
    )
    stderr = capsys.readouterr().err
    assert code == 0, stderr
    assert stderr == (
        "warning: one mask makes a group of one label, which binds nothing: pass the mask of "
        "every part of the object\n"
    )
    assert (tmp_path / "tutorial-bindings" / "dataset-01" / "ann" / "image.jpg.json").is_file()
