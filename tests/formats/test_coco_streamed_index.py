"""Issue 21, flat memory: a COCO file over ``stream.STREAMED_BYTES`` is indexed in ijson passes,
never parsed whole; it reads as the whole-file path reads it (items, warnings, errors), once per
run, and a ``--jobs`` worker decodes only its own images' instances."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np
import pytest
import supervisely as sly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sly_bindings.files import project_folder
from sly_bindings.formats import shard
from sly_bindings.formats.coco import declared_classes, read, stream
from sly_bindings.formats.coco.read import InvalidCocoError, coco_items

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SIZES = {"a.png": (6, 8), "b.png": (4, 5), "c.png": (5, 5)}


def write_images(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (height, width) in SIZES.items():
        if not (folder / name).exists():
            sly.image.write(str(folder / name), np.zeros((height, width, 3), np.uint8))


def sample() -> dict:
    """A COCO file with a bit of everything a reader warns about or skips."""
    return {
        "info": {"description": "street"},
        "images": [
            {"id": 10, "file_name": "a.png", "height": 6, "width": 8},
            {"id": 11, "file_name": "b.png", "height": 4, "width": 5},
            {"id": 12, "file_name": "c.png", "height": 5, "width": 5},  # no instance
        ],
        "annotations": [
            {"id": 2, "image_id": 11, "category_id": 4, "segmentation": [], "bbox": [1, 1, 2, 1]},
            {
                "id": 1,
                "image_id": 10,
                "category_id": 3,
                "segmentation": [[0, 0, 2, 0, 1, 2], [5.2, 3, 7, 3, 6, 4.6]],
                "bbox": [0, 0, 7, 5],
            },
            {"id": 3, "image_id": 99, "category_id": 3, "bbox": [0, 0, 1, 1]},  # no image
            "not an object",
            {"id": 4, "image_id": 10.0, "category_id": "4", "bbox": [2, 2, 2, 2]},  # coco_id
            {"id": 5, "image_id": 10, "category_id": 3, "segmentation": [[0, 0, 1, 1]]},
            {"id": 6, "image_id": 10, "category_id": 7, "bbox": [1, 1, 2, 2]},  # no category
            {
                "id": 7,
                "image_id": 11,
                "category_id": 3,
                "segmentation": {"size": [4, 5], "counts": [0, 2, 2, 2, 9, 1, 3, 1]},
                "attributes": {"group_id": 1},
            },
            {
                "id": 8,
                "image_id": 11,
                "category_id": 4,
                "bbox": [0, 0, 2, 2],
                "attributes": {"group_id": 1},
            },
            {
                "id": 9,
                "image_id": 10,
                "category_id": 5,
                "bbox": [0, 0, 2, 2],
                "keypoints": [1, 1, 2],
            },
        ],
        "categories": [
            {"id": 3, "name": "car", "supercategory": "vehicle"},
            {"id": 4, "name": "sign", "supercategory": "street"},
            {"id": 5, "name": "face", "keypoints": []},
            {"id": 6, "name": "street"},  # only groups others: left out
            {"id": 8, "name": "person", "keypoints": ["nose"]},
        ],
    }


def dumped(coco: Any, repeat: str = "") -> str:
    """``coco`` as JSON; ``repeat``: a key written twice in the first instance, and in
    ``info`` (before it in the file: the order of a file's repeated keys is kept)."""
    text = json.dumps(coco)
    if repeat:
        text = text.replace('"annotations": [{', '"annotations": [{"%s": 0, ' % repeat, 1)
        text = text.replace('"info": {', '"info": {"%s": 1, "%s": 2, ' % (repeat, repeat), 1)
    return text


def outcome(path: Path, streamed: bool, monkeypatch) -> Tuple[Any, List[Tuple[str, str]]]:
    """(classes and annotations, or the error's text; the warnings, in order) of reading
    ``path`` for its classes and then its items, read in passes or whole."""
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1 if streamed else 2**40)
    read._indexes.clear()
    project_folder._shared.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            classes = list(declared_classes(path))
            items = [
                (item.dataset, item.name, item.ann.to_json()) for item in coco_items(str(path))
            ]
            result: Any = (classes, items)
        except InvalidCocoError as error:
            result = ("error", str(error))
    said = [(w.category.__name__, str(w.message)) for w in caught]
    return result, said


def street(folder: Path) -> Path:
    """``sample()`` written as ``folder/street.json``, its images beside it."""
    write_images(folder)
    path = folder / "street.json"
    path.write_text(dumped(sample()), encoding="utf-8")
    return path


def counting_scans(monkeypatch) -> list:
    """The paths ``stream.scan`` is given from now on (each: a file indexed)."""
    scans: list = []
    real = stream.scan
    monkeypatch.setattr(stream, "scan", lambda p: scans.append(p) or real(p))
    return scans


def test_a_large_file_is_never_parsed_whole(tmp_path, monkeypatch):
    path = street(tmp_path)
    whole = outcome(path, False, monkeypatch)

    def refused(*args, **kwargs):
        raise AssertionError("the COCO file was parsed whole")

    monkeypatch.setattr(project_folder.json, "loads", refused)
    monkeypatch.setattr(read, "read_json", refused)
    streamed = outcome(path, True, monkeypatch)

    assert streamed == whole
    assert len(whole[0][1]) == 3 and len(whole[1]) >= 5  # items read, records warned


def test_the_threshold_has_two_sides(tmp_path, monkeypatch):
    path = street(tmp_path)
    size = path.stat().st_size
    scans = counting_scans(monkeypatch)
    for limit, scanned in ((size, 0), (size - 1, 1)):
        monkeypatch.setattr(stream, "STREAMED_BYTES", limit)
        read._indexes.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            list(coco_items(str(path)))
        assert len(scans) == scanned


def test_a_file_is_indexed_once_per_run_and_again_when_it_changes(tmp_path, monkeypatch):
    path = street(tmp_path)
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1)
    read._indexes.clear()
    scans = counting_scans(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "car" in declared_classes(path)
        list(coco_items(str(path)))
        assert len(scans) == 1
        changed = sample()
        changed["categories"][0]["name"] = "bus"
        path.write_text(dumped(changed), encoding="utf-8")
        assert "bus" in declared_classes(path)
    assert len(scans) == 2


def test_a_worker_decodes_only_its_own_images_and_walks_nothing_again(tmp_path, monkeypatch):
    path = street(tmp_path)
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1)
    read._indexes.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        declared_classes(path)  # the parent: the index is made here

        def walked_again(*args, **kwargs):
            raise AssertionError("a worker walked the instances again")

        decoded = []
        real = read._decoded
        monkeypatch.setattr(read, "_walked", walked_again)
        monkeypatch.setattr(stream, "scan", walked_again)
        monkeypatch.setattr(read, "_decoded", lambda blob: decoded.extend(real(blob)) or real(blob))
        with shard.sharded(0, 2):
            names = [item.name for item in coco_items(str(path))]

    assert names == ["a.png", "c.png"]  # images 0 and 2 of the file
    assert {instance["image_id"] for instance in decoded} == {10}


@pytest.mark.parametrize(
    "text",
    [
        b'{"images": [], "annotations": [], "categories": [NaN]}',  # json reads NaN
        b'{"images": [], "annotations": [1e400], "categories": []}',
        b'{"images": [], "annotations": [123456789012345678901234567890], "categories": []}',
        b'{"images": [{"id": 1, "file_name": "\\ud800.png"}], "annotations": [], "categories": []}',
        b'{"images": [], "annotations": [], "categories": [}',  # invalid: line and column
        b'{"images": [], "annotations": [], "categories": [\xff]}',  # not UTF-8
        b'\xef\xbb\xbf{"images": [], "annotations": [], "categories": []}',  # a BOM
        b'{"images": [], "annotations": [], "categories": []} []',
        b'[{"images": [], "annotations": [], "categories": []}]',
        b"7",
        b'{"images": [], "categories": []}',
        b'{"images": [], "annotations": {}, "categories": []}',
        b'{"images": [], "annotations": [{"id": 1}], "annotations": [], "categories": []}',
        b'{"images": [], "annotations": [' + b"[" * 600 + b"]" * 600 + b'], "categories": []}',
        b'{"images": [], "annotations": [' + b"[" * 5000 + b"]" * 5000 + b'], "categories": []}',
        b'{"images": [{"id": 1, "id": 2}], "annotations": [], "categories": [],'
        b' "x": {"a": 1, "a": 2}}',
        b'{"a": 1, "images": [], "annotations": [], "categories": [], "a": {"b": 1, "b": 2}}',
        b'{"images": [{"f": "a\tb"}], "annotations": [], "categories": []}',  # a raw tab
        b'{"images": [1,], "annotations": [], "categories": []}',
        b'{"images": [] /* c */, "annotations": [], "categories": []}',
        b'{"images": ["\\u0000", "\\ud83d\\ude97"], "annotations": [], "categories": []}',
        b'{"images": [-0, -0.0, 1E5, 1e-5, 0.1, 9223372036854775808, 4.9e-324],'
        b' "annotations": [], "categories": []}',
        b'  {"images": [], "annotations": [], "categories": []}\x00',
        b"",
    ],
)
def test_what_ijson_reads_otherwise_is_read_as_the_whole_file_path_reads_it(
    tmp_path, monkeypatch, text
):
    write_images(tmp_path)
    path = tmp_path / "street.json"
    path.write_bytes(text)

    assert outcome(path, True, monkeypatch) == outcome(path, False, monkeypatch)


def test_a_fifo_is_never_opened(tmp_path, monkeypatch):
    import os

    path = tmp_path / "street.json"
    os.mkfifo(path)
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1)

    with pytest.raises(InvalidCocoError, match="not a regular file"):
        declared_classes(path)


# Instances drawn from valid and broken ones, for any image id in any order.
INSTANCE = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.integers(1, 30), st.just("7"), st.just(2.0), st.just(True)),
            "image_id": st.sampled_from([10, 11, 12, 99, 10.0, "x", None]),
            "category_id": st.sampled_from([3, 4, 5, 7, 8, "3", None, [3]]),
            "bbox": st.one_of(st.lists(st.integers(-2, 9), min_size=4, max_size=4), st.just("box")),
        },
        optional={
            "segmentation": st.one_of(
                st.just([]),
                st.lists(st.lists(st.integers(0, 8), min_size=2, max_size=8), max_size=2),
            ),
            "iscrowd": st.sampled_from([0, 1]),
            "keypoints": st.sampled_from([[1, 1, 2], [1, 1, 0], [1, 1, 2, 2, 2, 1], "k"]),
            "attributes": st.fixed_dictionaries({"group_id": st.integers(1, 2)}),
        },
    ),
    st.sampled_from(["text", 7, None, [1, 2]]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    annotations=st.lists(INSTANCE, max_size=12),
    repeat=st.sampled_from(["", "iscrowd", "id"]),
    files=st.integers(1, 2),
)
def test_streamed_reads_as_whole_on_varied_files(tmp_path_factory, annotations, repeat, files):
    folder = tmp_path_factory.mktemp("varied")
    (folder / "annotations").mkdir()
    write_images(folder / "images")
    for number in range(files):
        coco = sample()
        coco["annotations"] = annotations[number::files] if files > 1 else annotations
        (folder / "annotations" / f"instances_s{number}.json").write_text(
            dumped(coco, repeat if annotations else ""), encoding="utf-8"
        )
        write_images(folder / "images" / f"s{number}")
    with pytest.MonkeyPatch.context() as monkeypatch:
        streamed = outcome(folder, True, monkeypatch)
        whole = outcome(folder, False, monkeypatch)
    assert streamed == whole


def test_a_process_holds_the_indexes_of_one_input_at_the_most(tmp_path, monkeypatch):
    first, second = street(tmp_path / "first"), street(tmp_path / "second")
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1)
    read._indexes.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        declared_classes(first)
        assert list(read._indexes) == [str(first.resolve())]
        declared_classes(second)
    assert list(read._indexes) == [str(second.resolve())]
