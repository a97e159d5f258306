"""``sly-bindings preview DIR OUT``: a picture per image, drawn by ``groups.preview``, and one
index.html with each image's problems from validate, that needs no server and no network."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bound_projects import write_local_project
from commands import sly_bindings_in_process


def run(capsys, *args) -> tuple[int, str, str]:
    code = sly_bindings_in_process(*args)
    out, err = capsys.readouterr()
    return code, out, err


def figures(page: str) -> dict:
    """Each figure of the page: its caption -> (its picture, its problem lines)."""
    found = {}
    for figure in re.findall(r"<figure>(.*?)</figure>", page, re.S):
        caption = re.search(r"<figcaption>(.*?)</figcaption>", figure).group(1)
        picture = re.search(r'<img src="([^"]+)"', figure).group(1)
        found[caption] = (picture, re.findall(r"<li>(.*?)</li>", figure))
    return found


def test_a_picture_per_image_and_a_page_with_the_problems(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    out = tmp_path / "preview"

    code, stdout, err = run(capsys, "preview", project, out)

    assert (code, err) == (0, "")
    assert stdout == f"Preview of 4 images: {out / 'index.html'}\n"
    shown = figures((out / "index.html").read_text())
    assert sorted(shown) == [
        "ds0: bound.png (2 groups)",
        "ds0: odd.png (2 groups)",
        "ds0: persons.png (1 group)",
        "ds0: plain.png (0 groups)",
    ]
    # validate's problems, under the image they are on (the reused key under both).
    assert shown["ds0: odd.png (2 groups)"][1] == [
        "odd.png: group &#x27;s&#x27; has only 1 label (car): bind its other parts to it, or "
        "unbind it"
    ]
    assert len(shown["ds0: bound.png (2 groups)"][1]) == 1
    assert "key &#x27;p&#x27; is on 2 images" in shown["ds0: persons.png (1 group)"][1][0]
    for picture, _ in shown.values():
        drawn = np.asarray(Image.open(out / picture))
        assert drawn.shape[1] == 8 and drawn.shape[0] > 8  # the image, and the legend below


def test_the_page_needs_nothing_from_elsewhere(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    assert run(capsys, "preview", project, tmp_path / "preview")[0] == 0
    page = (tmp_path / "preview" / "index.html").read_text()

    assert "<script" not in page and "url(" not in page and "@import" not in page
    for link in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert "://" not in link and not link.startswith("/")
        assert (tmp_path / "preview" / link).is_file()


def test_limit_and_classes(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])

    assert run(capsys, "preview", project, tmp_path / "two", "--limit", "2")[0] == 0
    assert len(figures((tmp_path / "two" / "index.html").read_text())) == 2

    assert run(capsys, "preview", project, tmp_path / "person", "--classes", "person")[0] == 0
    shown = figures((tmp_path / "person" / "index.html").read_text())
    # odd.png: the group of a car and a person stays, the car alone in its group goes.
    assert "ds0: odd.png (1 group)" in shown and shown["ds0: odd.png (1 group)"][1] == []


@pytest.mark.parametrize(
    "args, says",
    [
        (["--limit", "0"], "--limit 0: give a number of images, 1 or more"),
        (["--classes", "truck"], "truck"),
    ],
)
def test_bad_options_are_one_line(tmp_path, capsys, args, says):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    code, out, err = run(capsys, "preview", project, tmp_path / "out", *args)
    assert (code, out) == (2, "") and says in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_an_existing_out_is_refused(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    (tmp_path / "out").mkdir()
    code, out, err = run(capsys, "preview", project, tmp_path / "out")
    assert (code, out) == (2, "") and "exists" in err
    assert list((tmp_path / "out").iterdir()) == []


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="opt-in: needs Debian's chromium on PATH")
def test_the_page_renders_in_headless_chromium_without_network(tmp_path, capsys):
    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    assert run(capsys, "preview", project, tmp_path / "preview")[0] == 0
    screenshot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=800,1200",
            f"--screenshot={screenshot}",
            (tmp_path / "preview" / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    shot = np.asarray(Image.open(screenshot).convert("RGB"))
    colours = np.unique(shot.reshape(-1, 3), axis=0)
    assert len(colours) > 20, "the screenshot is blank"
    # The pictures were drawn: the page's red problem text and the groups' colours are there.
    assert (shot[..., 0] > 150).any() and (shot[..., 2] > 150).any()


def test_a_zipped_project_is_previewed_and_named_as_given(tmp_path, capsys):
    import zipfile

    project = write_local_project(tmp_path / "project", datasets=["ds0"])
    archive = tmp_path / "project.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(project.rglob("*")):
            out.write(path, Path("project", path.relative_to(project)).as_posix())

    code, stdout, err = run(capsys, "preview", archive, tmp_path / "preview")

    assert (code, err) == (0, "")
    page = (tmp_path / "preview" / "index.html").read_text()
    assert len(figures(page)) == 4 and str(archive) in page and "sly-bindings-zip" not in page
