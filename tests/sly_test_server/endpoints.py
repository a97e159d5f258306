"""The public API methods the test server speaks: ``POST /public/api/v3/<method>``.

Each handler takes the store and the request and returns a :class:`Response`; a broken rule
raises :class:`ApiError`, which :func:`dispatch` turns into the JSON error answer.
Only the methods our project's SDK calls use are here; see ``ENDPOINTS``.
"""

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

from .listing import filter_items, page_answer, page_bounds, select_fields, sort_items
from .multipart import build_form_data, parse_form_data
from .responses import ApiError, Response, bad_request, json_response, not_found
from .store import IMAGE_FIELDS, Image, Store

BULK_INFO_MAX_IDS = 100
SUCCESS = {"success": True}


@dataclass(frozen=True)
class Request:
    """The parts of an API request a handler may read (never its headers)."""

    body: bytes
    content_type: str

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise bad_request("Request body is not valid JSON") from None

    def object(self) -> Dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise bad_request("Request body must be a JSON object")
        return body


def _required(body: Dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise bad_request(f"Field {name!r} is required")
    return body[name]


def _id_list(body: Dict[str, Any], name: str) -> List[int]:
    ids = _required(body, name)
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise bad_request(f"Field {name!r} must be a list of integer ids")
    return ids


def _list_answer(
    store: Store,
    body: Dict[str, Any],
    items: List[Any],
    value_of: Callable[[Any, str], Any],
    render: Callable[[Any], Dict[str, Any]],
) -> Response:
    try:
        found = filter_items(items, body.get("filter"), value_of)
        found = sort_items(found, body.get("sort"), body.get("sort_order"), value_of)
        start, stop, per_page = page_bounds(
            len(found), body.get("page"), body.get("per_page"), store.per_page
        )
        entities = [select_fields(render(item), body.get("fields")) for item in found[start:stop]]
    except ValueError as error:
        raise bad_request(str(error)) from None
    return json_response(page_answer(entities, len(found), per_page))


def _as_is(entity: Dict[str, Any]) -> Dict[str, Any]:
    return entity


# instance, teams, workspaces


def instance_version(store: Store, request: Request) -> Response:
    return json_response({"version": store.instance_version})


def teams_info(store: Store, request: Request) -> Response:
    return json_response(store.team_json(store.get_team(_required(request.object(), "id"))))


def teams_list(store: Store, request: Request) -> Response:
    body = request.object()
    with store.lock:
        teams = [store.team_json(team) for team in store.teams.values()]
        return _list_answer(store, body, teams, dict.get, _as_is)


def workspaces_info(store: Store, request: Request) -> Response:
    workspace = store.get_workspace(_required(request.object(), "id"))
    return json_response(store.workspace_json(workspace))


def workspaces_list(store: Store, request: Request) -> Response:
    body = request.object()
    with store.lock:
        team = store.get_team(_required(body, "teamId"))
        workspaces = [
            store.workspace_json(ws) for ws in store.workspaces.values() if ws.team_id == team.id
        ]
        return _list_answer(store, body, workspaces, dict.get, _as_is)


# projects


def projects_add(store: Store, request: Request) -> Response:
    body = request.object()
    project = store.add_project(
        _required(body, "workspaceId"),
        _required(body, "name"),
        type=body.get("type") or "images",
        description=body.get("description") or "",
        readme=body.get("readme"),
        settings=body.get("settings"),
        custom_data=body.get("customData"),
    )
    return json_response(store.project_json(project))


def projects_info(store: Store, request: Request) -> Response:
    project = store.get_project(_required(request.object(), "id"))
    return json_response(store.project_json(project))


def projects_list(store: Store, request: Request) -> Response:
    body = request.object()
    with store.lock:
        if body.get("workspaceId") is not None:
            workspace = store.get_workspace(body["workspaceId"])
            projects = store.projects_in(workspace_id=workspace.id)
        elif body.get("groupId") is not None:
            projects = store.projects_in(team_id=store.get_team(body["groupId"]).id)
        else:
            raise bad_request("Field 'workspaceId' or 'groupId' is required")
        rendered = [store.project_json(project) for project in projects]
        return _list_answer(store, body, rendered, dict.get, _as_is)


def projects_meta(store: Store, request: Request) -> Response:
    project = store.get_project(_required(request.object(), "id"))
    return json_response(store.meta_json(project))


def projects_meta_update(store: Store, request: Request) -> Response:
    body = request.object()
    return json_response(store.set_meta(_required(body, "id"), _required(body, "meta")))


def projects_settings_update(store: Store, request: Request) -> Response:
    body = request.object()
    store.set_settings(_required(body, "id"), _required(body, "settings"))
    return json_response(SUCCESS)


# datasets


def datasets_add(store: Store, request: Request) -> Response:
    body = request.object()
    dataset = store.add_dataset(
        _required(body, "projectId"),
        _required(body, "name"),
        description=body.get("description") or "",
        parent_id=body.get("parentId"),
        custom_data=body.get("customData"),
    )
    return json_response(store.dataset_json(dataset, with_custom_data=True))


def datasets_info(store: Store, request: Request) -> Response:
    dataset = store.get_dataset(_required(request.object(), "id"))
    return json_response(store.dataset_json(dataset, with_custom_data=True))


def datasets_list(store: Store, request: Request) -> Response:
    body = request.object()
    with_custom_data = "customData" in (body.get("extraFields") or [])
    with store.lock:
        datasets = store.datasets_in(_required(body, "projectId"), bool(body.get("recursive")))
        rendered = [store.dataset_json(d, with_custom_data) for d in datasets]
        return _list_answer(store, body, rendered, dict.get, _as_is)


# images


def images_hashes_list(store: Store, request: Request) -> Response:
    hashes = request.json()
    if not isinstance(hashes, list):
        raise bad_request("Request body must be a JSON list of hashes")
    return json_response(store.existing_hashes(hashes))


def images_bulk_upload(store: Store, request: Request) -> Response:
    try:
        parts = parse_form_data(request.body, request.content_type)
    except ValueError as error:
        raise bad_request(str(error)) from None
    answers = []
    for part in parts:
        try:
            answers.append({"hash": store.put_blob(part.data)})
        except ValueError as error:
            answers.append({"errors": f"{part.filename or part.name}: {error}"})
    return json_response(answers)


def images_bulk_add(store: Store, request: Request) -> Response:
    body = request.object()
    images = _required(body, "images")
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise bad_request("Field 'images' must be a list of objects")
    items = [
        {
            "name": image.get("title", image.get("name")),
            "hash": image.get("hash"),
            "image_id": image.get("imageId"),
            "meta": image.get("meta"),
        }
        for image in images
    ]
    created = store.add_images(_required(body, "datasetId"), items)
    return json_response([store.image_json(image) for image in created])


def images_info(store: Store, request: Request) -> Response:
    return json_response(store.image_json(store.get_image(_required(request.object(), "id"))))


def _image_value(image: Image, field: str, store: Store) -> Any:
    getter = IMAGE_FIELDS.get(field)
    return getter(image) if getter is not None else store.image_json(image).get(field)


def images_list(store: Store, request: Request) -> Response:
    body = request.object()
    with store.lock:
        if body.get("datasetId") is not None:
            images = store.images_in(body["datasetId"], bool(body.get("recursive")))
        elif body.get("projectId") is not None:
            images = store.images_of_project(body["projectId"])
        else:
            raise bad_request("Field 'datasetId' or 'projectId' is required")
        return _list_answer(
            store,
            body,
            images,
            lambda image, field: _image_value(image, field, store),
            store.image_json,
        )


def images_download(store: Store, request: Request) -> Response:
    with store.lock:
        image = store.get_image(_required(request.object(), "id"))
        return Response(200, store.blobs[image.hash], image.mime)


def images_bulk_download(store: Store, request: Request) -> Response:
    body = request.object()
    with store.lock:
        dataset = store.get_dataset(_required(body, "datasetId"))
        parts = []
        for image_id in _id_list(body, "imageIds"):
            image = store.get_image(image_id)
            if image.dataset_id != dataset.id:
                raise bad_request(f"Image {image.id} is not in dataset {dataset.id}")
            parts.append((str(image.id), store.blobs[image.hash], image.mime))
    payload, content_type = build_form_data(parts)
    return Response(200, payload, content_type)


# annotations and figures


def annotations_info(store: Store, request: Request) -> Response:
    body = request.object()
    image = store.get_image(_required(body, "imageId"))
    return json_response(store.annotation_info_json(image, bool(body.get("withCustomBigData"))))


def annotations_bulk_info(store: Store, request: Request) -> Response:
    body = request.object()
    image_ids = _id_list(body, "imageIds")
    if len(image_ids) > BULK_INFO_MAX_IDS:
        raise bad_request(
            f'"imageIds" must contain less than or equal to {BULK_INFO_MAX_IDS} items'
        )
    with store.lock:
        dataset = store.get_dataset(_required(body, "datasetId"))
        custom = bool(body.get("withCustomBigData"))
        # Like the real server: an id that is not an image of the dataset is left out.
        found = [store.images.get(i) for i in dict.fromkeys(image_ids)]
        answer = [
            store.annotation_info_json(image, custom)
            for image in found
            if image is not None and image.dataset_id == dataset.id
        ]
    return json_response(answer)


def annotations_bulk_add(store: Store, request: Request) -> Response:
    body = request.object()
    annotations = _required(body, "annotations")
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise bad_request("Field 'annotations' must be a list of objects")
    items = [(_required(a, "imageId"), _required(a, "annotation")) for a in annotations]
    store.set_annotations(_required(body, "datasetId"), items)
    return json_response([{"imageId": image_id, "success": True} for image_id, _ in items])


def figures_bulk_add(store: Store, request: Request) -> Response:
    body = request.object()
    figure_ids = store.add_figures(_required(body, "datasetId"), _required(body, "figures"))
    return json_response([{"id": figure_id} for figure_id in figure_ids])


def figures_tags_bulk_add(store: Store, request: Request) -> Response:
    body = request.object()
    tag_ids = store.add_figure_tags(_required(body, "projectId"), _required(body, "tags"))
    return json_response([{"id": tag_id} for tag_id in tag_ids])


def image_tags_bulk_add(store: Store, request: Request) -> Response:
    body = request.object()
    store.add_image_tag(_required(body, "tagId"), body.get("value"), _required(body, "ids"))
    return json_response(SUCCESS)


ENDPOINTS: Dict[str, Callable[[Store, Request], Response]] = {
    "instance.version": instance_version,
    "teams.info": teams_info,
    "teams.list": teams_list,
    "workspaces.info": workspaces_info,
    "workspaces.list": workspaces_list,
    "projects.add": projects_add,
    "projects.info": projects_info,
    "projects.list": projects_list,
    "projects.meta": projects_meta,
    "projects.meta.update": projects_meta_update,
    "projects.settings.update": projects_settings_update,
    "datasets.add": datasets_add,
    "datasets.info": datasets_info,
    "datasets.list": datasets_list,
    "images.internal.hashes.list": images_hashes_list,
    "images.bulk.upload": images_bulk_upload,
    "images.bulk.add": images_bulk_add,
    "images.info": images_info,
    "images.list": images_list,
    "images.download": images_download,
    "images.bulk.download": images_bulk_download,
    "annotations.info": annotations_info,
    "annotations.bulk.info": annotations_bulk_info,
    "annotations.bulk.add": annotations_bulk_add,
    "figures.bulk.add": figures_bulk_add,
    "figures.tags.bulk.add": figures_tags_bulk_add,
    "image-tags.bulk.add-to-image": image_tags_bulk_add,
}


def dispatch(store: Store, method: str, request: Request) -> Response:
    """Answer one API call; an unknown method gets a 404 like on the real server."""
    handler = ENDPOINTS.get(method)
    if handler is None:
        return not_found(
            f"API method {method!r} is not implemented by the test server"
        ).to_response()
    try:
        return handler(store, request)
    except ApiError as error:
        return error.to_response()
