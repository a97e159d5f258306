"""CVAT -> COCO with groups: `sly-bindings convert cvat coco` beside Datumaro 1.13.12.

A CVAT for images 1.1 task export (``annotations.xml`` + ``images/``) of N small images
(64x48 PNG) is made in a temporary folder; each image has 6 labels: a group of 3 ``car``
polygons, a group of 2 ``person`` polygons (``group_id`` 1 and 2) and 1 unbound ``sign`` box.
Then, each in its own process, timed from start to exit:

- ours: ``python -m sly_bindings convert cvat coco IN OUT`` (the layout
  ``annotations/instances_<subset>.json`` + ``images/<subset>/``);
- Datumaro 1.13.12: ``Dataset.import_from(IN, "cvat").export(OUT, "coco_instances",
  save_media=True)``.

Datumaro cannot share the SDK's venv (its cachetools pin), so it runs from its own venv:
``--datumaro-python``, else ``$SLY_BINDINGS_DATUMARO_PYTHON``, else a venv made (once) under
``$XDG_CACHE_HOME/sly-bindings/datumaro-1.13.12`` (``~/.cache`` by default) with
``pip install datumaro==1.13.12``.

Printed per size: wall time, peak memory (max RSS of the process, ``os.wait4``), images per
second for both, the ratio ours / Datumaro, and whether every group came out as one instance
(3 instances per image) in both outputs. The last line states the figure.

    .venv/bin/python benchmarks/convert_speed.py [--sizes 1000 10000] [--datumaro-python PATH]

Then, in the same run, the floors the SDK sets for any conversion that goes through
Supervisely annotations (as ``convert`` does): the time to ``import supervisely``, and the time
the SDK takes to make the 6 labels of one image and their ``sly.Annotation`` (every reader makes
them once), beside Datumaro's whole run and its whole cost per image.

Targets (issue 13): at most 1.5x Datumaro's wall time at 1,000 images, 1.0x at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATUMARO_VERSION = "1.13.12"
TARGETS = {1000: 1.5, 10000: 1.0}
HEIGHT, WIDTH = 48, 64
DATUMARO_SCRIPT = """
import sys
import datumaro as dm
dataset = dm.Dataset.import_from(sys.argv[1], "cvat")
dataset.export(sys.argv[2], "coco_instances", save_media=True)
"""


def cvat_folder(folder: Path, count: int) -> None:
    """A CVAT task export of ``count`` images, 6 labels each (2 groups, 1 unbound label)."""
    images = folder / "images"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    encoded = cv2.imencode(".png", rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8))[1]
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<annotations>",
        "  <version>1.1</version>",
        "  <meta><task><name>bench</name><size>%d</size><mode>annotation</mode><labels>" % count,
        *(
            f"    <label><name>{name}</name><type>{kind}</type><attributes/></label>"
            for name, kind in (("car", "polygon"), ("person", "polygon"), ("sign", "rectangle"))
        ),
        "  </labels></task></meta>",
    ]

    def polygon(label: str, left: int, top: int, group: int) -> str:
        points = f"{left},{top};{left + 8},{top};{left + 8},{top + 6};{left},{top + 6}"
        return (
            f'    <polygon label="{label}" source="manual" occluded="0" points="{points}" '
            f'z_order="0" group_id="{group}"/>'
        )

    for number in range(count):
        name = f"img_{number:05d}.png"
        (images / name).write_bytes(encoded.tobytes())
        lines.append(f'  <image id="{number}" name="{name}" width="{WIDTH}" height="{HEIGHT}">')
        lines += [polygon("car", 2 + 10 * i, 2, 1) for i in range(3)]
        lines += [polygon("person", 2 + 10 * i, 20, 2) for i in range(2)]
        lines.append(
            '    <box label="sign" source="manual" occluded="0" xtl="40.0" ytl="30.0" '
            'xbr="60.0" ybr="44.0" z_order="0"/>'
        )
        lines.append("  </image>")
    lines.append("</annotations>")
    (folder / "annotations.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(command: List[str], env: Dict[str, str]) -> Tuple[float, float]:
    """Wall seconds and peak memory (MiB, max RSS) of ``command``, run to its end."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{error[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def instances_per_image(out: Path) -> List[int]:
    """How many instances each image of every ``annotations/*.json`` in ``out`` has."""
    counts: List[int] = []
    for json_path in sorted((out / "annotations").glob("*.json")):
        coco = json.loads(json_path.read_text())
        per_image = {image["id"]: 0 for image in coco["images"]}
        for instance in coco["annotations"]:
            per_image[instance["image_id"]] += 1
        counts += per_image.values()
    return counts


# What the SDK costs before any of our code runs, measured in this run (see the floors below).
IMPORT_SCRIPT = "import supervisely"
ANNOTATION_SCRIPT = """
import time
import supervisely as sly
car, person = sly.ObjClass("car", sly.Polygon), sly.ObjClass("person", sly.Polygon)
sign = sly.ObjClass("sign", sly.Rectangle)

def corners(left, top):
    return [sly.PointLocation(row, col) for row, col in
            ((top, left), (top, left + 8), (top + 6, left + 8), (top + 6, left))]

start = time.perf_counter()
for _ in range(1000):
    labels = [sly.Label(sly.Polygon(corners(2 + 10 * i, 2)), car, binding_key="1") for i in range(3)]
    labels += [sly.Label(sly.Polygon(corners(2 + 10 * i, 20)), person, binding_key="2")
               for i in range(2)]
    labels.append(sly.Label(sly.Rectangle(30, 40, 43, 59), sign))
    sly.Annotation((48, 64), labels)
print((time.perf_counter() - start) / 1000)
"""


def sdk_floors(python: str) -> Tuple[float, float]:
    """Seconds to import the SDK (the median of 3 runs), and seconds per image for the SDK to
    make the benchmark's 6 labels and their ``sly.Annotation`` (every reader makes them once)."""
    imports = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([python, "-c", IMPORT_SCRIPT], check=True)
        imports.append(time.perf_counter() - start)
    result = subprocess.run(
        [python, "-c", ANNOTATION_SCRIPT], check=True, capture_output=True, text=True
    )
    return sorted(imports)[1], float(result.stdout.split()[-1])


def datumaro_python(given: str | None) -> str:
    """The Python of a venv with Datumaro 1.13.12, made under the cache folder if missing."""
    given = given or os.environ.get("SLY_BINDINGS_DATUMARO_PYTHON")
    if given:
        return given
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    venv = cache / "sly-bindings" / f"datumaro-{DATUMARO_VERSION}"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import datumaro; print(datumaro.__version__)"]
    if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == (
        DATUMARO_VERSION
    ):
        return str(python)
    print(f"making a venv with datumaro=={DATUMARO_VERSION} in {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"datumaro=={DATUMARO_VERSION}"], check=True
    )
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--datumaro-python", help="a Python with datumaro 1.13.12 installed")
    args = parser.parse_args()
    dm_python = datumaro_python(args.datumaro_python)
    ours_env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}"}
    results = []
    walls: Dict[int, Tuple[float, float]] = {}  # size: (ours, Datumaro's) wall seconds
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            cvat = Path(scratch, f"cvat-{size}")
            cvat_folder(cvat, size)
            ours_out, dm_out = Path(scratch, f"ours-{size}"), Path(scratch, f"dm-{size}")
            ours_command = [sys.executable, "-m", "sly_bindings", "convert", "cvat", "coco"]
            ours = timed([*ours_command, str(cvat), str(ours_out)], ours_env)
            theirs = timed(
                [dm_python, "-c", DATUMARO_SCRIPT, str(cvat), str(dm_out)],
                {k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            )
            intact = {
                name: instances_per_image(out) == [3] * size
                for name, out in (("ours", ours_out), ("datumaro", dm_out))
            }
            ratio = ours[0] / theirs[0]
            for name, (wall, memory) in (("ours", ours), (f"datumaro {DATUMARO_VERSION}", theirs)):
                print(
                    f"{size:>6} images  {name:<16} {wall:7.2f} s  {memory:7.1f} MiB peak  "
                    f"{size / wall:8.1f} images/s"
                )
            print(
                f"{size:>6} images  ratio ours/datumaro {ratio:.2f}x (target <= "
                f"{TARGETS.get(size, float('nan')):.1f}x); every group one instance: "
                f"ours {intact['ours']}, datumaro {intact['datumaro']}"
            )
            results.append((size, ratio))
            walls[size] = (ours[0], theirs[0])
    # The floors the SDK sets, beside Datumaro's own costs: its whole run, and its cost per image
    # (the difference between two sizes per image; its whole run per image with one size).
    sdk_import, per_annotation = sdk_floors(sys.executable)
    sizes = sorted(walls)
    first, last = sizes[0], sizes[-1]
    dm_per_image = (
        (walls[last][1] - walls[first][1]) / (last - first)
        if last != first
        else walls[first][1] / first
    )
    print(
        f"SDK floors: import supervisely {sdk_import:.2f} s (Datumaro's whole run at "
        f"{first:,} images: {walls[first][1]:.2f} s, {sdk_import / walls[first][1]:.2f}x); "
        f"making the 6 labels' sly.Annotation {1000 * per_annotation:.3f} ms per image "
        f"(Datumaro's whole conversion: {1000 * dm_per_image:.3f} ms per image, "
        f"{per_annotation / dm_per_image:.2f}x)"
    )
    print(
        "CVAT->COCO with groups, wall time ours/Datumaro: "
        + ", ".join(f"{ratio:.2f}x at {size:,} images" for size, ratio in results)
    )


if __name__ == "__main__":
    main()
