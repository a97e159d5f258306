"""One line, exit 2 — every time (issue 22, kinds 7, 9 and 11): hostile files, options and
limits end in one ``error:`` line naming the file (or the option) and the fix, never
``unexpected ...`` or a traceback; a project-scale run leaves the bad file out and goes on; an
output that is an input is refused; a file of /proc, /sys or /dev is refused by name."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from commands import MAIN, REPO_DIR, convert_in_process, sly_bindings_in_process
from format_samples import DEMO_IMAGE, DEMO_MASKS, make_sample_project
from registry_tables import SOURCES, TARGETS

PROJECT_COMMANDS = [["report"], ["validate"], ["auto-bind", "--max-gap", "2"]]


def errors(stderr: str) -> list:
    return [line for line in stderr.splitlines() if line and not line.startswith("warning: ")]


def one_line(code: int, stderr: str) -> bool:
    lines = errors(stderr)
    return (
        code == 2
        and len(lines) == 1
        and lines[0].startswith("error: ")
        and "unexpected" not in stderr
        and "Traceback" not in stderr
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample_project(tmp_path_factory.mktemp("sample") / "project")


def with_first_object(project: Path, folder: Path, edit) -> Path:
    """A copy of ``project`` whose first annotation's text is ``edit(text)``."""
    shutil.copytree(project, folder)
    path = sorted(folder.rglob("ann/*.json"))[0]
    path.write_text(edit(path.read_text()))
    return folder


def infinite(value: str):
    def edit(text: str) -> str:
        ann = json.loads(text)
        obj = ann["objects"][0]
        geometry = obj.get("points") or obj.get("bitmap")
        if "exterior" in geometry:
            geometry["exterior"][0] = ["X", 0]
        else:
            geometry["origin"] = ["X", 0]
        return json.dumps(ann).replace('"X"', value, 1)

    return edit


def string_size(text: str) -> str:
    ann = json.loads(text)
    ann["size"]["height"] = str(ann["size"]["height"])
    return json.dumps(ann)


BAD_ANNOTATIONS = {
    "Infinity in a point": infinite("Infinity"),
    "1e400 in a point": infinite("1e400"),
    "-Infinity in a point": infinite("-Infinity"),
    "a string size": string_size,
}


@pytest.mark.parametrize("command", PROJECT_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("bad", BAD_ANNOTATIONS)
def test_a_project_command_leaves_a_bad_file_out_and_goes_on(sample, tmp_path, capfd, command, bad):
    project = with_first_object(sample, tmp_path / "p", BAD_ANNOTATIONS[bad])
    capfd.readouterr()

    code = sly_bindings_in_process(command[0], project, *command[1:])

    stderr = capfd.readouterr().err
    assert "unexpected" not in stderr and "Traceback" not in stderr, stderr
    # validate exits 1 for problems found; the others 2 when an image was left out.
    assert code in (1, 2), stderr
    assert "left out" in stderr and "the rest is done" in stderr, stderr


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("bad", BAD_ANNOTATIONS)
def test_convert_of_a_bad_annotation_is_a_warning_or_one_line(sample, tmp_path, capfd, target, bad):
    project = with_first_object(sample, tmp_path / "p", BAD_ANNOTATIONS[bad])
    capfd.readouterr()

    code = convert_in_process("supervisely", target, project, tmp_path / "out")

    stderr = capfd.readouterr().err
    assert code == 0 and "skipped" in stderr or one_line(code, stderr), stderr
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


@pytest.mark.parametrize("gap", ["1e308", "1e400", "-1", "nan", "inf", "2000000"])
def test_a_max_gap_out_of_range_is_one_line(sample, capfd, gap):
    code = sly_bindings_in_process("auto-bind", sample, "--max-gap", gap, "--dry-run")
    stderr = capfd.readouterr().err
    assert one_line(code, stderr), stderr
    assert "--max-gap" in stderr


def nested_yaml(folder: Path) -> None:
    (folder / "data.yaml").write_text("names: " + "[" * 50000 + "]" * 50000 + "\n")


def test_a_deeply_nested_data_yaml_names_the_file(sample, tmp_path, capfd):
    assert convert_in_process("supervisely", "yolo", sample, tmp_path / "yolo") == 0
    nested_yaml(tmp_path / "yolo")
    capfd.readouterr()

    code = convert_in_process("yolo", "supervisely", tmp_path / "yolo", tmp_path / "out")

    stderr = capfd.readouterr().err
    assert one_line(code, stderr), stderr
    assert "data.yaml" in stderr and "nested too deep" in stderr


def run_limited(args: list, file_size: int, cwd: Path) -> subprocess.CompletedProcess:
    """``sly-bindings ARGS`` with ``ulimit -f`` at ``file_size`` bytes (a process: a limit)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run(
        [sys.executable, "-m", "sly_bindings", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        preexec_fn=limit,
        timeout=300,
    )


@pytest.mark.parametrize("target", ["coco", "cvat", "labelme"])
def test_a_file_over_ulimit_f_is_one_line_naming_out_and_leaves_nothing(sample, tmp_path, target):
    result = run_limited(
        ["convert", "supervisely", target, sample, tmp_path / "out"], 20000, tmp_path
    )

    assert one_line(result.returncode, result.stderr), result.stderr
    assert "ulimit -f" in result.stderr and str(tmp_path / "out") in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["coco", "labelme"])
def test_a_name_too_long_is_one_line(sample, tmp_path, capfd, target):
    code = convert_in_process("supervisely", target, sample, tmp_path / ("a" * 300) / "out")
    stderr = capfd.readouterr().err
    assert one_line(code, stderr), stderr
    assert "too long" in stderr


@pytest.mark.parametrize("failure", [MemoryError, RecursionError])
def test_memory_and_recursion_errors_are_one_line_and_leave_no_staging(
    sample, tmp_path, capfd, monkeypatch, failure
):
    from sly_bindings.formats import registry

    real = registry.Format.write_items

    def write_then_fail(self, items, out, options):
        real(self, items, out, options)
        raise failure()

    monkeypatch.setattr(registry.Format, "write_items", write_then_fail)
    code = convert_in_process("supervisely", "coco", sample, tmp_path / "out")

    stderr = capfd.readouterr().err
    assert one_line(code, stderr), stderr
    assert list(tmp_path.iterdir()) == []


# --- Inputs are never outputs (kind 9) ---------------------------------------------------------


def main_py(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MAIN), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "SERVER_ADDRESS": "", "API_TOKEN": ""},
    )


def as_link(kind: str, source: Path, at: Path) -> Path:
    if kind == "symlink":
        at.symlink_to(source)
    elif kind == "hard link":
        os.link(source, at)
    else:
        return source
    return at


@pytest.mark.parametrize("link", ["itself", "symlink", "hard link"])
@pytest.mark.parametrize("which", ["--image", "first --masks", "last --masks"])
def test_main_py_preview_that_is_an_input_is_refused(tmp_path, which, link):
    image = Path(shutil.copy(DEMO_IMAGE, tmp_path / "photo.jpg"))
    masks = [Path(shutil.copy(mask, tmp_path / mask.name)) for mask in DEMO_MASKS]
    named = {"--image": image, "first --masks": masks[0], "last --masks": masks[-1]}[which]
    before = named.read_bytes()
    # The extension --preview needs: the link is named .png, the input stays what it is.
    preview = as_link(link, named, tmp_path / "preview.png")
    if link == "itself" and preview.suffix != ".png":
        pytest.skip("--preview must end in .png: the image itself is a .jpg")

    result = main_py(
        "--local",
        str(tmp_path / "out"),
        "--image",
        str(image),
        "--masks",
        *map(str, masks),
        "--preview",
        str(preview),
        cwd=tmp_path,
    )

    assert one_line(result.returncode, result.stderr), result.stderr
    assert "would replace the input" in result.stderr
    assert named.read_bytes() == before
    assert not (tmp_path / "out").exists()


# --- Files under /proc, /sys, /dev (kind 11) ---------------------------------------------------


SYSTEM_FILES = [
    "/proc/self/status",
    "/proc/kmsg",
    "/sys/kernel/mm/transparent_hugepage/enabled",
    "/dev/zero",
]


def link_in(folder: Path, pattern: str, target: str) -> Path:
    """Replace the first file of ``folder`` matching ``pattern`` with a link to ``target``."""
    path = sorted(folder.rglob(pattern))[0]
    path.unlink()
    path.symlink_to(target)
    return path


# (format, the file of its folder that becomes the link)
LINKED = {
    "supervisely": "ann/*.json",
    "supervisely image": "img/*.png",
    "coco": "*.json",
    "cvat": "annotations.xml",
    "labelme": "*.json",
    "yolo": "*.txt",
    "labelstudio": "tasks.json",
}


@pytest.mark.parametrize("system_file", SYSTEM_FILES)
@pytest.mark.parametrize("case", LINKED)
def test_a_link_to_a_system_file_is_refused_by_name(sample, tmp_path, capfd, case, system_file):
    source = case.split()[0]
    if source not in SOURCES:
        pytest.skip(f"{source} is not read")
    folder = tmp_path / "in"
    if source == "supervisely":
        shutil.copytree(sample, folder)
    else:
        assert convert_in_process("supervisely", source, sample, folder) == 0
    link_in(folder, LINKED[case], system_file)
    capfd.readouterr()

    code = convert_in_process(
        source, "coco" if source != "coco" else "labelme", folder, tmp_path / "out"
    )

    stderr = capfd.readouterr().err
    assert "unexpected" not in stderr and "Traceback" not in stderr, stderr
    # Refused by name: one error line, or the record/item left out with a warning that says so.
    assert system_file.split("/")[1] in stderr, stderr
    assert code == 2 and len(errors(stderr)) == 1 or code == 0, stderr
