"""Hostile inputs against every reader: how many end as promised, and what the bombs cost.

    .venv/bin/python benchmarks/hostile_inputs.py [--cases 60] [--servers-only]

The promise: a result, or one ``error:`` line and exit code 2. The inputs are the mutations of
``tests/formats/test_reader_fuzz.py`` (``--cases`` per format, from a fixed seed), the bombs
of issue 11 and the file kinds of issue 22 (:func:`file_cases`: encoded masks that declare
gigapixels, images Pillow cannot size, infinite points, string sizes, nested YAML, names too
long, links to /proc, /sys and /dev (through folder links too), FIFOs, a million CVAT boxes,
a 40 MB annotation to discard and to report), each run alone in a child process with a 6 GiB address-space limit, so that its
peak memory (VmHWM, which includes about 300 MB for Python, the SDK and OpenCV) and its time
are its own. ``server_cases`` adds the misbehaving servers of tests/hostile_server.py (issue
22: redirects, token echoes, drips, HTML pages, huge Retry-After, endless and malformed
answers, unconfirmed writes, passwords in SERVER_ADDRESS), run in this process against the
test server. :func:`small_cases` adds issue 22's smaller kinds (names with ESC, CR and LF through
every command, a closed stdout, linked dataset folders, label files without their image, keys
twice in JSON, masks larger than their image). The last line states the counts.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR / "src"), str(REPO_DIR / "tests"), str(REPO_DIR / "tests" / "formats")]

from sly_bindings.cli.main import main as sly_bindings  # noqa: E402
from format_samples import png_header_bytes  # noqa: E402
from test_reader_fuzz import (  # noqa: E402
    CHILD,
    FORMATS,
    MEMORY_LIMIT,
    folder_files,
    mutate,
    small_project,
)

ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    + "names: *j\n"
)


def bombs(seeds: dict) -> dict:
    """Issue 11's small files that cost the most: name -> (from, files)."""
    cvat = dict(seeds["cvat"])
    xml_name = next(name for name in cvat if name.endswith(".xml"))
    cvat[xml_name] = cvat[xml_name].replace(
        b"</image>",
        b"<mask label='car' rle='0, 10000000000' left='0' top='0' width='100000' "
        b"height='100000'/></image>",
        1,
    )
    yolo = {**seeds["yolo"], "data.yaml": ALIAS_BOMB.encode()}
    coco = dict(seeds["coco"])
    coco_name = next(name for name in coco if name.endswith(".json"))
    document = json.loads(coco[coco_name])
    document["annotations"][0]["segmentation"] = {"size": [12, 16], "counts": "5"}
    coco[coco_name] = json.dumps(document).encode()
    labelme = dict(seeds["labelme"])
    labelme_name = next(name for name in labelme if name.endswith(".json"))
    labelme[labelme_name] = b"[" * 100_000 + b"]" * 100_000
    return {
        "CVAT 100000x100000 mask": ("cvat", cvat),
        "YAML alias bomb": ("yolo", yolo),
        "COCO RLE that lies": ("coco", coco),
        "LabelMe JSON 100,000 deep": ("labelme", labelme),
    }


def first_named(files: dict, suffix: str, holding: bytes = b"") -> str:
    return next(name for name in sorted(files) if name.endswith(suffix) and holding in files[name])


def edited_json(files: dict, suffix: str, holding: bytes, edit) -> dict:
    """``files`` with the first ``suffix`` file holding ``holding`` edited as JSON (``edit``
    returns the new text)."""
    name = first_named(files, suffix, holding)
    return {**files, name: edit(json.loads(files[name])).encode()}


def supervisely_bitmap(files: dict, data: str) -> dict:
    def edit(ann: dict) -> str:
        next(o for o in ann["objects"] if "bitmap" in o)["bitmap"]["data"] = data
        return json.dumps(ann)

    return edited_json(files, ".json", b'"bitmap"', edit)


def supervisely_point(files: dict, value: str) -> dict:
    def edit(ann: dict) -> str:
        obj = next(o for o in ann["objects"] if "points" in o)
        obj["points"]["exterior"][0] = ["X", 0]
        return json.dumps(ann).replace('"X"', value, 1)

    return edited_json(files, ".json", b'"exterior"', edit)


def string_size(files: dict) -> dict:
    def edit(ann: dict) -> str:
        ann["size"]["height"] = str(ann["size"]["height"])
        return json.dumps(ann)

    return edited_json(files, ".json", b'"size"', edit)


def cvat_boxes(files: dict, count: int) -> dict:
    name = first_named(files, ".xml")
    box = b'<box label="sign" occluded="0" xtl="1" ytl="1" xbr="3" ybr="3" z_order="0"/>'
    return {**files, name: files[name].replace(b"</image>", box * count + b"</image>", 1)}


def huge_annotation_project() -> dict:
    """benchmarks/discard_memory.py's project of one image with a 40 MB annotation: its files."""
    from discard_memory import write_project

    with tempfile.TemporaryDirectory() as folder:
        write_project(Path(folder), 40)
        return folder_files(Path(folder))


def file_cases(seeds: dict) -> dict:
    """Issue 22's file kinds (sizes, one line exit 2, system files): name -> case, each the
    input of one run (``tests/reader_fuzz_child.py``), ending as promised when it gives a
    result or one ``error:`` line, exit 2."""
    sly_files = seeds["supervisely"]
    huge_png = png_header_bytes(20000, 20000)
    bombs = {
        "bitmap: zlib of a PNG declaring 20000x20000": base64.b64encode(zlib.compress(huge_png)),
        "bitmap: a zlib stream of 256 MB of zeros": base64.b64encode(
            zlib.compress(bytes(256 << 20), 9)
        ),
        "bitmap: base64 of a bare PNG declaring 20000x20000": base64.b64encode(huge_png),
    }
    cases = {
        name: encoded("supervisely", supervisely_bitmap(sly_files, data.decode()))
        for name, data in bombs.items()
    }
    for command in (["report", "{IN}"], ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"]):
        case = encoded(
            "supervisely", supervisely_bitmap(sly_files, bombs[next(iter(bombs))].decode())
        )
        cases[f"{command[0]}: a bitmap declaring 20000x20000"] = {**case, "argv": command}
        for value in ("Infinity", "1e400"):
            case = encoded("supervisely", supervisely_point(sly_files, value))
            cases[f"{command[0]}: {value} in a point"] = {**case, "argv": command}
        cases[f"{command[0]}: a string size"] = {
            **encoded("supervisely", string_size(sly_files)),
            "argv": command,
        }
    cases["convert: Infinity in a point"] = encoded(
        "supervisely", supervisely_point(sly_files, "Infinity")
    )
    cases["convert: a string size"] = encoded("supervisely", string_size(sly_files))
    image = first_named(sly_files, ".png", b"\x89PNG")
    cases["an HDR image named .png"] = encoded(
        "supervisely",
        {**sly_files, image: b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 60000\n"},
    )
    cases["a PAM image named .png"] = encoded(
        "supervisely",
        {**sly_files, image: b"P7\nWIDTH 60000\nHEIGHT 60000\nDEPTH 3\nMAXVAL 255\nENDHDR\n"},
    )
    deep = {**seeds["yolo"], "data.yaml": b"names: " + b"[" * 100000 + b"]" * 100000 + b"\n"}
    cases["a data.yaml nested 100,000 deep"] = encoded("yolo", deep)
    cases["auto-bind --max-gap 1e308"] = {
        **encoded("supervisely", sly_files),
        "argv": ["auto-bind", "{IN}", "--max-gap", "1e308", "--dry-run"],
    }
    cases["a name too long for the file system"] = {
        **encoded("supervisely", sly_files),
        "argv": ["convert", "supervisely", "coco", "{IN}", "{OUT}/" + "a" * 300 + "/out"],
    }
    for source in ("supervisely", "coco", "cvat", "labelme", "labelstudio"):
        files = seeds[source]
        suffix = {"cvat": ".xml", "supervisely": ".json"}.get(source, ".json")
        name = first_named(files, suffix)
        for target in ("/proc/kmsg", "/dev/zero", "/sys/kernel/mm/transparent_hugepage/enabled"):
            case = encoded(source, files)
            cases[f"{source}: {name} a link to {target}"] = {**case, "links": {name: target}}
    # Through a folder link inside IN (a link to a link), a FIFO, a folder link to /proc in IN.
    for source in ("supervisely", "coco", "cvat", "labelme", "labelstudio", "yolo"):
        files = seeds[source]
        suffix = {"cvat": ".xml", "yolo": ".txt"}.get(source, ".json")
        name = first_named(files, suffix)
        through = os.path.relpath("zz_dev/zero", os.path.dirname(name) or ".")
        case = encoded(source, files)
        cases[f"{source}: {name} a link through a folder link to /dev"] = {
            **case,
            "links": {"zz_dev": "/dev", name: through},
        }
        cases[f"{source}: {name} a FIFO"] = {**case, "fifos": [name]}
        parent = os.path.dirname(name)
        cases[f"{source}: a folder link to /proc beside {name}"] = {
            **case,
            "links": {os.path.join(parent, "zz_proc"): "/proc"},
        }
    # A 40 MB annotation (85,000 labels) in a child of 1.5 GiB (Python and the SDK take about
    # 1 GiB of address space; reading the file whole took 1.3 GB more): discard streams it,
    # report refuses it by name (files.project_folder.MAX_WHOLE_ANNOTATION_BYTES).
    huge = huge_annotation_project()
    for command in (["discard", "{IN}"], ["report", "{IN}"]):
        cases[f"{command[0]}: a 40 MB annotation, in 1.5 GiB"] = {
            **encoded("supervisely", huge),
            "argv": command,
            "memory_limit": 3 * 2**29,
        }
    # Read in a child of 3 GiB (below the 2.6 GB that 1,000,000 boxes take): MemoryError.
    cases["CVAT: 1,000,000 boxes, in 3 GiB"] = {
        **encoded("cvat", cvat_boxes(seeds["cvat"], 1_000_000)),
        "memory_limit": 3 * 2**30,
    }
    return cases


# --- issue 22, "smaller, same spirit": names, closed output, said not silent, masks -----------

CONTROL_NAME = "ds\x1b[31m\r\nX"  # ESC, CR and LF in a dataset's name
PROJECT_COMMANDS = (
    ["report", "{IN}"],
    ["validate", "{IN}"],
    ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"],
    ["discard", "{IN}", "--dry-run"],
    ["preview", "{IN}", "{OUT}"],
)


def renamed(files: dict, old: str, new: str) -> dict:
    """``files`` with the path component ``old`` renamed ``new``."""
    return {
        "/".join(new if part == old else part for part in name.split("/")): blob
        for name, blob in files.items()
    }


def linked_out(files: dict, component: str) -> tuple:
    """``(files, links)``: every folder named ``component`` moved out of IN (to a sibling
    folder ``elsewhere``) and linked back in its place."""
    moved, links = {}, {}
    for name, blob in files.items():
        parts = name.split("/")
        if component not in parts:
            moved[name] = blob
            continue
        depth = parts.index(component)
        moved["/".join([".."] * 1 + ["elsewhere"] + parts)] = blob
        folder = "/".join(parts[: depth + 1])
        links[folder] = "/".join([".."] * (depth + 1) + ["elsewhere"] + parts[: depth + 1])
    return moved, links


def key_twice(files: dict, suffix: str) -> dict:
    """``files`` with the first object of the first ``suffix`` file holding a key twice."""
    name = first_named(files, suffix)
    text = files[name].decode()
    start = text.index("{") + 1
    return {
        **files,
        name: (text[:start] + '"zz_twice": 1, "zz_twice": 2, ' + text[start:]).encode(),
    }


def small_cases(seeds: dict) -> dict:
    """Issue 22's smaller kinds: name -> (case, the words stderr must hold, or "" for none).
    Each ends as promised when it gives a result or one ``error:`` line, exit 2 (a closed
    stdout: that line), every line it prints is printable, and stderr holds the words."""
    sly_files = seeds["supervisely"]
    cases: dict = {}
    # A: a dataset named with ESC, CR and LF, through every command and every target.
    named = renamed(sly_files, "ds", CONTROL_NAME)
    for target in FORMATS:
        cases[f"names: convert to {target}"] = ({**encoded("supervisely", named), "to": target}, "")
    for command in PROJECT_COMMANDS:
        cases[f"names: {command[0]}"] = ({**encoded("supervisely", named), "argv": command}, "")
    # B: the standard output closed (>&-), plain and --json.
    for command in PROJECT_COMMANDS + (["convert", "supervisely", "coco", "{IN}", "{OUT}"],):
        for flag in ([], ["--json"]) if command[0] != "preview" else ([],):
            case = {**encoded("supervisely", sly_files), "argv": command + flag}
            cases[f"stdout closed: {' '.join(command[:1] + flag)}"] = (
                {**case, "stdout_closed": True},
                "the standard output is closed",
            )
    # D: a linked dataset folder (every format), a label file without its image, a key twice.
    for source, files in seeds.items():
        moved, links = linked_out(files, "ds")
        cases[f"linked dataset folder: {source}"] = (
            {**encoded(source, moved), "links": links},
            "a link to a folder",
        )
    for source, label, orphan in (
        ("supervisely", "ds/ann/a.png.json", "ds/ann/gone.png.json"),
        ("yolo", "labels/ds/a.txt", "labels/ds/gone.txt"),
        ("labelme", "ds/a.json", "ds/gone.json"),
    ):
        files = seeds[source]
        text = files[label].replace(b"a.png", b"gone.png")
        cases[f"label file without its image: {source}"] = (
            encoded(source, {**files, orphan: text}),
            "gone.",
        )
    for source in ("supervisely", "coco", "labelme", "labelstudio"):
        suffix = ".json"
        cases[f"key twice in a JSON object: {source}"] = (
            encoded(source, key_twice(seeds[source], suffix)),
            "appears twice",
        )
    # F: a mask larger than its image, in every format that encodes masks.
    huge_png = base64.b64encode(png_header_bytes(20000, 20000)).decode()
    for source, edit in (
        (
            "supervisely",
            lambda files: supervisely_bitmap(
                files, base64.b64encode(zlib.compress(png_header_bytes(20000, 20000))).decode()
            ),
        ),
        ("labelme", lambda files: labelme_mask(files, huge_png)),
        ("coco", coco_rle),
        ("cvat", cvat_mask),
        ("labelstudio", labelstudio_brush),
    ):
        cases[f"mask larger than its image: {source}"] = (encoded(source, edit(seeds[source])), "")
    return cases


def labelme_mask(files: dict, data: str) -> dict:
    def edit(document: dict) -> str:
        shape = document["shapes"][0]
        shape.update(shape_type="mask", mask=data, points=[[0, 0], [3, 3]])
        return json.dumps(document)

    return edited_json(files, ".json", b'"shapes"', edit)


def coco_rle(files: dict) -> dict:
    def edit(document: dict) -> str:
        document["annotations"][0]["segmentation"] = {
            "size": [20000, 20000],
            "counts": [0, 400_000_000],
        }
        return json.dumps(document)

    return edited_json(files, ".json", b'"annotations"', edit)


def cvat_mask(files: dict) -> dict:
    name = first_named(files, ".xml")
    mask = (
        b'<mask label="car" source="manual" occluded="0" rle="0, 400000000" left="0" top="0" '
        b'width="20000" height="20000" z_order="0"/>'
    )
    return {**files, name: files[name].replace(b"</image>", mask + b"</image>", 1)}


def labelstudio_brush(files: dict) -> dict:
    count = 20000 * 20000 * 4
    bits = format(count, "032b") + "00111" + "1111" * 4
    bits += "0" * (-len(bits) % 8)
    rle = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)] + [255] * 64

    def edit(tasks: list) -> str:
        result = tasks[0]["annotations"][0]["result"]
        first = result[0]
        result.append(
            {
                "id": "huge",
                "type": "brushlabels",
                "from_name": first["from_name"],
                "to_name": first["to_name"],
                "original_width": first["original_width"],
                "original_height": first["original_height"],
                "value": {"format": "rle", "rle": rle, "brushlabels": ["car"]},
            }
        )
        return json.dumps(tasks)

    return edited_json(files, ".json", b'"annotations"', edit)


def run_small(small: dict, folder: Path) -> int:
    """Run :func:`small_cases` in one child; print each kind's count and each broken case;
    how many ended as promised."""
    results = run_child([case for case, _ in small.values()], folder)
    tried: dict = {}
    for (name, (case, says)), result in zip(small.items(), results):
        if (case.get("argv") or [""])[0] == "validate" and result["code"] == 1:
            result = {**result, "code": 0}  # validate's own exit code: problems found
        promised = small_promise(result, says)
        kind = name.split(":")[0]
        tried.setdefault(kind, []).append(promised)
        if not promised:
            print(f"  broke ({name}): exit {result['code']}: {result['stderr'][-2:]}")
    for kind, held in tried.items():
        print(f"smaller kinds, {kind}: {sum(held)} of {len(held)} ended as promised")
    return sum(sum(held) for held in tried.values())


def small_promise(result: dict, says: str) -> bool:
    """:func:`as_promised`, every line printable, and ``says`` in stderr."""
    return (
        as_promised(result)
        and result.get("printable", True)
        and says in "\n".join(result["stderr"])
    )


def run_child(cases: list, folder: Path, memory_limit: int = MEMORY_LIMIT) -> list:
    (folder / "cases.json").write_text(json.dumps(cases))

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    child = subprocess.run(
        [sys.executable, str(CHILD), str(folder / "cases.json"), str(folder / "results.json")],
        preexec_fn=limit_memory,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if child.returncode != 0:
        return [{"code": child.returncode, "stderr": ["child died"], "seconds": 0}] * len(cases)
    return json.loads((folder / "results.json").read_text())


def as_promised(result: dict) -> bool:
    errors = [line for line in result["stderr"] if not line.startswith("warning: ")]
    if any("unexpected" in line for line in errors) or result.get("leftovers"):
        return False
    return (result["code"] == 0 and not errors) or (
        result["code"] == 2 and len(errors) == 1 and errors[0].startswith("error: ")
    )


def encoded(source: str, files: dict) -> dict:
    target = "labelme" if source == "supervisely" else "supervisely"
    return {
        "from": source,
        "to": target,
        "files": {name: base64.b64encode(blob).decode() for name, blob in files.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=60, help="mutations per format")
    parser.add_argument("--servers-only", action="store_true", help="only server_cases()")
    parser.add_argument("--small-only", action="store_true", help="only small_cases()")
    options = parser.parse_args()
    cases_per_format = options.cases
    if options.servers_only:
        tried, held = server_cases()
        print(f"hostile inputs: {held} of {tried} ended as promised ({tried} misbehaving servers)")
        return
    folder = Path(tempfile.mkdtemp())
    project = small_project(folder / "project")
    seeds = {"supervisely": folder_files(project)}
    for name in FORMATS:
        assert sly_bindings(["convert", "supervisely", name, str(project), str(folder / name)]) == 0
        seeds[name] = folder_files(folder / name)

    if options.small_only:
        small = small_cases(seeds)
        held = run_small(small, folder)
        print(
            f"hostile inputs: {held} of {len(small)} ended as promised ({len(small)} smaller kinds)"
        )
        return
    generator = random.Random(11)
    cases = [
        encoded(source, mutate(files, generator))
        for source, files in seeds.items()
        for _ in range(cases_per_format)
    ]
    results = run_child(cases, folder)
    held = sum(as_promised(result) for result in results)
    print(f"mutations: {held} of {len(results)} ended as promised")
    for (source, _), result in zip(((c["from"], c) for c in cases), results):
        if not as_promised(result):
            print(f"  broke ({source}): exit {result['code']}: {result['stderr'][:1]}")

    bomb_lines = []
    for name, (source, files) in bombs(seeds).items():
        (result,) = run_child([encoded(source, files)], folder)
        held += as_promised(result)
        state = "as promised" if as_promised(result) else f"BROKE: {result['stderr'][:1]}"
        line = f"{name}: {result['seconds']:.2f} s, peak {result.get('peak_rss_mb', 0):.0f} MB, {state}"
        bomb_lines.append(line)
        print(f"  {line}")
    file_lines = []
    for name, case in file_cases(seeds).items():
        (result,) = run_child([case], folder, case.get("memory_limit", MEMORY_LIMIT))
        promised = as_promised(result)
        held += promised
        state = (
            "as promised" if promised else f"BROKE: exit {result['code']}: {result['stderr'][-1:]}"
        )
        line = f"{name}: {result['seconds']:.2f} s, peak {result.get('peak_rss_mb', 0):.0f} MB, {state}"
        file_lines.append(line)
        print(f"  {line}")
    file_held = sum(line.endswith("as promised") for line in file_lines)
    print(f"file kinds (issue 22): {file_held} of {len(file_lines)} ended as promised")
    small = small_cases(seeds)
    held += run_small(small, folder)
    total = len(results) + len(bomb_lines) + len(file_lines) + len(small)
    server_tried, server_held = server_cases()
    held, total = held + server_held, total + server_tried
    print(
        f"hostile inputs: {held} of {total} ended as promised ({len(bomb_lines)} bombs, "
        f"{len(file_lines)} file kinds, {len(small)} smaller kinds, {server_tried} misbehaving "
        "servers)"
    )


# --- misbehaving servers (issue 22, the server half) -------------------------------------------


def server_cases() -> tuple[int, int]:
    """Every case of tests/hostile_server.py over the commands it applies to, in this process
    against the test server: prints each kind's count and each broken case; returns
    ``(tried, ended as promised)``."""
    import collections

    from hostile_server import COMMANDS, CREATORS, ECHOES, ODD_TOKEN_CASES, WRITERS, CASES
    from hostile_server import broken_promises, run_case

    echo_commands = [command for command in COMMANDS if command.name in ("report", "main.py")]
    tried: collections.Counter = collections.Counter()
    held: collections.Counter = collections.Counter()
    folder = Path(tempfile.mkdtemp())
    for number, case in enumerate(CASES):
        if case.on == "write":
            commands = WRITERS
        elif case.on != "first":  # a method only some commands send (projects.add)
            commands = CREATORS
        elif case in ECHOES or case in ODD_TOKEN_CASES:
            commands = echo_commands
        else:
            commands = COMMANDS
        for command in commands:
            outcome = run_case(case, command, folder / f"{number}-{command.name}")
            problems = broken_promises(case, command, outcome)
            tried[case.kind] += 1
            held[case.kind] += not problems
            if problems:
                print(f"  broke ({case.name} / {command.name}): {problems[:2]}")
    for kind in tried:
        print(f"servers, {kind}: {held[kind]} of {tried[kind]} ended as promised")
    return sum(tried.values()), sum(held.values())


if __name__ == "__main__":
    main()
