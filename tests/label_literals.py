"""Labels written as literals for the helper tests: masks as rows of 0/1, points as (row, col)."""

from __future__ import annotations

import numpy as np
import supervisely as sly

CAR = sly.ObjClass("car", sly.Bitmap, color=[255, 0, 255])
PERSON = sly.ObjClass("person", sly.Polygon, color=[0, 128, 0])


def bitmap(rows, top=0, left=0, obj_class=CAR, key=None) -> sly.Label:
    """A Bitmap label from a literal mask whose pixel (0, 0) sits at image pixel (top, left)."""
    geometry = sly.Bitmap(np.array(rows, dtype=bool), origin=sly.PointLocation(top, left))
    return sly.Label(geometry, obj_class, binding_key=key)


def polygon(points, obj_class=PERSON, key=None, holes=()) -> sly.Label:
    """A Polygon label from (row, col) points."""
    exterior = [sly.PointLocation(row, col) for row, col in points]
    interior = [[sly.PointLocation(row, col) for row, col in hole] for hole in holes]
    return sly.Label(sly.Polygon(exterior, interior), obj_class, binding_key=key)


def keypoint_class(name, point_names, edges=()) -> sly.ObjClass:
    """A GraphNodes class whose template has these points (named) and edges (pairs of names)."""
    from supervisely.geometry.graph import KeypointsTemplate

    template = KeypointsTemplate()
    for point_name in point_names:
        template.add_point(label=point_name, row=0, col=0)
    for src, dst in edges:
        template.add_edge(src=src, dst=dst)
    return sly.ObjClass(name, sly.GraphNodes, geometry_config=template)


def keypoints(points, obj_class, key=None) -> sly.Label:
    """A GraphNodes label: ``points`` maps each template point name to its (row, col)."""
    from supervisely.geometry.graph import Node

    nodes = {name: Node(sly.PointLocation(row, col)) for name, (row, col) in points.items()}
    return sly.Label(sly.GraphNodes(nodes), obj_class, binding_key=key)
