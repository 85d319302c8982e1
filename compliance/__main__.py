"""``python -m compliance``: the same as the ``compliance`` command."""

from compliance.console import run

run()
