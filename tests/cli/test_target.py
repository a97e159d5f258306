"""sly_bindings.cli.settings: which target the tutorial picks from the settings, and why it refuses bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from sly_bindings.cli import settings as target
from sly_bindings.cli.runner import UserError
from sly_bindings.cli.settings import LocalTarget, ServerTarget, choose_target


@pytest.fixture
def env_files(tmp_path, monkeypatch):
    """Point the env files at an empty temporary local.env and ~/supervisely.env."""
    home = Path.home()  # the isolated HOME of the test
    files = {"local": tmp_path / "local.env", "home": home / "supervisely.env"}
    assert target.env_files(files["local"]) == (files["local"], files["home"])
    return files


def choose(env_files, local_parent, project_name):
    """``choose_target`` as src/main.py calls it, with the test's env files and output folder."""
    output = env_files["local"].parent / "output"
    return choose_target(local_parent, project_name, output, env_files["local"])


def test_no_credentials_means_a_local_project_under_output(env_files):
    chosen = choose(env_files, None, "tutorial-bindings")
    assert isinstance(chosen, LocalTarget)
    assert chosen.project_dir.parent == env_files["local"].parent / "output"
    assert chosen.project_dir.name.startswith("tutorial-bindings")
    assert "no SERVER_ADDRESS and API_TOKEN" in str(chosen)


def test_credentials_in_home_env_file_and_workspace_in_local_env(env_files):
    env_files["home"].write_text("SERVER_ADDRESS=https://sly.example.com\nAPI_TOKEN=s3cr3t\n")
    env_files["local"].write_text("WORKSPACE_ID=619 # change me\n")

    chosen = choose(env_files, None, "tutorial-bindings")

    assert chosen == ServerTarget(
        address="https://sly.example.com",
        token="s3cr3t",
        workspace_id=619,
        retry_count=target.DEFAULT_RETRIES,
        retry_sleep_sec=target.DEFAULT_RETRY_SLEEP_SEC,
        reason="SERVER_ADDRESS and API_TOKEN from ~/supervisely.env",
    )
    assert "s3cr3t" not in str(chosen) + repr(chosen)


def test_environment_wins_over_files(env_files, monkeypatch):
    env_files["home"].write_text("SERVER_ADDRESS=https://file.example.com\nAPI_TOKEN=from-file\n")
    monkeypatch.setenv("SERVER_ADDRESS", "http://127.0.0.1:8000")
    monkeypatch.setenv("API_TOKEN", "from-env")
    monkeypatch.setenv("WORKSPACE_ID", "5")

    chosen = choose(env_files, None, "tutorial-bindings")

    assert (chosen.address, chosen.token, chosen.workspace_id) == (
        "http://127.0.0.1:8000",
        "from-env",
        5,
    )
    assert chosen.reason == "SERVER_ADDRESS and API_TOKEN from the environment"


def test_context_workspace_wins_like_in_the_sdk(env_files, monkeypatch):
    monkeypatch.setenv("SERVER_ADDRESS", "sly.example.com")
    monkeypatch.setenv("API_TOKEN", "t")
    monkeypatch.setenv("WORKSPACE_ID", "5")
    monkeypatch.setenv("CONTEXT_WORKSPACEID", "6")
    chosen = choose(env_files, None, "p")
    assert (chosen.workspace_id, chosen.address) == (6, "https://sly.example.com")


def test_local_flag_wins_over_credentials(env_files, monkeypatch, tmp_path):
    monkeypatch.setenv("SERVER_ADDRESS", "https://sly.example.com")
    monkeypatch.setenv("API_TOKEN", "t")
    chosen = choose(env_files, tmp_path / "projects", "p")
    assert chosen == LocalTarget(tmp_path / "projects" / "p", "--local given")
    assert not (tmp_path / "projects").exists()  # made only when Part 1 writes the project


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"SERVER_ADDRESS": "https://a.b"}, "SERVER_ADDRESS is set .* but API_TOKEN is not"),
        ({"API_TOKEN": "t"}, "API_TOKEN is set .* but SERVER_ADDRESS is not"),
        ({"SERVER_ADDRESS": "https://a.b", "API_TOKEN": "t"}, "WORKSPACE_ID is not set"),
        (
            {"SERVER_ADDRESS": "https://a.b", "API_TOKEN": "t", "WORKSPACE_ID": "my-ws"},
            "WORKSPACE_ID='my-ws' .* is not a number",
        ),
        (
            {"SERVER_ADDRESS": "http://a b", "API_TOKEN": "t", "WORKSPACE_ID": "1"},
            "is not a server address",
        ),
        (
            {"SERVER_ADDRESS": "http://host:port", "API_TOKEN": "t", "WORKSPACE_ID": "1"},
            "is not a server address",
        ),
        (
            {"SERVER_ADDRESS": "ftp://host", "API_TOKEN": "t", "WORKSPACE_ID": "1"},
            "is not a server address",
        ),
        (
            {
                "SERVER_ADDRESS": "http://a.b",
                "API_TOKEN": "t",
                "WORKSPACE_ID": "1",
                "SUPERVISELY_PUBLIC_API_RETRIES": "0",
            },
            "SUPERVISELY_PUBLIC_API_RETRIES='0' must be a whole number of at least 1",
        ),
        (
            {
                "SERVER_ADDRESS": "http://a.b",
                "API_TOKEN": "t",
                "WORKSPACE_ID": "1",
                "SUPERVISELY_PUBLIC_API_RETRIES": "2.5",
            },
            "SUPERVISELY_PUBLIC_API_RETRIES='2.5' must be a whole number",
        ),
        (
            {
                "SERVER_ADDRESS": "http://a.b",
                "API_TOKEN": "t",
                "WORKSPACE_ID": "1",
                "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "nan",
            },
            "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC='nan' must be a number of at least 0",
        ),
        (
            {
                "SERVER_ADDRESS": "http://a.b",
                "API_TOKEN": "t",
                "WORKSPACE_ID": "1",
                "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC": "soon",
            },
            "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC='soon' must be a number",
        ),
    ],
)
def test_half_or_malformed_settings_are_refused_with_the_fix(
    env_files, monkeypatch, variables, message
):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UserError, match=message):
        choose(env_files, None, "p")


def test_local_dir_that_is_a_file_is_refused(env_files, tmp_path):
    a_file = tmp_path / "taken"
    a_file.write_text("")
    with pytest.raises(UserError, match="is a file: give a folder"):
        choose(env_files, a_file, "p")
    with pytest.raises(UserError, match=f"inside/more is inside the file {a_file}: give a"):
        choose(env_files, a_file / "inside" / "more", "p")
    with pytest.raises(UserError, match="cannot write into /proc .*: pass --local with a folder"):
        choose(env_files, Path("/proc/tutorial"), "p")


def test_an_address_pasted_with_spaces_around_it_is_fine(env_files, monkeypatch):
    monkeypatch.setenv("SERVER_ADDRESS", "  https://app.supervisely.com/ ")
    monkeypatch.setenv("API_TOKEN", "t")
    monkeypatch.setenv("WORKSPACE_ID", "1")
    assert choose(env_files, None, "p").address == "https://app.supervisely.com"
