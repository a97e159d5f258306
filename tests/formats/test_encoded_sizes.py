"""Sizes checked everywhere (issue 22, kind 6): every mask a file encodes is sized against its
image before it is decoded (``files.images.check_mask_fits`` and the checks that lead to it),
and an image Pillow cannot size is refused by name. Each row plants one hostile mask in a
small file of its format (written by our own writer) and reads it with ``convert``: the run
ends as promised (the record skipped with a warning naming it, or one ``error:`` line, exit 2)
and the mask is never allocated (``cv2.imdecode`` and ``mask_utils.decode`` are watched)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import supervisely as sly
from pycocotools import mask as mask_utils

from commands import convert_in_process, sly_bindings_in_process
from format_samples import make_sample_project, png_header_bytes
from sly_bindings.files.images import (
    InvalidImageError,
    InvalidMaskError,
    check_encoded_geometry,
    oriented_size,
    read_image,
    supervisely_mask_size,
)

HUGE = 20000  # a side: 20000 x 20000 pixels decoded is 400 MB a channel


def first_file(folder: Path, pattern: str, holding: str) -> Path:
    return next(path for path in sorted(folder.rglob(pattern)) if holding in path.read_text())


def supervisely_bitmap(data: str, field: str = "data"):
    """Plant ``data`` as the bitmap's ``field`` (its ``data``, or its ``origin``)."""

    def plant(folder: Path) -> None:
        path = first_file(folder, "ann/*.json", '"bitmap"')
        ann = json.loads(path.read_text())
        next(obj for obj in ann["objects"] if "bitmap" in obj)["bitmap"][field] = data
        path.write_text(json.dumps(ann))

    return plant


def coco_rle(size: list, counts):
    def plant(folder: Path) -> None:
        path = first_file(folder, "*.json", '"counts"')
        coco = json.loads(path.read_text())
        instance = next(a for a in coco["annotations"] if isinstance(a["segmentation"], dict))
        instance["segmentation"] = {"size": size, "counts": counts}
        path.write_text(json.dumps(coco))

    return plant


def cvat_mask(width: int, height: int, rle: str):
    return cvat_mask_attributes(width=width, height=height, rle=rle)


def cvat_mask_attributes(**values):
    """Plant ``values`` as attributes (``rle``, ``width``, ``left``, ...) of the first mask."""

    def plant(folder: Path) -> None:
        path = folder / "annotations.xml"
        text = path.read_text()
        mask = re.search(r"<mask [^>]*/>", text).group(0)
        hostile = mask
        for name, value in values.items():
            hostile = re.sub(rf'\b{name}="[^"]*"', f'{name}="{value}"', hostile)
        path.write_text(text.replace(mask, hostile, 1))

    return plant


def labelme_mask(png: bytes):
    def plant(folder: Path) -> None:
        path = first_file(folder, "*.json", '"mask": "')
        data = json.loads(path.read_text())
        shape = next(shape for shape in data["shapes"] if shape.get("mask"))
        shape["mask"] = base64.b64encode(png).decode()
        path.write_text(json.dumps(data))

    return plant


def labelstudio_brush(rle: list):
    return labelstudio_brush_result(lambda result: result["value"].update(rle=rle))


def labelstudio_brush_size(width: int, height: int):
    return labelstudio_brush_result(
        lambda result: result.update(original_width=width, original_height=height)
    )


def labelstudio_brush_result(edit):
    """Plant ``edit(result)`` on the first brush result of tasks.json."""

    def plant(folder: Path) -> None:
        path = folder / "tasks.json"
        tasks = json.loads(path.read_text())
        for task in tasks:
            for result in task["annotations"][0]["result"]:
                if result.get("type") == "brushlabels":
                    edit(result)
                    path.write_text(json.dumps(tasks))
                    return

    return plant


def brush_header(count: int) -> list:
    """A Label Studio brush RLE that declares ``count`` values and holds one run."""
    bits = f"{count:032b}" + f"{7:05b}" + "".join(f"{s - 1:04b}" for s in (3, 4, 8, 16))
    bits += "1" + "11" + "1" * 16 + "0" * 8
    bits += "0" * (-len(bits) % 8)
    return [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]


ZLIB_BOMB = base64.b64encode(zlib.compress(bytes(64 << 20), 9)).decode()  # 64 MB of zeros


def coco_compressed(size: list, declared: list):
    """A COCO RLE whose ``counts`` is the compressed string of an RLE of ``declared`` size
    (pycocotools' own encoding), given as ``size``."""
    height, width = declared
    counts = mask_utils.frPyObjects(
        {"size": [height, width], "counts": [height * width]}, height, width
    )
    return coco_rle(size, counts["counts"].decode())


# (format, hostile input): every format whose reader decodes an encoded mask.
CASES = {
    "supervisely: zlib of a PNG declaring 20000x20000": (
        "supervisely",
        supervisely_bitmap(base64.b64encode(zlib.compress(png_header_bytes(HUGE, HUGE))).decode()),
    ),
    "supervisely: a zlib stream inflating to 64 MB": ("supervisely", supervisely_bitmap(ZLIB_BOMB)),
    "supervisely: base64 of a bare PNG declaring 20000x20000": (
        "supervisely",
        supervisely_bitmap(base64.b64encode(png_header_bytes(HUGE, HUGE)).decode()),
    ),
    "supervisely: not base64 of a PNG": ("supervisely", supervisely_bitmap("bm90IGEgcG5n")),
    "coco: an RLE of 20000x20000 on a small image": ("coco", coco_rle([HUGE, HUGE], [HUGE * HUGE])),
    "coco: runs that cover more than the image": ("coco", coco_rle([32, 48], [10**12])),
    "cvat: a 20000x20000 mask": ("cvat", cvat_mask(HUGE, HUGE, f"0, {HUGE * HUGE}")),
    "cvat: runs longer than the mask": ("cvat", cvat_mask(4, 4, "0, 100000000000")),
    "labelme: a PNG declaring 20000x20000": ("labelme", labelme_mask(png_header_bytes(HUGE, HUGE))),
    "labelme: a PNG of another format's bytes": ("labelme", labelme_mask(b"#?RADIANCE\n")),
    "labelstudio: a brush declaring 4e9 values": (
        "labelstudio",
        labelstudio_brush(brush_header(4 * 10**9)),
    ),
    "labelstudio: a brush declaring one value": ("labelstudio", labelstudio_brush(brush_header(1))),
    # issue 22, attack: around the rows above
    "coco: a compressed RLE string of 20000x20000 given as 32x48": (
        "coco",
        coco_compressed([32, 48], [HUGE, HUGE]),
    ),
    "coco: a compressed RLE string of 20000x20000": (
        "coco",
        coco_compressed([HUGE, HUGE], [HUGE, HUGE]),
    ),
    "coco: negative counts": ("coco", coco_rle([32, 48], [-5, 2000])),
    "coco: a size of 0x0": ("coco", coco_rle([0, 0], [0])),
    "coco: a negative size": ("coco", coco_rle([-32, 48], [10])),
    "coco: a size in floats of 1e10": ("coco", coco_rle([1e10, 1.0], [10])),
    "coco: a size in strings": ("coco", coco_rle(["32", "48"], [1536])),
    "cvat: a negative run": ("cvat", cvat_mask(4, 4, "-5, 21")),
    "cvat: runs that are not numbers": ("cvat", cvat_mask(4, 4, "1e9, 7")),
    "cvat: a mask 1e9 pixels from the image": ("cvat", cvat_mask_attributes(left=10**9, top=10**9)),
    "cvat: a mask 20000 wide, one row": ("cvat", cvat_mask(HUGE * 100, 1, f"0, {HUGE * 100}")),
    "labelstudio: a brush on a task said to be 20000x20000": (
        "labelstudio",
        labelstudio_brush_size(HUGE, HUGE),
    ),
    "labelstudio: a brush rle that is a string": ("labelstudio", labelstudio_brush("AAAA")),
    "labelstudio: a brush rle of numbers over 255": ("labelstudio", labelstudio_brush([4096] * 64)),
    "supervisely: a bitmap 1e9 pixels from the image": (
        "supervisely",
        supervisely_bitmap([10**9, 10**9], "origin"),
    ),
    "supervisely: a bitmap at a negative origin": (
        "supervisely",
        supervisely_bitmap([-(10**9), -5], "origin"),
    ),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """Our sample project in every format of the table, written by our writers."""
    folder = tmp_path_factory.mktemp("formats")
    project = make_sample_project(folder / "supervisely")
    found = {"supervisely": project}
    for name in {source for source, _ in CASES.values()} - {"supervisely"}:
        assert convert_in_process("supervisely", name, project, folder / name) == 0
        found[name] = folder / name
    return found


@pytest.fixture
def watched_decoders(monkeypatch) -> list:
    """The sizes every mask decoder is asked for; a decode over 4096x4096 fails the test."""
    sizes = []
    real_imdecode, real_decode = cv2.imdecode, mask_utils.decode

    def imdecode(buffer, flags):
        image = real_imdecode(buffer, flags)
        if image is not None:
            sizes.append(image.shape[:2])
            assert image.shape[0] * image.shape[1] <= 4096 * 4096, "decoded a hostile mask"
        return image

    def decode(rle):
        height, width = rle["size"] if isinstance(rle, dict) else rle[0]["size"]
        assert height * width <= 4096 * 4096, "decoded a hostile RLE"
        sizes.append((height, width))
        return real_decode(rle)

    monkeypatch.setattr(cv2, "imdecode", imdecode)
    monkeypatch.setattr(mask_utils, "decode", decode)
    return sizes


def ended_as_promised(code: int, stderr: str) -> bool:
    errors = [line for line in stderr.splitlines() if line and not line.startswith("warning: ")]
    if "Traceback" in stderr or "unexpected" in stderr:
        return False
    return code == 0 or (code == 2 and len(errors) == 1 and errors[0].startswith("error: "))


@pytest.mark.parametrize("case", CASES)
def test_an_encoded_mask_is_sized_before_it_is_decoded(
    case, written, tmp_path, capfd, watched_decoders
):
    source, plant = CASES[case]
    folder = tmp_path / source
    shutil.copytree(written[source], folder)
    plant(folder)
    capfd.readouterr()

    code = convert_in_process(
        source, "supervisely" if source != "supervisely" else "coco", folder, tmp_path / "out"
    )

    stderr = capfd.readouterr().err
    assert ended_as_promised(code, stderr), stderr
    if code == 0:  # the record was skipped, and said so
        assert "skipped" in stderr or "left out" in stderr, stderr


@pytest.mark.parametrize("command", ["report", "validate", "discard", "auto-bind"])
def test_project_commands_size_a_bitmap_before_decoding_it(
    command, written, tmp_path, capfd, watched_decoders
):
    folder = tmp_path / "project"
    shutil.copytree(written["supervisely"], folder)
    supervisely_bitmap(base64.b64encode(zlib.compress(png_header_bytes(HUGE, HUGE))).decode())(
        folder
    )
    extra = ["--max-gap", "2"] if command == "auto-bind" else []
    capfd.readouterr()

    code = sly_bindings_in_process(command, folder, *extra)

    stderr = capfd.readouterr().err
    assert "Traceback" not in stderr and "unexpected" not in stderr, stderr
    if command == "discard":  # unbinding all labels rewrites keys: no mask is decoded
        assert code == 0, stderr
        return
    assert "larger than the" in stderr, stderr  # the file is named and left out, the rest done
    assert code in (1, 2)


@pytest.mark.parametrize(
    "data, problem",
    [
        (base64.b64encode(zlib.compress(png_header_bytes(HUGE, HUGE))).decode(), "larger than"),
        (ZLIB_BOMB, "inflates to more than"),
        (base64.b64encode(png_header_bytes(HUGE, 1)).decode(), "larger than"),
        (base64.b64encode(zlib.compress(b"P7\nWIDTH 9\n")).decode(), "not a PNG"),
        (12, "base64 string"),
    ],
)
def test_supervisely_mask_size_refuses_before_decoding(data, problem):
    with pytest.raises(InvalidMaskError, match=problem):
        supervisely_mask_size(data, (32, 48), "objects[0]: bitmap.data")


def test_a_bitmap_that_fits_passes_and_names_nothing():
    mask = np.zeros((5, 7), bool)
    mask[1:3, 2:6] = True
    obj = {"bitmap": {"origin": [0, 0], "data": sly.Bitmap.data_2_base64(mask)}}
    check_encoded_geometry(obj, (5, 7), "objects[0]")
    assert supervisely_mask_size(obj["bitmap"]["data"], (None, None), "x") == (5, 7)


UNSIZED = {
    "Radiance HDR named .png": b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 60000\n",
    "PAM named .png": b"P7\nWIDTH 60000\nHEIGHT 60000\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n",
    "PFM named .png": b"PF\n60000 60000\n-1.0\n",
}


@pytest.mark.parametrize("kind", UNSIZED)
@pytest.mark.parametrize("reader", ["read_image", "oriented_size path", "oriented_size bytes"])
def test_an_image_pillow_cannot_size_is_refused_by_name(kind, reader, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(UNSIZED[kind])
    with pytest.raises(InvalidImageError, match=r"photo.png: its size cannot be read"):
        if reader == "read_image":
            read_image(path)
        elif reader == "oriented_size path":
            oriented_size(path, f"image {path}")
        else:
            oriented_size(path.read_bytes(), f"image {path}")
