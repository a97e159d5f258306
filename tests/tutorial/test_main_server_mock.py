"""main.py's server path against an autospec of a real sly.Api: every call and its arguments.

The autospec refuses calls that the SDK 6.74.51 does not have, or arguments it does not take.
The fake answers behave like the server: keys come back rewritten, as numbers.
"""

from __future__ import annotations

from typing import Any, Dict, List
from unittest.mock import call, create_autospec

import pytest
import supervisely as sly
from supervisely.api.dataset_api import DatasetInfo
from supervisely.api.image_api import ImageInfo
from supervisely.api.project_api import ProjectInfo
from supervisely.api.workspace_api import WorkspaceInfo

import main
from sly_bindings.cli.runner import UserError

WORKSPACE_ID, PROJECT_ID, DATASET_ID, IMAGE_ID = 619, 11, 22, 33
SERVER_KEY = 62245779


def info(cls, **fields):
    """An SDK info tuple with the given fields and None for the rest."""
    return cls(**{name: fields.get(name) for name in cls._fields})


class FakeServerState:
    """What the mocked calls store and answer, as the server would."""

    def __init__(self) -> None:
        self.meta_json: Dict[str, Any] = {}
        self.uploaded: List[sly.Annotation] = []

    def update_meta(self, project_id, meta):
        self.meta_json = meta.to_json()
        return meta

    def upload_ann(self, image_id, ann, skip_bounds_validation=False):
        self.uploaded.append(ann)

    def download_json(self, image_id, **kwargs):
        ann_json = self.uploaded[-1].to_json()
        for label_json in ann_json["objects"]:
            if "instance" in label_json:
                label_json["instance"] = SERVER_KEY  # the server keeps keys of its own
        return ann_json


@pytest.fixture
def api(monkeypatch):
    real = sly.Api("http://127.0.0.1:9", "not-a-token", retry_count=1, retry_sleep_sec=0)
    real._instance_version = "6.74.51"  # autospec reads every property; this one asks the server
    api = create_autospec(real, instance=True)
    api.retry_count, api.retry_sleep_sec = 5, 0.15  # plain numbers, as sly.Api holds them
    api_class = create_autospec(sly.Api)
    api_class.return_value = api
    monkeypatch.setattr(sly, "Api", api_class)

    state = FakeServerState()
    api.workspace.get_info_by_id.return_value = info(WorkspaceInfo, id=WORKSPACE_ID)
    api.project.create.return_value = info(ProjectInfo, id=PROJECT_ID, name="tutorial-bindings")
    api.dataset.create.return_value = info(DatasetInfo, id=DATASET_ID, name=main.DATASET_NAME)
    api.image.upload_path.return_value = info(ImageInfo, id=IMAGE_ID, height=720, width=1280)
    api.project.update_meta.side_effect = state.update_meta
    api.project.get_meta.side_effect = lambda project_id, **kwargs: state.meta_json
    api.annotation.upload_ann.side_effect = state.upload_ann
    api.annotation.download_json.side_effect = state.download_json
    api.state, api.api_class = state, api_class
    return api


@pytest.fixture
def server_settings(monkeypatch, tmp_path):
    """The settings of a server, and main.py's arguments that keep its preview out of the repo."""
    monkeypatch.setenv("SERVER_ADDRESS", "https://sly.example.com")
    monkeypatch.setenv("API_TOKEN", "token-for-tests")
    monkeypatch.setenv("WORKSPACE_ID", str(WORKSPACE_ID))
    return ["--preview", str(tmp_path / "preview.png")]


def test_both_parts_make_the_tutorial_calls_with_the_right_ids(api, server_settings, capsys):
    main.main(server_settings)

    api.api_class.assert_called_once_with(
        "https://sly.example.com", "token-for-tests", retry_count=5, retry_sleep_sec=0.15
    )
    api.workspace.get_info_by_id.assert_called_once_with(WORKSPACE_ID)
    api.project.create.assert_called_once_with(
        WORKSPACE_ID, "tutorial-bindings", change_name_if_conflict=True
    )
    api.dataset.create.assert_called_once_with(PROJECT_ID, "dataset-01")
    (project_id, meta), _ = api.project.update_meta.call_args
    assert project_id == PROJECT_ID
    assert [(c.name, c.geometry_type) for c in meta.obj_classes] == [("car", sly.Bitmap)]
    api.image.upload_path.assert_called_once_with(DATASET_ID, "image.jpg", str(main.DEMO_IMAGE))
    api.project.get_meta.assert_called_once_with(PROJECT_ID)
    api.annotation.download_json.assert_called_once_with(IMAGE_ID)
    assert [c.args[0] for c in api.annotation.upload_ann.call_args_list] == [IMAGE_ID, IMAGE_ID]

    part1, part2 = api.state.uploaded
    part1_keys = {label.binding_key for label in part1.labels}
    assert len(part1.labels) == 3 and len(part1_keys) == 1
    assert len(part1_keys.pop()) == 32  # a uuid4().hex
    assert [label.binding_key for label in part2.labels] == [None, None, None]
    assert [label.geometry.area for label in part2.labels] == [
        label.geometry.area for label in part1.labels
    ]

    out = capsys.readouterr().out
    assert "Target: server https://sly.example.com, workspace 619" in out
    assert f"Image has been successfully uploaded: id={IMAGE_ID}" in out
    assert out.count(f"\n{SERVER_KEY}\n") == 2 and f"{SERVER_KEY}\n{SERVER_KEY}\n" in out
    assert f"Group # 1 [key={SERVER_KEY}] has 3 labels" in out
    assert "0 labels do not have binding" in out
    assert "token-for-tests" not in out


def test_part2_parses_with_the_meta_it_downloads(api, server_settings, capsys):
    """A class that a colleague adds on the server between the parts must not break Part 2."""
    person = sly.ObjClass("person", sly.Rectangle)

    def update_meta_then_a_colleague_adds_person(project_id, meta):
        api.state.update_meta(project_id, meta.add_obj_class(person))
        return meta

    def download_json_with_a_person(image_id, **kwargs):
        ann_json = FakeServerState.download_json(api.state, image_id)
        ann_json["objects"].append(sly.Label(sly.Rectangle(0, 0, 9, 9), person).to_json())
        return ann_json

    api.project.update_meta.side_effect = update_meta_then_a_colleague_adds_person
    api.annotation.download_json.side_effect = download_json_with_a_person
    main.main(server_settings)

    part2 = api.state.uploaded[-1]
    assert sorted(label.obj_class.name for label in part2.labels) == ["car"] * 3 + ["person"]
    assert "1 labels do not have binding" in capsys.readouterr().out


def test_unknown_workspace_stops_before_anything_is_created(api, server_settings):
    api.workspace.get_info_by_id.return_value = None
    with pytest.raises(UserError, match="workspace 619 does not exist .* WORKSPACE_ID"):
        main.main(server_settings)
    assert api.project.create.call_args_list == []
    assert api.mock_calls == [call.workspace.get_info_by_id(WORKSPACE_ID)]


def test_a_bad_mask_stops_before_the_server_is_contacted(api, server_settings, tmp_path):
    empty_mask = tmp_path / "empty.png"
    __import__("cv2").imwrite(str(empty_mask), __import__("numpy").zeros((720, 1280), "uint8"))
    with pytest.raises(ValueError, match="empty"):
        main.main([*server_settings, "--image", str(main.DEMO_IMAGE), "--masks", str(empty_mask)])
    assert api.mock_calls == []
