"""Taxonomy lookups, manifest extensions and the legal classes of categories.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import compliance
from compliance.paths import data_dir
from compliance.taxonomy import Taxonomy


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.default()


def _categories_yaml() -> dict[str, dict[str, object]]:
    raw = yaml.safe_load((data_dir() / "categories.yaml").read_text(encoding="utf-8"))
    classes: dict[str, dict[str, object]] = raw["classes"]
    return classes


def test_default_is_cached() -> None:
    assert Taxonomy.default() is Taxonomy.default()


def test_knows(taxonomy: Taxonomy) -> None:
    assert taxonomy.knows_category("user.contact.email")
    assert taxonomy.knows_category("system.operations")
    assert not taxonomy.knows_category("essential.service")
    assert taxonomy.knows_use("essential.service")
    assert taxonomy.knows_use("personalize.profiling")
    assert not taxonomy.knows_use("user")
    assert not taxonomy.knows_category("user.email")


def test_canonical_follows_replacements(taxonomy: Taxonomy) -> None:
    assert taxonomy.canonical("personalize.profiling") == "personalize.content.profiling"
    assert not taxonomy.is_active("personalize.profiling")
    assert taxonomy.canonical("user.contact.email") == "user.contact.email"
    with pytest.raises(KeyError):
        taxonomy.canonical("user.nope")


def test_ancestors(taxonomy: Taxonomy) -> None:
    assert taxonomy.ancestors("user.contact.address.city") == (
        "user.contact.address",
        "user.contact",
        "user",
    )
    assert taxonomy.ancestors("user") == ()
    assert taxonomy.ancestors("essential.service.notifications.email") == (
        "essential.service.notifications",
        "essential.service",
        "essential",
    )


def test_is_personal(taxonomy: Taxonomy) -> None:
    assert taxonomy.is_personal("user")
    assert taxonomy.is_personal("user.financial.credit_card")
    assert not taxonomy.is_personal("system")
    assert not taxonomy.is_personal("system.operations")


@pytest.mark.parametrize(
    ("key", "classes"),
    [
        ("user.contact.email", set()),
        ("system.operations", set()),
        ("user.biometric.fingerprint", {"pipl_sensitive", "gdpr_special"}),
        ("user.authorization.biometric", {"pipl_sensitive", "gdpr_special"}),
        ("user.authorization.password", set()),
        ("user.health_and_medical.genetic", {"pipl_sensitive", "gdpr_special"}),
        ("user.financial.credit_card", {"pipl_sensitive"}),
        ("user.location.precise", {"pipl_sensitive"}),
        ("user.location.imprecise", set()),
        ("user.childrens", {"pipl_sensitive"}),
        ("user.demographic.religious_belief", {"pipl_sensitive", "gdpr_special"}),
        ("user.demographic.race_ethnicity", {"gdpr_special"}),
        ("user.demographic.gender", set()),
        ("user.government_id.passport_number", {"pipl_sensitive"}),
        ("user.criminal_history", {"gdpr_criminal"}),
        # Broader keys that may hold classified data count as classified.
        ("user", {"pipl_sensitive", "gdpr_special", "gdpr_criminal"}),
        ("user.demographic", {"pipl_sensitive", "gdpr_special"}),
        ("user.location", {"pipl_sensitive"}),
        ("user.authorization", {"pipl_sensitive", "gdpr_special"}),
        ("system", set()),
    ],
)
def test_classes_of(taxonomy: Taxonomy, key: str, classes: set[str]) -> None:
    assert taxonomy.classes_of(key) == classes


def test_extended_categories_inherit_ancestry_and_classes(taxonomy: Taxonomy) -> None:
    extended = taxonomy.extended(
        {
            "user.loyalty_id": "user.unique_id",
            "user.health_and_medical.blood_type": "user.health_and_medical",
            "user.health_and_medical.blood_type.rhesus": "user.health_and_medical.blood_type",
        }
    )
    assert extended.knows_category("user.loyalty_id")
    assert not taxonomy.knows_category("user.loyalty_id")
    assert extended.ancestors("user.loyalty_id") == ("user.unique_id", "user")
    assert extended.is_personal("user.loyalty_id")
    assert extended.classes_of("user.loyalty_id") == frozenset()
    assert extended.classes_of("user.health_and_medical.blood_type.rhesus") == {
        "pipl_sensitive",
        "gdpr_special",
    }


def test_extension_errors(taxonomy: Taxonomy) -> None:
    with pytest.raises(ValueError, match=r"'user\.nowhere'"):
        taxonomy.extended({"user.thing": "user.nowhere"})
    with pytest.raises(ValueError, match="already defined"):
        taxonomy.extended({"user.contact.email": "user.contact"})
    with pytest.raises(ValueError, match="data use"):
        taxonomy.extended({"essential.service": "user"})
    with pytest.raises(ValueError, match="own ancestor"):
        taxonomy.extended({"user.a": "user.b", "user.b": "user.a"})


def test_suggest(taxonomy: Taxonomy) -> None:
    assert taxonomy.suggest("user.contact.emial", "category") == "user.contact.email"
    assert taxonomy.suggest("user.email", "category") == "user.contact.email"
    assert taxonomy.suggest("essential.servce", "use") == "essential.service"
    assert taxonomy.suggest("personalize.profiling", "use") == "personalize.content.profiling"
    assert taxonomy.suggest("zzzz", "category") is None
    assert taxonomy.suggest("essential.servce", "category") != "essential.service"


def test_every_classified_key_exists_in_the_snapshot() -> None:
    snapshot = json.loads((data_dir() / "fideslang-taxonomy.json").read_text(encoding="utf-8"))
    for name, body in _categories_yaml().items():
        keys = body["keys"]
        assert isinstance(keys, list)
        for key in keys:
            assert key in snapshot["data_categories"], (name, key)


def test_every_classified_key_has_a_reason_and_the_class_a_source() -> None:
    for name, body in _categories_yaml().items():
        assert body["source"], name
        assert body["description"], name
        keys = body["keys"]
        reasons = body["reasons"]
        assert isinstance(keys, list) and isinstance(reasons, dict)
        assert set(reasons) == set(keys), name


def test_contract_keys_are_classified(taxonomy: Taxonomy) -> None:
    # manifest-format.md, "Sensitive data": the keys the contract names at least.
    pipl = [
        "user.biometric",
        "user.authorization.biometric",
        "user.health_and_medical",
        "user.financial",
        "user.location.precise",
        "user.childrens",
        "user.demographic.religious_belief",
    ]
    gdpr = [
        "user.health_and_medical",
        "user.biometric",
        "user.demographic.race_ethnicity",
        "user.demographic.political_opinion",
        "user.demographic.religious_belief",
        "user.demographic.sexual_orientation",
    ]
    assert all("pipl_sensitive" in taxonomy.classes_of(k) for k in pipl)
    assert all("gdpr_special" in taxonomy.classes_of(k) for k in gdpr)
    assert "gdpr_criminal" in taxonomy.classes_of("user.criminal_history")


def test_category_classes_carry_their_citation(taxonomy: Taxonomy) -> None:
    classes = taxonomy.category_classes()
    assert set(classes) == {"pipl_sensitive", "gdpr_special", "gdpr_criminal"}
    assert "PIPL Art. 28" in classes["pipl_sensitive"].source
    assert "GDPR Art. 9(1)" in classes["gdpr_special"].source
    assert "GDPR Art. 10" in classes["gdpr_criminal"].source


def test_the_checker_does_not_import_fideslang() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; from compliance.taxonomy import Taxonomy; "
        "from compliance import jurisdictions; Taxonomy.default(); "
        "jurisdictions.resolve_location('aws:eu-west-1'); "
        "bad = {'fideslang', 'jsonschema'} & set(sys.modules); "
        "sys.exit(sorted(bad) or 0)"
    )
    repo = Path(compliance.__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=repo, check=False
    )
    assert result.returncode == 0, result.stderr


def test_wholly_in_a_class_excludes_the_broader_keys_taken_in_for_safety(taxonomy: Taxonomy) -> None:
    # `user` and `user.demographic` are taken as sensitive (they may hold sensitive data) but
    # may hold other personal information too; a listed key and its descendants hold only it
    assert "pipl_sensitive" in taxonomy.classes_of("user")
    assert not taxonomy.wholly_in("user", "pipl_sensitive")
    assert not taxonomy.wholly_in("user.demographic", "pipl_sensitive")
    assert taxonomy.wholly_in("user.health_and_medical", "pipl_sensitive")
    assert taxonomy.wholly_in("user.biometric", "pipl_sensitive")
    assert not taxonomy.wholly_in("user.name", "pipl_sensitive")
