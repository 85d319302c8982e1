"""A small check imports only what it needs (issue 7, the pre-commit start-up budget).

Module sets, never timings: each probe runs ``compliance check`` in a fresh interpreter, in a
folder without configuration, and lists the modules it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.formats import FORMATS

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = [ROOT / "fixtures" / "example-travel.yaml", ROOT / "fixtures" / "sg-edtech-startup.json"]

#: Never needed by a check without options: other commands' and formats' modules, test-time
#: and optional dependencies, and standard modules that only an error path or an option needs.
NEVER = {
    "jinja2",
    "jsonschema",
    "fideslang",
    "pycountry",
    "rich",
    "multiprocessing",
    "concurrent.futures",
    "subprocess",
    "traceback",
    "hashlib",
    "tomllib",
    "difflib",
    "glob",
    "xml.etree.ElementTree",
    # pydantic's plugin loader and what it imports: a check validates with the validator
    # built from compliance/_manifest_schema.py, never building one through pydantic
    "pydantic.plugin._loader",
    "importlib.metadata",
    "compliance.audit",
    "compliance.baseline",
    "compliance.policy.casetests",
    "compliance.policy.catalogue",
    "compliance.sources.fides",
    "compliance.sources.terraform",
    "compliance.terraform_check",
}


def _imported(tmp_path: Path, *args: str) -> set[str]:
    probe = (
        "import contextlib, io, json, sys\n"
        "from compliance.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({list(args)!r})\n"
        "sys.__stdout__.write(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    return set(json.loads(proc.stdout))


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_a_text_check_imports_only_what_it_needs(tmp_path: Path, manifest: Path) -> None:
    modules = _imported(tmp_path, "check", "--as-of", "2026-11-29", str(manifest))
    assert "compliance.run" in modules, "the probe ran a check"
    assert sorted(NEVER & modules) == []
    assert sorted(m for m in modules if m.startswith("compliance.formats.")) == ["compliance.formats.text"]


#: Format modules another one builds on: SARIF writes its JSON with the JSON report's writer,
#: GitHub annotations name files as SARIF does.
USES = {
    "sarif": ["compliance.formats.json_report"],
    "github": ["compliance.formats.json_report", "compliance.formats.sarif"],
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_imports_its_own_module_only(tmp_path: Path, fmt: str) -> None:
    modules = _imported(tmp_path, "check", "--as-of", "2026-11-29", "--format", fmt, str(MANIFESTS[0]))
    own = sorted([FORMATS[fmt], *USES.get(fmt, [])])
    assert sorted(m for m in modules if m.startswith("compliance.formats.")) == own
    assert sorted((NEVER - {"hashlib", "xml.etree.ElementTree"}) & modules) == []
