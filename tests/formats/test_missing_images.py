"""A missing image is one image left out, in every format read: one warning naming its file,
the rest of the input read and written (``formats.records.image_skipped``). An input none of
whose images is there: tests/formats/test_bad_records.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands import convert_in_process
from format_samples import make_sample_project
from registry_tables import SOURCES

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict:
    """The sample project, and the sample in every other format that is read."""
    folder = tmp_path_factory.mktemp("missing_images")
    project = make_sample_project(folder / "supervisely")
    made = {"supervisely": project}
    for source in SOURCES:
        if source != "supervisely":
            assert convert_in_process("supervisely", source, project, folder / source) == 0
            made[source] = folder / source
    return made


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp_path / folder.name))


def image_files(folder: Path) -> list:
    return sorted(path for path in folder.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)


def images_counted(err: str, step: str = "Read") -> int:
    line = next(line for line in err.splitlines() if line.startswith(f"{step} "))
    return int(line.split(": ", 1)[1].split(" image")[0])


def target(source: str) -> str:
    return "coco" if source == "supervisely" else "supervisely"


@pytest.mark.parametrize("source", SOURCES)
def test_one_missing_image_is_left_out_with_a_warning_and_the_rest_read(
    sources, tmp_path, capsys, source
):
    folder = copy_of(sources[source], tmp_path)
    images = image_files(folder)
    assert convert_in_process(source, target(source), folder, tmp_path / "all") == 0
    every = images_counted(capsys.readouterr().out)
    missing = images[len(images) // 2]
    missing.unlink()

    assert convert_in_process(source, target(source), folder, tmp_path / "out") == 0

    out, err = capsys.readouterr()
    assert images_counted(out) == images_counted(out, "Written") == every - 1
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert [line for line in warned if missing.stem in line], err
