"""Issue 17, kind 4: an image a file names without its extension is found by the one image rule
(``files.images.find_image``), in every reader whose files name their images.

CVAT names a video task's frames ``frame_000000`` and the files are ``frame_000000.PNG``
(``match_frame`` in ``cvat/apps/dataset_manager/bindings.py``); Label Studio's own converter
tests name images ``/image1`` (label-studio-converter ``tests/data/test_export_yolo/data.json``);
LabelMe's ``examples/tutorial/apc2016_obj3.json`` names ``apc2016_obj3.json`` as its
``imagePath`` and embeds the image in ``imageData``, which LabelMe opens. Each reader takes the
name less its extension to the one image file of that stem, and a LabelMe file that embeds its
image is read from ``imageData`` whatever ``imagePath`` names.
"""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np
import pytest
import supervisely as sly

from registry_tables import SOURCES, read

WIDTH, HEIGHT = 10, 5


def _png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sly.image.write(str(path), np.zeros((HEIGHT, WIDTH, 3), np.uint8))


def labelme(root: Path, name: str) -> None:
    shape = {"label": "car", "points": [[1, 1], [4, 3]], "shape_type": "rectangle"}
    data = {"imagePath": name, "imageHeight": HEIGHT, "imageWidth": WIDTH, "shapes": [shape]}
    (root / "street.json").write_text(json.dumps(data))


def cvat(root: Path, name: str) -> None:
    (root / "annotations.xml").write_text(
        "<annotations><version>1.1</version><meta><task><labels><label><name>car</name>"
        f'</label></labels></task></meta><image id="0" name="{name}" width="{WIDTH}" '
        f'height="{HEIGHT}"><box label="car" xtl="1" ytl="1" xbr="4" ybr="3"/></image>'
        "</annotations>"
    )


def coco(root: Path, name: str) -> None:
    data = {
        "images": [{"id": 1, "file_name": name, "height": HEIGHT, "width": WIDTH}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 3, 2], "segmentation": []}
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    (root / "annotations.json").write_text(json.dumps(data))


def labelstudio(root: Path, name: str) -> None:
    box = {"x": 10, "y": 20, "width": 30, "height": 40, "rectanglelabels": ["car"]}
    result = {"id": "a", "type": "rectanglelabels", "value": box, "from_name": "label"}
    result.update(to_name="image", original_width=WIDTH, original_height=HEIGHT)
    task = {"id": 1, "data": {"image": f"/{name}"}, "annotations": [{"result": [result]}]}
    (root / "export.json").write_text(json.dumps([task]))


# reader -> how its files name one image (None: its images are found by listing a folder,
# not by a name a file gives). Every reader of the registry is in this table.
NAMED_BY: Dict[str, Optional[Callable[[Path, str], None]]] = {
    "labelme": labelme,
    "cvat": cvat,
    "coco": coco,
    "labelstudio": labelstudio,
    "yolo": None,  # images/<dataset>/ listed, labels beside them by stem
    "supervisely": None,  # <dataset>/img/ listed, ann/<image>.json beside
}
NAMING_READERS = [name for name in SOURCES if NAMED_BY.get(name) is not None]


def test_the_table_covers_every_reader():
    assert sorted(NAMED_BY) == sorted(SOURCES)


def _read(reader: str, root: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(reader, root)


@pytest.mark.parametrize("reader", NAMING_READERS)
def test_an_image_named_without_its_extension_is_found(tmp_path, reader):
    _png(tmp_path / "street.PNG")
    NAMED_BY[reader](tmp_path, "street")

    (item,) = _read(reader, tmp_path)

    assert item.name == "street.PNG"
    assert Path(item.image) == tmp_path / "street.PNG"
    assert [label.obj_class.name for label in item.ann.labels] == ["car"]


def test_a_labelme_file_that_embeds_its_image_is_read_whatever_image_path_names(tmp_path):
    """LabelMe's own ``examples/tutorial/apc2016_obj3.json``: ``imagePath`` is the JSON file's
    own name, the image is in ``imageData``; LabelMe opens it, and so do we, naming the image by
    its bytes (a JPEG: ``.jpg``)."""
    jpeg = sly.image.write_bytes(np.full((HEIGHT, WIDTH, 3), 200, np.uint8), ".jpg")
    labelme(tmp_path, "street.json")
    data = json.loads((tmp_path / "street.json").read_text())
    data["imageData"] = base64.b64encode(jpeg).decode("ascii")
    (tmp_path / "street.json").write_text(json.dumps(data))

    (item,) = _read("labelme", tmp_path)

    assert item.name == "street.jpg"
    assert item.image == jpeg
    assert [label.obj_class.name for label in item.ann.labels] == ["car"]


def test_a_labelme_image_path_that_names_no_image_and_no_image_data_is_left_out(tmp_path):
    from sly_bindings.formats.labelme import InvalidLabelmeError, LabelmeWarning

    labelme(tmp_path, "street.json")

    with pytest.warns(LabelmeWarning, match="street.json: imagePath: 'street.json' is not"):
        with pytest.raises(InvalidLabelmeError, match="none of its images is there"):
            read("labelme", tmp_path)
