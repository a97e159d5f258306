"""Per-image cost of `sly-bindings convert`, this checkout beside another (issue 21), and
whether both write the same bytes.

The machine is shared and noisy, so both run in this one script, alternating, on the same
input, and what is compared is the CPU time of ``convert`` after its imports (``time.
process_time`` in the process, the SDK's import left out), one process (``--jobs 1``), the
least of ``--reps`` runs. The per-image figure takes away a 20-image run's CPU (what does not
grow with the images), so the ratio is of what each image costs.

The inputs are the benchmark's CVAT task (``convert_speed.cvat_folder``: 64x48 PNGs, 2 groups
of polygons and a box per image) and that task converted into every other format by the
baseline. Each pair's two outputs are compared file by file (CVAT's dates set by
``SOURCE_DATE_EPOCH``), and the lines the two runs print (OUT's name aside).

    .venv/bin/python benchmarks/per_image_cost.py --baseline /work/main/.venv/bin/python \\
        [--size 2000] [--reps 3] [--paths cvat:coco labelme:yolo coco:cvat]

``--baseline``: the Python of a venv whose ``sly_bindings`` is the other checkout (an editable
install). Prints one line per path, then the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_speed import cvat_folder  # noqa: E402  (the benchmark's own input)

SMALL = 20  # the run whose CPU does not grow with the images
SOURCES = ("labelme", "coco", "yolo", "supervisely", "labelstudio")
DEFAULT_PATHS = [
    "cvat:coco",
    "labelme:yolo",
    "coco:cvat",
    "yolo:labelme",
    "supervisely:cvat",
    "labelstudio:coco",
]
# Runs convert in the process, after its imports, and writes its CPU seconds to argv[1].
TIMED = """
import sys, time
import supervisely
import sly_bindings.cli.main as main
import sly_bindings.cli.convert
start = time.process_time()
try:
    main.main(sys.argv[2:])
except SystemExit as end:
    if end.code:
        raise
open(sys.argv[1], "w").write(str(time.process_time() - start))
"""


def make_inputs(folder: Path, size: int, python: str) -> Dict[str, Path]:
    """The benchmark's CVAT task of ``size`` images and it in every other format (by
    ``python``'s convert)."""
    made = {"cvat": folder / "cvat"}
    cvat_folder(made["cvat"], size)
    for source in SOURCES:
        made[source] = folder / source
        subprocess.run(
            [python, "-m", "sly_bindings", "convert", "cvat", source, str(made["cvat"])]
            + [str(made[source]), "--jobs", "1"],
            check=True,
            capture_output=True,
        )
    return made


def cpu_of(python: str, source: str, target: str, given: Path, out: Path) -> Tuple[float, str]:
    """CPU seconds of one ``convert`` after its imports, and what it printed."""
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as seconds:
        run = subprocess.run(
            [python, "-c", TIMED, seconds.name, "convert", source, target, str(given), str(out)]
            + ["--jobs", "1"],
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
        )
        if run.returncode != 0:
            raise SystemExit(f"{python} convert {source} {target} failed:\n{run.stderr[-2000:]}")
        return float(seconds.read()), (run.stdout + run.stderr).replace(str(out), "OUT")


def differing(one: Path, other: Path) -> List[str]:
    """The files that differ between two folders (or are in one only)."""
    names = {p.relative_to(one) for p in one.rglob("*") if p.is_file()}
    names |= {p.relative_to(other) for p in other.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not (one / name).is_file()
        or not (other / name).is_file()
        or (one / name).read_bytes() != (other / name).read_bytes()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the Python of the other checkout")
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--paths", nargs="+", default=DEFAULT_PATHS, help="FROM:TO ...")
    args = parser.parse_args()
    pythons = {"baseline": args.baseline, "this": sys.executable}
    ratios = []
    with tempfile.TemporaryDirectory() as scratch:
        inputs = {
            size: make_inputs(Path(scratch, str(size)), size, args.baseline)
            for size in (SMALL, args.size)
        }
        for path in args.paths:
            source, target = path.split(":")
            cpu: Dict[Tuple[str, int], float] = {}
            printed: Dict[str, str] = {}
            for size in (SMALL, args.size):
                for rep in range(args.reps):
                    order = ("baseline", "this") if rep % 2 == 0 else ("this", "baseline")
                    for which in order:
                        out = Path(scratch, f"out-{which}")
                        seconds, printed[which] = cpu_of(
                            pythons[which], source, target, inputs[size][source], out
                        )
                        cpu[(which, size)] = min(cpu.get((which, size), seconds), seconds)
            diff = differing(Path(scratch, "out-baseline"), Path(scratch, "out-this"))
            per = {
                which: (cpu[(which, args.size)] - cpu[(which, SMALL)]) / (args.size - SMALL)
                for which in pythons
            }
            ratio = per["this"] / per["baseline"]
            ratios.append(f"{path} {ratio:.2f}x")
            print(
                f"{args.size} images {source}->{target}: CPU after imports, least of {args.reps}: "
                f"baseline {cpu[('baseline', args.size)]:.2f} s, this {cpu[('this', args.size)]:.2f}"
                f" s; per image {per['baseline'] * 1000:.3f} ms vs {per['this'] * 1000:.3f} ms: "
                f"{ratio:.2f}x; outputs {'identical' if not diff else 'DIFFER: ' + ', '.join(diff[:5])}"
                f"; printed {'the same' if printed['baseline'] == printed['this'] else 'DIFFERENT'}",
                flush=True,
            )
    print("Per-image CPU, this / baseline: " + "; ".join(ratios))


if __name__ == "__main__":
    main()
