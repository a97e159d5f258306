"""cvat_format: CVAT for images 1.1 XML (box, polygon, mask, group_id) to Supervisely and back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import supervisely as sly

from bindings import binding_groups
from sly_bindings.formats.cvat import (
    CvatWarning,
    InvalidCvatError,
    annotation_to_cvat_image,
    cvat_image_to_annotation,
    cvat_items,
    cvat_rle_to_mask,
    cvat_to_project,
    mask_to_cvat_rle,
    project_to_cvat,
)
from sly_bindings.formats.records import group_key
from commands import convert_in_process
from format_samples import (
    CAR,
    PERSON,
    SIGN,
    class_types,
    demo_annotation,
    make_sample_project,
    objects,
    polygon,
    project_objects,
    read_project,
    small_annotation,
    street_annotation,
)

# A task exported from CVAT as "CVAT for images 1.1" (trimmed meta), written by hand.
TASK_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>12</id>
      <name>street</name>
      <size>2</size>
      <mode>annotation</mode>
      <labels>
        <label><name>car</name><color>#fa3253</color><type>any</type><attributes/></label>
        <label><name>sign</name><color>#33ddff</color><type>rectangle</type><attributes/></label>
        <label><name>tree</name><color>#00ff00</color><type>polygon</type><attributes/></label>
      </labels>
    </task>
    <dumped>2024-05-01 10:00:00.000000+00:00</dumped>
  </meta>
  <image id="0" name="a.png" width="8" height="6">
    <box label="sign" source="manual" occluded="0" xtl="1.00" ytl="1.00" xbr="4.00" ybr="3.00" z_order="0">
    </box>
    <polygon label="car" source="manual" occluded="0" points="0.00,0.00;2.00,0.00;1.00,2.00" z_order="0" group_id="1">
    </polygon>
    <mask label="car" source="manual" occluded="0" rle="0, 2, 2, 2" left="4" top="3" width="3" height="2" z_order="0" group_id="1">
    </mask>
    <polyline label="car" source="manual" occluded="0" points="0.00,5.00;7.00,5.00" z_order="0">
    </polyline>
  </image>
  <image id="1" name="b.png" width="8" height="6">
    <box label="sign" source="manual" occluded="0" xtl="0.00" ytl="0.00" xbr="2.00" ybr="2.00" z_order="0" group_id="0">
    </box>
  </image>
</annotations>
"""
# An 8x6 PNG image of one colour.
IMAGE_8X6 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000080000000608020000007167"
    "48ac0000002649444154081d6dc10101000000c130da88f338e22b6073891e"
    "97e871891e97e871891e97e819e58205a71611abf00000000049454e44ae42"
    "6082"
)


@pytest.mark.parametrize(
    "mask, runs",
    [
        # Starts with a set pixel: the first run of 0s is empty.
        ([[1, 1, 0], [0, 1, 1]], [0, 2, 2, 2]),
        # Row by row: the run of 0s crosses the end of the first row.
        ([[0, 0, 1], [1, 0, 0]], [2, 2, 2]),
        # Every pixel set.
        ([[1, 1], [1, 1]], [0, 4]),
        # One pixel, not set.
        ([[0]], [1]),
    ],
)
def test_cvat_rle_runs_row_by_row_starting_with_zeros(mask, runs):
    array = np.array(mask, dtype=bool)

    assert mask_to_cvat_rle(array) == runs
    assert cvat_rle_to_mask(runs, *array.shape).tolist() == array.tolist()


@pytest.mark.parametrize(
    "runs, message",
    [
        ([0, 2, 2], "rle covers 4 pixels but width x height is 3x2 = 6"),
        ([3, -1, 4], "negative run length"),
    ],
)
def test_bad_runs_are_refused(runs, message):
    with pytest.raises(ValueError, match=message):
        cvat_rle_to_mask(runs, 2, 3)


def test_shapes_become_labels_grouped_by_group_id():
    root = ET.fromstring(TASK_XML.encode())
    first, second = root.iterfind("image")

    with pytest.warns(CvatWarning, match="<polyline> #4: skipped"):
        ann = cvat_image_to_annotation(first, "annotations.xml")

    assert ann.img_size == (6, 8)
    found = [(l.obj_class.name, l.geometry.geometry_name(), l.binding_key) for l in ann.labels]
    assert found == [
        ("sign", "rectangle", None),
        ("car", "polygon", group_key("group", "a.png", 1)),
        ("car", "bitmap", group_key("group", "a.png", 1)),
    ]
    box, outline, mask = (label.geometry for label in ann.labels)
    # xbr and ybr are pixel edges: 1.00 .. 4.00 covers the pixels 1, 2 and 3.
    assert (box.top, box.left, box.bottom, box.right) == (1, 1, 3, 4)  # ybr=3, xbr=4
    assert outline.exterior_np.tolist() == [[0, 0], [0, 2], [2, 1]]
    assert (mask.origin.row, mask.origin.col) == (3, 4)
    assert mask.data.astype(int).tolist() == [[1, 1, 0], [0, 1, 1]]
    # group_id="0" is CVAT's "no group".
    assert cvat_image_to_annotation(second).labels[0].binding_key is None


def test_group_ids_7_and_7_0_are_one_group():
    image = ET.fromstring(
        '<image id="0" name="a.png" width="9" height="9">'
        '<box label="sign" xtl="0" ytl="0" xbr="1" ybr="1" group_id="7"/>'
        '<box label="sign" xtl="3" ytl="3" xbr="4" ybr="4" group_id=" 7.0 "/>'
        '<box label="car" xtl="6" ytl="6" xbr="7" ybr="7" group_id="7"/></image>'
    )
    ann = cvat_image_to_annotation(image)

    # CVAT groups may mix labels: the car is in the group too.
    assert [len(group) for group in binding_groups(ann).groups.values()] == [3]


@pytest.mark.parametrize(
    "shape, message",
    [
        ('<box label="car" xtl="0" ytl="0" xbr="x" ybr="1"/>', "<box> #1: xbr: missing or not"),
        ('<box label="car" xtl="nan" ytl="0" xbr="1" ybr="1"/>', "<box> #1: xtl: missing or not"),
        ('<polygon label="car" points="0,0;1,inf;2,0"/>', "points: must be 'x,y;x,y;...'"),
        (
            '<box label="car" xtl="0" ytl="0" xbr="1" ybr="1" rotation="left"/>',
            "rotation: missing or not a number",
        ),
        ('<box xtl="0" ytl="0" xbr="1" ybr="1"/>', "<box> #1: label: missing"),
        ('<polygon label="car" points="0,0;1,1"/>', "points: a polygon needs 3 points, got 2"),
        ('<polygon label="car" points="0,0;1;2,2"/>', "points: must be 'x,y;x,y;...' numbers"),
        (
            '<mask label="car" rle="0, 2" left="0" top="0" width="3" height="2"/>',
            "<mask> #1: rle: rle covers 2 pixels but width x height is 3x2",
        ),
        (
            '<mask label="car" rle="0, two" left="0" top="0" width="1" height="2"/>',
            "rle: not a comma-separated list",
        ),
        ('<mask label="car" rle="0, 1" left="0" top="0" width="0" height="1"/>', "width: must be"),
        (
            '<box label="car" xtl="0" ytl="0" xbr="1" ybr="1" group_id="first"/>',
            "group_id: missing or not a number",
        ),
        ('<box label="car" xtl="0" ytl="0" xbr="1" ybr="1" group_id="-1"/>', "group_id: must be"),
    ],
)
def test_malformed_shapes_name_the_file_the_image_and_the_attribute(shape, message):
    """Each is one record (formats.records): skipped with one warning, the file is read."""
    image = ET.fromstring(f'<image id="0" name="a.png" width="4" height="4">{shape}</image>')

    with pytest.warns(CvatWarning) as warned:
        ann = cvat_image_to_annotation(image, "annotations.xml")

    assert ann.labels == []
    (line,) = [str(w.message) for w in warned if issubclass(w.category, CvatWarning)]
    assert line.startswith("annotations.xml: <image name='a.png'>")
    assert message in line and line.endswith(": the shape is skipped")


# Sizes read from a file that would allocate far more than the image they belong to: each is
# refused (or, wholly outside, skipped with a warning) before a pixel is allocated.
HUGE_MASK = "rle='0, 10000000000' left='0' top='0' width='100000' height='100000'"


@pytest.mark.parametrize(
    "image, message",
    [
        # The 212-byte file of the report: 10^10 pixels of mask on a 4x4 image.
        (f"<image id='0' name='a.png' width='4' height='4'><mask label='car' {HUGE_MASK}/></image>",
         "<mask> #1: left, top, width, height: a 100000x100000 mask at (0, 0) does not fit in the "
         "4x4 image"),
        ("<image id='0' name='a.png' width='4' height='4'><mask label='car' rle='0, 4' left='2' "
         "top='2' width='2' height='3'/></image>", "a 2x3 mask at (2, 2) does not fit in the 4x4"),
        # The image's own size, before any shape.
        ("<image id='0' name='a.png' width='100000' height='100000'/>",
         "width, height: 100000x100000 is more than 1073741824 pixels"),
        ("<image id='0' name='a.png' width='1e300' height='4'/>", "is more than 1073741824 pixels"),
        ("<image id='0' name='a.png' width='4' height='1e20'/>", "is more than 1073741824 pixels"),
    ],
)  # fmt: skip
def test_a_size_that_does_not_fit_its_image_is_refused_before_allocating(image, message):
    if "<mask " in image:  # a shape is a record (formats.records): skipped with a warning
        with pytest.warns(CvatWarning) as warned:
            ann = cvat_image_to_annotation(ET.fromstring(image), "annotations.xml")
        assert ann.labels == []
        text = str(warned[0].message)
    else:  # the image's own size: the file is refused
        with pytest.raises(InvalidCvatError) as raised:
            cvat_image_to_annotation(ET.fromstring(image), "annotations.xml")
        text = str(raised.value)
    assert message in text and len(text) < 300


def test_a_mask_wholly_outside_its_image_is_skipped_with_a_warning():
    image = ET.fromstring(
        "<image id='0' name='a.png' width='4' height='4'>"
        "<mask label='car' rle='0, 1' left='9' top='0' width='1' height='1'/>"
        "<box label='car' xtl='0' ytl='0' xbr='1' ybr='1'/></image>"
    )
    with pytest.warns(CvatWarning, match="<mask> #1: skipped, its mask lies wholly outside"):
        ann = cvat_image_to_annotation(image)
    assert [label.geometry.geometry_name() for label in ann.labels] == ["rectangle"]


@pytest.mark.parametrize(
    "image, message",
    [
        ('<image id="3" width="4" height="4"/>', "<image id='3'>: name: missing"),
        ('<image id="3" name="a.png" width="4"/>', "<image name='a.png'>: height: missing"),
    ],
)
def test_malformed_images_are_named(image, message):
    with pytest.raises(InvalidCvatError, match=message):
        cvat_image_to_annotation(ET.fromstring(image))


def test_writing_numbers_groups_across_the_file_and_leaves_unbound_shapes_without():
    ann = street_annotation()  # walkers group, then a sign and a person alone
    ann = ann.clone(labels=ann.labels + small_annotation().labels[::2])  # keys 7 and "7"
    before = [label.binding_key for label in ann.labels]

    image = annotation_to_cvat_image(ann, 4, "image.jpg", "dataset-01", first_group_id=10)

    assert [(shape.tag, shape.get("group_id")) for shape in image] == [
        ("polygon", "10"),
        ("polygon", "10"),
        ("box", None),
        ("polygon", None),
        ("box", "11"),
        ("box", "11"),
    ]
    assert [image.get(a) for a in ("id", "name", "subset", "width", "height")] == [
        "4",
        "image.jpg",
        "dataset-01",
        "1280",
        "720",
    ]
    sign = image[2]  # sly.Rectangle(10, 20, 30, 40): x 20..40, y 10..30 (formats.boxes)
    assert [sign.get(a) for a in ("xtl", "ytl", "xbr", "ybr")] == [
        "20.00",
        "10.00",
        "40.00",
        "30.00",
    ]
    assert [label.binding_key for label in ann.labels] == before  # input untouched


@pytest.mark.parametrize(
    "label, message, shapes",
    [
        (
            sly.Label(
                sly.Polygon(
                    [sly.PointLocation(r, c) for r, c in ((0, 0), (0, 9), (9, 9), (9, 0))],
                    interior=[[sly.PointLocation(r, c) for r, c in ((3, 3), (3, 5), (5, 5))]],
                ),
                PERSON,
            ),
            "1 hole",
            1,
        ),
        (sly.Label(sly.Point(1, 1), sly.ObjClass("tip", sly.Point)), "a tip point is skipped", 0),
        # A Rectangle and a Bitmap to isinstance, but a box would lose the angle, a mask the
        # opacities: skipped, not written as what they are not.
        (
            sly.Label(
                sly.OrientedBBox(1, 1, 4, 6, angle=0.3), sly.ObjClass("box", sly.OrientedBBox)
            ),
            "a box oriented_bbox is skipped",
            0,
        ),
        (
            sly.Label(
                sly.AlphaMask(np.array([[0, 90], [200, 255]], np.uint8)),
                sly.ObjClass("fog", sly.AlphaMask),
            ),
            "a fog alpha_mask is skipped",
            0,
        ),
    ],
)
def test_what_cvat_cannot_hold_is_warned_about(label, message, shapes):
    with pytest.warns(CvatWarning, match=message):
        image = annotation_to_cvat_image(sly.Annotation((10, 10), [label]), 0, "a.jpg", "default")

    assert len(image) == shapes


@pytest.mark.parametrize(
    "ann",
    [demo_annotation(), street_annotation(), small_annotation(), sly.Annotation((5, 5))],
    ids=["demo car", "street", "keys 7 and '7'", "empty"],
)
def test_one_image_round_trip_keeps_labels_and_groups(ann):
    image = annotation_to_cvat_image(ann, 0, "a.jpg", "default")
    back = cvat_image_to_annotation(ET.fromstring(ET.tostring(image)))

    assert objects(back) == objects(ann)


def test_a_mixed_class_group_stays_one_group():
    labels = [
        sly.Label(sly.Rectangle(0, 0, 1, 1), SIGN, binding_key="k"),
        sly.Label(polygon((3, 3), (3, 6), (6, 6)), PERSON, binding_key="k"),
    ]
    ann = sly.Annotation((10, 10), labels)
    back = cvat_image_to_annotation(annotation_to_cvat_image(ann, 0, "a.jpg", "default"))

    assert objects(back) == objects(ann)


def test_project_round_trip_keeps_every_label_the_partition_and_the_colours(tmp_path):
    original = make_sample_project(tmp_path / "project")

    project_to_cvat(str(original), str(tmp_path / "cvat"))
    cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "back"))

    root = ET.parse(tmp_path / "cvat" / "annotations.xml").getroot()
    assert root.findtext("version") == "1.1"
    assert [label.findtext("name") for label in root.iterfind("meta/project/labels/label")] == [
        "car",
        "person",
        "sign",
    ]
    assert [image.get("id") for image in root.iterfind("image")] == ["0", "1"]
    assert (tmp_path / "cvat" / "images" / "dataset-02" / "small.png").is_file()
    # Group ids are unique in the file: the walkers and car-1 in image 0, "7" in image 1.
    group_ids = [
        {shape.get("group_id") for shape in image if shape.get("group_id")}
        for image in root.iterfind("image")
    ]
    assert group_ids == [{"1", "2"}, {"3"}]
    assert project_objects(tmp_path / "back") == project_objects(original)
    meta, _ = read_project(tmp_path / "back")
    assert class_types(meta) == {"car": "bitmap", "person": "polygon", "sign": "rectangle"}
    assert [c.color for c in meta.obj_classes] == [CAR.color, PERSON.color, SIGN.color]


def test_reading_a_hand_made_task(tmp_path):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    (tmp_path / "cvat" / "annotations.xml").write_text(TASK_XML)
    # A task export keeps its images in images/ (no subset folder).
    for name in ("a.png", "b.png"):
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)

    with pytest.warns(CvatWarning):  # the polyline
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    assert sorted(anns) == ["default/a.png", "default/b.png"]
    assert [len(group) for group in binding_groups(anns["default/a.png"]).groups.values()] == [2]
    # car has a polygon and a mask: AnyGeometry; tree has no shape: the type its label declares.
    assert class_types(meta) == {"car": "any", "sign": "rectangle", "tree": "polygon"}
    assert meta.get_obj_class("car").color == [0xFA, 0x32, 0x53]


@pytest.mark.filterwarnings(
    "ignore::sly_bindings.formats.cvat.CvatWarning"
)  # the polyline of TASK_XML
@pytest.mark.parametrize(
    "xml, images, message",
    [
        # No annotations.xml at all.
        (None, [], "annotations.xml: does not exist"),
        # Not XML.
        ("<annotations><image></annotations>", [], "annotations.xml: not well-formed XML"),
        # Another root.
        ("<tasks/>", [], "annotations.xml: <tasks>: the root must be <annotations>"),
        # (An image file that is not there is one image left out: tests/formats/test_missing_images.py)
        # A colour that is not #rrggbb.
        (
            TASK_XML.replace("#33ddff", "blue"),
            ["a.png", "b.png"],
            "<meta> <label> 'sign': color: must be #rrggbb, got 'blue'",
        ),
        # No image at all.
        ("<annotations><version>1.1</version></annotations>", [], "no <image> in it"),
        # Subsets that would put a dataset outside the project, or where the SDK skips it.
        (
            TASK_XML.replace('name="a.png"', 'name="a.png" subset="../../evil"'),
            ["a.png", "b.png"],
            "<image name='a.png' subset='../../evil'>: subset: '../../evil': dataset name '..'",
        ),
        (
            TASK_XML.replace('name="a.png"', 'name="a.png" subset="/tmp/evil"'),
            ["a.png", "b.png"],
            "subset: '/tmp/evil': dataset name '' is not a plain folder name",
        ),
        (
            TASK_XML.replace('name="a.png"', 'name="a.png" subset="train/./cars"'),
            ["a.png", "b.png"],
            "subset: 'train/./cars': dataset name '.' is not a plain folder name",
        ),
        (
            TASK_XML.replace('name="a.png"', 'name="a.png" subset="train_img"'),
            ["a.png", "b.png"],
            "dataset name 'train_img' ends with 'img', which sly.Project skips when it reads",
        ),
    ],
)
def test_a_bad_export_names_the_file_and_the_field(tmp_path, xml, images, message):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    if xml is not None:
        (tmp_path / "cvat" / "annotations.xml").write_text(xml)
    for name in images:
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)

    with pytest.raises(InvalidCvatError) as raised:
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    assert str(raised.value).startswith(str(tmp_path / "cvat" / "annotations.xml"))
    assert message in str(raised.value)
    # Nothing is written outside the project ("../../evil" from it is beside tmp_path).
    assert {path.name for path in tmp_path.iterdir()} <= {"cvat", "project"}
    assert not (tmp_path.parent / "evil").exists()


ENCODING_FIX = "is no encoding an XML reader takes: save the file as UTF-8 (CVAT writes utf-8)"


@pytest.mark.parametrize(
    "encoding",
    [
        "x-nonsense",  # no such codec
        "rot13",  # a codec, but not a text encoding
        "base64",
        "utf-7",  # a text encoding expat cannot read (several bytes a character)
        "shift_jis",
    ],
)
def test_an_encoding_no_xml_reader_takes_is_refused_naming_it(tmp_path, capsys, encoding):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    (tmp_path / "cvat" / "images" / "a.png").write_bytes(IMAGE_8X6)
    xml_path = tmp_path / "cvat" / "annotations.xml"
    xml_path.write_text(
        f'<?xml version="1.0" encoding="{encoding}"?><annotations><version>1.1</version>'
        '<image id="0" name="a.png" width="8" height="6"/></annotations>'
    )

    code = convert_in_process("cvat", "yolo", tmp_path / "cvat", tmp_path / "out")

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {xml_path}: <?xml encoding>: {encoding!r} {ENCODING_FIX}"
    ]


@pytest.mark.parametrize(
    "color",
    [
        "#-1-2-3",  # int(..., 16) takes a sign
        "#+f+f+f",
        "#-f-f-f",
        "ff0000",  # no #
        "##ff0000",
        "# ff000",  # int() takes spaces too
        "#ff00٠٠",  # Arabic-Indic zeros are digits to int()
    ],
)
def test_a_colour_other_than_hash_and_6_hex_digits_is_refused(tmp_path, color):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)
    (tmp_path / "cvat" / "annotations.xml").write_text(TASK_XML.replace("#33ddff", color))

    with pytest.raises(InvalidCvatError) as raised:
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    assert str(raised.value) == (
        f"{tmp_path / 'cvat' / 'annotations.xml'}: <meta> <label> 'sign': color: must be "
        f"#rrggbb, got {color!r}"
    )


@pytest.mark.parametrize(
    "change, quoted",
    [
        # A colour of a megabyte.
        (lambda xml: xml.replace("#33ddff", "#" + "f" * 1_000_000), "color: must be #rrggbb"),
        # A name of a megabyte in a message about its image.
        (lambda xml: xml.replace('name="b.png"', 'name="' + "b" * 1_000_000 + '.png"'), "name"),
        # A label name of a megabyte in a message about its colour.
        (
            lambda xml: xml.replace(
                "<name>sign</name>", "<name>" + "s" * 1_000_000 + "</name>"
            ).replace("#33ddff", "blue"),
            "color",
        ),
        # A subset of a megabyte that is no dataset name.
        (
            lambda xml: xml.replace(
                'name="a.png"', 'name="a.png" subset="' + "../" * 300_000 + '"'
            ),
            "subset",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore::sly_bindings.formats.cvat.CvatWarning")  # TASK_XML's polyline
def test_a_message_quotes_a_long_value_cut_short(tmp_path, change, quoted):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    (tmp_path / "cvat" / "images" / "a.png").write_bytes(IMAGE_8X6)
    (tmp_path / "cvat" / "annotations.xml").write_text(change(TASK_XML))

    with pytest.raises(InvalidCvatError) as raised:
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    assert quoted in str(raised.value)
    assert len(str(raised.value)) < len(str(tmp_path)) + 400


@pytest.mark.filterwarnings("ignore::sly_bindings.formats.cvat.CvatWarning")
def test_a_group_id_of_a_megabyte_skips_its_shape_with_a_short_warning(tmp_path):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)
    xml = TASK_XML.replace('group_id="1"', 'group_id="' + "-1." + "0" * 1_000_000 + '"', 1)
    (tmp_path / "cvat" / "annotations.xml").write_text(xml)

    with pytest.warns(CvatWarning) as warned:
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    lines = [str(w.message) for w in warned if ": group_id: " in str(w.message)]
    assert len(lines) == 1, lines
    assert len(lines[0]) < len(str(tmp_path)) + 400 and lines[0].endswith("the shape is skipped")


LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)  # lol9 is 10^9 "lol"s


@pytest.mark.parametrize(
    "doctype",
    [
        # Entity expansion: a billion laughs, and a quadratic blow-up (one long entity, used often).
        f'<!DOCTYPE annotations [<!ENTITY lol0 "lol">{LAUGHS}]>',
        f'<!DOCTYPE annotations [<!ENTITY big "{"x" * 100_000}">]>',
        # External references: a local file, a URL, a parameter entity.
        '<!DOCTYPE annotations [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE annotations [<!ENTITY remote SYSTEM "http://127.0.0.1:9/x.xml">]>',
        '<!DOCTYPE annotations [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        # A DTD that declares nothing is refused too: CVAT writes none.
        '<!DOCTYPE annotations SYSTEM "annotations.dtd">',
    ],
)
def test_a_dtd_is_refused_unread_nothing_expanded_or_fetched(tmp_path, doctype):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    (tmp_path / "cvat" / "images" / "a.png").write_bytes(IMAGE_8X6)
    used = "&lol9;" if "lol9" in doctype else "&big;" * 1000 if "big" in doctype else "a.png"
    body = f'<annotations><image id="0" name="{used}" width="8" height="6"/></annotations>'
    (tmp_path / "cvat" / "annotations.xml").write_text(f'<?xml version="1.0"?>{doctype}{body}')

    with pytest.raises(InvalidCvatError) as raised:
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    assert str(raised.value) == (
        f"{tmp_path / 'cvat' / 'annotations.xml'}: <!DOCTYPE>: a DTD (entities, external "
        "references) is not read: export the file from CVAT again, which writes none"
    )
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize(
    "subset, dataset, folder",
    [
        # No subset: CVAT's "default".
        (None, ("default",), "default"),
        ("train", ("train",), "train"),
        # parent/child: a nested dataset, in the folder where the SDK keeps one.
        ("train/cars", ("train", "cars"), "train/datasets/cars"),
    ],
)
def test_subsets_are_datasets_and_parent_child_is_nested(tmp_path, subset, dataset, folder):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    xml = TASK_XML.split("<image", 1)[0] + '<image id="0" name="b.png" width="8" height="6">'
    xml += '<box label="sign" xtl="0" ytl="0" xbr="2" ybr="2"/></image></annotations>'
    if subset is not None:
        xml = xml.replace('name="b.png"', f'name="b.png" subset="{subset}"')
    (tmp_path / "cvat" / "annotations.xml").write_text(xml)
    (tmp_path / "cvat" / "images" / "b.png").write_bytes(IMAGE_8X6)

    [item] = cvat_items(str(tmp_path / "cvat"))
    cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    assert (item.dataset, item.name, len(item.ann.labels)) == (dataset, "b.png", 1)
    assert (tmp_path / "project" / folder / "img" / "b.png").is_file()
    assert sorted(read_project(tmp_path / "project")[1]) == ["/".join(dataset) + "/b.png"]


# A project exported from CVAT as "CVAT for images 1.1" with images, written by hand in the
# structure of CVAT's ProjectData meta (cvat/apps/dataset_manager/bindings.py) and its dumper
# (formats/cvat.py: each image has subset and task_id; images in images/<subset>/).
PROJECT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <project>
      <id>3</id>
      <name>streets</name>
      <bugtracker></bugtracker>
      <created>2024-05-01 10:00:00.000000+00:00</created>
      <updated>2024-05-01 10:10:00.000000+00:00</updated>
      <tasks>
        <task><id>7</id><name>north</name><size>1</size><mode>annotation</mode><overlap>0</overlap>
          <bugtracker></bugtracker><created>2024-05-01</created><updated>2024-05-01</updated>
          <subset>Train</subset><start_frame>0</start_frame><stop_frame>0</stop_frame>
          <frame_filter></frame_filter><segments><segment><id>9</id><start>0</start><stop>0</stop>
          <url>http://localhost:8080/api/jobs/9</url></segment></segments>
          <owner><username>admin</username><email></email></owner><assignee></assignee></task>
        <task><id>8</id><name>south</name><size>1</size><mode>annotation</mode><overlap>0</overlap>
          <bugtracker></bugtracker><created>2024-05-01</created><updated>2024-05-01</updated>
          <subset>Validation</subset><start_frame>0</start_frame><stop_frame>0</stop_frame>
          <frame_filter></frame_filter><segments><segment><id>10</id><start>0</start><stop>0</stop>
          <url>http://localhost:8080/api/jobs/10</url></segment></segments>
          <owner><username>admin</username><email></email></owner><assignee></assignee></task>
      </tasks>
      <labels>
        <label><name>car</name><color>#fa3253</color><type>any</type><attributes>
          <attribute><name>parked</name><mutable>False</mutable><input_type>checkbox</input_type>
            <default_value>false</default_value><values>false</values></attribute>
        </attributes></label>
        <label><name>sign</name><color>#33ddff</color><type>rectangle</type><attributes/></label>
      </labels>
      <subsets>Train
Validation</subsets>
      <owner><username>admin</username><email></email></owner>
      <assignee></assignee>
    </project>
    <dumped>2024-05-01 10:20:00.000000+00:00</dumped>
  </meta>
  <image id="0" name="a.png" subset="Train" task_id="7" width="8" height="6">
    <polygon label="car" source="manual" occluded="0" points="0.00,0.00;2.00,0.00;1.00,2.00" z_order="0" group_id="1">
      <attribute name="parked">false</attribute>
    </polygon>
    <mask label="car" source="manual" occluded="0" rle="0, 2, 2, 2" left="4" top="3" width="3" height="2" z_order="0" group_id="1">
      <attribute name="parked">false</attribute>
    </mask>
    <tag label="sign" source="manual">
    </tag>
  </image>
  <image id="1" name="a.png" subset="Validation" task_id="8" width="8" height="6">
    <box label="sign" source="manual" occluded="0" xtl="1.00" ytl="1.00" xbr="4.00" ybr="3.00" z_order="0">
    </box>
  </image>
</annotations>
"""


def test_reading_a_project_export_as_cvat_writes_it(tmp_path):
    (tmp_path / "cvat").mkdir()
    (tmp_path / "cvat" / "annotations.xml").write_text(PROJECT_XML)
    for subset in ("Train", "Validation"):
        (tmp_path / "cvat" / "images" / subset).mkdir(parents=True)
        (tmp_path / "cvat" / "images" / subset / "a.png").write_bytes(IMAGE_8X6)

    # The tag is skipped, and the warning names the subset as well as the image.
    with pytest.warns(CvatWarning, match=r"<image name='a.png' subset='Train'> <tag> #3: skipped"):
        cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    assert sorted(anns) == ["Train/a.png", "Validation/a.png"]
    assert [len(group) for group in binding_groups(anns["Train/a.png"]).groups.values()] == [2]
    assert [label.obj_class.name for label in anns["Validation/a.png"].labels] == ["sign"]
    assert class_types(meta) == {"car": "any", "sign": "rectangle"}


@pytest.mark.parametrize(
    "task_subset, dataset, where",
    [
        # A task export: the images carry no subset; the task's <subset> names it.
        ("<subset>Train</subset>", "Train", "<image name='a.png' subset='Train'>"),
        # An empty <subset> (CVAT's task of no subset) and none at all: CVAT's "default".
        ("<subset></subset>", "default", "<image name='a.png'>"),
        ("", "default", "<image name='a.png'>"),
    ],
)
def test_a_task_export_s_subset_is_its_dataset(tmp_path, task_subset, dataset, where):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    xml = TASK_XML.replace("<mode>annotation</mode>", f"<mode>annotation</mode>{task_subset}")
    (tmp_path / "cvat" / "annotations.xml").write_text(xml)
    for name in ("a.png", "b.png"):
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)

    with pytest.warns(CvatWarning, match=f"{where} <polyline> #4: skipped"):
        items = list(cvat_items(str(tmp_path / "cvat")))

    assert [(item.dataset, item.name) for item in items] == [
        ((dataset,), "a.png"),
        ((dataset,), "b.png"),
    ]


def datumaro_cvat_sources(xml_path):
    """What Datumaro 1.x's CvatImporter.find_sources asks of a CVAT XML (plugins/data_formats/
    cvat/base.py), restated: the subsets a project export is split into, and each image's file
    as CvatBase._load_items looks for it (images/<name>, then images/<subset>/<name>)."""
    root = ET.parse(xml_path).getroot()
    meta = root.find("meta")
    assert meta is not None, "CVAT XML file should have <meta> tag."
    assert meta.find("project") is not None or meta.find("task") is not None
    subsets = [element.text for element in meta.iter("subset")]
    assert subsets, "CVAT XML should include <subset> tags."
    for label in meta.iter("label"):
        assert label.find("name").text
        for attribute in label.iter("attribute"):
            assert attribute.find("name").text and attribute.find("input_type").text
    images = xml_path.parent / "images"
    found = {}
    for image in root.iterfind("image"):
        assert image.get("subset") in subsets  # otherwise Datumaro drops the image
        candidates = [images / image.get("name"), images / image.get("subset") / image.get("name")]
        found[(image.get("subset"), image.get("name"))] = next(p for p in candidates if p.exists())
    return subsets, found


def test_a_project_export_carries_the_meta_cvat_writes(tmp_path):
    original = make_sample_project(tmp_path / "project")

    project_to_cvat(str(original), str(tmp_path / "cvat"))

    root = ET.parse(tmp_path / "cvat" / "annotations.xml").getroot()
    project = root.find("meta/project")
    assert [child.tag for child in project] == [
        "id",
        "name",
        "bugtracker",
        "created",
        "updated",
        "tasks",
        "labels",
        "subsets",
    ]
    assert project.findtext("subsets").split("\n") == ["dataset-01", "dataset-02"]
    tasks = project.findall("tasks/task")
    assert [(t.findtext("id"), t.findtext("subset"), t.findtext("size")) for t in tasks] == [
        ("1", "dataset-01", "1"),
        ("2", "dataset-02", "1"),
    ]
    assert [(image.get("subset"), image.get("task_id")) for image in root.iterfind("image")] == [
        ("dataset-01", "1"),
        ("dataset-02", "2"),
    ]
    assert root.find("meta/dumped") is not None
    subsets, found = datumaro_cvat_sources(tmp_path / "cvat" / "annotations.xml")
    assert subsets == ["dataset-01", "dataset-02"]
    assert found == {
        ("dataset-01", "image.jpg"): tmp_path / "cvat" / "images" / "dataset-01" / "image.jpg",
        ("dataset-02", "small.png"): tmp_path / "cvat" / "images" / "dataset-02" / "small.png",
    }
    # The hand-made project export passes the same checks.
    (tmp_path / "hand").mkdir()
    (tmp_path / "hand" / "annotations.xml").write_text(PROJECT_XML)
    for subset in ("Train", "Validation"):
        (tmp_path / "hand" / "images" / subset).mkdir(parents=True)
        (tmp_path / "hand" / "images" / subset / "a.png").write_bytes(IMAGE_8X6)
    assert datumaro_cvat_sources(tmp_path / "hand" / "annotations.xml")[0] == [
        "Train",
        "Validation",
    ]


# Datumaro's "cvat" export (datumaro/plugins/data_formats/cvat/exporter.py), written by hand in
# the structure Datumaro 1.13.12 wrote for this project: one <subset>.xml per subset, a <task>
# meta with no <subset>, images in images/.
DATUMARO_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id></id>
      <name>{subset}</name>
      <size>1</size>
      <mode>annotation</mode>
      <overlap></overlap>
      <start_frame>0</start_frame>
      <stop_frame>1</stop_frame>
      <frame_filter></frame_filter>
      <z_order>True</z_order>
      <labels>
        <label>
          <name>car</name>
          <attributes>
          </attributes>
        </label>
        <label>
          <name>sign</name>
          <attributes>
          </attributes>
        </label>
      </labels>
    </task>
  </meta>
  <image id="{id}" name="{name}" width="8" height="6">
    <box label="sign" occluded="0" outside="0" keyframe="0" xtl="3.00" ytl="2.00" xbr="5.00" ybr="4.00" z_order="0" group_id="3">
    </box>
    <mask label="car" occluded="0" outside="0" keyframe="0" rle="0, 2, 2, 2" left="4" top="3" width="3" height="2" z_order="0">
    </mask>
    <box label="sign" occluded="0" outside="0" keyframe="0" xtl="0.00" ytl="0.00" xbr="2.00" ybr="1.00" z_order="0" group_id="3">
    </box>
  </image>
</annotations>
"""


def test_reading_datumaro_s_cvat_export_one_file_per_subset(tmp_path):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    for index, (subset, name) in enumerate((("train", "a.png"), ("val", "b.png"))):
        xml = DATUMARO_XML.format(subset=subset, id=index, name=name)
        (tmp_path / "cvat" / f"{subset}.xml").write_text(xml)
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)

    cvat_to_project(str(tmp_path / "cvat"), str(tmp_path / "project"))

    meta, anns = read_project(tmp_path / "project")
    assert sorted(anns) == ["train/a.png", "val/b.png"]
    for ann in anns.values():
        assert [len(group) for group in binding_groups(ann).groups.values()] == [2]
    assert class_types(meta) == {"car": "bitmap", "sign": "rectangle"}


@pytest.mark.parametrize("color", ["#-1-2-3", "#+f+f+f", "ff0000"])
def test_converting_a_bad_colour_is_one_line_naming_the_label(tmp_path, capsys, color):
    (tmp_path / "cvat" / "images").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (tmp_path / "cvat" / "images" / name).write_bytes(IMAGE_8X6)
    xml_path = tmp_path / "cvat" / "annotations.xml"
    xml_path.write_text(TASK_XML.replace("#33ddff", color))

    code = convert_in_process("cvat", "coco", tmp_path / "cvat", tmp_path / "out")

    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {xml_path}: <meta> <label> 'sign': color: must be #rrggbb, got {color!r}"
    ]


def test_a_group_id_on_a_lone_shape_reads_unbound_and_writes_back_the_same_group_id():
    # A key shared by a single label is no group (issue 18); the number is kept as a tag.
    image = ET.fromstring(
        '<image id="0" name="a.jpg" width="20" height="20">'
        '<box label="car" xtl="0" ytl="0" xbr="2" ybr="2" group_id="4"/>'
        '<box label="car" xtl="5" ytl="5" xbr="7" ybr="7" group_id="1"/>'
        '<box label="hat" xtl="6" ytl="5" xbr="7" ybr="6" group_id="1"/>'
        "</image>"
    )
    ann = cvat_image_to_annotation(image)
    key = group_key("group", "a.jpg", 1)
    assert [label.binding_key for label in ann.labels] == [None, key, key]
    written = annotation_to_cvat_image(ann, 0, "a.jpg", "default")
    assert [shape.get("group_id") for shape in written] == ["4", "1", "1"]
