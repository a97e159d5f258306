"""Which images of IN this process converts, when ``convert --jobs N`` reads in N processes.

Every reader calls :func:`take` once per image, at the top of its loop over the images, before
any work on that image; it converts the image (and yields its item) only when :func:`take`
says so. In one process, and in the parent of ``--jobs``, it always does. In worker ``index`` of
``count`` (``cli/jobs.py``), image number ``n`` of the reader's order is this worker's when
``n % count == index``: every worker walks the same images in the same order (readers are
deterministic), skipping the others' cheaply, so the parent can take the items back in order,
round-robin. SDK-free.

Examples:
    >>> take()
    True
    >>> with sharded(1, 2):
    ...     [take() for _ in range(4)]
    [False, True, False, True]
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, List, Optional

_current: List["Shard"] = []  # the shard of this process, while a worker reads


class Shard:
    """Worker ``index`` of ``count``: the images it takes, and a hook called at every image
    (``on_image(number, taken)``: number 0, 1, ... in the reader's order)."""

    def __init__(
        self, index: int, count: int, on_image: Optional[Callable[[int, bool], None]] = None
    ) -> None:
        if not 0 <= index < count:
            raise ValueError(f"shard {index} of {count}: give 0 <= index < count")
        self.index, self.count, self.on_image = index, count, on_image
        self.number = -1  # the image the reader is at

    def take(self) -> bool:
        self.number += 1
        taken = self.number % self.count == self.index
        if self.on_image is not None:
            self.on_image(self.number, taken)
        return taken


def take() -> bool:
    """Whether this process converts the reader's next image (see the module's docstring)."""
    return _current[-1].take() if _current else True


def active() -> bool:
    """Whether this process is a worker of ``convert --jobs`` (reading only its share).

    Examples:
        >>> active()
        False
    """
    return bool(_current)


@contextlib.contextmanager
def sharded(
    index: int, count: int, on_image: Optional[Callable[[int, bool], None]] = None
) -> Iterator[Shard]:
    """While inside, this process is worker ``index`` of ``count`` (:class:`Shard`)."""
    shard = Shard(index, count, on_image)
    _current.append(shard)
    try:
        yield shard
    finally:
        _current.remove(shard)
