"""Find binding groups that are probably mistakes, and report them one line each.

A binding group is one object drawn in parts, of any classes (``groups/roles.py``: a car and its
``car_bbox`` box, a person and their head and hands). Mixed classes and geometries are normal
(the SDK's own COCO import makes such groups) and no problem here. These usually mean a mistake:

    - ``singleton``: a group of one label binds nothing (its other parts were deleted, or the
      key was set by hand);
    - ``ambiguous_bbox``: the group's leader has more than one box of its own (Rectangles of
      its class or ``<leader>_bbox``) beside masks, polygons or keypoints, so no one of them is
      the object's box (in a group of boxes only, the boxes are the object's parts);
    - ``two_skeletons``: more than one keypoints (GraphNodes) label in one group: one object has
      one skeleton, and COCO keypoints hold one per instance;
    - ``unknown_class``: a member's class is not in the project meta (when one is given);
    - ``key_reused``: the same key on two images of one dataset. It usually means an annotation
      was copied to another image with its keys, and a tool that looks groups up by key across
      the dataset would take the two objects for one.

:func:`find_problems` checks one image, :func:`find_reused_keys` a dataset (a dict of image
name to annotation), and :func:`format_report` turns the problems into text, one line each.
Each is one pass over the labels:

    problems = find_problems(ann, image_name) + find_reused_keys(anns)
    print(format_report(problems))

Copy this file together with ``bindings.py`` and ``groups/roles.py``: it needs only
``supervisely`` besides.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import supervisely as sly

from bindings import binding_groups, binding_key_of
from sly_bindings.groups.roles import decompose_group, group_roles

KINDS = ("singleton", "ambiguous_bbox", "two_skeletons", "unknown_class", "key_reused")


class BindingProblem(NamedTuple):
    """One suspicious binding group (immutable).

    Attributes:
        kind: one of :data:`KINDS`.
        key: the group's binding key, as a string.
        image_names: the image of the group; for ``key_reused`` every image with the key,
            sorted.
        label_count: how many labels carry the key (on all those images); for
            ``ambiguous_bbox``, ``two_skeletons`` and ``unknown_class``, how many labels of the
            group are at fault (the leader's boxes, the keypoints labels, the unknown ones).
        class_names: the classes of those labels, each once, in order of appearance.
        geometry_names: their geometry kinds (``Geometry.name()``), each once, likewise.
    """

    kind: str
    key: str
    image_names: Tuple[str, ...]
    label_count: int
    class_names: Tuple[str, ...]
    geometry_names: Tuple[str, ...]


def find_problems(
    ann: sly.Annotation,
    image_name: str,
    meta: Optional[sly.ProjectMeta] = None,
    primary_classes: Optional[Iterable[str]] = None,
) -> List[BindingProblem]:
    """The suspicious groups of one image, in the order of ``binding_groups``.

    A group with several problems gives one of each, in the order of :data:`KINDS`.

    Args:
        ann: the image's annotation.
        image_name: the image's name, for the report.
        meta: the project meta; when given, members of classes it lacks are reported.
        primary_classes: class names that lead a group (``roles.group_class``).

    Raises:
        TypeError: ``ann`` is not a ``sly.Annotation``, ``image_name`` is not a string, or
            ``meta`` is neither None nor a ``sly.ProjectMeta``.

    Examples:
        >>> car, car_bbox = sly.ObjClass("car", sly.Polygon), sly.ObjClass("car_bbox", sly.Rectangle)
        >>> triangle = sly.Polygon([sly.PointLocation(r, c) for r, c in [(1, 1), (1, 8), (8, 1)]])
        >>> box = sly.Rectangle(0, 0, 9, 9)
        >>> ann = sly.Annotation((10, 10), [sly.Label(triangle, car, binding_key="a"),
        ...                                 sly.Label(box, car_bbox, binding_key="a"),
        ...                                 sly.Label(triangle, car, binding_key="b"),
        ...                                 sly.Label(box, car_bbox, binding_key="b"),
        ...                                 sly.Label(box, car_bbox, binding_key="b"),
        ...                                 sly.Label(box, car_bbox, binding_key="c")])
        >>> [(problem.kind, problem.key) for problem in find_problems(ann, "street.jpg")]
        [('ambiguous_bbox', 'b'), ('singleton', 'c')]
    """
    _check_annotation(ann, "ann")
    if not isinstance(image_name, str):
        raise TypeError(f"image_name is a {type(image_name).__name__}: pass the image's name")
    if meta is not None and not isinstance(meta, sly.ProjectMeta):
        raise TypeError(f"meta is a {type(meta).__name__}: pass a sly.ProjectMeta or None")
    problems = []
    for key, labels in binding_groups(ann).groups.items():
        # The object's own boxes and keypoints (roles.decompose_group): a part of another class
        # is an object of its own and may have its box or skeleton.
        group = decompose_group(labels, primary_classes)
        # In an object of boxes only, the boxes are the object's fragments, not its box.
        has_area = group_roles(group.members).area or group.keypoints
        boxes = group.boxes if has_area else ()
        skeletons = group.keypoints
        unknown = (
            []
            if meta is None
            else [label for label in labels if meta.get_obj_class(label.obj_class.name) is None]
        )
        found = dict(
            singleton=labels if len(labels) == 1 else [],
            ambiguous_bbox=boxes if len(boxes) > 1 else [],
            two_skeletons=skeletons if len(skeletons) > 1 else [],
            unknown_class=unknown,
        )
        for kind, at_fault in found.items():
            if at_fault:
                problems.append(
                    BindingProblem(
                        kind,
                        key,
                        (image_name,),
                        len(at_fault),
                        _distinct(label.obj_class.name for label in at_fault),
                        _distinct(label.geometry.name() for label in at_fault),
                    )
                )
    unbound = binding_groups(ann).unbound
    lacking = (
        [] if meta is None else [l for l in unbound if not meta.get_obj_class(l.obj_class.name)]
    )
    if lacking:  # unbound labels of unknown classes: one line for the image (key "")
        problems.append(
            BindingProblem(
                "unknown_class",
                "",
                (image_name,),
                len(lacking),
                _distinct(label.obj_class.name for label in lacking),
                _distinct(label.geometry.name() for label in lacking),
            )
        )
    return problems


def find_reused_keys(anns: Mapping[str, sly.Annotation]) -> List[BindingProblem]:
    """Keys that appear on more than one image of ``anns`` (image name -> annotation), by key.

    Keys are compared as strings, so ``7`` and ``"7"`` are one key, as in ``binding_groups``.

    Raises:
        TypeError: ``anns`` is not a mapping of image names to ``sly.Annotation``.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> pair = [sly.Label(box, car, binding_key="a"), sly.Label(box, car, binding_key="a")]
        >>> anns = {name: sly.Annotation((10, 10), pair) for name in ("1.jpg", "2.jpg")}
        >>> [(problem.key, problem.image_names) for problem in find_reused_keys(anns)]
        [('a', ('1.jpg', '2.jpg'))]
    """
    if not isinstance(anns, Mapping):
        raise TypeError(
            f"anns is a {type(anns).__name__}: pass a dict of image name -> sly.Annotation"
        )
    reused = ReusedKeys()
    for image_name, ann in anns.items():
        reused.add(image_name, ann)
    return reused.problems()


class ReusedKeys:
    """Which images each binding key is on, gathered one annotation at a time.

    :meth:`problems` gives what :func:`find_reused_keys` gives for the same annotations, while
    only the class and geometry names of bound labels are held: a project-scale check adds its
    images one by one without keeping their annotations.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> pair = [sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key=7)] * 2
        >>> reused = ReusedKeys()
        >>> reused.add("1.jpg", sly.Annotation((10, 10), pair))
        >>> reused.add("2.jpg", sly.Annotation((10, 10), pair[:1]))
        >>> [(problem.key, problem.image_names, problem.label_count) for problem in reused.problems()]
        [('7', ('1.jpg', '2.jpg'), 3)]
    """

    def __init__(self) -> None:
        self._images: Dict[str, List[str]] = {}
        self._labels: Dict[str, List[Tuple[str, str]]] = {}

    def add(self, image_name: str, ann: sly.Annotation) -> None:
        """Note the bound labels of ``ann``, the annotation of ``image_name``.

        Raises:
            TypeError: ``image_name`` is not a string or ``ann`` not a ``sly.Annotation``.
        """
        if not isinstance(image_name, str):
            raise TypeError(f"anns has a key {image_name!r}: use image names (strings) as keys")
        _check_annotation(ann, f"anns[{image_name!r}]")
        for label in ann.labels:
            key = binding_key_of(label)
            if key is None:
                continue
            if image_name not in self._images.setdefault(key, []):
                self._images[key].append(image_name)
            self._labels.setdefault(key, []).append((label.obj_class.name, label.geometry.name()))

    def problems(self) -> List[BindingProblem]:
        """One ``key_reused`` problem per key on more than one image, by key."""
        return [
            BindingProblem(
                "key_reused",
                key,
                tuple(sorted(self._images[key])),
                len(self._labels[key]),
                _distinct(class_name for class_name, _ in self._labels[key]),
                _distinct(geometry for _, geometry in self._labels[key]),
            )
            for key in sorted(self._images)
            if len(self._images[key]) > 1
        ]


def format_report(problems: Sequence[BindingProblem]) -> str:
    """One line per problem, by image, then kind (in :data:`KINDS` order), then key.

    Returns ``"no binding problems"`` when there are none, so the report is never empty.

    Raises:
        TypeError: an item is not a :class:`BindingProblem`.
        ValueError: a problem's kind is not one of :data:`KINDS`.

    Examples:
        >>> print(format_report([
        ...     BindingProblem("singleton", "b", ("a.jpg",), 1, ("car",), ("bitmap",)),
        ...     BindingProblem("key_reused", "k", ("a.jpg", "b.jpg"), 4, ("car",), ("bitmap",)),
        ...     BindingProblem("ambiguous_bbox", "a", ("a.jpg",), 2, ("car_bbox",), ("rectangle",)),
        ... ]))
        a.jpg: group 'b' has only 1 label (car): bind its other parts to it, or unbind it
        a.jpg: group 'a' has 2 boxes of its own class (car_bbox): keep one box per object
        a.jpg, b.jpg: key 'k' is on 2 images (4 labels): give each image its own keys
        >>> format_report([])
        'no binding problems'
    """
    for index, problem in enumerate(problems):
        if not isinstance(problem, BindingProblem):
            raise TypeError(
                f"problems[{index}] is a {type(problem).__name__}: pass what find_problems or "
                "find_reused_keys return"
            )
        if problem.kind not in KINDS:
            raise ValueError(
                f"problems[{index}] has kind {problem.kind!r}: use one of {', '.join(KINDS)}"
            )
    if not problems:
        return "no binding problems"
    ordered = sorted(
        problems,
        key=lambda problem: (problem.image_names, KINDS.index(problem.kind), problem.key),
    )
    return "\n".join(_describe(problem) for problem in ordered)


# A key reused on many images is one line: the count and the first few images.
SHOWN_IMAGES = 3


def _describe(problem: BindingProblem) -> str:
    shown = problem.image_names[:SHOWN_IMAGES]
    more = len(problem.image_names) - len(shown)
    where = ", ".join(shown) + (f" and {more} more" if more else "")
    count = f"{problem.label_count} label{'' if problem.label_count == 1 else 's'}"
    if problem.kind == "singleton":
        return (
            f"{where}: group {problem.key!r} has only {count} ({', '.join(problem.class_names)}): "
            "bind its other parts to it, or unbind it"
        )
    if problem.kind == "ambiguous_bbox":
        return (
            f"{where}: group {problem.key!r} has {problem.label_count} boxes of its own class "
            f"({', '.join(problem.class_names)}): keep one box per object"
        )
    if problem.kind == "two_skeletons":
        return (
            f"{where}: group {problem.key!r} has {problem.label_count} keypoints labels "
            f"({', '.join(problem.class_names)}): one object has one skeleton, bind the others "
            "to their own objects"
        )
    if problem.kind == "unknown_class" and not problem.key:
        return (
            f"{where}: {count} not in a group of classes the project meta lacks "
            f"({', '.join(problem.class_names)}): add the classes to the meta or drop the labels"
        )
    if problem.kind == "unknown_class":
        return (
            f"{where}: group {problem.key!r} has {count} of classes the project meta lacks "
            f"({', '.join(problem.class_names)}): add the classes to the meta or drop the labels"
        )
    return (
        f"{where}: key {problem.key!r} is on {len(problem.image_names)} images ({count}): "
        "give each image its own keys"
    )


def _distinct(names: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _check_annotation(ann: sly.Annotation, name: str) -> None:
    if not isinstance(ann, sly.Annotation):
        raise TypeError(f"{name} is a {type(ann).__name__}: pass a sly.Annotation")
