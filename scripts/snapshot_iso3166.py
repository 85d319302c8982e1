"""Write rules/data/iso3166-alpha2.json from the installed pycountry's ISO 3166-1 list.

Run by hand after upgrading pycountry:

    python scripts/snapshot_iso3166.py

The checker reads the JSON file (every alpha-2 code, sorted) so that ``compliance check`` does
not import pycountry and load its database on every run. The output is deterministic.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parent.parent / "rules" / "data" / "iso3166-alpha2.json"


def render() -> str:
    """Return the snapshot text for the installed pycountry."""
    import pycountry

    snapshot = {
        "pycountry_version": version("pycountry"),
        "alpha_2": sorted(country.alpha_2 for country in pycountry.countries),
    }
    return json.dumps(snapshot, indent=1) + "\n"


def main() -> None:
    SNAPSHOT.write_text(render(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
