"""The Supervisely test server, driven by the real ``sly.Api`` over loopback."""

import doctest
import importlib
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
import requests
import supervisely as sly

from sly_test_server import SlyTestServer

CAR = sly.ObjClass("car", sly.Rectangle)
WHEEL = sly.ObjClass("wheel", sly.Polygon)
META = sly.ProjectMeta(obj_classes=[CAR, WHEEL])
CLIENT_KEY = "4f0c2a1e9b7d4c3a8e6f5d2b1a0c9e8f"  # what a client sends: uuid4().hex


def make_api(server: SlyTestServer, token: str = None) -> sly.Api:
    return sly.Api(server.url, token or server.token, retry_count=2, retry_sleep_sec=0)


def write_image(path, width=6, height=4, value=0) -> str:
    cv2.imwrite(str(path), np.full((height, width, 3), value, np.uint8))
    return str(path)


def bound_annotation(meta: sly.ProjectMeta, key: str = CLIENT_KEY) -> sly.Annotation:
    """A car and its wheel bound by ``key``, and a second car without a binding."""
    car, wheel = meta.get_obj_class("car"), meta.get_obj_class("wheel")
    return sly.Annotation(
        (4, 6),
        [
            sly.Label(sly.Rectangle(0, 0, 2, 3), car, binding_key=key),
            sly.Label(sly.Polygon([[1, 1], [1, 3], [3, 3]]), wheel, binding_key=key),
            sly.Label(sly.Rectangle(1, 1, 3, 5), car),
        ],
    )


def groups(ann_json: dict) -> list:
    """Label indexes grouped by binding key, keys themselves ignored; unbound last."""
    by_key = {}
    for index, label in enumerate(ann_json["objects"]):
        by_key.setdefault(label.get("instance"), []).append(index)
    unbound = by_key.pop(None, [])
    return sorted(by_key.values()) + [unbound]


@pytest.fixture
def uploaded(sly_server, sly_api, tmp_path):
    """A project with the test meta, a dataset and one 6x4 image; requests forgotten."""
    project = sly_api.project.create(sly_server.workspace_id, "tutorial-bindings")
    meta = sly_api.project.update_meta(project.id, META)
    dataset = sly_api.dataset.create(project.id, "ds0")
    image = sly_api.image.upload_path(dataset.id, "img.jpg", write_image(tmp_path / "img.jpg"))
    sly_server.reset_requests()
    return project, meta, dataset, image


# connecting


def test_first_request_survives_the_https_probe_quickly(sly_server, monkeypatch):
    # The SDK first probes https://host:port/ (Api._check_https_redirect: requests.get with
    # timeout=(5, 15)); the server closes that TLS connection at once, so the probe ends in a
    # connection error, never in a timeout (which would stall the first request 15 s).
    probes, get = [], requests.get

    def probe(url, **kwargs):
        try:
            return get(url, **kwargs)
        except Exception as error:
            probes.append((url, error))
            raise

    monkeypatch.setattr(requests, "get", probe)  # as supervisely/api/api.py calls it
    info = make_api(sly_server).workspace.get_info_by_id(sly_server.workspace_id)
    [(url, error)] = probes
    assert url.startswith("https://") and isinstance(error, requests.ConnectionError)
    assert not isinstance(error, requests.Timeout)
    assert (info.id, info.team_id) == (sly_server.workspace_id, sly_server.team_id)
    assert sly_server.tls_probes == 1
    assert sly_server.request_log == [("POST", "workspaces.info", 200)]


@pytest.mark.parametrize(
    "token",
    [
        "wrong-token-0123456789",  # a token of another user
        None,  # no x-api-key header at all
    ],
)
def test_bad_token_gets_401_at_once_and_is_never_echoed(sly_server, token):
    api = sly.Api(sly_server.url, token, retry_count=2, retry_sleep_sec=0)
    if token is None:
        api.headers.pop("x-api-key", None)
    with pytest.raises(requests.HTTPError) as raised:
        api.workspace.get_info_by_id(sly_server.workspace_id)
    response = raised.value.response
    assert response.status_code == 401
    assert set(response.json()) == {"error", "details"}
    assert "message" in response.json()["details"]
    assert token is None or token not in response.text
    assert sly_server.token not in response.text
    # the SDK asks for the instance version after its first non-200 answer
    assert sly_server.request_log == [
        ("POST", "workspaces.info", 401),
        ("POST", "instance.version", 401),
    ]


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("POST", "/public/api/v3/no.such.method", 404),  # unknown API method
        ("GET", "/public/api/v3/projects.list", 405),  # API methods take POST
        ("GET", "/", 404),  # nothing outside the API
    ],
)
def test_other_requests_get_json_errors(sly_server, method, path, status):
    response = requests.request(
        method, sly_server.url + path, headers={"x-api-key": sly_server.token}, timeout=5
    )
    assert response.status_code == status
    assert "message" in response.json()["details"]


# ids, names and lists


@pytest.mark.parametrize(
    "get_info",
    [
        lambda api: api.workspace.get_info_by_id(999),
        lambda api: api.project.get_info_by_id(999),
        lambda api: api.dataset.get_info_by_id(999),
        lambda api: api.image.get_info_by_id(999),
    ],
    ids=["workspace", "project", "dataset", "image"],
)
def test_unknown_id_makes_get_info_by_id_return_none(sly_api, get_info):
    assert get_info(sly_api) is None


def test_unknown_image_id_fails_like_on_the_real_server(sly_api, uploaded):
    _, meta, _, _ = uploaded
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.annotation.download_json(999)
    assert raised.value.response.status_code == 404
    with pytest.raises(RuntimeError):  # the SDK checks images.info first and finds None
        sly_api.annotation.upload_ann(999, bound_annotation(meta))


def test_project_name_conflict_is_avoided_by_change_name_if_conflict(sly_server, sly_api):
    ws = sly_server.workspace_id
    first = sly_api.project.create(ws, "tutorial-bindings", change_name_if_conflict=True)
    second = sly_api.project.create(ws, "tutorial-bindings", change_name_if_conflict=True)
    assert (first.name, second.name) == ("tutorial-bindings", "tutorial-bindings_001")
    assert first.id != second.id
    assert sly_api.project.get_info_by_name(ws, "tutorial-bindings_001").id == second.id
    assert sly_api.project.get_info_by_name(ws, "missing") is None
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.project.create(ws, "tutorial-bindings")
    assert raised.value.response.status_code == 400
    assert [p["id"] for p in sly_server.find_projects(name="tutorial-bindings")] == [first.id]


def test_dataset_and_image_names_are_unique_in_their_parent(sly_api, uploaded, tmp_path):
    project, _, dataset, image = uploaded
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.dataset.create(project.id, "ds0")
    assert raised.value.response.status_code == 400
    assert sly_api.dataset.create(project.id, "ds0", change_name_if_conflict=True).name == "ds0_001"
    path = write_image(tmp_path / "other.jpg", value=200)
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.image.upload_path(dataset.id, "img.jpg", path)
    assert raised.value.response.json()["details"]["type"] == "NONUNIQUE"
    # the SDK's conflict resolution reads the clashing names from the error details
    renamed = sly_api.image.upload_paths(
        dataset.id, ["img.jpg"], [path], conflict_resolution="rename"
    )
    assert renamed[0].name.startswith("img_") and renamed[0].id != image.id


def test_lists_are_paged_and_filtered(tmp_path):
    with SlyTestServer(per_page=2) as server:
        api = make_api(server)
        for name in ("a", "b", "c"):
            api.project.create(server.workspace_id, name)
        project = api.project.get_info_by_name(server.workspace_id, "b")
        dataset = api.dataset.create(project.id, "ds0")
        names = [f"{i}.png" for i in range(5)]
        paths = [write_image(tmp_path / n, value=i) for i, n in enumerate(names)]
        api.image.upload_paths(dataset.id, names, paths)
        server.reset_requests()

        assert [p.name for p in api.project.get_list(server.workspace_id)] == ["a", "b", "c"]
        assert sorted(i.name for i in api.image.get_list(dataset.id)) == sorted(names)
        assert api.image.get_info_by_name(dataset.id, "3.png").name == "3.png"
        assert server.request_counts == Counter({"projects.list": 2, "images.list": 4})


def test_dataset_list_leaves_out_custom_data_unless_asked(sly_api, uploaded):
    project, _, _, _ = uploaded
    sly_api.dataset.create(project.id, "with-data", custom_data={"source": "test"})
    listed = sly_api.dataset.get_list(project.id)
    assert {hash(info) for info in listed}  # download_project uses them as dict keys
    detailed = sly_api.dataset.get_list(project.id, include_custom_data=True)
    assert [d.custom_data for d in detailed] == [{}, {"source": "test"}]


def test_project_info_counts_and_meta_ids(sly_api, uploaded):
    project, meta, dataset, _ = uploaded
    info = sly_api.project.get_info_by_id(project.id)
    assert (info.images_count, info.datasets_count) == (1, 1)
    assert sly_api.dataset.get_info_by_id(dataset.id).items_count == 1
    class_ids = {c.name: c.sly_id for c in meta.obj_classes}
    assert all(isinstance(i, int) for i in class_ids.values())
    downloaded = sly.ProjectMeta.from_json(sly_api.project.get_meta(project.id))
    assert {c.name: c.sly_id for c in downloaded.obj_classes} == class_ids


# annotations and binding keys


def test_binding_keys_are_rewritten_with_grouping_kept(sly_server, sly_api, uploaded):
    _, meta, _, image = uploaded
    sent = bound_annotation(meta)
    sly_api.annotation.upload_ann(image.id, sent)
    got = sly_api.annotation.download_json(image.id)
    keys = [label.get("instance") for label in got["objects"]]
    assert keys == [62245779, 62245779, None]  # the server's own integer, not the uuid
    assert groups(got) == groups(sent.to_json()) == [[0, 1], [2]]
    figure_ids = [label["id"] for label in got["objects"]]
    assert len(set(figure_ids)) == 3 and all(isinstance(i, int) for i in figure_ids)
    parsed = sly.Annotation.from_json(got, meta)
    assert [l.geometry.to_json()["points"] for l in parsed.labels] == [
        l.geometry.to_json()["points"] for l in sent.labels
    ]


def test_every_upload_is_a_version_with_fresh_keys(sly_server, sly_api, uploaded):
    _, meta, _, image = uploaded
    sly_api.annotation.upload_ann(image.id, bound_annotation(meta))
    sly_api.annotation.upload_json(image.id, sly_api.annotation.download_json(image.id))
    versions = sly_server.annotation_versions(image.id)
    assert [[label.get("instance") for label in v["objects"]] for v in versions] == [
        [62245779, 62245779, None],
        [62245780, 62245780, None],
    ]
    assert sly_server.get_annotation(image.id) == versions[-1]


def test_keys_can_be_answered_as_strings(tmp_path):
    with SlyTestServer(key_style="str", first_binding_key=7) as server:
        api = make_api(server)
        project_id = server.seed_project("p", meta=META)
        meta = sly.ProjectMeta.from_json(server.get_meta(project_id))
        dataset_id = server.seed_dataset(project_id, "ds0")
        image_id = server.seed_image(dataset_id, "a.png", 6, 4, ann_json=bound_annotation(meta))
        got = api.annotation.download_json(image_id)
        assert [label.get("instance") for label in got["objects"]] == ["7", "7", None]


def test_annotation_with_unknown_class_is_refused(sly_api, uploaded):
    _, _, _, image = uploaded
    truck = sly.ObjClass("truck", sly.Rectangle)
    ann = sly.Annotation((4, 6), [sly.Label(sly.Rectangle(0, 0, 1, 1), truck)])
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.annotation.upload_ann(image.id, ann)
    assert raised.value.response.status_code == 400


def test_batch_downloads_keep_grouping(sly_server, sly_api, uploaded, tmp_path):
    project, meta, dataset, _ = uploaded
    names = [f"{i}.png" for i in range(3)]
    paths = [write_image(tmp_path / name, value=i) for i, name in enumerate(names)]
    ids = [info.id for info in sly_api.image.upload_paths(dataset.id, names, paths)]
    sly_api.annotation.upload_anns(ids, [bound_annotation(meta)] * 3)
    by_json = sly_api.annotation.download_json_batch(dataset.id, ids)
    by_info = sly_api.annotation.download_batch(dataset.id, ids)
    by_async = sly.run_coroutine(sly_api.annotation.download_bulk_async(dataset.id, ids))
    by_async_single = sly.run_coroutine(sly_api.annotation.download_batch_async(dataset.id, ids))
    for result in (by_json, [i.annotation for i in by_info], [i.annotation for i in by_async]):
        assert [groups(ann) for ann in result] == [[[0, 1], [2]]] * 3
    assert [i.image_id for i in by_async_single] == ids
    keys = [ann["objects"][0]["instance"] for ann in by_json]
    assert len(set(keys)) == 3  # one fresh key per uploaded annotation


def test_bulk_info_refuses_more_than_100_ids(sly_server, sly_api, uploaded):
    _, _, dataset, image = uploaded
    body = {"datasetId": dataset.id, "imageIds": [image.id] * 101}
    response = requests.post(
        f"{sly_server.url}/public/api/v3/annotations.bulk.info",
        json=body,
        headers={"x-api-key": sly_server.token},
        timeout=5,
    )
    assert response.status_code == 400


def test_upload_anns_async_appends_figures_without_binding_keys(sly_server, sly_api, uploaded):
    # SDK quirk: upload_anns_async posts figures.bulk.add, which carries no binding key.
    _, meta, dataset, image = uploaded
    sly_api.annotation.upload_ann(image.id, bound_annotation(meta))
    coroutine = sly_api.annotation.upload_anns_async(
        [image.id], [bound_annotation(meta)], dataset_id=dataset.id, log_progress=False
    )
    sly.run_coroutine(coroutine)
    labels = sly_server.get_annotation(image.id)["objects"]
    assert [label.get("instance") for label in labels] == [62245779, 62245779, None] + [None] * 3
    assert len(sly_server.annotation_versions(image.id)) == 2


def test_upload_anns_async_stores_object_and_image_tags(sly_server, sly_api):
    color = sly.TagMeta("color", sly.TagValueType.ANY_STRING)
    project_id = sly_server.seed_project("p", meta=META.add_tag_meta(color))
    meta = sly.ProjectMeta.from_json(sly_api.project.get_meta(project_id))
    dataset_id = sly_server.seed_dataset(project_id, "ds0")
    image_id = sly_server.seed_image(dataset_id, "a.png", 6, 4)
    red = sly.Tag(meta.get_tag_meta("color"), "red")
    label = sly.Label(sly.Rectangle(0, 0, 1, 1), meta.get_obj_class("car"), tags=[red])
    ann = sly.Annotation((4, 6), [label], img_tags=[red])
    coroutine = sly_api.annotation.upload_anns_async(
        [image_id], [ann], dataset_id=dataset_id, log_progress=False
    )
    sly.run_coroutine(coroutine)
    got = sly.Annotation.from_json(sly_api.annotation.download_json(image_id), meta)
    assert got.img_tags.get("color").value == "red"
    assert [l.tags.get("color").value for l in got.labels] == ["red"]
    assert sly_server.request_counts["figures.tags.bulk.add"] == 1
    assert sly_server.request_counts["image-tags.bulk.add-to-image"] == 1


def test_image_bytes_come_back(sly_server, sly_api, uploaded, tmp_path):
    _, _, dataset, image = uploaded
    original = (tmp_path / "img.jpg").read_bytes()
    assert sly_api.image.download_bytes(dataset.id, [image.id]) == [original]
    assert sly_api.image.download_np(image.id).shape == (4, 6, 3)
    assert (image.width, image.height, image.hash) == (
        6,
        4,
        sly.fs.get_file_hash(tmp_path / "img.jpg"),
    )


# whole projects


def test_upload_and_download_project_round_trip(sly_server, sly_api, tmp_path):
    local = sly.Project(str(tmp_path / "local"), sly.OpenMode.CREATE)
    local.set_meta(META)
    dataset = local.create_dataset("ds0")
    dataset.add_item_file(
        "a.png", write_image(tmp_path / "a.png"), ann=bound_annotation(META, key="k1")
    )
    project_id, name = sly.upload_project(
        str(tmp_path / "local"), sly_api, sly_server.workspace_id, log_progress=False
    )
    assert name == "local"
    sly.download_project(sly_api, project_id, str(tmp_path / "down"), log_progress=False)
    downloaded = sly.Project(str(tmp_path / "down"), sly.OpenMode.READ)
    ann = downloaded.datasets.get("ds0").get_ann("a.png", downloaded.meta)
    assert [(l.obj_class.name, l.binding_key) for l in ann.labels] == [
        ("car", 62245779),
        ("wheel", 62245779),
        ("car", None),
    ]
    image_path = downloaded.datasets.get("ds0").get_img_path("a.png")
    assert open(image_path, "rb").read() == (tmp_path / "a.png").read_bytes()


# requests, latency and faults


@pytest.mark.parametrize(
    "call, expected",
    [
        (
            lambda api, ws, image, meta: api.project.create(ws, "x", change_name_if_conflict=True),
            {"projects.list": 1, "projects.add": 1},
        ),
        (
            lambda api, ws, image, meta: api.annotation.upload_ann(
                image.id, bound_annotation(meta)
            ),
            {"images.info": 1, "datasets.info": 1, "projects.meta": 1, "annotations.bulk.add": 1},
        ),
        (
            lambda api, ws, image, meta: api.annotation.download_json(image.id),
            {"annotations.info": 1},
        ),
    ],
    ids=["create-project", "upload-ann", "download-json"],
)
def test_request_counts(sly_server, uploaded, call, expected):
    _, meta, _, image = uploaded
    call(make_api(sly_server), sly_server.workspace_id, image, meta)  # a fresh Api, no cache
    assert sly_server.request_counts == Counter(expected)


def test_latency_is_paid_per_request_and_overlaps(sly_server, sly_api, monkeypatch):
    sly_api.workspace.get_info_by_id(sly_server.workspace_id)  # the https probe is done
    sly_server.latency = 0.2
    start = time.monotonic()
    sly_api.workspace.get_info_by_id(sly_server.workspace_id)
    assert time.monotonic() - start >= 0.2  # a lower bound: a sleep is never shorter
    # Requests are served side by side: 5 at once all reach the app before any is answered
    # (one after another, the first would wait at the barrier till its timeout breaks it).
    together = threading.Barrier(5, timeout=60)
    app = sly_server._httpd.app

    def served_together(*args):
        together.wait()
        return app(*args)

    monkeypatch.setattr(sly_server._httpd, "app", served_together)
    with ThreadPoolExecutor(5) as pool:
        infos = list(pool.map(sly_api.workspace.get_info_by_id, [sly_server.workspace_id] * 5))
    assert not together.broken and [info.id for info in infos] == [sly_server.workspace_id] * 5


@pytest.mark.parametrize(
    "plan, versions",
    [
        (lambda s: s.fail_next(1, endpoint="annotations.bulk.add"), 1),  # 503, nothing stored
        (lambda s: s.fail_next(1, 500, "annotations.bulk.add", after_processing=True), 2),
        (lambda s: s.drop_next(1, endpoint="annotations.bulk.add"), 1),  # no answer
        (lambda s: s.drop_next(1, "annotations.bulk.add", after_processing=True), 2),
    ],
    ids=["fail", "fail-after-processing", "drop", "drop-after-processing"],
)
def test_faults_are_retried_by_the_sdk(sly_server, sly_api, uploaded, plan, versions):
    _, meta, _, image = uploaded
    plan(sly_server)
    sly_api.annotation.upload_ann(image.id, bound_annotation(meta))
    assert sly_server.pending_faults == 0
    assert len(sly_server.annotation_versions(image.id)) == versions
    statuses = [s for _, e, s in sly_server.request_log if e == "annotations.bulk.add"]
    assert statuses[-1] == 200 and len(statuses) == 2


def test_retried_create_after_a_lost_answer_hits_the_name_check(sly_server, sly_api):
    sly_server.fail_next(1, endpoint="projects.add", after_processing=True)
    with pytest.raises(requests.HTTPError) as raised:
        sly_api.project.create(sly_server.workspace_id, "tutorial-bindings")
    assert raised.value.response.status_code == 400
    assert len(sly_server.find_projects(name="tutorial-bindings")) == 1


def test_too_many_faults_exhaust_the_retries(sly_server, sly_api, uploaded):
    _, _, _, image = uploaded
    sly_server.fail_next(5, endpoint="images.info")
    with pytest.raises(requests.exceptions.RetryError):
        sly_api.image.get_info_by_id(image.id)
    assert sly_server.pending_faults == 3


def test_async_download_survives_a_dropped_connection(sly_server, sly_api, uploaded):
    _, meta, dataset, image = uploaded
    sly_api.annotation.upload_ann(image.id, bound_annotation(meta))
    sly_server.drop_next(1, endpoint="annotations.bulk.info")
    infos = sly.run_coroutine(sly_api.annotation.download_bulk_async(dataset.id, [image.id]))
    assert groups(infos[0].annotation) == [[0, 1], [2]]
    statuses = [s for _, e, s in sly_server.request_log if e == "annotations.bulk.info"]
    assert statuses == [None, 200]


def test_stop_closes_the_port():
    server = SlyTestServer()
    url = server.start()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.post(url + "/public/api/v3/instance.version", timeout=2)


@pytest.mark.parametrize(
    "module",
    [
        "bindings",
        "listing",
        "multipart",
        "imaging",
        "faults",
        "recorder",
        "responses",
        "store",
        "server",
    ],
)
def test_module_examples(module):
    failed, _ = doctest.testmod(importlib.import_module(f"sly_test_server.{module}"))
    assert failed == 0


def test_a_body_that_never_comes_gets_408_like_from_a_real_server(sly_server, monkeypatch):
    """What an SDK retry of a consumed multipart upload looks like on the wire."""
    import socket

    from sly_test_server import httpd

    monkeypatch.setattr(httpd, "BODY_TIMEOUT_SEC", 0.3)
    with socket.create_connection(("127.0.0.1", sly_server.port)) as connection:
        connection.sendall(
            b"POST /public/api/v3/images.bulk.upload HTTP/1.1\r\nHost: test\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        connection.settimeout(60)  # a server that never answers fails the test, not hangs it
        answer = connection.recv(1000)
    assert answer.startswith(b"HTTP/1.1 408 ")
