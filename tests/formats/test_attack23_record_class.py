"""Attacks on issue 21's ``records.record`` (a class's context manager where it was a
``@contextmanager`` generator): every way out of the block gives what d3051e6 gave, written
out here as it was: the labels kept, the warnings (text, category, kind, and the reader's line
they are said at), and what goes on up."""

from __future__ import annotations

import contextlib
import warnings

import pytest
import supervisely as sly

from sly_bindings.formats import records
from sly_bindings.formats.items import FormatWarning

CAR = sly.ObjClass("car", sly.AnyGeometry)


@contextlib.contextmanager
def old_record(into, where, warning, image_size=None, what="record", image=None):
    """``records.record`` as d3051e6 had it."""
    found = []
    try:
        yield found
    except records.RECORD_ERRORS as error:
        records._warn(
            warning,
            records.skipped_message(where, error, what, image),
            records.skipped_kind(error, what),
        )
        return
    extents = [
        records._extent_or_none(label) if isinstance(label, sly.Label) else None for label in found
    ]
    if any(
        records._far(extent)
        for extent, label in zip(extents, found)
        if isinstance(label, sly.Label)
    ):
        reason = ValueError(f"a point lies further than {records.MAX_COORDINATE} pixels from 0")
        records._warn(
            warning,
            records.skipped_message(where, reason, what, image),
            records.skipped_kind(reason, what),
        )
        return
    if (
        image_size is not None
        and found
        and all(
            (
                records._outside(extent, image_size)
                if extent is not None
                else records.wholly_outside(label, image_size)
            )
            for extent, label in zip(extents, found)
        )
    ):
        height, width = image_size
        reason = ValueError(f"lies wholly outside the {width}x{height} (width x height) image")
        records._warn(
            warning,
            records.skipped_message(where, reason, what, image),
            records.skipped_kind(reason, what),
        )
        return
    into.extend(found)


def label(top, left, bottom, right):
    return sly.Label(sly.Rectangle(top, left, bottom, right), CAR)


ON = label(1, 1, 3, 3)
OUTSIDE = label(100, 100, 120, 120)
FAR = sly.Label(sly.Rectangle(0, 0, 2**21, 3), CAR)

# What the block does: each a list of labels appended, then how it leaves.
BLOCKS = {
    "kept": ([ON], None),
    "kept and one outside": ([ON, OUTSIDE], None),
    "wholly outside": ([OUTSIDE], None),
    "too far": ([ON, FAR], None),
    "not labels": (["a text", 7], None),
    "a not-label and one outside": (["a text", OUTSIDE], None),
    "nothing": ([], None),
    "ValueError": ([ON], ValueError("bad points")),
    "KeyError": ([ON], KeyError("points")),
    "OverflowError": ([ON], OverflowError("1e300")),
    "RuntimeError": ([ON], RuntimeError("odd")),
    "StopIteration": ([ON], StopIteration()),
    "KeyboardInterrupt": ([ON], KeyboardInterrupt()),
    "OSError": ([ON], OSError("disk")),
    "GeneratorExit": ([ON], GeneratorExit()),
    "SystemExit": ([ON], SystemExit(3)),
}


def read(manager, appended, raised, image_size, continued):
    """A reader's loop over one record: what it keeps, warns, and what goes on up."""
    into = []
    outcome = None
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            for _ in range(1):
                with manager(into, "a.json: shapes[0]", FormatWarning, image_size, "shape", "a.png") as found:  # fmt: skip
                    found.extend(appended)
                    if continued:
                        continue
                    if raised is not None:
                        raise raised
        except BaseException as error:  # noqa: B902 - compared, not handled
            outcome = (type(error), str(error))
    return (
        [id(one) for one in into],
        [(str(w.message), w.category, getattr(w.message, "kind", None), w.lineno) for w in said],
        outcome,
    )


@pytest.mark.parametrize("continued", [False, True])
@pytest.mark.parametrize("image_size", [None, (20, 30)])
@pytest.mark.parametrize("block", list(BLOCKS))
def test_attack23_record_leaves_as_d3051e6s_did(block, image_size, continued):
    appended, raised = BLOCKS[block]
    old = read(old_record, appended, raised, image_size, continued)
    new = read(records.record, appended, raised, image_size, continued)
    assert new == old


def test_attack23_records_nested():
    outer_kept, inner_kept = [], []
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        with records.record(outer_kept, "a.json: shapes", FormatWarning) as outer:
            outer.append(ON)
            with records.record(inner_kept, "a.json: shapes[1]", FormatWarning) as inner:
                inner.append(ON)
                raise KeyError("points")
    assert (len(outer_kept), len(inner_kept), len(said)) == (1, 0, 1)
