"""Issue 21, flat memory: ``tests/cli/test_convert_jobs.py``'s tables again, every COCO file
read in ijson passes (``formats/coco/stream.py``, the path of a file over
``stream.STREAMED_BYTES``): ``--jobs 1`` and ``--jobs 2`` write the same bytes and say the same."""

from __future__ import annotations

import pytest

from sly_bindings.formats.coco import read, stream
from test_convert_jobs import *  # noqa: F401,F403 - the same tables and fixtures


@pytest.fixture(autouse=True)
def every_coco_file_streamed(monkeypatch):
    monkeypatch.setattr(stream, "STREAMED_BYTES", -1)
    read._indexes.clear()
