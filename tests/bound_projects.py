"""A small project with bindings, hand-checked, on the test server or as a local folder.

Every dataset holds the same four 8x8 images (a car is a mask, a person a box):

- ``bound.png``: a car in 2 parts and a person in 2 parts, two groups;
- ``plain.png``: a car and a person, nothing bound;
- ``persons.png``: an unbound car and a person in 2 parts;
- ``odd.png``: a car alone in a group, and a group of a car and a person.

Per dataset that is 4 images, 12 labels, 9 bound, 5 groups, 1 of one label, 1 mixing classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List

import numpy as np
import supervisely as sly

from bindings import discard_bindings
from sly_bindings.project.edits import JsonEdit, edit_annotation_json

CAR = sly.ObjClass("car", sly.Bitmap)
PERSON = sly.ObjClass("person", sly.Rectangle)
META = sly.ProjectMeta(obj_classes=[CAR, PERSON])
SIZE = (8, 8)
DATASETS = ("ds0", "ds1")


def car(key=None, row=0) -> sly.Label:
    mask = np.zeros((2, 2), bool)
    mask[0, :] = mask[1, 0] = True
    return sly.Label(sly.Bitmap(mask, origin=sly.PointLocation(row, 0)), CAR, binding_key=key)


def person(key=None, row=0) -> sly.Label:
    return sly.Label(sly.Rectangle(row, 4, row + 1, 5), PERSON, binding_key=key)


def annotations() -> Dict[str, sly.Annotation]:
    images = {
        "bound.png": [car("c", 0), car("c", 4), person("p", 0), person("p", 4)],
        "plain.png": [car(), person()],
        "persons.png": [car(), person("p", 0), person("p", 4)],
        "odd.png": [car("s"), car("m", 4), person("m", 4)],
    }
    return {name: sly.Annotation(SIZE, labels) for name, labels in images.items()}


# what the commands should leave: the groups of each image as label positions
GROUPS_AFTER = {
    "none": {
        "bound.png": [[0, 1], [2, 3]],
        "plain.png": [],
        "persons.png": [[1, 2]],
        "odd.png": [[0], [1, 2]],
    },
    "discard": {name: [] for name in ("bound.png", "plain.png", "persons.png", "odd.png")},
    "discard car": {
        "bound.png": [[2, 3]],
        "plain.png": [],
        "persons.png": [[1, 2]],
        "odd.png": [[2]],
    },
    # auto-bind --max-gap 2 --across-classes: the unbound car joins what is 2 columns away
    "auto-bind across": {
        "bound.png": [[0, 1], [2, 3]],
        "plain.png": [[0, 1]],
        "persons.png": [[0, 1, 2]],
        "odd.png": [[0], [1, 2]],
    },
    # auto-bind --max-gap 2 --regroup: the same groups come back (under new keys) but in odd.png
    "auto-bind regroup": {
        "bound.png": [[0, 1], [2, 3]],
        "plain.png": [],
        "persons.png": [[1, 2]],
        "odd.png": [[0, 1]],
    },
}
# images changed per dataset
CHANGED_BY = {"discard": 3, "discard car": 2, "auto-bind across": 2, "auto-bind regroup": 1}


def unbind(class_names=None) -> JsonEdit:
    """The pipelines' edit that discards the bindings of ``class_names`` (None: all)."""
    edit = lambda ann: discard_bindings(ann, class_names)
    return lambda name, ann_json: edit_annotation_json(ann_json, META, edit)


def groups_of(ann_json: dict) -> List[List[int]]:
    """The grouping of an annotation JSON as sorted label positions; key names do not count."""
    groups: Dict[str, List[int]] = {}
    for index, label in enumerate(ann_json["objects"]):
        if label.get("instance") is not None:
            groups.setdefault(str(label["instance"]), []).append(index)
    return sorted(groups.values())


def seed_server_project(server, datasets=DATASETS, copies: int = 1) -> int:
    """The project on the test server, ``copies`` times the four images per dataset; its id."""
    project_id = server.seed_project("bound", meta=META)
    for dataset in datasets:
        dataset_id = server.seed_dataset(project_id, dataset)
        for copy in range(copies):
            for name, ann in annotations().items():
                image_name = name if copies == 1 else f"{copy:03d}-{name}"
                server.seed_image(dataset_id, image_name, SIZE[1], SIZE[0], ann_json=ann)
    return project_id


def server_groups(server, project_id: int) -> Dict[str, Dict[str, List[List[int]]]]:
    """Dataset name -> image name -> grouping, as the server holds them now."""
    return {
        dataset["name"]: {
            image["name"]: groups_of(server.get_annotation(image["id"]))
            for image in server.find_images(dataset_id=dataset["id"])
        }
        for dataset in server.find_datasets(project_id=project_id)
    }


def write_local_project(directory: Path, datasets=DATASETS) -> Path:
    """The project as a local Supervisely project folder; returns ``directory``."""
    project = sly.Project(str(directory), sly.OpenMode.CREATE)
    project.set_meta(META)
    for dataset_name in datasets:
        dataset = project.create_dataset(dataset_name)
        for name, ann in annotations().items():
            dataset.add_item_np(name, np.zeros(SIZE + (3,), np.uint8), ann=ann)
    return directory


def local_groups(directory: Path) -> Dict[str, Dict[str, List[List[int]]]]:
    """Dataset name -> image name -> grouping, as the local project holds them now."""
    project = sly.Project(str(directory), sly.OpenMode.READ)
    return {
        dataset.name: {
            name: groups_of(dataset.get_ann(name, project.meta).to_json())
            for name in dataset.get_items_names()
        }
        for dataset in project.datasets
    }


def fail_uploads_after_the_first(server, monkeypatch) -> Callable[[], None]:
    """From the second annotations.bulk.add on, every one fails (beyond any retries).

    The failures are planned as soon as the first upload is stored, so at most the uploads
    already on their way get through. Returns the function that ends the failures.
    """
    store_annotations = server.store.set_annotations

    def store_then_fail(*args, **kwargs):
        store_annotations(*args, **kwargs)
        server.fail_next(1000, 503, "annotations.bulk.add")

    def stop() -> None:
        monkeypatch.setattr(server.store, "set_annotations", store_annotations)
        server.clear_faults()

    monkeypatch.setattr(server.store, "set_annotations", store_then_fail)
    return stop
