"""Binding operations over a whole project or dataset: report, discard, auto-bind.

The tutorial's Part 2 for every image at once, on a Supervisely server or a local project:

    .venv/bin/python src/project_bindings.py report --project-id 101 [--json]
    .venv/bin/python src/project_bindings.py discard --dataset-id 1001 --classes car --dry-run
    .venv/bin/python src/project_bindings.py auto-bind --local output/tutorial-bindings --max-gap 3

- report: per dataset, images, labels, bound labels, groups, groups of one label and groups
  that mix classes; a table, or JSON with --json.
- discard: unbind every label (or only those of --classes); only the annotations that change
  are uploaded or written.
- auto-bind: ``auto_bind.auto_bind`` on every image: labels at most --max-gap pixels apart
  become one group.

--project-id and --dataset-id need SERVER_ADDRESS and API_TOKEN, read as src/main.py reads
them; annotations go down and up in batches (src/annotation_pipeline.py). --local DIR works on
a project folder and rewrites each changed file atomically (src/local_pipeline.py). --dry-run
(discard, auto-bind) changes nothing and says what would change. A run that stopped, run again,
finishes the job. An image whose annotation cannot be read or edited is left out, the rest is
done, and the run ends with exit code 2 and a line naming the first one left out. One progress
bar per dataset goes to stderr when stderr is a terminal (none in pipes and logs).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import requests
import supervisely as sly
from tqdm import tqdm

from annotation_pipeline import RunStopped, edit_server_datasets
from auto_bind import auto_bind
from binding_edits import (
    EditSummary,
    JsonEdit,
    discard_in_json,
    edit_annotation_json,
    only_classes,
    parse_annotation,
)
from binding_stats import BindingStats, binding_stats
from cli import ArgumentParser, CommandFailed, UserError, describe, run
from local_pipeline import edit_local_dataset
from local_project import ProjectFolderError, open_project
from target import load_settings, read_credentials

REPORT_COLUMNS = {
    "images": "images",
    "labels": "labels",
    "bound_labels": "bound labels",
    "groups": "groups",
    "singleton_groups": "groups of one",
    "mixed_class_groups": "mixed classes",
}

NewBar = Callable[[str, int], Callable[[int], None]]
# HTTP statuses the SDK retries: a run stopped by one of them may well finish when run again.
RETRIED_STATUSES = (408, 429, 499)


class Project(NamedTuple):
    """What a command works on: datasets of a server project (``api`` set) or a local project."""

    description: str
    meta: sly.ProjectMeta
    datasets: List[Any]  # sly.DatasetInfo on a server, sly.Dataset in a local project
    dataset_names: List[str]
    api: Optional[sly.Api] = None


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    project = open_local_project(args.local) if args.local else open_server_project(args)
    check_classes(args.classes, project.meta)
    if not args.json:
        count = len(project.datasets)
        print(f"Target: {project.description}, {count} dataset{'' if count == 1 else 's'}")
    try:
        if args.command == "report":
            counts, summaries = report(project, args.classes)
            print_report(project.dataset_names, counts, args.json)
        else:
            edit = json_edit(args, project.meta)
            summaries = apply_edit(project, edit, dry_run=args.dry_run)
            saved = "uploaded" if project.api is not None else "written"
            print_summaries(project.dataset_names, summaries, args.dry_run, saved)
    except RunStopped as stopped:
        raise stopped_run_failure(stopped) from stopped
    check_nothing_skipped(project.dataset_names, summaries)


def stopped_run_failure(stopped: RunStopped) -> CommandFailed:
    """What failed, what was saved, and (when the cause may pass) to run again; its exit code.

    The code is the one ``cli.describe`` gives the cause: 2 for a server that did not answer,
    1 for a request the server refused.
    """
    cause = stopped.__cause__
    failure, exit_code = describe(cause, (UserError,), lambda: os.environ.get("SERVER_ADDRESS"))
    line = f"{failure}; {stopped}"
    if is_retryable(cause):
        line += ": run the same command again to finish"
    return CommandFailed(line, exit_code)


def is_retryable(error: Optional[BaseException]) -> bool:
    """Whether ``error`` is one the SDK retries (no answer, 5xx, 408, 429): it may pass.

    Examples:
        >>> is_retryable(requests.exceptions.RetryError("Retry limit exceeded"))
        True
        >>> is_retryable(KeyError("points"))
        False
    """
    if isinstance(
        error, (requests.ConnectionError, requests.Timeout, requests.exceptions.RetryError)
    ):
        return True
    response = getattr(error, "response", None)
    return (
        isinstance(error, requests.HTTPError)
        and response is not None
        and (response.status_code >= 500 or response.status_code in RETRIED_STATUSES)
    )


def check_nothing_skipped(names: List[str], summaries: List[EditSummary]) -> None:
    """A UserError when images were left out, so that the run does not end as if all was well.

    The line names the dataset and the image of the first one, and why it was left out.
    """
    total = sum(summaries, EditSummary())
    if total.skipped:
        dataset = next(name for name, summary in zip(names, summaries) if summary.skipped)
        plural = "s were" if total.skipped > 1 else " was"
        raise UserError(
            f"{total.skipped} image{plural} left out, the first (dataset {dataset}): "
            f"{total.first_skip}; the rest is done: fix that and run the same command again"
        )


# the target


def open_local_project(directory: Path) -> Project:
    """The local Supervisely project in ``directory``, or a UserError that says what is wrong.

    ``local_project.open_project`` refuses what the SDK would skip or hide: no meta.json, a
    dataset it cannot read whole, no image at all.
    """
    try:
        project = open_project(directory)
    except ProjectFolderError as error:
        raise UserError(str(error)) from error
    datasets = list(project.datasets)
    return Project(
        f"local project {directory.resolve()}",
        project.meta,
        datasets,
        [dataset.name for dataset in datasets],
    )


def open_server_project(args: argparse.Namespace) -> Project:
    """The datasets of ``--project-id`` (nested ones too) or the one ``--dataset-id`` names."""
    api = server_api("--project-id" if args.project_id is not None else "--dataset-id")
    if args.dataset_id is not None:
        return server_dataset(api, args.dataset_id)
    return server_project(api, args.project_id)


def server_project(api: sly.Api, project_id: int) -> Project:
    """Every dataset of the project, nested ones too, with the project's meta."""
    project = api.project.get_info_by_id(project_id)
    if project is None:
        raise UserError(
            f"project {project_id} does not exist or is not yours: copy the ID from the "
            "project's context menu in Supervisely"
        )
    if project.type != str(sly.ProjectType.IMAGES):
        raise UserError(
            f"project {project.id} is a {project.type} project: bindings here work on images "
            "projects"
        )
    # Two questions that do not wait for each other: one round trip instead of two. (Not the
    # first request of the process: that one probes the server for HTTPS, once per process.)
    with ThreadPoolExecutor(1) as pool:
        asked_meta = pool.submit(api.project.get_meta, project.id)
        datasets = api.dataset.get_list(project.id, recursive=True)
        meta = sly.ProjectMeta.from_json(asked_meta.result())
    return Project(
        f"server {api.server_address}, project {project.name!r} (id {project.id})",
        meta,
        datasets,
        dataset_paths(datasets),
        api,
    )


def server_dataset(api: sly.Api, dataset_id: int) -> Project:
    """The one dataset (without the datasets nested in it), with its project's meta."""
    dataset = api.dataset.get_info_by_id(dataset_id)
    if dataset is None:
        raise UserError(
            f"dataset {dataset_id} does not exist or is not yours: copy the ID from the "
            "dataset's context menu in Supervisely"
        )
    meta = sly.ProjectMeta.from_json(api.project.get_meta(dataset.project_id))
    description = f"server {api.server_address}, dataset {dataset.name!r} (id {dataset.id})"
    return Project(description, meta, [dataset], [dataset.name], api)


def server_api(option: str) -> sly.Api:
    """``sly.Api`` from SERVER_ADDRESS, API_TOKEN and the retry settings, as src/main.py reads them."""
    credentials = read_credentials(load_settings())
    if credentials is None:
        raise UserError(
            f"{option} needs SERVER_ADDRESS and API_TOKEN: put them in ~/supervisely.env (see "
            "README, 'Use a Supervisely server'), or pass --local DIR for a project folder"
        )
    return sly.Api(
        credentials.address,
        credentials.token,
        retry_count=credentials.retry_count,
        retry_sleep_sec=credentials.retry_sleep_sec,
    )


def dataset_paths(datasets: Sequence[sly.DatasetInfo]) -> List[str]:
    """Names of the datasets with their parents', ``train/cars``, as nested names may repeat.

    Examples:
        >>> from types import SimpleNamespace as Info
        >>> dataset_paths([Info(id=1, name="train", parent_id=None), Info(id=2, name="cars", parent_id=1)])
        ['train', 'train/cars']
    """
    by_id = {dataset.id: dataset for dataset in datasets}

    def path(dataset: sly.DatasetInfo) -> str:
        parent = by_id.get(dataset.parent_id)
        return dataset.name if parent is None else f"{path(parent)}/{dataset.name}"

    return [path(dataset) for dataset in datasets]


def check_classes(class_names: Optional[List[str]], meta: sly.ProjectMeta) -> None:
    """A UserError naming the first of ``class_names`` that the project lacks or that repeats."""
    known = [obj_class.name for obj_class in meta.obj_classes]
    for position, name in enumerate(class_names or []):
        if name not in known:
            raise UserError(
                f"--classes {name}: the project has no class {name!r}; its classes are "
                + (", ".join(sorted(known)) or "none")
            )
        if name in class_names[:position]:
            raise UserError(f"--classes names {name!r} twice: name each class once")


# the work


def json_edit(args: argparse.Namespace, meta: sly.ProjectMeta) -> JsonEdit:
    """The edit of one image's annotation JSON that ``discard`` or ``auto-bind`` applies."""
    if args.command == "discard":
        # Dropping keys needs no geometry: the JSON is edited as it is, nothing is parsed.
        return lambda name, ann_json: discard_in_json(ann_json, args.classes, meta)

    def bind(ann: sly.Annotation) -> sly.Annotation:
        return auto_bind(
            ann, args.max_gap, keep_existing=not args.regroup, across_classes=args.across_classes
        )

    edit = only_classes(bind, args.classes) if args.classes else bind
    return lambda name, ann_json: edit_annotation_json(ann_json, meta, edit)


def apply_edit(project: Project, edit: JsonEdit, dry_run: bool) -> List[EditSummary]:
    """Run ``edit`` over every dataset of ``project``, one progress bar per dataset."""
    with progress_bars() as new_bar:
        if project.api is None:
            return [
                edit_local_dataset(
                    dataset, edit, dry_run=dry_run, progress=new_bar(name, len(dataset))
                )
                for dataset, name in zip(project.datasets, project.dataset_names)
            ]
        names = {dataset.id: name for dataset, name in zip(project.datasets, project.dataset_names)}
        return edit_server_datasets(
            project.api,
            project.datasets,
            project.meta,
            edit,
            dry_run=dry_run,
            progress=lambda dataset: new_bar(names[dataset.id], dataset.images_count),
        )


def report(
    project: Project, class_names: Optional[List[str]]
) -> Tuple[List[BindingStats], List[EditSummary]]:
    """The binding counts of each dataset of ``project``, in order, and what was read of each."""
    per_dataset = [
        dataset_stats(project, index, class_names) for index in range(len(project.datasets))
    ]
    return [counts for counts, _ in per_dataset], [summary for _, summary in per_dataset]


def dataset_stats(
    project: Project, index: int, class_names: Optional[List[str]]
) -> Tuple[BindingStats, EditSummary]:
    """The counts of one dataset, gathered by an edit that counts and never changes anything.

    An image that cannot be counted (a ValueError: an annotation the SDK cannot read, a
    malformed binding key) is skipped and named in the summary, as the edits skip it.
    """
    total = BindingStats()

    def count(name: str, ann_json: Dict[str, Any]) -> None:
        nonlocal total
        total += binding_stats(parse_annotation(ann_json, project.meta), class_names)

    one_dataset = project._replace(
        datasets=project.datasets[index : index + 1],
        dataset_names=project.dataset_names[index : index + 1],
    )
    (summary,) = apply_edit(one_dataset, count, dry_run=True)
    return total, summary


@contextmanager
def progress_bars() -> Iterator[NewBar]:
    """``new_bar(name, total)`` makes a tqdm bar on stderr and returns its ``update``.

    ``disable=None`` turns the bars off when stderr is not a terminal, so that logs, pipes and
    tests get only the result lines. All bars are closed at the end.
    """
    bars: List[tqdm] = []

    def new_bar(name: str, total: int) -> Callable[[int], None]:
        bars.append(tqdm(total=total, desc=name, unit="image", file=sys.stderr, disable=None))
        return bars[-1].update

    try:
        yield new_bar
    finally:
        for bar in bars:
            bar.close()


# output


def print_summaries(
    names: List[str], summaries: List[EditSummary], dry_run: bool, saved: str
) -> None:
    """One line per dataset and a total: what changed (or would) and what was saved."""
    for name, summary in zip(names, summaries):
        print(summary_line(name, summary, dry_run, saved))
    if len(summaries) > 1:
        total = sum(summaries, EditSummary())._replace(changed_names=())  # names of which dataset?
        print(summary_line("total", total, dry_run, saved))
    if dry_run:
        print(f"Dry run: nothing was {saved}.")


def summary_line(name: str, summary: EditSummary, dry_run: bool, saved: str) -> str:
    """What one dataset got, e.g. ``ds0: 500 images, 12 changed, 12 uploaded``.

    Examples:
        >>> summary_line("ds0", EditSummary(500, 12, 0, 0, ("a.png", "b.png")), True, "uploaded")
        'ds0: 500 images, 12 would change (a.png, b.png, ...)'
        >>> summary_line("ds0", EditSummary(3, 1, 1, 1, ("a.png",), "b.png: why"), False, "written")
        'ds0: 3 images, 1 changed, 1 written, 1 skipped (b.png: why)'
    """
    line = f"{name}: {summary.images} image{'' if summary.images == 1 else 's'}"
    if dry_run:
        line += f", {summary.changed} would change"
        if summary.changed_names:
            more = ", ..." if summary.changed > len(summary.changed_names) else ""
            line += f" ({', '.join(summary.changed_names)}{more})"
    else:
        line += f", {summary.changed} changed, {summary.saved} {saved}"
    if summary.skipped:
        line += f", {summary.skipped} skipped ({summary.first_skip})"
    return line


def print_report(names: List[str], counts: List[BindingStats], as_json: bool) -> None:
    """A table of the counts per dataset with a total row, or the same as JSON."""
    total = sum(counts, BindingStats())
    if as_json:
        rows = [{"dataset": name, **stats._asdict()} for name, stats in zip(names, counts)]
        print(json.dumps({"datasets": rows, "total": total._asdict()}, indent=2))
        return
    if len(counts) > 1:
        names, counts = names + ["total"], counts + [total]
    print(report_table(names, counts))


def report_table(names: List[str], counts: List[BindingStats]) -> str:
    """Counts as a text table, one row per name, numbers right-aligned.

    Examples:
        >>> print(report_table(["ds0"], [BindingStats(2, 5, 5, 2, 0, 1)]))
        dataset  images  labels  bound labels  groups  groups of one  mixed classes
        ds0           2       5             5       2              0              1
    """
    header = ["dataset"] + list(REPORT_COLUMNS.values())
    rows = [
        [name] + [str(getattr(stats, field)) for field in REPORT_COLUMNS]
        for name, stats in zip(names, counts)
    ]
    widths = [max(len(row[column]) for row in [header] + rows) for column in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:])
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


# command line


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    target = common.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--project-id", type=int, metavar="N", help="every dataset of a server project"
    )
    target.add_argument("--dataset-id", type=int, metavar="N", help="one dataset on the server")
    target.add_argument(
        "--local", type=Path, metavar="DIR", help="a local Supervisely project folder"
    )
    common.add_argument(
        "--classes", nargs="+", metavar="CLASS", help="only labels of these classes (default: all)"
    )
    edits = argparse.ArgumentParser(add_help=False, parents=[common])
    edits.add_argument(
        "--dry-run", action="store_true", help="change nothing; say what would change"
    )

    parser = ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{report,discard,auto-bind}"
    )
    report_parser = commands.add_parser(
        "report", parents=[common], help="count labels and groups per dataset"
    )
    report_parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    commands.add_parser("discard", parents=[edits], help="unbind labels")
    bind = commands.add_parser("auto-bind", parents=[edits], help="bind labels that nearly touch")
    bind.add_argument(
        "--max-gap",
        type=float,
        required=True,
        metavar="PIXELS",
        help="labels at most this many pixels apart are bound (0: only touching ones)",
    )
    bind.add_argument(
        "--across-classes", action="store_true", help="let labels of different classes bind"
    )
    bind.add_argument(
        "--regroup",
        action="store_true",
        help="drop the existing groups first and group by geometry alone",
    )
    args = parser.parse_args(argv)
    args.json = getattr(args, "json", False)
    args.dry_run = getattr(args, "dry_run", False)
    if args.command == "auto-bind" and not (math.isfinite(args.max_gap) and args.max_gap >= 0):
        raise UserError(f"--max-gap {args.max_gap}: give a finite number of pixels, 0 or more")
    return args


if __name__ == "__main__":
    sys.exit(run(main))
