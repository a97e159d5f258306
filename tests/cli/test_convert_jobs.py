"""Issue 21: ``convert --jobs N`` reads and converts in N processes and writes byte for byte
what one process writes, over every target and every source of the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

import sly_bindings.cli.convert as convert_module
from commands import convert_in_process, folder_bytes
from format_samples import make_sample_project
from registry_tables import SOURCES, TARGETS
from sly_bindings.cli import jobs
from sly_bindings.formats import shard

files = folder_bytes


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """The sample project, and the sample in every other format that is read."""
    folder = tmp_path_factory.mktemp("jobs_inputs")
    sample = make_sample_project(folder / "supervisely")
    made = {"supervisely": sample}
    for source in SOURCES:
        if source != "supervisely":
            assert convert_in_process("supervisely", source, sample, folder / source) == 0
            made[source] = folder / source
    return made


@pytest.fixture
def always_parallel(monkeypatch):
    """--jobs takes effect on the small test inputs too; the worker counts of the runs that
    started workers are listed."""
    monkeypatch.setattr(convert_module, "is_small", lambda source: False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # CVAT's meta dates, the same in both runs
    started = []
    real = jobs.items_in_jobs

    def counted(source_format, source, read_options, count, prepare=None):
        started.append(count)
        return real(source_format, source, read_options, count, prepare)

    monkeypatch.setattr(convert_module, "items_in_jobs", counted)
    return started


def run_both(capsys, tmp_path, source: str, target: str, path: Path) -> tuple:
    results = []
    for count in (1, 2):
        out = tmp_path / f"jobs{count}"
        code = convert_in_process(source, target, path, out, "--jobs", count)
        output = capsys.readouterr()
        results.append((code, output.out.replace(str(out), "OUT"), output.err, files(out)))
    return results


@pytest.mark.parametrize("target", TARGETS)
def test_two_jobs_write_the_bytes_one_job_writes_every_target(
    inputs, tmp_path, capsys, always_parallel, target
):
    one, two = run_both(capsys, tmp_path, "supervisely", target, inputs["supervisely"])

    assert always_parallel == [2]  # --jobs 1 in this process, --jobs 2 in two workers
    assert one[0] == two[0] == 0, one[2] + two[2]
    assert one[3] and list(one[3]) == list(two[3])
    assert [name for name in one[3] if one[3][name] != two[3][name]] == []
    assert one[1] == two[1]  # the same counts read and written
    assert one[2] == two[2]  # the same warnings


@pytest.mark.parametrize("source", [name for name in SOURCES if name != "supervisely"])
def test_two_jobs_read_every_source_as_one_job_does(
    inputs, tmp_path, capsys, always_parallel, source
):
    one, two = run_both(capsys, tmp_path, source, "coco", inputs[source])

    assert always_parallel == [2]
    assert one[0] == two[0] == 0, one[2] + two[2]
    assert one[3] == two[3]
    assert one[1] == two[1]


def test_an_error_in_a_worker_ends_the_run_in_one_line(inputs, tmp_path, capsys, always_parallel):
    # The second image's annotation names a class the meta lacks: a worker raises, the parent
    # ends the run as one process does, and OUT is not written.
    broken = tmp_path / "in"
    convert_in_process("supervisely", "labelme", inputs["supervisely"], broken)
    capsys.readouterr()
    json_file = sorted(broken.rglob("*.json"))[-1]
    json_file.write_text("{not json")

    codes = []
    for count in (1, 2):
        codes.append(
            convert_in_process("labelme", "coco", broken, tmp_path / f"o{count}", "--jobs", count)
        )
        codes.append(capsys.readouterr().err)
    assert codes[0] == codes[2] == 2
    assert codes[1] == codes[3] and codes[1].count("\n") == 1
    assert not (tmp_path / "o2").exists()


def test_a_worker_takes_every_nth_image():
    with shard.sharded(0, 3):
        assert [shard.take() for _ in range(7)] == [True, False, False, True, False, False, True]
    assert shard.take() and not shard.active()


def test_jobs_must_be_a_whole_number_from_one(tmp_path, capsys):
    assert convert_in_process("cvat", "coco", tmp_path, tmp_path / "out", "--jobs", "0") == 2
    assert "give a whole number of processes" in capsys.readouterr().err


def test_small_input_is_read_in_one_process(tmp_path, monkeypatch, inputs, capsys):
    monkeypatch.setattr(
        convert_module,
        "items_in_jobs",
        lambda *args: pytest.fail("workers started for a small input"),
    )
    out = tmp_path / "out"
    assert convert_in_process("supervisely", "coco", inputs["supervisely"], out, "--jobs", 2) == 0
    assert jobs.is_small(inputs["supervisely"])
