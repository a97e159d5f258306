"""``python -m sly_bindings``: the same as the ``sly-bindings`` command."""

from sly_bindings.cli.main import entry_point

entry_point()
