"""Attacks on ``input_paths.real_path`` (issue 21's remembered folders): it must answer as
``os.path.realpath`` answers at the moment it is asked, in a process that lives on while the
folders change, and wherever the process stands (a working folder removed under it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import convert_in_process
from format_samples import make_sample_project
from registry_tables import FILE_FORMATS
from sly_bindings.files.input_paths import real_path, system_file_problem

# What a folder of the tree becomes between two questions: a link to /proc/self, a link to
# another folder, a folder again, or moved away with a link to it left at its name.
CHANGES = ["to_proc", "to_other", "to_folder", "moved_and_linked"]


def change(place: Path, how: str, other: Path) -> None:
    """Make ``place`` (a folder, or a link to one) into what ``how`` names."""
    moved = place.with_name(place.name + "_moved")
    if place.is_symlink():
        place.unlink()
    elif place.exists():
        if how == "moved_and_linked":
            shutil.rmtree(moved, ignore_errors=True)
            place.rename(moved)
        else:
            shutil.rmtree(place)
    if how == "to_proc":
        place.symlink_to("/proc/self")
    elif how == "to_other":
        place.symlink_to(other)
    elif how == "to_folder":
        place.mkdir()
        (place / "status").write_text("x")
    else:
        if not moved.exists():
            moved.mkdir()
            (moved / "status").write_text("x")
        place.symlink_to(moved.name)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["sub", "sub/inner"]), st.sampled_from(CHANGES)), max_size=4
    ),
    st.booleans(),
)
def test_attack23_a_folder_changed_between_two_questions(tmp_path_factory, changes, relative):
    root = tmp_path_factory.mktemp("swap")
    (root / "other").mkdir()
    (root / "other" / "status").write_text("x")
    (root / "other" / "inner").mkdir()
    (root / "other" / "inner" / "status").write_text("x")
    (root / "sub" / "inner").mkdir(parents=True)
    (root / "sub" / "status").write_text("x")
    (root / "sub" / "inner" / "status").write_text("x")
    before = os.getcwd()
    os.chdir(root)
    try:
        asked = [Path("sub/status"), Path("sub/inner/status")]
        asked = asked if relative else [root / one for one in asked]
        for where, how in [(None, None), *changes]:
            if where is not None:
                if where == "sub/inner" and (root / "sub").is_symlink():
                    continue
                change(root / where, how, root / "other")
            for path in asked:
                assert real_path(path) == os.path.realpath(path), (where, how, path)
                assert system_file_problem(path) == _old_problem(path), (where, how, path)
    finally:
        os.chdir(before)


def _old_problem(path: Path):
    """``system_file_problem`` as d3051e6 had it: ``os.path.realpath`` whole."""
    real = os.path.realpath(path)
    for folder in ("/proc", "/sys", "/dev"):
        if real == folder or real.startswith(folder + "/"):
            shown = "is" if real == os.path.abspath(path) else "links to"
            return f"{shown} {real}, a file the system makes as it is read (its read may never end)"
    return None


def test_attack23_a_proc_file_through_a_folder_that_became_a_link(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "status").write_text("x")
    asked = tmp_path / "images" / "status"
    assert system_file_problem(asked) is None
    shutil.rmtree(tmp_path / "images")
    (tmp_path / "images").symlink_to("/proc/self")
    assert system_file_problem(asked) == _old_problem(asked) is not None


@pytest.fixture
def in_a_removed_folder(tmp_path, monkeypatch):
    """The process stands in a folder removed under it (a shell left in a deleted folder):
    ``os.getcwd()`` fails; an absolute path resolves as ever."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    yield


def test_attack23_an_absolute_path_from_a_removed_working_folder(tmp_path, in_a_removed_folder):
    path = tmp_path / "a.json"
    path.write_text("{}")
    assert real_path(path) == os.path.realpath(path)
    assert system_file_problem(path) is None


def sample_in(tmp_path: Path, format_name: str) -> Path:
    """The sample project written in ``format_name``: an IN of that format."""
    project = make_sample_project(tmp_path / "project")
    source = tmp_path / format_name
    assert convert_in_process("supervisely", format_name, project, source) == 0
    return source


@pytest.mark.parametrize("format_name", FILE_FORMATS)
def test_attack23_convert_from_every_format_from_a_removed_working_folder(
    tmp_path, format_name, capsys, monkeypatch
):
    source = sample_in(tmp_path, format_name)
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    capsys.readouterr()

    code = convert_in_process(format_name, "supervisely", source, tmp_path / "back")

    assert code == 0, capsys.readouterr().err


@pytest.fixture
def dev_shm(tmp_path):
    """A folder of its own under /dev/shm (a tmpfs under /dev: regular files that the /dev rule
    refuses), removed at the end."""
    if not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK):
        pytest.skip("no /dev/shm to write to")
    folder = Path("/dev/shm") / f"attack23-{os.getpid()}-{tmp_path.name}"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("format_name", FILE_FORMATS)
def test_attack23_in_moved_under_dev_between_two_runs_of_one_process(
    tmp_path, format_name, capsys, dev_shm
):
    source = sample_in(tmp_path, format_name)
    assert convert_in_process(format_name, "supervisely", source, tmp_path / "first") == 0
    capsys.readouterr()
    shutil.move(str(source), str(dev_shm / format_name))
    source.symlink_to(dev_shm / format_name)

    code = convert_in_process(format_name, "supervisely", source, tmp_path / "second")

    err = capsys.readouterr().err
    assert code == 2, err
    assert f"links to {dev_shm}" in err, err
