"""annotation_pipeline.py against the test server: counts, batches, requests, faults, re-runs."""

from __future__ import annotations

import pytest
import requests
import supervisely as sly

from sly_bindings.project import server_pipeline as annotation_pipeline
from sly_bindings.project.server_pipeline import RunStopped, edit_server_datasets
from sly_bindings.project.edits import EditSummary
from bound_projects import (
    CHANGED_BY,
    GROUPS_AFTER,
    META,
    fail_uploads_after_the_first,
    seed_server_project,
    server_groups,
    unbind,
)


def run(api, project_id, edit, **options):
    datasets = api.dataset.get_list(project_id, recursive=True)
    return edit_server_datasets(api, datasets, META, edit, **options)


def versions(server, project_id):
    """(dataset, image) -> how many annotations the image has had stored, seeding included."""
    return {
        (dataset["name"], image["name"]): len(server.annotation_versions(image["id"]))
        for dataset in server.find_datasets(project_id=project_id)
        for image in server.find_images(dataset_id=dataset["id"])
    }


@pytest.mark.parametrize("class_names, result", [(None, "discard"), (["car"], "discard car")])
def test_discard_uploads_the_changed_annotations_only(sly_server, sly_api, class_names, result):
    project_id = seed_server_project(sly_server)
    sly_server.reset_requests()

    summaries = run(sly_api, project_id, unbind(class_names))

    changed = CHANGED_BY[result]
    assert [(s.images, s.changed, s.saved, s.skipped) for s in summaries] == [
        (4, changed, changed, 0)
    ] * 2
    assert server_groups(sly_server, project_id) == {
        "ds0": GROUPS_AFTER[result],
        "ds1": GROUPS_AFTER[result],
    }
    # an unchanged image keeps its one stored version: it was not uploaded again
    unchanged = {
        name
        for name, groups in GROUPS_AFTER[result].items()
        if groups == GROUPS_AFTER["none"][name]
    }
    once = {name for (_, name), count in versions(sly_server, project_id).items() if count == 1}
    assert once == unchanged
    counts = sly_server.request_counts
    # one listing and one download per dataset; the meta came with the call, never asked for
    assert (counts["images.list"], counts["annotations.bulk.info"]) == (2, 2)
    assert (counts["images.info"], counts["annotations.bulk.add"]) == (2, 2)
    assert counts["projects.meta"] == counts["datasets.info"] == 0


def test_a_second_run_changes_nothing(sly_server, sly_api):
    project_id = seed_server_project(sly_server)
    run(sly_api, project_id, unbind())
    sly_server.reset_requests()

    summaries = run(sly_api, project_id, unbind())

    assert [(s.changed, s.saved) for s in summaries] == [(0, 0), (0, 0)]
    assert sly_server.request_counts["annotations.bulk.add"] == 0


def test_dry_run_uploads_nothing_and_names_what_would_change(sly_server, sly_api):
    project_id = seed_server_project(sly_server)
    before = versions(sly_server, project_id)
    sly_server.reset_requests()

    summaries = run(sly_api, project_id, unbind(), dry_run=True)

    assert summaries[0] == EditSummary(4, 3, 0, 0, ("bound.png", "persons.png", "odd.png"), "")
    assert "annotations.bulk.add" not in sly_server.request_counts
    assert versions(sly_server, project_id) == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_progress_counts_every_image_once_when_it_is_done(sly_server, sly_api, dry_run):
    project_id = seed_server_project(sly_server)
    done = {}

    def progress(dataset):
        done[dataset.name] = 0

        def update(count):
            done[dataset.name] += count

        return update

    run(sly_api, project_id, unbind(), dry_run=dry_run, progress=progress)

    assert done == {"ds0": 4, "ds1": 4}


def test_large_datasets_go_in_batches(sly_server, sly_api, monkeypatch):
    # 30 copies of the four images: 120 per dataset, 90 of them changed
    monkeypatch.setattr(annotation_pipeline, "UPLOAD_BATCH", 60)
    project_id = seed_server_project(sly_server, copies=30)
    sly_server.reset_requests()

    summaries = run(sly_api, project_id, unbind())

    assert [(s.images, s.changed, s.saved) for s in summaries] == [(120, 90, 90)] * 2
    counts = sly_server.request_counts
    assert counts["annotations.bulk.info"] == 2 * 3  # 50 + 50 + 20 per dataset
    assert counts["images.info"] == 2 * 2  # upload calls of 60 + 30 per dataset
    assert counts["annotations.bulk.add"] == 2 * 3  # 50 + 10, then 30
    assert all(
        groups == []
        for dataset in server_groups(sly_server, project_id).values()
        for groups in dataset.values()
    )


def test_an_annotation_it_cannot_edit_is_skipped_with_the_reason(sly_server, sly_api):
    project_id = seed_server_project(sly_server, datasets=["ds0"])
    (odd,) = sly_server.find_images(name="odd.png")
    broken = sly_server.get_annotation(odd["id"])
    broken["objects"][1]["bitmap"]["origin"] = [50, 50]  # the car's part, wholly outside
    sly_server.seed_annotation(odd["id"], broken, pixel_coords=False)

    (summary,) = run(sly_api, project_id, unbind())

    assert (summary.images, summary.changed, summary.saved, summary.skipped) == (4, 2, 2, 1)
    assert summary.first_skip.startswith("odd.png: label 1 (car) lies wholly outside the 8x8")
    assert len(sly_server.annotation_versions(odd["id"])) == 2  # seed, then our broken one


@pytest.mark.parametrize(
    "break_label, reason",
    [
        # the SDK's conversion to pixel coordinates fails, and with it the whole batch download
        (
            lambda label: label.pop("geometryType"),
            "the SDK cannot convert the annotation the server holds (KeyError: 'geometryType')",
        ),
        (
            lambda label: label.update(bitmap="x"),
            "the SDK cannot convert the annotation the server holds (TypeError: ",
        ),
        # it downloads, but its mask is no PNG: refused before the SDK decodes it
        (
            lambda label: label["bitmap"].update(data="aGVsbG8="),
            "label 0 (car): bitmap.data: not a PNG image (no header Pillow reads)",
        ),
    ],
)
def test_an_annotation_the_sdk_cannot_read_is_skipped_and_the_rest_done(
    sly_server, sly_api, monkeypatch, break_label, reason
):
    monkeypatch.setattr(annotation_pipeline, "DOWNLOAD_BATCH", 3)  # 2 batches per dataset
    project_id = seed_server_project(sly_server, datasets=["ds0"])
    (bound,) = sly_server.find_images(name="bound.png")
    broken = sly_server.get_annotation(bound["id"])
    break_label(broken["objects"][0])
    sly_server.seed_annotation(bound["id"], broken, pixel_coords=False)
    sly_server.reset_requests()

    (summary,) = run(sly_api, project_id, unbind())

    assert (summary.images, summary.changed, summary.saved, summary.skipped) == (4, 2, 2, 1)
    assert summary.first_skip.startswith(f"bound.png: {reason}")
    assert len(sly_server.annotation_versions(bound["id"])) == 2  # seed, then our broken one
    others = server_groups(sly_server, project_id)["ds0"]
    assert {name: groups for name, groups in others.items() if name != "bound.png"} == {
        "plain.png": [],
        "persons.png": [],
        "odd.png": [],
    }


def test_each_dataset_gets_an_api_of_its_own_that_sends_what_the_given_one_sends():
    api = sly.Api("http://localhost:1", "token", retry_count=3, retry_sleep_sec=0)
    api.headers["x-task-id"] = "17"
    api.additional_fields["context"] = {"task": 17}

    twin = annotation_pipeline.same_server_api(api)
    twin.optimization_context["project_meta"] = META

    assert twin is not api and twin.annotation._api is twin
    assert (twin.server_address, twin.api_server_address, twin.token) == (
        api.server_address,
        api.api_server_address,
        api.token,
    )
    assert (twin.retry_count, twin.retry_sleep_sec, twin.logger) == (3, 0, api.logger)
    assert (twin.headers, twin.additional_fields) == (api.headers, api.additional_fields)
    assert api.optimization_context == {}  # the caches are the twin's own


def test_a_failure_half_way_stops_and_a_rerun_finishes(sly_server, sly_api, monkeypatch):
    monkeypatch.setattr(annotation_pipeline, "UPLOAD_BATCH", 50)
    project_id = seed_server_project(sly_server, copies=30)  # 90 changes per dataset
    stop_failing = fail_uploads_after_the_first(sly_server, monkeypatch)

    with pytest.raises(RunStopped) as stopped:
        run(sly_api, project_id, unbind())

    assert isinstance(stopped.value.__cause__, requests.RequestException)
    saved = sum(summary.saved for summary in stopped.value.summaries)
    # the first upload got through, and one more may have reached the server at the same time
    assert saved in (50, 90)
    assert f"{saved} of the" in str(stopped.value)
    stored = {name: count for name, count in versions(sly_server, project_id).items() if count > 1}
    assert len(stored) == saved  # what the summary says is what the server has
    for dataset in server_groups(sly_server, project_id).values():
        for name, groups in dataset.items():  # whole annotations: either as seeded or unbound
            assert groups in ([], GROUPS_AFTER["none"][name.split("-", 1)[1]])

    stop_failing()
    summaries = run(sly_api, project_id, unbind())

    assert sum(summary.changed for summary in summaries) == 180 - saved
    assert all(
        groups == []
        for dataset in server_groups(sly_server, project_id).values()
        for groups in dataset.values()
    )


@pytest.mark.parametrize(
    "fault",
    [
        lambda server: server.drop_next(1, "annotations.bulk.info"),  # a dropped download
        lambda server: server.fail_next(1, 503, "annotations.bulk.add"),  # one 5xx, retried
        # stored, but the answer is lost: the retry stores the same again
        lambda server: server.drop_next(1, "annotations.bulk.add", after_processing=True),
    ],
)
def test_a_fault_within_the_retries_changes_nothing_in_the_result(sly_server, sly_api, fault):
    project_id = seed_server_project(sly_server)
    fault(sly_server)

    summaries = run(sly_api, project_id, unbind())

    assert sly_server.pending_faults == 0
    assert [(s.changed, s.saved) for s in summaries] == [(3, 3), (3, 3)]
    assert server_groups(sly_server, project_id) == {
        "ds0": GROUPS_AFTER["discard"],
        "ds1": GROUPS_AFTER["discard"],
    }


def test_string_keys_from_the_server_work_the_same(sly_api):
    from sly_test_server import SlyTestServer

    with SlyTestServer(key_style="str") as server:
        api = sly.Api(server.url, server.token, retry_count=2, retry_sleep_sec=0)
        project_id = seed_server_project(server)

        summaries = run(api, project_id, unbind(["car"]))

        assert [s.changed for s in summaries] == [2, 2]
        assert server_groups(server, project_id)["ds0"] == GROUPS_AFTER["discard car"]


def test_datasets_of_two_projects_are_refused(sly_server, sly_api):
    datasets = [
        sly_api.dataset.get_info_by_id(dataset_id)
        for dataset_id in (
            sly_server.seed_dataset(sly_server.seed_project(name, meta=META), "ds0")
            for name in ("first", "second")
        )
    ]
    with pytest.raises(ValueError, match=r"the datasets are of 2 projects \(\[101, 102\]\)"):
        edit_server_datasets(sly_api, datasets, META, unbind())
