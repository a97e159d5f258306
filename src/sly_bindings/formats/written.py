"""What a writer wrote, by its own account: one small value every format's ``write_items`` returns.

``convert`` reports it as its second line, instead of reading OUT back (``--verify`` still does,
and checks that both agree). A writer counts what its files hold the way its own reader will read
them: a label is a shape, instance part or line that reader makes a label of, and a group is a
set of them the reader binds (in most formats a group needs two labels: a ``group_id`` on one
shape is an instance number). SDK-free, like ``formats.registry``.

Examples:
    >>> one = image_account(["a", "a", None, "b"], left_out=1)
    >>> one
    Written(images=1, labels=4, groups=1, left_out=1)
    >>> one.plus(image_account(["a"], lone_groups=True)).counts()
    (2, 5, 2)
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable, NamedTuple, Optional, Tuple


class Written(NamedTuple):
    """A writer's account of what it wrote: images, labels and groups as its format's reader
    will read them back, and ``left_out``, the labels of the items that no record written holds
    (a point a format has no shape for, say: each one warned). All counts, never negative.

    Examples:
        >>> Written(2, 10, 3).plus(Written(1, 1, 0, left_out=2))
        Written(images=3, labels=11, groups=3, left_out=2)
    """

    images: int = 0
    labels: int = 0
    groups: int = 0
    left_out: int = 0

    def plus(self, other: "Written") -> "Written":
        """The two accounts added up, field by field (a new value)."""
        return Written(*(a + b for a, b in zip(self, other)))

    def counts(self) -> Tuple[int, int, int]:
        """``(images, labels, groups)``: what reading the output back counts."""
        return self.images, self.labels, self.groups


def image_account(
    keys: Iterable[Optional[Hashable]], left_out: int = 0, lone_groups: bool = False
) -> Written:
    """The account of one image written: ``keys`` has one entry per label its reader will make,
    the key that binds it (None: unbound).

    Args:
        keys: per label read back, its group's key or None.
        left_out: the image's labels that nothing written holds.
        lone_groups: True when the format keeps a group of one label as a group (a Supervisely
            project does); else a key on one label binds nothing (``roles.unbind_lone_keys``).

    Examples:
        >>> image_account([7, 7, 3, None])
        Written(images=1, labels=4, groups=1, left_out=0)
        >>> image_account([7, 7, 3, None], lone_groups=True).groups
        2
    """
    keys = list(keys)
    sizes = Counter(key for key in keys if key is not None)
    groups = sum(1 for size in sizes.values() if lone_groups or size > 1)
    return Written(1, len(keys), groups, left_out)


def total(accounts: Iterable[Written]) -> Written:
    """The sum of ``accounts`` (``Written()`` for none).

    Examples:
        >>> total([Written(1, 2, 1), Written(1, 3, 0, 1)])
        Written(images=2, labels=5, groups=1, left_out=1)
    """
    result = Written()
    for account in accounts:
        result = result.plus(account)
    return result
