"""pytest fixtures: every test runs as a newcomer would, and the Supervisely test server.

Every test gets no credentials, an empty HOME and an environment restored afterwards. Without
this, a developer's ~/supervisely.env would send tests to their real server, and the variables
that ``load_dotenv`` sets in one test would leak into the next.
"""

import os

import pytest

from sly_test_server import SlyTestServer

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
