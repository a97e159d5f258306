"""Peak memory of ``sly-bindings discard`` on one huge annotation of a local project.

Issue 22: "A 147 MB annotation needs over 4 GiB to discard: peak memory stays a small multiple
of the largest file." This script writes a local Supervisely project of one image whose
annotation is about ``--mb`` MB (polygons, points and bitmaps, every other label bound, one label
a line with no indent: the most labels, so the most Python objects, per MB), then runs, each in a child process
of its own:

- ``idle``: ``import supervisely`` and nothing else: what any command costs before it reads;
- ``discard``: ``sly-bindings discard DIR`` (``sly_bindings.cli.main.main``).

Each child prints its peak RSS (``VmHWM`` of /proc/self/status, Linux only; not ``ru_maxrss``,
which a child inherits from its parent at fork). The figure is the discard's peak over the idle
one, as a multiple of the file's size, and the file is checked afterwards: every label kept,
none bound.

    .venv/bin/python benchmarks/discard_memory.py [--mb 150] [--runs 1]

Target: at most 3x the file.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Dict, Iterator

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR / "src")]

TARGET_RATIO = 3.0
IMAGE_SIZE = 2000  # height and width, pixels
CLASSES = {"car": "polygon", "sign": "point", "mask": "bitmap"}
MIB = 1024 * 1024


def bitmap_data(side: int) -> str:
    """A Supervisely bitmap ``data`` of a ``side`` x ``side`` mask: base64 of zlib of a PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (side, side), 1).save(buffer, format="PNG")
    return base64.b64encode(zlib.compress(buffer.getvalue())).decode()


def label_json(index: int, bitmap: str) -> Dict:
    """Label ``index`` as the SDK writes it: mostly polygons of 24 points, some points, every
    500th a bitmap; every other label bound (``instance``)."""
    x, y = (index * 7) % (IMAGE_SIZE - 100), (index * 13) % (IMAGE_SIZE - 100)
    if index % 500 == 0:
        geometry = {"bitmap": {"data": bitmap, "origin": [x, y]}}
        class_name = "mask"
    elif index % 10 == 0:
        geometry = {"points": {"exterior": [[x, y]], "interior": []}}
        class_name = "sign"
    else:
        exterior = [[x + (i * 3) % 50, y + (i * 5) % 50] for i in range(24)]
        geometry = {"points": {"exterior": exterior, "interior": []}}
        class_name = "car"
    label = {
        "id": index,
        "classId": list(CLASSES).index(class_name) + 1,
        "description": "",
        "geometryType": CLASSES[class_name],
        "labelerLogin": "bench",
        "tags": [],
        "classTitle": class_name,
        **geometry,
    }
    if index % 2 == 0:
        label["instance"] = f"group-{index // 4}"
    return label


def annotation_chunks(target_bytes: int) -> Iterator[str]:
    """The annotation's text, label by label, until it is at least ``target_bytes`` long."""
    bitmap = bitmap_data(64)
    head = json.dumps({"description": "", "size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE}})
    yield head[:-1] + ', "tags": [], "objects": [\n'
    written, index = 0, 0
    while written < target_bytes:
        text = ("" if index == 0 else ",\n") + json.dumps(label_json(index, bitmap))
        written += len(text)
        index += 1
        yield text
    yield "\n    ]\n}"


def write_project(folder: Path, megabytes: float) -> Path:
    """A local project of one image in ``folder``; the annotation file's path."""
    from PIL import Image

    meta = {
        "classes": [
            {"title": name, "shape": shape, "color": "#FF0000", "geometry_config": {}}
            for name, shape in CLASSES.items()
        ],
        "tags": [],
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "ds0" / "img").mkdir(parents=True)
    (folder / "ds0" / "ann").mkdir()
    Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE)).save(folder / "ds0" / "img" / "a.png")
    ann_path = folder / "ds0" / "ann" / "a.png.json"
    with open(ann_path, "w") as file:
        for chunk in annotation_chunks(int(megabytes * 1e6)):
            file.write(chunk)
    return ann_path


def run_child(*args: str) -> Dict[str, float]:
    """Run this script with ``--child ARGS`` in a fresh process; what it printed last."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"child {args} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(args: list) -> None:
    """``idle``: import the SDK; ``discard DIR``: run ``sly-bindings discard DIR``."""
    start = time.perf_counter()
    if args[0] == "idle":
        import supervisely  # noqa: F401
    else:
        from sly_bindings.cli.main import main as sly_bindings

        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                code = sly_bindings(["discard", args[1]])
            finally:
                sys.stdout = stdout
        if code != 0:
            sys.exit(f"sly-bindings discard ended with {code}")
    seconds = time.perf_counter() - start
    print(json.dumps({"peak_mib": peak_rss_mib(), "seconds": seconds}))


def peak_rss_mib() -> float:
    """This process's peak RSS since it started (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: this benchmark measures RSS on Linux")


def all_unbound(ann_path: Path, labels: int) -> bool:
    """The file still has ``labels`` labels and none is bound (read once, after the runs)."""
    with open(ann_path) as file:
        objects = json.load(file)["objects"]
    return len(objects) == labels and not any("instance" in label for label in objects)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=150.0, help="annotation size, MB")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    idle = run_child("idle")["peak_mib"]
    print(f"idle 'import supervisely': peak {idle:.0f} MiB")
    worst, worst_peak = 0.0, 0.0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            ann_path = write_project(Path(folder), args.mb)
            size = ann_path.stat().st_size
            with open(ann_path) as file:
                labels = sum(1 for line in file if line.startswith('{"id": '))
            measured = run_child("discard", folder)
            ok = all_unbound(ann_path, labels)
        ratio = (measured["peak_mib"] - idle) / (size / MIB)
        worst, worst_peak = max(worst, ratio), max(worst_peak, measured["peak_mib"] - idle)
        print(
            f"run {run + 1}: {size / 1e6:.0f} MB, {labels:,} labels: peak {measured['peak_mib']:.0f} "
            f"MiB ({measured['peak_mib'] - idle:+.0f} over idle) = {ratio:.1f}x the file, "
            f"{measured['seconds']:.1f} s, all unbound: {'yes' if ok else 'NO'}"
        )
        if not ok:
            sys.exit("the discarded file is wrong")
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    runs = f" (worst of {args.runs} runs)" if args.runs > 1 else ""
    print(
        f"discard of a {size / 1e6:.0f} MB annotation: peak {worst_peak:.0f} MiB over idle = "
        f"{worst:.1f}x the file{runs} (target <= {TARGET_RATIO:g}x): {verdict}"
    )


if __name__ == "__main__":
    main()
