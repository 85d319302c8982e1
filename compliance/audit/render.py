"""Write the audit report: one self-contained HTML file, Markdown, or the CSV transfer register.

HTML and Markdown come from the Jinja2 templates beside this module (HTML with autoescape on,
so names from a manifest can never become markup); Jinja2 is the ``report`` extra. The CSV
is written with :mod:`csv`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from compliance.audit.flowmap import STYLE, layout
from compliance.audit.view import Audit, Transfer
from compliance.errors import ComplianceError
from compliance.formats.markdown import escape
from compliance.terminal import printable, printable_lines

FORMATS = ("html", "markdown", "csv")
TEMPLATES = Path(__file__).parent / "templates"

CSV_HEADER = (
    "ref",
    "file",
    "kind",
    "transfer",
    "exporter",
    "exporter_role",
    "importer",
    "importer_role",
    "source_system",
    "destination_system",
    "source_jurisdiction",
    "destination_jurisdiction",
    "regimes",
    "onward",
    "categories",
    "purpose",
    "individuals",
    "mechanisms",
    "exemption",
    "status",
    "findings",
)

# A spreadsheet would run a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(audit: Audit, fmt: str) -> str:
    """Render ``audit`` as ``html``, ``markdown`` or ``csv``."""
    if fmt == "csv":
        return register_csv(audit)
    env = _environment(autoescape=fmt == "html")
    name = "report.html.j2" if fmt == "html" else "report.md.j2"
    flowmap = layout(audit)
    text: str = env.get_template(name).render(audit=audit, map=flowmap, style=STYLE)
    # names from the manifests may hold control characters or bidi overrides: shown as
    # escapes, as in every other output (the templates themselves use only line feeds)
    return printable_lines(text)


#: Starts the CSV: without it Excel reads a UTF-8 file in the local code page, and Chinese
#: names come out garbled (read the file with ``encoding="utf-8-sig"``)
BOM = "\ufeff"


def register_csv(audit: Audit) -> str:
    """The transfer register, one row per transfer, with :data:`CSV_HEADER`: RFC 4180 (records
    end with CRLF), after a UTF-8 byte-order mark (:data:`BOM`)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for t in audit.transfers:
        writer.writerow([_cell(v) for v in _row(t)])
    return out.getvalue()


def _row(t: Transfer) -> list[str]:
    return [
        t.ref,
        t.file,
        t.kind,
        t.name,
        t.exporter,
        t.exporter_role,
        t.importer,
        t.importer_role or "",
        t.source_system,
        t.destination_system or "",
        t.source_country,
        t.destination_country,
        "; ".join(r.upper() for r in t.regimes),
        "yes" if t.onward else "no",
        "; ".join(c.text for c in t.categories),
        t.purpose,
        str(t.individuals),
        "; ".join([*([t.adequacy] if t.adequacy else []), *(m.text for m in t.mechanisms)]),
        t.exemption or "",
        t.status,
        "; ".join(t.findings),
    ]


def _cell(value: str) -> str:
    value = printable(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _environment(*, autoescape: bool) -> Any:
    try:
        import jinja2
    except ImportError:
        raise ComplianceError("the report needs Jinja2: pip install 'dataflow-compliance[report]'") from None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["words"] = lambda s: str(s).replace("_", " ")
    return env


def _md(value: object) -> str:
    """Text made safe for a Markdown table cell (:func:`compliance.formats.markdown.escape`)."""
    return escape(str(value))
