"""A sample project and the comparisons that the format tests and the converter's tests share.

The sample covers every geometry the converters handle, groups, unbound labels, two classes
and more, two datasets, and a group whose keys are the number 7 and the string "7" (one group,
as a server may answer keys as numbers).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
import supervisely as sly

from bindings import bind_labels, binding_key_of
from sly_bindings.files.images import masks_to_labels, read_image_size
from bindings import annotation_objects
from sly_bindings.groups.merge import group_mask

REPO_DIR = Path(__file__).resolve().parent.parent
DEMO_IMAGE = REPO_DIR / "images" / "image.jpg"
DEMO_MASKS = [REPO_DIR / "images" / "car_masks" / f"car_0{number}.png" for number in (1, 2, 3)]

CAR = sly.ObjClass("car", sly.Bitmap, color=[255, 0, 255])
PERSON = sly.ObjClass("person", sly.Polygon, color=[0, 255, 0])
SIGN = sly.ObjClass("sign", sly.Rectangle, color=[0, 0, 255])
META = sly.ProjectMeta(obj_classes=[CAR, PERSON, SIGN])


def polygon(*corners: Tuple[int, int]) -> sly.Polygon:
    """A polygon from ``(row, col)`` corners."""
    return sly.Polygon([sly.PointLocation(row, col) for row, col in corners])


def demo_annotation() -> sly.Annotation:
    """The tutorial's car: the three demo masks as Bitmap labels bound under one key."""
    size = read_image_size(DEMO_IMAGE)
    return sly.Annotation(size, bind_labels(masks_to_labels(DEMO_MASKS, CAR, size), "car-1"))


def street_annotation() -> sly.Annotation:
    """The demo image's other labels: a group of two polygons, a rectangle and a polygon alone."""
    walkers = [
        sly.Label(polygon((100, 100), (100, 200), (200, 150)), PERSON),
        sly.Label(polygon((300, 100), (300, 200), (400, 150)), PERSON),
    ]
    return sly.Annotation(
        read_image_size(DEMO_IMAGE),
        [
            *bind_labels(walkers, "walkers"),
            sly.Label(sly.Rectangle(10, 20, 30, 40), SIGN),
            sly.Label(polygon((500, 500), (500, 600), (600, 600)), PERSON),
        ],
    )


def small_annotation() -> sly.Annotation:
    """A 32x48 image: two rectangles keyed 7 and "7" (one group), a one-blob mask alone."""
    blob = np.zeros((4, 5), dtype=bool)
    blob[1:4, 0:4] = True
    return sly.Annotation(
        (32, 48),
        [
            sly.Label(sly.Rectangle(2, 3, 5, 9), SIGN, binding_key=7),
            sly.Label(sly.Bitmap(blob, origin=sly.PointLocation(20, 30)), CAR),
            sly.Label(sly.Rectangle(2, 20, 6, 25), SIGN, binding_key="7"),
        ],
    )


def make_sample_project(project_dir: Path) -> Path:
    """``dataset-01/image.jpg`` (the demo car and the street labels) and ``dataset-02/small.png``."""
    project = sly.Project(str(project_dir), sly.OpenMode.CREATE)
    project.set_meta(META)
    demo = demo_annotation()
    demo = demo.clone(labels=demo.labels + street_annotation().labels)
    project.create_dataset("dataset-01").add_item_file("image.jpg", str(DEMO_IMAGE), ann=demo)
    image = np.full((32, 48, 3), 90, dtype=np.uint8)
    project.create_dataset("dataset-02").add_item_np("small.png", image, ann=small_annotation())
    return project_dir


def make_demo_project(project_dir: Path) -> Path:
    """The tutorial's project as Part 1 writes it: the demo image and its car, bound."""
    project = sly.Project(str(project_dir), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta(obj_classes=[CAR]))
    dataset = project.create_dataset("dataset-01")
    dataset.add_item_file("image.jpg", str(DEMO_IMAGE), ann=demo_annotation())
    return project_dir


Signature = Tuple[str, str, int, str]  # class, geometry, pixel count, digest of the pixels
Object = Tuple[bool, Tuple[Signature, ...]]  # bound?, its labels


def signature(label: sly.Label, image_size: Tuple[int, int]) -> Signature:
    """What a label is, compared across formats: class, geometry kind and exact pixels."""
    pixels = group_mask([label], image_size)
    digest = hashlib.sha1(np.packbits(pixels).tobytes()).hexdigest()[:16]
    return (label.obj_class.name, label.geometry.geometry_name(), int(pixels.sum()), digest)


def objects(ann: sly.Annotation) -> List[Object]:
    """The partition of ``ann`` into objects (each group, each unbound label), order-free."""
    found = [
        (
            binding_key_of(labels[0]) is not None,
            tuple(sorted(signature(label, ann.img_size) for label in labels)),
        )
        for labels in annotation_objects(ann)
    ]
    return sorted(found)


def read_project(project_dir: Path) -> Tuple[sly.ProjectMeta, Dict[str, sly.Annotation]]:
    """The meta and the annotation of every ``<dataset>/<item>`` of a local project."""
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    anns = {
        f"{dataset.name}/{item_name}": dataset.get_ann(item_name, project.meta)
        for dataset in project.datasets
        for item_name in dataset.get_items_names()
    }
    return project.meta, anns


def project_objects(project_dir: Path) -> Dict[str, List[Object]]:
    """:func:`objects` of every item of a local project."""
    return {item: objects(ann) for item, ann in read_project(project_dir)[1].items()}


def class_types(meta: sly.ProjectMeta) -> Dict[str, str]:
    """Each class's geometry type, by name."""
    return {c.name: c.geometry_type.geometry_name() for c in meta.obj_classes}


def bridge_lines(outline: np.ndarray, image_size: Tuple[int, int]) -> np.ndarray:
    """The pixels of the segments that ``outline`` walks both ways: the bridges between parts."""
    closed = np.concatenate([outline, outline[:1]])
    edges = {(tuple(a), tuple(b)) for a, b in zip(closed[:-1].tolist(), closed[1:].tolist())}
    canvas = np.zeros(image_size, dtype=np.uint8)
    for start, end in edges:
        if (end, start) in edges:
            cv2.line(canvas, start, end, 1)
    return canvas.astype(bool)


def make_nested_project(project_dir: Path, depth: int = 1) -> Path:
    """Dataset ``train`` with ``a.png`` and, nested in it, ``cars`` with ``b.png`` (the SDK keeps
    it in ``train/datasets/cars``); with ``depth`` 2, also ``red`` with ``c.png`` in ``cars``.
    Each image (8x6) has one unbound ``sign`` box."""
    project = sly.Project(str(project_dir), sly.OpenMode.CREATE)
    sign = sly.ObjClass("sign", sly.Rectangle)
    project.set_meta(sly.ProjectMeta([sign]))
    ann = sly.Annotation((6, 8), [sly.Label(sly.Rectangle(1, 1, 2, 2), sign)])
    image = np.zeros((6, 8, 3), np.uint8)
    project.create_dataset("train").add_item_np("a.png", image, ann=ann)
    project.create_dataset("cars", "train/datasets/cars").add_item_np("b.png", image, ann=ann)
    if depth >= 2:
        red = project.create_dataset("red", "train/datasets/cars/datasets/red")
        red.add_item_np("c.png", image, ann=ann)
    return project_dir


def png_header_bytes(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` and which holds no pixel (57 bytes):
    decoding it would allocate the header's size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def coco_boxes_subset(root: Path, file_names: List[str], with_images: bool = True) -> Path:
    """``root/annotations/instances_train.json`` naming ``file_names`` (each a 8x6 image with
    one ``sign`` box), and, ``with_images``, their images in ``root/images/train/``."""
    images = [
        {"id": number, "file_name": name, "height": 6, "width": 8}
        for number, name in enumerate(file_names, start=1)
    ]
    boxes = [
        {"id": number, "image_id": number, "category_id": 1, "bbox": [1, 1, 3, 2]}
        for number in range(1, len(file_names) + 1)
    ]
    coco = {"images": images, "annotations": boxes, "categories": [{"id": 1, "name": "sign"}]}
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_train.json").write_text(json.dumps(coco))
    for name in file_names if with_images else ():
        path = root / "images" / "train" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sly.image.write(str(path), np.full((6, 8, 3), 90, np.uint8))
    return root
