"""Decide where the tutorial writes: a Supervisely server, or a local Supervisely project.

Credentials are read the way Supervisely's own scripts read them: the environment first, then
``local.env`` of this repository and ``~/supervisely.env`` (python-dotenv, never overriding a
variable that is already set). With SERVER_ADDRESS and API_TOKEN the target is that server;
with neither, or with ``--local``, it is a project folder written with ``sly.Project``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Union
from urllib.parse import unquote, urlparse

from dotenv import dotenv_values, load_dotenv

from sly_bindings.cli.runner import UserError, shown_address
from sly_bindings.files.write_checks import cannot_create_in, nearest_existing

# The SDK's own variables; our defaults keep a dead server from costing minutes of retries.
RETRIES_VARIABLE, DEFAULT_RETRIES = "SUPERVISELY_PUBLIC_API_RETRIES", 5
RETRY_SLEEP_VARIABLE, DEFAULT_RETRY_SLEEP_SEC = "SUPERVISELY_PUBLIC_API_RETRY_SLEEP_SEC", 0.15
# sly.env.workspace_id() looks these up in this order.
WORKSPACE_VARIABLES = ("CONTEXT_WORKSPACEID", "context.workspaceId", "WORKSPACE_ID")


@dataclass(frozen=True)
class Credentials:
    """How to reach a server: what ``sly.Api(...)`` needs, and where the token came from."""

    address: str
    token: str = field(repr=False)
    retry_count: int
    retry_sleep_sec: float
    source: str


@dataclass(frozen=True)
class ServerTarget:
    address: str
    token: str = field(repr=False)
    workspace_id: int
    retry_count: int
    retry_sleep_sec: float
    reason: str

    def __str__(self) -> str:
        shown = shown_address(self.address)
        return f"server {shown}, workspace {self.workspace_id} ({self.reason})"


@dataclass(frozen=True)
class LocalTarget:
    project_dir: Path
    reason: str

    def __str__(self) -> str:
        return f"local project {self.project_dir} ({self.reason})"


Target = Union[ServerTarget, LocalTarget]


def env_files(local_env: Path) -> tuple[Path, ...]:
    """The files that may hold settings, in the order they are loaded: ``local_env`` (the
    project's ``local.env``, no secrets) and ``~/supervisely.env`` (the credentials)."""
    return (local_env, Path.home() / "supervisely.env")


def load_settings(local_env: Path = Path("local.env")) -> Dict[str, str]:
    """Load the env files into ``os.environ`` and say where each variable came from."""
    sources = {name: "the environment" for name in os.environ}
    for path in env_files(local_env):
        if path.is_file():
            shown = "~/supervisely.env" if path.parent == Path.home() else path.name
            for name in dotenv_values(path):
                sources.setdefault(name, shown)
            load_dotenv(path)
    return sources


def choose_target(
    local_parent: Optional[Path], project_name: str, default_parent: Path, local_env: Path
) -> Target:
    """The server when SERVER_ADDRESS and API_TOKEN are set, else a new local project folder.

    ``local_parent`` (``--local DIR``) forces a local project inside that folder, and without
    credentials the project goes into ``default_parent``; the project gets ``project_name`` or,
    when taken, the next free ``project_name_001``, ``_002``, ... Settings are read from the
    environment, ``local_env`` and ``~/supervisely.env``.

    Raises:
        UserError: settings are half there or malformed; the message names the fix.
    """
    sources = load_settings(local_env)
    if local_parent is not None:
        return local_target(local_parent, project_name, "--local given")
    credentials = read_credentials(sources)
    if credentials is None:
        return local_target(
            default_parent,
            project_name,
            "no SERVER_ADDRESS and API_TOKEN in the environment, local.env or ~/supervisely.env",
        )
    return ServerTarget(
        address=credentials.address,
        token=credentials.token,
        workspace_id=workspace_id(sources),
        retry_count=credentials.retry_count,
        retry_sleep_sec=credentials.retry_sleep_sec,
        reason=f"SERVER_ADDRESS and API_TOKEN from {credentials.source}",
    )


def read_credentials(sources: Dict[str, str]) -> Optional[Credentials]:
    """SERVER_ADDRESS, API_TOKEN and the retry settings, or None when neither is set.

    ``sources`` is what :func:`load_settings` returns, to say where a variable was found.

    Raises:
        UserError: only one of the two is set, or a value is malformed.
    """
    address, token = os.environ.get("SERVER_ADDRESS"), os.environ.get("API_TOKEN")
    if not address and not token:
        return None
    if not address or not token:
        present, missing = (
            ("SERVER_ADDRESS", "API_TOKEN") if address else ("API_TOKEN", "SERVER_ADDRESS")
        )
        raise UserError(
            f"{present} is set (in {sources[present]}) but {missing} is not: add {missing} to "
            "~/supervisely.env, or pass --local DIR to use a local project instead"
        )
    return Credentials(
        address=checked_address(address),
        token=checked_token(token, sources.get("API_TOKEN", "the environment")),
        retry_count=int(number_setting(RETRIES_VARIABLE, DEFAULT_RETRIES, minimum=1, whole=True)),
        retry_sleep_sec=number_setting(RETRY_SLEEP_VARIABLE, DEFAULT_RETRY_SLEEP_SEC, minimum=0),
        source=sources["API_TOKEN"],
    )


def local_target(parent: Path, project_name: str, reason: str) -> LocalTarget:
    """A free project folder inside ``parent``, after checking that it can be written there.

    Nothing is created yet: ``parent`` may not exist, as long as it can be made.
    """
    parent = parent.resolve()
    existing = nearest_existing(parent)
    if not existing.is_dir():
        where = "is a file" if existing == parent else f"is inside the file {existing}"
        raise UserError(f"--local {parent} {where}: give a folder to write the project into")
    problem = cannot_create_in(existing)
    if problem is not None:
        raise UserError(
            f"cannot write into {existing} ({problem}): pass --local with a folder you can write"
        )
    # Imported here: files.staging loads the SDK, which only a run needs (not --help).
    from sly_bindings.files.staging import free_project_dir

    return LocalTarget(free_project_dir(parent, project_name), reason)


def checked_token(token: str, source: str) -> str:
    r"""API_TOKEN as it is, or a UserError saying what is wrong with it, never showing it.

    A token must be sendable as the ``x-api-key`` header: no newline, tab or other control
    character (a quoted value split over two lines in ``~/supervisely.env`` gives one), only
    Latin-1 characters, and no space at either end. Checked before the first request, so the
    HTTP library never gets to print it in an error.

    Examples:
        >>> checked_token("abc123", "~/supervisely.env")
        'abc123'
        >>> checked_token("abc\n123", "~/supervisely.env")
        Traceback (most recent call last):
        ...
        sly_bindings.cli.runner.UserError: API_TOKEN (in ~/supervisely.env) contains a newline: copy the token again, on one line and without quotes split over lines
    """
    problem = token_problem(token)
    if problem is None:
        return token
    raise UserError(
        f"API_TOKEN (in {source}) contains {problem}: copy the token again, on one line and "
        "without quotes split over lines"
    )


def token_problem(token: str) -> Optional[str]:
    r"""What makes ``token`` unusable as a header value, in words, or None.

    Examples:
        >>> [token_problem(t) for t in ("ok", "a\tb", "caf\u00e9", "\u20ac1", " a")]
        [None, 'a tab', None, 'a character outside Latin-1 (position 1)', 'a space at an end']
    """
    named = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab"}
    for position, character in enumerate(token, start=1):
        if character in named:
            return named[character]
        if ord(character) < 32 or ord(character) == 127:
            return f"a control character (position {position})"
        if ord(character) > 255:
            return f"a character outside Latin-1 (position {position})"
    if token != token.strip():
        return "a space at an end"
    return None


def checked_address(address: str) -> str:
    """SERVER_ADDRESS with a scheme, as the SDK normalises it, or a UserError naming the form.

    Examples:
        >>> checked_address(" app.supervisely.com/ ")
        'https://app.supervisely.com'
    """
    normalised = address.strip().rstrip("/")
    if "://" not in normalised:
        normalised = "https://" + normalised
    try:
        parsed = urlparse(normalised)  # raises ValueError for a bracket left open ([::1)
        valid = parsed.scheme in ("http", "https") and bool(parsed.hostname)
        valid = valid and not any(character.isspace() for character in normalised)
        parsed.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        valid = False
    if not valid:
        raise UserError(
            f"SERVER_ADDRESS={shown_address(address)!r} is not a server address: use the form "
            "https://app.supervisely.com or http://host:port"
        )
    problem = sendable_address_problem(normalised)
    if problem is not None:
        raise UserError(f"SERVER_ADDRESS={shown_address(address)!r} {problem}")
    return normalised


def sendable_address_problem(address: str) -> Optional[str]:
    r"""What makes ``address``, a valid URL, one that the HTTP library cannot send, or None.

    urllib3 reads a backslash as ``/`` (as browsers do) where Python's URL parser does not, and
    requests sends the user and password as Basic auth in Latin-1, percent-decoded.

    Examples:
        >>> sendable_address_problem("https://me:pa55@app.example.com") is None
        True
        >>> sendable_address_problem("https://me:pa\\55@app.example.com")
        'has a backslash, which the HTTP library reads as a /: write it as %5C in a password, or remove it'
        >>> sendable_address_problem("https://me:%D0%BF55@h")[:49]
        'has a user or password with a character outside L'
    """
    if "\\" in address:
        return (
            "has a backslash, which the HTTP library reads as a /: write it as %5C in a password, "
            "or remove it"
        )
    user_part = address.split("://", 1)[-1].rpartition("@")[0]
    try:
        unquote(user_part, errors="strict").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return (
            "has a user or password with a character outside Latin-1, which HTTP Basic auth "
            "cannot send: use one of Latin-1 characters, or an address without it"
        )
    return None


def workspace_id(sources: Dict[str, str]) -> int:
    """The workspace to create the project in, from the variables sly.env.workspace_id() reads."""
    for name in WORKSPACE_VARIABLES:
        value = os.environ.get(name)
        if value is None:
            continue
        try:
            return int(value)
        except ValueError:
            raise UserError(
                f"{name}={value!r} (in {sources.get(name, 'the environment')}) is not a number: "
                "copy the workspace ID from the workspace's context menu in Supervisely"
            ) from None
    raise UserError(
        "WORKSPACE_ID is not set: put WORKSPACE_ID=<id> in local.env (the ID is in the "
        "workspace's context menu), or pass --local DIR to write a local project instead"
    )


def number_setting(name: str, default: float, minimum: float, whole: bool = False) -> float:
    """A numeric environment setting, its default when unset, or a UserError when malformed.

    Examples:
        >>> number_setting("NOT_SET_ANYWHERE", 0.15, minimum=0)
        0.15
    """
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < minimum:
        kind = "a whole number" if whole else "a number"
        raise UserError(f"{name}={value!r} must be {kind} of at least {minimum}: fix or unset it")
    return number
