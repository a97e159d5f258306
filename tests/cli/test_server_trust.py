"""Issue 22, the server half: misbehaving servers against every command that talks to one.

Each kind is a table of cases (tests/hostile_server.py) run in this process over the commands
(``sly-bindings report/discard/auto-bind --project-id`` and ``src/main.py``) against the test
server behind a misbehaving answer; ``broken_promises`` says what a run broke:

- the token never follows a redirect to another origin (one line naming both, exit 2); a
  redirect within the origin is followed;
- no run of 8 characters of the token (or of the password in SERVER_ADDRESS) is shown, in any
  encoding, at any log level, nor written to a file;
- redaction never raises (tokens with NEL, NBSP, markup, percent signs);
- every request ends (a drip, a huge Retry-After), with one line naming the address and what
  the server did;
- nothing is called saved that the server did not confirm;
- an endless, malformed or wrong-shaped answer, and LOG_LEVEL=verbose, are one line, exit 2.
"""

from __future__ import annotations

import pytest

from hostile_server import (
    ANSWERS,
    COMMANDS,
    ECHOES,
    ENDS,
    ODD_TOKEN_CASES,
    REDIRECTS,
    SETTINGS,
    UNCONFIRMED_WRITES,
    WRITERS,
    broken_promises,
    leaks,
    run_case,
)

# The echo tables go through the same request path whatever the command: the first request
# of the project commands (projects.info) and of main.py (workspaces.info).
ECHO_COMMANDS = [command for command in COMMANDS if command.name in ("report", "main.py")]


def table(cases, commands):
    return [
        pytest.param(case, command, id=f"{case.name} / {command.name}")
        for case in cases
        for command in commands
    ]


@pytest.mark.parametrize(
    "case, command",
    table(REDIRECTS, COMMANDS)
    + table(UNCONFIRMED_WRITES, WRITERS)
    + table(ENDS + ANSWERS + SETTINGS, COMMANDS)
    + table(ECHOES + ODD_TOKEN_CASES, ECHO_COMMANDS),
)
def test_a_misbehaving_server_ends_as_promised(case, command, tmp_path):
    outcome = run_case(case, command, tmp_path)

    assert broken_promises(case, command, outcome) == [], outcome.stderr[-2000:]


@pytest.mark.parametrize("case", [c for c in REDIRECTS if c.exit_codes == (0,)], ids=str)
def test_a_same_origin_redirect_of_an_upload_is_followed_and_saved(case, tmp_path):
    discard = next(command for command in COMMANDS if command.name == "discard")
    redirected = type(case)(case.name, case.kind, case.answer, on="write", exit_codes=(0,))

    outcome = run_case(redirected, discard, tmp_path)

    assert broken_promises(redirected, discard, outcome) == []
    assert outcome.groups_after != outcome.groups_before  # the bindings are gone, for real
    assert all(
        groups == [] for dataset in outcome.groups_after.values() for groups in dataset.values()
    )


def test_the_leak_check_finds_what_it_looks_for():
    """The detector the tables rely on finds the token's runs in every encoding they use."""
    import base64
    import html
    from urllib.parse import quote

    token = "RECOGNISABLE-<&>-0123456789"
    for shown in (
        token,
        html.escape(token),
        quote(token, safe=""),
        base64.b64encode(b"x" + token.encode()).decode(),
        token.encode("utf-16-le").decode("latin-1"),
        repr(token.encode("utf-16-le")),
        token[5:14],
    ):
        assert leaks(f"... {shown} ...", token), shown
    assert not leaks("RECOGNI and ISABLE-", token)  # runs of 7: not the token's 8
