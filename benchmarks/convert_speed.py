"""`sly-bindings convert` beside Datumaro 1.13.12: CVAT -> COCO with groups, LabelMe -> YOLO,
COCO -> CVAT (issue 21).

A CVAT for images 1.1 task export (``annotations.xml`` + ``images/``) of N small images
(64x48 PNG) is made in a temporary folder; each image has 6 labels: a group of 3 ``car``
polygons, a group of 2 ``person`` polygons (``group_id`` 1 and 2) and 1 unbound ``sign`` box.
The other inputs are made from it, untimed: our LabelMe (JSON) and COCO by ``convert``;
Datumaro's LabelMe (its ``label_me``, the XML LabelMe; it has no reader of LabelMe's JSON) by
Datumaro; both tools read the same COCO. Then, each run in its own process, timed from start to
exit:

- ours: ``python -m sly_bindings convert FROM TO IN OUT`` (``--jobs``: the cores, the default);
- Datumaro 1.13.12: ``Dataset.import_from(IN, FROM).export(OUT, TO, save_media=True)``.

Every group intact, per path: COCO, 3 instances per image (a group is one instance); YOLO,
ours 3 lines per image (a group is one outline); Datumaro 6, a line per shape (its YOLO
writes boxes only: it drops the polygons, and with them the groups); CVAT, 2 groups per image
(shapes sharing a ``group_id``).

LabelMe -> YOLO is timed twice, each beside a run of Datumaro's one YOLO writer (Darknet's
boxes): to our ``yolo`` (Ultralytics segmentation: each group's parts drawn, their union traced
and joined into one outline, work Datumaro's writer does not do) and to our ``yolo-det`` (a box
per object: what Datumaro's writes, less the groups it drops).

Each pair is run ``--repeat`` times (3 by default), in turns that swap which of the two goes
first, each into an empty OUT, after ``os.sync()`` (untimed): neither run pays for writing back
what the run before it, or the making of the inputs, left in the page cache (on this machine
that moved one tool's time by up to 40% from one run to the next). A row gives the median wall
time of each and every run's time; the ratio is of the medians.

Peak memory is measured in one more run of each (untimed: sampling costs CPU the timed runs
would lose): the proportional set size (PSS, ``/proc/<pid>/smaps_rollup``) summed over the run's
process and every process it started, sampled every 50 ms, at its highest. Our ``--jobs``
workers are forked from the parent and share its pages (the SDK's, ~280 MiB): a page shared by
three processes counts a third in each, so the sum is what the run holds, where the max RSS of
one process (``os.wait4``) would leave the workers' own memory out, and a sum of RSS would count
the shared pages three times.

Datumaro cannot share the SDK's venv (its cachetools pin), so it runs from its own venv:
``--datumaro-python``, else ``$SLY_BINDINGS_DATUMARO_PYTHON``, else a venv made (once) under
``$XDG_CACHE_HOME/sly-bindings/datumaro-1.13.12`` (``~/.cache`` by default) with
``pip install datumaro==1.13.12``.

    .venv/bin/python benchmarks/convert_speed.py [--sizes 1000 10000] [--repeat 3]
        [--datumaro-python PATH]

Our modules are byte-compiled first (``compileall``), untimed, as pip compiled Datumaro's when
it installed them: an editable install compiles on its first run, unless
``PYTHONDONTWRITEBYTECODE`` is set (as on CI machines), and then compiles on every run.

``--sizes 100000`` adds the size where memory must stay flat: our peak within 2x the
10,000-image run's. The time to ``import supervisely`` is measured in the same run (the median
of 3; as ``sly-bindings`` imports it, the cyclic garbage collector off): at 1,000 images the
target is for ours less that import. The last line states the figures and whether each target
is met: at 1,000 images (and any size below) the ratio less the import, and the ratio of the
whole runs beside it.

Targets (issue 21): at 10,000 and 100,000 images ours <= 1.0x Datumaro's wall time; at 1,000,
ours less one ``import supervisely`` <= 1.0x; the same for LabelMe -> YOLO and COCO -> CVAT.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATUMARO_VERSION = "1.13.12"
HEIGHT, WIDTH = 48, 64


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


def timed(command: List[str], env: Dict[str, str]) -> float:
    """Wall seconds of ``command``, run to its end; its stderr goes to a file (a pipe read only
    at the end fills and stops a talkative process)."""
    os.sync()  # untimed: what earlier runs wrote is on disk, not written back during this one
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        process.wait()
        wall = time.perf_counter() - start
        succeeded(command, process, errors)
    return wall


def peak_memory(command: List[str], env: Dict[str, str], every: float = 0.05) -> float:
    """The highest PSS (MiB) of ``command``'s process and every process it started, summed,
    sampled every ``every`` seconds while it runs (see the module's docstring)."""
    peak = 0
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        while process.poll() is None:
            peak = max(peak, sum(_pss_kib(pid) for pid in _process_tree(process.pid)))
            time.sleep(every)
        succeeded(command, process, errors)
    return peak / 1024


def succeeded(command: List[str], process: subprocess.Popen, errors: Any) -> None:
    """End this script with ``command``'s stderr (``errors``, a file) unless it exited 0."""
    if process.returncode != 0:
        errors.seek(0)
        error = errors.read().decode(errors="replace")
        raise SystemExit(f"{command[:4]} failed ({process.returncode}):\n{error[-2000:]}")


def _process_tree(root: int) -> List[int]:
    """``root`` and its descendants, by each process's parent in ``/proc/<pid>/stat``."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # "pid (command) state ppid ...": the command may hold spaces and parentheses.
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        children.setdefault(parent, []).append(int(entry))
    tree, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(children.get(pid, []))
    return tree


def _pss_kib(pid: int) -> int:
    """The PSS of process ``pid`` in KiB (0 once it has ended)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


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


# What the SDK costs before any of our code runs, measured in this run (see the floors below):
# imported as ``sly-bindings`` imports it (cli/main.py's load_work: the cyclic collector off).
IMPORT_SCRIPT = "import gc; gc.disable(); import supervisely; gc.freeze()"
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


PATHS = (("cvat", "coco"), ("labelme", "yolo"), ("labelme", "yolo-det"), ("coco", "cvat"))
DATUMARO_NAMES = {
    "cvat": "cvat",
    "coco": "coco_instances",
    "labelme": "label_me",
    "yolo": "yolo",
    "yolo-det": "yolo",  # Datumaro's one YOLO writer: boxes (Darknet)
}
DATUMARO_CONVERT = """
import sys
import datumaro as dm
dataset = dm.Dataset.import_from(sys.argv[1], sys.argv[2])
dataset.export(sys.argv[3], sys.argv[4], save_media=True)
"""


def yolo_lines_per_image(out: Path) -> List[int]:
    """How many lines each label file of ``out`` (any folder below it) has."""
    return [
        len(path.read_text().splitlines())
        for path in sorted(out.rglob("img_*.txt"))  # an image's labels (not a list of files)
    ]


def cvat_groups_per_image(out: Path) -> List[int]:
    """How many groups (a ``group_id`` two or more shapes share) each image of ``out``'s
    ``annotations.xml`` (or ``annotations/*.xml``) has."""
    import xml.etree.ElementTree as ET
    from collections import Counter

    counts: List[int] = []
    for xml_path in sorted(out.rglob("*.xml")):
        for image in ET.parse(xml_path).getroot().iterfind(".//image"):
            ids = Counter(shape.get("group_id") for shape in image if shape.get("group_id"))
            counts.append(sum(1 for key, size in ids.items() if key != "0" and size > 1))
    return counts


def intact(target: str, out: Path, size: int, ours: bool) -> bool:
    """Every group intact in ``out`` (see the module's docstring)."""
    if target == "coco":
        return instances_per_image(out) == [3] * size
    if target in ("yolo", "yolo-det"):
        return yolo_lines_per_image(out) == [3 if ours else 6] * size
    return cvat_groups_per_image(out) == [2] * size


def in_child(*args: str) -> str:
    """What this script prints, run in a process of its own with ``args`` (``--make-cvat`` or
    ``--intact``): its work's memory is never this process's (see the module's docstring)."""
    return subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def at_least_one(text: str) -> int:
    """``--repeat``: a whole number from 1 (no run has no median), else argparse's one line.

    Examples:
        >>> at_least_one("3")
        3
    """
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--repeat",
        type=at_least_one,
        default=3,
        help="runs of each tool per row (the median is taken), 1 or more",
    )
    parser.add_argument("--datumaro-python", help="a Python with datumaro 1.13.12 installed")
    parser.add_argument("--make-cvat", nargs=2, metavar=("FOLDER", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--intact", nargs=4, metavar=("TO", "OUT", "SIZE", "OURS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.make_cvat:  # in a child: see in_child
        cvat_folder(Path(args.make_cvat[0]), int(args.make_cvat[1]))
        return
    if args.intact:  # in a child: see in_child
        target, out, size, ours = args.intact
        print(intact(target, Path(out), int(size), ours == "ours"))
        return
    dm_python = datumaro_python(args.datumaro_python)
    ours_env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}"}
    dm_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ours_command = [sys.executable, "-m", "sly_bindings", "convert"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    sdk_import, _ = sdk_floors(sys.executable)
    print(f"import supervisely: {sdk_import:.2f} s (the median of 3)")
    # (path, size): (ours median wall, ours peak MiB, Datumaro's the same, ours intact, theirs)
    found: Dict[Tuple[str, int], Tuple[float, float, float, float, bool, bool]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            folder = Path(scratch, str(size))
            ours_in = {"cvat": folder / "cvat"}
            in_child("--make-cvat", str(ours_in["cvat"]), str(size))
            for made in ("labelme", "coco"):  # untimed: the other inputs, ours
                ours_in[made] = folder / f"in-{made}"
                subprocess.run(
                    [*ours_command, "cvat", made, str(ours_in["cvat"]), str(ours_in[made])],
                    env=ours_env,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            dm_in = {**ours_in, "labelme": folder / "dm-in-label_me"}
            subprocess.run(
                [
                    dm_python,
                    "-c",
                    DATUMARO_CONVERT,
                    str(ours_in["cvat"]),
                    "cvat",
                    str(dm_in["labelme"]),
                    "label_me",
                ],
                env=dm_env,
                check=True,
                stderr=subprocess.DEVNULL,
            )
            for source, target in PATHS:
                ours_out, dm_out = folder / f"ours-{target}", folder / f"dm-{target}"
                commands = {
                    "ours": (
                        [*ours_command, source, target, str(ours_in[source]), str(ours_out)],
                        ours_env,
                        ours_out,
                    ),
                    "datumaro": (
                        [
                            dm_python,
                            "-c",
                            DATUMARO_CONVERT,
                            str(dm_in[source]),
                            DATUMARO_NAMES[source],
                            str(dm_out),
                            DATUMARO_NAMES[target],
                        ],
                        dm_env,
                        dm_out,
                    ),
                }
                runs: Dict[str, List[float]] = {"ours": [], "datumaro": []}
                for turn in range(args.repeat):
                    # Turns swap which goes first; each writes into an empty OUT.
                    for who in ("ours", "datumaro") if turn % 2 == 0 else ("datumaro", "ours"):
                        command, env, out = commands[who]
                        shutil.rmtree(out, ignore_errors=True)
                        runs[who].append(timed(command, env))
                memory = {}
                for who, (command, env, out) in commands.items():  # one more run each, untimed
                    shutil.rmtree(out, ignore_errors=True)
                    memory[who] = peak_memory(command, env)
                kept = tuple(
                    in_child("--intact", target, str(out), str(size), who) == "True"
                    for out, who in ((ours_out, "ours"), (dm_out, "datumaro"))
                )
                ours, theirs = (
                    (statistics.median(runs[who]), memory[who]) for who in ("ours", "datumaro")
                )
                found[(f"{source}->{target}", size)] = (*ours, *theirs, *kept)
                wall = ours[0] - sdk_import if size <= 1000 else ours[0]
                each = {who: "/".join(f"{wall:.2f}" for wall in runs[who]) for who in runs}
                print(
                    f"{size:>6} images  {source + '->' + target:<17} ours {ours[0]:6.2f} s "
                    f"({each['ours']}) {ours[1]:6.1f} MiB  datumaro {theirs[0]:6.2f} s "
                    f"({each['datumaro']}) {theirs[1]:6.1f} MiB  "
                    f"ratio {wall / theirs[0]:.2f}x"
                    f"{' (less the import)' if size <= 1000 else ''}  groups intact: ours "
                    f"{kept[0]}, datumaro {kept[1]}",
                    flush=True,
                )
                shutil.rmtree(ours_out)
                shutil.rmtree(dm_out)
            shutil.rmtree(folder)
    figures = []
    for (path, size), (wall, memory, dm_wall, dm_memory, ours_kept, _) in found.items():
        ratio = (wall - sdk_import if size <= 1000 else wall) / dm_wall
        # Below 10,000 images the target is for ours less the import; the whole run beside it.
        whole = f" ({wall / dm_wall:.2f}x with it)" if size <= 1000 else ""
        figures.append(
            f"{path} {size:,}: {ratio:.2f}x{' less import' if size <= 1000 else ''}{whole} "
            f"({'met' if ratio <= 1.0 else 'NOT met'}), peak {memory:.0f} vs {dm_memory:.0f} MiB"
            f"{'' if ours_kept else ', GROUPS NOT INTACT'}"
        )
    sizes = sorted({size for _, size in found})
    if 10000 in sizes and 100000 in sizes:
        for path in {path for path, _ in found}:
            growth = found[(path, 100000)][1] / found[(path, 10000)][1]
            figures.append(
                f"{path} peak 100,000/10,000: {growth:.2f}x ({'met' if growth <= 2 else 'NOT met'})"
            )
    print(
        f"Ours vs Datumaro 1.13.12 (ratio of the median wall times of {args.repeat} "
        f"run{'' if args.repeat == 1 else 's'}, target "
        "<= 1.0x): " + "; ".join(figures)
    )


if __name__ == "__main__":
    main()
