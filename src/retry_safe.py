"""Create on a Supervisely server so that a retried request does not trip over its own first try.

The SDK sends a request again when its answer is lost (a 5xx, a dropped connection). For a
request that creates something, the first try may already have done the work: the retry then
meets a project, dataset or image of the same name, and the server refuses it with a 400. Each
function here is the SDK call it names; on that 400 it looks for what the first try made,
checks that it is ours (a project without datasets, a dataset without images, an image with the
same bytes), says so and returns it. Anything else is left as the error it is, so nothing is
ever silently duplicated or adopted by mistake.

Copy this file into your own script: it needs only ``supervisely`` (and requests, which the
SDK brings).
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator, Optional, TypeVar

import requests
import supervisely as sly
from supervisely.api.dataset_api import DatasetInfo
from supervisely.api.image_api import ImageInfo
from supervisely.api.project_api import ProjectInfo

Info = TypeVar("Info", ProjectInfo, DatasetInfo, ImageInfo)


def create_project(api: sly.Api, workspace_id: int, name: str) -> ProjectInfo:
    """``api.project.create(workspace_id, name, change_name_if_conflict=True)``, safe to retry.

    An empty project that someone else creates under the same free name in the moment between
    the name lookup and the create would be taken for ours: the window is one request long.

    Examples:
        >>> project = create_project(api, 619, "tutorial-bindings")  # doctest: +SKIP
        >>> project.name  # doctest: +SKIP
        'tutorial-bindings_001'
    """
    # The free name is what change_name_if_conflict picks; asking first lets us look it up later.
    free_name = api.project.get_free_name(workspace_id, name)
    return created_once(
        lambda: api.project.create(workspace_id, free_name),
        lambda: api.project.get_info_by_name(workspace_id, free_name),
        lambda project: not api.dataset.get_list(project.id),
        f"project {free_name!r}",
    )


def create_dataset(api: sly.Api, project_id: int, name: str) -> DatasetInfo:
    """``api.dataset.create(project_id, name)``, safe to retry.

    Examples:
        >>> dataset = create_dataset(api, project.id, "dataset-01")  # doctest: +SKIP
    """
    return created_once(
        lambda: api.dataset.create(project_id, name),
        lambda: api.dataset.get_info_by_name(project_id, name),
        lambda dataset: not api.image.get_list(dataset.id),
        f"dataset {name!r}",
    )


def upload_image(api: sly.Api, dataset_id: int, name: str, path: str) -> ImageInfo:
    """``api.image.upload_path(dataset_id, name, path)``, safe to retry.

    SDK 6.74.51 retries the multipart ``images.bulk.upload`` by sending the body it has already
    read: the retry carries no bytes and waits for an answer that never comes. So the SDK's own
    retries are off during this call and the whole ``upload_path`` is repeated instead, as many
    times as the SDK would try, with growing sleeps between tries: each of its steps is safe to
    repeat (bytes are stored by hash, and the name conflict of a repeated add is resolved as
    above).

    Examples:
        >>> image_info = upload_image(api, dataset.id, "image.jpg", "images/image.jpg")  # doctest: +SKIP
    """
    attempts, sleep_sec = api.retry_count, api.retry_sleep_sec
    for attempt in range(attempts):
        try:
            with sdk_retries_off(api):
                return created_once(
                    lambda: api.image.upload_path(dataset_id, name, path),
                    lambda: api.image.get_info_by_name(dataset_id, name),
                    lambda image: image.hash == sly.fs.get_file_hash(path),
                    f"image {name!r}",
                )
        except requests.exceptions.RetryError:
            if attempt == attempts - 1:
                raise
            time.sleep(min(sleep_sec * 2**attempt, 60))
    raise AssertionError("unreachable: the last attempt returns or raises")


@contextlib.contextmanager
def sdk_retries_off(api: sly.Api) -> Iterator[None]:
    """Let every request of ``api`` be tried once (a failure raises RetryError) for the duration.

    Examples:
        >>> with sdk_retries_off(api):  # doctest: +SKIP
        ...     api.image.upload_path(dataset.id, "image.jpg", "images/image.jpg")
    """
    saved = api.retry_count
    api.retry_count = 1
    try:
        yield
    finally:
        api.retry_count = saved


def created_once(
    create: Callable[[], Info],
    find: Callable[[], Optional[Info]],
    is_ours: Callable[[Info], bool],
    what: str,
) -> Info:
    """``create()``; on a 400, what ``find()`` returns if ``is_ours`` says the first try made it.

    Examples:
        >>> created_once(lambda: "new", lambda: None, lambda found: True, "thing")
        'new'
    """
    try:
        return create()
    except requests.HTTPError as error:
        if error.response is None or error.response.status_code != 400:
            raise
        existing = find()
        if existing is None or not is_ours(existing):
            raise
    print(
        f"Note: the server already had {what} (id={existing.id}): the first try of a retried "
        "request made it before its answer was lost, so this run uses it"
    )
    return existing
