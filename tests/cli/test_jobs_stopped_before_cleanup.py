"""An error raised in convert's own process while ``--jobs``' workers read (Ctrl+C at the
writer, say) stops the workers before the hidden staging folder is removed: a worker still
writing would make it again, a ``.OUT.partial-*`` left behind (found by a trial: 3 runs in 10
interrupted at the default ``--jobs``)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process
from format_samples import make_sample_project
from sly_bindings.cli import jobs


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_the_workers_are_stopped_before_the_staging_folder_is_removed(tmp_path, monkeypatch, error):
    project = make_sample_project(tmp_path / "in")
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setattr(jobs, "BATCH", 1)
    counted = convert_module.counted

    def failing(items, totals):  # the writer's error, after an item, in this process
        for number, item in enumerate(counted(items, totals)):
            if number == 1:
                raise error("stopped at the writer")
            yield item

    monkeypatch.setattr(convert_module, "counted", failing)
    alive_at_cleanup = []
    rmtree = convert_module.shutil.rmtree

    def removing(path, *args, **kwargs):
        if Path(path).name.startswith(".out"):
            alive_at_cleanup.append(multiprocessing.active_children())
        return rmtree(path, *args, **kwargs)

    monkeypatch.setattr(convert_module.shutil, "rmtree", removing)

    code = convert_in_process("supervisely", "labelme", project, tmp_path / "out", "--jobs", "2")

    assert code != 0
    assert alive_at_cleanup == [[]]  # the staging folder removed once, no worker running then
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]
