"""A Supervisely test double: an in-process HTTP server for the unmodified ``sly.Api``.

It speaks the part of the public API (``POST /public/api/v3/<method>``) that this project's
flows use, keeps its state in memory, checks the ``x-api-key`` token, rewrites binding keys
on upload like the real server, records every request, and can be slowed down or made to
fail on purpose.

In Python (tests use the ``sly_server`` and ``sly_api`` fixtures of ``tests/conftest.py``)::

    import supervisely as sly
    from sly_test_server import SlyTestServer

    with SlyTestServer(token="my-token") as server:
        api = sly.Api(server.url, server.token, retry_count=2, retry_sleep_sec=0)
        print(api.workspace.get_info_by_id(server.workspace_id).name)

By hand, from the repository root (the token comes from ``--token`` or ``API_TOKEN``)::

    PYTHONPATH=tests .venv/bin/python -m sly_test_server --port 8000 [--latency 0.02]

It prints ``SERVER_ADDRESS=http://127.0.0.1:8000 WORKSPACE_ID=1`` and serves until Ctrl+C.
"""

from .responses import ApiError
from .server import SlyTestServer

__all__ = ["ApiError", "SlyTestServer"]
