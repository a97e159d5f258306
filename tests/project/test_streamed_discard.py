"""Discard of a large local annotation as a stream (issue 22: a 147 MB annotation needed over
4 GiB): the same file as the whole-file path, without ``json.load``; every check kept."""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import pytest
import supervisely as sly
from hypothesis import given, settings
from hypothesis import strategies as st

from bound_projects import META, write_local_project
from commands import sly_bindings_in_process
from sly_bindings.files import project_folder
from sly_bindings.files.json_stream import (
    CHUNK_BYTES,
    MAX_DEPTH,
    encode_events,
    json_events_of,
)
from sly_bindings.files.project_folder import JsonKeyWarning, ProjectFolderError
from sly_bindings.project import local_pipeline
from sly_bindings.project.discard_file import discard_in_file
from sly_bindings.project.edits import UnreadableAnnotationError, discard_in_json

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import discard_memory  # noqa: E402  (the benchmark's annotation: polygons, points, bitmaps)

# JSON values json.dumps writes and json.load reads back as they were (no NaN, no lone
# surrogate, integers of 64 bits: what the streaming reader refuses, tested below).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
)
CLASS_NAMES = ["car", "person", "sign"]
LABELS = st.one_of(
    st.fixed_dictionaries(
        {"classTitle": st.sampled_from(CLASS_NAMES) | VALUES},
        optional={"instance": VALUES, "points": VALUES, "tags": VALUES},
    ),
    VALUES,
)
ANNOTATIONS = st.fixed_dictionaries(
    {"objects": st.lists(LABELS, max_size=6)},
    optional={"size": VALUES, "tags": VALUES, "description": TEXT},
)


def whole_path(text: str, class_names=None, meta=None):
    """What the whole-file path writes for the annotation ``text`` (None: nothing)."""
    new_json = discard_in_json(json.loads(text), class_names, meta)
    return None if new_json is None else json.dumps(new_json, indent=4).encode()


def streamed(path: Path, class_names=None, meta=None):
    chunks = discard_in_file(path, class_names, meta)
    return None if chunks is None else b"".join(chunks)


@settings(max_examples=300, deadline=None)
@given(
    ann_json=ANNOTATIONS,
    class_names=st.none() | st.lists(st.sampled_from(CLASS_NAMES), max_size=2),
    indent=st.sampled_from([None, 4]),
)
def test_the_stream_writes_the_bytes_the_whole_file_path_writes(
    tmp_path_factory, ann_json, class_names, indent
):
    path = tmp_path_factory.mktemp("ann") / "a.png.json"
    text = json.dumps(ann_json, indent=indent)
    path.write_text(text)

    assert streamed(path, class_names) == whole_path(text, class_names)


@settings(max_examples=200, deadline=None)
@given(value=VALUES, indent=st.sampled_from([None, 4]))
def test_events_are_written_back_as_json_dumps_writes_the_value(value, indent):
    events = json_events_of(json.dumps(value))
    assert b"".join(encode_events(events, indent)) == json.dumps(value, indent=indent).encode()


def real_files(tmp_path):
    """Annotation files as the SDK writes them: the bound test project's (bitmaps, rectangles,
    keys of several classes) and the benchmark's (polygons, points, bitmaps)."""
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    paths = sorted(directory.glob("ds0/ann/*.json"))
    generated = tmp_path / "generated.png.json"
    generated.write_text("".join(discard_memory.annotation_chunks(200_000)))
    return paths + [generated]


def benchmark_meta() -> sly.ProjectMeta:
    shapes = {"polygon": sly.Polygon, "point": sly.Point, "bitmap": sly.Bitmap}
    return sly.ProjectMeta(
        obj_classes=[sly.ObjClass(n, shapes[s]) for n, s in discard_memory.CLASSES.items()]
    )


@pytest.mark.parametrize("class_names", [None, ["car"], ["person", "mask"], ["sign", "car"]])
def test_the_sdk_reads_the_same_annotation_from_both_paths(tmp_path, class_names):
    checked = 0
    for path in real_files(tmp_path):
        meta = benchmark_meta() if path.name == "generated.png.json" else META
        text = path.read_text()
        names = None if class_names is None else [n for n in class_names if meta.get_obj_class(n)]
        whole, stream = whole_path(text, names, meta), streamed(path, names, meta)
        assert (whole is None) == (stream is None), path.name
        if whole is not None:
            from_whole = sly.Annotation.from_json(json.loads(whole), meta)
            from_stream = sly.Annotation.from_json(json.loads(stream), meta)
            assert from_stream.to_json() == from_whole.to_json()
            assert [label.binding_key for label in from_stream.labels] == [
                label.binding_key for label in from_whole.labels
            ]
            checked += 1
    assert checked >= 2  # the table is not empty: bound files changed under every filter


# the command: the threshold, both sides


def project_with_annotation(tmp_path: Path, megabytes: float) -> Path:
    """The benchmark's one-image project, its annotation about ``megabytes`` MB."""
    folder = tmp_path / "big"
    folder.mkdir()
    discard_memory.write_project(folder, megabytes)
    return folder


@pytest.fixture
def read_whole(monkeypatch):
    """The files ``read_json`` opened to read whole, by name."""
    opened = []

    def recording_open(path, *args, **options):
        opened.append(os.path.basename(path))
        return open(path, *args, **options)

    monkeypatch.setattr(project_folder, "open", recording_open, raising=False)
    return opened


def test_a_file_over_the_threshold_is_discarded_as_a_stream_never_loaded(tmp_path, read_whole):
    folder = project_with_annotation(tmp_path, 4.5)
    ann_path = folder / "ds0" / "ann" / "a.png.json"
    assert ann_path.stat().st_size >= local_pipeline.STREAM_FROM_BYTES
    expected = whole_path(ann_path.read_text(), None, benchmark_meta())

    assert sly_bindings_in_process("discard", folder) == 0

    assert "a.png.json" not in read_whole  # meta.json is read whole, the annotation never
    assert ann_path.read_bytes() == expected
    assert sorted(os.listdir(ann_path.parent)) == ["a.png.json"]  # no temporary file left


def test_a_file_under_the_threshold_is_read_whole(tmp_path, read_whole, monkeypatch):
    folder = project_with_annotation(tmp_path, 0.2)
    ann_path = folder / "ds0" / "ann" / "a.png.json"
    monkeypatch.setattr(local_pipeline, "STREAM_FROM_BYTES", ann_path.stat().st_size + 1)
    expected = whole_path(ann_path.read_text(), None, benchmark_meta())

    assert sly_bindings_in_process("discard", folder) == 0

    assert "a.png.json" in read_whole
    assert ann_path.read_bytes() == expected


@pytest.fixture
def stream_everything(monkeypatch):
    """Every annotation file of a local discard goes the streaming way."""
    monkeypatch.setattr(local_pipeline, "STREAM_FROM_BYTES", 0)


def test_the_bound_project_discards_alike_both_ways(tmp_path, monkeypatch):
    streamed_dir = write_local_project(tmp_path / "streamed")
    whole_dir = shutil.copytree(streamed_dir, tmp_path / "whole")

    assert sly_bindings_in_process("discard", whole_dir, "--classes", "car") == 0
    monkeypatch.setattr(local_pipeline, "STREAM_FROM_BYTES", 0)
    assert sly_bindings_in_process("discard", streamed_dir, "--classes", "car") == 0

    for path in sorted(whole_dir.glob("*/ann/*.json")):
        assert (streamed_dir / path.relative_to(whole_dir)).read_bytes() == path.read_bytes()


# every check kept on the streaming path


BAD_FILES = {
    "not JSON": (b'{"objects": [', "not valid JSON"),
    "not UTF-8": (b'{"objects": [], "description": "\xff"}', "not valid JSON"),
    "NaN": (b'{"objects": [{"classTitle": "car", "instance": NaN}]}', "no NaN"),
    "1e400": (b'{"objects": [], "size": 1e400}', "no NaN, Infinity, 1e400"),
    "lone surrogate": (b'{"objects": [], "description": "\\ud800x"}', "lone UTF-16 surrogate"),
    # yajl writes a lone low half as bytes that are not UTF-8: named as what it is
    "lone low surrogate": (b'{"objects": [], "description": "\\udc00x"}', "UTF-16 surrogate"),
    "low before high": (b'{"objects": [], "d": "\\ude00\\ud83d"}', "UTF-16 surrogate"),
    "too deep": (
        b'{"objects": [], "x": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
        "nested too deep",
    ),
    "no objects": (b'{"objects": {}}', "has no list of objects"),
    "unknown class": (b'{"objects": [{"classTitle": "bus", "instance": 1}]}', "class 'bus'"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_is_left_as_it_was_and_named_in_one_line(
    tmp_path, stream_everything, capsys, name
):
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    content, reason = BAD_FILES[name]
    bad = directory / "ds0" / "ann" / "bound.png.json"
    bad.write_bytes(content)

    assert sly_bindings_in_process("discard", directory) == 2

    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: 1 image was left out")
    assert str(bad) in error and reason in error
    assert bad.read_bytes() == content  # left as it was
    assert "instance" not in (directory / "ds0" / "ann" / "persons.png.json").read_text()


def _across_a_read(escaped: bytes, before_end: int) -> bytes:
    """An annotation whose ``escaped`` text starts ``before_end`` bytes before the end of the
    reader's first read (json_stream.CHUNK_BYTES)."""
    head = b'{"objects": [], "description": "'
    return head + b"x" * (CHUNK_BYTES - before_end - len(head)) + escaped + b'"}'


PAIR = b"\\ud83d\\ude00"  # an emoji as json.dumps writes it (ensure_ascii)


@pytest.mark.parametrize(
    "content",
    [b'{"objects": [], "description": "\\ud83d\\ude00"}']
    # a pair that a read of the file cuts, at every place it can be cut (was: "lone surrogate")
    + [_across_a_read(PAIR, before_end) for before_end in range(1, len(PAIR) + 1)]
    + [_across_a_read(PAIR * 2, before_end) for before_end in (7, 13, 19)],
)
def test_an_escaped_surrogate_pair_is_read(tmp_path, content):
    path = tmp_path / "a.json"
    path.write_bytes(content)
    assert streamed(path) is None  # read, nothing to change


def test_a_repeated_key_is_said_and_readers_take_the_last_value_as_before(tmp_path):
    text = (
        '{"objects": [{"classTitle": "car", "instance": 1, "instance": 2}], "tags": [], "tags": []}'
    )
    path = tmp_path / "a.png.json"
    path.write_text(text)

    with pytest.warns(JsonKeyWarning, match="'instance' appears twice") as said:
        new = streamed(path)

    assert len(said) == 1
    assert json.loads(new) == json.loads(whole_path(text))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path.write_text('{"objects": [{"classTitle": "car", "instance": 2, "instance": null}]}')
        with pytest.raises(JsonKeyWarning):
            streamed(path)


def test_a_failure_while_writing_leaves_the_old_file(tmp_path, stream_everything, monkeypatch):
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    path = directory / "ds0" / "ann" / "bound.png.json"
    before = path.read_bytes()
    from sly_bindings.project import discard_file

    def failing(events):
        yield b"{"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(discard_file, "encode_events", failing)

    assert sly_bindings_in_process("discard", directory) == 2

    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == sorted(
        f"{name}.json" for name in os.listdir(directory / "ds0" / "img")
    )


def test_the_reader_refuses_what_read_json_refuses(tmp_path):
    fifo = tmp_path / "a.png.json"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFolderError, match="not a regular file"):
        discard_in_file(fifo)
    with pytest.raises(UnreadableAnnotationError, match="no list of objects"):
        (tmp_path / "b.json").write_text("[]")
        discard_in_file(tmp_path / "b.json")


# the commands that read an annotation whole refuse a file over the limit, by name

WHOLE_READERS = {
    # command line after "sly-bindings": project-scale commands leave the file out and go on
    "report": ["report", "{project}"],
    "validate": ["validate", "{project}"],
    "auto-bind": ["auto-bind", "{project}", "--max-gap", "2"],
    "discard (read whole under the stream threshold)": ["discard", "{project}"],
    # a run over one picture or file per image ends at the file, as for any unreadable one
    "preview": ["preview", "{project}", "{out}"],
    "convert": ["convert", "supervisely", "coco", "{project}", "{out}"],
}


@pytest.mark.parametrize("command", WHOLE_READERS)
def test_an_annotation_over_the_limit_is_refused_by_name(tmp_path, monkeypatch, capsys, command):
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    big = directory / "ds0" / "ann" / "bound.png.json"
    limit = max(path.stat().st_size for path in directory.glob("ds0/ann/*.json"))
    big.write_text(big.read_text() + " " * limit)  # the same annotation, over the limit
    monkeypatch.setenv("SLY_MAX_ANNOTATION_MB", str(limit / 2**20))
    monkeypatch.setattr(local_pipeline, "STREAM_FROM_BYTES", 10 * limit)  # discard: read whole
    before = big.read_bytes()
    argv = [part.format(project=directory, out=tmp_path / "out") for part in WHOLE_READERS[command]]

    assert sly_bindings_in_process(*argv) == 2

    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{big}: 0.0 MiB, more than the {limit / 2**20:g} MiB an annotation may have" in error
    assert "raise SLY_MAX_ANNOTATION_MB" in error
    assert big.read_bytes() == before
    if argv[0] in ("report", "validate", "auto-bind", "discard"):
        assert error.startswith("error: 1 image was left out") and "the rest is done" in error


def test_discard_streams_every_file_the_others_would_refuse():
    assert local_pipeline.STREAM_FROM_BYTES < project_folder.MAX_WHOLE_ANNOTATION_BYTES


@pytest.mark.parametrize("value", ["0", "-1", "lots", "nan"])
def test_a_bound_that_is_no_size_is_one_line(tmp_path, monkeypatch, capsys, value):
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    monkeypatch.setenv("SLY_MAX_ANNOTATION_MB", value)

    assert sly_bindings_in_process("report", str(directory)) == 2

    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"SLY_MAX_ANNOTATION_MB={value!r}" in error[0]


def test_a_raised_bound_reads_the_file(tmp_path, monkeypatch):
    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    big = directory / "ds0" / "ann" / "bound.png.json"
    size = big.stat().st_size
    monkeypatch.setattr(project_folder, "MAX_WHOLE_ANNOTATION_BYTES", size // 2)
    assert sly_bindings_in_process("report", str(directory)) == 2
    monkeypatch.setenv("SLY_MAX_ANNOTATION_MB", str(size / 2**20))
    assert sly_bindings_in_process("report", str(directory)) == 0


# a file another program rewrites between the two readings (an annotation tool saving it)


def _reordered(ann_json):
    return {**ann_json, "objects": ann_json["objects"][::-1]}


def _one_more(ann_json):
    return {**ann_json, "objects": ann_json["objects"] + ann_json["objects"][:1]}


def _one_less(ann_json):
    return {**ann_json, "objects": ann_json["objects"][1:]}


def _renamed(ann_json):  # the same length and labels: only a key's spelling differs
    return {
        **ann_json,
        "objects": [
            {**label, "instance": f"{label['instance']}x"} if "instance" in label else label
            for label in ann_json["objects"]
        ],
    }


REWRITES = {
    "labels in another order": lambda text: json.dumps(_reordered(json.loads(text)), indent=4),
    "a label more": lambda text: json.dumps(_one_more(json.loads(text)), indent=4),
    "a label less": lambda text: json.dumps(_one_less(json.loads(text)), indent=4),
    "another key, same length": lambda text: json.dumps(_renamed(json.loads(text)), indent=4),
    "cut short": lambda text: text[: len(text) // 2],
}


@pytest.mark.parametrize("rewrite", REWRITES)
def test_a_file_rewritten_between_the_readings_is_left_as_rewritten_and_named(
    tmp_path, stream_everything, monkeypatch, capsys, rewrite
):
    from sly_bindings.project import discard_file

    directory = write_local_project(tmp_path / "project", datasets=("ds0",))
    path = directory / "ds0" / "ann" / "bound.png.json"
    rewritten = REWRITES[rewrite](path.read_text())
    assert "instance" in path.read_text()
    events, readings = discard_file.json_events, []

    def events_then_rewrite(events_path, *args):
        yield from events(events_path, *args)
        if Path(events_path) == path and not readings:  # the first reading of the file ends
            readings.append(events_path)
            path.write_text(rewritten)  # in place, as an editor saving it

    monkeypatch.setattr(discard_file, "json_events", events_then_rewrite)

    assert sly_bindings_in_process("discard", directory, "--classes", "car") == 2

    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: ") and str(path) in error
    assert path.read_text() == rewritten  # never a mix of the two files
    assert sorted(os.listdir(path.parent)) == sorted(
        f"{name}.json" for name in os.listdir(directory / "ds0" / "img")
    )
