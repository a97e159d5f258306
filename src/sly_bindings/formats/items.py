"""The item type and the project skeleton that the format modules share.

A format's reader yields :class:`FormatItem` objects (one image: its dataset, name, image file or
bytes, annotation and where it came from, for messages); :func:`items_to_project` makes a local
Supervisely project of them; :func:`project_items` gives a project's images as items, for a
writer. Each format keeps its own error and warning types, subclasses of
:class:`InvalidFormatError` and :class:`FormatWarning`, so a caller can catch them all at once.

Examples:
    >>> car = sly.ObjClass("car", sly.Rectangle)
    >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
    >>> image = np.zeros((4, 4, 3), np.uint8).tobytes()
    >>> FormatItem(("street",), "a.png", image, ann, "a.json").dataset
    ('street',)
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import tempfile  # for the examples
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Set,
    Tuple,
    Type,
    Union,
)

import numpy as np
import supervisely as sly
from supervisely.annotation.json_geometries_map import GET_GEOMETRY_FROM_STR

from bindings import binding_key_of
from sly_bindings.files.images import oriented_size
from sly_bindings.files.project_folder import ProjectFolderWarning, read_annotation
from sly_bindings.formats import shard
from sly_bindings.formats.construct import name_color
from sly_bindings.formats.progress import progress
from sly_bindings.formats.written import Written, image_account
from sly_bindings.formats.records import (  # one bound and its check, kept where records are read
    MAX_COORDINATE,
    are_coordinates,
    image_skipped,
    is_coordinate,
    mark_images_skipped,
    none_there,
)


class InvalidFormatError(ValueError):
    """A file of some format that cannot be read; the message names the file and the field."""


class FormatWarning(UserWarning):
    """Something a format cannot hold, or a part that was skipped; the message says which."""


class SuperviselyWarning(FormatWarning, ProjectFolderWarning):
    """An object of a Supervisely project's annotation that was skipped (``project_items``)."""


class FormatItem(NamedTuple):
    """One image of a format's files, read: where it goes and what it holds."""

    dataset: Tuple[str, ...]  # the dataset's name and its parents' names, top first
    name: str  # the item's name in the dataset
    image: Union[Path, bytes]  # the image file, or the image's bytes (embedded in the file)
    ann: sly.Annotation
    source: str  # the file (and the image in it), for messages


class ClassInfo(NamedTuple):
    """What a format's meta declares about a class (both optional)."""

    geometry_type: Optional[Type[sly.Geometry]] = None  # for a class with no label
    color: Optional[List[int]] = None
    # The class's geometry configuration (``sly.ObjClass.geometry_config``: a GraphNodes
    # class's skeleton), when the format declares one.
    geometry_config: Optional[Dict] = None


class SeenClass(NamedTuple):
    """A class as an item rendered alone (``convert --jobs``) passes it to its writer, plain:
    what a writer's class list reads of a ``sly.ObjClass`` (its name, geometry type, colour).

    Examples:
        >>> seen = SeenClass.of(sly.ObjClass("car", sly.Polygon, color=[1, 2, 3]))
        >>> seen
        SeenClass(name='car', geometry='polygon', color=[1, 2, 3])
        >>> seen.geometry_type is sly.Polygon
        True
    """

    name: str
    geometry: str  # the SDK's geometry name (``sly.Polygon.geometry_name()``)
    color: List[int]

    @classmethod
    def of(cls, obj_class: sly.ObjClass) -> "SeenClass":
        # ObjClass.color is a deep copy already: the list is this tuple's own.
        return cls(obj_class.name, obj_class.geometry_type.geometry_name(), obj_class.color)

    @property
    def geometry_type(self) -> Type[sly.Geometry]:
        """The geometry class of that name (as the SDK reads a meta's ``shape``)."""
        return GET_GEOMETRY_FROM_STR(self.geometry)


def rendered(item: Any, render: Callable[[FormatItem], Any]) -> Tuple[str, Any]:
    """``(source, data)`` of an item a writer takes: a ``FormatItem`` rendered here by
    ``render`` (its writer's per-image work), or a ``registry.Rendered`` as a worker of
    ``convert --jobs`` rendered it where it was read.

    Examples:
        >>> item = FormatItem(("ds",), "a.png", b"", sly.Annotation((4, 4)), "a.json")
        >>> rendered(item, lambda item: item.name)
        ('a.json', 'a.png')
        >>> rendered(("b.json", {"lines": []}), lambda item: item.name)
        ('b.json', {'lines': []})
    """
    if isinstance(item, FormatItem):
        return item.source, render(item)
    source, data = item
    return source, data


def copy_image(image: Union[Path, bytes], destination: Path) -> bool:
    """Copy an item's image (a file, or its bytes) to ``destination``, its folders made; False
    when a file and a folder of one name stand in the way (another image of that name, or a
    dataset's folder: :class:`ImageNames` says which, in the reader's order, where the images
    are numbered; ``convert --jobs`` copies in its workers, in any order). Every writer copies
    its images here.

    The bytes go through ``shutil.copyfileobj``, and the folders are made only when the open
    finds them missing: ``shutil.copyfile`` stats both paths twice first (are they one file, a
    FIFO? OUT is never IN, and the readers have checked that IN's images are regular files),
    and making the folders for every image cost a ``mkdir`` and a ``stat`` more.

    Raises:
        FileNotFoundError: the image file is gone.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> copy_image(b"png", folder / "a" / "x.png"), copy_image(b"png", folder / "a" / "x.png" / "y.png")
        (True, False)
        >>> copy_image(folder / "a" / "x.png", folder / "b" / "x.png")
        True
        >>> (folder / "b" / "x.png").read_bytes()
        b'png'
    """
    try:
        source = None if isinstance(image, bytes) else open(image, "rb")
        try:
            try:
                target = open(destination, "wb")
            except FileNotFoundError:  # its folder is not made yet
                destination.parent.mkdir(parents=True, exist_ok=True)
                target = open(destination, "wb")
            with target:
                if source is None:
                    target.write(image)  # type: ignore[arg-type]
                else:
                    shutil.copyfileobj(source, target)
        finally:
            if source is not None:
                source.close()
    except (FileExistsError, IsADirectoryError, NotADirectoryError):
        return False
    return True


def copy_image_in_place(image: Union[Path, bytes], destination: Path) -> None:
    """:func:`copy_image` for a writer that has checked its own names: a file and a folder of
    one name in the way raise ``FileExistsError`` naming the path that would be both
    (:func:`in_the_way`; ``convert`` says which of IN's names share it), whichever of the two
    was copied first (``convert --jobs`` copies in its workers, in any order).

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> copy_image_in_place(b"png", folder / "x.png")
        >>> try:
        ...     copy_image_in_place(b"png", folder / "x.png" / "y.png")
        ... except FileExistsError as error:
        ...     print(Path(error.filename).relative_to(folder))
        x.png
    """
    if not copy_image(image, destination):
        path = str(in_the_way(destination))
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)


def in_the_way(destination: Path) -> Path:
    """The path that stops a file being made at ``destination``: its first folder (from the top)
    that is a file, else ``destination`` itself (a folder there).

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "x.png").write_bytes(b"png")
        >>> in_the_way(folder / "x.png" / "a" / "y.png") == folder / "x.png"
        True
        >>> in_the_way(folder) == folder
        True
    """
    for parent in reversed(destination.parents):
        if os.path.lexists(parent) and not os.path.isdir(parent):
            return parent
    return destination


class ImageNames:
    """The images a writer lays out under ``root``, taken in the reader's order: an image whose
    path another image had, or a dataset's folder has, is used twice; a folder where an image
    is, a file and a folder of one name (``convert``'s staging names it as such).

    Examples:
        >>> names = ImageNames(Path("/out/images"))
        >>> names.claim("train/a.png"), names.claim("train/a.png")
        (True, False)
        >>> names.claim("train/b/c.png"), names.claim("train/b")
        (True, False)
        >>> names.claim("train/a.png/d.png")
        Traceback (most recent call last):
        ...
        FileExistsError: [Errno 17] File exists: '/out/images/train/a.png'
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: Set[str] = set()
        self._folders: Set[str] = set()

    def claim(self, relative: str) -> bool:
        """Take the path ``relative`` (``/``-separated) for an image: False when it is used
        already (an image, or a folder, of that path).

        Raises:
            FileExistsError: a folder of the path is an image (its ``filename`` that image).
        """
        if relative in self._files or relative in self._folders:
            return False
        parts = relative.split("/")
        folders = ["/".join(parts[:end]) for end in range(1, len(parts))]
        for folder in folders:
            if folder in self._files:
                path = str(self.root / folder)
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
        self._files.add(relative)
        self._folders.update(folders)
        return True


@functools.lru_cache(maxsize=1024)
def label_class(
    name: str, geometry_type: Type[sly.Geometry], color: Optional[Tuple[int, int, int]] = None
) -> sly.ObjClass:
    """The class of a label a reader makes: one object per name, geometry type and colour
    (``(r, g, b)``; None: the SDK picks one), shared by every label that has them.

    A ``sly.ObjClass`` is immutable, so labels may share one; making one per label took a tenth
    of a reader's time (the SDK checks the name and draws a random colour each time). With no
    colour given, the class's :func:`name_color`.

    Examples:
        >>> label_class("car", sly.Polygon) is label_class("car", sly.Polygon)
        True
        >>> label_class("car", sly.Polygon, (255, 0, 0)).color
        [255, 0, 0]
    """
    return sly.ObjClass(
        name, geometry_type, color=name_color(name) if color is None else list(color)
    )


def classes_left_out(
    classes: Iterable[sly.ObjClass], held: Tuple[Type[sly.Geometry], ...]
) -> List[str]:
    """The names of ``classes`` that can hold no object in a target whose objects are the
    geometries ``held`` (exact types): a class of another geometry type (points, lines; a CVAT
    tag label, read with none, is no class at all). ``sly.AnyGeometry`` may hold anything.

    Every writer's class list (COCO categories, YOLO names, CVAT labels) leaves these out with
    one :func:`left_out_message`, and numbers the others whatever classes a dataset uses
    (issue 18: every class a reason).

    Examples:
        >>> road, car = sly.ObjClass("road", sly.Polyline), sly.ObjClass("car", sly.Polygon)
        >>> classes_left_out([road, car, sly.ObjClass("any", sly.AnyGeometry)], (sly.Polygon,))
        ['road']
    """
    return [
        obj_class.name
        for obj_class in classes
        if obj_class.geometry_type is not sly.AnyGeometry and obj_class.geometry_type not in held
    ]


def left_out_message(where: str, names: Iterable[str], listing: str, holds: str) -> str:
    """One warning for the classes a writer leaves out of its class list ``listing``.

    Examples:
        >>> print(left_out_message("out", ["road", "pole"], "the names", "a line holds areas"))
        out: pole, road left out of the names: a line holds areas
    """
    return f"{where}: {', '.join(sorted(set(names)))} left out of {listing}: {holds}"


def items_to_project(
    items: Iterable[Any],
    project_dir: str,
    error: Type[InvalidFormatError],
    nothing: str,
    declared: Optional[Dict[str, ClassInfo]] = None,
    total: Optional[int] = None,
    description: str = "images",
) -> Written:
    """Make a local Supervisely project at ``project_dir`` of ``items``; return its account
    (``formats.written``: every label, every binding key a group, even of one label).

    Nested datasets (``("a", "b")``) are made the SDK's way (``a/datasets/b``), with their
    parents. A class gets the geometry type of its labels (``sly.AnyGeometry`` when they mix
    types; with no label, the declared type, else ``AnyGeometry``) and its declared colour; the
    classes declared come first, in their order. Tag metas are those the labels carry.

    Args:
        items: the items (``FormatItem``), or items :func:`render_project_item` wrote into
            ``project_dir`` already (``convert --jobs``' workers: ``registry.Rendered``); the
            project is made before the first is taken, and removed again when there is none
            or an item ends the run (a folder that was there, empty, is left empty).
        project_dir: where to make the project; it must not exist or be empty.
        error: the format's error type, for the messages below.
        nothing: the message when there is no item.
        declared: classes the format's meta declares, by name.
        total: the number of items, for the progress bar.
        description: the progress bar's label.

    Raises:
        InvalidFormatError: (``error``) there is no item, an image name is used twice in a
            dataset, or an image is not one Supervisely reads; the message names the source.
        RuntimeError: ``project_dir`` exists and is not empty (from ``sly.Project``).

    Examples:
        >>> folder = tempfile.mkdtemp()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> items = [FormatItem(("a", "b"), "x.png", png, ann, "x.json")]
        >>> items_to_project(items, folder + "/p", InvalidFormatError, "no item")
        Written(images=1, labels=1, groups=0, left_out=0)
        >>> project = sly.Project(folder + "/p", sly.OpenMode.READ)
        >>> [dataset.name for dataset in project.datasets], project.meta.obj_classes.keys()
        (['a', 'a/b'], ['car'])
    """
    declared = declared or {}
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # a reader that knows its count (formats.progress.SizedItems)
    existed = os.path.lexists(project_dir)
    project = sly.Project(project_dir, sly.OpenMode.CREATE)
    try:
        geometry_types: Dict[str, Set[str]] = {name: set() for name in declared}
        tag_metas: Dict[str, Dict[str, Any]] = {}  # as the SDK's JSON
        # Classes whose geometry needs its class's configuration (GraphNodes: the skeleton).
        configured: Dict[str, Dict[str, Any]] = {}  # as the SDK's JSON
        datasets: Dict[Tuple[str, ...], sly.Dataset] = {}
        names: Dict[Tuple[str, ...], Set[str]] = {}  # the image names of each dataset so far
        account = Written()
        for item in progress(items, description, total):
            source, data = rendered(
                item, lambda item: render_project_item(item, project_dir, error)
            )
            dataset = tuple(data["dataset"])
            dataset_at(project, datasets, dataset)  # the project's record of it (made, or known)
            if data["name"] in names.setdefault(dataset, set()):
                raise error(
                    f"{source}: {data['name']!r} is used twice in dataset {'/'.join(dataset)!r}: "
                    "give each image its own name"
                )
            names[dataset].add(data["name"])
            account = account.plus(image_account(data["keys"], lone_groups=True))
            for name, geometry, class_json in data["classes"]:
                geometry_types.setdefault(name, set()).add(geometry)
                if class_json is not None:
                    configured.setdefault(name, class_json)
            for tag_json in data["tags"]:
                tag_metas.setdefault(tag_json["name"], tag_json)
        if not names:
            raise error(nothing)
    except BaseException:  # nothing half-written: what was made here is removed
        if existed:
            sly.fs.clean_dir(project_dir)
        else:
            shutil.rmtree(project_dir, ignore_errors=True)
        raise
    classes = []
    for name, types in geometry_types.items():
        info = declared.get(name, ClassInfo())
        types = types or {(info.geometry_type or sly.AnyGeometry).geometry_name()}
        geometry_type = GET_GEOMETRY_FROM_STR(types.pop()) if len(types) == 1 else sly.AnyGeometry
        if name in configured and geometry_type.geometry_name() == configured[name]["shape"]:
            classes.append(sly.ObjClass.from_json(configured[name]))
        else:
            color = info.color if info.color is not None else name_color(name)
            classes.append(sly.ObjClass(name, geometry_type, color=color))
    metas = [sly.TagMeta.from_json(tag_json) for tag_json in tag_metas.values()]
    project.set_meta(sly.ProjectMeta(obj_classes=classes, tag_metas=metas))
    return account


def render_project_item(
    item: FormatItem, project_dir: str, error: Type[InvalidFormatError]
) -> Dict[str, Any]:
    """One item's part of :func:`items_to_project`, alone (``convert --jobs`` runs it in its
    workers): its image and annotation added to its dataset's folder in ``project_dir`` the
    SDK's way (``sly.Dataset.add_item_file``, the folder made when new), and as plain data its
    dataset, name, binding keys, the classes of its labels (name, geometry name, and the
    class's JSON when its geometry needs its configuration) and its tags' metas (JSON). Two
    images of one name are the writer's to refuse, in the items' order (the run then ends).

    Raises:
        InvalidFormatError: (``error``) the image is not one Supervisely reads.

    Examples:
        >>> folder = tempfile.mkdtemp()
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> data = render_project_item(FormatItem(("a", "b"), "x.png", png, ann, "x"), folder,
        ...                            InvalidFormatError)
        >>> data["classes"], sorted(os.listdir(os.path.join(folder, "a/datasets/b/ann")))
        ([['car', 'rectangle', None]], ['x.png.json'])
    """
    folder = os.path.join(project_dir, "/datasets/".join(item.dataset))
    dataset = sly.Dataset(folder, sly.OpenMode.CREATE)  # the SDK's folders, made when new
    add_item(dataset, item, error)
    classes: Dict[Tuple[str, str], List[Any]] = {}
    tags: Dict[str, Dict[str, Any]] = {}
    for label in item.ann.labels:
        obj_class = label.obj_class
        geometry = type(label.geometry).geometry_name()
        if (obj_class.name, geometry) not in classes:
            configured = obj_class.to_json() if obj_class.geometry_config else None
            classes[(obj_class.name, geometry)] = [obj_class.name, geometry, configured]
        for tag in label.tags:
            tags.setdefault(tag.meta.name, tag.meta.to_json())
    return {
        "dataset": list(item.dataset),
        "name": item.name,
        "keys": [binding_key_of(label) for label in item.ann.labels],
        "classes": list(classes.values()),
        "tags": list(tags.values()),
    }


def dataset_at(
    project: sly.Project, datasets: Dict[Tuple[str, ...], sly.Dataset], path: Tuple[str, ...]
) -> sly.Dataset:
    """The dataset at ``path`` (names, top first), made with its parents when new.

    Examples:
        >>> project = sly.Project(tempfile.mkdtemp() + "/p", sly.OpenMode.CREATE)
        >>> dataset_at(project, {}, ("a", "b")).directory.endswith("a/datasets/b")
        True
    """
    for depth in range(1, len(path) + 1):
        if path[:depth] not in datasets:
            # The SDK keeps a nested dataset in the "datasets" folder of its parent.
            folder = "/datasets/".join(path[:depth])
            datasets[path[:depth]] = project.create_dataset("/".join(path[:depth]), folder)
    return datasets[path]


def add_item(dataset: sly.Dataset, item: FormatItem, error: Type[InvalidFormatError]) -> None:
    """Add ``item`` (its image and annotation) to ``dataset``.

    Raises:
        InvalidFormatError: (``error``) the name is used twice in the dataset, or the image is
            not one Supervisely reads; the message names ``item.source``.

    Examples:
        >>> project = sly.Project(tempfile.mkdtemp() + "/p", sly.OpenMode.CREATE)
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> item = FormatItem(("a",), "x.png", png, sly.Annotation((4, 4)), "x.json")
        >>> dataset = project.create_dataset("a")
        >>> add_item(dataset, item, InvalidFormatError)
        >>> add_item(dataset, item, InvalidFormatError)
        Traceback (most recent call last):
        ...
        sly_bindings.formats.items.InvalidFormatError: x.json: 'x.png' is used twice in dataset 'a': give each image its own name
    """
    if dataset.item_exists(item.name):
        raise error(
            f"{item.source}: {item.name!r} is used twice in dataset {dataset.name!r}: give each "
            "image its own name"
        )
    try:
        if isinstance(item.image, bytes):
            dataset.add_item_raw_bytes(item.name, item.image, ann=item.ann)
        else:
            dataset.add_item_file(item.name, str(item.image), ann=item.ann)
    except (sly.image.UnsupportedImageFormat, sly.image.ImageReadException):
        what = "the image it embeds" if isinstance(item.image, bytes) else str(item.image)
        raise error(f"{item.source}: {what} is not an image Supervisely can read") from None


def project_items(project_dir: str) -> Iterator[FormatItem]:
    """The images of a local Supervisely project as items, datasets and images sorted by name.

    A nested dataset's path is its name split at ``/`` (``("a", "b")``). An object that cannot be
    read is skipped with a :class:`SuperviselyWarning` (``files.project_folder.read_annotation``).

    Examples:
        >>> folder = tempfile.mkdtemp()
        >>> project = sly.Project(folder + "/p", sly.OpenMode.CREATE)
        >>> project.set_meta(sly.ProjectMeta())
        >>> project.create_dataset("a").add_item_np("x.png", np.zeros((4, 4, 3), np.uint8))
        >>> [(item.dataset, item.name) for item in project_items(folder + "/p")]
        [(('a',), 'x.png')]
    """
    project = sly.Project(project_dir, sly.OpenMode.READ)
    for dataset in sorted(project.datasets, key=lambda dataset: dataset.name):
        path = tuple(dataset.name.replace("\\", "/").split("/"))
        for item_name in sorted(dataset.get_items_names()):
            if not shard.take():  # another process of convert --jobs converts it
                continue
            image = Path(dataset.get_img_path(item_name))
            if not os.path.lexists(image):  # as every reader leaves a missing image out
                image_skipped(
                    dataset.get_ann_path(item_name),
                    f"its image {image} does not exist: add the image or remove the file",
                    SuperviselyWarning,
                )
                continue
            # The shared read: the annotation's size is checked against its image's.
            ann = read_annotation(dataset, item_name, project.meta, SuperviselyWarning)
            yield FormatItem(path, item_name, image, ann, dataset.get_ann_path(item_name))


def non_empty(
    items: Iterable[FormatItem], nothing: Callable[[], InvalidFormatError]
) -> Iterator[FormatItem]:
    """``items`` as they are, read one by one; ``nothing()`` raised when there is none (an input
    with nothing to read ends the run, in the format's words), or, when the reader left every
    image out because its file is not there (``records.image_skipped``), an error of the same
    type that says so and why the first was.

    Examples:
        >>> list(non_empty([], lambda: InvalidFormatError("a: no image in it")))
        Traceback (most recent call last):
        ...
        sly_bindings.formats.items.InvalidFormatError: a: no image in it
    """
    mark = mark_images_skipped()
    iterator = iter(items)
    first = next(iterator, None)
    if first is None:
        if shard.active():  # a worker of convert --jobs: the others may have read some
            return
        error = nothing()
        reason = none_there(mark)  # every image was left out: say why
        raise error if reason is None else type(error)(reason)
    yield first
    yield from iterator


def first_and_more(paths: Sequence[object]) -> str:
    """The first of ``paths`` and how many more, for one warning about several files.

    Examples:
        >>> first_and_more(["a.txt"]), first_and_more(["a.txt", "b.txt", "c.txt"])
        ('a.txt', 'a.txt and 2 more')
    """
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return f"{paths[0]}{more}"


def check_image_size(
    declared: Tuple[int, int],
    image: Union[Path, bytes],
    source: str,
    fields: str,
    error: Type[InvalidFormatError],
) -> None:
    """Refuse an annotation whose declared ``(height, width)`` is not its image's real size.

    The real size is read from the image's header, without decoding it, with its EXIF
    orientation applied, as ``sly.image.read`` sizes it (``files.images.oriented_size``): a
    label is never rescaled, moved or dropped to fit another size.

    Args:
        declared: ``(height, width)`` as the annotation file gives it.
        image: the image file, or the image's bytes (embedded in the file).
        source: the file (and the image in it), for messages.
        fields: the file's fields of the size (``imageHeight, imageWidth``); an image that
            cannot be read is named with ``imageData`` (bytes) or ``image`` (a file).
        error: the format's error type.

    Raises:
        InvalidFormatError: (``error``) the sizes differ, or the image cannot be read; the
            message names the file, the fields, the image and both sizes (width x height).

    Examples:
        >>> png = sly.image.write_bytes(np.zeros((64, 96, 3), np.uint8), ".png")
        >>> check_image_size((64, 96), png, "a.json", "imageHeight, imageWidth", InvalidFormatError)
        >>> check_image_size((100, 100), png, "a.json", "imageHeight, imageWidth", InvalidFormatError)
        Traceback (most recent call last):
        ...
        sly_bindings.formats.items.InvalidFormatError: a.json: imageHeight, imageWidth: declares 100x100 (width x height) but the image it embeds is 96x64: give the size of the image the labels were drawn on, or that image
    """
    embedded = isinstance(image, bytes)
    what = "the image it embeds" if embedded else f"the image {image}"
    field = "imageData" if embedded else "image"
    height, width = oriented_size(image, f"{source}: {field}: {what}", error)
    where = f"{source}: {fields}"
    if tuple(declared) == (height, width):
        return
    turned = (
        ", turned by 90 degrees: Supervisely sizes an image with its EXIF orientation applied, "
        "as sly.image.read does; give that size"
        if tuple(declared) == (width, height)
        else ": give the size of the image the labels were drawn on, or that image"
    )
    raise error(
        f"{where}: declares {declared[1]}x{declared[0]} (width x height) but {what} is "
        f"{width}x{height}{turned}"
    )


def excerpt(value: object, limit: int = 24) -> str:
    """``repr(value)`` cut to ``limit`` characters, for a message quoting a bad value.

    Examples:
        >>> excerpt(10**400)
        '100000000000000000000...'
        >>> excerpt("a.png"), excerpt(1e300)
        ("'a.png'", '1e+300')
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
