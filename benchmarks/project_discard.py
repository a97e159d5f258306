"""Discard the bindings of a whole project three ways, against the test server with 20 ms latency.

Rows, each on a freshly seeded project of 1,000 images in 2 datasets, 5 mask labels per image
in 2 groups (a car in 3 parts, a person in 2):

1. the tutorial's per-image loop: ``download_json`` + ``upload_ann`` for every image;
2. the straightforward SDK batch loop: ``download_json_batch`` + ``upload_anns`` per dataset;
3. ``sly-bindings discard`` (``sly_bindings.cli.main.main()`` called in the client process).

The server runs in this process and each row's client in a subprocess, so that the client's
peak RSS (``VmHWM`` of /proc/self/status, Linux only) is its own; "RSS +MB" is that peak over
the one the client had reached with its imports alone. Wall time is the client's work
after its imports (the same for every row). Rows 2 and 3 run ``--runs`` times, alternately, and
their medians are compared; row 1 (about 70 s) runs once, or not at all with ``--skip-row1``.
Last, rows 2 and 3 run once on 10,000 images, to show that the peak RSS of ours does not grow
with the project:

    .venv/bin/python benchmarks/project_discard.py [--runs 3] [--skip-row1]

Target: row 3 sends no more requests than row 2 and takes at most half its wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR / "src"), str(REPO_DIR / "tests")]

LATENCY_SEC = 0.02
DATASETS = 2
IMAGE_HEIGHT, IMAGE_WIDTH = 48, 64
ROWS = {
    "tutorial": "1. tutorial per-image loop",
    "batch": "2. SDK batch loop",
    "ours": "3. sly-bindings discard",
}
TIME_RATIO_TARGET = 0.5


def bench_annotation_json() -> dict:
    """One image's annotation as the server stores it: a car in 3 parts, a person in 2."""
    import numpy as np
    import supervisely as sly

    car, person = sly.ObjClass("car", sly.Bitmap), sly.ObjClass("person", sly.Bitmap)
    labels = []
    for part in range(3):
        mask = np.zeros((IMAGE_HEIGHT, IMAGE_WIDTH), bool)
        mask[10:20, 5 + 15 * part : 15 + 15 * part] = True
        labels.append(sly.Label(sly.Bitmap(mask), car, binding_key="car"))
    for part in range(2):
        mask = np.zeros((IMAGE_HEIGHT, IMAGE_WIDTH), bool)
        mask[25 + 10 * part : 32 + 10 * part, 20:30] = True
        labels.append(sly.Label(sly.Bitmap(mask), person, binding_key="person"))
    ann = sly.Annotation((IMAGE_HEIGHT, IMAGE_WIDTH), labels)
    return sly.Annotation._to_subpixel_coordinate_system_json(ann.to_json())


def seed_project(server, images: int) -> int:
    """A project of ``images`` bound annotations in ``DATASETS`` datasets; returns its id."""
    import supervisely as sly
    from sly_test_server.imaging import blank_png

    meta = sly.ProjectMeta(
        obj_classes=[sly.ObjClass("car", sly.Bitmap), sly.ObjClass("person", sly.Bitmap)]
    )
    project_id = server.seed_project("bench", meta=meta)
    ann_json, png = bench_annotation_json(), blank_png(IMAGE_WIDTH, IMAGE_HEIGHT)
    for number in range(DATASETS):
        dataset_id = server.seed_dataset(project_id, f"ds{number}")
        for index in range(images // DATASETS):
            server.seed_image(
                dataset_id, f"img_{index:05d}.png", data=png, ann_json=ann_json, pixel_coords=False
            )
    return project_id


def all_unbound(server) -> bool:
    """Every image still has its 5 labels and none of them is bound."""
    for image in server.find_images():
        labels = server.get_annotation(image["id"])["objects"]
        if len(labels) != 5 or any(label.get("instance") is not None for label in labels):
            return False
    return True


def run_client(script: str, row: str, server, project_id: int) -> Dict[str, float]:
    """Run ``script --client row`` in a subprocess against ``server`` (an empty HOME, the
    server's address and token, PROJECT_ID), and return what it printed as JSON on its last
    line, with the number of requests the server answered."""
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,  # never a developer's ~/supervisely.env
            "SERVER_ADDRESS": server.url,
            "API_TOKEN": server.token,
            "PROJECT_ID": str(project_id),
        }
        result = subprocess.run(
            [sys.executable, script, "--client", row],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        sys.exit(f"row {row} failed:\n{result.stderr[-3000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured["requests"] = sum(server.request_counts.values())
    return measured


def run_row(row: str, images: int) -> Dict[str, float]:
    """Seed a fresh server, run the row's client in a subprocess, and measure it."""
    from sly_test_server import SlyTestServer

    with SlyTestServer(latency=LATENCY_SEC) as server:
        project_id = seed_project(server, images)
        server.reset_requests()
        measured = run_client(__file__, row, server, project_id)
        measured["correct"] = all_unbound(server)
    return measured


# the clients, each in its own process


def client(row: str) -> None:
    import supervisely as sly

    from sly_bindings.cli.main import main as sly_bindings_main
    from bindings import discard_bindings

    api = sly.Api(os.environ["SERVER_ADDRESS"], os.environ["API_TOKEN"])
    project_id = int(os.environ["PROJECT_ID"])
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    if row == "tutorial":
        meta = sly.ProjectMeta.from_json(api.project.get_meta(project_id))
        for dataset in api.dataset.get_list(project_id):
            for image in api.image.get_list(dataset.id):
                ann = sly.Annotation.from_json(api.annotation.download_json(image.id), meta)
                api.annotation.upload_ann(image.id, discard_bindings(ann))
    elif row == "batch":
        meta = sly.ProjectMeta.from_json(api.project.get_meta(project_id))
        for dataset in api.dataset.get_list(project_id):
            image_ids = [image.id for image in api.image.get_list(dataset.id)]
            ann_jsons = api.annotation.download_json_batch(dataset.id, image_ids)
            anns = [sly.Annotation.from_json(ann_json, meta) for ann_json in ann_jsons]
            api.annotation.upload_anns(image_ids, [discard_bindings(ann) for ann in anns])
    else:
        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                sly_bindings_main(["discard", "--project-id", str(project_id)])
            finally:
                sys.stdout = stdout
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), "rss_before_mb": rss_before}))


def peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM), in MB.

    Not ``ru_maxrss``: on Linux a child inherits that from its parent at fork, so a client
    started by this benchmark would report the server's memory as its own.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status: this benchmark measures RSS on Linux")


# the table


def table_line(name: str, images: int, runs: List[Dict[str, float]]) -> str:
    seconds = statistics.median(run["seconds"] for run in runs)
    rss = max(run["rss_mb"] for run in runs)
    growth = max(run["rss_mb"] - run["rss_before_mb"] for run in runs)
    requests = max(run["requests"] for run in runs)
    correct = "yes" if all(run["correct"] for run in runs) else "NO"
    return (
        f"{name:30} {images:>7,} {requests:>9,} {seconds:>9.2f} {len(runs):>5} "
        f"{rss:>9.0f} {growth:>+8.0f} {correct:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of rows 2 and 3 (default 3)")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000, help="images for the RSS check")
    parser.add_argument("--skip-row1", action="store_true", help="skip the 70 s per-image row")
    parser.add_argument("--client", choices=list(ROWS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client)
        return

    results: Dict[str, List[Dict[str, float]]] = {row: [] for row in ROWS}
    if not args.skip_row1:
        results["tutorial"].append(run_row("tutorial", args.images))
    for _ in range(args.runs):
        for row in ("batch", "ours"):
            results[row].append(run_row(row, args.images))
    large = {row: run_row(row, args.large) for row in ("batch", "ours")}

    print(
        f"{'row':30} {'images':>7} {'requests':>9} {'median s':>9} {'runs':>5} "
        f"{'peak MB':>9} {'RSS +MB':>8} {'correct':>8}"
    )
    for row, name in ROWS.items():
        if results[row]:
            print(table_line(name, args.images, results[row]))
    for row, measured in large.items():
        print(table_line(ROWS[row], args.large, [measured]))

    batch, ours = results["batch"], results["ours"]
    ratio = statistics.median(run["seconds"] for run in ours) / statistics.median(
        run["seconds"] for run in batch
    )
    requests_ours = max(run["requests"] for run in ours)
    requests_batch = max(run["requests"] for run in batch)
    verdict = (
        "meets" if requests_ours <= requests_batch and ratio <= TIME_RATIO_TARGET else "misses"
    )
    print(
        f"our discard: {requests_ours} requests vs {requests_batch} for the SDK batch loop, "
        f"{ratio:.2f}x its wall time ({verdict} <= {requests_batch} requests and "
        f"<= {TIME_RATIO_TARGET}x); peak RSS {max(run['rss_mb'] for run in ours):.0f} MB at "
        f"{args.images:,} images, {large['ours']['rss_mb']:.0f} MB at {args.large:,} (SDK batch "
        f"loop: {max(run['rss_mb'] for run in batch):.0f} MB, {large['batch']['rss_mb']:.0f} MB)"
    )


if __name__ == "__main__":
    main()
