"""Edit every annotation of server datasets: batched, overlapped, in bounded memory.

:func:`edit_server_datasets` downloads annotations in batches with the SDK's
``download_json_batch`` in worker threads, edits each one in the calling thread, and uploads
the changed ones with ``upload_jsons`` in other worker threads, so that downloading batch k+1,
editing batch k and uploading earlier batches overlap, also from one dataset to the next. At
most ``DOWNLOADS_IN_FLIGHT`` downloaded batches and ``UPLOADS_IN_FLIGHT`` upload batches (plus
the one being filled) are held at a time, never a whole dataset, so memory stays flat however
large the project is.

Every ``annotations.bulk.add`` replaces whole annotations, so a run that stops half way (a
server down beyond the retries, Ctrl+C) leaves each annotation either as it was or as edited,
and running it again finishes the job: the annotations already done no longer change.

An annotation the SDK cannot convert while downloading (``download_json_batch`` converts every
label to pixel coordinates, and one malformed label fails its whole batch) is left out with the
reason, as an edit's ValueError is: that batch is downloaded again one image at a time.

Copy this file with ``project/edits.py`` (and ``bindings.py``); it needs only ``supervisely``
(and ``requests``, which comes with it).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from functools import partial
from typing import Callable, Deque, Dict, List, Optional, Sequence, Tuple, Union

import requests
import supervisely as sly

from sly_bindings.project.edits import (
    SDK_PARSE_ERRORS,
    EditSummary,
    JsonEdit,
    UnreadableAnnotationError,
    edit_one,
)

# Images per annotations.bulk.info request: the SDK's batch (the server takes at most 100).
DOWNLOAD_BATCH = 50
# Annotations per upload_jsons call. Each call costs one images.info request besides its
# annotations.bulk.add requests of 50: larger calls cost fewer requests, smaller ones start
# uploading sooner. With 250, a run sends no more requests than download_json_batch and
# upload_anns once per dataset would (for datasets of up to about 500 images).
UPLOAD_BATCH = 250
# Annotations per annotations.bulk.add request: upload_jsons sends them 50 at a time.
POST_BATCH = 50
DOWNLOADS_IN_FLIGHT = 4
UPLOADS_IN_FLIGHT = 2

Progress = Callable[[int], None]


class RunStopped(Exception):
    """A run stopped by a failure (its ``__cause__``); ``summaries`` say what each dataset got.

    Every annotation counted as saved is on the server; the others are as they were.
    """

    def __init__(self, summaries: List[EditSummary]):
        done = sum(summaries, EditSummary())
        super().__init__(
            f"stopped after {done.images} images: {done.saved} of the {done.changed} changed "
            "annotations found so far were saved"
        )
        self.summaries = summaries


def edit_server_datasets(
    api: sly.Api,
    datasets: Sequence[sly.DatasetInfo],
    meta: sly.ProjectMeta,
    edit: JsonEdit,
    *,
    dry_run: bool = False,
    progress: Optional[Callable[[sly.DatasetInfo], Progress]] = None,
) -> List[EditSummary]:
    """Apply ``edit`` to the annotation of every image of ``datasets``; upload what changed.

    Args:
        api: the server. Each dataset gets a ``sly.Api`` of its own (:func:`same_server_api`):
            the SDK caches one dataset's meta per Api object (``api.optimization_context``),
            and two datasets are under way at once.
        datasets: the datasets, all of the project whose meta is ``meta``.
        meta: the project's meta, as the server holds it now.
        edit: takes an image name and its annotation JSON (pixel coordinates, as
            ``download_json_batch`` returns it) and returns the new JSON, or None for no change;
            a ValueError skips the image (the summary keeps the first reason), as does an
            annotation the SDK cannot convert while downloading it.
        dry_run: upload nothing; the summaries say what would change.
        progress: called with each dataset as its work starts; returns the function to call
            with a number of images each time that many are done (looked at and, when
            changed, uploaded), e.g. the ``update`` of a tqdm bar.

    Returns:
        What was done, one summary per dataset, in order.

    Raises:
        ValueError: the datasets are of more than one project.
        RunStopped: a request failed beyond the SDK's retries (the failure is the
            ``__cause__``). Ctrl+C stops the run as well and is re-raised as it is. Either way
            the uploads under way finish first, and every annotation saved stays saved.

    Examples:
        >>> meta = sly.ProjectMeta.from_json(api.project.get_meta(project_id))  # doctest: +SKIP
        >>> datasets = api.dataset.get_list(project_id, recursive=True)  # doctest: +SKIP
        >>> unbind = lambda name, ann_json: edit_annotation_json(ann_json, meta, discard_bindings)
        >>> edit_server_datasets(api, datasets, meta, unbind)  # doctest: +SKIP
        [EditSummary(images=500, changed=500, saved=500, skipped=0, ...), ...]
    """
    projects = {dataset.project_id for dataset in datasets}
    if len(projects) > 1:
        raise ValueError(
            f"the datasets are of {len(projects)} projects ({sorted(projects)}): call once per "
            "project, with that project's meta"
        )
    run = _Run(edit, dry_run)
    states: List[_DatasetState] = []
    failure: Optional[Exception] = None
    with ExitStack() as contexts:
        try:
            for dataset in datasets:
                dataset_api = same_server_api(api)
                # The context hands the meta to the SDK's batch methods, which would else ask
                # for it (datasets.info and projects.meta) in their first call.
                contexts.enter_context(
                    sly.ApiContext(
                        dataset_api,
                        project_id=dataset.project_id,
                        dataset_id=dataset.id,
                        project_meta=meta,
                    )
                )
                report = progress(dataset) if progress is not None else (lambda count: None)
                states.append(_DatasetState(dataset_api, dataset, report))
                run.add_dataset(states[-1])
            run.finish()
        except Exception as error:  # noqa: BLE001 - re-raised below, once the counts are final
            failure = error
        finally:
            run.shutdown()
    if failure is not None:
        raise RunStopped([state.summary() for state in states]) from failure
    return [state.summary() for state in states]


def same_server_api(api: sly.Api) -> sly.Api:
    """A new ``sly.Api`` that sends what ``api`` sends to the same server, with its own caches.

    Address, token (and every other header), retries and logger are those of ``api``; the
    SDK's per-Api state, such as the meta an ``sly.ApiContext`` holds, is not shared.

    Examples:
        >>> api = sly.Api("http://localhost:1", "token", retry_count=2, retry_sleep_sec=0)
        >>> twin = same_server_api(api)
        >>> twin is api, twin.server_address, twin.retry_count, twin.headers == api.headers
        (False, 'http://localhost:1', 2, True)
    """
    twin = sly.Api(
        api.server_address,
        api.token,
        retry_count=api.retry_count,
        retry_sleep_sec=api.retry_sleep_sec,
        external_logger=api.logger,
        api_server_address=api.api_server_address,
    )
    twin.headers = dict(api.headers)
    twin.additional_fields = dict(api.additional_fields)
    return twin


class _DatasetState:
    """One dataset under way: its Api, its counts, and its annotations waiting for upload."""

    def __init__(self, api: sly.Api, dataset: sly.DatasetInfo, progress: Progress):
        self.api, self.dataset, self._progress = api, dataset, progress
        self.edited = EditSummary()  # saved is counted apart, by the upload threads
        self.saved = 0
        self.to_upload: Tuple[List[int], List[Dict]] = ([], [])
        # The calling thread and the upload threads report progress and count saved annotations.
        self._lock = threading.Lock()

    def progress(self, count: int) -> None:
        with self._lock:
            self._progress(count)

    def on_saved(self, count: int) -> None:
        """Upload threads call this after each annotations.bulk.add."""
        with self._lock:
            self.saved += count
            self._progress(count)

    def summary(self) -> EditSummary:
        return self.edited._replace(saved=self.saved)


class _Run:
    """The worker threads and the bounded queues of downloads and uploads under way."""

    def __init__(self, edit: JsonEdit, dry_run: bool):
        self.edit, self.dry_run = edit, dry_run
        self.downloads = ThreadPoolExecutor(DOWNLOADS_IN_FLIGHT, thread_name_prefix="download")
        self.uploads = ThreadPoolExecutor(UPLOADS_IN_FLIGHT, thread_name_prefix="upload")
        # (dataset, its images in the batch, the download, whether it is the dataset's last)
        self.downloading: Deque[Tuple[_DatasetState, List[Tuple[int, str]], Future, bool]]
        self.downloading = deque()
        self.uploading: Deque[Future] = deque()
        self.last_dataset_added = False

    def add_dataset(self, state: _DatasetState) -> None:
        """List the dataset's images and queue their downloads, editing batches as they come."""
        dataset_id = state.dataset.id
        listing = self.downloads.submit(state.api.image.get_list, dataset_id, fields=["id", "name"])
        while self.downloading and not listing.done():  # the previous dataset's batches
            self._edit_batch(*self.downloading.popleft())
        images = [(info.id, info.name) for info in listing.result()]
        for start in range(0, len(images), DOWNLOAD_BATCH):
            batch = images[start : start + DOWNLOAD_BATCH]
            ids = [image_id for image_id, _ in batch]
            download = self.downloads.submit(
                state.api.annotation.download_json_batch, dataset_id, ids
            )
            last = start + DOWNLOAD_BATCH >= len(images)
            self.downloading.append((state, batch, download, last))
            if len(self.downloading) == DOWNLOADS_IN_FLIGHT:
                self._edit_batch(*self.downloading.popleft())

    def finish(self) -> None:
        """Edit the batches still downloading and wait for every upload."""
        self.last_dataset_added = True
        while self.downloading:
            self._edit_batch(*self.downloading.popleft())
        while self.uploading:
            self.uploading.popleft().result()

    def shutdown(self) -> None:
        # Downloads not started are dropped; uploads under way finish, so that the count of
        # saved annotations is final and no request is cut short by the end of the process.
        self.downloads.shutdown(wait=False, cancel_futures=True)
        self.uploads.shutdown(wait=True, cancel_futures=True)

    def _edit_batch(
        self, state: _DatasetState, batch: List[Tuple[int, str]], download: Future, last: bool
    ) -> None:
        done = 0  # images with nothing left to do: unchanged, skipped, or changed in a dry run
        for (image_id, name), ann_json in zip(batch, _downloaded(state, batch, download)):
            new_json, outcome = edit_one(self.edit, name, partial(_as_json, ann_json), name)
            state.edited += outcome
            if new_json is None or self.dry_run:
                done += 1
            else:
                state.to_upload[0].append(image_id)
                state.to_upload[1].append(new_json)
        state.progress(done)
        self._upload(state, flush=last)

    def _upload(self, state: _DatasetState, flush: bool) -> None:
        ids, jsons = state.to_upload
        size = UPLOAD_BATCH
        if flush and ids and self.last_dataset_added and not self.downloading:
            # The run's last upload: no later work hides its wait, so split it over the threads
            # (in whole requests of 50: one images.info more, no annotations.bulk.add more).
            posts = math.ceil(len(ids) / POST_BATCH)
            size = POST_BATCH * math.ceil(posts / UPLOADS_IN_FLIGHT)
        while len(ids) >= size or (flush and ids):
            if len(self.uploading) == UPLOADS_IN_FLIGHT:
                self.uploading.popleft().result()
            self.uploading.append(
                self.uploads.submit(
                    state.api.annotation.upload_jsons,
                    ids[:size],
                    jsons[:size],
                    progress_cb=state.on_saved,
                )
            )
            del ids[:size], jsons[:size]


def _as_json(downloaded: Union[Dict, ValueError]) -> Dict:
    """An image's downloaded annotation, or the reason the SDK could not give it, raised."""
    if isinstance(downloaded, ValueError):
        raise downloaded
    return downloaded


def _downloaded(
    state: _DatasetState, batch: List[Tuple[int, str]], download: Future
) -> List[Union[Dict, ValueError]]:
    """The batch's annotations, or for each one the SDK cannot convert a ValueError saying so.

    The SDK converts every label of a batch to pixel coordinates as it downloads, and one
    malformed label fails the whole batch: then the batch comes down again one image at a time.
    """
    try:
        return download.result()
    except requests.RequestException:  # an OSError as well, so it goes first
        raise  # the server failed, not the data: the run stops
    except SDK_PARSE_ERRORS:
        pass
    one_by_one: List[Union[Dict, ValueError]] = []
    for image_id, _ in batch:
        try:
            (ann_json,) = state.api.annotation.download_json_batch(state.dataset.id, [image_id])
            one_by_one.append(ann_json)
        except requests.RequestException:
            raise
        except SDK_PARSE_ERRORS as error:
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            one_by_one.append(
                UnreadableAnnotationError(
                    f"the SDK cannot convert the annotation the server holds ({reason}): fix "
                    "or delete its malformed labels in the labeling tool"
                )
            )
    return one_by_one
