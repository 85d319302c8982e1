"""The JSON report (``--format json``), as the manifest contract defines it (report_version 1)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from compliance.findings import Finding, Report
from compliance.formats import RenderOptions


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
            {"file": p.file, "line": p.line, "column": p.column, "message": p.message} for p in report.errors
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
                "stale_baseline": [dataclasses.asdict(e) for e in report.stale_baseline],
            }
            if report.baselined is not None
            else {}
        ),
    }


def render(report: Report, options: RenderOptions) -> str:
    """Render the report as indented JSON with a final newline."""
    return dumps_indented(report_dict(report, options)) + "\n"


def dumps_indented(obj: Any) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, the same text, faster.

    With ``indent`` the json module runs its pure-Python encoder (generators yielding small
    pieces); this walks the JSON-native types (dict with str keys, list, tuple, str, int,
    finite float, bool, None) with the C string encoder and hands anything else (a subclass,
    a non-str key, NaN) back to ``json.dumps``.
    """
    out: list[str] = []
    try:
        _encode(obj, "", out)
    except _NotPlain:
        return json.dumps(obj, indent=2, ensure_ascii=False)
    return "".join(out)


class _NotPlain(Exception):
    pass


_string: Callable[[str], str] = json.encoder.encode_basestring
_INF = float("inf")


def _scalar(o: Any) -> str:
    t = type(o)
    if t is str:
        return _string(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return int.__repr__(o)
    if t is float and o == o and o != _INF and o != -_INF:
        return float.__repr__(o)
    raise _NotPlain


def _encode(o: Any, indent: str, out: list[str]) -> None:
    t = type(o)
    if t is dict:
        if not o:
            out.append("{}")
            return
        inner = indent + "  "
        sep = "{\n" + inner
        for k, v in o.items():
            if type(k) is not str:
                raise _NotPlain
            tv = type(v)
            if tv is dict or tv is list or tv is tuple:
                out.append(f"{sep}{_string(k)}: ")
                _encode(v, inner, out)
            else:
                out.append(f"{sep}{_string(k)}: {_scalar(v)}")
            sep = ",\n" + inner
        out.append("\n" + indent + "}")
    elif t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = indent + "  "
        sep = "[\n" + inner
        for v in o:
            out.append(sep)
            _encode(v, inner, out)
            sep = ",\n" + inner
        out.append("\n" + indent + "]")
    else:
        out.append(_scalar(o))
