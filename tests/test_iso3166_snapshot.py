"""The shipped ISO 3166-1 alpha-2 list equals the installed pycountry's (regenerate on upgrade)."""

from __future__ import annotations

import json

import pycountry

from compliance import jurisdictions
from compliance.paths import data_dir


def test_snapshot_equals_installed_pycountry() -> None:
    snapshot = json.loads((data_dir() / "iso3166-alpha2.json").read_text(encoding="utf-8"))
    installed = {country.alpha_2 for country in pycountry.countries}
    assert set(snapshot["alpha_2"]) == installed, "run python scripts/snapshot_iso3166.py"
    assert jurisdictions._iso_alpha2() == frozenset(installed)
