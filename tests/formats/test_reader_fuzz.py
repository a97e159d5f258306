"""Every reader against mutated files: a result, or one line and exit 2, within memory and time.

The seeds are what our own writers make of a small bound project (LabelMe, CVAT, COCO, YOLO,
and the Supervisely project itself); hypothesis mutates their annotation files (values of other
types and sizes, deep nesting, huge numbers, paths that climb, bytes that are not UTF-8, files
cut short). All cases run in one child process whose address space is limited, so a reader
that allocates without bound fails here instead of on a user's machine.
"""

from __future__ import annotations

import base64
import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
import supervisely as sly
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bindings import bind_labels
from sly_bindings.cli.main import main
from registry_tables import FILE_FORMATS

CHILD = Path(__file__).resolve().parents[1] / "reader_fuzz_child.py"
FORMATS = FILE_FORMATS  # every format of the registry, from its own files
CASES_PER_FORMAT = 24
MEMORY_LIMIT = 6 * 2**30  # bytes of address space: the SDK and OpenCV take about 2 GiB of it
TEXT_SUFFIXES = (".json", ".xml", ".txt", ".yaml")
HOSTILE_VALUES = [
    None, True, -1, 0, 2**31, 2**64, 1e300, -1e300, "", "x" * 5000, "../../../etc/passwd",
    "/etc/passwd", [], {}, [[[[[[[[[[0]]]]]]]]]], {"counts": "5", "size": [4, 5]},
]  # fmt: skip
HOSTILE_TEXT = [
    "", "-1", "1e300", "nan", "inf", "9" * 5000, "../../x", "/etc/passwd", "x" * 5000, "\x00",
    "0,0;1", "100000",
]  # fmt: skip


def small_project(folder: Path) -> Path:
    """Two 12x16 images: a car in two bound mask parts, a person polygon, a sign box."""
    car = sly.ObjClass("car", sly.Bitmap)
    person = sly.ObjClass("person", sly.Polygon)
    sign = sly.ObjClass("sign", sly.Rectangle)
    project = sly.Project(str(folder), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([car, person, sign]))
    dataset = project.create_dataset("ds")
    part = np.ones((2, 3), bool)
    labels = [
        *bind_labels(
            [
                sly.Label(sly.Bitmap(part, origin=sly.PointLocation(1, 1)), car),
                sly.Label(sly.Bitmap(part, origin=sly.PointLocation(1, 8)), car),
            ],
            "car",
        ),
        sly.Label(
            sly.Polygon([sly.PointLocation(r, c) for r, c in [(6, 2), (6, 7), (10, 4)]]), person
        ),
        sly.Label(sly.Rectangle(7, 10, 10, 14), sign),
    ]
    for name in ("a.png", "b.png"):
        dataset.add_item_np(
            name, np.full((12, 16, 3), 90, np.uint8), ann=sly.Annotation((12, 16), labels)
        )
    return folder


def folder_files(folder: Path) -> Dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Dict[str, Dict[str, bytes]]:
    """Format name -> the files of a valid folder in that format, made by our writers."""
    root = tmp_path_factory.mktemp("seeds")
    project = small_project(root / "project")
    found = {"supervisely": folder_files(project)}
    for name in FORMATS:
        assert main(["convert", "supervisely", name, str(project), str(root / name)]) == 0
        found[name] = folder_files(root / name)
    return found


def mutate_json(data: bytes, random) -> bytes:
    document = json.loads(data)
    paths = []

    def walk(value, path):
        paths.append(path)
        children = (
            value.items()
            if isinstance(value, dict)
            else enumerate(value) if isinstance(value, list) else []
        )
        for key, child in children:
            walk(child, path + [key])

    walk(document, [])
    path = random.choice(paths[1:] or paths)
    replacement = random.choice(HOSTILE_VALUES)
    if not path:
        return json.dumps(replacement).encode()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    return json.dumps(document).encode()


def mutate_text(data: bytes, random) -> bytes:
    text = data.decode()
    tokens = text.replace("\n", " \n ").replace('"', ' " ').split(" ")
    if not tokens:
        return data
    index = random.randint(0, len(tokens) - 1)
    tokens[index] = random.choice(HOSTILE_TEXT)
    return " ".join(tokens).replace(" \n ", "\n").replace(' " ', '"').encode()


def mutate(files: Dict[str, bytes], random) -> Dict[str, bytes]:
    """One hostile change to one annotation file of ``files``."""
    texts = sorted(name for name in files if name.endswith(TEXT_SUFFIXES))
    name = random.choice(texts)
    data = files[name]
    kind = random.choice(["value", "truncate", "not utf-8", "deep", "huge number"])
    if kind == "value":
        data = mutate_json(data, random) if name.endswith(".json") else mutate_text(data, random)
    elif kind == "truncate":
        data = data[: random.randint(0, max(0, len(data) - 1))]
    elif kind == "not utf-8":
        at = random.randint(0, len(data))
        data = data[:at] + b"\xff\xfe" + data[at:]
    elif kind == "deep":
        data = b"[" * 100_000 + b"]" * 100_000 if name.endswith(".json") else b"<a>" * 100_000
    else:
        data = data.replace(b"1", b"1" + b"0" * 5000, 1)
    return {**files, name: data}


@settings(
    max_examples=1,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],  # one batch of cases; shrinking it would re-run them all
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_reader_ends_with_a_result_or_one_line_within_bounds(seeds, tmp_path_factory, data):
    random = data.draw(st.randoms(use_true_random=True))
    cases = []
    for source, files in seeds.items():
        target = "labelme" if source == "supervisely" else "supervisely"
        for number in range(CASES_PER_FORMAT):
            mutated = files if number == 0 else mutate(files, random)  # the seed itself first
            cases.append(
                {
                    "from": source,
                    "to": target,
                    "files": {
                        name: base64.b64encode(blob).decode() for name, blob in mutated.items()
                    },
                }
            )
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "cases.json").write_text(json.dumps(cases))

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    child = subprocess.run(
        [sys.executable, str(CHILD), str(folder / "cases.json"), str(folder / "results.json")],
        preexec_fn=limit_memory,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    results = json.loads((folder / "results.json").read_text())

    seeds_read = [result["code"] for result in results[::CASES_PER_FORMAT]]
    assert seeds_read == [0] * len(seeds), seeds_read  # the unchanged seeds convert
    broken = []
    for case, result in zip(cases, results):
        errors = [line for line in result["stderr"] if not line.startswith("warning: ")]
        as_promised = (result["code"] == 0 and not errors) or (
            result["code"] == 2 and len(errors) == 1 and errors[0].startswith("error: ")
        )
        if not as_promised or "unexpected" in " ".join(errors):
            broken.append((case["from"], result["code"], errors[:2]))
    print("codes:", sorted((c["from"], r["code"]) for c, r in zip(cases, results)))
    assert not broken, f"{len(broken)} of {len(cases)} cases broke the promise: {broken[:8]}"
