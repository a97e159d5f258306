"""Issue 22, "smaller, same spirit", by kind, over every format of the registry:

- D: a link to a folder inside IN is said, with what the reader does (followed or not), in
  every format that walks folders (``files.input_paths.say_linked_folders``, from
  ``Format.read_items`` and ``open_project``); a label file without its image is said in every
  format that pairs files; a key twice in a JSON object is said by every command that reads
  JSON (``project_folder.read_json``);
- F: every mask encoded in a file is sized by the one rule (``files.images.check_mask_fits``)
  before it is decoded.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import warnings
from pathlib import Path

import pytest

from bound_projects import write_local_project
from commands import convert_in_process, sly_bindings_captured
from format_samples import make_sample_project
from registry_tables import SOURCES, read
from sly_bindings.files import images
from sly_bindings.formats.registry import MASKS, find

LINKED = "dataset-02"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("formats")
    project = make_sample_project(folder / "supervisely")
    found = {"supervisely": project}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for name in SOURCES:
            if name != "supervisely":
                assert convert_in_process("supervisely", name, project, folder / name) == 0
                found[name] = folder / name
    return found


def read_warned(name: str, source: Path) -> tuple[list, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = read(name, source)
    return items, [str(warning.message) for warning in caught]


# --- D: links to folders ---------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_a_linked_dataset_folder_is_said_with_what_is_done(written, source, tmp_path):
    """Every folder named dataset-02 in IN (a LabelMe or Supervisely dataset, a YOLO, COCO,
    CVAT or Label Studio images/labels folder) moved out of IN and linked back."""
    folder = tmp_path / "in"
    shutil.copytree(written[source], folder)
    linked = [path for path in sorted(folder.rglob(LINKED)) if path.is_dir()]
    assert linked, f"{source} has no {LINKED} folder"
    for number, path in enumerate(linked):
        outside = tmp_path / f"elsewhere-{number}"
        shutil.move(path, outside)
        path.symlink_to(outside, target_is_directory=True)
    everything, _ = read_warned(source, written[source])

    items, said = read_warned(source, folder)

    about = [message for message in said if "a link to a folder" in message]
    assert len(about) == 1, said
    assert str(linked[0]) in about[0]
    if find(source).follows_folder_links:
        assert "followed: its files are read" in about[0]
        assert len(items) == len(everything)
    else:
        assert "not followed, so its files are left out" in about[0]
        assert len(items) < len(everything)


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{IN}"],
        ["validate", "{IN}"],
        ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"],
    ],
    ids=lambda argv: argv[0],
)
def test_project_commands_say_a_linked_dataset_folder(argv, tmp_path):
    project = write_local_project(tmp_path / "in", datasets=["ds0"])
    shutil.move(project / "ds0", tmp_path / "elsewhere")
    (project / "ds0").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    result = sly_bindings_captured(*[arg.replace("{IN}", str(project)) for arg in argv])

    assert result.returncode in (0, 1), result.stderr
    assert result.stderr.count("a link to a folder, followed") == 1, result.stderr


# --- D: label files without their image ------------------------------------------------------

# Where a format keeps one label file per image, and what it says of one without its image.
LABEL_FILES = {
    "supervisely": ("dataset-01/ann/image.jpg.json", "dataset-01/ann/gone.jpg.json"),
    "yolo": ("labels/dataset-01/image.txt", "labels/dataset-01/gone.txt"),
    "labelme": ("dataset-01/image.json", "dataset-01/gone.json"),
}


@pytest.mark.parametrize("source", LABEL_FILES)
def test_a_label_file_without_its_image_is_said(written, source, tmp_path, capfd):
    folder = tmp_path / "in"
    shutil.copytree(written[source], folder)
    label, orphan = LABEL_FILES[source]
    text = (folder / label).read_text().replace("image.jpg", "gone.jpg")
    (folder / orphan).write_text(text)
    capfd.readouterr()

    code = convert_in_process(source, "coco", folder, tmp_path / "out")

    err = capfd.readouterr().err
    assert code == 0, err
    (line,) = [line for line in err.splitlines() if Path(orphan).name in line]
    # left out, said: a file whose image is not there (YOLO, Supervisely), or one image a
    # file names (LabelMe's imagePath), as every reader leaves a missing image out
    assert ("without its image" in line and "left out" in line) or (
        "does not exist" in line and line.endswith("the image is skipped")
    ), err


# --- D: a key twice in a JSON object, read by the project commands ----------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "{IN}"],
        ["validate", "{IN}"],
        ["discard", "{IN}", "--dry-run"],
        ["auto-bind", "{IN}", "--max-gap", "2", "--dry-run"],
        ["convert", "supervisely", "coco", "{IN}", "{OUT}"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_key_twice_is_said_by_every_command_reading_the_project(argv, tmp_path):
    project = write_local_project(tmp_path / "in", datasets=["ds0"])
    path = sorted((project / "ds0" / "ann").glob("*.json"))[0]
    text = path.read_text()
    path.write_text('{"description": "first", ' + text[text.index("{") + 1 :])

    args = [a.replace("{IN}", str(project)).replace("{OUT}", str(tmp_path / "o")) for a in argv]
    result = sly_bindings_captured(*args)

    assert result.returncode in (0, 1), result.stderr
    said = [line for line in result.stderr.splitlines() if "appears twice" in line]
    assert len(said) == 1, result.stderr
    assert path.name in said[0] and "'description'" in said[0] and "the last value" in said[0]


# --- F: the one mask size rule -----------------------------------------------------------------


@pytest.mark.parametrize("source", [name for name in SOURCES if MASKS in find(name).holds])
def test_every_encoded_mask_is_sized_by_the_one_rule(written, source, monkeypatch):
    """With the rule's limit at 16 pixels, every mask of the sample (a Supervisely bitmap, a
    LabelMe mask, a CVAT <mask>, a COCO RLE, a Label Studio brush) is refused by the rule's
    own words, before it is decoded: the reader's other masks and shapes are read."""
    monkeypatch.setattr(images, "MAX_MASK_PIXELS", 16)

    items, said = read_warned(source, written[source])

    by_the_rule = [message for message in said if "mask, over 16 pixels" in message]
    assert by_the_rule, said
    assert len(items) == 2  # each refused mask is a record left out, said; the images stay
