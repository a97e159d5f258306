"""preview.py on real sly.Annotation objects: colours of fills and boxes, legend, files, errors.

The images are black (or white) so a filled pixel's value is plain arithmetic:
``round(colour * 0.45)`` on black, ``round(255 * 0.55 + colour * 0.45)`` on white.
"""

from __future__ import annotations

import copy
import os
from contextlib import nullcontext as does_not_raise

import cv2
import numpy as np
import pytest
import supervisely as sly

from sly_bindings.files.images import InvalidImageError
from sly_bindings.groups.preview import (
    legend_text,
    FILL_OPACITY,
    GREY,
    LEGEND_BACKGROUND,
    group_colour,
    render_preview,
    save_preview,
)

CAR = sly.ObjClass("car", sly.AnyGeometry)
PERSON = sly.ObjClass("person", sly.AnyGeometry)
HEIGHT, WIDTH = 60, 80


def box(top, left, bottom, right, key=None, obj_class=CAR) -> sly.Label:
    return sly.Label(sly.Rectangle(top, left, bottom, right), obj_class, binding_key=key)


def on_black(colour) -> list:
    return [round(channel * FILL_OPACITY) for channel in colour]


def two_groups_and_unbound() -> sly.Annotation:
    """Group "a": two boxes of the top row; group "b": a mask and a box; two unbound boxes."""
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    mask[30:45, 5:20] = True
    return sly.Annotation(
        (HEIGHT, WIDTH),
        [
            box(5, 5, 20, 20, key="a"),
            box(5, 40, 20, 55, key="a"),
            sly.Label(sly.Bitmap(mask), CAR, binding_key="b"),
            box(30, 40, 45, 50, key="b", obj_class=PERSON),
            box(50, 60, 58, 75),
            box(30, 60, 40, 75),
        ],
    )


def legend_of(preview: np.ndarray) -> np.ndarray:
    return preview[HEIGHT:]


def contains_colour(area: np.ndarray, colour) -> bool:
    return bool((area == np.array(colour, dtype=np.uint8)).all(axis=-1).any())


def test_group_colours_are_fixed_distinct_and_never_grey():
    colours = [group_colour(number) for number in range(1, 51)]
    assert colours[:3] == [(36, 119, 242), (179, 242, 36), (242, 36, 239)]
    assert len(set(colours)) == 50
    assert all(max(colour) - min(colour) > 150 for colour in colours)  # saturated, not grey


@pytest.mark.parametrize(
    "pixel, expected",
    [
        ((15, 48), on_black(group_colour(1))),  # inside group a's second box
        ((40, 12), on_black(group_colour(2))),  # inside group b's mask
        ((40, 45), on_black(group_colour(2))),  # inside group b's box (another class)
        ((55, 68), on_black(GREY)),  # inside an unbound box
        ((35, 68), on_black(GREY)),  # inside the other one
        ((25, 30), [0, 0, 0]),  # between the labels: the image as it was
        ((20, 30), list(group_colour(1))),  # on group a's bounding box, between its labels
        # group b's box is its object's, the car mask's (issue 18): its bottom edge, row 44;
        # the person box is a part, an object of its own, not in it
        ((44, 12), list(group_colour(2))),
        ((45, 30), [0, 0, 0]),
        ((6, 6), list(group_colour(1))),  # group a's number tab: no room above, inside the box
        ((14, 6), list(group_colour(2))),  # group b's number tab, above its box
    ],
)
def test_fills_and_boxes_have_the_group_colour(pixel, expected):
    preview = render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), two_groups_and_unbound())
    assert preview[pixel].tolist() == expected


def test_the_fill_is_blended_with_the_image():
    preview = render_preview(np.full((HEIGHT, WIDTH, 3), 255, np.uint8), two_groups_and_unbound())
    expected = [round(255 * (1 - FILL_OPACITY) + channel * FILL_OPACITY) for channel in GREY]
    assert preview[55, 68].tolist() == expected


def test_a_group_is_drawn_over_an_unbound_label_it_overlaps():
    ann = sly.Annotation((HEIGHT, WIDTH), [box(10, 10, 30, 30, key="a"), box(10, 10, 30, 30)])
    preview = render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann)
    assert preview[25, 25].tolist() == on_black(group_colour(1))


@pytest.mark.parametrize(
    "ann, swatches, absent",
    [
        (two_groups_and_unbound(), [group_colour(1), group_colour(2), GREY], [group_colour(3)]),
        (sly.Annotation((HEIGHT, WIDTH), [box(5, 5, 20, 20)]), [GREY], [group_colour(1)]),
        (  # a group only
            sly.Annotation((HEIGHT, WIDTH), [box(5, 5, 9, 9, "a"), box(5, 15, 9, 19, "a")]),
            [group_colour(1)],
            [GREY],
        ),
        (sly.Annotation((HEIGHT, WIDTH)), [GREY], []),  # no labels: one grey "no labels" line
    ],
)
def test_the_legend_has_a_swatch_per_group_and_one_for_unbound_labels(ann, swatches, absent):
    legend = legend_of(render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann))
    assert legend.shape[0] > 0
    assert contains_colour(legend, LEGEND_BACKGROUND)
    assert (legend > 200).all(axis=-1).any()  # the text, white
    for colour in swatches:
        assert contains_colour(legend, colour)
    for colour in absent:
        assert not contains_colour(legend, colour)


def test_many_groups_fit_the_legend_in_columns():
    labels = [
        box(2 * row, 10 * col, 2 * row, 10 * col + 3, key=f"{row}-{col}")
        for row in range(20)
        for col in range(8)
        for _ in range(2)
    ]
    ann = sly.Annotation((HEIGHT, WIDTH), labels)
    preview = render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann)
    assert preview.shape[1:] == (WIDTH, 3)
    assert all(contains_colour(legend_of(preview), group_colour(n)) for n in (1, 80, 160))


def test_sizes_dtypes_and_the_image_left_alone():
    image = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    original = image.copy()
    ann = two_groups_and_unbound()
    ann_json = copy.deepcopy(ann.to_json())

    preview = render_preview(image, ann)

    np.testing.assert_array_equal(image, original)
    assert ann.to_json() == ann_json
    assert preview.dtype == np.uint8
    assert preview.shape[1:] == (WIDTH, 3) and preview.shape[0] > HEIGHT
    assert preview[25, 30].tolist() == image[25, 30].tolist()  # no label there
    np.testing.assert_array_equal(preview, render_preview(image, ann))  # the same every time


def test_a_grey_image_is_drawn_in_colour():
    preview = render_preview(np.zeros((HEIGHT, WIDTH), np.uint8), two_groups_and_unbound())
    assert preview.shape[1:] == (WIDTH, 3)
    assert preview[15, 48].tolist() == on_black(group_colour(1))


def test_labels_on_the_border_points_and_lines():
    point = sly.Label(sly.Point(5, 70), CAR, binding_key="p")
    line = sly.Label(sly.Polyline([sly.PointLocation(50, 5), sly.PointLocation(50, 30)]), CAR)
    ann = sly.Annotation(
        (HEIGHT, WIDTH),
        [
            box(0, 0, 10, 10, key="a"),  # the top-left corner: the number goes inside the box
            box(HEIGHT - 10, WIDTH - 10, HEIGHT - 1, WIDTH - 1, key="a"),  # the opposite corner
            point,  # a group of one point: no box, but drawn and in the legend
            line,
        ],
    )
    preview = render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann)
    assert preview[5, 70].tolist() == list(group_colour(2))  # the point, in its group's colour
    assert preview[50, 15].tolist() == list(GREY)  # the unbound line
    assert preview[HEIGHT - 1, 40].tolist() == list(group_colour(1))  # the box's bottom edge
    assert contains_colour(legend_of(preview), group_colour(2))


@pytest.mark.parametrize(
    "image, ann, exception",
    [
        (np.zeros((HEIGHT, WIDTH, 3), np.uint8), two_groups_and_unbound(), does_not_raise()),
        (
            np.zeros((HEIGHT, WIDTH, 3), np.float32),
            two_groups_and_unbound(),
            pytest.raises(TypeError, match="image is a array of float32: pass a uint8 RGB array"),
        ),
        (
            np.zeros((HEIGHT, WIDTH, 3), np.uint8).tolist(),
            two_groups_and_unbound(),
            pytest.raises(TypeError, match="image is a list"),
        ),
        (
            np.zeros((HEIGHT, WIDTH, 4), np.uint8),
            two_groups_and_unbound(),
            pytest.raises(ValueError, match=r"shape \(60, 80, 4\).*drop an alpha channel"),
        ),
        (
            np.zeros((WIDTH, HEIGHT, 3), np.uint8),
            two_groups_and_unbound(),
            pytest.raises(ValueError, match="image is 60x80 but the annotation is for 80x60"),
        ),
        (
            np.zeros((HEIGHT, WIDTH, 3), np.uint8),
            two_groups_and_unbound().to_json(),
            pytest.raises(TypeError, match="ann is a dict: pass a sly.Annotation"),
        ),
    ],
)
def test_render_preview_checks_its_arguments(image, ann, exception):
    with exception:
        render_preview(image, ann)


def test_save_preview_writes_the_file_in_rgb_order(tmp_path):
    image_path, out_path = tmp_path / "image.png", tmp_path / "preview.png"
    cv2.imwrite(str(image_path), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    out_path.write_bytes(b"an older preview")

    save_preview(image_path, two_groups_and_unbound(), out_path)

    saved = cv2.cvtColor(cv2.imread(str(out_path)), cv2.COLOR_BGR2RGB)
    assert saved[15, 48].tolist() == on_black(group_colour(1))
    assert saved.shape[1:] == (WIDTH, 3)
    assert sorted(os.listdir(tmp_path)) == ["image.png", "preview.png"]  # no temporary left


@pytest.mark.parametrize(
    "image_name, out_name, exception",
    [
        ("image.png", "preview.jpg", does_not_raise()),
        (
            "missing.png",
            "preview.png",
            pytest.raises(FileNotFoundError, match="missing.png does not exist: check the path"),
        ),
        (
            "corrupt.png",
            "preview.png",
            pytest.raises(
                InvalidImageError, match="corrupt.png: its size cannot be read from its header"
            ),
        ),
        (
            "cut.jpg",
            "preview.png",
            pytest.raises(InvalidImageError, match="cut.jpg is truncated"),
        ),
        (
            "small.png",
            "preview.png",
            pytest.raises(ValueError, match="image is 8x6 but the annotation is for 80x60"),
        ),
        (
            "image.png",
            "preview.gif",
            pytest.raises(ValueError, match="extension '.gif': use one of .png, .jpg, .jpeg"),
        ),
        ("image.png", "preview", pytest.raises(ValueError, match=r"extension '\(none\)'")),
        (
            "image.png",
            "missing/preview.png",
            pytest.raises(FileNotFoundError, match="missing does not exist: create it first"),
        ),
    ],
)
def test_save_preview_writes_the_file_or_nothing(tmp_path, image_name, out_name, exception):
    cv2.imwrite(str(tmp_path / "image.png"), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "small.png"), np.zeros((6, 8, 3), np.uint8))
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG truncated")
    noise = np.random.default_rng(0).integers(0, 256, (HEIGHT, WIDTH, 3), np.uint8)
    whole_jpeg = cv2.imencode(".jpg", noise)[1].tobytes()
    (tmp_path / "cut.jpg").write_bytes(whole_jpeg[: len(whole_jpeg) // 2])
    before = set(os.listdir(tmp_path))
    succeeds = isinstance(exception, does_not_raise)

    with exception:
        save_preview(tmp_path / image_name, two_groups_and_unbound(), tmp_path / out_name)

    assert set(os.listdir(tmp_path)) - before == ({out_name} if succeeds else set())


def _boxes(*specs):
    return [
        sly.Label(sly.Rectangle(*corners), sly.ObjClass(name, sly.Rectangle))
        for name, corners in specs
    ]


@pytest.mark.parametrize(
    "number, labels, expected",
    [
        (1, _boxes(("car", (0, 0, 1, 1))), "1: car, 1 label"),  # one class
        (  # the leading class (largest) first, the others in order of appearance
            2,
            _boxes(("head", (0, 0, 1, 1)), ("person", (0, 0, 9, 9)), ("hand", (0, 0, 1, 1))),
            "2: person + head, hand, 3 labels",
        ),
        (  # <name>_bbox never leads when <name> is there
            3,
            _boxes(("car_bbox", (0, 0, 9, 9)), ("car", (0, 0, 1, 1))),
            "3: car + car_bbox, 2 labels",
        ),
    ],
)
def test_legend_text_puts_the_leading_class_first(number, labels, expected):
    assert legend_text(number, labels) == expected


def test_a_group_of_two_classes_is_one_colour_and_its_box_is_the_leaders_own():
    person = sly.ObjClass("person", sly.Bitmap)
    person_bbox = sly.ObjClass("person_bbox", sly.Rectangle)
    mask = np.zeros((20, 20), bool)
    mask[5:15, 5:15] = True
    ann = sly.Annotation(
        (HEIGHT, WIDTH),
        [
            sly.Label(sly.Bitmap(mask, sly.PointLocation(20, 20)), person, binding_key="g"),
            sly.Label(sly.Rectangle(10, 10, 50, 60), person_bbox, binding_key="g"),
        ],
    )
    preview = render_preview(np.zeros((HEIGHT, WIDTH, 3), np.uint8), ann)
    assert preview[30, 30].tolist() == on_black(group_colour(1))  # the mask's fill
    assert preview[50, 35].tolist() == list(group_colour(1))  # the person_bbox's bottom edge


def jpeg_with_orientation(path, orientation: int, width: int, height: int):
    """A JPEG stored ``width`` x ``height``, its left half red and right half blue, whose EXIF
    orientation is ``orientation``."""
    from PIL import Image

    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (220, 20, 20)
    pixels[:, width // 2 :] = (20, 20, 220)
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, exif=exif.tobytes(), quality=95)
    return path


@pytest.mark.parametrize("orientation", [1, 3, 5, 6, 7, 8])
def test_the_preview_shows_the_image_as_sly_image_read_gives_it(tmp_path, orientation):
    # Stored 80 wide and 60 high; orientations 5-8 turn it to 60 wide and 80 high.
    image = jpeg_with_orientation(tmp_path / "photo.jpg", orientation, WIDTH, HEIGHT)
    expected = sly.image.read(str(image))
    height, width = expected.shape[:2]
    assert (height, width) == ((WIDTH, HEIGHT) if orientation >= 5 else (HEIGHT, WIDTH))
    box_in_turned_image = box(2, 2, height // 4, width // 4, key="a")

    save_preview(image, sly.Annotation((height, width), [box_in_turned_image]), tmp_path / "p.png")

    saved = cv2.cvtColor(cv2.imread(str(tmp_path / "p.png")), cv2.COLOR_BGR2RGB)
    assert saved.shape[1] == width
    # Away from the box, the picture is the image's pixels as sly.image.read turns them.
    untouched = saved[height // 2 : height, width // 2 : width].astype(int)
    assert np.abs(untouched - expected[height // 2 :, width // 2 :]).max() <= 1
