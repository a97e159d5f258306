"""How long `auto_bind` takes on a 4K image with 500 to 4,000 fragments, beside a plain approach.

The fragments are small blobs (ellipses of 6 to 24 px radius) in clusters of one to three, a
few pixels apart like the parts of an occluded object, drawn from a seeded generator so every
run times the same annotation. Each size is timed `--repeats` times, alternating with the plain
approach (paint the fragments once, dilate by the gap, connected components, keys on a new
annotation), so that machine noise hits both alike; the figures are medians of wall time, with
the CPU time of the process beside them (on a busy machine the wall time grows, the CPU time
much less). The last columns count the groups each finds: the plain approach is approximate
and mixes classes.

    .venv/bin/python benchmarks/auto_bind_speed.py [--repeats 7] [--max-gap 10]

Target: 2,000 fragments on 3840x2160 in at most 250 ms, growing about linearly with the count.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, List

import cv2
import numpy as np
import supervisely as sly

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from sly_bindings.groups.auto_bind import auto_bind

HEIGHT, WIDTH = 2160, 3840
COUNTS = (500, 1000, 2000, 4000)
TARGET_COUNT, TARGET_MS = 2000, 250.0
CLASSES = [sly.ObjClass(name, sly.Bitmap) for name in ("car", "person", "tree")]


def make_annotation(count: int, seed: int = 0) -> sly.Annotation:
    """``count`` blob-shaped Bitmap labels in clusters of 1-3 with gaps of 2-16 px."""
    rng = np.random.default_rng(seed)
    labels: List[sly.Label] = []
    while len(labels) < count:
        obj_class = CLASSES[int(rng.integers(len(CLASSES)))]
        row, col = int(rng.integers(40, HEIGHT - 120)), int(rng.integers(40, WIDTH - 200))
        for _ in range(min(int(rng.integers(1, 4)), count - len(labels))):
            radius_y, radius_x = int(rng.integers(6, 25)), int(rng.integers(6, 25))
            blob = np.zeros((2 * radius_y + 1, 2 * radius_x + 1), np.uint8)
            angle = float(rng.uniform(0, 180))
            cv2.ellipse(blob, (radius_x, radius_y), (radius_x, radius_y), angle, 0, 360, 1, -1)
            origin = sly.PointLocation(row - radius_y, col)
            labels.append(sly.Label(sly.Bitmap(blob.astype(bool), origin), obj_class))
            col += 2 * radius_x + 1 + int(rng.integers(2, 17))  # the next part, a gap away
    return sly.Annotation((HEIGHT, WIDTH), labels)


def plain_approach(ann: sly.Annotation, max_gap: float) -> sly.Annotation:
    """Paint once, dilate by the gap, connected components: the groups, approximately.

    The baseline the issue compares with, made into a whole answer (an annotation with keys)
    so the two do the same work. Fast but not exact: each blob grows by half the gap with a
    disc of whole pixels, and classes mix.
    """
    canvas = np.zeros((HEIGHT, WIDTH), np.uint8)
    for label in ann.labels:
        geometry = label.geometry
        data, origin = geometry.data, geometry.origin
        rows, cols = data.shape
        region = canvas[origin.row : origin.row + rows, origin.col : origin.col + cols]
        region[data] = 1
    radius = math.ceil(max_gap / 2)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    _, components = cv2.connectedComponents(cv2.dilate(canvas, kernel))
    component_of = []
    for label in ann.labels:
        geometry = label.geometry
        origin, data = geometry.origin, geometry.data
        row, col = np.argwhere(data)[0]
        component_of.append(int(components[origin.row + row, origin.col + col]))
    sizes = np.bincount(component_of)
    labels = [
        label.clone(binding_key=f"plain-{component}") if sizes[component] > 1 else label.clone()
        for label, component in zip(ann.labels, component_of)
    ]
    return ann.clone(labels=labels)


def timed(run: Callable[[], object], wall: List[float], cpu: List[float]) -> None:
    """Run once; append the wall and CPU milliseconds it took."""
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    run()
    wall.append((time.perf_counter() - wall_start) * 1000)
    cpu.append((time.process_time() - cpu_start) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--max-gap", type=float, default=10.0)
    args = parser.parse_args()

    print(f"{WIDTH}x{HEIGHT}, max_gap={args.max_gap:g}, median of {args.repeats} runs")
    print(
        f"{'fragments':>9}  {'auto_bind':>9}  {'(cpu)':>8}  {'per fragment':>12}  "
        f"{'plain':>8}  {'(cpu)':>8}  ratio  groups (plain)"
    )
    results = {}
    for count in COUNTS:
        ann = make_annotation(count)
        auto_bind(ann, args.max_gap)  # warm up caches and lazy imports
        auto_wall: List[float] = []
        auto_cpu: List[float] = []
        plain_wall: List[float] = []
        plain_cpu: List[float] = []
        for _ in range(args.repeats):
            timed(lambda: auto_bind(ann, args.max_gap), auto_wall, auto_cpu)
            timed(lambda: plain_approach(ann, args.max_gap), plain_wall, plain_cpu)
        auto, plain = statistics.median(auto_wall), statistics.median(plain_wall)
        groups = len({label.binding_key for label in auto_bind(ann, args.max_gap).labels} - {None})
        plain_keys = {label.binding_key for label in plain_approach(ann, args.max_gap).labels}
        plain_groups = len(plain_keys - {None})
        results[count] = (auto, statistics.median(auto_cpu))
        print(
            f"{count:>9}  {auto:>6.1f} ms  {statistics.median(auto_cpu):>5.1f} ms"
            f"  {auto / count * 1000:>9.1f} us  {plain:>5.1f} ms  "
            f"{statistics.median(plain_cpu):>5.1f} ms  {auto / plain:>4.2f}x  {groups} ({plain_groups})"
        )

    growth = results[COUNTS[-1]][0] / results[COUNTS[0]][0]
    print(
        f"growth {COUNTS[0]} -> {COUNTS[-1]} fragments: {growth:.1f}x time for "
        f"{COUNTS[-1] // COUNTS[0]}x fragments (linear: 8x, quadratic: 64x)"
    )
    figure, figure_cpu = results[TARGET_COUNT]
    verdict = "meets" if figure <= TARGET_MS else "misses"
    print(
        f"auto_bind, {TARGET_COUNT} fragments on {WIDTH}x{HEIGHT}: {figure:.0f} ms median wall, "
        f"{figure_cpu:.0f} ms CPU ({verdict} <= {TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
