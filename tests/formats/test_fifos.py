"""A file that a reader needs but that is no regular file (a FIFO would block a read forever) is
refused unopened, and the line says so instead of calling it missing (issue 11, kind 4)."""

from __future__ import annotations

import os

import pytest

from bound_projects import write_local_project
from sly_bindings.cli.main import USER_ERRORS, main
from sly_bindings.cli.runner import run


def replace_with_fifo(path):
    path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize(
    "source, find, hint",
    [
        ("coco", lambda out: next(out.rglob("*.json")), "pass a COCO instances JSON file"),
        ("cvat", lambda out: next(out.rglob("*.xml")), "export CVAT for images 1.1 there"),
        ("labelme", lambda out: next(out.rglob("*.png")), "and imageData is empty"),
        ("yolo", lambda out: next(out.rglob("*.txt")), "replace it"),
    ],
)
def test_a_fifo_where_a_reader_needs_a_file_is_named_as_such(tmp_path, capsys, source, find, hint):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    folder = tmp_path / source
    assert run(lambda: main(["convert", "supervisely", source, str(project), str(folder)])) == 0
    fifo = find(folder)
    replace_with_fifo(fifo)
    if source == "labelme":  # the image is embedded too: keep the reader on the FIFO
        for json_path in folder.rglob("*.json"):
            json_path.write_text(
                json_path.read_text().replace('"imageData": "', '"imageData": "" , "x": "')
            )
    capsys.readouterr()

    args = [
        "convert",
        source,
        "supervisely",
        str(folder if source != "coco" else fifo),
        str(tmp_path / "out"),
    ]
    code = run(lambda: main(args), USER_ERRORS)

    err = capsys.readouterr().err
    if source == "labelme":  # an image: left out unopened, as every reader leaves one out
        assert code == 0, err
        (line,) = [line for line in err.splitlines() if "is not a regular file" in line]
        assert str(fifo) in line and hint in line and line.endswith("the image is skipped")
        return
    assert code == 2, err
    assert err.count("\n") == 1 and "is not a regular file" in err and hint in err, err
    assert not (tmp_path / "out").exists()


def test_a_fifo_in_a_projects_ann_folder_is_named_before_the_sdk_reads(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    replace_with_fifo(project / "ds0" / "ann" / "bound.png.json")

    code = run(lambda: main(["validate", "--local", str(project)]), USER_ERRORS)

    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: {project / 'ds0' / 'ann' / 'bound.png.json'}: is not a regular file (a folder, "
        "FIFO, socket or device): replace it with the file it stands for\n"
    )
