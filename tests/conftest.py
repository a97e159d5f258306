"""pytest fixtures: every test runs as a newcomer would, and the Supervisely test server.

Every test gets no credentials, an empty HOME and an environment restored afterwards. Without
this, a developer's ~/supervisely.env would send tests to their real server, and the variables
that ``load_dotenv`` sets in one test would leak into the next.
"""

import os
import signal
from pathlib import Path

import pytest

from sly_test_server import SlyTestServer

# Ctrl+C and Ctrl+\ as a terminal gives them, here and in every process a test starts: a
# shell's background job inherits SIGINT and SIGQUIT ignored, and a process started with them
# ignored never ends on them (the tests that send them failed there). A handled signal is the
# default again in a child after exec; an ignored one stays ignored.
for _number, _handler in (
    (signal.SIGINT, signal.default_int_handler),
    (signal.SIGQUIT, signal.SIG_DFL),
):
    if signal.getsignal(_number) is signal.SIG_IGN:
        signal.signal(_number, _handler)

# Variables that choose or configure a server in src/ or in the SDK.
SETTINGS = (
    "SERVER_ADDRESS",
    "API_TOKEN",
    "WORKSPACE_ID",
    "CONTEXT_WORKSPACEID",
    "context.workspaceId",
    "TEAM_ID",
    "CONTEXT_TEAMID",
    "SUPERVISELY_API_SERVER_ADDRESS",
    "SUPERVISELY_PUBLIC_API_RETRIES",
    "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC",
    "ENV",
    "LOG_LEVEL",
)


REPO_DIR = Path(__file__).resolve().parent.parent
# What running Python and pytest leave in any checkout: caches, the venv, the editable install.
NOT_CHECKOUT = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis"}


def checkout_files() -> dict:
    """Every file of the checkout (but caches and the venv) with its modification time."""
    found = {}
    for folder, subfolders, files in os.walk(REPO_DIR):
        subfolders[:] = [
            name
            for name in subfolders
            if name not in NOT_CHECKOUT and not name.endswith(".egg-info")
        ]
        for name in files:
            path = os.path.join(folder, name)
            found[path] = os.stat(path).st_mtime_ns
    return found


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_checkout():
    """Tests write into temporary folders only: the checkout ends as it began."""
    before = checkout_files()
    yield
    after = checkout_files()
    changed = sorted(
        path for path in after.keys() | before.keys() if after.get(path) != before.get(path)
    )
    assert not changed, f"tests changed files of the checkout: {changed[:5]}"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    saved = dict(os.environ)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def sly_server():
    """A started :class:`SlyTestServer` with a random token, stopped after the test.

    The test fails if the server hit a bug of its own (an answer 500 it did not plan).
    """
    with SlyTestServer() as server:
        yield server
    assert not server.internal_errors, server.internal_errors[0]


@pytest.fixture
def sly_api(sly_server):
    """A real ``sly.Api`` for ``sly_server``, retrying twice without sleeping in between."""
    import supervisely as sly

    return sly.Api(sly_server.url, sly_server.token, retry_count=2, retry_sleep_sec=0)
