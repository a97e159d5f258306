"""Issue 21: a plain PNG is sized from its first bytes (files.images.plain_png_size) with the
answer Pillow's Image.open gives, and anything else still goes to Pillow: compared on real PNGs
with ancillary chunks and on every mutation hypothesis makes of their heads (CRC, lengths, bit
depth, colour type, filter, sizes, chunk kinds)."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sly_bindings.files import images
from sly_bindings.files.images import InvalidImageError, image_header, plain_png_size


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width=5, height=3, depth=8, color=2, filter_=0, extra=(), ihdr_crc=None) -> bytes:
    """A PNG head: IHDR as given, ``extra`` chunks, then an IDAT (of one pixel)."""
    body = io.BytesIO()
    Image.new("RGB", (1, 1)).save(body, "PNG")  # its IDAT: the header is what is read
    saved = body.getvalue()
    idat_at = saved.index(b"IDAT") - 4
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, filter_, 0)
    ihdr = chunk(b"IHDR", header)
    if ihdr_crc is not None:
        ihdr = ihdr[:-4] + struct.pack(">I", ihdr_crc)
    return images.PNG_SIGNATURE + ihdr + b"".join(extra) + saved[idat_at:]


def pillow_header(data: bytes):
    """image_header's answer through Pillow alone (the path before issue 21)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                exif = Image.Exif()
                if isinstance(image.info.get("exif"), bytes):
                    exif.load(image.info["exif"])
                return height, width, exif.get(images.EXIF_ORIENTATION_TAG, 1)
    except Image.DecompressionBombError:
        return "bomb"
    except Exception as error:  # noqa: BLE001 - compared
        return type(error).__name__


EXIF_6 = Image.Exif()
EXIF_6[images.EXIF_ORIENTATION_TAG] = 6  # turned by 90 degrees
EXIF_6 = EXIF_6.tobytes()
CASES = {
    "plain": png(),
    "pHYs sRGB gAMA": png(
        extra=[
            chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1)),
            chunk(b"sRGB", b"\x00"),
            chunk(b"gAMA", struct.pack(">I", 45455)),
        ]
    ),
    "eXIf turned": png(extra=[chunk(b"eXIf", EXIF_6)]),
    "tEXt": png(extra=[chunk(b"tEXt", b"Software\x00test")]),
    "short pHYs": png(extra=[chunk(b"pHYs", b"\x00" * 4)]),
    "bad IHDR crc": png(ihdr_crc=0),
    "bad pHYs crc": png(extra=[chunk(b"pHYs", b"\x00" * 9)[:-4] + b"\x00\x00\x00\x00"]),
    "unknown mode": png(depth=3),
    "filter 1": png(filter_=1),
    "width 0": png(width=0),
    "palette": png(depth=8, color=3, extra=[chunk(b"PLTE", b"\x00\x00\x00")]),
    "16-bit grey": png(depth=16, color=0),
    "truncated": png()[:30],
}


@pytest.mark.parametrize("name", CASES)
def test_image_header_is_pillows(name):
    data = CASES[name]
    fast = plain_png_size(data)
    try:
        ours = image_header(data, "a.png")
    except InvalidImageError:
        ours = "refused"
    pillow = pillow_header(data)
    expected = pillow if isinstance(pillow, tuple) else None
    assert ours == expected
    if fast is not None:  # the fast path only answers where Pillow gives a size
        assert (fast[0], fast[1], 1) == pillow


def test_a_plain_png_is_sized_without_pillow(monkeypatch, tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(CASES["pHYs sRGB gAMA"])
    monkeypatch.setattr(images.Image, "open", None)  # Pillow's open would fail if called

    assert image_header(path, "a.png") == (3, 5, 1)
    assert images.oriented_size(path, "a.png") == (3, 5)


def test_a_turned_png_is_still_turned():
    assert image_header(CASES["eXIf turned"], "a.png") == (3, 5, 6)
    assert images.oriented_size(CASES["eXIf turned"], "a.png") == (5, 3)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(sorted(CASES)),
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=3),
    st.integers(20, 200),
)
def test_any_mutated_head_answers_as_pillow(name, changes, cut):
    data = bytearray(CASES[name])
    for position, value in changes:
        if position < len(data):
            data[position] = value
    data = bytes(data) if cut > 150 else bytes(data[:cut])
    fast = plain_png_size(data)
    if fast is not None:
        assert (fast[0], fast[1], 1) == pillow_header(data)


@pytest.mark.parametrize("limit", [None, 89_478_485])  # the SDK's (none), Pillow's own
@pytest.mark.parametrize("side", [20_000, 60_000])  # past Pillow's limit; past 2^30 pixels
def test_a_huge_png_answers_as_pillow_did(monkeypatch, limit, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    huge = png(width=side, height=side)
    fast = plain_png_size(huge)

    if fast is not None:
        assert limit is None and (fast[0], fast[1], 1) == pillow_header(huge)
    if side * side > images.MAX_PIXELS or (limit is not None and side * side > 2 * limit):
        with pytest.raises(InvalidImageError, match="2\\^30"):
            image_header(huge, "a.png")
    else:
        assert image_header(huge, "a.png") == (side, side, 1)


def test_the_benchmark_png_is_plain():
    import cv2

    encoded = cv2.imencode(".png", np.zeros((48, 64, 3), np.uint8))[1].tobytes()
    assert plain_png_size(encoded) == (48, 64)
