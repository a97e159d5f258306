"""What the project-scale commands work on, and how an edit or a count runs over all of it.

A :class:`Project` is the datasets of a server project (with the ``sly.Api`` to reach them) or
of a local project folder, with the project meta to parse their annotations. :func:`apply_edit`
runs one edit of an annotation JSON over every dataset, batched on a server
(``server_pipeline``) and one atomic file at a time locally (``local_pipeline``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import supervisely as sly
from tqdm import tqdm

from sly_bindings.cli.printable import printable
from sly_bindings.files.project_folder import ProjectFolderError, open_project
from sly_bindings.formats.progress import bar
from sly_bindings.groups.stats import BindingStats, binding_stats
from sly_bindings.project.edits import EditSummary, JsonEdit, parse_annotation
from sly_bindings.project.local_pipeline import edit_local_dataset
from sly_bindings.project.server_pipeline import edit_server_datasets
from sly_bindings.server.guard import shown_address


class ProjectTargetError(ValueError):
    """A project, dataset or class the commands cannot work on; the message names the fix."""


NewBar = Callable[[str, int], Callable[[int], None]]


class Project(NamedTuple):
    """What a command works on: datasets of a server project (``api`` set) or a local project."""

    description: str
    meta: sly.ProjectMeta
    datasets: List[Any]  # sly.DatasetInfo on a server, sly.Dataset in a local project
    dataset_names: List[str]
    api: Optional[sly.Api] = None


def open_local_project(directory: Path) -> Project:
    """The local Supervisely project in ``directory``, or a ProjectTargetError that says what is wrong.

    ``files.project_folder.open_project`` refuses what the SDK would skip or hide: no meta.json, a
    dataset it cannot read whole, no image at all.
    """
    try:
        project = open_project(directory)
    except ProjectFolderError as error:
        raise ProjectTargetError(str(error)) from error
    datasets = list(project.datasets)
    return Project(
        f"local project {directory.resolve()}",
        project.meta,
        datasets,
        [dataset.name for dataset in datasets],
    )


def server_project(api: sly.Api, project_id: int) -> Project:
    """Every dataset of the project, nested ones too, with the project's meta."""
    project = api.project.get_info_by_id(project_id)
    if project is None:
        raise ProjectTargetError(
            f"project {project_id} does not exist or is not yours: copy the ID from the "
            "project's context menu in Supervisely"
        )
    if project.type != str(sly.ProjectType.IMAGES):
        raise ProjectTargetError(
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
        f"server {shown_address(api.server_address)}, project {project.name!r} (id {project.id})",
        meta,
        datasets,
        dataset_paths(datasets),
        api,
    )


def server_dataset(api: sly.Api, dataset_id: int) -> Project:
    """The one dataset (without the datasets nested in it), with its project's meta."""
    dataset = api.dataset.get_info_by_id(dataset_id)
    if dataset is None:
        raise ProjectTargetError(
            f"dataset {dataset_id} does not exist or is not yours: copy the ID from the "
            "dataset's context menu in Supervisely"
        )
    meta = sly.ProjectMeta.from_json(api.project.get_meta(dataset.project_id))
    description = (
        f"server {shown_address(api.server_address)}, dataset {dataset.name!r} (id {dataset.id})"
    )
    return Project(description, meta, [dataset], [dataset.name], api)


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


def check_classes(
    class_names: Optional[List[str]], meta: sly.ProjectMeta, option: str = "--classes"
) -> None:
    """A ProjectTargetError naming the first of ``class_names`` (given as ``option``) that the
    project lacks or that repeats."""
    known = [obj_class.name for obj_class in meta.obj_classes]
    for position, name in enumerate(class_names or []):
        if name not in known:
            raise ProjectTargetError(
                f"{option} {name}: the project has no class {name!r}; its classes are "
                + (", ".join(sorted(known)) or "none")
            )
        if name in class_names[:position]:
            raise ProjectTargetError(f"{option} names {name!r} twice: name each class once")


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

    (summary,) = apply_edit(one_dataset(project, index), count, dry_run=True)
    return total, summary


def one_dataset(project: Project, index: int) -> Project:
    """``project`` narrowed to its dataset number ``index``: to read one dataset at a time.

    Examples:
        >>> whole = Project("p", sly.ProjectMeta(), ["a", "b"], ["ds0", "ds1"])
        >>> one_dataset(whole, 1).dataset_names
        ['ds1']
    """
    return project._replace(
        datasets=project.datasets[index : index + 1],
        dataset_names=project.dataset_names[index : index + 1],
    )


@contextmanager
def progress_bars() -> Iterator[NewBar]:
    """``new_bar(name, total)`` makes a bar of ``formats.progress.bar`` (on stderr, on a terminal,
    for more than a few images) and returns its ``update``. All bars are closed at the end."""
    bars: List[tqdm] = []

    def new_bar(name: str, total: int) -> Callable[[int], None]:
        bars.append(bar(printable(name), total))  # a dataset's name may hold LF, CR, ESC
        return bars[-1].update

    try:
        yield new_bar
    finally:
        for shown in bars:
            shown.close()
