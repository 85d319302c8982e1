"""`compliance import fides` on the real fideslang files in tests/data/third-party/fides."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from compliance.cli import cli
from compliance.errors import InputError
from compliance.sources.fides import PLACEHOLDER, import_fides

FIDES = Path(__file__).parent / "data" / "third-party" / "fides"
COOKIE_HOUSE = [
    FIDES / "src_fides_data_sample_project_sample_resources_sample_systems.yml",
    FIDES / "src_fides_data_sample_project_sample_resources_mongo_example_test_dataset.yml",
    FIDES / "src_fides_data_sample_project_sample_resources_postgres_example_test_dataset.yml",
]
LEGACY_DEMO = [
    FIDES / "legacy-2023" / "demo_resources_demo_system.yml",
    FIDES / "legacy-2023" / "demo_resources_demo_dataset.yml",
    FIDES / "demo_resources_demo_organization.yml",
]


def _import(paths: list[Path]) -> dict[str, Any]:
    return import_fides([str(p) for p in paths]).manifest


def _placeholders(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _placeholders(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _placeholders(v, f"{path}[{i}]")]
    return [path] if isinstance(node, str) and node.startswith(PLACEHOLDER) else []


def test_every_real_file_imports_except_those_without_systems_or_datasets() -> None:
    for path in sorted(FIDES.rglob("*.yml")):
        if path.name in ("demo_resources_demo_policy.yml", "demo_resources_demo_organization.yml"):
            with pytest.raises(InputError, match="no fideslang system or dataset resources"):
                import_fides([str(path)])
        else:
            assert import_fides([str(path)]).manifest["manifest_version"] == 1, path


def test_cookie_house_systems_flows_and_datasets() -> None:
    m = _import(COOKIE_HOUSE)
    assert [s["id"] for s in m["systems"]] == [
        "cookie-house",
        "cookie-house-loyalty-database",
        "cookie-house-postgresql-database",
        "cookie-house-customer-database",
        "cookie-house-marketing-system",
        "cookie-house-custom-request-fields-database",
    ]
    assert {s["id"]: s["stores"] for s in m["systems"]} == {
        "cookie-house": ["cookie-house-data"],
        "cookie-house-loyalty-database": ["postgres-example-test-extended-dataset"],
        "cookie-house-postgresql-database": ["postgres-example-test-dataset"],
        "cookie-house-customer-database": ["mongo-test"],
        "cookie-house-marketing-system": ["cookie-house-marketing-system-data"],
        "cookie-house-custom-request-fields-database": ["postgres-example-custom-request-field-dataset"],
    }
    assert [(f["from"], f["to"], f["purpose"]) for f in m["flows"]] == [
        ("cookie-house-loyalty-database", "cookie-house", "functional.service.improve"),
        ("cookie-house-postgresql-database", "cookie-house", "functional.service.improve"),
        ("cookie-house-customer-database", "cookie-house", "functional.service.improve"),
        (
            "cookie-house-marketing-system",
            "cookie-house-customer-database",
            "marketing.advertising.first_party.targeted",
        ),
        ("cookie-house-custom-request-fields-database", "cookie-house", "functional.service.improve"),
    ]
    datasets = {d["id"]: d["categories"] for d in m["datasets"]}
    assert datasets["cookie-house-data"] == ["user.contact", "user.device.cookie_id"]
    assert datasets["postgres-example-test-extended-dataset"] == ["user"]  # from the declaration
    assert datasets["postgres-example-test-dataset"] == [
        "system.operations",
        "user",
        "user.contact.address.city",
        "user.contact.address.postal_code",
        "user.contact.address.state",
        "user.contact.address.street",
        "user.contact.email",
        "user.financial",
        "user.financial.bank_account",
        "user.name",
        "user.sensor",
        "user.unique_id",
    ]
    assert m["systems"][0]["location"].startswith(f"{PLACEHOLDER}: where system cookie-house runs")
    assert m["systems"][0]["operator"]["role"].startswith(PLACEHOLDER)  # Fides does not say


def test_legacy_third_country_transfers_become_destinations() -> None:
    m = _import(LEGACY_DEMO)
    assert m["organization"]["name"] == "Demo Organization"
    destinations = {s["id"]: s["location"] for s in m["systems"] if s["id"].startswith("third-country-")}
    assert destinations == {"third-country-us": "US", "third-country-ca": "CA", "third-country-gb": "GB"}
    assert [(f["from"], f["to"], f["datasets"]) for f in m["flows"]] == [
        ("demo-marketing-system", "demo-analytics-system", ["demo-marketing-system-data"]),
        # the analytics system declares user.device.cookie_id, which no field of the users
        # dataset holds: kept in a dataset of the system's own, which leaves with the rest
        ("demo-analytics-system", "third-country-us", ["demo-users-dataset", "demo-analytics-system-data"]),
        ("demo-analytics-system", "third-country-ca", ["demo-users-dataset", "demo-analytics-system-data"]),
        ("demo-analytics-system", "third-country-gb", ["demo-users-dataset"]),  # the dataset's own transfer
    ]
    roles = {s["id"]: s["operator"] for s in m["systems"][:2]}
    assert roles["demo-analytics-system"] == {"name": "Demo Organization", "role": "controller"}
    assert roles["demo-marketing-system"]["role"] == "processor"


def test_bad_alpha3_is_reported_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("system:\n  - fides_key: s\n    third_country_transfers: [XXX]\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_fides([str(bad)])
    assert [p.render() for p in exc.value.problems] == [
        f"{bad}:3:31: system[0].third_country_transfers[0]: 'XXX' is not an ISO 3166-1 alpha-3 code"
    ]


def test_draft_fails_validate_naming_what_to_fill(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "fides", *map(str, LEGACY_DEMO), "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["validate", str(out)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert (
        len(lines) == len(_placeholders(yaml.safe_load(out.read_text(encoding="utf-8")))) == 34
    )  # 3 for demo-analytics-system-data
    assert f"{out}:44:13: systems[0].location: not filled in yet (left by `compliance import`): where " in (
        "\n".join(lines)
    )


def _fill(node: Any, path: tuple[Any, ...], answers: dict[str, Any], where: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _fill(v, (*path, k), answers, where) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, (*path, i), answers, where) for i, v in enumerate(node)]
    if isinstance(node, str) and node.startswith(PLACEHOLDER):
        if path[-1] == "location":
            return where[re.search(r"where system (\S+) runs", node)[1]]  # type: ignore[index]
        return answers[path[-2] if isinstance(path[-1], int) else path[-1]]
    return node


ANSWERS: dict[str, Any] = {
    "name": "Cookie House GmbH",
    "established_in": "DE",
    "ciio": False,
    "state_organ": False,
    "subjects": [{"residency": "DE", "count": 20000}],
    "important_data": False,
    "core_data": False,
    "started_on": "2025-01-01",
    "recipient": {"name": "Cookie House Inc", "role": "processor", "dpf_certified": False},
    "mechanisms": [],
    "role": "controller",
}
WHERE = {
    "cookie-house": "aws:eu-central-1",
    "cookie-house-loyalty-database": "DE",
    "cookie-house-postgresql-database": "azure:westeurope",
    "cookie-house-customer-database": "aws:us-east-1",
    "cookie-house-marketing-system": "gcp:europe-west1",
    "cookie-house-custom-request-fields-database": "DE",
}


def test_round_trip_import_fill_check(tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "fides", *map(str, COOKIE_HOUSE), "-o", str(draft)]).exit_code == 0
    filled = _fill(yaml.safe_load(draft.read_text(encoding="utf-8")), (), ANSWERS, WHERE)
    manifest = tmp_path / "cookie-house.yaml"
    manifest.write_text(yaml.safe_dump(filled, sort_keys=False), encoding="utf-8")
    assert runner.invoke(cli, ["validate", str(manifest)]).exit_code == 0
    result = runner.invoke(cli, ["check", str(manifest), "--as-of", "2026-11-29", "--format", "json"])
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert [(f["rule_id"], f["outcome"], f["target"]["id"]) for f in report["findings"]] == EXPECTED
    assert result.exit_code == 1


# The marketing system (gcp:europe-west1, BE) sends to the customer database in aws:us-east-1
# (US) for another entity with no mechanism: the only transfer out of the EEA.
EXPECTED = [
    (
        "EU-GDPR-44-TRANSFER-TOOL",
        "violation",
        "cookie-house-marketing-system-to-cookie-house-customer-database",
    )
]


_DECLARES_MORE = """\
system:
  - fides_key: crm
    name: CRM
    privacy_declarations:
      - name: crm
        data_categories: [user.contact.email, user.financial.bank_account, user.health_and_medical]
        data_use: marketing.advertising
        data_subjects: [customer]
        dataset_references: [crm_db]
dataset:
  - fides_key: crm_db
    collections:
      - name: customers
        fields:
          - name: email
            data_categories: [user.contact.email]
"""


def test_declared_categories_beyond_the_referenced_dataset_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "fides.yml"
    path.write_text(_DECLARES_MORE, encoding="utf-8")
    result = import_fides([str(path)])
    datasets = {d["id"]: d["categories"] for d in result.manifest["datasets"]}
    assert datasets == {
        "crm-db": ["user.contact.email"],
        "crm-data": ["user.financial.bank_account", "user.health_and_medical"],
    }
    assert result.manifest["systems"][0]["stores"] == ["crm-db", "crm-data"]
    assert (
        "system crm declares user.financial.bank_account, user.health_and_medical beyond the fields "
        "of crm_db; kept in dataset crm-data"
    ) in result.notes


def test_malformed_lists_are_reported_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "fides.yml"
    path.write_text(
        "system:\n"
        "  - fides_key: a\n"
        "    privacy_declarations: 7\n"
        "  - fides_key: b\n"
        "    egress: [crm]\n"
        "    privacy_declarations:\n"
        "      - data_categories: user.contact.email\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        import_fides([str(path)])
    assert [p.render() for p in exc.value.problems] == [
        f"{path}:3:27: system[0].privacy_declarations: expected a list of mappings",
        f"{path}:5:14: system[1].egress[0]: expected a mapping",
        f"{path}:7:26: system[1].privacy_declarations[0].data_categories: expected a list of strings",
    ]


def test_a_fides_key_defined_twice_is_an_error_naming_both_places(tmp_path: Path) -> None:
    # Keeping either definition would silently drop the other's data categories and transfers.
    a = tmp_path / "team-a.yml"
    b = tmp_path / "team-b.yml"
    a.write_text(
        "system:\n  - {fides_key: crm, third_country_transfers: [USA]}\n"
        "dataset:\n  - {fides_key: crm_db, collections: []}\n",
        encoding="utf-8",
    )
    b.write_text(
        "system:\n  - {fides_key: crm, third_country_transfers: [CHN]}\n"
        "  - {fides_key: crm, name: again}\n"
        "dataset:\n  - {fides_key: crm_db, collections: []}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as exc:
        import_fides([str(a), str(b)])
    assert [p.render() for p in exc.value.problems] == [
        f"{b}:2:17: system[0].fides_key: 'crm' is already defined at {a}:2:17; merge the two "
        "definitions into one",
        f"{b}:3:17: system[1].fides_key: 'crm' is already defined at {a}:2:17; merge the two "
        "definitions into one",
        f"{b}:5:17: dataset[0].fides_key: 'crm_db' is already defined at {a}:4:17; merge the two "
        "definitions into one",
    ]


_NARROW_LINK = """\
system:
  - fides_key: app
    name: App
    system_type: Service
    privacy_declarations:
      - {name: Accounts, data_categories: [user.contact.email, user.health_and_medical],
         data_use: essential.service, data_subjects: [customer]}
    egress:
      - {fides_key: vendor, type: system, data_categories: [user.contact]}
      - {fides_key: backup, type: system}
      - {fides_key: archive, type: system, data_categories: [user.contact.email, user.health_and_medical]}
      - {fides_key: scanner, type: system, data_categories: [user.contact.email, user.biometric]}
      - {fides_key: mirror, type: system, data_categories: []}
  - {fides_key: vendor, name: Vendor, system_type: Service, privacy_declarations: []}
  - {fides_key: backup, name: Backup, system_type: Service, privacy_declarations: []}
  - {fides_key: archive, name: Archive, system_type: Service, privacy_declarations: []}
  - {fides_key: scanner, name: Scanner, system_type: Service, privacy_declarations: []}
  - {fides_key: mirror, name: Mirror, system_type: Service, privacy_declarations: []}
"""


def test_a_link_declaring_fewer_categories_than_the_source_holds_asks_which_datasets(
    tmp_path: Path,
) -> None:
    # the link to vendor carries contact data only, yet the source's dataset also holds health
    # data: the draft must not claim an Art. 9 / PIPL Art. 28 transfer the source denies, nor
    # drop it; the user decides
    path = tmp_path / "fides.yml"
    path.write_text(_NARROW_LINK, encoding="utf-8")
    result = import_fides([str(path)])
    flows = {f["id"]: f["datasets"] for f in result.manifest["flows"]}
    assert flows == {
        "app-to-vendor": [
            "FILL-ME: ids of the datasets flow app-to-vendor carries: the Fides link declares "
            "user.contact, but the datasets of system app (app-data) also hold "
            "user.health_and_medical (split a dataset if needed)"
        ],
        "app-to-backup": ["app-data"],  # no categories declared on the link: the whole store
        "app-to-archive": ["app-data"],  # everything the store holds is declared
        # a category the link declares but the store lacks is named, never dropped unsaid
        "app-to-scanner": [
            "FILL-ME: ids of the datasets flow app-to-scanner carries: the Fides link declares "
            "user.biometric, user.contact.email, but the datasets of system app (app-data) also "
            "hold user.health_and_medical (split a dataset if needed)"
        ],
        "app-to-mirror": ["app-data"],  # an empty list declares nothing: the whole store
    }
    assert [n for n in result.notes if "no dataset" in n] == [
        "flow app-to-scanner: the Fides link declares user.biometric, which no dataset of system app "
        "holds; add it to the dataset the flow carries"
    ]


def test_what_the_draft_assumes_is_said_in_notes(tmp_path: Path) -> None:
    # Third-party sharing names no receiving system; a link without categories carries every
    # dataset of its source; a purpose comes from a system's only data use. Each is a note.
    result = import_fides([str(FIDES / "tests_ctl_data_failing_declaration_taxonomy.yml")])
    assert result.manifest["flows"] == []
    assert result.notes == [
        "tests_ctl_data_failing_declaration_taxonomy.yml: policy resources are not imported",
        "system customer_data_sharing_system: privacy declaration 'Share Political Opinions' shares "
        "data with third parties, which Fides does not name as systems: add each as a system, with "
        "the flow to it",
    ]
    path = tmp_path / "fides.yml"
    path.write_text(
        "system:\n"
        "  - fides_key: shop\n"
        "    egress: [{fides_key: crm, type: system}]\n"
        "    privacy_declarations:\n"
        "      - {name: Orders, data_categories: [user.contact.email], data_use: essential.service,\n"
        "         third_parties: [Acme Payments]}\n"
        "  - fides_key: crm\n"
        "    privacy_declarations:\n"
        "      - {name: CRM, data_categories: [user.contact.email], data_use: marketing.communications}\n",
        encoding="utf-8",
    )
    notes = import_fides([str(path)]).notes
    assert notes[-3:] == [
        "system shop: privacy declaration 'Orders' shares data with third parties (Acme Payments), "
        "which Fides does not name as systems: add each as a system, with the flow to it",
        "flow shop-to-crm: purpose marketing.communications is system crm's only data use; correct "
        "it if the flow serves another",
        "flow shop-to-crm: the Fides link declares no data categories, so the draft has it carry every "
        "dataset of system shop (shop-data); remove those it does not carry",
    ]


def test_categories_no_taxonomy_defines_are_noted_at_import(tmp_path: Path) -> None:
    # validate names them only once every FILL-ME is filled in: the import says so at once
    path = tmp_path / "fides.yml"
    path.write_text(
        "dataset:\n"
        "  - fides_key: billing_db\n"
        "    collections:\n"
        "      - name: invoices\n"
        "        fields:\n"
        "          - {name: a, data_categories: [user.contact.email, custom.thing, user.foo.bar]}\n"
        "          - {name: b, data_categories: [user.loyalty]}\n"
        "data_category:\n"
        "  - {fides_key: user.loyalty, parent_key: user}\n",
        encoding="utf-8",
    )
    assert import_fides([str(path)]).notes == [
        "dataset billing-db: not a fideslang data category nor one the inputs define: custom.thing, "
        "user.foo.bar (replace each, or declare it under taxonomy.data_categories)"
    ]


def test_a_folder_is_walked_for_fides_files(tmp_path: Path) -> None:
    project = tmp_path / ".fides"
    (project / "systems").mkdir(parents=True)
    for src in COOKIE_HOUSE:
        (project / ("systems" if "systems" in src.name else ".") / src.name).write_bytes(src.read_bytes())
    (project / "notes.txt").write_text("not fides", encoding="utf-8")
    from_folder = import_fides([str(project)])
    from_files = import_fides([str(p) for p in sorted(project.rglob("*.yml"))])
    assert from_folder.manifest == from_files.manifest
    assert from_folder.manifest["systems"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as exc:
        import_fides([str(tmp_path / "empty")])
    assert [p.render() for p in exc.value.problems] == [
        f"{tmp_path / 'empty'}: no Fides resource files (*.yml, *.yaml) in this folder"
    ]


def test_output_goes_into_new_folders_and_never_replaces_a_file_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli import run

    sources = [str(p) for p in COOKIE_HOUSE]
    out = tmp_path / "dataflows" / "manifest.yaml"  # a folder the repository does not have yet
    assert run(capsys, "import", "fides", *sources, "-o", str(out))[0] == 0
    draft = out.read_text(encoding="utf-8")
    out.write_text(draft.replace("FILL-ME: name of the organization", "Cookie House Ltd"), encoding="utf-8")
    filled = out.read_bytes()
    code, _, err = run(capsys, "import", "fides", *sources, "-o", str(out))
    assert (code, err) == (
        2,
        f"error: {out}: already exists, and a draft would replace what was filled in there; write to "
        "another file and compare, or give --force to replace it\n",
    )
    assert out.read_bytes() == filled
    assert run(capsys, "import", "fides", *sources, "-o", str(out), "--force")[0] == 0
    assert out.read_text(encoding="utf-8") == draft


def test_a_systems_own_dataset_never_takes_a_fides_datasets_id(tmp_path: Path) -> None:
    # The draft names what a system declares beyond its datasets `<system>-data`; a Fides
    # dataset of that very key keeps it, and the made-up one gets another (nothing merged).
    path = tmp_path / "fides.yml"
    path.write_text(
        "system:\n"
        "  - fides_key: same\n"
        "    privacy_declarations:\n"
        "      - {name: p, data_categories: [user.contact.email], data_use: essential.service}\n"
        "dataset:\n"
        "  - fides_key: same-data\n"
        "    collections: [{name: c, fields: [{name: n, data_categories: [user.name]}]}]\n",
        encoding="utf-8",
    )
    draft = import_fides([str(path)]).manifest
    assert [(d["id"], d["categories"]) for d in draft["datasets"]] == [
        ("same-data", ["user.name"]),
        ("same-data-2", ["user.contact.email"]),
    ]
    assert draft["systems"][0]["stores"] == ["same-data-2"]


def test_a_system_linked_to_itself_makes_no_flow_and_says_so(tmp_path: Path) -> None:
    # a manifest flow moves data between two systems: a self-link would draft one that
    # `validate` then refuses
    path = tmp_path / "fides.yml"
    text = _NARROW_LINK.replace("      - {fides_key: mirror, type: system, data_categories: []}\n", "")
    text = text.replace("    egress:\n", "    egress:\n      - {fides_key: app, type: system}\n", 1)
    path.write_text(text, encoding="utf-8")
    result = import_fides([str(path)])
    assert "app-to-app" not in {f["id"] for f in result.manifest["flows"]}
    assert "system app: egress names the system itself, which is not a flow" in result.notes
