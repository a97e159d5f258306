"""src/main.py in local mode, from a folder outside the repo: in a process of its own as a user
runs it (the first test, and the default output folder), in this process for the rest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from commands import checkout_copy, main_captured

import pytest
import supervisely as sly

REPO_DIR = Path(__file__).resolve().parents[2]
MAIN = REPO_DIR / "src" / "main.py"
TUTORIAL_PHOTO = REPO_DIR.parent / "shared" / "reference" / "tutorial-photo"


def run_main(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """main.py in this process, as the script runs it, with the test's isolated environment
    (empty HOME, no credentials)."""
    return main_captured(*args, cwd=cwd)


def run_main_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """main.py as a user runs it: a process of its own."""
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def group_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("Group # ")]


def reopen(project_dir: Path) -> tuple[sly.Project, sly.Annotation]:
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    dataset = project.datasets.get("dataset-01")
    (item_name,) = dataset.get_items_names()
    return project, dataset.get_ann(item_name, project.meta)


def test_both_parts_run_locally_and_the_project_reopens(tmp_path):
    result = run_main_process("--local", str(tmp_path / "projects"), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (group,) = group_lines(result.stdout)
    assert group.endswith("has 3 labels")
    assert "0 labels do not have binding" in result.stdout
    project_dir = tmp_path / "projects" / "tutorial-bindings"
    assert f"Local project written: {project_dir}" in result.stdout
    assert result.stdout.startswith(f"Target: local project {project_dir} (--local given)")

    project, ann = reopen(project_dir)
    assert project.name == "tutorial-bindings"
    assert [c.name for c in project.meta.obj_classes] == ["car"]
    assert project.datasets.get("dataset-01").get_items_names() == ["image.jpg"]
    assert [label.geometry.geometry_name() for label in ann.labels] == ["bitmap"] * 3
    assert [label.binding_key for label in ann.labels] == [None] * 3  # Part 2 unbound them
    assert ann.img_size == (720, 1280)
    assert not list((tmp_path / "projects").glob(".*partial"))


def test_a_second_run_takes_the_next_free_name(tmp_path):
    for _ in range(2):
        assert run_main("--local", str(tmp_path), cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [
        "tutorial-bindings",
        "tutorial-bindings_001",
    ]


def test_without_settings_the_project_goes_under_output_in_the_repo(tmp_path):
    checkout = checkout_copy(tmp_path / "checkout")
    result = subprocess.run(
        [sys.executable, str(checkout / "src" / "main.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert "no SERVER_ADDRESS and API_TOKEN" in first_line
    written = next(
        line.split(": ", 1)[1]
        for line in result.stdout.splitlines()
        if line.startswith("Local project written: ")
    )
    project_dir = Path(written)
    assert project_dir.parent == checkout / "output"
    assert (checkout / "output" / "bindings_preview.png").is_file()
    reopen(project_dir)


@pytest.mark.skipif(not TUTORIAL_PHOTO.is_dir(), reason="../shared/reference is not here")
def test_the_tutorial_photo_with_its_three_channel_masks(tmp_path):
    masks = sorted(str(p) for p in (TUTORIAL_PHOTO / "car_masks").glob("car_0*.png"))
    result = run_main(
        "--local",
        str(tmp_path),
        "--image",
        str(TUTORIAL_PHOTO / "image.jpg"),
        "--masks",
        *masks,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    (group,) = group_lines(result.stdout)
    assert group.endswith("has 3 labels")
    project, ann = reopen(tmp_path / "tutorial-bindings")
    assert ann.img_size == (1282, 1920)
    assert len(ann.labels) == 3


def test_a_photo_exif_turns_is_annotated_and_previewed_turned(tmp_path):
    # Stored 90 wide and 60 high with EXIF orientation 6: sly.image.read gives 60 wide, 90 high.
    from PIL import Image

    import cv2
    import numpy as np

    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (90, 60), (200, 30, 30)).save(tmp_path / "photo.jpg", exif=exif.tobytes())
    masks = []
    for number, rows in enumerate([(5, 20), (40, 60)], start=1):
        mask = np.zeros((90, 60), np.uint8)  # drawn on the image as shown: 60 wide, 90 high
        mask[rows[0] : rows[1], 10:30] = 255
        cv2.imwrite(str(tmp_path / f"car_{number}.png"), mask)
        masks.append(str(tmp_path / f"car_{number}.png"))
    preview = tmp_path / "preview.png"

    result = run_main(
        "--local", str(tmp_path / "projects"), "--image", str(tmp_path / "photo.jpg"),
        "--masks", *masks, "--preview", str(preview), cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert f"Bindings preview saved: {preview}" in result.stdout
    assert cv2.imread(str(preview)).shape[1] == 60  # the turned width, as the annotation's
    _, ann = reopen(tmp_path / "projects" / "tutorial-bindings")
    assert ann.img_size == (90, 60)
