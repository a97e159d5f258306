"""formats/registry.py: one record per format, and every format through the same tables.

A format is in every table here the moment it has its record: its module has the interface,
its names resolve, its options are refused where they mean nothing, and it carries groups
through every pair of formats that can hold them.
"""

from __future__ import annotations

import inspect
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import supervisely as sly

from bindings import bind_labels
from commands import convert_in_process
from format_samples import PERSON, objects, polygon, small_annotation
from registry_tables import PROJECT
from sly_bindings.cli.convert_args import command_options
from sly_bindings.formats.items import FormatItem, FormatWarning, InvalidFormatError
from sly_bindings.formats.registry import (
    FORMATS,
    GROUPS,
    READ,
    Format,
    UnknownFormatError,
    WriteOptions,
    find,
    names,
    reader,
)

IDS = [record.name for record in FORMATS]


def test_importing_the_registry_and_finding_a_format_imports_no_sdk():
    # --help and a mistyped format name answer before the SDK loads (issue 19).
    code = (
        "import sys\n"
        "from sly_bindings.formats import registry\n"
        "registry.find('COCO'); registry.listing(); registry.names()\n"
        "try:\n"
        "    registry.find('voc')\n"
        "except registry.UnknownFormatError:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'supervisely'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "[]\n"


@pytest.mark.parametrize("record", FORMATS, ids=IDS)
def test_every_module_has_the_interface(record: Format):
    module = record.load()

    def parameters(function):
        return [
            (p.name, p.default is not inspect.Parameter.empty)
            for p in inspect.signature(function).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]

    assert parameters(module.read_items)[:2] == [("source", False), ("images", True)]
    assert inspect.signature(module.read_items).parameters["images"].default is None
    assert parameters(module.declared_classes) == [("source", False)]
    assert parameters(module.write_items) == [("items", False), ("out", False), ("options", False)]
    if hasattr(module, "input_folders"):
        assert [name for name, _ in parameters(module.input_folders)] == ["source", "images"]
    # A read option reaches the reader by its name.
    for option in record.options:
        if option.side == READ:
            assert option.dest in inspect.signature(module.read_items).parameters


@pytest.mark.parametrize("record", FORMATS, ids=IDS)
def test_every_error_and_warning_of_a_format_has_the_shared_base(record: Format):
    module = record.load()
    package = [module] + [
        sys.modules[name]
        for name in list(sys.modules)
        if name.startswith(module.__name__ + ".") and sys.modules[name] is not None
    ]
    own = [
        value
        for part in package
        for value in vars(part).values()
        if isinstance(value, type) and value.__module__.startswith(record.module)
    ]
    errors = [
        kind for kind in own if issubclass(kind, Exception) and kind.__name__.endswith("Error")
    ]
    warnings = [kind for kind in own if issubclass(kind, Warning)]
    for kind in errors:
        assert issubclass(kind, InvalidFormatError), kind
    for kind in warnings:
        assert issubclass(kind, FormatWarning), kind
    if record.name != PROJECT:  # the project's problems are ProjectFolderError's
        assert errors, f"{record.module} has no error type"


def test_names_are_unique_and_lower_case():
    assert len(names()) == len({name.lower() for name in names()})
    assert all(name == name.lower() for name in names())
    assert all(record.name != record.read_as for record in FORMATS)
    assert all(find(record.read_as).reads for record in FORMATS if record.read_as)


@pytest.mark.parametrize(
    "typed, expected",
    [
        *[(name, record.name) for record in FORMATS for name in record.names],
        *[(name.upper(), record.name) for record in FORMATS for name in record.names],
        *[(name.title(), record.name) for record in FORMATS for name in record.names],
        # The names people type, as issue 19 lists them.
        ("sly", "supervisely"),
        ("yolov8", "yolo"),
        ("Ultralytics", "yolo"),
        ("coco_instances", "coco"),
        ("cvat_images", "cvat"),
        ("COCO", "coco"),
    ],
)
def test_a_name_or_alias_resolves_in_any_case(typed, expected):
    assert find(typed).name == expected


@pytest.mark.parametrize("typed", ["voc", "", "yolo5", "coco json", "supervisely2"])
def test_an_unknown_name_fails_with_the_list_of_names(typed):
    with pytest.raises(UnknownFormatError) as refused:
        find(typed)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"unknown format {typed!r}: use one of ")
    assert all(name in message for name in names())


def test_an_unknown_name_on_the_command_line_is_one_usage_line(tmp_path, capsys):
    assert convert_in_process("voc", "coco", tmp_path, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert error.startswith("error: argument FROM: unknown format 'voc': use one of supervisely")
    assert error.count("\n") == 1 and all(name in error for name in names())


@pytest.mark.parametrize("typed", ["SLY", "Ultralytics", "coco_instances"])
def test_an_alias_converts_as_its_format(tmp_path, capsys, typed):
    # Refused before anything is read, with the canonical name: the alias was resolved.
    assert convert_in_process(typed, typed, tmp_path / "missing", tmp_path / "out") == 2
    error = capsys.readouterr().err
    if find(typed).name == PROJECT:
        assert "FROM and TO are both supervisely" in error
    else:
        assert error == f"error: IN {tmp_path / 'missing'} does not exist: check the path\n"


def test_convert_help_lists_every_name_and_alias(capsys):
    assert convert_in_process("--help") == 0
    shown = capsys.readouterr().out
    for record in FORMATS:
        assert f"  {', '.join(record.names)}: {record.title}" in shown


def test_yolo_det_reads_as_yolo():
    assert reader("yolo-det") is find("yolo") and reader("coco") is find("coco")


REFUSED_OPTIONS = [
    (option, record.name)
    for option in command_options()
    for record in FORMATS
    if option not in record.options and (option.side != READ or record.read_as is None)
]


@pytest.mark.parametrize(
    "option, format_name",
    REFUSED_OPTIONS,
    ids=[f"{option.flag}-{name}" for option, name in REFUSED_OPTIONS],
)
def test_an_option_of_no_format_of_the_run_is_refused_in_one_line(
    tmp_path, capsys, option, format_name
):
    # Any other format on the other side, so that only the option is wrong.
    other = next(record.name for record in FORMATS if record.name not in (format_name, PROJECT))
    source, target = (format_name, other) if option.side == READ else (other, format_name)
    if PROJECT in (source, target) and source == target:
        pytest.skip("a copy, refused on its own")
    values = {"folder": [str(tmp_path)], "switch": []}.get(option.kind, ["car"])

    code = convert_in_process(source, target, tmp_path, tmp_path / "out", option.flag, *values)

    error = capsys.readouterr().err
    assert code == 2
    users = ", ".join(record.name for record in FORMATS if option in record.options)
    assert error.startswith(f"error: {option.flag} is ") and f"{users}, not {format_name}" in error
    assert error.count("\n") == 1
    assert not (tmp_path / "out").exists()


# --- groups through every pair of formats that hold them ----------------------------------------


def bound_items() -> list:
    """Two small images: two boxes keyed 7 and "7" (one group) and a mask alone; two person
    polygons bound as one group and a person alone."""
    png = sly.image.write_bytes(np.full((32, 48, 3), 90, np.uint8), ".png")
    walkers = bind_labels(
        [
            sly.Label(polygon((2, 2), (2, 10), (12, 6)), PERSON),
            sly.Label(polygon((16, 20), (16, 30), (28, 24)), PERSON),
        ],
        "walkers",
    )
    alone = sly.Label(polygon((20, 2), (20, 12), (30, 6)), PERSON)
    walking = sly.Annotation((32, 48), [*walkers, alone])
    return [
        FormatItem(("signs",), "small.png", png, small_annotation(), "small"),
        FormatItem(("walkers",), "walk.png", png, walking, "walk"),
    ]


HOLDING_GROUPS = [
    record.name
    for record in FORMATS
    if GROUPS in record.holds and record.reads and record.writes and record.read_as is None
]
PAIRS = list(itertools.product(HOLDING_GROUPS, repeat=2))


@pytest.mark.parametrize("first, second", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_groups_survive_every_pair_of_formats_that_hold_them(tmp_path, first, second):
    expected = {(item.dataset, item.name): objects(item.ann) for item in bound_items()}
    find(first).write_items(bound_items(), tmp_path / "first", WriteOptions())
    read = find(first).read_items(tmp_path / "first")
    find(second).write_items(read, tmp_path / "second", WriteOptions())

    back = {
        (item.dataset, item.name): objects(item.ann)
        for item in find(second).read_items(tmp_path / "second")
    }

    assert back == expected
    assert sum(bound for found in back.values() for bound, _ in found) == 2  # both groups


def test_the_group_table_covers_every_format_that_holds_groups():
    # A format that says it holds groups is in the table above; the project is one of them.
    assert PROJECT in HOLDING_GROUPS and len(HOLDING_GROUPS) >= 4
    assert set(HOLDING_GROUPS) == {r.name for r in FORMATS if GROUPS in r.holds}


def readme_format_rows() -> list:
    """(format, aliases, reads, writes, groups) of each row of docs/formats.md's formats table."""
    readme = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    header = "| format | aliases | what | reads | writes | groups |"
    table = readme.split(header, 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows.append(
            (
                cells[0].strip("`"),
                tuple(alias.strip(" `") for alias in cells[1].split(",") if alias.strip()),
                cells[3],
                cells[4],
                cells[5],
            )
        )
    return rows


def test_readme_s_format_table_is_the_registry():
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    assert readme_format_rows() == [
        (
            record.name,
            record.aliases,
            f"as `{record.read_as}`" if record.read_as else yes(record.reads),
            yes(record.writes),
            yes(GROUPS in record.holds),
        )
        for record in FORMATS
    ]
