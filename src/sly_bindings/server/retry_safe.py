"""Create on a Supervisely server so that a retried request does not trip over its own first try.

The SDK sends a request again when its answer is lost (a 5xx, a dropped connection). For a
request that creates something, the first try may already have done the work: the retry then
meets a project, dataset or image of the same name, and the server refuses it with a 400.
These helpers wrap around the SDK's own calls, which stay in the caller's sight:

    try:
        project = api.project.create(workspace_id, "tutorial-bindings", change_name_if_conflict=True)
    except requests.HTTPError as error:
        project = made_by_lost_answer(api, error)

:func:`made_by_lost_answer` reads the refused request (which method, which name), looks for what
the first try made, checks that it is ours (a project without datasets, a dataset without
images, an image with the same hash), says so and returns it. Anything else is raised again as
the error it is, so nothing is ever silently duplicated or adopted by mistake.

:func:`whole_call` is for the multipart image upload, which SDK 6.74.51 cannot retry (see its
docstring).

Copy this file into your own script: it needs only ``supervisely`` (and requests, which the
SDK brings).
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any, Callable, Iterator, Optional, TypeVar, Union

import requests
import supervisely as sly
from supervisely.api.dataset_api import DatasetInfo
from supervisely.api.image_api import ImageInfo
from supervisely.api.module_api import ApiField
from supervisely.api.project_api import ProjectInfo

Info = Union[ProjectInfo, DatasetInfo, ImageInfo]
Result = TypeVar("Result")


def made_by_lost_answer(api: sly.Api, error: requests.HTTPError) -> Info:
    """What the first try of a create made, when its retry was refused with ``error``.

    ``error`` is what an SDK create raised (``api.project.create``, ``api.dataset.create``,
    ``api.image.upload_path`` and the like). When the server refused the request with a 400
    and the project, dataset or image the request names exists and is ours (empty, or with the
    same bytes), this prints a ``Note:`` line and returns its info.

    Raises:
        requests.HTTPError: ``error`` itself, when it is anything else.

    Examples:
        >>> try:  # doctest: +SKIP
        ...     dataset = api.dataset.create(project.id, "dataset-01")
        ... except requests.HTTPError as error:
        ...     dataset = made_by_lost_answer(api, error)
    """
    found = _first_try_of(api, error)
    if found is None:
        raise error
    existing, what = found
    print(
        f"Note: the server already had {what} (id={existing.id}): the first try of a retried "
        "request made it before its answer was lost, so this run uses it"
    )
    return existing


def _first_try_of(api: sly.Api, error: requests.HTTPError) -> Optional[tuple[Info, str]]:
    """The existing object that the refused request names and that is ours, and what it is."""
    response, request = error.response, error.request
    if response is None or response.status_code != 400 or request is None or not request.body:
        return None
    try:
        body = json.loads(request.body)
    except (TypeError, ValueError):  # a multipart body, say: not a create of ours
        return None
    method = str(request.url).rsplit("/", 1)[-1]
    if method == "projects.add":
        project = api.project.get_info_by_name(body[ApiField.WORKSPACE_ID], body[ApiField.NAME])
        if project is not None and not api.dataset.get_list(project.id):
            return project, f"project {project.name!r}"
    elif method == "datasets.add":
        dataset = api.dataset.get_info_by_name(body[ApiField.PROJECT_ID], body[ApiField.NAME])
        if dataset is not None and not api.image.get_list(dataset.id):
            return dataset, f"dataset {dataset.name!r}"
    elif method == "images.bulk.add" and len(body.get(ApiField.IMAGES, [])) == 1:
        sent = body[ApiField.IMAGES][0]
        image = api.image.get_info_by_name(body[ApiField.DATASET_ID], sent.get(ApiField.TITLE))
        if image is not None and image.hash == sent.get(ApiField.HASH):
            return image, f"image {image.name!r}"
    return None


def whole_call(api: sly.Api, call: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
    """``call(*args, **kwargs)``, repeated whole instead of letting the SDK retry its requests.

    SDK 6.74.51 retries the multipart ``images.bulk.upload`` of ``api.image.upload_path`` by
    sending the body it has already read: the retry carries no bytes and waits for an answer
    that never comes. So the SDK's own retries are off during ``call`` and the whole call is
    repeated instead, as many times as the SDK would try (``api.retry_count``), with growing
    sleeps between tries. Each step of an upload is safe to repeat: bytes are stored by hash,
    and a repeated ``images.bulk.add`` that meets its lost first try is resolved by
    :func:`made_by_lost_answer`.

    Raises:
        requests.exceptions.RetryError: every try went unanswered.
        requests.HTTPError: the server refused the call (and nothing of ours was found).

    Examples:
        >>> image_info = whole_call(api, api.image.upload_path, dataset.id, "image.jpg", "images/image.jpg")  # doctest: +SKIP
    """
    attempts, sleep_sec = api.retry_count, api.retry_sleep_sec
    for attempt in range(attempts):
        try:
            with sdk_retries_off(api):
                try:
                    return call(*args, **kwargs)
                except requests.HTTPError as error:
                    return made_by_lost_answer(api, error)  # type: ignore[return-value]
        except requests.exceptions.RetryError:
            if attempt == attempts - 1:
                raise
            time.sleep(min(sleep_sec * 2**attempt, 60))
    raise AssertionError("unreachable: the last attempt returns or raises")


@contextlib.contextmanager
def sdk_retries_off(api: sly.Api) -> Iterator[None]:
    """Let every request of ``api`` be tried once (a failure raises RetryError) for the duration.

    Examples:
        >>> api = sly.Api("http://127.0.0.1:1", "token", retry_count=5)  # sends no request
        >>> with sdk_retries_off(api):
        ...     api.retry_count
        1
        >>> api.retry_count
        5
    """
    saved = api.retry_count
    api.retry_count = 1
    try:
        yield
    finally:
        api.retry_count = saved
