"""Attack on the warning totals (cli/warning_totals.py): a message that names no place (no
``file: ``) names no file either, so it is counted in no file, on the terminal and in --json."""

from __future__ import annotations

from sly_bindings.cli.warning_totals import Collector


def test_attack24_placeless_messages_are_in_no_file():
    totals = Collector()
    for number in range(5):
        totals.add(f"something odd happened {number} times")
    totals.add("a.png: something odd happened 9 times")

    (line,) = totals.terminal_lines()
    (total,) = totals.as_json()
    assert line.startswith("warning: 6 something odd happened N times in 1 file; first: ")
    assert total["files"] == 1  # a.png; the placeless five name none


def test_attack24_only_placeless_messages_say_no_file_count():
    totals = Collector()
    for number in range(4):
        totals.add(f"something odd happened {number} times")

    (line,) = totals.terminal_lines()
    assert line == (
        "warning: 4 something odd happened N times; first: something odd happened 0 times; "
        "something odd happened 1 times; something odd happened 2 times (every one with --json)"
    )
    assert totals.as_json()[0]["files"] == 0
