"""Output formats: one small module per format, each with ``render(report, options) -> str``.

Adding a format means one new module and one line in :data:`FORMATS`; modules are imported
only when their format is asked for, to keep start-up fast.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple, Protocol

from compliance.findings import Report

#: format name -> module implementing it
FORMATS = {
    "text": "compliance.formats.text",
    "json": "compliance.formats.json_report",
    "sarif": "compliance.formats.sarif",
    "junit": "compliance.formats.junit",
    "github": "compliance.formats.github",
    "markdown": "compliance.formats.markdown",
}


class RenderOptions(NamedTuple):
    """How to render: ``color`` (ANSI colours), ``explain`` (rationale and remediation),
    ``fail_on`` (the gate severity, for summaries), ``include_waived`` (SARIF: keep waived
    findings, marked as suppressed)."""

    color: bool = False
    explain: bool = False
    fail_on: str = "low"
    include_waived: bool = False


class Formatter(Protocol):
    """What each format module provides."""

    def render(self, report: Report, options: RenderOptions) -> str:
        """Return the whole output document as text."""
        ...


def render(name: str, report: Report, options: RenderOptions) -> str:
    """Render ``report`` in the format ``name`` (a key of :data:`FORMATS`)."""
    module = importlib.import_module(FORMATS[name])
    text: str = module.render(report, options)
    return text


def render_bytes(name: str, report: Report, options: RenderOptions) -> bytes:
    """:func:`render` as UTF-8 bytes: the module's own ``render_bytes`` where it has one (a
    format whose writer produces bytes), else its text encoded."""
    module = importlib.import_module(FORMATS[name])
    direct = getattr(module, "render_bytes", None)
    if direct is not None:
        data: bytes = direct(report, options)
        return data
    return render(name, report, options).encode("utf-8", "backslashreplace")
