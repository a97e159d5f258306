"""``convert --jobs N``: IN's items read and converted in N worker processes, given back in order.

The workers are started after the SDK is imported (``fork`` where the platform has it, so a
worker starts in no time; else ``spawn``), the parent's objects frozen first (``gc.freeze``, as
Python's docs advise before a fork: a worker's collections then never walk, nor copy, the
SDK's objects it shares with the parent). Worker ``k`` runs FROM's reader with
``formats.shard.sharded(k, N)``: every reader walks its images in one order and converts only
image ``n`` with ``n % N == k`` (each builds its SDK objects, the costly part). Each worker makes
one message per image it converts and sends them :data:`BATCH` at a time (one pickle and one
pipe write for all: sent one by one, they cost a fifth of the run's CPU) into its own bounded
queue (:data:`QUEUE_SIZE` batches, so memory stays flat whatever the size). A message holds
the image's item, made ready by ``prepare`` (``convert`` gives TO's ``render_item``: the
writer's per-image work, the image copied, as plain data; ``formats/registry.py``), or none
when the reader skipped it, and the warnings it raised, reading and preparing. The parent
takes the images back round-robin, in the reader's order, warns those warnings again, and
passes the items to TO's writer, which does in the same order as with one process what is
global (COCO's ids and categories, YOLO's class numbers, CVAT's meta), so OUT is byte for
byte what one process writes. A warning a worker raises outside its images (about a whole
file) is passed on by worker 0 only. An error in a worker ends the run in the parent, at its
image, as it would in one process; a worker whose parent is gone (killed outright) ends too.
"""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import queue
import signal
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Deque, Iterator, List, Mapping, Optional, Tuple

from sly_bindings.cli import signals
from sly_bindings.formats import shard
from sly_bindings.formats.registry import Format

QUEUE_SIZE = 4  # batches a worker may be ahead of the parent
BATCH = 16  # image messages a worker sends at once (one pickle, one pipe write for them all)
SMALL_INPUT = 400  # files in IN below which one process is faster (starting workers costs)
_TAKE_EVERY = 0.5  # seconds between checks that the workers are alive, while waiting
_STOP_WAIT = 5.0  # seconds a worker told to stop (SIGTERM) has before it is killed
Message = Tuple[str, List, List[Warning], Optional[BaseException]]  # kind, items, warned, error


def default_jobs() -> int:
    """The cores this process may run on (``--jobs``'s default).

    Examples:
        >>> default_jobs() >= 1
        True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def is_small(source: Path, limit: int = SMALL_INPUT) -> bool:
    """Whether IN has fewer than ``limit`` files (a folder walked until ``limit`` are seen; a
    file is small when it is under ``limit`` KiB): too few images to be worth a second process.

    Examples:
        >>> is_small(Path("/nonexistent"))
        True
    """
    if source.is_file():
        return source.stat().st_size < limit * 1024
    seen = 0
    for _, _, files in os.walk(source):
        seen += len(files)
        if seen >= limit:
            return False
    return True


def items_in_jobs(
    source_format: Format,
    source: Path,
    read_options: Mapping[str, Any],
    jobs: int,
    prepare: Optional[Callable[[Any], Any]] = None,
) -> Iterator:
    """The items of ``source_format.read_items(source, **read_options)`` in the reader's order,
    read and converted in ``jobs`` worker processes (see the module's docstring), each passed
    through ``prepare`` there (None: as it is; what it returns is pickled); their warnings
    warned again here, in order; a worker's error raised here, at its image.

    Raises:
        whatever the reader raises, as it raises it in one process.
        RuntimeError: a worker died without a word (killed, out of memory).
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    queues = [context.Queue(QUEUE_SIZE) for _ in range(jobs)]
    _pending.clear()
    _pending.extend(collections.deque() for _ in range(jobs))
    parent = os.getpid()  # a worker ends itself when this process is gone (killed outright)
    workers = [
        context.Process(
            target=_work,
            args=(
                source_format,
                source,
                dict(read_options),
                index,
                jobs,
                queues[index],
                prepare,
                parent,
            ),
            daemon=True,
        )
        for index in range(jobs)
    ]
    frozen_before = gc.get_freeze_count() > 0  # by cli/main.py's load_work: the SDK's objects
    gc.freeze()
    try:
        for worker in workers:
            worker.start()
    finally:
        # The parent's own collections go on as before, unless objects were frozen on purpose
        # before (gc.unfreeze unfreezes all: the SDK's would be walked again by each of them).
        if not frozen_before:
            gc.unfreeze()
    try:
        number = 0
        while True:
            index = number % jobs
            kind = _take(index, queues[index], workers[index])
            if kind == "end":
                break
            if kind == "image":
                number += 1
                yield from _taken.pop()
        # Worker 0 passes on what is warned after its last image (about a whole file).
        while index != 0 and _take(0, queues[0], workers[0]) != "end":
            pass
    finally:
        # A worker still running is stopped (the parent ended early: an error, a duplicate
        # name): it dies on SIGTERM (_work restores the default), else it is killed.
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join(_STOP_WAIT)
            if worker.is_alive():
                worker.kill()
                worker.join()
        for channel in queues:
            channel.close()
            channel.cancel_join_thread()


_taken: List[List] = []  # the items of the last image message taken
_pending: List[Deque[Message]] = []  # per worker, the messages of its last batch not taken yet


def _take(index: int, channel: Any, worker: Any) -> str:
    """Take worker ``index``'s next message: warn its warnings, raise its error, keep its items
    (in ``_taken``); its kind (``image``, ``warnings``, ``end``)."""
    if not _pending[index]:
        _pending[index].extend(_next(channel, worker))
    kind, items, caught, error = _pending[index].popleft()
    for message in caught:
        warnings.warn(message)
    if kind == "error":
        raise error
    if kind == "image":
        _taken.append(items)
    return kind


def _next(channel: Any, worker: Any) -> List[Message]:
    """The worker's next batch of messages, waiting while it is alive."""
    while True:
        try:
            return channel.get(timeout=_TAKE_EVERY)
        except queue.Empty:
            if not worker.is_alive() and channel.empty():
                raise RuntimeError(
                    f"a convert --jobs worker ended without a word (exit code "
                    f"{worker.exitcode}): run again with --jobs 1"
                ) from None


def _work(
    source_format: Format,
    source: Path,
    read_options: Mapping[str, Any],
    index: int,
    jobs: int,
    channel: Any,
    prepare: Optional[Callable[[Any], Any]] = None,
    parent: Optional[int] = None,
) -> None:
    """Worker ``index`` of ``jobs``: put a message per image it takes (its items passed
    through ``prepare``), then ``end``; it ends itself when process ``parent`` is gone."""
    if parent is not None:
        _end_with_parent(parent)
    # The parent's handlers (cli/signals.py: SIGTERM raised as an exception) are not the
    # worker's: a worker told to stop dies at once, never waiting to put an error on a queue
    # no one reads; Ctrl+C reaches the parent, which stops the workers.
    for signum in signals.ENDING_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pending: List[Any] = []  # [items] of the image it is at, when it took it
    at_image: List[bool] = [False]  # whether the reader is at an image of this worker
    caught: List[warnings.WarningMessage] = []  # the warnings not passed on yet
    batch: List[Message] = []

    def send(message: Message) -> None:
        batch.append(message)
        if len(batch) >= BATCH or message[0] in ("end", "error"):
            channel.put(batch[:])
            batch.clear()

    def warned_since() -> List[Warning]:
        new = [record.message for record in caught]
        caught.clear()  # emptied as it goes: a long run's warnings are not all held
        return new

    def flush() -> None:
        if at_image[0]:
            send(("image", pending[:], warned_since(), None))
            pending.clear()
        elif index == 0:  # a warning about a whole file: once, from worker 0
            shared = warned_since()
            if shared:
                send(("warnings", [], shared, None))
        else:
            warned_since()

    def on_image(number: int, taken: bool) -> None:
        flush()
        at_image[0] = taken

    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        caught = records
        try:
            with shard.sharded(index, jobs, on_image):
                for item in source_format.read_items(source, **read_options):
                    if not at_image[0]:
                        raise RuntimeError(
                            f"{source_format.module}: an item read outside shard.take(): "
                            "every reader takes its images through formats.shard"
                        )
                    # Prepared where it is read: its warnings and errors are the image's.
                    pending.append(item if prepare is None else prepare(item))
            flush()
            at_image[0] = False
            send(("end", [], warned_since(), None))
        except BaseException as error:  # noqa: B902 - passed to the parent, raised there
            at_image[0] = False
            send(("error", [], warned_since(), error))


def _end_with_parent(parent: int) -> None:
    """End this process (exit code 1) once process ``parent`` is gone, checked every
    :data:`_TAKE_EVERY` seconds by a daemon thread: a parent killed outright (SIGKILL, the
    out-of-memory killer) runs no ``finally`` that stops its workers, and a worker would wait
    on its full queue for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_TAKE_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="sly-bindings parent watch", daemon=True).start()
