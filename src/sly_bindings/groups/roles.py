"""What a binding group is, whatever its classes: the object, its companions and its parts.

A binding group is an object with what belongs to it. Its labels may have different classes: the SDK's own COCO import
binds an instance's polygon (class ``car``) to its box (class ``car_bbox``) and its keypoints;
Supervisely's "Group nested objects" app binds a ``person`` with the ``head`` and ``hand`` it
holds; CVAT groups a person with their hat. Every part of this project that uses a group (merge,
validate, preview, the stats, the COCO and YOLO exports) takes these rules from here, and asks
:func:`decompose_group` once for a group's :class:`GroupDecomposition`:

    - **the object**: the group's leading class (below). Its members of that class are
      *fragments* of one object (one COCO instance, its fragments as one segmentation; one
      YOLO line).
    - **its companions**: rectangles of the leader's class or ``<leader>_bbox`` give its bbox;
      keypoints (GraphNodes of the leader's class or ``<leader>_keypoints``) its keypoints.
      (``<leader>`` less a ``_keypoints`` or ``_bbox`` tail: the SDK's COCO import names a
      keypoints object's box ``<name>_bbox``.)
    - **its parts**: members of any other class. Each part is an object of its own class (its
      own COCO instance and YOLO line), linked to its object (COCO: ``attributes.group_id``;
      CVAT and LabelMe: the shared ``group_id``). Nothing of a group is lost.
    - ``merge_groups=True`` keeps CVAT's and Datumaro's meaning instead: the group is one
      object of the leading class, the parts its fragments, and
      :attr:`GroupDecomposition.merged_classes` names the classes it does not keep (the
      writers warn with them).

    - **members by role**: area members (Bitmap, Polygon), box members (Rectangle), keypoint
      members (GraphNodes) and others (points, polylines, ...: kept, never drawn into a mask).
    - **class** (the leader), :func:`group_class`: the class of the area member with the largest
      area (``geometry.area``; ties: the first in the annotation); a group without area members
      takes the class of its largest box, then of its first keypoints, then of its first other
      member. A class named ``<name>_bbox`` never leads when ``<name>`` (or
      ``<name>_keypoints``) is in the group.
      ``primary_classes`` (names) override: when the group holds one of them, only members of
      those classes may lead, by the same rule. (The leader by largest area is Datumaro's rule
      for its COCO export; ``<name>_bbox`` is the SDK's COCO import's name for an instance's
      box.)
    - **mask members**, :func:`mask_members`: the area members; a group with neither area nor
      keypoint members is drawn by its boxes (then the boxes are the object).
      ``groups.merge.object_mask`` draws them.
    - **bbox**, :attr:`GroupDecomposition.bbox`: the object's own box, its one companion box
      (a Rectangle of the leader's class or ``<leader>_bbox``), when there is exactly one;
      otherwise the union of its members' extent (:func:`members_extent`); ``formats/boxes.py``
      turns it into each format's box.

Copy this file with ``formats/construct.py``: it needs only ``supervisely`` and that.
"""

from __future__ import annotations

from typing import Collection, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import supervisely as sly

from sly_bindings.formats import construct

BBOX_SUFFIX = "_bbox"
KEYPOINTS_SUFFIX = "_keypoints"


class GroupRoles(NamedTuple):
    """The members of one group by role, each in annotation order (immutable)."""

    area: Tuple[sly.Label, ...]
    box: Tuple[sly.Label, ...]
    keypoints: Tuple[sly.Label, ...]
    other: Tuple[sly.Label, ...]


def group_roles(labels: Sequence[sly.Label]) -> GroupRoles:
    """Sort the labels of one group into area, box, keypoint and other members.

    Raises:
        TypeError: an item is not a ``sly.Label``.

    Examples:
        >>> car, box = sly.ObjClass("car", sly.Polygon), sly.ObjClass("car_bbox", sly.Rectangle)
        >>> triangle = sly.Polygon([sly.PointLocation(0, 0), sly.PointLocation(0, 4),
        ...                         sly.PointLocation(4, 0)])
        >>> roles = group_roles([sly.Label(sly.Rectangle(0, 0, 4, 4), box),
        ...                      sly.Label(triangle, car)])
        >>> [len(members) for members in roles]
        [1, 1, 0, 0]
    """
    area, box, keypoints, other = [], [], [], []
    for index, label in enumerate(labels):
        if not isinstance(label, sly.Label):
            _check_labels(labels[index : index + 1], index)
        kind = type(label.geometry)
        if kind in (sly.Bitmap, sly.Polygon):
            area.append(label)
        elif kind is sly.Rectangle:
            box.append(label)
        elif kind is sly.GraphNodes:
            keypoints.append(label)
        else:
            other.append(label)
    return GroupRoles(tuple(area), tuple(box), tuple(keypoints), tuple(other))


def group_class(
    labels: Sequence[sly.Label], primary_classes: Optional[Iterable[str]] = None
) -> sly.ObjClass:
    """The class of the group (its leader), by the rules of the module's docstring.

    Args:
        labels: the labels of one group (or one unbound label), in annotation order.
        primary_classes: class names that lead when the group holds one of them; None for the
            plain rule.

    Returns:
        The ``sly.ObjClass`` of the leading member.

    Raises:
        ValueError: ``labels`` is empty.
        TypeError: an item is not a ``sly.Label``, or ``primary_classes`` is one string.

    Examples:
        >>> person = sly.ObjClass("person", sly.Rectangle)
        >>> hat = sly.ObjClass("hat", sly.Rectangle)
        >>> group = [sly.Label(sly.Rectangle(0, 0, 1, 1), hat),
        ...          sly.Label(sly.Rectangle(0, 0, 9, 4), person)]
        >>> group_class(group).name
        'person'
        >>> group_class(group, primary_classes=["hat"]).name
        'hat'
    """
    if len(labels) == 0:
        raise ValueError("no labels: pass the labels of one group")
    if isinstance(primary_classes, str):
        raise TypeError(
            f"primary_classes is the string {primary_classes!r}: pass a list of class names"
        )
    roles = group_roles(labels)
    names = {label.obj_class.name for label in labels}
    candidates = [
        label
        for label in labels
        if not (
            label.obj_class.name.endswith(BBOX_SUFFIX)
            and (
                label.obj_class.name[: -len(BBOX_SUFFIX)] in names
                or label.obj_class.name[: -len(BBOX_SUFFIX)] + KEYPOINTS_SUFFIX in names
            )
        )
    ]
    if primary_classes is not None:
        primary = set(primary_classes)
        chosen = [label for label in candidates if label.obj_class.name in primary]
        candidates = chosen or candidates
    chosen_ids = {id(label) for label in candidates}
    for members, by_area in (
        (roles.area, True),
        (roles.box, True),
        (roles.keypoints, False),
        (roles.other, False),
    ):
        members = [label for label in members if id(label) in chosen_ids]
        if members:
            # Members of one class lead with that class whatever their areas (which are not
            # worth computing then: a polygon's area is its shoelace sum).
            if not by_area or len({label.obj_class.name for label in members}) == 1:
                return members[0].obj_class
            # max keeps the first of equal areas: ties go to the first in the annotation.
            return max(members, key=lambda label: label.geometry.area).obj_class
    # Only <name>_bbox boxes whose <name> is held by no candidate cannot happen: <name> is in
    # the group, so its label is a candidate. Kept for safety.
    return labels[0].obj_class


def is_companion_class(name: str, names: Iterable[str]) -> bool:
    """Whether ``name`` is a companion class among ``names``: ``<name>_bbox`` or
    ``<name>_keypoints`` beside ``<name>`` (its labels give the bbox or keypoints of their
    objects). A writer lists such a class only when an object of its own needs it.

    Examples:
        >>> is_companion_class("car_bbox", ["car", "car_bbox"]), is_companion_class("car_bbox", [])
        (True, False)
    """
    return any(
        name.endswith(tail) and name[: -len(tail)] in names
        for tail in (BBOX_SUFFIX, KEYPOINTS_SUFFIX)
    )


def mask_members(labels: Sequence[sly.Label]) -> Tuple[sly.Label, ...]:
    """The members whose union is the group's mask: its area members, else (no keypoints
    either) its boxes; keypoints with only a box have no mask.

    Examples:
        >>> car, box = sly.ObjClass("car", sly.Polygon), sly.ObjClass("car_bbox", sly.Rectangle)
        >>> triangle = sly.Polygon([sly.PointLocation(0, 0), sly.PointLocation(0, 4),
        ...                         sly.PointLocation(4, 0)])
        >>> [label.obj_class.name for label in mask_members(
        ...     [sly.Label(sly.Rectangle(0, 0, 4, 4), box), sly.Label(triangle, car)])]
        ['car']
    """
    roles = group_roles(labels)
    if roles.area or roles.keypoints:
        return roles.area
    return roles.box


def members_extent(labels: Sequence[sly.Label]) -> sly.Rectangle:
    """The smallest box holding every label's extent (``geometry.to_bbox()``), in Supervisely
    pixels (``bottom`` and ``right`` inclusive).

    Raises:
        ValueError: ``labels`` is empty.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = members_extent([sly.Label(sly.Rectangle(2, 3, 4, 5), car),
        ...                       sly.Label(sly.Rectangle(0, 6, 1, 9), car)])
        >>> box.top, box.left, box.bottom, box.right
        (0, 3, 4, 9)
    """
    if len(labels) == 0:
        raise ValueError("no labels to box: pass at least one label")
    extents = [construct.extent(label.geometry) for label in labels]  # no Rectangle each
    return sly.Rectangle(
        top=min(box[0] for box in extents),
        left=min(box[1] for box in extents),
        bottom=max(box[2] for box in extents),
        right=max(box[3] for box in extents),
    )


def describe_group(
    labels: Sequence[sly.Label], primary_classes: Optional[Iterable[str]] = None
) -> str:
    """``'person + head, hand'``: the leading class first, then the other classes once each.

    Examples:
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> labels = [sly.Label(geometry, sly.ObjClass(name, sly.Rectangle))
        ...           for name, geometry in (("head", box), ("person", sly.Rectangle(0, 0, 9, 9)),
        ...                                  ("hand", box), ("head", box))]
        >>> describe_group(labels)
        'person + head, hand'
        >>> describe_group(labels[1:2])
        'person'
    """
    leader = group_class(labels, primary_classes).name
    others = [name for name in dict.fromkeys(label.obj_class.name for label in labels)]
    others.remove(leader)
    return leader if not others else f"{leader} + {', '.join(others)}"


def _check_labels(labels: Sequence[sly.Label], first: int = 0) -> None:
    for index, label in enumerate(labels, start=first):
        if not isinstance(label, sly.Label):
            raise TypeError(
                f"labels[{index}] is a {type(label).__name__}, not a sly.Label: pass labels"
            )


def _one_class_name(labels: Sequence[sly.Label]) -> Optional[str]:
    """The class name every label of ``labels`` has, or None when they have two or more (or
    ``labels`` is empty): the common group, whose leader needs no rule (:func:`group_class`
    gives a member of that name whatever the roles, areas and ``primary_classes``)."""
    _check_labels(labels)
    if not labels:
        return None
    name = labels[0].obj_class.name
    for label in labels:
        if label.obj_class.name != name:
            return None
    return name


class GroupDecomposition(NamedTuple):
    """One group (or one unbound label) as the object, its companions and its parts (immutable).

    Every tuple keeps annotation order. ``fragments + boxes + keypoints`` are the object's
    members (:attr:`members`); each label of ``parts`` is an object of its own class, linked to
    the object. ``merged_classes`` is empty unless the group was merged into one object
    (``merge_groups=True``): then it names the classes of the group the object does not keep.
    """

    object_class: sly.ObjClass
    fragments: Tuple[sly.Label, ...]
    boxes: Tuple[sly.Label, ...]
    keypoints: Tuple[sly.Label, ...]
    parts: Tuple[sly.Label, ...]
    merged_classes: Tuple[str, ...] = ()

    @property
    def members(self) -> Tuple[sly.Label, ...]:
        """The object's labels: fragments, companion boxes and keypoints, in that order."""
        return self.fragments + self.boxes + self.keypoints

    @property
    def mask_members(self) -> Tuple[sly.Label, ...]:
        """The object's labels whose union is its mask (:func:`mask_members` of :attr:`members`):
        its masks and polygons, else (no keypoints either) its boxes."""
        return mask_members(self.members)

    @property
    def bbox(self) -> sly.Rectangle:
        """The object's box: its one companion box when it has exactly one, else the extent of
        its members (Supervisely pixels, not cut to an image)."""
        if len(self.boxes) == 1:
            return self.boxes[0].geometry
        return members_extent(self.members)

    def object_name(self, names: Collection[str]) -> str:
        """The class an object is written as where ``names`` are the target's classes: an
        object led by a companion class (``face_keypoints`` or ``face_bbox``: the SDK's COCO
        keypoints import makes such an object of each keypoints instance) is a ``face`` when
        ``face`` is among ``names``; any other object is of its leading class.

        Examples:
            >>> box = sly.ObjClass("face_bbox", sly.Rectangle)
            >>> group = decompose_group([sly.Label(sly.Rectangle(0, 0, 4, 4), box)])
            >>> group.object_name(["face", "car"]), group.object_name(["car"])
            ('face', 'face_bbox')
        """
        return written_name(self.object_class.name, names)

    def objects(self) -> Tuple["GroupDecomposition", ...]:
        """The object (without its parts), then each part as an object of its own.

        Examples:
            >>> person, hat = sly.ObjClass("person", sly.Rectangle), sly.ObjClass("hat", sly.Rectangle)
            >>> group = decompose_group([sly.Label(sly.Rectangle(0, 0, 9, 9), person),
            ...                          sly.Label(sly.Rectangle(0, 0, 2, 2), hat)])
            >>> [(o.object_class.name, len(o.members)) for o in group.objects()]
            [('person', 1), ('hat', 1)]
        """
        return (self._replace(parts=()),) + tuple(decompose_group([part]) for part in self.parts)


def written_name(leader: str, names: Collection[str]) -> str:
    """The class an object led by the class ``leader`` is written as where ``names`` are the
    target's classes (:meth:`GroupDecomposition.object_name`, the rule once): ``face`` for a
    ``face_keypoints`` or ``face_bbox`` leader when ``face`` is among ``names``, else ``leader``.
    A writer that renders an image alone (``convert --jobs``) applies it again where every
    class is known.

    Examples:
        >>> written_name("face_bbox", {"face"}), written_name("face_bbox", {"car"})
        ('face', 'face_bbox')
    """
    for tail in (KEYPOINTS_SUFFIX, BBOX_SUFFIX):
        if leader.endswith(tail) and leader[: -len(tail)] in names:
            return leader[: -len(tail)]
    return leader


def decompose_group(
    labels: Sequence[sly.Label],
    primary_classes: Optional[Iterable[str]] = None,
    merge_groups: bool = False,
) -> GroupDecomposition:
    """The object, companions and parts of one group (or one unbound label): the rule, once.

    Args:
        labels: the labels of one group, in annotation order.
        primary_classes: class names that lead when the group holds one of them
            (:func:`group_class`); None for the rule by area.
        merge_groups: True for one object of the whole group (CVAT's and Datumaro's meaning):
            no parts, every member of another class a fragment (or, a rectangle or keypoints, a
            companion), and ``merged_classes`` the classes it does not keep.

    Raises:
        ValueError: ``labels`` is empty.
        TypeError: an item is not a ``sly.Label``, or ``primary_classes`` is one string.

    Examples:
        >>> def poly(top, left, bottom, right):
        ...     return sly.Polygon([sly.PointLocation(r, c) for r, c in
        ...                         ((top, left), (top, right), (bottom, right), (bottom, left))])
        >>> person, head = sly.ObjClass("person", sly.Polygon), sly.ObjClass("head", sly.Polygon)
        >>> hand = sly.ObjClass("hand", sly.Polygon)
        >>> group = [sly.Label(poly(0, 0, 90, 40), person), sly.Label(poly(0, 10, 15, 25), head),
        ...          sly.Label(poly(40, 0, 50, 5), hand), sly.Label(poly(40, 35, 50, 40), hand)]
        >>> parts = decompose_group(group)
        >>> parts.object_class.name, len(parts.fragments), [p.obj_class.name for p in parts.parts]
        ('person', 1, ['head', 'hand', 'hand'])
        >>> decompose_group(group, primary_classes=["head"]).object_class.name
        'head'
        >>> merged = decompose_group(group, merge_groups=True)
        >>> len(merged.fragments), merged.parts, merged.merged_classes
        (4, (), ('head', 'hand'))
    """
    leader = _one_class_name(labels)  # the common case: a group of one class leads with it
    if leader is None or isinstance(primary_classes, str):
        leader = group_class(labels, primary_classes).name  # its errors, as it raises them
    base = leader
    for tail in (KEYPOINTS_SUFFIX, BBOX_SUFFIX):
        if base.endswith(tail) and len(base) > len(tail):
            base = base[: -len(tail)]
            break
    box_names = {leader, base, base + BBOX_SUFFIX}
    keypoint_names = {leader, base, base + KEYPOINTS_SUFFIX}
    fragments, boxes, keypoints, parts = [], [], [], []
    for label in labels:
        name, kind = label.obj_class.name, type(label.geometry)
        if kind is sly.Rectangle and name in box_names:
            boxes.append(label)
        elif kind is sly.GraphNodes and (name in keypoint_names or merge_groups):
            keypoints.append(label)
        elif name == leader or merge_groups:
            fragments.append(label)
        else:
            parts.append(label)
    merged: Tuple[str, ...] = ()
    if merge_groups:
        kept = box_names | {label.obj_class.name for label in keypoints}
        merged = tuple(
            name
            for name in dict.fromkeys(label.obj_class.name for label in labels)
            if name not in kept
        )
    return GroupDecomposition(
        object_class=next(label.obj_class for label in labels if label.obj_class.name == leader),
        fragments=tuple(fragments),
        boxes=tuple(boxes),
        keypoints=tuple(keypoints),
        parts=tuple(parts),
        merged_classes=merged,
    )


# A key shared by a single label is no group: a reader that meets a group number (CVAT's or
# LabelMe's ``group_id``) on one shape reads it unbound, keeping the number as this tag, so that
# writing LabelMe or CVAT back gives the same ``group_id`` (LabelMe users put ``group_id`` on lone
# shapes as an instance number).
GROUP_ID_TAG = "group_id"
GROUP_ID_TAG_META = construct.tag_meta(GROUP_ID_TAG, sly.TagValueType.ANY_STRING)


def unbind_lone_keys(
    labels: Sequence[sly.Label], numbers: Sequence[Optional[str]]
) -> List[sly.Label]:
    """``labels`` with each key that only one label holds removed, that label's group number
    (``numbers[i]``, the ``group_id`` it was read from) kept as the tag :data:`GROUP_ID_TAG`.

    A label whose group number another label holds too stays as it is (LabelMe keys a group by
    label and ``group_id``: a car and a person with ``group_id`` 2 keep their keys).

    Raises:
        ValueError: ``labels`` and ``numbers`` differ in length.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> box = sly.Rectangle(0, 0, 1, 1)
        >>> labels = [sly.Label(box, car, binding_key="a:7"), sly.Label(box, car, binding_key="a:3"),
        ...           sly.Label(box, car, binding_key="a:3")]
        >>> read = unbind_lone_keys(labels, ["7", "3", "3"])
        >>> [(label.binding_key, kept_group_number(label)) for label in read]
        [(None, '7'), ('a:3', None), ('a:3', None)]
    """
    if len(labels) != len(numbers):
        raise ValueError(f"{len(labels)} labels and {len(numbers)} numbers: pass one per label")
    holders: dict = {}
    for label, number in zip(labels, numbers):
        if label.binding_key is not None:
            holders[str(label.binding_key)] = holders.get(str(label.binding_key), 0) + 1
        if number is not None:
            holders[("number", number)] = holders.get(("number", number), 0) + 1
    result = []
    for label, number in zip(labels, numbers):
        key = label.binding_key
        shared = number is not None and holders[("number", number)] > 1
        if key is None or holders[str(key)] > 1 or shared:
            result.append(label)
            continue
        tags = label.tags
        if number is not None:
            tags = tags.add(sly.Tag(GROUP_ID_TAG_META, value=str(number)))
        unbound = label.clone(tags=tags)
        unbound.binding_key = None  # clone(binding_key=None) keeps the key
        result.append(unbound)
    return result


def kept_group_number(label: sly.Label) -> Optional[str]:
    """The group number a lone label was read with (:func:`unbind_lone_keys`), or None; only an
    unbound label keeps one."""
    if label.binding_key is not None:
        return None
    tag = label.tags.get(GROUP_ID_TAG)
    return None if tag is None or tag.value is None else str(tag.value)
