"""A bound the user may set with an environment variable: one rule for reading it.

Every such bound (the server's timeouts and answer size in ``server/``, the size of an
annotation read whole in ``files/project_folder.py``) is a number above 0, read here; anything
else is one line naming the variable, raised as :class:`SettingError`. SDK-free.

Examples:
    >>> positive_setting("NOT_SET_ANYWHERE", 32.0, "MiB")
    32.0
"""

from __future__ import annotations

import math
import os


class SettingError(ValueError):
    """A setting variable that is not a positive number; the message names it and the fix."""


def positive_setting(name: str, default: float, unit: str = "seconds") -> float:
    """A number above 0 from the environment variable ``name``, or ``default`` when unset.

    Raises:
        SettingError: the variable is set to anything else (the message names it).

    Examples:
        >>> positive_setting("NOT_SET_ANYWHERE", 300.0)
        300.0
    """
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise SettingError(f"{name}={value!r} must be a number of {unit} above 0: fix or unset it")
    return number
