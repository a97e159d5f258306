"""Hostile inputs against every reader: how many end as promised, and what the bombs cost.

    .venv/bin/python benchmarks/hostile_inputs.py [--cases 60] [--servers-only]

The promise: a result, or one ``error:`` line and exit code 2. The inputs are the mutations of
``tests/formats/test_reader_fuzz.py`` (``--cases`` per format, from a fixed seed) and the bombs
of issue 11, each run alone in a child process with a 6 GiB address-space limit, so that its
peak memory (VmHWM, which includes about 300 MB for Python, the SDK and OpenCV) and its time
are its own. ``server_cases`` adds the misbehaving servers of tests/hostile_server.py (issue
22: redirects, token echoes, drips, HTML pages, huge Retry-After, endless and malformed
answers), run in this process against the test server. The last line states the counts.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR / "src"), str(REPO_DIR / "tests"), str(REPO_DIR / "tests" / "formats")]

from sly_bindings.cli.main import main as sly_bindings  # noqa: E402
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


def run_child(cases: list, folder: Path) -> list:
    (folder / "cases.json").write_text(json.dumps(cases))

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

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
    if any("unexpected" in line for line in errors):
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
    total = len(results) + len(bomb_lines)
    server_tried, server_held = server_cases()
    held, total = held + server_held, total + server_tried
    print(
        f"hostile inputs: {held} of {total} ended as promised ({len(bomb_lines)} bombs, "
        f"{server_tried} misbehaving servers)"
    )


# --- misbehaving servers (issue 22, the server half) -------------------------------------------


def server_cases() -> tuple[int, int]:
    """Every case of tests/hostile_server.py over the commands it applies to, in this process
    against the test server: prints each kind's count and each broken case; returns
    ``(tried, ended as promised)``."""
    import collections

    from hostile_server import COMMANDS, ECHOES, ODD_TOKEN_CASES, WRITERS, CASES
    from hostile_server import broken_promises, run_case

    echo_commands = [command for command in COMMANDS if command.name in ("report", "main.py")]
    tried: collections.Counter = collections.Counter()
    held: collections.Counter = collections.Counter()
    folder = Path(tempfile.mkdtemp())
    for number, case in enumerate(CASES):
        if case.on == "write":
            commands = WRITERS
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
