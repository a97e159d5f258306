"""retry_safe around the SDK's own calls, against the test server: a lost answer is recovered, a
real conflict is not. Each test calls the SDK as src/main.py does."""

from __future__ import annotations

from unittest.mock import create_autospec

import cv2
import numpy as np
import pytest
import requests
import supervisely as sly

from sly_bindings.server import retry_safe


def create_project(api, workspace_id, name):
    """src/main.py's project create: the SDK call, and retry_safe around it."""
    try:
        return api.project.create(workspace_id, name, change_name_if_conflict=True)
    except requests.HTTPError as error:
        return retry_safe.made_by_lost_answer(api, error)


def create_dataset(api, project_id, name):
    try:
        return api.dataset.create(project_id, name)
    except requests.HTTPError as error:
        return retry_safe.made_by_lost_answer(api, error)


def upload_image(api, dataset_id, name, path):
    return retry_safe.whole_call(api, api.image.upload_path, dataset_id, name, path)


@pytest.fixture
def image_path(tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), np.full((4, 6, 3), 90, np.uint8))
    return str(path)


def test_create_project_takes_the_next_free_name(sly_server, sly_api):
    sly_server.seed_project("tutorial-bindings")
    project = create_project(sly_api, sly_server.workspace_id, "tutorial-bindings")
    assert project.name == "tutorial-bindings_001"


@pytest.mark.parametrize("lost", ["fail_next", "drop_next"])
def test_a_project_made_by_a_lost_first_try_is_used_not_duplicated(
    sly_server, sly_api, capsys, lost
):
    getattr(sly_server, lost)(1, endpoint="projects.add", after_processing=True)

    project = create_project(sly_api, sly_server.workspace_id, "p")

    assert [(p["id"], p["name"]) for p in sly_server.find_projects()] == [(project.id, "p")]
    assert sly_server.request_counts["projects.add"] == 2
    assert f"already had project 'p' (id={project.id})" in capsys.readouterr().out


def test_a_dataset_made_by_a_lost_first_try_is_used(sly_server, sly_api, capsys):
    project_id = sly_server.seed_project("p")
    sly_server.fail_next(1, endpoint="datasets.add", after_processing=True)

    dataset = create_dataset(sly_api, project_id, "dataset-01")

    assert [d["id"] for d in sly_server.find_datasets(project_id=project_id)] == [dataset.id]
    assert "already had dataset 'dataset-01'" in capsys.readouterr().out


def test_a_dataset_with_images_is_someone_elses_and_the_error_stands(sly_server, sly_api):
    project_id = sly_server.seed_project("p")
    dataset_id = sly_server.seed_dataset(project_id, "dataset-01")
    sly_server.seed_image(dataset_id, "a.png", width=4, height=4)
    with pytest.raises(requests.HTTPError, match="400"):
        create_dataset(sly_api, project_id, "dataset-01")


def test_an_image_made_by_a_lost_first_try_is_used(sly_server, sly_api, image_path, capsys):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.drop_next(1, endpoint="images.bulk.add", after_processing=True)

    image = upload_image(sly_api, dataset_id, "photo.png", image_path)

    assert [i["id"] for i in sly_server.find_images(dataset_id=dataset_id)] == [image.id]
    assert (image.width, image.height) == (6, 4)
    assert "already had image 'photo.png'" in capsys.readouterr().out


def test_an_image_with_other_bytes_under_that_name_is_not_adopted(sly_server, sly_api, image_path):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.seed_image(dataset_id, "photo.png", width=5, height=5)
    with pytest.raises(requests.HTTPError, match="400"):
        upload_image(sly_api, dataset_id, "photo.png", image_path)
    assert len(sly_server.find_images(dataset_id=dataset_id)) == 1


@pytest.mark.parametrize(
    "status, method, body",
    [
        (404, "projects.add", b'{"workspaceId": 1, "name": "p"}'),  # not a conflict
        (500, "datasets.add", b'{"projectId": 1, "name": "d"}'),
        (400, "images.bulk.upload", b"--multipart--"),  # not JSON: nothing of ours to find
        (400, "annotations.bulk.add", b'{"datasetId": 1}'),  # not a create
        (400, "projects.add", None),  # no request to read
    ],
)
def test_other_errors_pass_through_untouched(status, method, body):
    api = create_autospec(sly.Api, instance=True)
    response = requests.Response()
    response.status_code = status
    request = requests.Request("POST", f"http://sly/public/api/v3/{method}").prepare()
    request.body = body
    error = requests.HTTPError(str(status), response=response, request=request)

    with pytest.raises(requests.HTTPError) as raised:
        retry_safe.made_by_lost_answer(api, error)

    assert raised.value is error
    assert api.mock_calls == []  # nothing was looked up


@pytest.mark.parametrize("fault", ["fail_next", "drop_next"])
def test_a_failed_multipart_upload_is_sent_again_whole(sly_server, sly_api, image_path, fault):
    """The SDK's own retry would resend an already-read body and hang (see whole_call)."""
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    getattr(sly_server, fault)(1, endpoint="images.bulk.upload")

    image = upload_image(sly_api, dataset_id, "photo.png", image_path)

    assert sly_server.get_image_bytes(image.id) == open(image_path, "rb").read()
    assert sly_server.request_counts["images.bulk.upload"] == 2
    assert sly_api.retry_count == 2  # the SDK's retries are back on afterwards


def test_upload_gives_up_after_the_apis_attempts(sly_server, sly_api, image_path):
    dataset_id = sly_server.seed_dataset(sly_server.seed_project("p"), "ds")
    sly_server.fail_next(2, endpoint="images.bulk.upload")
    with pytest.raises(requests.exceptions.RetryError):
        upload_image(sly_api, dataset_id, "photo.png", image_path)
    assert sly_server.find_images(dataset_id=dataset_id) == []
