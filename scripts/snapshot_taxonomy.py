"""Write rules/data/fideslang-taxonomy.json from the installed fideslang default taxonomy.

Run by hand after changing the pinned fideslang version:

    python scripts/snapshot_taxonomy.py

The checker reads the JSON file so that fideslang (and its pydantic pin) is never imported at
run time. The output is deterministic: sorted keys, indent 1, one trailing newline.
fideslang has no "active" flag; a key counts as active when it has no `version_deprecated`.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parent.parent / "rules" / "data" / "fideslang-taxonomy.json"


def _entries(items: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        item.fides_key: {
            "parent": item.parent_key,
            "name": item.name,
            "active": item.version_deprecated is None,
            "replaced_by": item.replaced_by,
        }
        for item in items
    }


def render() -> str:
    """Return the snapshot text for the installed fideslang."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    snapshot = {
        "fideslang_version": version("fideslang"),
        "data_categories": _entries(DEFAULT_TAXONOMY.data_category),
        "data_uses": _entries(DEFAULT_TAXONOMY.data_use),
    }
    return json.dumps(snapshot, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    SNAPSHOT.write_text(render(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
