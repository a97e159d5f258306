"""Binding groups in Label Studio's JSON: relations become groups, groups become relations.

Label Studio (https://labelstud.io) exports a project as a JSON list of tasks (its "JSON"
export; ``label_studio/data_export`` writes what ``Task`` serializes)::

    [{"id": 1, "data": {"image": "/data/upload/1/8a3b2c1d-a.jpg"},
      "annotations": [{"id": 1, "result": [
          {"id": "r1", "type": "rectanglelabels", "from_name": "label", "to_name": "image",
           "original_width": 400, "original_height": 300, "image_rotation": 0,
           "value": {"x": 25, "y": 40, "width": 50, "height": 20, "rotation": 0,
                     "rectanglelabels": ["car"]}},
          {"type": "relation", "from_id": "r1", "to_id": "r2", "direction": "right",
           "labels": ["part of"]}, ...]}],
      "predictions": [], ...}, ...]

Reading (:func:`read_items`):

- the results of a task's first annotation that was not cancelled (its first prediction when it
  has no annotation; a warning names the ones not read); each region is one label whose class is
  its first label (``value.<type>[0]``):
  ``rectanglelabels`` -> ``sly.Rectangle`` by the one box rule (``formats.boxes.box_to_rectangle``), or a
  ``sly.Polygon`` of its 4 corners when it has a ``rotation`` (degrees clockwise about its
  top-left corner, as Label Studio draws it); ``polygonlabels`` -> ``sly.Polygon``;
  ``brushlabels`` -> ``sly.Bitmap`` (Label Studio's brush RLE, :func:`decode_brush_rle`);
  ``keypointlabels`` -> ``sly.Point``. Coordinates are percent of ``original_width`` /
  ``original_height``, which must be the image's real size (``formats.items.check_image_size``);
- relations (``type: relation``) and ``parentID`` link regions: the connected regions form one
  group (a chain is one group whatever the directions), bound under ``"<task>:<region id>"``
  (the task's id and its first region's id: unambiguous in a task). A region with a relation
  to itself is a group of one. Each label keeps its region id (tag ``labelstudio_id``), its
  relations (tag ``labelstudio_relations``: a JSON list of ``{"to_id", "direction",
  "labels"}``) and its ``parentID`` (tag ``labelstudio_parent``), so a round trip writes the
  same relations;
- text, choices and other results with no geometry are skipped with one warning per file; a bad
  region is skipped with a warning naming the file, the task and the region, never the file; a
  task whose image is not found is named and left out;
- the image (``data.image``) as Label Studio writes it: ``/data/local-files/?d=PATH``,
  ``/data/upload/<project>/<hash>-<name>``, a URL or a path, found by :func:`image_candidates`
  (beside the JSON, in ``images/`` beside it, or in ``--images DIR``); never outside them;
- the dataset: the task's ``data.dataset`` (which this writer adds; ``a/b`` is nested), else the
  JSON file's name.

Writing (:func:`write_items`): ``OUT/tasks.json`` (one task per image, every label a region as
an annotation, or a prediction with ``as_predictions``; every group its relations: those read
when they still connect the group, else a chain in the group's order; a group of one a relation
to itself), the images under ``OUT/images/<dataset>/``, referenced as
``/data/local-files/?d=<path relative to the document root>`` (default: OUT), and
``OUT/labeling_config.xml``, the labeling config to create the project with. Only exact
rectangles, polygons (holes dropped, warned), bitmaps and points are written; other geometries
are skipped with a warning.

Copy this file with ``bindings.py``, ``files/``, ``formats/items.py`` and
``formats/progress.py``; it needs ``supervisely``, ``numpy`` and ``defusedxml``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import tempfile  # for the examples
import urllib.parse
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import supervisely as sly
from defusedxml import ElementTree as SafeET

from bindings import binding_groups, binding_key_of
from sly_bindings.files.dataset_names import dataset_name_problem
from sly_bindings.files.images import check_mask_fits, find_image, oriented_size
from sly_bindings.files.input_paths import (
    absence,
    input_files,
    is_input_file,
    outside_input_problem,
)
from sly_bindings.files.project_folder import ProjectFolderError, read_json
from sly_bindings.formats.boxes import BoxError, box_to_rectangle, rectangle_to_box
from sly_bindings.formats.items import (
    rendered,
    copy_image_in_place,
    MAX_COORDINATE,
    SeenClass,
    ClassInfo,
    FormatItem,
    FormatWarning,
    InvalidFormatError,
    check_image_size,
    excerpt,
    classes_left_out,
    are_coordinates,
    is_coordinate,
    label_class,
    left_out_message,
)
from sly_bindings.formats import construct, shard
from sly_bindings.formats.progress import progress
from sly_bindings.formats.records import group_key, image_skipped, record
from sly_bindings.formats.written import Written, image_account
from sly_bindings.formats.registry import WriteOptions

TASKS_FILE = "tasks.json"
CONFIG_FILE = "labeling_config.xml"
ID_TAG = "labelstudio_id"
RELATIONS_TAG = "labelstudio_relations"
PARENT_TAG = "labelstudio_parent"
# The spatial result types read, their geometry, and the control that writes them.
GEOMETRIES: Dict[str, type] = {
    "rectanglelabels": sly.Rectangle,
    "polygonlabels": sly.Polygon,
    "brushlabels": sly.Bitmap,
    "keypointlabels": sly.Point,
}
CONTROLS = {
    "rectanglelabels": ("RectangleLabels", "rectangle"),
    "polygonlabels": ("PolygonLabels", "polygon"),
    "brushlabels": ("BrushLabels", "brush"),
    "keypointlabels": ("KeyPointLabels", "keypoint"),
}
# Label Studio's brush RLE as label-studio-converter's brush.py writes it (encode_rle): 8-bit
# words, run-length field sizes 3, 4, 8 and 16 bits.
RLE_WORD = 8
RLE_SIZES = (3, 4, 8, 16)
LOCAL_FILES = "/data/local-files/"
UPLOAD = re.compile(r"^/?data/upload/[^/]+/(?P<name>.+)$")
UPLOAD_HASH = re.compile(r"^[0-9a-f]{8}-(?P<name>.+)$")
STRING_TAG_TYPE = sly.TagValueType.ANY_STRING


class InvalidLabelStudioError(InvalidFormatError):
    """A Label Studio file that cannot be read; the message names the file and the field."""


class LabelStudioWarning(FormatWarning):
    """A region or task skipped, or something Label Studio cannot hold; the message says which."""


# --- Label Studio's brush RLE ----------------------------------------------------------------


def decode_brush_rle(
    rle: Any, height: int, width: int, field: str = "rle"
) -> npt.NDArray[np.bool_]:
    """The ``(height, width)`` mask of Label Studio's brush RLE: its alpha channel, set or not.

    The stream (label-studio-converter ``brush.py`` ``decode_rle``, from thi.ng's rle-pack) is
    bits, most significant first: 32 bits the number of values, 5 bits the word size less 1, 4x4
    bits the four run-length field sizes less 1; then runs: 1 bit (1: one value repeated,
    0: literal values), 2 bits choosing a field size, that many bits the count less 1, then the
    word(s). The values are RGBA, 4 per pixel, row by row; a pixel is set when its alpha is not
    0. The number of values is checked to be ``height * width * 4`` before anything is
    allocated, and only the ``height * width`` mask is.

    Raises:
        InvalidLabelStudioError: not a list of bytes, a size other than the image's, or a stream
            that ends early; the message starts with ``field``.

    Examples:
        >>> rle = encode_brush_rle(np.array([[0, 1, 1], [1, 0, 0]], bool))
        >>> decode_brush_rle(rle, 2, 3).astype(int).tolist()
        [[0, 1, 1], [1, 0, 0]]
    """
    if not isinstance(rle, list) or not all(
        isinstance(byte, int) and not isinstance(byte, bool) and 0 <= byte <= 255 for byte in rle
    ):
        raise InvalidLabelStudioError(f"{field}: must be a list of bytes (whole numbers 0-255)")
    bits = (np.unpackbits(np.array(rle, dtype=np.uint8)) + ord("0")).tobytes().decode("ascii")
    if len(bits) < 53:
        raise InvalidLabelStudioError(f"{field}: too short for Label Studio's RLE header")
    count = int(bits[0:32], 2)
    if count != height * width * 4:
        raise InvalidLabelStudioError(
            f"{field}: holds {count} values, but a {width}x{height} image has "
            f"{height * width * 4} (4 per pixel): export the region again"
        )
    # The one mask size rule (a brush covers its image: the image's size, at most 2^30 pixels).
    check_mask_fits((height, width), (height, width), field, InvalidLabelStudioError)
    word = int(bits[32:37], 2) + 1
    sizes = [int(bits[37 + 4 * k : 41 + 4 * k], 2) + 1 for k in range(4)]
    mask = np.zeros(height * width, dtype=bool)
    position, i = 53, 0

    def read(size: int) -> int:
        nonlocal position
        if position + size > len(bits):
            raise InvalidLabelStudioError(f"{field}: the RLE stream ends early: export it again")
        value = int(bits[position : position + size], 2)
        position += size
        return value

    while i < count:
        repeated = read(1)
        j = min(count, i + 1 + read(sizes[read(2)]))
        if repeated:
            # The alpha values of [i, j) are those of the pixels [i // 4, j // 4).
            mask[i // 4 : j // 4] = read(word) != 0
        else:
            for index in range(i, j):
                value = read(word)
                if index % 4 == 3:
                    mask[index // 4] = value != 0
        i = j
    return mask.reshape(height, width)


def encode_brush_rle(mask: npt.NDArray[np.bool_]) -> List[int]:
    """Label Studio's brush RLE of a ``(height, width)`` mask: RGBA ``(0, 0, 0, 0)`` or
    ``(255, 255, 255, 255)`` per pixel, as label-studio-converter's ``mask2rle`` writes it
    (runs of up to 2^16 values; single values as literals). :func:`decode_brush_rle` undoes it.

    Examples:
        >>> encode_brush_rle(np.ones((1, 1), bool))[:4]
        [0, 0, 0, 4]
    """
    values = np.repeat(mask.ravel().astype(np.uint8) * 255, 4)
    parts = [f"{len(values):032b}", f"{RLE_WORD - 1:05b}"]
    parts.extend(f"{size - 1:04b}" for size in RLE_SIZES)
    if len(values):
        changes = np.flatnonzero(values[1:] != values[:-1]) + 1
        starts = np.concatenate([[0], changes])
        ends = np.concatenate([changes, [len(values)]])
        for start, end in zip(starts.tolist(), ends.tolist()):
            value, length = f"{int(values[start]):08b}", end - start
            while length > 0:
                run = min(length, 2**16)
                if run == 1:
                    parts.append("0" + "00" + "000" + value)
                else:
                    choice = next(k for k, size in enumerate(RLE_SIZES) if run <= 2**size)
                    size = RLE_SIZES[choice]
                    parts.append(f"1{choice:02b}{run - 1:0{size}b}{value}")
                length -= run
    text = "".join(parts)
    text += "0" * (-len(text) % 8)
    return [int(text[k : k + 8], 2) for k in range(0, len(text), 8)]


# --- reading ---------------------------------------------------------------------------------


def read_items(source: Path, images: Optional[Path] = None) -> Iterator[FormatItem]:
    """The tasks of Label Studio JSON export(s) as items (see the module's docstring).

    Args:
        source: a JSON file, or a folder: every ``*.json`` in it (not in its subfolders).
        images: the folder the images are in, when it is none of those looked in.

    Raises:
        InvalidLabelStudioError: a file is not JSON, or not a list of tasks; the message names
            the file. Bad regions and tasks without an image are warned about and skipped.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> sly.image.write(str(folder / "a.png"), np.zeros((300, 400, 3), np.uint8))
        True
        >>> box = {"id": "r1", "type": "rectanglelabels", "original_width": 400,
        ...        "original_height": 300, "value": {"x": 25, "y": 40, "width": 50,
        ...        "height": 20, "rotation": 0, "rectanglelabels": ["car"]}}
        >>> task = {"id": 1, "data": {"image": "/data/local-files/?d=a.png"},
        ...         "annotations": [{"id": 1, "result": [box]}]}
        >>> _ = (folder / "export.json").write_text(json.dumps([task]))
        >>> [(item.dataset, item.name, item.ann.labels[0].geometry.to_json()["points"])
        ...  for item in read_items(folder)]
        [(('export',), 'a.png', {'exterior': [[100, 120], [300, 180]], 'interior': []})]
    """
    for json_path in _json_files(Path(source)):
        try:
            data = read_json(json_path)
        except ProjectFolderError as error:
            raise InvalidLabelStudioError(str(error)) from None
        if isinstance(data, dict) and "data" in data:
            data = [data]  # one task, as Label Studio imports it too
        if not isinstance(data, list):
            raise InvalidLabelStudioError(
                f"{json_path}: not a Label Studio JSON export (a list of tasks): export the "
                "project as JSON"
            )
        skipped: Dict[str, int] = {}
        for index, task in enumerate(data):
            if not shard.take():  # another process of convert --jobs converts it
                continue
            item = _task_item(task, index, json_path, images, skipped)
            if item is not None:
                yield item
        if skipped:
            kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(skipped.items()))
            warnings.warn(
                f"{json_path}: results with no geometry skipped ({kinds}): a Supervisely label "
                "holds a geometry",
                LabelStudioWarning,
            )


def declared_classes(source: Path) -> Dict[str, ClassInfo]:
    """The classes of the labeling config beside the export (``labeling_config.xml``, as
    :func:`write_items` writes it), in order; ``{}`` when there is none.

    A class of one control has its geometry type (``RectangleLabels``: ``sly.Rectangle``, ...),
    of several ``sly.AnyGeometry``; a ``background="#rrggbb"`` is its colour.

    Raises:
        InvalidLabelStudioError: the config is not XML; the message names the file.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / CONFIG_FILE).write_text(labeling_config([sly.ObjClass("car",
        ...     sly.Rectangle, color=[255, 0, 0])]))
        >>> {name: (info.geometry_type.geometry_name(), info.color)
        ...  for name, info in declared_classes(folder).items()}
        {'car': ('rectangle', [255, 0, 0])}
    """
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    config = folder / CONFIG_FILE
    if not os.path.lexists(config):
        return {}
    if not is_input_file(config):
        raise InvalidLabelStudioError(f"{config}: {absence(config)}: replace it with the file")
    try:
        root = SafeET.parse(str(config)).getroot()
    except (ET.ParseError, ValueError) as error:
        raise InvalidLabelStudioError(f"{config}: not a labeling config XML ({error})") from None
    types: Dict[str, set] = {}
    colors: Dict[str, List[int]] = {}
    by_control = {tag.lower(): GEOMETRIES[kind] for kind, (tag, _) in CONTROLS.items()}
    for control in root.iter():
        geometry_type = by_control.get(str(control.tag).lower())
        if geometry_type is None:
            continue
        for label in control.iter("Label"):
            name = label.get("value")
            if name:
                types.setdefault(name, set()).add(geometry_type)
                color = _hex_color(label.get("background"))
                if color is not None:
                    colors.setdefault(name, color)
    return {
        name: ClassInfo(kinds.pop() if len(kinds) == 1 else sly.AnyGeometry, colors.get(name))
        for name, kinds in types.items()
    }


def input_folders(source: Path, images: Optional[Path] = None) -> List[Path]:
    """The folders :func:`read_items` reads from: IN's folder (the file's, for a file) and
    ``images``; a writer must not replace any of them.

    Examples:
        >>> input_folders(Path("/nonexistent/export.json"), Path("/pictures"))
        [PosixPath('/nonexistent'), PosixPath('/pictures')]
    """
    source = Path(source)
    folder = source if source.is_dir() or source.suffix.lower() != ".json" else source.parent
    return list(dict.fromkeys([folder] + ([Path(images)] if images is not None else [])))


def image_reference_path(reference: str) -> Optional[PurePosixPath]:
    """The file path inside ``data.image`` as Label Studio writes it, or None for none.

    ``/data/local-files/?d=PATH`` -> PATH (URL-decoded); ``/data/upload/<project>/<file>`` ->
    ``<file>``; a URL -> its path; anything else is taken as a path.

    Examples:
        >>> image_reference_path("/data/local-files/?d=images/ds/a%20b.png")
        PurePosixPath('images/ds/a b.png')
        >>> image_reference_path("/data/upload/3/8a3b2c1d-a.jpg")
        PurePosixPath('8a3b2c1d-a.jpg')
        >>> image_reference_path("https://example.com/data/a.jpg?token=x")
        PurePosixPath('/data/a.jpg')
    """
    if reference.startswith(LOCAL_FILES) or reference.startswith(LOCAL_FILES[1:]):
        query = urllib.parse.urlsplit(reference).query
        values = urllib.parse.parse_qs(query).get("d")
        return PurePosixPath(values[0].replace("\\", "/")) if values else None
    upload = UPLOAD.match(reference)
    if upload:
        return PurePosixPath(urllib.parse.unquote(upload.group("name")))
    parts = urllib.parse.urlsplit(reference)
    if parts.scheme in ("http", "https", "s3", "gs", "azure-blob", "file"):
        return PurePosixPath(urllib.parse.unquote(parts.path)) if parts.path else None
    return PurePosixPath(reference.replace("\\", "/")) if reference else None


def image_candidates(
    json_path: Path, path: PurePosixPath, images_dir: Optional[Path] = None
) -> List[Path]:
    """Where the image ``path`` (from :func:`image_reference_path`) of ``json_path`` may be, in
    order: each tail of ``path`` (the longest first) beside the JSON and in ``images/`` beside
    it, or in ``images_dir`` when given; an upload's name also without Label Studio's
    ``<hash>-`` prefix. A tail that climbs out (``..``) or is absolute is never tried.

    Examples:
        >>> [str(p) for p in image_candidates(Path("ls/export.json"), PurePosixPath("out/images/a.png"))]
        ['ls/out/images/a.png', 'ls/images/out/images/a.png', 'ls/images/a.png', 'ls/images/images/a.png', 'ls/a.png']
    """
    parts = [part for part in path.parts if part not in ("/", "")]
    tails = [PurePosixPath(*parts[k:]) for k in range(len(parts))]
    tails = [tail for tail in tails if outside_input_problem(str(tail)) is None]
    upload = UPLOAD_HASH.match(path.name)
    if upload:
        tails.append(PurePosixPath(upload.group("name")))
    folders = (
        [images_dir] if images_dir is not None else [json_path.parent, json_path.parent / "images"]
    )
    return list(dict.fromkeys(folder / tail for tail in tails for folder in folders))


def _json_files(source: Path) -> List[Path]:
    if source.is_dir():
        files = input_files(source, "*.json", InvalidLabelStudioError)
        if not files:
            raise InvalidLabelStudioError(
                f"{source}: no Label Studio JSON export (*.json) in it: pass the exported file"
            )
        return files
    if not source.exists():
        raise InvalidLabelStudioError(f"{source}: does not exist: pass the exported JSON file")
    return [source]


def _task_item(
    task: Any, index: int, json_path: Path, images: Optional[Path], skipped: Dict[str, int]
) -> Optional[FormatItem]:
    """The item of one task, or None (warned) for a task left out."""
    if not isinstance(task, dict):
        warnings.warn(
            f"{json_path}: tasks[{index}]: not a task (a JSON object): left out", LabelStudioWarning
        )
        return None
    task_id = task.get("id")
    if _is_id(task_id):
        task_ref, where = group_key("task", task_id), f"{json_path}: task {excerpt(task_id, 40)}"
    else:
        task_ref, where = group_key("task at", index), f"{json_path}: tasks[{index}]"
    data = task.get("data")
    reference = _image_reference(data)
    if reference is None:
        warnings.warn(f"{where}: data.image: missing: the task is left out", LabelStudioWarning)
        return None
    path = image_reference_path(reference)
    candidates = image_candidates(json_path, path, images) if path is not None else []
    image_path = find_image(candidates)  # the one rule of every reader (files.images)
    if image_path is None:
        looked = ", ".join(str(candidate.parent) for candidate in candidates[:4]) or "nowhere"
        image_skipped(
            f"{where}: data.image",
            f"{excerpt(reference, 120)} is not found (looked in {looked}): put the images beside "
            "the JSON, in images/, or name their folder with --images",
            LabelStudioWarning,
        )
        return None
    if not sly.image.has_valid_ext(image_path.name):
        image_skipped(
            f"{where}: data.image",
            f"{excerpt(image_path.name, 80)} is not an image format Supervisely accepts",
            LabelStudioWarning,
        )
        return None
    dataset = _dataset(data, json_path, where)
    results = _results(task, where)
    where = f"{where} (image {excerpt(image_path.name, 80)})"
    try:
        ann = task_annotation(results, image_path, where, task_ref, skipped)
    except InvalidLabelStudioError as error:
        warnings.warn(f"{error}: the task is left out", LabelStudioWarning)
        return None
    return FormatItem(dataset, image_path.name, image_path, ann, where)


def _image_reference(data: Any) -> Optional[str]:
    """``data.image``, or else the one string of ``data`` that names an image file."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("image"), str) and data["image"]:
        return data["image"]
    names = [
        value
        for value in data.values()
        if isinstance(value, str) and sly.image.has_valid_ext(urllib.parse.urlsplit(value).path)
    ]
    return names[0] if len(names) == 1 else None


def _dataset(data: Dict[str, Any], json_path: Path, where: str) -> Tuple[str, ...]:
    value = data.get("dataset")
    if isinstance(value, str) and value.strip("/"):
        path = tuple(part for part in value.split("/") if part)
        if all(dataset_name_problem(part) is None and part not in (".", "..") for part in path):
            return path
        warnings.warn(
            f"{where}: data.dataset: {excerpt(value, 80)} cannot be a dataset name: the file's "
            "name is used",
            LabelStudioWarning,
        )
    name = json_path.stem
    problem = dataset_name_problem(name)
    if problem is not None:
        raise InvalidLabelStudioError(
            f"{json_path}: its name gives the dataset name {name!r}, which {problem}"
        )
    return (name,)


def _results(task: Dict[str, Any], where: str) -> List[Any]:
    """The results of the task's first annotation not cancelled, else of its first prediction."""
    for field in ("annotations", "predictions"):
        entries = task.get(field)
        if not isinstance(entries, list):
            continue
        if entries and not any(isinstance(entry, dict) for entry in entries):
            # Label Studio's quick JSON export lists predictions by id only.
            warnings.warn(
                f"{where}: {field}: ids only, no results: export them whole (a snapshot export "
                f"with {field} not as ids)",
                LabelStudioWarning,
            )
            continue
        usable = [
            (index, entry)
            for index, entry in enumerate(entries)
            if isinstance(entry, dict) and not entry.get("was_cancelled")
        ]
        if not usable:
            continue
        index, entry = usable[0]
        if len(usable) > 1:
            warnings.warn(
                f"{where}: {field}: {len(usable)} of them; {field}[{index}] is read, the others "
                "are not",
                LabelStudioWarning,
            )
        result = entry.get("result")
        if not isinstance(result, list):
            warnings.warn(
                f"{where}: {field}[{index}].result: not a list: read as empty", LabelStudioWarning
            )
            return []
        return result
    return []


def task_annotation(
    results: Sequence[Any],
    image: Union[Path, bytes],
    where: str,
    task_ref: str,
    skipped: Optional[Dict[str, int]] = None,
) -> sly.Annotation:
    """The annotation of one task's results on ``image``, relations and ``parentID`` as groups.

    Args:
        results: the ``result`` list of an annotation or prediction.
        image: the task's image (its header gives the size).
        where: the file and the task, for messages.
        task_ref: names the task (its id, or its place in the file, as a
            ``records.group_key``), the first part of its binding keys.
        skipped: counts of the results with no geometry, by type, added to (one warning per
            file is the caller's).

    Raises:
        InvalidLabelStudioError: the regions' ``original_width``/``original_height`` are not
            the image's real size. A bad region is skipped with a :class:`LabelStudioWarning`.

    Examples:
        >>> png = sly.image.write_bytes(np.zeros((300, 400, 3), np.uint8), ".png")
        >>> def box(i, x): return {"id": i, "type": "rectanglelabels", "original_width": 400,
        ...     "original_height": 300, "value": {"x": x, "y": 0, "width": 5, "height": 5,
        ...     "rectanglelabels": ["car"]}}
        >>> results = [box("a", 0), box("b", 10), box("c", 20), box("d", 30),
        ...            {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right"},
        ...            {"type": "relation", "from_id": "c", "to_id": "b", "direction": "right"}]
        >>> [label.binding_key for label in task_annotation(results, png, "t", "1").labels]
        ['["region","1","a"]', '["region","1","a"]', '["region","1","a"]', None]
    """
    skipped = {} if skipped is None else skipped
    height, width = oriented_size(image, f"{where}: data.image", InvalidLabelStudioError)
    checked: Dict[Tuple[Any, Any], bool] = {}
    regions: Dict[Any, List[sly.Label]] = {}  # region id (or (index,) without one) -> labels
    order: List[Any] = []
    relations: List[Tuple[str, str, Dict[str, Any]]] = []
    parents: Dict[str, str] = {}
    for index, result in enumerate(results):
        field = f"{where}: result[{index}]"
        if not isinstance(result, dict):
            warnings.warn(f"{field}: not a JSON object: skipped", LabelStudioWarning)
            continue
        kind = result.get("type")
        if kind == "relation":
            ends = [result.get("from_id"), result.get("to_id")]
            if not all(_is_id(end) for end in ends):
                warnings.warn(
                    f"{field}: relation without from_id and to_id: skipped", LabelStudioWarning
                )
                continue
            direction, names = result.get("direction"), result.get("labels")
            relation = {
                "direction": direction if isinstance(direction, str) else "right",
                "labels": [str(name) for name in names] if isinstance(names, list) else [],
            }
            relations.append((str(ends[0]), str(ends[1]), relation))
            continue
        if kind not in GEOMETRIES:
            skipped[str(kind)] = skipped.get(str(kind), 0) + 1
            continue
        region_id = result.get("id")
        field = f"{field} (region {excerpt(region_id, 40)}, {kind})"
        declared = (result.get("original_height"), result.get("original_width"))
        if not all(_is_whole(side) for side in declared):
            warnings.warn(
                f"{field}: original_height, original_width: {excerpt(declared, 40)} are not "
                f"whole numbers from 1 to {MAX_COORDINATE}: the region is skipped",
                LabelStudioWarning,
            )
            continue
        declared = (int(declared[0]), int(declared[1]))
        if declared not in checked:
            try:
                check_image_size(
                    declared,
                    image,
                    where,
                    "original_height, original_width",
                    InvalidLabelStudioError,
                )
                checked[declared] = True
            except InvalidLabelStudioError:
                if not checked:  # the first size read: the task's own, wrong
                    raise
                checked[declared] = False
        if not checked[declared]:
            warnings.warn(
                f"{field}: original_height, original_width: {declared[0]}, {declared[1]} are not "
                f"the image's size {height}, {width}: the region is skipped",
                LabelStudioWarning,
            )
            continue
        read: List[sly.Label] = []
        with record(read, field, LabelStudioWarning, (height, width), "region") as found:
            label = _region_label(result, kind, (height, width), field)
            if label is not None:
                found.append(label)
        if not read:
            continue
        # A region with no id can be in no relation: its key (a tuple) equals no id of the file.
        key: Any = str(region_id) if _is_id(region_id) else (index,)
        if key not in regions:
            order.append(key)
        regions.setdefault(key, []).append(label)
        parent = result.get("parentID")
        if _is_id(parent):
            parents[key] = str(parent)
    groups = _connected(order, [(a, b) for a, b, _ in relations] + list(parents.items()), where)
    own_relations: Dict[str, List[Dict[str, Any]]] = {}
    for from_id, to_id, relation in relations:
        if from_id in regions and to_id in regions:
            own_relations.setdefault(from_id, []).append({"to_id": to_id, **relation})
    labels = []
    for region_id in order:
        key = groups.get(region_id)
        for label in regions[region_id]:
            tags = [sly.Tag(_tag_meta(ID_TAG), region_id)] if isinstance(region_id, str) else []
            if region_id in own_relations:
                tags.append(sly.Tag(_tag_meta(RELATIONS_TAG), json.dumps(own_relations[region_id])))
            if region_id in parents and parents[region_id] in regions:
                tags.append(sly.Tag(_tag_meta(PARENT_TAG), parents[region_id]))
            binding_key = None if key is None else group_key("region", task_ref, key)
            labels.append(label.clone(tags=sly.TagCollection(tags), binding_key=binding_key))
    return sly.Annotation((height, width), labels)


def _connected(order: List[str], links: List[Tuple[str, str]], where: str) -> Dict[str, str]:
    """Region id -> the id of the first region of its group (union-find over ``links``), for the
    regions a link touches; links to a region not read are left out, warned."""
    parent = {region: region for region in order}
    rank = {region: index for index, region in enumerate(order)}

    def find(region: str) -> str:
        while parent[region] != region:
            parent[region] = parent[parent[region]]
            region = parent[region]
        return region

    linked = set()
    for a, b in links:
        if a not in parent or b not in parent:
            missing = a if a not in parent else b
            warnings.warn(
                f"{where}: a relation or parentID names region {excerpt(missing, 40)}, which was "
                "not read: that link is left out",
                LabelStudioWarning,
            )
            continue
        linked.update((a, b))
        root_a, root_b = find(a), find(b)
        if root_a != root_b:  # the root is the group's first region
            first, second = sorted((root_a, root_b), key=rank.__getitem__)
            parent[second] = first
    return {region: find(region) for region in order if region in linked}


def _region_label(
    result: Dict[str, Any], kind: str, image_size: Tuple[int, int], field: str
) -> Optional[sly.Label]:
    value = result.get("value")
    if not isinstance(value, dict):
        raise InvalidLabelStudioError(f"{field}: value: missing or not an object")
    names = value.get(kind)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidLabelStudioError(
            f"{field}: value.{kind}: missing or not a list of label names"
        )
    if len(names) > 1:
        warnings.warn(
            f"{field}: value.{kind}: {len(names)} labels; the region is read as {names[0]!r}, "
            "a Supervisely label has one class",
            LabelStudioWarning,
        )
    geometry = region_geometry(kind, value, image_size, field)
    if geometry is None:
        return None
    return construct.label(geometry, label_class(names[0], type(geometry)))


def region_geometry(
    kind: str, value: Mapping[str, Any], image_size: Tuple[int, int], field: str = "value"
) -> Optional[sly.Geometry]:
    """The Supervisely geometry of one region's ``value`` on an image of ``(height, width)``.

    Percent coordinates become pixels (``x * width / 100``), rounded to whole pixels; a box by
    ``formats.boxes.box_to_rectangle``; a box with a ``rotation`` (degrees clockwise about its top-left
    corner) the polygon of its corners. Returns None (warned) for a brush with no pixel set.

    Raises:
        InvalidLabelStudioError: a coordinate is missing, not a number or beyond
            ``MAX_COORDINATE`` pixels, a size is not positive, a polygon has fewer than 3
            points, or a brush RLE is malformed; the message starts with ``field``.

    Examples:
        >>> box = region_geometry("rectanglelabels", {"x": 25, "y": 40, "width": 50, "height": 20},
        ...                       (300, 400))
        >>> box.top, box.left, box.bottom, box.right
        (120, 100, 180, 300)
        >>> turned = region_geometry("rectanglelabels", {"x": 50, "y": 50, "width": 25,
        ...     "height": 25, "rotation": 90}, (100, 100))
        >>> turned.to_json()["points"]["exterior"]
        [[50, 50], [50, 75], [25, 75], [25, 50]]
    """
    height, width = image_size
    if kind == "rectanglelabels":
        x, y = _pixels(value, "x", width, field), _pixels(value, "y", height, field)
        w, h = _pixels(value, "width", width, field), _pixels(value, "height", height, field)
        if w <= 0 or h <= 0:
            raise InvalidLabelStudioError(
                f"{field}: value.width, value.height: zero or negative size {excerpt(value.get('width'))} x {excerpt(value.get('height'))}"
            )
        rotation = value.get("rotation", 0) or 0
        if not _is_number(rotation):
            raise InvalidLabelStudioError(
                f"{field}: value.rotation: not a number: {excerpt(rotation)}"
            )
        if rotation % 360 == 0:
            try:
                return box_to_rectangle((x, y, w, h))  # the one box rule (formats.boxes)
            except BoxError as error:
                raise InvalidLabelStudioError(f"{field}: value: {error}") from None
        angle = math.radians(rotation)
        cos, sin = math.cos(angle), math.sin(angle)
        corners = [(0, 0), (w, 0), (w, h), (0, h)]
        points = [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in corners]
        _check_points(points, field)
        return construct.polygon(construct.points((round(py), round(px)) for px, py in points))
    if kind == "polygonlabels":
        points = value.get("points")
        if not isinstance(points, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(_is_number(c) for c in p) for p in points
        ):
            raise InvalidLabelStudioError(
                f"{field}: value.points: must be a list of [x, y] percent pairs"
            )
        if len(points) < 3:
            raise InvalidLabelStudioError(
                f"{field}: value.points: a polygon needs 3 points, got {len(points)}"
            )
        pixels = [(px * width / 100, py * height / 100) for px, py in points]
        _check_points(pixels, field)
        return construct.polygon(construct.points((round(py), round(px)) for px, py in pixels))
    if kind == "keypointlabels":
        x, y = _pixels(value, "x", width, field), _pixels(value, "y", height, field)
        return sly.Point(round(y), round(x))
    if kind == "brushlabels":
        if value.get("format", "rle") != "rle":
            raise InvalidLabelStudioError(
                f"{field}: value.format: {excerpt(value.get('format'))}: only rle is read"
            )
        mask = decode_brush_rle(value.get("rle"), height, width, f"{field}: value.rle")
        if not mask.any():
            warnings.warn(f"{field}: skipped, its brush has no pixel set", LabelStudioWarning)
            return None
        return sly.Bitmap(mask)
    raise InvalidLabelStudioError(f"{field}: type {excerpt(kind)} is not read")


def _pixels(value: Mapping[str, Any], name: str, side: int, field: str) -> float:
    number = value.get(name)
    if not _is_number(number) or not is_coordinate(number * side / 100):
        raise InvalidLabelStudioError(
            f"{field}: value.{name}: {excerpt(number)} is not a percentage within "
            f"{MAX_COORDINATE} pixels of 0"
        )
    return number * side / 100


def _check_points(points: Iterable[Tuple[float, float]], field: str) -> None:
    if not are_coordinates([c for point in points for c in point]):
        raise InvalidLabelStudioError(
            f"{field}: value: a point lies further than {MAX_COORDINATE} pixels from 0"
        )


def _is_number(value: Any) -> bool:
    """A finite JSON number (Python's json reads NaN and Infinity too)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (
        isinstance(value, int)
        and abs(value) < 2**64
        or isinstance(value, float)
        and math.isfinite(value)
    )


def _is_whole(value: Any) -> bool:
    return _is_number(value) and value == int(value) and 1 <= value <= MAX_COORDINATE


def _is_id(value: Any) -> bool:
    return (isinstance(value, str) and value != "") or (
        isinstance(value, int) and not isinstance(value, bool)
    )


@functools.lru_cache(maxsize=None)
def _tag_meta(name: str) -> sly.TagMeta:
    """The string tag meta ``name``: one object, shared by every label that has the tag."""
    return construct.tag_meta(name, STRING_TAG_TYPE)


def _hex_color(text: Optional[str]) -> Optional[List[int]]:
    if text and re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        return [int(text[k : k + 2], 16) for k in (1, 3, 5)]
    return None


# --- writing ---------------------------------------------------------------------------------


def write_items(items: Iterable[Any], out: Path, options: WriteOptions) -> Written:
    """Write items as a Label Studio import: ``OUT/tasks.json``, ``OUT/labeling_config.xml`` and
    the images under ``OUT/images/<dataset>/`` (see the module's docstring); return what was
    written (:func:`results_written`, per task).

    Args:
        items: the items to write (``FormatItem`` objects), or rendered already by
            :func:`render_item` (``convert --jobs``: ``registry.Rendered``).
        out: the folder to write; made when missing, and it must be empty.
        options: ``classes`` (the classes IN declares, as ``sly.ObjClass``, listed first in the
            config), ``final_out`` (where OUT will be once written, when ``out`` is a staging
            folder; None: ``out``) and ``extra``: ``as_predictions`` (bool: write predictions,
            not annotations) and ``document_root`` (a Path: the image references are relative
            to it; None: OUT).

    Raises:
        InvalidLabelStudioError: OUT is not inside the document root, or an image name is used
            twice in a dataset.

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> boxes = [sly.Rectangle(0, 0, 1, 1), sly.Rectangle(2, 2, 3, 3)]
        >>> ann = sly.Annotation((4, 4), [sly.Label(box, car, binding_key="k") for box in boxes])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> write_items([FormatItem(("ds",), "a.png", png, ann, "a")], folder / "ls", WriteOptions())
        Written(images=1, labels=2, groups=1, left_out=0)
        >>> sorted(os.listdir(folder / "ls"))
        ['images', 'labeling_config.xml', 'tasks.json']
        >>> task = json.loads((folder / "ls" / TASKS_FILE).read_text())[0]
        >>> task["data"], [r["type"] for r in task["annotations"][0]["result"]]
        ({'image': '/data/local-files/?d=images/ds/a.png', 'dataset': 'ds'}, ['rectanglelabels', 'rectanglelabels', 'relation'])
    """
    extra = options.extra
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise InvalidLabelStudioError(f"{out}: not empty: name a new folder to write to")
    final_out = Path(options.final_out or out)
    root = Path(extra.get("document_root") or final_out)
    prefix = os.path.relpath(os.path.abspath(final_out), os.path.abspath(root))
    if prefix == ".." or prefix.startswith("../") or os.path.isabs(prefix):
        raise InvalidLabelStudioError(
            f"--document-root {root}: OUT {final_out} is not inside it: Label Studio serves "
            "local files only from inside its document root; name a folder that holds OUT"
        )
    prefix = "" if prefix == "." else prefix.replace(os.sep, "/") + "/"
    classes: Dict[str, Union[sly.ObjClass, SeenClass]] = {
        obj_class.name: obj_class for obj_class in (getattr(options, "classes", None) or ())
    }
    relation_labels: Dict[str, None] = {}
    kinds: Dict[str, set] = {}  # class name -> the region types written of it
    tasks = []
    written = set()
    account = Written()
    for item in progress(items, "Label Studio"):
        source, data = rendered(item, lambda item: render_item(item, out, options))
        relative = PurePosixPath("images", *data["dataset"], data["name"])
        if relative in written:
            raise InvalidLabelStudioError(
                f"{source}: {data['name']!r} is used twice in dataset "
                f"{'/'.join(data['dataset'])!r}: give each image its own name"
            )
        written.add(relative)
        for seen in data["classes"]:  # a class as a sly.ObjClass or SeenClass: its name,
            classes.setdefault(seen[0], SeenClass(*seen))  # geometry type and colour are read
        results = data["results"]
        account = account.plus(Written(*data["written"]))
        for result in results:
            if result["type"] == "relation":
                relation_labels.update(dict.fromkeys(result["labels"]))
            else:
                kinds.setdefault(result["value"][result["type"]][0], set()).add(result["type"])
        reference = LOCAL_FILES + "?d=" + urllib.parse.quote(prefix + str(relative), safe="/")
        task: Dict[str, Any] = {"data": {"image": reference, "dataset": "/".join(data["dataset"])}}
        if extra.get("as_predictions"):
            task["predictions"] = [{"model_version": "sly-bindings", "result": results}]
        else:
            task["annotations"] = [{"result": results, "ground_truth": False}]
        tasks.append(task)
    (out / TASKS_FILE).write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    for name, obj_class in classes.items():
        held = {
            kind for kind, geometry in GEOMETRIES.items() if obj_class.geometry_type is geometry
        }
        if kinds.get(name, set()) - held and obj_class.geometry_type is not sly.AnyGeometry:
            # Regions of other shapes than its class's: the class goes in every control.
            classes[name] = sly.ObjClass(name, sly.AnyGeometry, color=obj_class.color)
    # Every class a reason: a class of shapes Label Studio is not given (lines) is left out.
    left_out = classes_left_out(classes.values(), tuple(GEOMETRIES.values()))
    if left_out:
        warnings.warn(
            left_out_message(
                str(options.final_out or out),
                left_out,
                "the labeling config",
                "only rectangles, polygons, bitmaps and points are written to Label Studio",
            ),
            LabelStudioWarning,
        )
    config = labeling_config(list(classes.values()), list(relation_labels))
    (out / CONFIG_FILE).write_text(config, encoding="utf-8")
    return account


def render_item(item: FormatItem, out: Path, options: WriteOptions) -> Dict[str, Any]:
    """One item's part of :func:`write_items`, alone (``formats/registry.py``: ``convert --jobs``
    runs it in its workers): its image copied to ``out/images/<dataset>/``, its regions and
    relations (:func:`annotation_results`, warned as it warns), and as plain data its dataset,
    name, results, the classes of its labels (name, geometry, colour) and what it holds
    (:func:`results_written`). Two images of one name are the writer's to refuse, in the items'
    order (the run then ends, its output discarded).

    Examples:
        >>> folder = Path(tempfile.mkdtemp())
        >>> car = sly.ObjClass("car", sly.Rectangle, color=[1, 2, 3])
        >>> ann = sly.Annotation((4, 4), [sly.Label(sly.Rectangle(0, 0, 1, 1), car)])
        >>> png = sly.image.write_bytes(np.zeros((4, 4, 3), np.uint8), ".png")
        >>> data = render_item(FormatItem(("ds",), "a.png", png, ann, "a"), folder, WriteOptions())
        >>> data["classes"], data["written"], [result["type"] for result in data["results"]]
        ([['car', 'rectangle', [1, 2, 3]]], [1, 1, 0, 0], ['rectanglelabels'])
        >>> (folder / "images" / "ds" / "a.png").read_bytes() == png
        True
    """
    copy_image_in_place(item.image, Path(out, "images", *item.dataset, item.name))
    classes: Dict[str, List[Any]] = {}
    for label in item.ann.labels:
        if label.obj_class.name not in classes:
            classes[label.obj_class.name] = list(SeenClass.of(label.obj_class))
    results = annotation_results(item.ann, item.source)
    written = results_written(results, len(item.ann.labels))
    return {
        "dataset": list(item.dataset),
        "name": item.name,
        "results": results,
        "classes": list(classes.values()),
        "written": list(written),
    }


def results_written(results: Sequence[Dict[str, Any]], labels: int) -> Written:
    """The account of one task's ``results`` written for an annotation of ``labels`` labels: a
    label per region, a group per set of regions that relations and ``parentID`` connect (as
    :func:`task_annotation` reads them; a relation of a region to itself is a group of one);
    the labels with no region were left out.

    Examples:
        >>> regions = [{"id": i, "type": "rectanglelabels"} for i in ("a", "b", "c")]
        >>> link = {"type": "relation", "from_id": "a", "to_id": "b"}
        >>> results_written(regions + [link], labels=4)
        Written(images=1, labels=3, groups=1, left_out=1)
    """
    regions = [result["id"] for result in results if result["type"] != "relation"]
    links = [(r["from_id"], r["to_id"]) for r in results if r["type"] == "relation"]
    links += [(r["id"], r["parentID"]) for r in results if "parentID" in r]
    roots = _connected(list(dict.fromkeys(regions)), links, "")
    keys = [roots.get(region) for region in regions]
    return image_account(keys, labels - len(regions), lone_groups=True)


def labeling_config(classes: Sequence[sly.ObjClass], relation_labels: Sequence[str] = ()) -> str:
    """The labeling config (XML) of a project that holds what :func:`write_items` writes: an
    ``Image`` and the ``RectangleLabels``, ``PolygonLabels``, ``BrushLabels`` and
    ``KeyPointLabels`` controls, each listing the classes of its geometry (``sly.Rectangle``,
    ``sly.Polygon``, ``sly.Bitmap``, ``sly.Point``; ``sly.AnyGeometry``: every control), its
    colour as ``background`` (a control with no class is left out), and ``Relations`` with the
    relation labels.

    Examples:
        >>> print(labeling_config([sly.ObjClass("car", sly.Rectangle, color=[255, 0, 0])],
        ...                       ["part of"]))
        <View>
          <Image name="image" value="$image" />
          <RectangleLabels name="rectangle" toName="image">
            <Label value="car" background="#FF0000" />
          </RectangleLabels>
          <Relations>
            <Relation value="part of" />
          </Relations>
        </View>
        <BLANKLINE>
    """
    view = ET.Element("View")
    ET.SubElement(view, "Image", name="image", value="$image")
    members_of = {
        kind: [c for c in classes if c.geometry_type in (GEOMETRIES[kind], sly.AnyGeometry)]
        for kind in CONTROLS
    }
    # Controls in the order of their first class, so that a reader lists the classes in their
    # order wherever the classes of one shape come together (car boxes, then person polygons).
    first = {c.name: number for number, c in enumerate(classes)}
    for kind in sorted(
        CONTROLS,
        key=lambda kind: (
            min(first[c.name] for c in members_of[kind]) if members_of[kind] else len(first)
        ),
    ):
        tag, name = CONTROLS[kind]
        members = members_of[kind]
        if not members:
            continue
        control = ET.SubElement(view, tag, name=name, toName="image")
        for obj_class in members:
            ET.SubElement(control, "Label", value=obj_class.name, background=_hex(obj_class.color))
    relations = ET.SubElement(view, "Relations")
    for label in relation_labels:
        ET.SubElement(relations, "Relation", value=label)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _hex(color: Sequence[int]) -> str:
    return "#" + "".join(f"{int(c):02X}" for c in color)


def annotation_results(ann: sly.Annotation, source: str = "annotation") -> List[Dict[str, Any]]:
    """The Label Studio results of ``ann``: one region per label, then each group's relations.

    A region's id is its ``labelstudio_id`` tag (one read before), else ``r1``, ``r2``, ...
    A group writes the relations its labels read (tag ``labelstudio_relations``) when they
    still connect all its labels written, else a chain in the group's order; a group of one, a
    relation from its label to itself. Warns (:class:`LabelStudioWarning`) for what is not
    written.

    Examples:
        >>> car = sly.ObjClass("car", sly.Rectangle)
        >>> labels = [sly.Label(sly.Rectangle(0, 0, 1, 1), car, binding_key="k") for _ in range(3)]
        >>> [(r.get("from_id"), r.get("to_id")) for r in annotation_results(
        ...     sly.Annotation((4, 4), labels)) if r["type"] == "relation"]
        [('r1', 'r2'), ('r2', 'r3')]
    """
    height, width = ann.img_size
    results: List[Dict[str, Any]] = []
    ids: Dict[int, str] = {}  # position of the label -> its region id
    used = set()
    tagged = [_tag_value(label, ID_TAG) for label in ann.labels]
    taken = {value for value in tagged if value is not None}
    counter = 0
    for position, label in enumerate(ann.labels):
        result = _region_result(label, (height, width), source)
        if result is None:
            continue
        region_id = tagged[position]
        if region_id is None or region_id in used:
            counter += 1
            while f"r{counter}" in taken or f"r{counter}" in used:
                counter += 1
            region_id = f"r{counter}"
        used.add(region_id)
        ids[position] = region_id
        result["id"] = region_id
        results.append(result)
    by_id = {id(label): position for position, label in enumerate(ann.labels)}
    parents = {}
    keys = {region_id: binding_key_of(ann.labels[position]) for position, region_id in ids.items()}
    for position, region_id in ids.items():
        parent = _tag_value(ann.labels[position], PARENT_TAG)
        # Written only inside its group: a parentID binds the two regions when read back.
        if parent in keys and keys[region_id] is not None and keys[parent] == keys[region_id]:
            parents[region_id] = parent
    for result in results:
        if result["id"] in parents:
            result["parentID"] = parents[result["id"]]
    groups, _ = binding_groups(ann)
    for labels in groups.values():
        members = [ids[by_id[id(label)]] for label in labels if by_id[id(label)] in ids]
        if not members:
            continue
        results.extend(_group_relations(ann, labels, members, ids, by_id, parents))
    return results


def _group_relations(
    ann: sly.Annotation,
    labels: List[sly.Label],
    members: List[str],
    ids: Dict[int, str],
    by_id: Dict[int, int],
    parents: Dict[str, str],
) -> List[Dict[str, Any]]:
    """The relations of one group: those read when they connect it, else a chain."""
    inside = set(members)
    read: List[Dict[str, Any]] = []
    for label in labels:
        position = by_id[id(label)]
        if position not in ids:
            continue
        text = _tag_value(label, RELATIONS_TAG)
        try:
            entries = json.loads(text) if text else []
        except ValueError:
            entries = []
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("to_id") in inside:
                read.append(
                    {
                        "from_id": ids[position],
                        "to_id": entry["to_id"],
                        "type": "relation",
                        "direction": entry.get("direction", "right"),
                        "labels": [str(x) for x in entry.get("labels") or []],
                    }
                )
    links = [(r["from_id"], r["to_id"]) for r in read]
    links += [(child, parent) for child, parent in parents.items() if child in inside]
    if len(members) == 1:
        connected = any(r["from_id"] == r["to_id"] for r in read)
    else:
        roots = _connected(members, links, "")
        connected = set(roots) == inside and len(set(roots.values())) == 1
    if connected:
        return read
    if len(members) == 1:
        pairs = [(members[0], members[0])]
    else:
        pairs = list(zip(members, members[1:]))
    return [
        {"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": []}
        for a, b in pairs
    ]


def _tag_value(label: sly.Label, name: str) -> Optional[str]:
    tag = label.tags.get(name)
    return None if tag is None or tag.value is None else str(tag.value)


def _region_result(
    label: sly.Label, image_size: Tuple[int, int], source: str
) -> Optional[Dict[str, Any]]:
    """One region's result (no id yet), or None (warned) for a geometry Label Studio cannot hold."""
    height, width = image_size
    geometry = label.geometry
    name = label.obj_class.name
    if type(geometry) is sly.Rectangle:
        x, y, w, h = rectangle_to_box(geometry)
        kind = "rectanglelabels"
        value: Dict[str, Any] = {
            "x": 100 * x / width,
            "y": 100 * y / height,
            "width": 100 * w / width,
            "height": 100 * h / height,
            "rotation": 0,
        }
    elif type(geometry) is sly.Polygon:
        if construct.holes(geometry):
            warnings.warn(
                f"{source}: a {name} polygon has {construct.holes(geometry)} hole(s): Label "
                "Studio polygons have none, so only the outline is written",
                LabelStudioWarning,
            )
        kind = "polygonlabels"
        points = [[100 * p.col / width, 100 * p.row / height] for p in construct.exterior(geometry)]
        value = {"points": points, "closed": True}
    elif type(geometry) is sly.Bitmap:
        mask = np.zeros((height, width), dtype=bool)
        top, left = geometry.origin.row, geometry.origin.col
        data = geometry.data
        rows = slice(max(0, top), min(height, top + data.shape[0]))
        cols = slice(max(0, left), min(width, left + data.shape[1]))
        mask[rows, cols] = data[
            rows.start - top : rows.stop - top, cols.start - left : cols.stop - left
        ]
        kind = "brushlabels"
        value = {"format": "rle", "rle": encode_brush_rle(mask)}
    elif type(geometry) is sly.Point:
        kind = "keypointlabels"
        value = {"x": 100 * geometry.col / width, "y": 100 * geometry.row / height, "width": 0.5}
    else:
        warnings.warn(
            f"{source}: a {name} {geometry.geometry_name()} is skipped: only rectangles, "
            "polygons, bitmaps and points are written to Label Studio",
            LabelStudioWarning,
        )
        return None
    value[kind] = [name]
    return {
        "type": kind,
        "from_name": CONTROLS[kind][1],
        "to_name": "image",
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": value,
    }
