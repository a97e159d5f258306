"""How much `python src/main.py` (local mode, both parts) costs beside `import supervisely`.

Importing the SDK is the floor of any script that uses it; the tutorial's own work should be
small beside it. The two commands run alternately, so that machine noise hits both alike, and
the ratio of their medians is the figure:

    .venv/bin/python benchmarks/main_startup.py [--runs 9]

Target: at most 1.15x (issue 10).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.15


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs

    import_only = [sys.executable, "-c", "import supervisely"]
    with tempfile.TemporaryDirectory() as output:
        tutorial = [sys.executable, str(REPO_DIR / "src" / "main.py"), "--local", output]
        wall_time(import_only)  # warm the file cache for both
        wall_time(tutorial)
        times: dict[str, list[float]] = {"import supervisely": [], "src/main.py --local": []}
        for _ in range(runs):
            times["import supervisely"].append(wall_time(import_only))
            times["src/main.py --local"].append(wall_time(tutorial))

    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(
            f"{name:22} median {medians[name]:.3f} s  (min {min(values):.3f}, max {max(values):.3f})"
        )
    ratio = medians["src/main.py --local"] / medians["import supervisely"]
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(
        f"main.py / import supervisely = {ratio:.2f}x over {runs} runs ({verdict} <= {TARGET_RATIO}x)"
    )


if __name__ == "__main__":
    main()
