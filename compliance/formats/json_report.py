"""The JSON report (``--format json``), as the manifest contract defines it (report_version 1).

Its JSON Schema is :data:`REPORT_SCHEMA` (``compliance schema --report``); the tests validate
every report they make against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from compliance.findings import Finding, Report
from compliance.formats import RenderOptions

#: The JSON Schema (draft 2020-12) of the report this module writes.
REPORT_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "report-v1.schema.json"


def finding_dict(f: Finding) -> dict[str, Any]:
    """One finding as a JSON object (the shape shared by the JSON and other machine formats)."""
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "outcome": f.outcome,
        "severity": f.severity,
        "target": {"kind": f.target[0], "id": f.target[1]},
        "citation": ({"instrument": f.citation[0], "article": f.citation[1]} if f.citation else None),
        "also_cites": [{"instrument": i, "article": a} for i, a in f.also_cites],
        "title": f.title,
        "message": f.message,
        "facts": dict(f.facts),
        "location": {"file": f.file, "line": f.line, "column": f.column},
    }
    if f.remediation:
        out["remediation"] = f.remediation
    if f.waiver is not None:
        out["original_outcome"] = f.original_outcome
        out["waiver"] = {
            "reason": f.waiver.reason,
            "approved_by": f.waiver.approved_by,
            "expires_on": f.waiver.expires_on.isoformat(),
        }
    return out


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    return {
        "report_version": 1,
        "as_of": report.as_of.isoformat(),
        "tool": {"name": "dataflow-compliance", "version": report.tool_version},
        "packs": dict(report.packs),
        "files": list(report.files),
        "findings": [finding_dict(f) for f in report.findings],
        "errors": [
            {"file": p.file or None, "line": p.line, "column": p.column, "message": p.message}
            for p in report.errors
        ],
        "unused_waivers": [
            {
                "file": w.file,
                "line": w.line,
                "column": w.column,
                "rule": w.rule,
                "target": w.target,
                "expires_on": w.expires_on.isoformat(),
                **({"note": w.note} if w.note else {}),
            }
            for w in report.unused_waivers
        ],
        "summary": report.summary(),
        "exit_status": report.exit_status(options.fail_on),
        # only with --baseline, so reports without one keep their exact shape
        **(
            {
                "baselined": report.baselined,
                "stale_baseline": [e._asdict() for e in report.stale_baseline],
            }
            if report.baselined is not None
            else {}
        ),
    }


def render(report: Report, options: RenderOptions) -> str:
    """Render the report as indented JSON with a final newline."""
    return render_bytes(report, options).decode("utf-8")


def render_bytes(report: Report, options: RenderOptions) -> bytes:
    """:func:`render` as UTF-8 bytes, as orjson writes them (a large report is ~100 MB: no
    decoding to text and encoding back on the way out)."""
    obj = report_dict(report, options)
    try:
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # see dumps_indented; a file name that is not UTF-8 holds lone surrogates,
        # which JSON writes as the escapes it has for them
        return (dumps_indented(obj) + "\n").encode("utf-8", "backslashreplace")


def dumps_indented(obj: Any) -> str:
    """``obj`` as JSON indented by two spaces, non-ASCII characters as they are, no final newline.

    The text of ``json.dumps(obj, indent=2, ensure_ascii=False)`` for dicts with str keys,
    lists, tuples, str, bool, None and 64-bit ints, written by orjson (the json module's
    indenting encoder is pure Python: about 1 s for 50,000 findings). Floats keep their
    value but may be spelled differently (``1e-7`` where json writes ``1e-07``; NaN and infinities become
    ``null``, as JSON has no such numbers); reports hold none. Anything orjson refuses (a
    non-str key, an int beyond 64 bits) goes to ``json.dumps``.
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode()
    except TypeError:
        return json.dumps(obj, indent=2, ensure_ascii=False)
