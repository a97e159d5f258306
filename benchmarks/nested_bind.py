"""Nested binding of a whole project, three rows, against the test server with 20 ms latency.

Each row runs on a freshly seeded project of 1,000 images in 2 datasets; each image holds a
person polygon, a head polygon 80 % inside it and a hand box 30 % inside it:

1. the "Group nested objects" app's approach: per image ``download_json``,
   ``auto_bind_nested`` and ``upload_ann``;
2. ``sly-bindings discard`` on the same images already bound (every image changes), for the
   number of requests a batched edit of every image needs;
3. ``sly-bindings auto-bind --parents person --children head hand --min-overlap 0.5``.

The server runs in this process and each row's client in a subprocess; wall time is the
client's work after its imports. Row 3 runs ``--runs`` times and its median is taken:

    .venv/bin/python benchmarks/nested_bind.py [--runs 3] [--images 1000]

Target: row 3 sends no more requests than row 2 and takes at most 0.1x row 1's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR / "src"), str(REPO_DIR / "tests"), str(Path(__file__).parent)]

from project_discard import peak_rss_mb, run_client  # noqa: E402  (the same VmHWM measure)

LATENCY_SEC = 0.02
DATASETS = 2
IMAGE_HEIGHT, IMAGE_WIDTH = 48, 64
ROWS = {
    "app": "1. per-image loop (the app)",
    "discard": "2. sly-bindings discard",
    "ours": "3. sly-bindings auto-bind nested",
}
TIME_RATIO_TARGET = 0.1
PARENTS, CHILDREN = ["person"], ["head", "hand"]


def meta():
    import supervisely as sly

    return sly.ProjectMeta(
        obj_classes=[
            sly.ObjClass("person", sly.Polygon),
            sly.ObjClass("head", sly.Polygon),
            sly.ObjClass("hand", sly.Rectangle),
        ]
    )


def walker(bound: bool):
    """A person (rows 5..24, columns 10..29), its head 4 of 5 rows inside, a hand 3 of 10."""
    import supervisely as sly

    from sly_bindings.groups.nested import auto_bind_nested

    person, head, hand = meta().obj_classes

    def polygon(top, left, bottom, right, obj_class):
        corners = [(top, left), (top, right), (bottom, right), (bottom, left)]
        return sly.Label(sly.Polygon([sly.PointLocation(r, c) for r, c in corners]), obj_class)

    ann = sly.Annotation(
        (IMAGE_HEIGHT, IMAGE_WIDTH),
        [
            polygon(5, 10, 24, 29, person),
            polygon(21, 12, 25, 16, head),
            sly.Label(sly.Rectangle(22, 20, 31, 20), hand),
        ],
    )
    return auto_bind_nested(ann, PARENTS, CHILDREN) if bound else ann


def seed_project(server, images: int, bound: bool) -> int:
    import supervisely as sly
    from sly_test_server.imaging import blank_png

    project_id = server.seed_project("walkers", meta=meta())
    ann_json = sly.Annotation._to_subpixel_coordinate_system_json(walker(bound).to_json())
    png = blank_png(IMAGE_WIDTH, IMAGE_HEIGHT)
    for number in range(DATASETS):
        dataset_id = server.seed_dataset(project_id, f"ds{number}")
        for index in range(images // DATASETS):
            server.seed_image(
                dataset_id, f"img_{index:05d}.png", data=png, ann_json=ann_json, pixel_coords=False
            )
    return project_id


def groupings(server) -> List[List[List[int]]]:
    from bound_projects import groups_of

    return [groups_of(server.get_annotation(image["id"])) for image in server.find_images()]


def run_row(row: str, images: int) -> Dict[str, float]:
    """Seed a fresh server, run the row's client in a subprocess, and measure it."""
    from sly_test_server import SlyTestServer

    with SlyTestServer(latency=LATENCY_SEC) as server:
        project_id = seed_project(server, images, bound=row == "discard")
        server.reset_requests()
        measured = run_client(__file__, row, server, project_id)
        expected = [] if row == "discard" else [[0, 1]]
        measured["correct"] = all(grouping == expected for grouping in groupings(server))
    return measured


def client(row: str) -> None:
    import supervisely as sly

    from sly_bindings.cli.main import main as sly_bindings_main
    from sly_bindings.groups.nested import auto_bind_nested

    api = sly.Api(os.environ["SERVER_ADDRESS"], os.environ["API_TOKEN"])
    project_id = int(os.environ["PROJECT_ID"])
    start = time.perf_counter()
    if row == "app":
        project_meta = sly.ProjectMeta.from_json(api.project.get_meta(project_id))
        for dataset in api.dataset.get_list(project_id):
            for image in api.image.get_list(dataset.id):
                ann = sly.Annotation.from_json(api.annotation.download_json(image.id), project_meta)
                api.annotation.upload_ann(image.id, auto_bind_nested(ann, PARENTS, CHILDREN))
    else:
        command = (
            ["discard"]
            if row == "discard"
            else ["auto-bind", "--parents", *PARENTS, "--children", *CHILDREN]
        )
        with open(os.devnull, "w") as quiet:
            stdout, sys.stdout = sys.stdout, quiet
            try:
                sly_bindings_main([*command, "--project-id", str(project_id)])
            finally:
                sys.stdout = stdout
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb()}))


def table_line(name: str, images: int, runs: List[Dict[str, float]]) -> str:
    seconds = statistics.median(run["seconds"] for run in runs)
    requests = max(run["requests"] for run in runs)
    correct = "yes" if all(run["correct"] for run in runs) else "NO"
    rss = max(run["rss_mb"] for run in runs)
    return (
        f"{name:34} {images:>7,} {requests:>9,} {seconds:>9.2f} {len(runs):>5} {rss:>9.0f} "
        f"{correct:>8}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of row 3 (default 3)")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--client", choices=list(ROWS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client)
        return

    results: Dict[str, List[Dict[str, float]]] = {
        "app": [run_row("app", args.images)],
        "discard": [run_row("discard", args.images)],
        "ours": [run_row("ours", args.images) for _ in range(args.runs)],
    }
    print(
        f"{'row':34} {'images':>7} {'requests':>9} {'median s':>9} {'runs':>5} "
        f"{'peak MB':>9} {'correct':>8}"
    )
    for row, name in ROWS.items():
        print(table_line(name, args.images, results[row]))

    app = statistics.median(run["seconds"] for run in results["app"])
    ours = statistics.median(run["seconds"] for run in results["ours"])
    requests_ours = max(run["requests"] for run in results["ours"])
    requests_discard = max(run["requests"] for run in results["discard"])
    requests_app = max(run["requests"] for run in results["app"])
    ratio = ours / app
    verdict = (
        "meets" if requests_ours <= requests_discard and ratio <= TIME_RATIO_TARGET else "misses"
    )
    print(
        f"nested auto-bind over {args.images:,} images: {requests_ours} requests (discard "
        f"{requests_discard}, per-image loop {requests_app}), {ours:.2f} s = {ratio:.3f}x the "
        f"per-image loop's {app:.2f} s ({verdict} <= {requests_discard} requests and "
        f"<= {TIME_RATIO_TARGET}x)"
    )


if __name__ == "__main__":
    main()
