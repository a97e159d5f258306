"""Attack on benchmarks/convert_speed.py --repeat: fewer than 1 run has no median; it is refused
as argparse refuses a bad value (one line, exit 2), before any input is made or any run timed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import convert_speed  # noqa: E402


@pytest.mark.parametrize("repeat", ["0", "-1", "two"])
def test_attack24_repeat_below_one_is_refused_at_once(monkeypatch, capsys, repeat):
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: ran.append(args))
    monkeypatch.setattr(sys, "argv", ["convert_speed.py", "--repeat", repeat])
    with pytest.raises(SystemExit) as exited:
        convert_speed.main()
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "--repeat" in err and "Traceback" not in err
    assert ran == []
