"""The files a newcomer's tools read: VS Code settings, pins, env files, .gitignore."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from dotenv import dotenv_values

REPO_DIR = Path(__file__).resolve().parents[2]


def test_vscode_launch_configurations_point_at_real_files():
    launch = json.loads((REPO_DIR / ".vscode" / "launch.json").read_text())
    programs = [c["program"] for c in launch["configurations"] if "program" in c]
    assert programs and all(p.startswith("${workspaceFolder}/") for p in programs)
    for program in programs:
        assert (REPO_DIR / program.removeprefix("${workspaceFolder}/")).is_file(), program
    assert all(c["cwd"] == "${workspaceFolder}" for c in launch["configurations"])


def test_vscode_uses_the_venv_that_create_venv_makes():
    settings = json.loads((REPO_DIR / ".vscode" / "settings.json").read_text())
    assert settings["python.defaultInterpreterPath"] == "${workspaceFolder}/.venv/bin/python"
    assert ".venv" in (REPO_DIR / "create_venv.sh").read_text()


def test_every_requirement_is_pinned_and_the_sdk_is_6_74_51():
    lines = [
        line.strip()
        for line in (REPO_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.\-+]*", line) for line in lines)
    assert "supervisely==6.74.51" in lines


def test_local_env_holds_a_workspace_and_no_secret():
    values = dotenv_values(REPO_DIR / "local.env")
    assert values["WORKSPACE_ID"].isdigit()
    assert not {"API_TOKEN", "SERVER_ADDRESS"} & set(values)


def test_git_ignores_the_venv_the_output_and_secret_env_files():
    candidates = [".venv/bin/python", "output/x.png", "supervisely.env", "secret.env", ".env"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *candidates],
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == candidates


def test_the_package_depends_on_what_requirements_pins_for_src():
    import tomllib

    project = tomllib.loads((REPO_DIR / "pyproject.toml").read_text())["project"]
    first_section = (REPO_DIR / "requirements.txt").read_text().split("# Tests and formatting")[0]
    pinned = [line for line in first_section.splitlines() if line and not line.startswith("#")]
    assert project["dependencies"] == pinned
    assert project["requires-python"] == ">=3.11"
    assert project["scripts"] == {"sly-bindings": "sly_bindings.cli.main:entry_point"}
