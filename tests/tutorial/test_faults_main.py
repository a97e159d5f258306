"""src/main.py when the server fails part of the time: bounded retries finish the work, a lost
answer to a create never leaves a duplicate, and a run that gives up loses no label."""

from __future__ import annotations

import os
import subprocess

from commands import main_captured


def run_main(server, tmp_path) -> subprocess.CompletedProcess:
    """main.py against ``server``, in this process as the script runs it (the environment is
    restored after the test by conftest; what the SDK itself prints is test_sdk_warnings.py's)."""
    os.environ.update(
        SERVER_ADDRESS=server.url, API_TOKEN=server.token, WORKSPACE_ID=str(server.workspace_id)
    )
    return main_captured("--preview", tmp_path / "preview.png")


def bound_groups(ann_json: dict) -> list[int]:
    keys = [o.get("instance") for o in ann_json["objects"] if o.get("instance") is not None]
    return sorted(keys.count(key) for key in set(keys))


def assert_one_complete_tutorial_project(server) -> None:
    (project,) = server.find_projects()
    (image,) = server.find_images()
    part1, part2 = server.annotation_versions(image["id"])
    assert project["name"] == "tutorial-bindings"
    assert bound_groups(part1) == [3] and bound_groups(part2) == []
    assert len(part2["objects"]) == 3


def test_a_burst_of_5xx_and_a_dropped_connection_are_ridden_out(sly_server, tmp_path):
    sly_server.fail_next(3, status=503, endpoint="images.bulk.upload")
    sly_server.fail_next(2, status=502, endpoint="projects.meta.update")
    sly_server.drop_next(1, endpoint="annotations.bulk.add")

    result = run_main(sly_server, tmp_path)

    assert result.returncode == 0, result.stderr
    assert sly_server.pending_faults == 0
    assert_one_complete_tutorial_project(sly_server)
    # Each retried call is one plain note, in the order the tutorial meets them.
    assert result.stderr.splitlines() == [
        f"note: {sly_server.url}/public/api/v3/projects.meta.update answered 502; trying again",
        f"note: {sly_server.url}/public/api/v3/images.bulk.upload answered 503; trying again",
        f"note: no answer from {sly_server.url}/public/api/v3/annotations.bulk.add; trying again",
    ]


def test_lost_answers_to_creates_never_leave_duplicates(sly_server, tmp_path):
    sly_server.fail_next(1, status=503, endpoint="projects.add", after_processing=True)
    sly_server.drop_next(1, endpoint="datasets.add", after_processing=True)
    sly_server.drop_next(1, endpoint="images.bulk.add", after_processing=True)

    result = run_main(sly_server, tmp_path)

    assert result.returncode == 0, result.stderr
    assert_one_complete_tutorial_project(sly_server)
    notes = [line for line in result.stdout.splitlines() if line.startswith("Note: ")]
    assert [note.split(" (id=")[0] for note in notes] == [
        "Note: the server already had project 'tutorial-bindings'",
        "Note: the server already had dataset 'dataset-01'",
        "Note: the server already had image 'image.jpg'",
    ]


def test_a_run_that_gives_up_says_so_and_a_rerun_completes_without_losing_labels(
    sly_server, tmp_path
):
    sly_server.fail_next(5, status=503, endpoint="annotations.bulk.add")  # all 5 attempts

    failed = run_main(sly_server, tmp_path)

    assert failed.returncode == 2
    assert failed.stderr.splitlines()[-1].startswith(
        f"error: no usable answer from {sly_server.url} after all retries"
    )
    (first_image,) = sly_server.find_images()
    assert sly_server.annotation_versions(first_image["id"]) == []  # nothing half-uploaded

    rerun = run_main(sly_server, tmp_path)

    assert rerun.returncode == 0, rerun.stderr
    assert [p["name"] for p in sly_server.find_projects()] == [
        "tutorial-bindings",
        "tutorial-bindings_001",
    ]
    second_image = sly_server.find_images()[-1]
    part1, part2 = sly_server.annotation_versions(second_image["id"])
    assert bound_groups(part1) == [3] and len(part2["objects"]) == 3
