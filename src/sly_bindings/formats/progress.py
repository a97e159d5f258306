"""A progress bar for conversions of more than a few images, shown only on a terminal.

tqdm writes to stderr; ``disable=None`` turns the bar off when stderr is not a terminal (a pipe,
a log file, a test run), so output that is read by programs stays clean.

Examples:
    >>> list(progress([1, 2, 3], "images"))  # a few images: no bar
    [1, 2, 3]
"""

from __future__ import annotations

from typing import Iterable, Optional, TypeVar

from tqdm import tqdm

FEW = 10  # conversions of this many images or fewer show no bar
Item = TypeVar("Item")


def progress(
    items: Iterable[Item], description: str, total: Optional[int] = None
) -> Iterable[Item]:
    """``items`` with a tqdm bar on stderr when there are more than :data:`FEW` and stderr is a
    terminal; ``total`` is their number when ``items`` has no ``len``.

    Examples:
        >>> sum(progress(range(100), "images"))  # not a terminal here: no bar, same items
        4950
    """
    count = total if total is not None else len(items) if hasattr(items, "__len__") else None
    if count is not None and count <= FEW:
        return items
    return tqdm(items, desc=description, total=count, unit="image", disable=None, leave=False)
