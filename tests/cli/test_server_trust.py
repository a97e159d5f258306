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
    CREATORS,
    ECHOES,
    ENDS,
    ODD_TOKEN_CASES,
    REDIRECTS,
    SETTINGS,
    UNCONFIRMED_CREATES,
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
    + table(UNCONFIRMED_CREATES, CREATORS)
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


NAMED_PLACES = ["dataset", "image"]
PRINTING = [
    ["report", "--json"],
    ["report", "--groups", "--json"],
    ["report", "--groups"],
    ["validate"],
    ["discard", "--dry-run"],
    ["auto-bind", "--max-gap", "2", "--regroup", "--dry-run"],
]


@pytest.mark.parametrize("argv", PRINTING, ids=" ".join)
@pytest.mark.parametrize("place", NAMED_PLACES)
def test_a_token_the_server_gives_back_in_a_name_is_not_printed(place, argv):
    """A server (or whoever named the dataset) that puts the token in a name the command
    prints: stdout holds no run of it, in the lines for people and in --json."""
    from bound_projects import seed_server_project
    from commands import sly_bindings_in_process
    from hostile_server import QUICK, captured, environment, new_token
    from sly_test_server import SlyTestServer

    token = new_token()
    with SlyTestServer(token=token) as server:
        project_id = seed_server_project(server)
        dataset = server.store.datasets_in(project_id)[0]
        if place == "dataset":
            dataset.name = f"ds-{token}"
        else:
            odd = next(i for i in server.store.images_in(dataset.id) if i.name == "odd.png")
            odd.name = f"{token}.png"  # the image every command names
        env = {
            **QUICK,
            "SERVER_ADDRESS": server.url,
            "API_TOKEN": token,
            "WORKSPACE_ID": str(server.workspace_id),
        }
        with environment(env), captured() as (out, err, log):
            code = sly_bindings_in_process(argv[0], "--project-id", project_id, *argv[1:])

    assert code in (0, 1), err.getvalue()
    if argv != ["report", "--json"] or place == "dataset":  # the name was printed, blanked
        assert "***" in out.getvalue() + err.getvalue()
    assert leaks(out.getvalue() + err.getvalue() + log.getvalue(), token) == []
