"""``sly-bindings preview DIR OUT``: the groups of a local project, drawn, and one page of them.

    sly-bindings preview output/tutorial-bindings previews [--limit N] [--classes C ...]

One picture per image, drawn as src/main.py draws the tutorial's (``groups.preview``: each
group its colour and number, a legend ``1: person + head, hand``), in
``OUT/images/<dataset>/<image>.png``, and ``OUT/index.html``, which shows them all, each with
its problems from ``validate`` (``groups.validate``). The page is one file with its style
inside: it opens from the folder, with no server and nothing fetched from the network.

``--limit N`` draws the first N images (in dataset and name order); ``--classes`` draws the
groups that hold one of those classes (and the unbound labels of those classes), and only the
images that have some. DIR may be a .zip (read as it is). OUT must not exist (``--overwrite``
replaces a folder); it is built in a hidden folder beside it and renamed when complete, as
``convert`` writes (``convert.check_out`` and ``convert.staged``). This module imports no SDK
at its top: ``preview --help`` answers at once.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import Any, List, NamedTuple, Tuple
from urllib.parse import quote

from sly_bindings.cli.printable import printable
from sly_bindings.cli.project_args import ClassNames, class_list
from sly_bindings.cli.runner import UserError

# What ``preview --help`` says to people (the docstring above is for who reads the code).
DESCRIPTION = """\
Draw the binding groups of a local project: one picture per image, and one page of them all.

    sly-bindings preview DIR OUT [--limit N] [--classes CLASS ...]
    sly-bindings preview output/tutorial-bindings previews --limit 20

Each picture, OUT/images/<dataset>/<image>.png, shows each group in its own colour with its
number, and a legend such as "1: person + head, hand". OUT/index.html shows them all, each
with its problems from `sly-bindings validate`: open it from the folder (no server, nothing
fetched from the network). --limit N draws the first N images (in dataset and name order);
--classes draws the groups that hold one of those classes (and the unbound labels of those
classes), on the images that have some. DIR may be a .zip (read as it is). OUT must not exist
(--overwrite replaces a folder); it is written under a hidden name beside it and renamed when
complete.
"""


class Drawn(NamedTuple):
    """One image drawn: where (relative to OUT), its dataset and name, groups and problems."""

    picture: str
    dataset: str
    image: str
    groups: int
    problems: Tuple[str, ...]


def add_command(commands: argparse._SubParsersAction, name: str = "preview") -> None:
    """Add ``preview DIR OUT`` to the ``sly-bindings`` subcommands."""
    parser = commands.add_parser(
        name,
        help="draw the groups of a local project: a picture per image and an index.html",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("DIR", type=Path, help="a local Supervisely project folder (or its .zip)")
    parser.add_argument("OUT", type=Path, help="the folder to write; it must not exist")
    parser.add_argument("--limit", type=int, metavar="N", help="draw the first N images only")
    parser.add_argument(
        "--classes",
        nargs="+",
        type=class_list,
        action=ClassNames,
        metavar="CLASS",
        help="draw only the groups that hold one of these classes (names by spaces or commas)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace OUT (a folder) once the new one is done"
    )


def check_args(args: argparse.Namespace) -> None:
    """A UserError for a --limit below 1."""
    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit {args.limit}: give a number of images, 1 or more")


def __getattr__(name: str) -> Any:
    """``USER_ERRORS``, computed when first asked for (PEP 562): it imports the SDK."""
    if name == "USER_ERRORS":
        from sly_bindings.cli.project_commands import USER_ERRORS
        from sly_bindings.files.images import InvalidImageError

        return USER_ERRORS + (InvalidImageError,)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_command(args: argparse.Namespace) -> int:
    """Draw the pictures and write index.html; say how many and where. The exit code."""
    from sly_bindings.cli.convert import check_out, staged
    from sly_bindings.formats.progress import progress
    from sly_bindings.project.operations import check_classes, open_local_project

    project = open_local_project(Path(args.DIR))
    check_classes(args.classes, project.meta, "--classes")
    check_out(args.OUT, Path(args.DIR), args.overwrite)
    items = [
        (dataset, name, item)
        for dataset, name in zip(project.datasets, project.dataset_names)
        for item in sorted(dataset.get_items_names())
    ]
    with staged(args.OUT, args.overwrite) as staging:
        staging.mkdir()
        # --limit N without --classes draws the first N: the bar counts those.
        if args.limit is not None and not args.classes:
            items = items[: args.limit]
        drawn = draw_all(project, progress(items, "preview"), staging, args.classes, args.limit)
        # A .zip is named as given, not by the folder it was unpacked into (cli/main.py).
        given = getattr(args, "input_as_given", None)
        title = f"{given}" if given is not None else project.description
        (staging / "index.html").write_text(index_page(drawn, title), "utf-8")
    count = f"{len(drawn)} image{'' if len(drawn) == 1 else 's'}"
    print(printable(f"Preview of {count}: {args.OUT / 'index.html'}"))
    return 0


def draw_all(project: Any, items: Any, out: Path, classes: Any, limit: Any) -> List[Drawn]:
    """Draw each image of ``items`` (dataset, dataset name, image name) into ``out``."""
    from bindings import binding_groups
    from sly_bindings.files.project_folder import read_annotation
    from sly_bindings.groups.preview import save_preview
    from sly_bindings.groups.validate import ReusedKeys, find_problems

    drawn: List[Drawn] = []
    anns = {}
    reused = {}
    for dataset, dataset_name, name in items:
        if limit is not None and len(drawn) >= limit:
            break
        ann = only_groups_of(read_annotation(dataset, name, project.meta), classes)
        if ann is None:
            continue
        picture = Path("images", *dataset_name.split("/"), f"{name}.png")
        (out / picture.parent).mkdir(parents=True, exist_ok=True)
        save_preview(dataset.get_img_path(name), ann, out / picture)
        problems = find_problems(ann, name, project.meta)
        reused.setdefault(dataset_name, ReusedKeys()).add(name, ann)
        anns[(dataset_name, name)] = len(drawn)
        lines = tuple(problem_lines(problems))
        groups = len(binding_groups(ann).groups)
        drawn.append(Drawn(picture.as_posix(), dataset_name, name, groups, lines))
    for dataset_name, keys in reused.items():  # a key on several images: under each of them
        for problem in keys.problems():
            for image in problem.image_names:
                index = anns[(dataset_name, image)]
                extra = tuple(problem_lines([problem]))
                drawn[index] = drawn[index]._replace(problems=drawn[index].problems + extra)
    return drawn


def problem_lines(problems: Any) -> List[str]:
    """``validate``'s lines for ``problems`` (none: no lines)."""
    from sly_bindings.groups.validate import format_report

    return format_report(problems).splitlines() if problems else []


def only_groups_of(ann: Any, classes: Any) -> Any:
    """``ann`` with the groups that hold one of ``classes`` (and unbound labels of them); None
    when nothing is left. No ``classes``: ``ann`` as it is."""
    if not classes:
        return ann
    from bindings import binding_groups

    groups, unbound = binding_groups(ann)
    kept_ids = {
        id(label)
        for labels in groups.values()
        if any(label.obj_class.name in classes for label in labels)
        for label in labels
    }
    kept_ids |= {id(label) for label in unbound if label.obj_class.name in classes}
    labels = [label for label in ann.labels if id(label) in kept_ids]
    return ann.clone(labels=labels) if labels else None


STYLE = """
body { font-family: sans-serif; margin: 1em; background: #f4f4f4; color: #222; }
figure { background: #fff; margin: 0 0 1.5em; padding: 0.5em; border: 1px solid #ccc; }
img { max-width: 100%; height: auto; display: block; }
figcaption { font-weight: bold; margin: 0.3em 0; }
ul.problems { color: #a00000; margin: 0.2em 0; }
p.fine { color: #006000; margin: 0.2em 0; }
"""


def index_page(drawn: List[Drawn], description: str) -> str:
    """The page that shows every picture with its problems: one file, nothing from elsewhere.

    Examples:
        >>> page = index_page([Drawn("images/ds0/a<b>.png.png", "ds0", "a<b>.png", 1, ())], "p")
        >>> "images/ds0/a%3Cb%3E.png.png" in page and "a&lt;b&gt;.png" in page
        True
    """
    problems = sum(len(one.problems) for one in drawn)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Binding groups: {html.escape(description)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Binding groups of {html.escape(description)}</h1>",
        f"<p>{len(drawn)} image{'' if len(drawn) == 1 else 's'}, {problems} problem{'' if problems == 1 else 's'} found by <code>validate</code>.</p>",
    ]
    for one in drawn:
        title = f"{one.dataset}: {one.image}"
        parts.append("<figure>")
        parts.append(
            f"<figcaption>{html.escape(title)} ({one.groups} group"
            f"{'' if one.groups == 1 else 's'})</figcaption>"
        )
        if one.problems:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in one.problems)
            parts.append(f'<ul class="problems">{items}</ul>')
        else:
            parts.append('<p class="fine">no binding problems</p>')
        parts.append(f'<img src="{html.escape(quote(one.picture))}" alt="{html.escape(title)}">')
        parts.append("</figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
