"""Count the binding groups of annotations: how many labels are bound, and which groups look wrong.

A group of one label binds nothing (``groups.validate.find_problems`` reports the same groups);
a group whose labels have different classes is one object of several classes (a car and its
``car_bbox``, a person and their head: ``groups/roles.py``), counted as information, not as a
problem; its ``parts`` (``roles.decompose_group``: members of another class than the group's
object, each an object of its own in COCO and YOLO) are counted too. Counts of many images add up with ``+`` (:meth:`BindingStats.__add__`). Copy this file with ``bindings.py`` and
``groups/roles.py``; it needs only ``supervisely``.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional

import supervisely as sly

from bindings import binding_groups, class_name_set
from sly_bindings.groups.roles import decompose_group


class BindingStats(NamedTuple):
    """What one image or many images hold; fields are counts."""

    images: int = 0
    labels: int = 0
    bound_labels: int = 0
    groups: int = 0
    singleton_groups: int = 0
    mixed_class_groups: int = 0
    parts: int = 0

    def __add__(self, other: "BindingStats") -> "BindingStats":  # type: ignore[override]
        """Field by field, so that ``sum(stats, BindingStats())`` gives the totals.

        Examples:
            >>> BindingStats(1, 3, 2, 1, 0, 0) + BindingStats(1, 1, 1, 1, 1, 0)
            BindingStats(images=2, labels=4, bound_labels=3, groups=2, singleton_groups=1, mixed_class_groups=0, parts=0)
        """
        return BindingStats(*(mine + theirs for mine, theirs in zip(self, other)))


def binding_stats(ann: sly.Annotation, class_names: Optional[Iterable[str]] = None) -> BindingStats:
    """Count the labels and binding groups of one annotation (an image: ``images`` is 1).

    Args:
        ann: the annotation.
        class_names: count only labels of these classes and the groups that hold at least one
            of them (a group keeps all its labels: a car bound to a person is still mixed);
            None counts everything.

    Raises:
        TypeError: ``class_names`` is one string (it would be read letter by letter).

    Examples:
        >>> car, person = sly.ObjClass("car", sly.Rectangle), sly.ObjClass("person", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> ann = sly.Annotation((10, 10), [sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, car, binding_key="a"),
        ...                                 sly.Label(box, person, binding_key="b"),
        ...                                 sly.Label(box, car, binding_key="c"),
        ...                                 sly.Label(box, person, binding_key="c"),
        ...                                 sly.Label(box, person)])
        >>> binding_stats(ann)
        BindingStats(images=1, labels=6, bound_labels=5, groups=3, singleton_groups=1, mixed_class_groups=1, parts=1)
        >>> binding_stats(ann, ["car"])
        BindingStats(images=1, labels=3, bound_labels=3, groups=2, singleton_groups=0, mixed_class_groups=1, parts=1)
    """
    names = class_name_set(class_names)

    def counted(label: sly.Label) -> bool:
        return names is None or label.obj_class.name in names

    groups = list(binding_groups(ann).groups.values())
    chosen = [labels for labels in groups if any(map(counted, labels))]
    return BindingStats(
        images=1,
        labels=sum(map(counted, ann.labels)),
        bound_labels=sum(counted(label) for labels in groups for label in labels),
        groups=len(chosen),
        singleton_groups=sum(len(labels) == 1 for labels in chosen),
        mixed_class_groups=sum(
            len({label.obj_class.name for label in labels}) > 1 for labels in chosen
        ),
        parts=sum(len(decompose_group(labels).parts) for labels in chosen),
    )
