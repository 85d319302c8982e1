"""The shipped taxonomy snapshot is exactly what the pinned fideslang yields."""

from __future__ import annotations

import importlib.util
import json
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import pytest

from compliance.paths import data_dir

fideslang_taxonomy = pytest.importorskip("fideslang.default_taxonomy")

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "snapshot_taxonomy.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snapshot_taxonomy", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snapshot_text() -> str:
    return (data_dir() / "fideslang-taxonomy.json").read_text(encoding="utf-8")


def test_pinned_fideslang_is_installed() -> None:
    assert version("fideslang") == "3.1.4"
    assert json.loads(_snapshot_text())["fideslang_version"] == "3.1.4"


def test_snapshot_is_byte_for_byte_what_the_script_writes() -> None:
    assert _snapshot_text() == _script().render(), "run: python scripts/snapshot_taxonomy.py"


@pytest.mark.parametrize(
    ("section", "attribute"), [("data_categories", "data_category"), ("data_uses", "data_use")]
)
def test_snapshot_agrees_with_fideslang_objects(section: str, attribute: str) -> None:
    # Checked field by field against fideslang's own objects, independently of the script.
    items = getattr(fideslang_taxonomy.DEFAULT_TAXONOMY, attribute)
    snapshot = json.loads(_snapshot_text())[section]
    assert len(items) == len(snapshot)
    for item in items:
        entry = snapshot[item.fides_key]
        assert entry["parent"] == item.parent_key
        assert entry["name"] == item.name
        assert entry["replaced_by"] == item.replaced_by
        assert entry["active"] is (item.version_deprecated is None)


def test_snapshot_is_a_forest_with_resolvable_replacements() -> None:
    snapshot = json.loads(_snapshot_text())
    for section in ("data_categories", "data_uses"):
        entries = snapshot[section]
        for key, entry in entries.items():
            assert entry["parent"] is None or entry["parent"] in entries, key
            assert entry["replaced_by"] is None or entry["replaced_by"] in entries, key
            seen = {key}
            parent = entry["parent"]
            while parent is not None:
                assert parent not in seen, key
                seen.add(parent)
                parent = entries[parent]["parent"]
    assert not set(snapshot["data_categories"]) & set(snapshot["data_uses"])
