"""The generated core schema of Manifest is current, and validates exactly as pydantic's own.

``compliance/_manifest_schema.py`` stands in for the validator pydantic would build from the
models (start-up, issue 7). These tests hold it to that:

* regenerating it from the models and the installed pydantic gives the committed text;
* on every fixture, and on thousands of broken variants of them, both validators accept the
  same documents with the same result, or reject them with the same errors;
* with other pydantic versions than those it was generated with, it is not used.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
import pytest
from pydantic import BaseModel, ValidationError

from compliance import _manifest_schema, coreschema, model
from compliance.model import Manifest
from compliance.sources.document import read_document

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(p for p in (ROOT / "fixtures").glob("*") if p.suffix in {".yaml", ".json"})


def test_the_generated_schema_is_current() -> None:
    recorded = (_manifest_schema.PYDANTIC, _manifest_schema.PYDANTIC_CORE)
    installed = (pydantic.version.VERSION, pydantic_core.__version__)
    assert recorded == installed, "pydantic changed: run `python -m compliance.coreschema`"
    assert coreschema.render() == coreschema.GENERATED.read_text(encoding="utf-8"), (
        "the models changed: run `python -m compliance.coreschema`"
    )
    assert coreschema.main(["--check"]) == 0
    assert coreschema.uses_prebuilt()


def _outcome(validate: Any, data: Any) -> tuple[str, Any]:
    try:
        manifest = validate(copy.deepcopy(data))
    except ValidationError as exc:
        # exceptions in the errors' context compare by identity: compare their text
        return "rejected", json.dumps(exc.errors(include_url=False), default=repr)
    assert type(manifest) is Manifest
    return "accepted", manifest.model_dump(mode="python", by_alias=True)


def _mutants(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(where, replacement) pairs: every node replaced by values of other shapes, every key
    dropped (replacement ``...``) and an unknown key added to every mapping."""
    for value in (7, "x", "", None, [], {}, True, "2025-02-30", -1):
        if value != node or type(value) is not type(node):
            yield path, value
    if isinstance(node, dict):
        yield (*path, "unexpected_key"), 1
        for key, child in node.items():
            yield (*path, key), ...
            yield from _mutants(child, (*path, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _mutants(child, (*path, i))


def _apply(doc: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    out = copy.deepcopy(doc)
    parent = out
    for step in where[:-1]:
        parent = parent[step]
    if value is ...:
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return out


def _agreement() -> dict[str, int]:
    """In a fresh interpreter: build the validator from the generated schema while no model
    class is complete (pydantic-core would otherwise reuse a complete class's own validator
    instead of reading the schema), then validate every fixture and its broken variants with
    it and with pydantic's. Returns the number of documents compared per fixture."""
    models = [v for v in vars(model).values() if isinstance(v, type) and issubclass(v, BaseModel)]
    assert [m.__name__ for m in models if m.__pydantic_complete__] == []
    prebuilt = coreschema._prebuilt()
    assert prebuilt is not None
    compared = {}
    for fixture in FIXTURES:
        doc = read_document(fixture).data
        assert _outcome(prebuilt.validate_python, doc)[0] == "accepted"
        variants = [_apply(doc, where, value) for where, value in _mutants(doc)]
        for variant in variants:
            ours = _outcome(prebuilt.validate_python, variant)
            assert ours == _outcome(Manifest.model_validate, variant), variant
        compared[fixture.name] = len(variants)
    return compared


def test_both_validators_agree_on_the_fixtures_and_their_broken_variants() -> None:
    probe = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "import test_coreschema\n"
        "print(json.dumps(test_coreschema._agreement()))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    compared = json.loads(proc.stdout)
    assert sorted(compared) == [p.name for p in FIXTURES]
    assert min(compared.values()) > 300


def test_other_pydantic_versions_fall_back_to_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = read_document(FIXTURES[0]).data
    expected = coreschema.validate_manifest(doc)
    monkeypatch.setattr(_manifest_schema, "PYDANTIC_CORE", "0.0.0")
    coreschema._prebuilt.cache_clear()
    try:
        assert not coreschema.uses_prebuilt()
        assert coreschema.validate_manifest(doc) == expected
    finally:
        monkeypatch.undo()
        coreschema._prebuilt.cache_clear()
    assert coreschema.uses_prebuilt()


def test_check_writes_nothing_and_reports_an_outdated_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "_manifest_schema.py"
    stale.write_text("# outdated\n", encoding="utf-8")
    monkeypatch.setattr(coreschema, "GENERATED", stale)
    assert coreschema.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "# outdated\n"
    assert "is out of date: run `python -m compliance.coreschema`" in capsys.readouterr().err
    assert coreschema.main([]) == 0
    assert stale.read_text(encoding="utf-8") == coreschema.render()


def test_a_value_without_a_python_name_is_refused() -> None:
    with pytest.raises(TypeError, match=r"SCHEMA\['f'\]: .* has no importable name"):
        coreschema._spell({"f": lambda v: v}, set(), "SCHEMA", 0)
    with pytest.raises(TypeError, match=r"SCHEMA\[0\]: cannot spell object value"):
        coreschema._spell([object()], set(), "SCHEMA", 0)
