"""How fast ``sly-bindings`` answers when there is no work: beside ``import supervisely``.

Each command runs in a new process, timed from start to exit, N times, the three kinds taking
turns (so that a busy machine slows them alike):

- ``python -c "import supervisely"``: the SDK's import, the floor of any command with work;
- ``python -m sly_bindings --help``;
- ``python -m sly_bindings report`` (a usage error: the target is missing);
- ``python -m sly_bindings convert nosuch coco a b`` (a usage error: an unknown format).

Printed: the median and the fastest time of each, and the ratio of each median to the SDK's.
The last line states the ratios. Target (issue 19): at most 0.25x.

    .venv/bin/python benchmarks/cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from typing import Dict, List

TARGET = 0.25
SDK = "import supervisely"
COMMANDS: Dict[str, List[str]] = {
    SDK: [sys.executable, "-c", "import supervisely"],
    "sly-bindings --help": [sys.executable, "-m", "sly_bindings", "--help"],
    "sly-bindings report (usage error)": [sys.executable, "-m", "sly_bindings", "report"],
    "sly-bindings convert nosuch coco a b (usage error)": [
        sys.executable,
        "-m",
        "sly_bindings",
        "convert",
        "nosuch",
        "coco",
        "a",
        "b",
    ],
}


def timed(command: List[str]) -> float:
    """Seconds from start to exit of ``command`` (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    runs = parser.parse_args().runs
    times: Dict[str, List[float]] = {name: [] for name in COMMANDS}
    for name, command in COMMANDS.items():  # one unmeasured run each: the disk cache warms
        timed(command)
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(timed(command))
    floor = statistics.median(times[SDK])
    ratios = {}
    print(f"{'command':55} {'median s':>9} {'fastest s':>9} {'ratio':>6}")
    for name, measured in times.items():
        median = statistics.median(measured)
        ratios[name] = median / floor
        print(f"{name:55} {median:9.3f} {min(measured):9.3f} {ratios[name]:6.2f}")
    worst = max(ratio for name, ratio in ratios.items() if name != SDK)
    shown = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items() if name != SDK)
    verdict = "within" if worst <= TARGET else "above"
    print(
        f"Median of {runs} runs against python -c 'import supervisely' ({floor:.2f} s): {shown}; "
        f"worst {worst:.2f}x, {verdict} the target of {TARGET}x"
    )


if __name__ == "__main__":
    main()
