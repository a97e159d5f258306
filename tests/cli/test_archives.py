"""A .zip export is read as it is, by every format and every project command
(``files.archives``), and a hostile archive is refused: one line naming the member, exit 2,
nothing written, nothing left in the temporary folder."""

from __future__ import annotations

import json
import shutil
import stat
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest

from bound_projects import write_local_project
from commands import sly_bindings_in_process
from sly_bindings.formats import registry


def read_formats() -> list:
    """The name of every format the registry reads on its own (not one read as another)."""
    names = []
    for record in registry.FORMATS:
        name = getattr(record, "name", record)
        if getattr(record, "reads", True) and not getattr(record, "read_as", None):
            names.append(name)
    return names


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """The temporary folder archives are unpacked in, checked empty after each test."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == [], "an unpacked archive was left behind"


def run(capsys, *args) -> tuple[int, str, str]:
    code = sly_bindings_in_process(*args)
    out, err = capsys.readouterr()
    return code, out, err


def zip_folder(folder: Path, archive: Path, top: str = "") -> Path:
    """``folder``'s files in ``archive``, at its top or inside the one folder ``top``."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            name = "/".join(filter(None, [top, path.relative_to(folder).as_posix()]))
            out.write(path, name + ("/" if path.is_dir() else ""))
    return archive


def export(tmp_path: Path, name: str) -> Path:
    """A small export in format ``name``, written by our own writer from a bound project."""
    project = write_local_project(tmp_path / "project")
    if name == "supervisely":
        return project
    out = tmp_path / f"export-{name}"
    assert sly_bindings_in_process("convert", "supervisely", name, project, out) == 0
    return out


def roboflow_coco(tmp_path: Path) -> Path:
    """A Roboflow COCO export as its zip holds it: a split folder of images beside
    ``_annotations.coco.json``, and its README files at the top."""
    folder = tmp_path / "roboflow"
    source = export(tmp_path, "coco")
    (folder / "train").mkdir(parents=True)
    data = json.loads(next((source / "annotations").glob("*.json")).read_text())
    for image in data["images"]:
        found = next(source.rglob(Path(image["file_name"]).name))
        shutil.copy(found, folder / "train" / Path(image["file_name"]).name)
        image["file_name"] = Path(image["file_name"]).name
    (folder / "train" / "_annotations.coco.json").write_text(json.dumps(data))
    (folder / "README.roboflow.txt").write_text("exported from roboflow.com\n")
    return folder


def target_of(name: str) -> str:
    return "cvat" if name == "labelme" else "labelme"


@pytest.mark.parametrize("top", ["", "export"], ids=["members at the top", "one top folder"])
@pytest.mark.parametrize("name", read_formats())
def test_every_format_reads_its_zip_as_its_folder(tmp_path, capsys, name, top):
    folder = export(tmp_path, name)
    archive = zip_folder(folder, tmp_path / "export.zip", top)
    capsys.readouterr()

    from_folder = run(capsys, "convert", name, target_of(name), folder, tmp_path / "a", "--json")
    from_zip = run(capsys, "convert", name, target_of(name), archive, tmp_path / "b", "--json")

    assert from_folder[0] == 0, from_folder[2]
    assert from_zip[0] == 0, from_zip[2]
    folder_summary, zip_summary = json.loads(from_folder[1]), json.loads(from_zip[1])
    assert zip_summary["read"] == folder_summary["read"]
    assert zip_summary["written"] == folder_summary["written"]
    assert zip_summary["in"] == str(archive)  # the archive is named, not where it was unpacked
    # Nothing unpacked beside the user's files: only what the runs wrote is new.
    assert {p.name for p in tmp_path.iterdir()} == {
        "project",
        folder.name,
        "export.zip",
        "a",
        "b",
        "system-tmp",
    }


def test_a_roboflow_zip_is_read_as_its_folder(tmp_path, capsys):
    folder = roboflow_coco(tmp_path)
    archive = zip_folder(folder, tmp_path / "roboflow.zip")
    capsys.readouterr()

    from_folder = run(capsys, "convert", "coco", "labelme", folder, tmp_path / "a", "--json")
    from_zip = run(capsys, "convert", "coco", "labelme", archive, tmp_path / "b", "--json")

    assert from_zip[0] == from_folder[0]
    if from_folder[0] == 0:
        assert json.loads(from_zip[1])["read"] == json.loads(from_folder[1])["read"]
    else:  # the same refusal, naming the archive where it named the folder
        assert from_zip[2].replace(str(archive), "IN") == from_folder[2].replace(str(folder), "IN")


@pytest.mark.parametrize(
    "args",
    [
        ["report"],
        ["validate"],
        ["discard", "--dry-run"],
        ["auto-bind", "--max-gap", "0", "--dry-run"],
    ],
    ids=["report", "validate", "discard", "auto-bind"],
)
def test_every_project_command_reads_a_zipped_project(tmp_path, capsys, args):
    project = write_local_project(tmp_path / "project")
    archive = zip_folder(project, tmp_path / "project.zip", "project")
    capsys.readouterr()

    from_folder = run(capsys, args[0], project, *args[1:], "--json")
    from_zip = run(capsys, args[0], archive, *args[1:], "--json")

    assert from_folder[0] in (0, 1)
    assert from_zip == from_folder


@pytest.mark.parametrize("command", ["discard", "auto-bind"])
def test_a_zipped_project_is_not_changed(tmp_path, capsys, command):
    archive = zip_folder(write_local_project(tmp_path / "project"), tmp_path / "p.zip")
    before = archive.read_bytes()
    options = ["--max-gap", "0"] if command == "auto-bind" else []

    code, out, err = run(capsys, command, archive, *options)

    assert (code, out) == (2, "") and "is a .zip, which is read, not changed" in err
    assert archive.read_bytes() == before


# Hostile archives. Each: a function that writes the archive, the member the line must name,
# and what it must say; and environment variables that lower a limit, if any.


def member(archive: zipfile.ZipFile, name: str, data: bytes = b"{}", mode: int = 0) -> None:
    info = zipfile.ZipInfo(name)
    if mode:
        info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build(*members: tuple):
    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            for args in members:
                member(archive, *args)

    return write


def lying_size(path: Path) -> None:
    """A member whose central directory declares 100 bytes for 200,000."""
    build(("a.json", b"0" * 200_000))(path)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = struct.pack("<I", 100)
    path.write_bytes(bytes(data))


def encrypted(path: Path) -> None:
    """A member flagged encrypted (bit 0 of its flags, in both headers), as a password zip."""
    build(("secret.json",))(path)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x1
    path.write_bytes(bytes(data))


HOSTILE = {
    "../ climbs out": (build(("../evil.json",)), "../evil.json", "leads out of the archive", {}),
    "a/../../ climbs out": (
        build(("a/../../evil.json",)),
        "a/../../evil.json",
        "leads out of the archive",
        {},
    ),
    "absolute": (build(("/tmp/evil.json",)), "/tmp/evil.json", "leads out of the archive", {}),
    "backslashes climb out": (
        build(("..\\evil.json",)),
        "..\\evil.json",
        "leads out of the archive",
        {},
    ),
    "a drive": (build(("C:/evil.json",)), "C:/evil.json", "leads out of the archive", {}),
    "a symlink": (
        build(("ds0/a.json", b"/etc/passwd", stat.S_IFLNK | 0o777)),
        "ds0/a.json",
        "is a link",
        {},
    ),
    "a FIFO": (build(("ds0/a.json", b"", stat.S_IFIFO | 0o644)), "ds0/a.json", "not a file", {}),
    "encrypted": (encrypted, "secret.json", "is encrypted", {}),
    "a member twice": (build(("a.json",), ("a.json",)), "a.json", "twice", {}),
    "a file and a folder": (build(("a",), ("a/b.json",)), "a", "both a file and a folder", {}),
    "too many members": (
        build(*[(f"{n}.json",) for n in range(6)]),
        "5.json",
        "more than the 5 read",
        {"SLY_BINDINGS_ZIP_MAX_MEMBERS": "5"},
    ),
    "a member past the size limit": (
        build(("big.json", b"x" * 5000)),
        "big.json",
        "expands past the limit",
        {"SLY_BINDINGS_ZIP_MAX_MEMBER_BYTES": "4096"},
    ),
    "members past the total": (
        build(("a.json", b"x" * 3000), ("b.json", b"y" * 3000)),
        "b.json",
        "expands past the limit",
        {"SLY_BINDINGS_ZIP_MAX_BYTES": "5000"},
    ),
    "a compression bomb (ratio)": (
        build(("bomb.json", b"\0" * (4 * 2**20))),
        "bomb.json",
        "200 times its compressed size",
        {},
    ),
    "a size that lies": (lying_size, "a.json", "cannot be read", {}),
    "no zip at all": (lambda path: path.write_text("not a zip"), "", "not a readable zip", {}),
}


@pytest.mark.parametrize("command", ["convert", "report"])
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_archive_is_refused_in_one_line(tmp_path, capsys, monkeypatch, case, command):
    write, name, says, environment = HOSTILE[case]
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    archive = tmp_path / "export.zip"
    write(archive)
    out_dir = tmp_path / "out"
    args = (
        ["convert", "labelme", "cvat", archive, out_dir]
        if command == "convert"
        else [
            "report",
            archive,
        ]
    )

    code, out, err = run(capsys, *args)

    assert (code, out) == (2, "")
    assert err.startswith(f"error: {archive}: ") and err.count("\n") == 1, err
    assert says in err and repr(name)[1:-1] in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.zip", "system-tmp"]
