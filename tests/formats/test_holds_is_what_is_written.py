"""``Format.holds`` says what a target keeps, and the docs (formats.md's record example, the
shared test tables) take it at its word: a line or a point written through every target comes
back exactly when its record says the target holds polylines or points."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import supervisely as sly

from registry_tables import TARGETS, read, write
from sly_bindings.formats.items import FormatItem
from sly_bindings.formats.registry import POINTS, POLYLINES, find

HEIGHT, WIDTH = 40, 60


@pytest.mark.parametrize("format_name", TARGETS)
def test_a_line_and_a_point_come_back_where_the_record_says_they_are_held(tmp_path, format_name):
    image = tmp_path / "a.png"
    sly.image.write(str(image), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    box, rope, dot = (
        sly.ObjClass("box", sly.Rectangle),
        sly.ObjClass("rope", sly.Polyline),
        sly.ObjClass("dot", sly.Point),
    )
    ann = sly.Annotation(
        (HEIGHT, WIDTH),
        labels=[
            sly.Label(sly.Rectangle(5, 5, 20, 30), box),
            sly.Label(sly.Polyline([sly.PointLocation(2, 2), sly.PointLocation(30, 50)]), rope),
            sly.Label(sly.Point(10, 40), dot),
        ],
    )
    out = tmp_path / "out"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what is not held is named in a warning, tested apart
        write(format_name, [FormatItem(("train",), "a.png", image, ann, "a.png")], out, ())
        read_back = read(format_name, out)

    kinds = {type(label.geometry) for item in read_back for label in item.ann.labels}
    holds = find(format_name).holds
    assert (sly.Polyline in kinds, sly.Point in kinds) == (POLYLINES in holds, POINTS in holds)
