"""The project-scale subcommands of ``sly-bindings``: report, discard, auto-bind, validate.

The tutorial's Part 2 for every image at once, on a Supervisely server or a local project:

    sly-bindings report --project-id 101 [--json]
    sly-bindings discard --dataset-id 1001 --classes car --dry-run
    sly-bindings auto-bind output/tutorial-bindings --max-gap 3
    sly-bindings auto-bind --project-id 101 --parents person --children head hand --min-overlap 0.5
    sly-bindings validate output/tutorial-bindings

- report: per dataset, images, labels, bound labels, groups, groups of one label and groups
  that mix classes (information: a group of several classes is one object, groups/roles.py);
  a table, or JSON with --json.
- discard: unbind every label (or only those of --classes); only the annotations that change
  are uploaded or written.
- auto-bind: ``auto_bind`` on every image: labels at most --max-gap pixels apart become one
  group; or, with --parents and --children instead, ``groups.nested.auto_bind_nested``: each
  child-class label joins the parent-class label that covers the largest share of it, when that
  share is at least --min-overlap (Supervisely's "Group nested objects", batched).
- validate: the checks of ``groups.validate`` on every image, and keys reused on another image
  of a dataset; one line per problem naming dataset, image and key. Exit code 0 when there is
  none, 1 when there are some, 2 for bad input.

--project-id and --dataset-id need SERVER_ADDRESS and API_TOKEN, read as src/main.py reads
them; annotations go down and up in batches (``project.server_pipeline``). DIR (or --local DIR)
is a project folder: each changed file is rewritten atomically (``project.local_pipeline``).
--dry-run (discard, auto-bind) changes nothing and says what would change; --json prints a
machine-readable summary on stdout instead of the lines for people. A run that stopped, run
again, finishes the job. An image whose annotation cannot be read or edited is left out, the
rest is done, and the run ends with exit code 2 and a line naming the first one left out. One
progress bar per dataset goes to stderr when stderr is a terminal (none in pipes and logs).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Dict, List, Optional

import requests
import supervisely as sly

from sly_bindings.cli.printable import printable
from sly_bindings.cli.runner import CommandFailed, UserError, describe
from sly_bindings.cli.settings import load_settings, read_credentials
from sly_bindings.files.project_folder import ProjectFolderError
from sly_bindings.groups.auto_bind import auto_bind
from sly_bindings.groups.nested import NestedCounts, auto_bind_nested_counted
from sly_bindings.groups.stats import BindingStats
from sly_bindings.groups.validate import BindingProblem, ReusedKeys, find_problems, format_report
from sly_bindings.project.edits import (
    EditSummary,
    JsonEdit,
    edit_annotation_json,
    only_classes,
    parse_annotation,
)
from sly_bindings.project.operations import (
    Project,
    ProjectTargetError,
    apply_edit,
    check_classes,
    one_dataset,
    open_local_project,
    report,
    server_dataset,
    server_project,
)
from sly_bindings.project.discard_file import DiscardEdit
from sly_bindings.project.local_pipeline import SavingStopped
from sly_bindings.project.server_pipeline import RunStopped

EXIT_PROBLEMS_FOUND = 1
USER_ERRORS = (ProjectTargetError, ProjectFolderError, SavingStopped)

REPORT_COLUMNS = {
    "images": "images",
    "labels": "labels",
    "bound_labels": "bound labels",
    "groups": "groups",
    "singleton_groups": "groups of one",
    "mixed_class_groups": "mixed classes",
    "parts": "parts",
}

# HTTP statuses the SDK retries: a run stopped by one of them may well finish when run again.
RETRIED_STATUSES = (408, 429, 499)


def stopped_run_failure(stopped: RunStopped) -> CommandFailed:
    """What failed, what was saved, and (when the cause may pass) to run again; its exit code.

    The code is the one ``runner.describe`` gives the cause: 2 for a server that did not answer,
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


def json_edit(
    args: argparse.Namespace, meta: sly.ProjectMeta, counts: Optional[List[NestedCounts]] = None
) -> JsonEdit:
    """The edit of one image's annotation JSON that ``discard`` or ``auto-bind`` applies;
    ``auto-bind --parents`` appends what it did and left on each image to ``counts``."""
    if args.command == "discard":
        # Dropping keys needs no geometry: the JSON is edited as it is, nothing is parsed (a
        # large local file as a stream: project.discard_file).
        return DiscardEdit(None if args.classes is None else tuple(args.classes), meta)

    def bind(ann: sly.Annotation, image: str) -> sly.Annotation:
        # The image's name goes into new keys: identical images get keys of their own.
        if args.parents:
            bound, counted = auto_bind_nested_counted(
                ann, args.parents, args.children, args.min_overlap, args.regroup, image
            )
            if counts is not None:
                counts.append(counted)
            return bound
        return auto_bind(
            ann,
            args.max_gap,
            keep_existing=not args.regroup,
            across_classes=args.across_classes,
            image=image,
        )

    def edit(name: str, ann_json: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        def bind_image(ann: sly.Annotation) -> sly.Annotation:
            return bind(ann, name)

        one = only_classes(bind_image, args.classes) if args.classes else bind_image
        return edit_annotation_json(ann_json, meta, one)

    return edit


# output


def print_summaries(
    names: List[str],
    summaries: List[EditSummary],
    dry_run: bool,
    saved: str,
    as_json: bool,
    children: Optional[NestedCounts] = None,
) -> None:
    """One line per dataset and a total: what changed (or would) and what was saved; or JSON.
    ``children`` (``auto-bind --parents``): per child class, bound and left unbound, with the
    best overlap of those left, one line each (in JSON, ``"children"``)."""
    if as_json:
        rows = [{"dataset": name, **summary._asdict()} for name, summary in zip(names, summaries)]
        total = sum(summaries, EditSummary())._asdict()
        result: Dict[str, Any] = {"datasets": rows, "total": total, "dry_run": dry_run}
        if children is not None:
            result["children"] = {
                name: {
                    "bound": children.bound.get(name, 0),
                    "unbound": children.unbound.get(name, 0),
                    "best_unbound_overlap": children.best_unbound.get(name),
                }
                for name in sorted({**children.bound, **children.unbound})
            }
        print(json.dumps(result, indent=2))
        return
    for line in children.lines() if children is not None else []:
        print(f"children {line}")
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
    return printable(line)


def print_report(
    names: List[str],
    counts: List[BindingStats],
    as_json: bool,
    groups: Optional[List[Dict[str, Any]]] = None,
) -> None:
    """A table of the counts per dataset with a total row, or the same as JSON; with
    ``groups`` (``report --groups``), each image's groups after it (or under ``images``)."""
    total = sum(counts, BindingStats())
    if as_json:
        rows = [{"dataset": name, **stats._asdict()} for name, stats in zip(names, counts)]
        data: Dict[str, Any] = {"datasets": rows, "total": total._asdict()}
        if groups is not None:
            data["images"] = groups
        print(json.dumps(data, indent=2))
        return
    if len(counts) > 1:
        names, counts = names + ["total"], counts + [total]
    print(report_table(names, counts))
    if groups is not None:
        print("\n".join(group_lines(groups)))


def group_lines(images: List[Dict[str, Any]]) -> List[str]:
    """One line per group, ``dataset: image: key: classes (labels)``.

    Examples:
        >>> image = {"dataset": "ds0", "image": "a.png", "groups": [
        ...     {"key": "m", "classes": ["car", "person"], "labels": 2}]}
        >>> group_lines([image])
        ["ds0: a.png: group 'm': car, person (2 labels)"]
    """
    return [
        printable(
            f"{image['dataset']}: {image['image']}: group {group['key']!r}: "
            f"{', '.join(group['classes'])} "
            f"({group['labels']} label{'' if group['labels'] == 1 else 's'})"
        )
        for image in images
        for group in image["groups"]
    ]


def image_groups(project: Project, class_names: Optional[List[str]]) -> List[Dict[str, Any]]:
    """Each image's binding groups (those holding one of ``class_names``, when given): per
    image, its dataset, name and groups (key, classes in order of appearance, labels)."""
    from bindings import binding_groups

    images: List[Dict[str, Any]] = []
    for index, dataset in enumerate(project.dataset_names):

        def collect(name: str, ann_json: Dict[str, Any], dataset: str = dataset) -> None:
            groups = binding_groups(parse_annotation(ann_json, project.meta)).groups
            rows = [
                {
                    "key": str(key),
                    "classes": list(dict.fromkeys(label.obj_class.name for label in labels)),
                    "labels": len(labels),
                }
                for key, labels in groups.items()
            ]
            rows = [
                row for row in rows if not class_names or set(row["classes"]) & set(class_names)
            ]
            if rows:
                images.append({"dataset": dataset, "image": name, "groups": rows})

        apply_edit(one_dataset(project, index), collect, dry_run=True)
    return images


def report_table(names: List[str], counts: List[BindingStats]) -> str:
    """Counts as a text table, one row per name, numbers right-aligned.

    Examples:
        >>> print(report_table(["ds0"], [BindingStats(2, 5, 5, 2, 0, 1)]))
        dataset  images  labels  bound labels  groups  groups of one  mixed classes  parts
        ds0           2       5             5       2              0              1      0
    """
    header = ["dataset"] + list(REPORT_COLUMNS.values())
    rows = [
        [printable(name)] + [str(getattr(stats, field)) for field in REPORT_COLUMNS]
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


def run_command(args: argparse.Namespace) -> int:
    """Run ``args.command`` (report, discard, auto-bind or validate); the exit code."""
    project = open_local_project(args.local) if args.local else open_server_project(args)
    for option in ("--classes", "--parents", "--children", "--primary-class"):
        check_classes(getattr(args, option[2:].replace("-", "_"), None), project.meta, option)
    if not args.json:
        count = len(project.datasets)
        datasets = f"{count} dataset{'' if count == 1 else 's'}"
        print(printable(f"Target: {project.description}, {datasets}"))
    exit_code = 0
    try:
        if args.command == "report":
            counts, summaries = report(project, args.classes)
            groups = image_groups(project, args.classes) if args.groups else None
            print_report(project.dataset_names, counts, args.json, groups)
        elif args.command == "validate":
            problems, summaries = validate(project, args.primary_class, args.classes)
            print_problems(project.dataset_names, problems, args.json)
            exit_code = EXIT_PROBLEMS_FOUND if any(problems) else 0
        else:
            counts: List[NestedCounts] = []
            edit = json_edit(args, project.meta, counts)
            summaries = apply_edit(project, edit, dry_run=args.dry_run)
            saved = "uploaded" if project.api is not None else "written"
            children = sum(counts, NestedCounts()) if getattr(args, "parents", None) else None
            print_summaries(
                project.dataset_names, summaries, args.dry_run, saved, args.json, children
            )
    except RunStopped as stopped:
        raise stopped_run_failure(stopped) from stopped
    check_nothing_skipped(project.dataset_names, summaries)
    return exit_code


def open_server_project(args: argparse.Namespace) -> Project:
    """The datasets of ``--project-id`` (nested ones too) or the one ``--dataset-id`` names."""
    api = server_api("--project-id" if args.project_id is not None else "--dataset-id")
    if args.dataset_id is not None:
        return server_dataset(api, args.dataset_id)
    return server_project(api, args.project_id)


def server_api(option: str) -> sly.Api:
    """``sly.Api`` from SERVER_ADDRESS, API_TOKEN and the retry settings, as src/main.py reads them."""
    credentials = read_credentials(load_settings())
    if credentials is None:
        raise UserError(
            f"{option} needs SERVER_ADDRESS and API_TOKEN: put them in ~/supervisely.env (see "
            "README, 'Use a Supervisely server'), or name a project folder (DIR)"
        )
    return sly.Api(
        credentials.address,
        credentials.token,
        retry_count=credentials.retry_count,
        retry_sleep_sec=credentials.retry_sleep_sec,
    )


def validate(
    project: Project,
    primary_classes: Optional[List[str]] = None,
    class_names: Optional[List[str]] = None,
) -> tuple[List[List[BindingProblem]], List[EditSummary]]:
    """The binding problems of each dataset of ``project`` and what was read of each.

    Each image gets ``find_problems``; keys are compared across the images of one dataset
    (``ReusedKeys``), as keys read from files carry the image name and a server's are unique.
    With ``class_names`` (``--classes``), only the problems of groups holding one of them.
    """
    problems: List[List[BindingProblem]] = []
    summaries: List[EditSummary] = []
    for index in range(len(project.datasets)):
        found: List[BindingProblem] = []
        reused = ReusedKeys()

        def check(name: str, ann_json: Dict[str, Any]) -> None:
            # A class the meta lacks is one problem line; the image's other checks still run.
            ann = parse_annotation(ann_json, with_unknown_classes(ann_json, project.meta))
            found.extend(find_problems(ann, name, project.meta, primary_classes))
            reused.add(name, ann)

        (summary,) = apply_edit(one_dataset(project, index), check, dry_run=True)
        problems.append(
            [
                problem
                for problem in found + reused.problems()
                if not class_names or set(problem.class_names) & set(class_names)
            ]
        )
        summaries.append(summary)
    return problems, summaries


def with_unknown_classes(ann_json: Any, meta: sly.ProjectMeta) -> sly.ProjectMeta:
    """``meta`` with an AnyGeometry class for each class of ``ann_json``'s labels it lacks, so
    that ``validate`` reads the image and reports those classes (``unknown_class``).

    Examples:
        >>> meta = sly.ProjectMeta([sly.ObjClass("car", sly.Rectangle)])
        >>> ann_json = {"objects": [{"classTitle": "bus"}, {"classTitle": "car"}]}
        >>> [c.name for c in with_unknown_classes(ann_json, meta).obj_classes]
        ['car', 'bus']
    """
    objects = ann_json.get("objects") if isinstance(ann_json, dict) else None
    names = [
        label.get("classTitle")
        for label in (objects if isinstance(objects, list) else [])
        if isinstance(label, dict) and isinstance(label.get("classTitle"), str)
    ]
    lacking = [name for name in dict.fromkeys(names) if meta.get_obj_class(name) is None]
    if not lacking:
        return meta
    return meta.add_obj_classes([sly.ObjClass(name, sly.AnyGeometry) for name in lacking])


def print_problems(names: List[str], problems: List[List[BindingProblem]], as_json: bool) -> None:
    """One line per problem, ``dataset: image: what is wrong: the fix``, or the same as JSON."""
    if as_json:
        rows = [
            {"dataset": name, **problem._asdict()}
            for name, found in zip(names, problems)
            for problem in found
        ]
        print(json.dumps({"problems": rows, "count": len(rows)}, indent=2))
        return
    for name, found in zip(names, problems):
        if found:
            # Names escaped first: a name with a line feed stays in its one line.
            shown = [
                problem._replace(
                    image_names=tuple(map(printable, problem.image_names)),
                    class_names=tuple(map(printable, problem.class_names)),
                )
                for problem in found
            ]
            lines = format_report(shown).splitlines()
            print("\n".join(f"{printable(name)}: {line}" for line in lines))
    total = sum(len(found) for found in problems)
    print(f"{total} binding problem{'' if total == 1 else 's'} found")
