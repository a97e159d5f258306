"""Issue 11, items 7 and 8, by kind: a path out of the input folder, and a declared size that
is not the image's, end in one line naming the file and the field (exit 2), in every reader
and on export; nothing outside IN is read or copied, nothing is rescaled or dropped."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly
from PIL import Image

from commands import convert_in_process
from registry_tables import TARGETS
from sly_bindings.formats.registry import find
from sly_bindings.files.input_paths import outside_input_problem
from sly_bindings.files.project_folder import ProjectFolderError, read_annotation
from sly_bindings.formats.coco.read import InvalidCocoError, coco_items
from sly_bindings.formats.cvat import InvalidCvatError, cvat_items
from sly_bindings.formats.labelme import InvalidLabelmeError, labelme_items

HEIGHT, WIDTH = 64, 96  # the real image: 96 wide, 64 high
SECRET = "secret.png"  # an image outside IN, which no reader may follow


def png(path: Path, height: int = HEIGHT, width: int = WIDTH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sly.image.write(str(path), np.full((height, width, 3), 90, np.uint8))
    return path


def jpeg_with_orientation(path: Path, orientation: int, width: int, height: int) -> Path:
    """A JPEG stored ``width`` x ``height`` whose EXIF orientation is ``orientation``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", (width, height), (200, 30, 30)).save(path, exif=exif.tobytes())
    return path


# --- writing one input of each format: one image, its declared size and its path -------------


def write_labelme(root: Path, image_path: str, size=(HEIGHT, WIDTH), json_dir="street") -> Path:
    shape = {"label": "car", "points": [[1, 1], [5, 5]], "shape_type": "rectangle"}
    data = {"imagePath": image_path, "imageData": None, "shapes": [shape]}
    data.update(imageHeight=size[0], imageWidth=size[1])
    path = root / json_dir / "a.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def write_cvat(root: Path, name: str, size=(HEIGHT, WIDTH)) -> Path:
    path = root / "annotations.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<annotations><version>1.1</version><image id="0" name="{name}" subset="train" '
        f'width="{size[1]}" height="{size[0]}"><box label="car" xtl="1" ytl="1" xbr="5" '
        'ybr="5"/></image></annotations>'
    )
    return path


def write_coco(root: Path, file_name: str, size=(HEIGHT, WIDTH)) -> Path:
    coco = {
        "images": [{"id": 1, "file_name": file_name, "height": size[0], "width": size[1]}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [], "bbox": [1, 1, 4, 4]}
        ],
        "categories": [{"id": 1, "name": "car"}],
    }
    path = root / "annotations.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(coco))
    return path


READ = {
    "labelme": (lambda root: list(labelme_items(str(root))), InvalidLabelmeError),
    "cvat": (lambda root: list(cvat_items(str(root))), InvalidCvatError),
    "coco": (lambda root: list(coco_items(str(root))), InvalidCocoError),
}


# --- item 8: paths ------------------------------------------------------------------------


OUT_OF_IN = [
    # (format, the path as the file gives it, where the file is, the field and the problem)
    ("labelme", f"../../{SECRET}", "a.json: imagePath: '../../secret.png' climbs out"),
    ("labelme", f"../street/../../{SECRET}", "a.json: imagePath: '../street/../../secret.png' cl"),
    ("labelme", "{outside}", "a.json: imagePath: '{outside}' is an absolute path"),
    ("labelme", "C:/data/a.png", "a.json: imagePath: 'C:/data/a.png' is an absolute path"),
    ("labelme", "..\\..\\" + SECRET, "a.json: imagePath: '../../secret.png' climbs out"),
    ("cvat", f"../{SECRET}", "<image name='../secret.png' subset='train'>: name: '../secret.p"),
    ("cvat", f"images/../../{SECRET}", "name: 'images/../../secret.png' climbs out"),
    ("cvat", "{outside}", "subset='train'>: name: '{outside}' is an absolute path"),
    ("cvat", "//server/share/a.png", "name: '//server/share/a.png' is an absolute path"),
    ("coco", f"../{SECRET}", "annotations.json: image 1: file_name: '../secret.png' climbs out"),
    ("coco", f"a/../../{SECRET}", "file_name: 'a/../../secret.png' climbs out"),
    ("coco", "{outside}", "annotations.json: image 1: file_name: '{outside}' is an absolute"),
]
WRITE = {"labelme": write_labelme, "cvat": write_cvat, "coco": write_coco}


@pytest.mark.parametrize("format_name, path, expected", OUT_OF_IN)
def test_a_path_out_of_the_input_folder_is_refused_naming_the_file_and_field(
    tmp_path, format_name, path, expected
):
    outside = png(tmp_path / SECRET)  # beside IN: what the path leads to
    png(tmp_path / "in" / "images" / SECRET)  # a file that `images/../` would reach inside IN
    path = path.replace("{outside}", str(outside))
    WRITE[format_name](tmp_path / "in", path)
    read, error = READ[format_name]

    with pytest.raises(error) as refused:
        read(tmp_path / "in")

    assert expected.replace("{outside}", str(outside)) in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("format_name, path, expected", OUT_OF_IN[:1] + OUT_OF_IN[5:6])
def test_the_command_copies_nothing_from_outside_and_exits_2(
    tmp_path, capsys, format_name, path, expected
):
    png(tmp_path / SECRET)
    WRITE[format_name](tmp_path / "in", path)

    code = convert_in_process(format_name, "labelme", tmp_path / "in", tmp_path / "out")

    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert expected in stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in", SECRET]


INSIDE_IN = [
    # (format, the JSON/XML's folder inside IN, the path it gives, where the image is in IN)
    ("labelme", "labels", "../images/a.png", "images/a.png"),  # LabelMe's usual layout
    ("labelme", "street", "a.png", "street/a.png"),
    ("labelme", "a/b", "../../a.png", "a.png"),
    ("cvat", "", "a.png", "images/train/a.png"),
    ("cvat", "", "images/a.png", "images/a.png"),
    ("coco", "", "./a.png", "a.png"),
]


@pytest.mark.parametrize("format_name, folder, path, image", INSIDE_IN)
def test_a_path_that_stays_inside_the_input_folder_is_followed(
    tmp_path, format_name, folder, path, image
):
    png(tmp_path / "in" / image)
    if format_name == "labelme":
        write_labelme(tmp_path / "in", path, json_dir=folder)
    else:
        WRITE[format_name](tmp_path / "in", path)
    read, _ = READ[format_name]

    (item,) = read(tmp_path / "in")

    assert Path(item.image).resolve() == (tmp_path / "in" / image).resolve()
    assert item.name == "a.png" and len(item.ann.labels) == 1


def test_labelme_reads_the_embedded_image_rather_than_follow_a_path_out(tmp_path):
    png(tmp_path / SECRET, 10, 10)  # another image, which must not be read
    embedded = sly.image.write_bytes(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ".png")
    path = write_labelme(tmp_path / "in", f"../../{SECRET}")
    data = json.loads(path.read_text())
    data["imageData"] = base64.b64encode(embedded).decode()
    path.write_text(json.dumps(data))

    (item,) = labelme_items(str(tmp_path / "in"))

    assert item.image == embedded and item.name == SECRET


@pytest.mark.parametrize(
    "path, folder, expected",
    [
        ("a.png", "", None),
        ("../images/a.png", "labels", None),
        ("images/../a.png", "", None),
        ("../a.png", "", "climbs out"),
        ("../../a.png", "labels", "climbs out"),
        ("a/../../b.png", "", "climbs out"),
        ("..", "", "climbs out"),
        ("/etc/passwd", "labels", "is an absolute path"),
        ("C:\\data\\a.png", "", "is an absolute path"),
        ("\\\\server\\share\\a.png", "", "is an absolute path"),
        ("//server/a.png", "", "is an absolute path"),
    ],
)
def test_the_one_path_rule(path, folder, expected):
    problem = outside_input_problem(path, folder)

    assert (problem is None) if expected is None else (expected in problem)


# --- item 7: declared sizes ------------------------------------------------------------------

# (declared (height, width), the words of the message after "declares")
WRONG_SIZES = [
    ((100, 100), "100x100 (width x height) but the image"),  # the issue's example
    ((HEIGHT + 1, WIDTH), f"{WIDTH}x{HEIGHT + 1} (width x height) but"),
    ((HEIGHT, WIDTH - 1), f"{WIDTH - 1}x{HEIGHT} (width x height) but"),
    ((WIDTH, HEIGHT), "turned by 90 degrees"),
    ((1, 1), "1x1 (width x height)"),
]
FIELDS = {
    "labelme": "a.json: imageHeight, imageWidth: declares",
    "cvat": "<image name='a.png' subset='train'>: width, height: declares",
    "coco": "annotations.json: image 1: height, width: declares",
}
IMAGE_AT = {"labelme": "street/a.png", "cvat": "images/train/a.png", "coco": "a.png"}


@pytest.mark.parametrize("format_name", sorted(READ))
@pytest.mark.parametrize("declared, expected", WRONG_SIZES)
def test_a_declared_size_that_is_not_the_images_is_refused(
    tmp_path, format_name, declared, expected
):
    image = png(tmp_path / "in" / IMAGE_AT[format_name])
    WRITE[format_name](tmp_path / "in", "a.png", size=declared)
    read, error = READ[format_name]

    with pytest.raises(error) as refused:
        read(tmp_path / "in")

    message = str(refused.value)
    assert FIELDS[format_name] in message and expected in message
    assert f"the image {image} is {WIDTH}x{HEIGHT}" in message


@pytest.mark.parametrize("format_name", sorted(READ))
@pytest.mark.parametrize(
    "stored, orientation, declared, accepted",
    [
        # sly.image.read turns an image whose EXIF orientation is 5-8: the size is the turned one.
        ((40, 60), 6, (40, 60), True),
        ((40, 60), 6, (60, 40), False),
        ((40, 60), 8, (40, 60), True),
        ((40, 60), 3, (60, 40), True),  # turned by 180 degrees: the same size
        ((40, 60), 1, (40, 60), False),
    ],
)
def test_the_size_of_an_image_exif_turns_is_the_turned_one(
    tmp_path, format_name, stored, orientation, declared, accepted
):
    image = tmp_path / "in" / IMAGE_AT[format_name].replace(".png", ".jpg")
    jpeg_with_orientation(image, orientation, *stored)
    WRITE[format_name](tmp_path / "in", "a.jpg", size=declared)
    read, error = READ[format_name]
    assert sly.image.read(str(image)).shape[:2] == (
        stored if orientation in (5, 6, 7, 8) else stored[::-1]
    )

    if accepted:
        (item,) = read(tmp_path / "in")
        assert item.ann.img_size == declared
    else:
        with pytest.raises(error, match="turned by 90 degrees: Supervisely sizes an image with"):
            read(tmp_path / "in")


@pytest.mark.parametrize(
    "format_name, size, expected",
    [
        ("cvat", ("1e300", "8"), "width, height: 1e300x8 is more than"),
        ("cvat", ("8", "1e300"), "width, height: 8x1e300 is more than"),
        ("cvat", ("9" * 400, "8"), "width: missing or not a number, got '99999999999999999999..."),
        ("labelme", (1e300, 8), "imageWidth: 1e+300 is more than 1048576 pixels"),
        ("labelme", (10**400, 8), "imageWidth: 100000000000000000000... is more than"),
        ("coco", (1e300, 8), "width: 1e+300 is more than 1048576 pixels"),
        ("coco", (8, 2.0**64), "width: 1.8446744073709552e+19 is more than"),
    ],
)
def test_a_huge_declared_size_is_refused_with_a_short_excerpt(
    tmp_path, format_name, size, expected
):
    png(tmp_path / "in" / IMAGE_AT[format_name])
    if format_name == "cvat":
        path = write_cvat(tmp_path / "in", "a.png")
        text = path.read_text().replace(f'width="{WIDTH}"', f'width="{size[0]}"')
        path.write_text(text.replace(f'height="{HEIGHT}"', f'height="{size[1]}"'))
    elif format_name == "labelme":
        path = write_labelme(tmp_path / "in", "a.png")
        data = json.loads(path.read_text())
        path.write_text(json.dumps({**data, "imageWidth": size[0], "imageHeight": size[1]}))
    else:
        write_coco(tmp_path / "in", "a.png", size=size[::-1] if size[0] == 1e300 else size)
    read, error = READ[format_name]

    with pytest.raises(error) as refused:
        read(tmp_path / "in")

    assert expected in str(refused.value)
    assert len(str(refused.value)) < 400


# --- item 7, on export: a Supervisely project whose annotation's size is not its image's -----


def project_with_size(folder: Path, size) -> Path:
    """A project of one 96x64 image whose annotation file declares ``size`` (height, width)."""
    car = sly.ObjClass("car", sly.Rectangle)
    project = sly.Project(str(folder), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta([car]))
    ann = sly.Annotation((HEIGHT, WIDTH), [sly.Label(sly.Rectangle(1, 1, 5, 5), car)])
    dataset = project.create_dataset("ds")
    dataset.add_item_np("a.png", np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann=ann)
    path = Path(dataset.get_ann_path("a.png"))
    data = json.loads(path.read_text())
    data["size"] = {"height": size[0], "width": size[1]}
    path.write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize("writer", TARGETS)
@pytest.mark.parametrize("declared, expected", WRONG_SIZES)
def test_a_writer_refuses_an_annotation_whose_size_is_not_its_images(
    tmp_path, writer, declared, expected
):
    project = project_with_size(tmp_path / "project", declared)

    with pytest.raises(ProjectFolderError) as refused:
        # Every writer of the registry, from the project's items, as convert runs it.
        find(writer).write_items(find("supervisely").read_items(project), tmp_path / "out")

    message = str(refused.value)
    assert message.startswith(f"{project / 'ds' / 'ann' / 'a.png.json'}: size: declares ")
    assert f"but its image {project / 'ds' / 'img' / 'a.png'} is {WIDTH}x{HEIGHT}" in message


@pytest.mark.parametrize("target", TARGETS)
def test_convert_refuses_the_issues_project_for_every_target(tmp_path, capsys, target):
    # The issue's case: an annotation saying 100x100 for a 96x64 image.
    project = project_with_size(tmp_path / "project", (100, 100))

    code = convert_in_process("supervisely", target, project, tmp_path / "out")

    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr == (
        f"error: {project / 'ds' / 'ann' / 'a.png.json'}: size: declares 100x100 (width x "
        f"height) but its image {project / 'ds' / 'img' / 'a.png'} is {WIDTH}x{HEIGHT}: labels "
        "would be normalised and clipped by the wrong size; fix the size (or set height and "
        "width to null) or give the image it was drawn on\n"
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["project"]


@pytest.mark.parametrize("size", [("64", "96"), (64.5, 96), (True, 96)])
def test_a_size_that_is_not_whole_numbers_is_named_so(tmp_path, capsys, size):
    """Not "declares 96x64 but its image is 96x64": the type is the fault, and the line says so."""
    project = project_with_size(tmp_path / "project", size)

    code = convert_in_process("supervisely", "labelme", project, tmp_path / "out")

    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.startswith(
        f"error: {project / 'ds' / 'ann' / 'a.png.json'}: size: height, width: "
    )
    assert stderr.endswith(
        f"are not whole numbers: write the image's {HEIGHT}, {WIDTH} as numbers (or null for "
        "both)\n"
    )


def test_a_null_size_takes_the_images_size_as_the_sdk_does(tmp_path):
    project = project_with_size(tmp_path / "project", (None, None))
    opened = sly.Project(str(project), sly.OpenMode.READ)

    ann = read_annotation(opened.datasets.get("ds"), "a.png", opened.meta)

    assert ann.img_size == (HEIGHT, WIDTH) and len(ann.labels) == 1


def test_an_annotation_of_an_image_exif_turns_has_the_turned_size(tmp_path):
    project = sly.Project(str(tmp_path / "project"), sly.OpenMode.CREATE)
    project.set_meta(sly.ProjectMeta())
    dataset = project.create_dataset("ds")
    photo = jpeg_with_orientation(tmp_path / "photo.jpg", 6, 60, 40)
    dataset.add_item_file("a.jpg", str(photo))  # sized by the SDK: sly.image.read, turned
    assert dataset.get_ann("a.jpg", project.meta).img_size == (60, 40)

    assert read_annotation(dataset, "a.jpg", project.meta).img_size == (60, 40)
