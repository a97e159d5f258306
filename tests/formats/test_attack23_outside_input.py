"""Attack on issue 21's quick way through ``outside_input_problem``: over any text (every
Unicode character, lone surrogates, Windows drives and UNC names, ``..``, NUL, names about the
length where the quick way stops), it refuses exactly what d3051e6's whole rule refused, with
the same words."""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath, PureWindowsPath
from typing import Optional

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sly_bindings.files.input_paths import NAME_MAX, outside_input_problem


def old_outside_input_problem(path: str, folder: str = "") -> Optional[str]:
    """``outside_input_problem`` as d3051e6 had it."""
    if "\0" in path:
        return f"{path[:80]!r} holds a NUL character: give the file's real name"
    text = path.replace("\\", "/")
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in text.split("/")):
        return (
            f"{path[:80]!r}... has a name longer than {NAME_MAX} bytes, which no file system "
            "holds: give the file's real name"
        )
    if PurePosixPath(text).is_absolute() or PureWindowsPath(path).anchor:
        return f"{path[:80]!r} is an absolute path: give a path relative to the input folder"
    joined = posixpath.normpath(posixpath.join(folder.replace("\\", "/") or ".", text))
    if joined == ".." or joined.startswith("../"):
        return f"{path[:80]!r} climbs out of the input folder: give a path inside it"
    return None


PIECES = st.one_of(
    st.text(st.characters(blacklist_categories=()), max_size=8),
    st.sampled_from(
        ["..", ".", "/", "\\", "C:", "c:", "//srv/share/", "\\\\srv\\share\\", "\\\\?\\", "\0"]
    ),
    st.sampled_from(["\U0001f600" * 16, "é" * 40, "\udc80" * 30, "x" * 63, "x" * 64]),
)
FOLDERS = st.sampled_from(["", "labels", "a/b", "..", "a/..", "a/../..", "a\\..\\..", "/abs", "C:"])


@settings(max_examples=4000, deadline=None)
@given(st.lists(PIECES, max_size=6).map("".join), FOLDERS)
@example("\U0001f600" * 63, "")
@example("\udc80" * 63, "")
@example("a" * 63, "a/../..")
@example("C:x", "")
def test_attack23_quick_way_answers_as_the_whole_rule(path, folder):
    assert outside_input_problem(path, folder) == old_outside_input_problem(path, folder)
