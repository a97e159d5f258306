"""In-memory state of the test server and how its entities look in API answers.

Teams, workspaces, projects (with meta and settings), datasets, image data by hash, images
and the annotation of every image with all its stored versions. Every public method takes
the store's lock, so an operation is atomic: it checks everything first and changes state
only when the whole request is valid (a bad label leaves the other images untouched).
A broken rule raises ``ApiError`` with the status the real server would answer.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .bindings import rewrite_binding_keys
from .imaging import bytes_hash, image_header
from .responses import bad_request, not_found

KEY_STYLES = ("int", "str")
# The instance version SDK 6.74.51 expects (the last entry of its versions.json): an older one
# makes the SDK log an "upgrade your instance" warning after the first error answer.
INSTANCE_VERSION = "6.18.3"
UNSUPPORTED_FIGURES = ("alpha_mask",)
FIRST_IDS = {
    "team": 1,
    "workspace": 1,
    "project": 101,
    "dataset": 1001,
    "image": 100001,
    "figure": 5000001,
    "class": 9001,
    "tag_meta": 8001,
    "tag": 700001,
}


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than deepcopy.

    Examples:
        >>> original = {"objects": [{"points": [[1, 2]]}]}
        >>> copied = copy_json(original)
        >>> copied == original, copied["objects"][0] is original["objects"][0]
        (True, False)
    """
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def now_iso() -> str:
    """The current UTC time the way the server writes it: ``2024-05-01T10:00:00.123Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Team:
    id: int
    name: str
    created_at: str
    updated_at: str


@dataclass
class Workspace:
    id: int
    team_id: int
    name: str
    description: str
    created_at: str
    updated_at: str


@dataclass
class Project:
    id: int
    workspace_id: int
    team_id: int
    name: str
    description: str
    type: str
    readme: str
    settings: Dict[str, Any]
    custom_data: Dict[str, Any]
    created_at: str
    updated_at: str
    classes: List[Dict[str, Any]] = field(default_factory=list)
    tag_metas: List[Dict[str, Any]] = field(default_factory=list)
    dataset_ids: List[int] = field(default_factory=list)


@dataclass
class Dataset:
    id: int
    project_id: int
    parent_id: Optional[int]
    name: str
    description: str
    custom_data: Dict[str, Any]
    created_at: str
    updated_at: str
    image_ids: List[int] = field(default_factory=list)
    image_names: Dict[str, int] = field(default_factory=dict)


@dataclass
class Image:
    id: int
    dataset_id: int
    name: str
    hash: str
    mime: str
    size: int
    width: int
    height: int
    meta: Dict[str, Any]
    created_at: str
    updated_at: str
    # The current annotation. Stored annotations are never mutated in place: a change builds
    # a new dict, so the versions list can hold the same objects.
    ann: Dict[str, Any]
    ann_updated_at: str


def _require_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"Field {name!r} must be an integer")
    return value


def _require_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{what} name must be a non-empty string")
    return value


def _empty_annotation(width: int, height: int) -> Dict[str, Any]:
    return {
        "description": "",
        "size": {"height": height, "width": width},
        "tags": [],
        "objects": [],
        "customBigData": {},
    }


class Store:
    """All state of one test server.

    Args:
        team_id: id of the team created at start.
        workspace_id: id of the workspace created at start, in that team.
        key_style: ``"int"`` answers binding keys as JSON integers, ``"str"`` as strings.
        first_binding_key: the first key the server hands out; later ones count up.
        per_page: default and maximum page size of list answers.
        instance_version: what ``instance.version`` answers.
        login: the user every label and tag is attributed to.

    Raises:
        ValueError: for an unknown ``key_style`` or a page size below 1.
    """

    def __init__(
        self,
        *,
        team_id: int = 1,
        workspace_id: int = 1,
        key_style: str = "int",
        first_binding_key: int = 62245779,
        per_page: int = 500,
        instance_version: str = INSTANCE_VERSION,
        login: str = "test-user",
    ):
        if key_style not in KEY_STYLES:
            raise ValueError(f"Unknown key_style {key_style!r}. Possible values: int or str")
        if per_page < 1:
            raise ValueError("per_page must be a positive integer")
        self.lock = threading.RLock()
        self.key_style = key_style
        self.per_page = per_page
        self.instance_version = instance_version
        self.login = login
        self.teams: Dict[int, Team] = {}
        self.workspaces: Dict[int, Workspace] = {}
        self.projects: Dict[int, Project] = {}
        self.datasets: Dict[int, Dataset] = {}
        self.images: Dict[int, Image] = {}
        self.blobs: Dict[str, bytes] = {}
        self.blob_headers: Dict[str, Tuple[int, int, str]] = {}
        self.versions: Dict[int, List[Dict[str, Any]]] = {}
        self.figure_images: Dict[int, int] = {}
        self._next_ids = dict(FIRST_IDS)
        self._next_binding_key = first_binding_key
        self.default_team_id = self.add_team("Test team", id=team_id).id
        self.default_workspace_id = self.add_workspace(
            self.default_team_id, "Test workspace", id=workspace_id
        ).id

    # ids and keys

    def _new_id(self, kind: str, wanted: Optional[int] = None, taken: Iterable[int] = ()) -> int:
        if wanted is None:
            wanted = self._next_ids[kind]
        elif wanted in taken:
            raise ValueError(f"A {kind} with id {wanted} already exists")
        self._next_ids[kind] = max(self._next_ids[kind], wanted + 1)
        return wanted

    def _new_binding_key(self) -> Any:
        key = self._next_binding_key
        self._next_binding_key += 1
        return key if self.key_style == "int" else str(key)

    # teams and workspaces

    def add_team(self, name: str, id: Optional[int] = None) -> Team:
        with self.lock:
            now = now_iso()
            team = Team(self._new_id("team", id, self.teams), name, now, now)
            self.teams[team.id] = team
            return team

    def add_workspace(self, team_id: int, name: str, id: Optional[int] = None) -> Workspace:
        with self.lock:
            self.get_team(team_id)
            now = now_iso()
            ws_id = self._new_id("workspace", id, self.workspaces)
            workspace = Workspace(ws_id, team_id, name, "", now, now)
            self.workspaces[workspace.id] = workspace
            return workspace

    def get_team(self, team_id: Any) -> Team:
        with self.lock:
            team = self.teams.get(_require_int(team_id, "id"))
            if team is None:
                raise not_found(f"Team with id {team_id} not found")
            return team

    def get_workspace(self, workspace_id: Any) -> Workspace:
        with self.lock:
            workspace = self.workspaces.get(_require_int(workspace_id, "id"))
            if workspace is None:
                raise not_found(f"Workspace with id {workspace_id} not found")
            return workspace

    # projects

    def add_project(
        self,
        workspace_id: Any,
        name: Any,
        type: str = "images",
        description: str = "",
        readme: Optional[str] = None,
        settings: Optional[Dict[str, Any]] = None,
        custom_data: Optional[Dict[str, Any]] = None,
    ) -> Project:
        with self.lock:
            workspace = self.get_workspace(workspace_id)
            _require_name(name, "Project")
            for other in self.projects.values():
                if other.workspace_id == workspace.id and other.name == name:
                    raise bad_request(
                        f"Project with name {name!r} already exists in workspace {workspace.id}",
                        type="NONUNIQUE",
                        errors=[{"name": name, "id": other.id}],
                    )
            now = now_iso()
            project = Project(
                id=self._new_id("project"),
                workspace_id=workspace.id,
                team_id=workspace.team_id,
                name=name,
                description=description or "",
                type=type or "images",
                readme=readme or "",
                settings=copy_json(settings or {}),
                custom_data=copy_json(custom_data or {}),
                created_at=now,
                updated_at=now,
            )
            self.projects[project.id] = project
            return project

    def get_project(self, project_id: Any) -> Project:
        with self.lock:
            project = self.projects.get(_require_int(project_id, "id"))
            if project is None:
                raise not_found(f"Project with id {project_id} not found")
            return project

    def projects_in(
        self, workspace_id: Optional[int] = None, team_id: Optional[int] = None
    ) -> List[Project]:
        with self.lock:
            return [
                project
                for project in self.projects.values()
                if (workspace_id is None or project.workspace_id == workspace_id)
                and (team_id is None or project.team_id == team_id)
            ]

    def set_meta(self, project_id: Any, meta: Any) -> Dict[str, Any]:
        """Replace the classes and tags of a project; known ones keep their ids."""
        with self.lock:
            project = self.get_project(project_id)
            if not isinstance(meta, dict) or not isinstance(meta.get("classes", []), list):
                raise bad_request("Field 'meta' must be an object with a list of 'classes'")
            tags = meta.get("tags", [])
            if not isinstance(tags, list):
                raise bad_request("Field 'meta.tags' must be a list")
            classes = self._with_meta_ids(
                meta.get("classes", []), project.classes, "title", "class", ("title", "shape")
            )
            tag_metas = self._with_meta_ids(
                tags, project.tag_metas, "name", "tag_meta", ("name", "value_type")
            )
            project.classes, project.tag_metas = classes, tag_metas
            project.updated_at = now_iso()
            return self.meta_json(project)

    def _with_meta_ids(
        self,
        items: List[Any],
        current: List[Dict[str, Any]],
        name_key: str,
        kind: str,
        required: Sequence[str],
    ) -> List[Dict[str, Any]]:
        names = set()
        for item in items:
            if not isinstance(item, dict) or not all(key in item for key in required):
                raise bad_request(f"Every {kind.replace('_', ' ')} needs the fields {required}")
            if item[name_key] in names:
                raise bad_request(f"Duplicate {kind.replace('_', ' ')} name {item[name_key]!r}")
            names.add(item[name_key])
        by_id = {entry["id"]: entry for entry in current}
        by_name = {entry[name_key]: entry for entry in current}
        result = []
        for item in items:
            known = by_id.get(item.get("id")) or by_name.get(item[name_key])
            entity_id = known["id"] if known is not None else self._new_id(kind)
            result.append({**copy_json(item), "id": entity_id})
        return result

    def set_settings(self, project_id: Any, settings: Any) -> None:
        with self.lock:
            project = self.get_project(project_id)
            if not isinstance(settings, dict):
                raise bad_request("Field 'settings' must be an object")
            project.settings = copy_json(settings)
            project.updated_at = now_iso()

    # datasets

    def add_dataset(
        self,
        project_id: Any,
        name: Any,
        description: str = "",
        parent_id: Optional[int] = None,
        custom_data: Optional[Dict[str, Any]] = None,
    ) -> Dataset:
        with self.lock:
            project = self.get_project(project_id)
            _require_name(name, "Dataset")
            if parent_id is not None:
                parent = self.get_dataset(parent_id)
                if parent.project_id != project.id:
                    raise bad_request(f"Dataset {parent_id} is not in project {project.id}")
            for other_id in project.dataset_ids:
                other = self.datasets[other_id]
                if other.parent_id == parent_id and other.name == name:
                    raise bad_request(
                        f"Dataset with name {name!r} already exists in project {project.id}",
                        type="NONUNIQUE",
                        errors=[{"name": name, "id": other.id}],
                    )
            now = now_iso()
            dataset = Dataset(
                id=self._new_id("dataset"),
                project_id=project.id,
                parent_id=parent_id,
                name=name,
                description=description or "",
                custom_data=copy_json(custom_data or {}),
                created_at=now,
                updated_at=now,
            )
            self.datasets[dataset.id] = dataset
            project.dataset_ids.append(dataset.id)
            return dataset

    def get_dataset(self, dataset_id: Any) -> Dataset:
        with self.lock:
            dataset = self.datasets.get(_require_int(dataset_id, "id"))
            if dataset is None:
                raise not_found(f"Dataset with id {dataset_id} not found")
            return dataset

    def datasets_in(self, project_id: Any, recursive: bool = False) -> List[Dataset]:
        with self.lock:
            project = self.get_project(project_id)
            found = [self.datasets[i] for i in project.dataset_ids]
            return found if recursive else [d for d in found if d.parent_id is None]

    def _nested_dataset_ids(self, dataset: Dataset) -> List[int]:
        project = self.projects[dataset.project_id]
        result, frontier = [dataset.id], {dataset.id}
        for other_id in project.dataset_ids:  # children are always created after parents
            if self.datasets[other_id].parent_id in frontier:
                result.append(other_id)
                frontier.add(other_id)
        return result

    # image data

    def put_blob(self, data: bytes) -> str:
        """Keep image bytes under their hash; raises ``ValueError`` for non-images."""
        header = image_header(data)
        image_hash = bytes_hash(data)
        with self.lock:
            self.blobs[image_hash] = data
            self.blob_headers[image_hash] = header
            return image_hash

    def existing_hashes(self, hashes: Iterable[Any]) -> List[str]:
        with self.lock:
            return [h for h in hashes if isinstance(h, str) and h in self.blobs]

    # images

    def add_images(self, dataset_id: Any, items: Sequence[Dict[str, Any]]) -> List[Image]:
        """Create images from ``{"name", "hash" | "image_id", "meta"}`` items, all or none."""
        with self.lock:
            dataset = self.get_dataset(dataset_id)
            names = [item.get("name") for item in items]
            for name in names:
                _require_name(name, "Image")
            if len(set(names)) != len(names):
                raise bad_request("Image names in one request must be unique")
            taken = dataset.image_names
            clashes = [{"name": name, "id": taken[name]} for name in names if name in taken]
            if clashes:
                raise bad_request(
                    f"Images with the names {[c['name'] for c in clashes]} already exist "
                    f"in dataset {dataset.id}",
                    type="NONUNIQUE",
                    errors=clashes,
                )
            hashes = [self._hash_of_item(item) for item in items]
            for item in items:
                if not isinstance(item.get("meta") or {}, dict):
                    raise bad_request("Image field 'meta' must be an object")
            now = now_iso()
            created = []
            for item, image_hash in zip(items, hashes):
                width, height, mime = self.blob_headers[image_hash]
                image = Image(
                    id=self._new_id("image"),
                    dataset_id=dataset.id,
                    name=item["name"],
                    hash=image_hash,
                    mime=mime,
                    size=len(self.blobs[image_hash]),
                    width=width,
                    height=height,
                    meta=copy_json(item.get("meta") or {}),
                    created_at=now,
                    updated_at=now,
                    ann=_empty_annotation(width, height),
                    ann_updated_at=now,
                )
                self.images[image.id] = image
                self.versions[image.id] = []
                dataset.image_ids.append(image.id)
                dataset.image_names[image.name] = image.id
                created.append(image)
            dataset.updated_at = now
            return created

    def _hash_of_item(self, item: Dict[str, Any]) -> str:
        if item.get("hash") is not None:
            if item["hash"] not in self.blobs:
                raise bad_request(f"Image data with hash {item['hash']!r} was not uploaded")
            return item["hash"]
        if item.get("image_id") is not None:
            return self.get_image(item["image_id"]).hash
        raise bad_request("Every image needs a 'hash' or an 'imageId'")

    def get_image(self, image_id: Any) -> Image:
        with self.lock:
            image = self.images.get(_require_int(image_id, "id"))
            if image is None:
                raise not_found(f"Image with id {image_id} not found")
            return image

    def images_in(self, dataset_id: Any, recursive: bool = False) -> List[Image]:
        with self.lock:
            dataset = self.get_dataset(dataset_id)
            ids = self._nested_dataset_ids(dataset) if recursive else [dataset.id]
            return [self.images[i] for ds in ids for i in self.datasets[ds].image_ids]

    def images_of_project(self, project_id: Any) -> List[Image]:
        with self.lock:
            project = self.get_project(project_id)
            return [
                self.images[i] for ds in project.dataset_ids for i in self.datasets[ds].image_ids
            ]

    # annotations

    def set_annotations(self, dataset_id: Any, items: Sequence[Tuple[Any, Any]]) -> None:
        """Replace the annotations of images of one dataset (``annotations.bulk.add``)."""
        with self.lock:
            dataset = self.get_dataset(dataset_id)
            project = self.projects[dataset.project_id]
            images = []
            for image_id, ann_json in items:
                image = self.get_image(image_id)
                if image.dataset_id != dataset.id:
                    raise bad_request(f"Image {image.id} is not in dataset {dataset.id}")
                self._check_annotation(project, ann_json)
                images.append(image)
            for image, (_, ann_json) in zip(images, items):
                self._store_annotation(image, self._build_annotation(project, image, ann_json))

    def _check_annotation(self, project: Project, ann_json: Any) -> None:
        if not isinstance(ann_json, dict):
            raise bad_request("Annotation must be a JSON object")
        labels, tags = ann_json.get("objects"), ann_json.get("tags", [])
        if not isinstance(labels, list) or not isinstance(tags, list):
            raise bad_request("Annotation fields 'objects' and 'tags' must be lists")
        class_titles = {c["title"] for c in project.classes}
        for label in labels:
            if not isinstance(label, dict):
                raise bad_request("Every label must be a JSON object")
            if label.get("classTitle") not in class_titles:
                raise bad_request(
                    f"Class {label.get('classTitle')!r} not found in the meta of project "
                    f"{project.id}"
                )
            if not isinstance(label.get("tags", []), list):
                raise bad_request("Label field 'tags' must be a list")
            self._check_tags(project, label.get("tags", []))
            instance = label.get("instance")
            if instance is not None and (
                isinstance(instance, bool) or not isinstance(instance, (str, int))
            ):
                raise bad_request("Label field 'instance' must be a string or an integer")
        self._check_tags(project, tags)

    def _check_tags(self, project: Project, tags: List[Any]) -> None:
        tag_names = {t["name"] for t in project.tag_metas}
        for tag in tags:
            if not isinstance(tag, dict) or tag.get("name") not in tag_names:
                name = tag.get("name") if isinstance(tag, dict) else tag
                raise bad_request(f"Tag {name!r} not found in the meta of project {project.id}")

    def _build_annotation(
        self, project: Project, image: Image, ann_json: Dict[str, Any]
    ) -> Dict[str, Any]:
        now = now_iso()
        rewritten = rewrite_binding_keys(ann_json, self._new_binding_key)
        class_ids = {c["title"]: c["id"] for c in project.classes}
        labels = []
        for label in rewritten["objects"]:
            stored = {
                **copy_json(label),
                "id": self._new_id("figure"),
                "classId": class_ids[label["classTitle"]],
                "tags": [self._build_tag(project, t, now) for t in label.get("tags", [])],
                "labelerLogin": self.login,
                "createdAt": now,
                "updatedAt": now,
            }
            labels.append(stored)
        return {
            "description": ann_json.get("description", ""),
            "size": {"height": image.height, "width": image.width},
            "tags": [self._build_tag(project, t, now) for t in ann_json.get("tags", [])],
            "objects": labels,
            "customBigData": copy_json(ann_json.get("customBigData") or {}),
        }

    def _build_tag(self, project: Project, tag: Dict[str, Any], now: str) -> Dict[str, Any]:
        tag_meta_ids = {t["name"]: t["id"] for t in project.tag_metas}
        return {
            **copy_json(tag),
            "id": self._new_id("tag"),
            "tagId": tag_meta_ids[tag["name"]],
            "labelerLogin": self.login,
            "createdAt": now,
            "updatedAt": now,
        }

    def _store_annotation(self, image: Image, ann: Dict[str, Any]) -> None:
        for label in image.ann["objects"]:
            self.figure_images.pop(label["id"], None)
        for label in ann["objects"]:
            self.figure_images[label["id"]] = image.id
        image.ann = ann
        image.ann_updated_at = image.updated_at = now_iso()
        self.versions[image.id].append(ann)

    def add_figures(self, dataset_id: Any, figures: Any) -> List[int]:
        """Append labels to images (``figures.bulk.add``); returns the new figure ids."""
        with self.lock:
            dataset = self.get_dataset(dataset_id)
            project = self.projects[dataset.project_id]
            if not isinstance(figures, list):
                raise bad_request("Field 'figures' must be a list")
            classes = {c["id"]: c for c in project.classes}
            for figure in figures:
                if not isinstance(figure, dict):
                    raise bad_request("Every figure must be a JSON object")
                image = self.get_image(figure.get("entityId"))
                if image.dataset_id != dataset.id:
                    raise bad_request(f"Image {image.id} is not in dataset {dataset.id}")
                if figure.get("classId") not in classes:
                    raise bad_request(
                        f"Class id {figure.get('classId')} not found in project {project.id}"
                    )
                if figure.get("geometryType") in UNSUPPORTED_FIGURES:
                    raise bad_request(
                        f"The test server does not store {figure['geometryType']} figures"
                    )
                if not isinstance(figure.get("geometry"), dict):
                    raise bad_request("Every figure needs a 'geometry' object")
            now = now_iso()
            new_labels: Dict[int, List[Dict[str, Any]]] = {}
            figure_ids = []
            for figure in figures:
                obj_class = classes[figure["classId"]]
                label = {
                    "id": self._new_id("figure"),
                    "classId": obj_class["id"],
                    "classTitle": obj_class["title"],
                    "description": figure.get("description", ""),
                    "geometryType": figure["geometryType"],
                    "shape": figure["geometryType"],
                    "tags": [],
                    "nnCreated": False,
                    "nnUpdated": False,
                    "labelerLogin": self.login,
                    "createdAt": now,
                    "updatedAt": now,
                    **copy_json(figure["geometry"]),
                }
                new_labels.setdefault(figure["entityId"], []).append(label)
                figure_ids.append(label["id"])
            for image_id, labels in new_labels.items():
                image = self.images[image_id]
                ann = {**image.ann, "objects": image.ann["objects"] + labels}
                self._store_annotation(image, ann)
            return figure_ids

    def add_figure_tags(self, project_id: Any, tags: Any) -> List[int]:
        """Tag labels (``figures.tags.bulk.add``) with ``{"tagId", "figureId", "value"}``."""
        with self.lock:
            project = self.get_project(project_id)
            if not isinstance(tags, list):
                raise bad_request("Field 'tags' must be a list")
            tag_metas = {t["id"]: t for t in project.tag_metas}
            for tag in tags:
                if not isinstance(tag, dict) or tag.get("tagId") not in tag_metas:
                    raise bad_request(f"Every tag needs a 'tagId' of project {project.id}")
                image_id = self.figure_images.get(tag.get("figureId"))
                if image_id is None:
                    raise not_found(f"Figure with id {tag.get('figureId')} not found")
                if self.datasets[self.images[image_id].dataset_id].project_id != project.id:
                    raise bad_request(f"Figure {tag['figureId']} is not in project {project.id}")
            now = now_iso()
            by_image: Dict[int, Dict[int, List[Dict[str, Any]]]] = {}
            tag_ids = []
            for tag in tags:
                stored = self._build_tag(
                    project,
                    {"name": tag_metas[tag["tagId"]]["name"], "value": tag.get("value")},
                    now,
                )
                image_id = self.figure_images[tag["figureId"]]
                by_image.setdefault(image_id, {}).setdefault(tag["figureId"], []).append(stored)
                tag_ids.append(stored["id"])
            for image_id, by_figure in by_image.items():
                image = self.images[image_id]
                labels = [
                    {**label, "tags": label["tags"] + by_figure.get(label["id"], [])}
                    for label in image.ann["objects"]
                ]
                self._store_annotation(image, {**image.ann, "objects": labels})
            return tag_ids

    def add_image_tag(self, tag_id: Any, value: Any, image_ids: Any) -> None:
        """Tag whole images (``image-tags.bulk.add-to-image``)."""
        with self.lock:
            _require_int(tag_id, "tagId")
            if not isinstance(image_ids, list):
                raise bad_request("Field 'ids' must be a list of image ids")
            owners = [
                p for p in self.projects.values() if any(t["id"] == tag_id for t in p.tag_metas)
            ]
            if not owners:
                raise not_found(f"Tag with id {tag_id} not found")
            project = owners[0]
            images = [self.get_image(i) for i in image_ids]
            for image in images:
                if self.datasets[image.dataset_id].project_id != project.id:
                    raise bad_request(f"Image {image.id} is not in project {project.id}")
            name = next(t["name"] for t in project.tag_metas if t["id"] == tag_id)
            now = now_iso()
            for image in images:
                tag = self._build_tag(project, {"name": name, "value": value}, now)
                self._store_annotation(image, {**image.ann, "tags": image.ann["tags"] + [tag]})

    def annotation_versions(self, image_id: Any) -> List[Dict[str, Any]]:
        with self.lock:
            self.get_image(image_id)
            return copy_json(self.versions[image_id])

    # how entities look in answers

    def team_json(self, team: Team) -> Dict[str, Any]:
        return {
            "id": team.id,
            "name": team.name,
            "description": "",
            "role": "admin",
            "createdAt": team.created_at,
            "updatedAt": team.updated_at,
            "usage": None,
        }

    def workspace_json(self, workspace: Workspace) -> Dict[str, Any]:
        return {
            "id": workspace.id,
            "name": workspace.name,
            "description": workspace.description,
            "teamId": workspace.team_id,
            "createdAt": workspace.created_at,
            "updatedAt": workspace.updated_at,
        }

    def project_json(self, project: Project) -> Dict[str, Any]:
        with self.lock:
            images = [
                self.images[i] for d in project.dataset_ids for i in self.datasets[d].image_ids
            ]
            return {
                "id": project.id,
                "name": project.name,
                "description": project.description,
                "size": str(sum(image.size for image in images)),
                "readme": project.readme,
                "workspaceId": project.workspace_id,
                "teamId": project.team_id,
                "imagesCount": len(images),
                "itemsCount": len(images),
                "datasetsCount": len(project.dataset_ids),
                "createdAt": project.created_at,
                "updatedAt": project.updated_at,
                "type": project.type,
                "referenceImageUrl": None,
                "customData": copy_json(project.custom_data),
                "backupArchive": None,
                "settings": copy_json(project.settings),
                "importSettings": None,
                "version": None,
                "createdBy": 1,
                "embeddingsEnabled": False,
                "embeddingsUpdatedAt": None,
                "embeddingsInProgress": False,
                "localEntitiesCount": len(images),
                "remoteEntitiesCount": 0,
            }

    def meta_json(self, project: Project) -> Dict[str, Any]:
        with self.lock:
            return {
                "classes": copy_json(project.classes),
                "tags": copy_json(project.tag_metas),
                "projectType": project.type,
            }

    def dataset_json(self, dataset: Dataset, with_custom_data: bool = False) -> Dict[str, Any]:
        """A dataset as answered; ``customData`` only when asked for.

        ``datasets.list`` must leave it out by default: ``sly.download_project`` uses the
        ``DatasetInfo`` tuples it builds from that answer as dict keys, and a dict inside a
        tuple makes it unhashable.
        """
        with self.lock:
            project = self.projects[dataset.project_id]
            images = [self.images[i] for i in dataset.image_ids]
            result = {
                "id": dataset.id,
                "name": dataset.name,
                "description": dataset.description,
                "size": str(sum(image.size for image in images)),
                "projectId": dataset.project_id,
                "imagesCount": len(images),
                "itemsCount": len(images),
                "createdAt": dataset.created_at,
                "updatedAt": dataset.updated_at,
                "referenceImageUrl": None,
                "teamId": project.team_id,
                "workspaceId": project.workspace_id,
                "parentId": dataset.parent_id,
                "createdBy": 1,
            }
            if with_custom_data:
                result["customData"] = copy_json(dataset.custom_data)
            return result

    def image_json(self, image: Image) -> Dict[str, Any]:
        with self.lock:
            ext = image.mime.split("/")[1]
            return {
                "id": image.id,
                "name": image.name,
                "link": None,
                "hash": image.hash,
                "mime": image.mime,
                "ext": ext,
                "size": image.size,
                "width": image.width,
                "height": image.height,
                "labelsCount": len(image.ann["objects"]),
                "datasetId": image.dataset_id,
                "projectId": self.datasets[image.dataset_id].project_id,
                "createdAt": image.created_at,
                "updatedAt": image.updated_at,
                "meta": copy_json(image.meta),
                "pathOriginal": f"/images/original/{image.id}.{ext}",
                "fullStorageUrl": None,
                "tags": copy_json(image.ann["tags"]),
                "createdBy": 1,
                "relatedDataId": None,
                "downloadId": None,
                "offsetStart": None,
                "offsetEnd": None,
                "aiSearchMeta": None,
                "embeddingsUpdatedAt": None,
                "description": "",
                "parentId": None,
            }

    def annotation_info_json(self, image: Image, with_custom_data: bool = False) -> Dict[str, Any]:
        with self.lock:
            ann = image.ann
            if not with_custom_data:
                ann = {key: value for key, value in ann.items() if key != "customBigData"}
            return {
                "imageId": image.id,
                "imageName": image.name,
                "annotation": copy_json(ann),
                "createdAt": image.created_at,
                "updatedAt": image.ann_updated_at,
                "datasetId": image.dataset_id,
            }


IMAGE_FIELDS: Dict[str, Callable[[Image], Any]] = {
    "id": lambda image: image.id,
    "name": lambda image: image.name,
    "hash": lambda image: image.hash,
    "datasetId": lambda image: image.dataset_id,
    "createdAt": lambda image: image.created_at,
    "updatedAt": lambda image: image.updated_at,
    "labelsCount": lambda image: len(image.ann["objects"]),
    "size": lambda image: image.size,
    "width": lambda image: image.width,
    "height": lambda image: image.height,
}
