"""Hostile files given as an image, a mask, an annotation or a meta: refused with one message
that names the file, before anything is opened (non-regular files) or decoded (huge headers)."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import supervisely as sly
from PIL import Image

from bound_projects import write_local_project
from sly_bindings.files.images import (
    InvalidImageError,
    InvalidMaskError,
    image_header,
    read_image,
    read_image_size,
    read_mask,
)
from sly_bindings.files.project_folder import (
    ProjectFolderError,
    ProjectFolderWarning,
    annotations_without_image,
    open_project,
    read_json,
)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header says ``width`` x ``height`` and which holds no pixel data (a few
    dozen bytes): decoding it would allocate the header's size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def special_file(kind: str, path: Path) -> Path:
    """A FIFO, a folder or a socket at ``path``."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        import socket

        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    return path


# Non-regular files: each read would block (FIFO) or fail oddly; each is refused by stat alone.
NOT_REGULAR = [
    pytest.param("fifo", "not a regular file", id="FIFO"),
    pytest.param("socket", "not a regular file", id="socket"),
    pytest.param("folder", "folder", id="folder"),
]


@pytest.mark.parametrize("kind, words", NOT_REGULAR)
@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_a_non_regular_image_is_refused_without_opening_it(tmp_path, kind, words, suffix):
    path = special_file(kind, tmp_path / f"photo{suffix}")
    with pytest.raises(InvalidImageError, match=words) as refused:
        read_image_size(path)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("kind, words", NOT_REGULAR)
def test_a_non_regular_mask_is_refused_without_opening_it(tmp_path, kind, words):
    path = special_file(kind, tmp_path / "part.png")
    with pytest.raises(InvalidMaskError, match=words) as refused:
        read_mask(path, (4, 4))
    assert str(path) in str(refused.value)


@pytest.mark.parametrize("kind, words", NOT_REGULAR)
@pytest.mark.parametrize("name", ["meta.json", "a.png.json"])
def test_a_non_regular_json_file_is_refused_without_opening_it(tmp_path, kind, words, name):
    path = special_file(kind, tmp_path / name)
    with pytest.raises(ProjectFolderError, match=words) as refused:
        read_json(path)
    assert str(path) in str(refused.value)


# Headers that promise more pixels than OpenCV decodes (2^30): refused from the header alone.
HUGE_HEADERS = [
    pytest.param(32769, 32769, id="just over 2^30"),
    pytest.param(100000, 100000, id="10^10"),
    pytest.param(2**31 - 1, 2, id="very wide"),
    pytest.param(60000, 60000, id="over Pillow's own bomb limit"),
]


@pytest.mark.parametrize("width, height", HUGE_HEADERS)
def test_an_image_header_over_2_30_pixels_is_one_message_naming_the_file(tmp_path, width, height):
    path = png_header_only(tmp_path / "huge.png", width, height)
    with pytest.raises(InvalidImageError, match="over the 2\\^30") as refused:
        read_image(path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize("width, height", HUGE_HEADERS + [pytest.param(30000, 30000, id="30000")])
def test_a_mask_header_is_checked_against_the_image_before_decoding(tmp_path, width, height):
    path = png_header_only(tmp_path / "huge_mask.png", width, height)
    with pytest.raises(InvalidMaskError) as refused:
        read_mask(path, (64, 96))
    assert str(path) in str(refused.value)


def test_a_header_within_the_limit_passes_the_check(tmp_path):
    path = png_header_only(tmp_path / "fine.png", 32768, 32768)  # exactly 2^30
    assert image_header(path, "image fine.png") == (32768, 32768, 1)


# EXIF orientation: the size is the one sly.image.read gives (orientation applied).
EXIF_CASES = [
    pytest.param(1, (40, 60), id="1: as stored"),
    pytest.param(3, (40, 60), id="3: turned 180"),
    pytest.param(6, (60, 40), id="6: turned 90"),
    pytest.param(8, (60, 40), id="8: turned 270"),
    pytest.param(5, (60, 40), id="5: transposed"),
]


def jpeg_with_orientation(path: Path, orientation: int, size=(60, 40)) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", size, (200, 30, 30)).save(path, exif=exif.tobytes())
    return path


@pytest.mark.parametrize("orientation, size", EXIF_CASES)
def test_the_image_size_agrees_with_sly_image_read(tmp_path, orientation, size):
    path = jpeg_with_orientation(tmp_path / f"o{orientation}.jpg", orientation)
    assert read_image_size(path) == size
    assert sly.image.read(str(path)).shape[:2] == size


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_a_mask_drawn_at_the_stored_orientation_names_exif(tmp_path, orientation):
    image = jpeg_with_orientation(tmp_path / "photo.jpg", orientation)
    mask_path = tmp_path / "part.png"
    mask = np.zeros((40, 60), np.uint8)  # the stored 60x40, not the 40x60 shown
    mask[5:10, 5:10] = 255
    cv2.imwrite(str(mask_path), mask)
    with pytest.raises(InvalidMaskError, match="EXIF orientation") as refused:
        read_mask(mask_path, read_image_size(image))
    assert str(mask_path) in str(refused.value)


# JSON that Python's parser cannot take: each is one message naming the file.
HOSTILE_JSON = [
    pytest.param("[" * 100_000 + "]" * 100_000, "nested too deep", id="nested 100,000 deep"),
    pytest.param('{"objects": [], "x": ' + "9" * 5000 + "}", "cannot be read", id="5,000 digits"),
    pytest.param("-" + "1" * 10000, "cannot be read", id="10,000-digit negative"),
    pytest.param('{"a": ' * 50_000 + "1" + "}" * 50_000, "nested too deep", id="objects deep"),
]


@pytest.mark.parametrize("text, words", HOSTILE_JSON)
def test_hostile_json_is_one_message_naming_the_file(tmp_path, text, words):
    path = tmp_path / "a.png.json"
    path.write_text(text)
    with pytest.raises(ProjectFolderError, match=words) as refused:
        read_json(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ") and len(message) < 400


CLASS = {"title": "car", "shape": "bitmap", "color": "#FF0000"}

# meta.json files the SDK cannot read; the message names meta.json and what is wrong.
BAD_METAS = [
    pytest.param({"classes": [CLASS, {**CLASS, "color": "#00FF00"}]}, "'car' is there twice"),
    pytest.param({"classes": [{"title": "car", "color": "#FF0000"}]}, "no 'shape'"),
    pytest.param({"classes": [{"shape": "bitmap"}]}, "no 'title'"),
    pytest.param({"classes": "car"}, "classes: not a list"),
    pytest.param({"classes": [CLASS], "tags": [{"name": "t"}]}, "no 'value_type'"),
    pytest.param([CLASS], "not a JSON object"),
    pytest.param({"classes": [CLASS, "car"]}, "classes\\[1\\]: not an object"),
]


@pytest.mark.parametrize("meta, words", BAD_METAS)
def test_a_bad_meta_json_is_one_message_naming_it(tmp_path, meta, words):
    project = write_local_project(tmp_path / "project")
    (project / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ProjectFolderError, match=words) as refused:
        open_project(project)
    assert str(refused.value).startswith(f"{project / 'meta.json'}: ")


@pytest.mark.parametrize("orphans", [["gone.png.json"], ["a.json", "b.jpg.json"]])
def test_an_annotation_without_its_image_is_a_warning(tmp_path, capsys, orphans):
    project_dir = write_local_project(tmp_path / "project")
    dataset_dir = next(path for path in sorted(project_dir.iterdir()) if path.is_dir())
    for name in orphans:
        (dataset_dir / "ann" / name).write_text('{"size": {"height": 1, "width": 1}}')

    with pytest.warns(ProjectFolderWarning) as said:
        project = open_project(project_dir)

    assert [str(warning.message) for warning in said] == [
        f"{dataset_dir / 'ann' / name}: its image {dataset_dir / 'img' / name[:-5]} does not "
        "exist: add the image or remove the file: the image is skipped"
        for name in sorted(orphans)
    ]
    dataset = next(d for d in project.datasets if Path(d.directory) == dataset_dir)
    assert [Path(path).name for path in annotations_without_image(dataset)] == sorted(orphans)


def test_a_project_scale_run_leaves_hostile_files_out_names_them_and_goes_on(tmp_path):
    from commands import sly_bindings_captured

    project = write_local_project(tmp_path / "project")
    deep, long_number = (
        sorted((project / dataset / "ann").iterdir())[0] for dataset in ("ds0", "ds1")
    )
    deep.write_text("[" * 100_000 + "]" * 100_000)
    long_number.write_text('{"size": ' + "9" * 5000 + "}")

    result = sly_bindings_captured("discard", "--local", project)

    assert result.returncode == 2
    assert f"ds0: 4 images, 2 changed, 2 written, 1 skipped ({deep}: JSON nested too deep" in (
        result.stdout
    )
    assert f"1 skipped ({long_number}: a value cannot be read (a number of more than 4300 " in (
        result.stdout
    )
    assert result.stderr.startswith("error: 2 images were left out") and "Traceback" not in (
        result.stderr
    )
