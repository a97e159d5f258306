"""The quick ways through the path rules give what the whole rules give.

``outside_input_problem`` answers a plain relative name at a glance, and ``real_path`` resolves
a file that is no link from its folder's real path as the kernel gives it: both are asked once or twice per
image, and both must answer as the rule written out in full (``os.path.realpath``, and the
checks of a path one by one).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath, PureWindowsPath

from hypothesis import given, settings
from hypothesis import strategies as st

from sly_bindings.files.input_paths import NAME_MAX, outside_input_problem, real_path


def refused_in_full(path: str, folder: str) -> bool:
    """The path rule of ``files.input_paths`` (its module docstring), every check made."""
    text = path.replace("\\", "/")
    return (
        "\0" in path
        or any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in text.split("/"))
        or PurePosixPath(text).is_absolute()
        or bool(PureWindowsPath(path).anchor)
        or posixpath.normpath(posixpath.join(folder or ".", text)).split("/")[0] == ".."
    )


PATH_CHARACTERS = st.sampled_from(list("ab./\\:\0C é") + ["\U0001f600", "x" * 40])


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(PATH_CHARACTERS, max_size=30).map("".join),
    st.sampled_from(["", "labels", "a/b", "..", "a/..", "a/../.."]),
)
def test_a_path_is_refused_exactly_when_the_whole_rule_refuses_it(path, folder):
    assert (outside_input_problem(path, folder) is not None) == refused_in_full(path, folder)


def test_the_quick_way_still_refuses_what_a_glance_cannot_clear():
    assert outside_input_problem("C:a.png") is not None  # a drive, on Windows
    assert outside_input_problem("a/b:c.png") is None  # a colon inside a name is a name
    assert outside_input_problem("a/../../b.png", "") is not None
    assert outside_input_problem("\U0001f600" * 63) is None  # 252 bytes of UTF-8
    assert outside_input_problem("\U0001f600" * 64) is not None  # 256: no file system holds it
    assert outside_input_problem("b.png", "x/../..") is not None


@st.composite
def trees(draw):
    """A folder of files, folders and links (to files, folders, /proc, each other, nowhere),
    and a path into it of parts that may be links, ``.``, ``..`` or missing."""
    names = ["a", "b", "c", "d"]
    kinds = draw(
        st.lists(
            st.sampled_from(["file", "folder", "to_file", "to_folder", "to_proc", "dangling"]),
            min_size=4,
            max_size=4,
        )
    )
    parts = draw(st.lists(st.sampled_from(names + [".", "..", "missing"]), min_size=1, max_size=4))
    relative = draw(st.booleans())
    return list(zip(names, kinds)), parts, relative


@settings(max_examples=150, deadline=None)
@given(trees())
def test_real_path_is_realpath(tmp_path_factory, tree):
    entries, parts, relative = tree
    root = tmp_path_factory.mktemp("tree")
    (root / "target_folder").mkdir()
    (root / "target_folder" / "a").write_text("x")
    (root / "target_file").write_text("x")
    for name, kind in entries:
        path = root / name
        if kind == "file":
            path.write_text("x")
        elif kind == "folder":
            path.mkdir()
            for inner, _ in entries:
                (path / inner).write_text("x")
        else:
            targets = {
                "to_file": root / "target_file",
                "to_folder": root / "target_folder",
                "to_proc": Path("/proc/self"),
                "dangling": root / "nowhere",
            }
            path.symlink_to(targets[kind])
    asked = Path(*parts) if relative else root.joinpath(*parts)
    before = os.getcwd()
    os.chdir(root)
    try:
        assert real_path(asked) == os.path.realpath(asked)
        assert real_path(str(asked)) == os.path.realpath(asked)  # asked twice: remembered
    finally:
        os.chdir(before)
