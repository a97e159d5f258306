"""How long `merge_group` takes for a 10-part group on a 3840x2160 (4K) image.

The group is a bus that nine passers-by split into ten mask fragments, together about a third
of the frame: the size of object a 4K dataset is made of. Beside it, for scale, the union done
the obvious way (each part drawn by the SDK on a canvas of its own, OR-ed), and the same
group drawn as ten polygons. The cases run in turn, so machine noise hits them alike; the
figure is the median:

    .venv/bin/python benchmarks/group_merge_speed.py [--runs 50]

Target: merge_group of the ten masks in at most 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List

import cv2
import numpy as np
import supervisely as sly

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from sly_bindings.groups.merge import group_mask, merge_group

IMAGE_SIZE = (2160, 3840)
PARTS = 10
TARGET_MS = 20.0


def bus_parts() -> List[sly.Label]:
    """Ten bound Bitmap labels: an elliptic bus cut by nine vertical gaps (the passers-by)."""
    bus = np.zeros(IMAGE_SIZE, dtype=np.uint8)
    cv2.ellipse(bus, (1900, 1150), (1750, 650), 0, 0, 360, 1, thickness=-1)
    edges = np.linspace(150, 3650, PARTS + 1).astype(int)
    bus_class = sly.ObjClass("bus", sly.Bitmap)
    parts = []
    for left, right in zip(edges[:-1], edges[1:]):
        part = np.zeros(IMAGE_SIZE, dtype=bool)
        part[:, left : right - 40] = bus[:, left : right - 40] == 1  # a 40-pixel walker
        parts.append(sly.Label(sly.Bitmap(part), bus_class, binding_key="bus"))
    return parts


def as_polygons(parts: List[sly.Label]) -> List[sly.Label]:
    """The same group as Polygon labels (each part's outer contour)."""
    polygon_class = sly.ObjClass("bus", sly.Polygon)
    return [
        sly.Label(part.geometry.to_contours()[0], polygon_class, binding_key="bus")
        for part in parts
    ]


def canvas_per_part(parts: List[sly.Label]) -> np.ndarray:
    """The union the obvious way: each part drawn by the SDK on an image-sized canvas, OR-ed."""
    union = np.zeros(IMAGE_SIZE, dtype=bool)
    for part in parts:
        canvas = np.zeros(IMAGE_SIZE, dtype=bool)
        part.geometry.draw(canvas, True)
        union |= canvas
    return union


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs

    parts = bus_parts()
    polygons = as_polygons(parts)
    cases: Dict[str, Callable[[], object]] = {
        "merge_group, 10 masks": lambda: merge_group(parts, IMAGE_SIZE),
        "group_mask, 10 masks": lambda: group_mask(parts, IMAGE_SIZE),
        "a 4K canvas per part": lambda: canvas_per_part(parts),
        "merge_group, 10 polygons": lambda: merge_group(polygons, IMAGE_SIZE),
    }
    # The result is the union, whichever way it is made.
    merged = merge_group(parts, IMAGE_SIZE)
    assert merged.geometry.area == int(canvas_per_part(parts).sum())
    assert np.array_equal(group_mask(parts, IMAGE_SIZE), canvas_per_part(parts))

    times: Dict[str, List[float]] = {name: [] for name in cases}
    for case in cases.values():  # warm-up
        case()
    for _ in range(runs):
        for name, case in cases.items():
            start = time.perf_counter()
            case()
            times[name].append((time.perf_counter() - start) * 1000)

    medians = {name: statistics.median(values) for name, values in times.items()}
    area = merged.geometry.area / (IMAGE_SIZE[0] * IMAGE_SIZE[1])
    print(f"{PARTS} parts covering {area:.0%} of a {IMAGE_SIZE[1]}x{IMAGE_SIZE[0]} image")
    for name, values in times.items():
        print(
            f"{name:26} median {medians[name]:7.2f} ms  (min {min(values):.2f}, max {max(values):.2f})"
        )
    figure = medians["merge_group, 10 masks"]
    ratio = medians["a 4K canvas per part"] / figure
    verdict = "meets" if figure <= TARGET_MS else "misses"
    print(
        f"merge_group of a {PARTS}-part group at {IMAGE_SIZE[1]}x{IMAGE_SIZE[0]}: median "
        f"{figure:.1f} ms over {runs} runs, {ratio:.0f}x faster than a 4K canvas per part "
        f"({verdict} <= {TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
