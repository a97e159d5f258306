"""Object binding in Supervisely, the tutorial: group the fragments of one car under one key.

Part 1 creates the project "tutorial-bindings" with one image of a car that a pedestrian splits
into three masks, turns the masks into Bitmap labels and binds them under one key.
Part 2 reads the annotation back, prints its binding groups and discards them.

It runs against a Supervisely server when SERVER_ADDRESS and API_TOKEN are set (environment,
local.env or ~/supervisely.env), and otherwise writes a local Supervisely project folder:

    .venv/bin/python src/main.py
    .venv/bin/python src/main.py --local /tmp/projects
    .venv/bin/python src/main.py --image photo.jpg --masks part1.png part2.png --class-name person
"""

from __future__ import annotations

import argparse
import shutil
import sys
import uuid
from pathlib import Path
from typing import List, Optional

from sly_bindings.cli.signals import interrupted_while_loading

# Loading the SDK takes a few seconds: Ctrl+C meanwhile ends with one line, not a traceback.
with interrupted_while_loading():
    import requests
    import supervisely as sly

    from bindings import bind_labels, binding_groups, discard_bindings
    from sly_bindings.cli.printable import printable
    from sly_bindings.cli.runner import ArgumentParser, UserError, run
    from sly_bindings.cli.settings import LocalTarget, ServerTarget, choose_target
    from sly_bindings.files.atomic import save_annotation
    from sly_bindings.files.dataset_names import dataset_name_problem
    from sly_bindings.files.images import (
        InvalidImageError,
        InvalidMaskError,
        masks_to_labels,
        read_image_size,
    )
    from sly_bindings.files.staging import publish_folder, staging_folder
    from sly_bindings.files.write_checks import cannot_create_in, nearest_existing, replaces_input
    from sly_bindings.groups.merge import merge_bindings
    from sly_bindings.groups.preview import PREVIEW_EXTENSIONS, save_preview
    from sly_bindings.server import retry_safe

REPO_DIR = Path(__file__).resolve().parent.parent
DEFAULT_LOCAL_DIR = REPO_DIR / "output"
LOCAL_ENV = REPO_DIR / "local.env"
DEMO_IMAGE = REPO_DIR / "images" / "image.jpg"
DEMO_MASKS = [REPO_DIR / "images" / "car_masks" / f"car_0{number}.png" for number in (1, 2, 3)]
DATASET_NAME = "dataset-01"
PREVIEW_NAME = "bindings_preview.png"
# A file name has at most 255 bytes; the staging folder adds a prefix and a suffix to the name.
MAX_PROJECT_NAME_BYTES = 200


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)

    # Part 1. One class for the object; its labels are masks (Bitmap).
    class_car = sly.ObjClass(args.class_name, sly.Bitmap, color=[255, 0, 255])
    meta = sly.ProjectMeta(obj_classes=[class_car])

    # Read the image size and the masks before creating anything: bad input leaves nothing behind.
    height, width = read_image_size(args.image)
    labels = masks_to_labels(args.masks, class_car, (height, width))
    if len(labels) == 1:
        print(
            "warning: one mask makes a group of one label, which binds nothing: pass the mask "
            "of every part of the object",
            file=sys.stderr,
        )

    # The masks are parts of one car: bind them under one key (any unique string will do).
    key = uuid.uuid4().hex
    labels = bind_labels(labels, key)
    ann = sly.Annotation(img_size=(height, width), labels=labels)

    # Where to write: the server from your credentials, or a local project folder.
    target = choose_target(args.local, args.project_name, DEFAULT_LOCAL_DIR, LOCAL_ENV)
    print(f"Target: {printable(target)}")

    # Part 1 creates and uploads, a picture of the groups follows, and Part 2 (unless
    # --only-part-1) reads the annotation back and unbinds it: on the server or in the folder.
    image_name = sly.fs.get_file_name_with_ext(str(args.image))
    if isinstance(target, ServerTarget):
        api = sly.Api(
            target.address,
            target.token,
            retry_count=target.retry_count,
            retry_sleep_sec=target.retry_sleep_sec,
        )
        project_id, image_id = part1_on_server(
            api, target.workspace_id, args.project_name, args.image, image_name, meta, ann
        )
        preview_bindings(args.image, ann, args.preview or DEFAULT_LOCAL_DIR / PREVIEW_NAME)
        if not args.only_part_1:
            part2_on_server(api, project_id, image_id, args.class_name)
    else:
        project_dir = part1_in_local_project(target, args.image, image_name, meta, ann)
        preview_bindings(args.image, ann, args.preview or project_dir.parent / PREVIEW_NAME)
        if not args.only_part_1:
            part2_in_local_project(project_dir, image_name, args.class_name)


def part1_on_server(
    api: sly.Api,
    workspace_id: int,
    project_name: str,
    image_path: Path,
    image_name: str,
    meta: sly.ProjectMeta,
    ann: sly.Annotation,
) -> tuple[int, int]:
    """Create the project on the server and upload the image with its bound labels."""
    # Check the workspace first: a wrong WORKSPACE_ID should stop us before anything is created.
    if api.workspace.get_info_by_id(workspace_id) is None:
        raise UserError(
            f"workspace {workspace_id} does not exist or is not yours: put the ID from the "
            "workspace's context menu in WORKSPACE_ID (local.env), or pass --local DIR"
        )

    # An existing "tutorial-bindings" makes the server pick tutorial-bindings_001, and so on.
    # A create whose answer was lost is retried by the SDK, and the server refuses the retry
    # (the name is taken, by our own first try): retry_safe checks that and uses what it made.
    try:
        project = api.project.create(workspace_id, project_name, change_name_if_conflict=True)
    except requests.HTTPError as error:
        project = retry_safe.made_by_lost_answer(api, error)
    try:
        dataset = api.dataset.create(project.id, DATASET_NAME)
    except requests.HTTPError as error:
        dataset = retry_safe.made_by_lost_answer(api, error)
    print(f"Open project in browser: {project.url}")

    # The server accepts labels only of classes that its project meta knows.
    api.project.update_meta(project.id, meta)

    # SDK 6.74.51 retries a multipart upload with a body it has already read, so retry_safe
    # repeats the whole upload_path instead.
    image_info = retry_safe.whole_call(
        api, api.image.upload_path, dataset.id, image_name, str(image_path)
    )
    print(f"Image has been successfully uploaded: id={image_info.id}")

    api.annotation.upload_ann(image_info.id, ann)
    print(f"Annotation with {len(ann.labels)} bound labels uploaded")
    return project.id, image_info.id


def preview_bindings(image_path: Path, ann: sly.Annotation, preview_path: Path) -> None:
    """Draw each binding group in its own colour, to check it by eye."""
    try:
        preview_path.parent.mkdir(parents=True, exist_ok=True)
        save_preview(image_path, ann, preview_path)
    except OSError as error:  # a picture to look at: not a reason to stop before Part 2
        print(f"warning: no preview ({error.strerror}: {printable(preview_path)})", file=sys.stderr)
        return
    print(f"Bindings preview saved: {printable(preview_path)}")


def part2_on_server(api: sly.Api, project_id: int, image_id: int, class_name: str) -> None:
    """Download the annotation again, look at its bindings and upload it without them."""
    # Parse with the meta the server holds now, not the one Part 1 built: it may have changed.
    meta = sly.ProjectMeta.from_json(api.project.get_meta(project_id))
    ann_json = api.annotation.download_json(image_id)
    ann = sly.Annotation.from_json(ann_json, meta)

    unbound = explore_bindings(ann, class_name)
    api.annotation.upload_ann(image_id, unbound)
    print("Annotation without bindings uploaded")


def part1_in_local_project(
    target: LocalTarget,
    image_path: Path,
    image_name: str,
    meta: sly.ProjectMeta,
    ann: sly.Annotation,
) -> Path:
    """Write the project folder, the same content that Part 1 uploads to a server; its path."""
    # Build it in a temporary folder and rename it at the end: a failure leaves no half project.
    parent = target.project_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging_dir = staging_folder(parent, target.project_dir.name)
    try:
        project = sly.Project(str(staging_dir), sly.OpenMode.CREATE)
        project.set_meta(meta)
        dataset = project.create_dataset(DATASET_NAME)
        dataset.add_item_file(image_name, str(image_path), ann=ann)
        image_in_project = Path(dataset.get_item_path(image_name)).relative_to(staging_dir)
        project_dir = publish_folder(staging_dir, parent, target.project_dir.name)
    except BaseException:
        shutil.rmtree(staging_dir, ignore_errors=True)
        raise
    print(f"Local project written: {printable(project_dir)}")
    print(f"Image has been successfully added: {printable(project_dir / image_in_project)}")
    return project_dir


def part2_in_local_project(project_dir: Path, image_name: str, class_name: str) -> None:
    """Reopen the project from disk, look at its bindings and save it without them."""
    project = sly.Project(str(project_dir), sly.OpenMode.READ)
    dataset = project.datasets.get(DATASET_NAME)
    ann = dataset.get_ann(image_name, project.meta)

    unbound = explore_bindings(ann, class_name)
    # dataset.set_ann(image_name, unbound) does the same, but writes the file in place.
    save_annotation(dataset, image_name, unbound)
    print(f"Annotation without bindings saved: {printable(dataset.get_ann_path(image_name))}")


def explore_bindings(ann: sly.Annotation, class_name: str) -> sly.Annotation:
    """Part 2's lesson: print keys and groups, then return ``ann`` without the bindings of
    ``class_name``."""
    # Every label's key; None means the label belongs to no group.
    print("Labels bindings:")
    for label in ann.labels:
        print(label.binding_key)

    # The SDK groups the labels by key; the unbound ones are under None.
    bindings = ann.get_bindings()
    for key, group in bindings.items():
        print(f"ann.get_bindings()[{key}]: {len(group)} labels")

    # Labels that share a key are one object. The server answers keys of its own, not ours.
    groups, unbound = binding_groups(ann)
    for number, (key, group) in enumerate(groups.items(), start=1):
        print(f"Group # {number} [key={key}] has {len(group)} labels")
    print(f"{len(unbound)} labels do not have binding")

    # A group is one object: merge_bindings makes one Bitmap label of each group.
    merged = merge_bindings(ann)
    print(f"Objects after merging the groups: {len(merged.labels)}")

    # Discard the bindings of one class: the labels stay, only their key goes.
    without_bindings = discard_bindings(ann, class_names=[class_name])

    # The SDK's ann.discard_bindings() unbinds every label in place; ann.clone() would share
    # the labels, so call it on a copy with labels of its own to leave `ann` as downloaded.
    everything_unbound = ann.clone(labels=[label.clone() for label in ann.labels])
    everything_unbound.discard_bindings()

    print(f"Groups after discarding the bindings: {len(binding_groups(without_bindings).groups)}")
    print(f"Groups after ann.discard_bindings(): {len(binding_groups(everything_unbound).groups)}")
    return without_bindings


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--local",
        type=Path,
        metavar="DIR",
        help="write a local Supervisely project inside DIR even if a server is configured",
    )
    parser.add_argument("--image", type=Path, help="your image (default: the demo's)")
    parser.add_argument(
        "--masks",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="masks of one object's parts, one per file; goes with --image",
    )
    parser.add_argument(
        "--class-name", default="car", metavar="NAME", help="the object's class (default: car)"
    )
    parser.add_argument(
        "--project-name",
        default="tutorial-bindings",
        metavar="NAME",
        help="the project to create (default: tutorial-bindings; taken: the next free name)",
    )
    parser.add_argument(
        "--preview",
        type=Path,
        metavar="PATH",
        help=f"where to save the picture of the groups (default: {PREVIEW_NAME} beside the "
        "project folder, in output/ for a server)",
    )
    parser.add_argument(
        "--only-part-1",
        action="store_true",
        help="stop after Part 1 and keep the labels bound (the original tutorial's exit(0))",
    )
    args = parser.parse_args(argv)
    if (args.image is None) != (args.masks is None):
        parser.error("--image and --masks go together: your image and the masks of its parts")
    if args.image is None:
        args.image, args.masks = DEMO_IMAGE, DEMO_MASKS
    repeated = next((mask for i, mask in enumerate(args.masks) if mask in args.masks[:i]), None)
    if repeated is not None:
        parser.error(f"--masks names {repeated} twice: give each part's mask once")
    if not args.class_name.strip():
        parser.error("--class-name needs a name that is not empty")
    problem = project_name_problem(args.project_name)
    if problem:
        parser.error(f"--project-name {args.project_name!r} {problem}")
    if args.preview is not None:
        inputs = [("--image", args.image)] + [("--masks", mask) for mask in args.masks]
        problem = preview_path_problem(args.preview) or replaces_input(args.preview, inputs)
        if problem:
            parser.error(f"--preview {args.preview} {problem}")
    return args


def project_name_problem(name: str) -> Optional[str]:
    """Why ``name`` cannot name the project (a folder, locally, the same rule on a server), or None."""
    problem = dataset_name_problem(name.strip())
    if problem and "plain folder name" in problem:
        return problem
    if len(name.encode()) > MAX_PROJECT_NAME_BYTES:
        return f"is longer than {MAX_PROJECT_NAME_BYTES} bytes: choose a shorter name"
    return None


def preview_path_problem(path: Path) -> Optional[str]:
    """Why the preview cannot be saved at ``path`` (checked before anything is written), or None."""
    if path.suffix.lower() not in PREVIEW_EXTENSIONS:
        return f"needs the extension {', '.join(PREVIEW_EXTENSIONS)}, e.g. {PREVIEW_NAME}"
    existing = nearest_existing(path.parent)
    if not existing.is_dir():
        return f"is inside the file {existing}: give a path in a folder"
    problem = cannot_create_in(existing)
    return None if problem is None else f"cannot be written in {existing} ({problem})"


def run_tutorial() -> int:
    """:func:`main` as the command line runs it (arguments from ``sys.argv``): a failure ends in
    one line naming the fix; returns the exit code."""
    return run(
        main,
        user_errors=(InvalidImageError, InvalidMaskError),
        interrupted="interrupted: what was saved stays; running again starts a new project",
        offline_option="pass --local DIR to write a local project instead",
    )


if __name__ == "__main__":
    sys.exit(run_tutorial())
