"""The progress bar of every command: a tqdm bar on stderr with the count and the time left, for
more than a few images, shown only on a terminal.

One rule for ``convert`` (every reader and writer), ``preview`` and the commands over a project
(``report``, ``validate``, ``discard``, ``auto-bind``: one bar per dataset, through
``project.operations.progress_bars``). tqdm writes to stderr; ``disable=None`` turns the bar off
when stderr is not a terminal (a pipe, a log file, a test run), so output that is read by
programs stays clean. A bar is removed when its work is done (``leave=False``): the lines that
say what was done stay.

Examples:
    >>> list(progress([1, 2, 3], "images"))  # a few images: no bar
    [1, 2, 3]
    >>> with bar("ds0", 100) as shown:  # not a terminal here: a bar that shows nothing
    ...     shown.update(100)
    ...     shown.disable
    True
"""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, Optional, TypeVar

from tqdm import tqdm

FEW = 10  # runs over this many images or fewer show no bar
# No monitor thread: convert --jobs forks worker processes, and a fork while another thread holds
# a lock (tqdm's, stderr's) can leave that lock held in the worker for ever.
tqdm.monitor_interval = 0
Item = TypeVar("Item")


def bar(description: str, total: Optional[int], items: Optional[Iterable] = None) -> tqdm:
    """A tqdm bar on stderr for ``total`` images (None: not known), named ``description``, over
    ``items`` when given (else advanced with ``update(count)``); off for :data:`FEW` images or
    fewer, and when stderr is not a terminal.

    Examples:
        >>> counted = bar("ds0", 3)  # a few images: off
        >>> counted.disable
        True
        >>> counted.close()
    """
    few = total is not None and total <= FEW
    return tqdm(
        items,
        desc=description,
        total=total,
        unit="image",
        file=sys.stderr,
        disable=True if few else None,
        leave=False,
    )


def progress(
    items: Iterable[Item], description: str, total: Optional[int] = None
) -> Iterable[Item]:
    """``items`` with a :func:`bar` on stderr when there are more than :data:`FEW` and stderr is a
    terminal; ``total`` is their number when ``items`` has no ``len``.

    Examples:
        >>> sum(progress(range(100), "images"))  # not a terminal here: no bar, same items
        4950
    """
    count = total if total is not None else len(items) if hasattr(items, "__len__") else None
    if count is not None and count <= FEW:
        return items
    return bar(description, count, items)


class SizedItems(Iterator[Item]):
    """``items`` read one by one, with their number as ``len``: a reader that knows how many
    images it will give says so, and the writer's :func:`progress` bar has its total (and the
    time left) without reading ahead.

    Examples:
        >>> items = SizedItems(iter("abc"), 3)
        >>> len(items), list(items)
        (3, ['a', 'b', 'c'])
    """

    def __init__(self, items: Iterable[Item], count: int) -> None:
        self._items, self._count = iter(items), count

    def __iter__(self) -> "SizedItems[Item]":
        return self

    def __next__(self) -> Item:
        return next(self._items)

    def __len__(self) -> int:
        return self._count
