"""retry_safe.py against the test server: a lost answer is recovered, a real conflict is not."""

from __future__ import annotations

import numpy as np
import cv2
import pytest
import requests

import retry_safe


@pytest.fixture
def image_path(tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), np.full((4, 6, 3), 90, np.uint8))
    return str(path)


def test_create_project_takes_the_next_free_name(sly_server, sly_api):
    sly_server.seed_project("tutorial-bindings")
    project = retry_safe.create_project(sly_api, sly_server.workspace_id, "tutorial-bindings")
    assert project.name == "tutorial-bindings_001"


@pytest.mark.parametrize("lost", ["fail_next", "drop_next"])
def test_a_project_made_by_a_lost_first_try_is_used_not_duplicated(
    sly_server, sly_api, capsys, lost
):
    getattr(sly_server, lost)(1, endpoint="projects.add", after_processing=True)

    project = retry_safe.create_project(sly_api, sly_server.workspace_id, "p")

    assert [(p["id"], p["name"]) for p in sly_server.find_projects()] == [(project.id, "p")]
    assert sly_server.request_counts["projects.add"] == 2
    assert f"already had project 'p' (id={project.id})" in capsys.readouterr().out


def test_a_dataset_made_by_a_lost_first_try_is_used(sly_server, sly_api, capsys):
    project_id = sly_server.seed_project("p")
    sly_server.fail_next(1, endpoint="datasets.add", after_processing=True)

    dataset = retry_safe.create_dataset(sly_api, project_id, "dataset-01")

    assert [d["id"] for d in sly_server.find_datasets(project_id=project_id)] == [dataset.id]
    assert "already had dataset 'dataset-01'" in capsys.readouterr().out


def test_a_dataset_with_images_is_someone_elses_and_the_error_stands(sly_server, sly_api):
    project_id = sly_server.seed_project("p")
    dataset_id = sly_server.seed_dataset(project_id, "dataset-01")
    sly_server.seed_image(dataset_id, "a.png", width=4, height=4)
    with pytest.raises(requests.HTTPError, match="400"):
        retry_safe.create_dataset(sly_api, project_id, "dataset-01")


def test_an_image_made_by_a_lost_first_try_is_used(sly_server, sly_api, image_path, capsys):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.drop_next(1, endpoint="images.bulk.add", after_processing=True)

    image = retry_safe.upload_image(sly_api, dataset_id, "photo.png", image_path)

    assert [i["id"] for i in sly_server.find_images(dataset_id=dataset_id)] == [image.id]
    assert (image.width, image.height) == (6, 4)
    assert "already had image 'photo.png'" in capsys.readouterr().out


def test_an_image_with_other_bytes_under_that_name_is_not_adopted(sly_server, sly_api, image_path):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.seed_image(dataset_id, "photo.png", width=5, height=5)
    with pytest.raises(requests.HTTPError, match="400"):
        retry_safe.upload_image(sly_api, dataset_id, "photo.png", image_path)
    assert len(sly_server.find_images(dataset_id=dataset_id)) == 1


def test_other_errors_pass_through_untouched():
    def refuse():
        response = requests.Response()
        response.status_code = 404
        raise requests.HTTPError("404", response=response)

    with pytest.raises(requests.HTTPError, match="404"):
        retry_safe.created_once(refuse, lambda: pytest.fail("must not look"), bool, "x")


@pytest.mark.parametrize("fault", ["fail_next", "drop_next"])
def test_a_failed_multipart_upload_is_sent_again_whole(sly_server, sly_api, image_path, fault):
    """The SDK's own retry would resend an already-read body and hang (see upload_image)."""
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    getattr(sly_server, fault)(1, endpoint="images.bulk.upload")

    image = retry_safe.upload_image(sly_api, dataset_id, "photo.png", image_path)

    assert sly_server.get_image_bytes(image.id) == open(image_path, "rb").read()
    assert sly_server.request_counts["images.bulk.upload"] == 2
    assert sly_api.retry_count == 2  # the SDK's retries are back on afterwards


def test_upload_gives_up_after_the_apis_attempts(sly_server, sly_api, image_path):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.fail_next(2, endpoint="images.bulk.upload")
    with pytest.raises(requests.exceptions.RetryError):
        retry_safe.upload_image(sly_api, dataset_id, "photo.png", image_path)
    assert sly_server.find_images(dataset_id=dataset_id) == []
