"""Validation of manifests (compliance.validate): every problem at once, one exact line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from test_cli import VALID

from compliance.errors import InputError
from compliance.sources.document import parse_bytes
from compliance.validate import LoadedManifest, validate_document

BASE = VALID  # the smallest valid manifest, shared with the CLI tests


def _load(text: str, name: str = "m.yaml") -> LoadedManifest:
    return validate_document(parse_bytes(name, text.encode(), json_syntax=name.endswith(".json")))


def _problems(text: str, name: str = "m.yaml") -> list[str]:
    with pytest.raises(InputError) as exc:
        _load(text, name)
    return [p.render() for p in exc.value.problems]


def test_base_is_valid() -> None:
    loaded = _load(BASE)
    assert loaded.manifest.flows[0].source == "crm"


def test_norway_stays_a_country_code() -> None:
    loaded = _load(BASE.replace("location: DE", "location: NO"))
    assert loaded.manifest.systems[1].location == "NO"


def test_integer_where_a_date_belongs() -> None:
    assert _problems(BASE.replace("started_on: 2025-02-01", "started_on: 20250201")) == [
        "m.yaml:14:17: flows[0].started_on: expected a date written YYYY-MM-DD, got 20250201"
    ]


def test_impossible_calendar_date() -> None:
    assert _problems(BASE.replace("started_on: 2025-02-01", "started_on: 2025-02-30")) == [
        "m.yaml:14:17: flows[0].started_on: not a calendar date, got '2025-02-30'"
    ]


ARABIC_INDIC_DATE = "\u0662\u0660\u0662\u0665-\u0660\u0662-\u0660\u0661"  # 2025-02-01


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("2025-W05-6", "expected a date written YYYY-MM-DD"),  # an ISO week date
        ("2025-2-01", "expected a date written YYYY-MM-DD"),
        (ARABIC_INDIC_DATE, "not a calendar date"),  # digits, but not ASCII ones
        ("2025-13-01", "not a calendar date"),
    ],
)
def test_date_strings_other_than_yyyy_mm_dd(written: str, problem: str) -> None:
    text = BASE.replace("started_on: 2025-02-01", f"started_on: '{written}'")
    assert _problems(text) == [f"m.yaml:14:17: flows[0].started_on: {problem}, got {written!r}"]


def test_unknown_field_suggests_the_missing_required_key() -> None:
    assert _problems(BASE.replace("    to: bi", "    destinaton: bi")) == [
        "m.yaml:11:5: flows[0]: unknown field 'destinaton' (did you mean 'to'?)",
    ]


def test_unknown_field_suggests_the_closest_key() -> None:
    assert _problems(BASE.replace("    purpose:", "    purpse:")) == [
        "m.yaml:13:5: flows[0]: unknown field 'purpse' (did you mean 'purpose'?)",
    ]


def test_a_comma_inside_an_unquoted_flow_value_gets_a_quoting_hint() -> None:
    # `Acme Co., Ltd.` unquoted in a {...} mapping: the comma ends the name at "Acme Co."
    text = BASE.replace(
        "operator: {name: Example Co, role: controller}, stores: [customers]",
        "operator: {name: Example Co., Ltd., role: controller}, stores: [customers]",
    )
    assert _problems(text) == [
        "m.yaml:6:59: systems[0].operator: unknown field 'Ltd.' (in a {...} mapping a comma ends a "
        'value: if this continues the value before it, put that value in quotes, e.g. name: "Acme '
        'Co., Ltd.")',
    ]


def test_the_quoting_hint_is_for_yaml_only() -> None:
    # JSON has no unquoted values: a null member is what it says
    loaded = json.loads(json.dumps(yaml.safe_load(BASE), default=str))
    loaded["systems"][0]["operator"]["Ltd."] = None
    problems = _problems(json.dumps(loaded, indent=1), name="m.json")
    assert len(problems) == 1 and problems[0].endswith("systems[0].operator: unknown field 'Ltd.'")


def test_model_problems_all_at_once() -> None:
    text = (
        BASE.replace("ciio: false", 'ciio: "no"')
        .replace("count: 10", "count: -5")
        .replace("    mechanisms: []", "    individuals: 010\n    mechanisms:")
        + "      - {type: scc-2022, signed_on: 2025-01-01}\n"
        + "      - {type: cn-standard-contract, signed_on: 2025-13-01}\n"
        + "      - {type: pipia}\n"
    )
    assert _problems(text) == [
        "m.yaml:2:62: organization.ciio: input should be a valid boolean, got 'no'",
        "m.yaml:4:89: datasets[0].subjects[0].count: input should be greater than or equal to 0, got -5",
        "m.yaml:16:18: flows[0].individuals: input should be a valid integer, got '010'",
        "m.yaml:18:16: flows[0].mechanisms[0].type: unknown mechanism type 'scc-2022' (did you mean "
        "'scc-2021'?); expected one of: cac-security-assessment, cn-standard-contract, "
        "pi-protection-certification, pipia, separate-consent, scc-2021, scc-2010, bcr, "
        "code-of-conduct, certification, ad-hoc-clauses, derogation, tia",
        "m.yaml:19:49: flows[0].mechanisms[1].signed_on: not a calendar date, got '2025-13-01'",
        "m.yaml:20:9: flows[0].mechanisms[2]: missing required field 'completed_on'",
    ]


def test_reference_problems_all_at_once() -> None:
    text = (
        BASE.replace("established_in: [CN]", "established_in: [CN, XX]")
        .replace("categories: [user.contact.email]", "categories: [user.contact.emial]")
        .replace("residency: CN", "residency: ZZ")
        .replace("location: CN", "location: aws:mars-1")
        .replace("stores: [customers]", "stores: [customers, nope]")
        .replace("    to: bi", "    to: bii")
        .replace("datasets: [customers]", "datasets: [customer]")
        .replace("purpose: essential.service", "purpose: essential.servic")
        .replace("    mechanisms: []", "    mechanisms:")
        + "      - {type: cn-standard-contract, signed_on: 2025-02-01, filed_on: 2025-01-01}\n"
        + "      - {type: cac-security-assessment, approved_on: 2025-02-01, expires_on: 2024-01-01}\n"
        + "      - {type: pi-protection-certification, certified_on: 2025-02-01, expires_on: 2025-01-31}\n"
    )
    assert _problems(text) == [
        "m.yaml:2:55: organization.established_in[1]: 'XX' is neither EU, EEA nor an ISO 3166-1 alpha-2 code",
        "m.yaml:4:34: datasets[0].categories[0]: unknown data category 'user.contact.emial' "
        "(did you mean 'user.contact.email'?)",
        "m.yaml:4:78: datasets[0].subjects[0].residency: 'ZZ' is not an ISO 3166-1 alpha-2 country code",
        "m.yaml:6:25: systems[0].location: unknown location 'aws:mars-1': cannot resolve location "
        "'aws:mars-1': region 'mars-1' of provider 'aws' is not in the region table "
        "(rules/data/cloud-regions.csv); if the region is new, give its country code instead",
        "m.yaml:6:105: systems[0].stores[1]: no dataset with id 'nope'",
        "m.yaml:11:9: flows[0].to: no system with id 'bii' (did you mean 'bi'?)",
        "m.yaml:12:16: flows[0].datasets[0]: no dataset with id 'customer' (did you mean 'customers'?)",
        "m.yaml:13:14: flows[0].purpose: unknown purpose 'essential.servic' "
        "(did you mean 'essential.service'?)",
        "m.yaml:17:71: flows[0].mechanisms[0].filed_on: cn-standard-contract filed before it was signed "
        "(filed_on 2025-01-01, signed_on 2025-02-01)",
        "m.yaml:18:78: flows[0].mechanisms[1].expires_on: cac-security-assessment expires before it was "
        "approved (expires_on 2024-01-01, approved_on 2025-02-01)",
        "m.yaml:19:83: flows[0].mechanisms[2].expires_on: pi-protection-certification expires before it "
        "was certified (expires_on 2025-01-31, certified_on 2025-02-01)",
    ]


def test_same_day_mechanism_dates_are_possible() -> None:
    text = BASE.replace("    mechanisms: []", "    mechanisms:") + (
        "      - {type: cn-standard-contract, signed_on: 2025-02-01, filed_on: 2025-02-01}\n"
    )
    assert _load(text).manifest.flows[0].mechanisms[0].type == "cn-standard-contract"


def test_each_flow_is_checked_on_its_own() -> None:
    # a purpose known on one flow, unknown on others; a dangling dataset after a good one
    second = BASE[BASE.index("  - id: crm-to-bi") :].replace("crm-to-bi", "again")
    text = (
        BASE
        + second.replace("purpose: essential.service", "purpose: nope")
        + second.replace("again", "third").replace("purpose: essential.service", "purpose: nope")
        + second.replace("again", "fourth").replace("[customers]", "[customers, gone]")
    )
    assert _problems(text) == [
        "m.yaml:21:14: flows[1].purpose: unknown purpose 'nope'",
        "m.yaml:29:14: flows[2].purpose: unknown purpose 'nope'",
        "m.yaml:36:27: flows[3].datasets[1]: no dataset with id 'gone'",
    ]


def test_duplicate_ids() -> None:
    text = BASE.replace(
        "  - {id: bi, location: DE",
        "  - {id: crm, location: DE, operator: {name: X, role: processor}, stores: []}\n"
        "  - {id: bi, location: DE",
    )
    assert _problems(text) == ["m.yaml:7:10: systems[1].id: duplicate id 'crm' (first at line 6)"]


def test_dangling_waiver_target() -> None:
    text = BASE + (
        "waivers:\n  - {rule: X-Y, target: flows/nope, reason: r, approved_by: me, expires_on: 2030-01-01}\n"
    )
    assert _problems(text) == ["m.yaml:18:25: waivers[0].target: no flow with id 'nope'"]


def test_a_waiver_of_a_notice_is_refused() -> None:
    """Notices never fail a run: a waiver naming one (a built-in id or any other NOTICE- id) has
    nothing to waive, and is refused rather than reported as matching no finding."""
    waivers = "".join(
        f"  - {{rule: {rule}, target: {target}, reason: r, approved_by: me, expires_on: 2030-01-01}}\n"
        for rule, target in (
            ("NOTICE-PACK-DATE", "organization"),
            ("NOTICE-WAIVER-EXPIRING", "flows/crm-to-bi"),
            ("NOTICE-MECHANISM-EXPIRING", "flows/nope"),
            ("NOTICE-SOMETHING-NEW", "systems/crm"),
            ("TF-LOCATION-MISMATCH", "systems/crm"),  # a finding like a rule's: may be waived
            ("NOTICE", "systems/crm"),  # no notice id: an unknown rule, reported when unused
            ("notice-pack-dates", "organization"),
        )
    )
    notice = "names a notice; notices never fail a run and need no waiver (remove this waiver)"
    unknown = "names a notice (no notice has this id); notices never fail a run and need no waiver"
    assert _problems(BASE + "waivers:\n" + waivers) == [
        f"m.yaml:18:12: waivers[0].rule: 'NOTICE-PACK-DATE' {notice}",
        f"m.yaml:19:12: waivers[1].rule: 'NOTICE-WAIVER-EXPIRING' {notice}",
        f"m.yaml:20:12: waivers[2].rule: 'NOTICE-MECHANISM-EXPIRING' {notice}",
        "m.yaml:20:47: waivers[2].target: no flow with id 'nope'",
        f"m.yaml:21:12: waivers[3].rule: 'NOTICE-SOMETHING-NEW' {unknown} (remove this waiver)",
        "m.yaml:24:12: waivers[6].rule: 'notice-pack-dates' names a notice (no notice has this id; did you "
        "mean 'NOTICE-PACK-DATE'?); notices never fail a run and need no waiver (remove this waiver)",
    ]


def test_unknown_access_location() -> None:
    text = BASE.replace("stores: [customers]}", "stores: [customers], access_from: [SG, {location: QQ}]}")
    assert _problems(text) == [
        "m.yaml:6:116: systems[0].access_from[1]: unknown location 'QQ': cannot resolve location 'QQ': "
        "not an ISO 3166-1 alpha-2 country code (such as CN or DE) nor a provider:region pair "
        "(such as aws:eu-central-1)",
    ]


def test_manifest_taxonomy_extension_is_known() -> None:
    text = BASE.replace("categories: [user.contact.email]", "categories: [user.loyalty_id]") + (
        "taxonomy:\n  data_categories:\n    - {key: user.loyalty_id, parent: user.unique_id}\n"
    )
    assert _load(text).taxonomy.knows_category("user.loyalty_id")


def test_top_level_must_be_a_mapping() -> None:
    assert _problems("- a\n- b\n") == ["m.yaml:1:1: expected a mapping at the top level, got list"]


def test_json_manifest_errors_have_positions() -> None:
    import json

    import yaml

    data = yaml.safe_load(BASE.replace("2025-02-01", '"2025-02-01"'))
    data["flows"][0]["destinaton"] = data["flows"][0].pop("to")
    text = json.dumps(data, indent=2)
    assert _problems(text, "m.json") == [
        "m.json:64:7: flows[0]: unknown field 'destinaton' (did you mean 'to'?)",
    ]


def test_every_shipped_manifest_is_valid() -> None:
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "fixtures").glob("*.yaml")) + sorted((root / "rules").glob("*/tests/bases/*.yaml"))
    assert files
    for f in files:
        validate_document(parse_bytes(str(f), f.read_bytes(), json_syntax=False))


def _json_manifest_with(extra: dict[str, object]) -> bytes:
    import json

    import yaml

    data = yaml.safe_load(BASE)
    data["flows"][0].update(extra)
    return json.dumps(data, default=str).encode()


@pytest.mark.parametrize("field", ["unknown_field", "purpose"])  # unknown, and a string
def test_deferred_depth_check_runs_when_the_model_rejects_the_data(field: str) -> None:
    deep: object = []
    for _ in range(200):
        deep = [deep]
    raw = _json_manifest_with({field: deep})
    doc = parse_bytes("m.json", raw, json_syntax=True, defer_depth=True)
    with pytest.raises(InputError) as exc:
        validate_document(doc)
    # levels 1-3 are the document, ``flows`` and the flow: the 62nd bracket opens level 65
    column = raw.index(b"[[") + 62
    assert [p.render() for p in exc.value.problems] == [f"m.json:1:{column}: nesting deeper than 64 levels"]


def test_deferred_depth_check_passes_a_valid_manifest() -> None:
    raw = _json_manifest_with({})
    loaded = validate_document(parse_bytes("m.json", raw, json_syntax=True, defer_depth=True))
    assert loaded.manifest.flows[0].source == "crm"


def test_reserved_and_lower_case_country_codes_suggest_the_assigned_code() -> None:
    text = (
        BASE.replace("location: DE", "location: UK")
        .replace("residency: CN", "residency: EL")
        .replace("established_in: [CN]", "established_in: [cn]")
        .replace("count: 10}]", "count: 10}, {residency: \uff23\uff2e, count: 1}]")
        .replace("{id: crm, location: CN", "{id: crm, location: \uff23\uff2e")
        .replace("ciio: false", "targets: [\uff25\uff35, eu], ciio: false")
    )
    assert [p.split(": ", 1)[1] for p in _problems(text)] == [
        "organization.established_in[0]: 'cn' is neither EU, EEA nor an ISO 3166-1 alpha-2 code "
        "(did you mean 'CN'?)",
        "organization.targets[0]: '\uff25\uff35' is neither EU, EEA nor an ISO 3166-1 alpha-2 code "
        "(did you mean 'EU'?)",
        "organization.targets[1]: 'eu' is neither EU, EEA nor an ISO 3166-1 alpha-2 code "
        "(did you mean 'EU'?)",
        "datasets[0].subjects[0].residency: 'EL' is not an ISO 3166-1 alpha-2 country code "
        "(did you mean 'GR'?)",
        # full-width letters, as a Chinese input method types them
        "datasets[0].subjects[1].residency: '\uff23\uff2e' is not an ISO 3166-1 alpha-2 country code "
        "(did you mean 'CN'?)",
        "systems[0].location: unknown location '\uff23\uff2e': cannot resolve location '\uff23\uff2e': "
        "country codes are upper case ASCII letters; did you mean 'CN'?",
        "systems[1].location: unknown location 'UK': cannot resolve location 'UK': 'UK' is reserved "
        "in ISO 3166-1, not assigned; did you mean 'GB'?",
    ]


def test_a_taxonomy_key_named_under_a_category_must_descend_from_it() -> None:
    # Otherwise a health key declared under user.contact would lose its sensitive class.
    extension = (
        "taxonomy:\n  data_categories:\n"
        "    - {key: user.health_and_medical.fitness, parent: user.contact}\n"
        "    - {key: user.health_and_medical.sleep, parent: user.health_and_medical}\n"
        "    - {key: user.health_and_medical.sleep.rem, parent: user.health_and_medical.sleep}\n"
        "    - {key: user.loyalty_id, parent: user.unique_id}\n"
    )
    assert _problems(BASE + extension) == [
        f"m.yaml:{BASE.count(chr(10)) + 3}:54: taxonomy.data_categories[0].parent: "
        "'user.health_and_medical.fitness' is named under 'user.health_and_medical', but its "
        "parent 'user.contact' is not at or under 'user.health_and_medical': name and parent "
        "must agree, or the key would lose the legal classes of 'user.health_and_medical' "
        "(e.g. sensitive)"
    ]


def test_a_residency_listed_twice_in_one_dataset_is_an_error() -> None:
    # The counts of one dataset's subjects add up, so a pasted twin would double a figure
    # that decides the CN thresholds; another residency, or the same one in another dataset, is fine.
    text = BASE.replace(
        "subjects: [{residency: CN, count: 10}]",
        "subjects: [{residency: CN, count: 10}, {residency: DE, count: 3}, {residency: CN, count: 10}]",
    )
    assert _problems(text) == [
        "m.yaml:4:133: datasets[0].subjects[2].residency: 'CN' is already listed as subjects[0] "
        "(give one count per residency)"
    ]


def test_unfilled_placeholders_and_other_problems_are_reported_together() -> None:
    # A half-filled draft: every placeholder left, and every other problem, in one run and in
    # reading order; the errors a placeholder causes (not a boolean, ...) are not repeated.
    model = BASE.replace("ciio: false", "ciio: 'FILL-ME: true if a CIIO'").replace("count: 10", "count: lots")
    assert _problems(model) == [
        "m.yaml:2:62: organization.ciio: not filled in yet (left by `compliance import`): true if a CIIO",
        "m.yaml:4:89: datasets[0].subjects[0].count: input should be a valid integer, got 'lots'",
    ]
    # The model accepts a placeholder where any text goes (a purpose); the reference checks
    # then run, and report the rest.
    references = BASE.replace("purpose: essential.service", "purpose: 'FILL-ME: the purpose'").replace(
        "location: DE", "location: Frankfurt"
    )
    problems = _problems(references)
    assert [p.split(": ", 2)[1] for p in problems] == ["systems[1].location", "flows[0].purpose"]
    assert problems[1].endswith("not filled in yet (left by `compliance import`): the purpose")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "organization: {name: Example Co,",
            "organization: {name: 'FILL-ME: the organization', ",
            "m.yaml:2:22: organization.name: not filled in yet (left by `compliance import`): "
            "the organization",
        ),
        (
            "location: DE, operator: {name: Example Co,",
            "location: DE, operator: {name: 'FILL-ME: who runs bi', ",
            "m.yaml:7:45: systems[1].operator.name: not filled in yet (left by `compliance import`): "
            "who runs bi",
        ),
        (
            "recipient: {name: Example Co,",
            'recipient: {name: "FILL-ME: who receives it",',
            "m.yaml:15:23: flows[0].recipient.name: not filled in yet (left by `compliance import`): "
            "who receives it",
        ),
    ],
)
def test_a_placeholder_where_any_text_goes_is_refused_in_a_manifest_valid_otherwise(
    old: str, new: str, problem: str
) -> None:
    # names take any text, so the model and the references find nothing wrong with the draft
    assert BASE.count(old) == 1
    assert _problems(BASE.replace(old, new)) == [problem]
    data = yaml.safe_load(BASE.replace(old, new))
    [json_problem] = _problems(json.dumps(data, indent=1, default=str), "m.json")
    assert json_problem.split(": ", 1)[1] == problem.split(": ", 1)[1]


@pytest.mark.parametrize(
    ("written", "shown"), [("true", "true"), ("false", "false"), ("2.0", "2.0"), ("2e0", "2.0")]
)
def test_an_scc_module_is_an_integer_not_a_boolean(written: str, shown: str) -> None:
    # a Literal of ints took true for module 1, which then matched a controller-to-controller transfer
    scc = "mechanisms: [{type: scc-2021, signed_on: 2024-01-01, module: " + written + "}]"
    text = BASE.replace("mechanisms: []", scc)
    assert _problems(text) == [
        f"m.yaml:16:66: flows[0].mechanisms[0].module: expected 1, 2, 3 or 4, got {shown}"
    ]


SPELLED_ALIKE = (
    "but differs only in letter case, spacing, punctuation, accents, character width or look-alike "
    "letters; names compare exactly, so these are two entities: write one entity's name one way"
)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # the organization's own system abroad, under another spelling, became another's system
        (
            "location: DE, operator: {name: Example Co,",
            "location: DE, operator: {name: EXAMPLE CO,",
            f"m.yaml:7:45: systems[1].operator.name: 'EXAMPLE CO' is spelled like 'Example Co' "
            f"(organization.name) {SPELLED_ALIKE}",
        ),
        # a flow to oneself under another spacing became a transfer to another entity
        (
            "recipient: {name: Example Co,",
            'recipient: {name: "Example\\u00a0Co",',
            f"m.yaml:15:23: flows[0].recipient.name: 'Example\\xa0Co' is spelled like 'Example Co' "
            f"(organization.name) {SPELLED_ALIKE}",
        ),
        (
            "recipient: {name: Example Co,",
            "recipient: {name: Example Co.,",
            f"m.yaml:15:23: flows[0].recipient.name: 'Example Co.' is spelled like 'Example Co' "
            f"(organization.name) {SPELLED_ALIKE}",
        ),
        (
            "organization: {name: Example Co,",
            "organization: {name: Ex\u0430mple Co,",
            "m.yaml:2:22: organization.name: 'Exаmple Co' mixes scripts in the word 'Exаmple' "
            "(U+0430 CYRILLIC SMALL LETTER A): a look-alike letter makes it another entity's name; "
            "write the word in one script",
        ),
    ],
)
def test_names_spelled_alike_but_not_the_same_are_refused(old: str, new: str, problem: str) -> None:
    assert BASE.count(old) == 1
    assert _problems(BASE.replace(old, new)) == [problem]


def test_a_name_in_mathematical_letters_is_spelled_like_the_plain_one() -> None:
    # the fold lower-cased before decomposing, so 𝐀 (no case of its own) stayed an upper-case A
    text = BASE.replace("recipient: {name: Example Co,", "recipient: {name: \U0001d404xample Co,")
    assert _problems(text) == [
        f"m.yaml:15:23: flows[0].recipient.name: '\U0001d404xample Co' is spelled like 'Example Co' "
        f"(organization.name) {SPELLED_ALIKE}"
    ]


@pytest.mark.parametrize(
    "one, other",
    [("Ørsted A/S", "Orsted A/S"), ("Łódź Sp. z o.o.", "Lodz Sp. z o.o."), ("ABC Ltd", "АВС Ltd")],
)
def test_letters_with_a_stroke_fold_to_their_plain_letters(one: str, other: str) -> None:
    # ø and ł have no decomposition, nor Cyrillic АВС one into ABC: the fold kept them, so the
    # two spellings were two entities
    text = BASE.replace("Example Co", one).replace(
        "location: DE, operator: {name: " + one, "location: DE, operator: {name: " + other
    )
    assert _problems(text) == [
        f"m.yaml:7:45: systems[1].operator.name: {other!r} is spelled like {one!r} (organization.name) "
        f"{SPELLED_ALIKE}"
    ]


def test_a_word_mixing_scripts_without_a_look_alike_letter_is_a_name() -> None:
    # a real company name (ЮMoney), a Greek mu before Latin letters: no letter passes for another
    for name in ("НКО ЮMoney", "μSystems AG"):
        assert _load(BASE.replace("Example Co", name)).manifest.organization.name == name


def test_marks_that_tell_letters_apart_in_other_scripts_keep_names_apart() -> None:
    # Japanese ba and ha, Cyrillic й and и: different names, not one spelled two ways
    for one, other in (("株式会社バンク", "株式会社ハンク"), ("Мой Дом ООО", "Мои Дом ООО")):
        text = BASE.replace("recipient: {name: Example Co,", f"recipient: {{name: {one},").replace(
            "location: DE, operator: {name: Example Co,", f"location: DE, operator: {{name: {other},"
        )
        assert _load(text).manifest.flows[0].recipient.name == one


def test_names_in_other_scripts_or_trimmed_differently_are_one_spelling() -> None:
    text = BASE.replace("Example Co", "ООО Ромашка Example Co").replace(
        "recipient: {name: ООО Ромашка Example Co,", "recipient: {name: ' ООО Ромашка Example Co ',"
    )
    loaded = _load(text)
    assert loaded.manifest.flows[0].recipient.name == " ООО Ромашка Example Co "


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # escapes are resolved before the values are looked at
        ("recipient: {name: Example Co,", 'recipient: {name: "FILL\\x2dME: who receives it",', "15:23"),
        ("recipient: {name: Example Co,", 'recipient: {name: "FILL\\u002dME: who receives it",', "15:23"),
    ],
)
def test_an_escaped_placeholder_is_one_too(old: str, new: str, where: str) -> None:
    [problem] = _problems(BASE.replace(old, new))
    assert problem == (
        f"m.yaml:{where}: flows[0].recipient.name: not filled in yet (left by `compliance import`): "
        "who receives it"
    )


def test_a_placeholder_in_a_waiver_or_a_representative_is_refused() -> None:
    waiver = (
        "waivers:\n  - {rule: CN-PIPL-55-PIPIA, target: flows/crm-to-bi, reason: 'FILL-ME: why',"
        " approved_by: dpo@example.com, expires_on: 2026-12-31}\n"
    )
    assert _problems(BASE + waiver) == [
        "m.yaml:18:63: waivers[0].reason: not filled in yet (left by `compliance import`): why"
    ]
    rep = BASE.replace(
        "state_organ: false}",
        "state_organ: false, representatives: [{jurisdiction: DE, name: 'FILL-ME: who'}]}",
    )
    assert _problems(rep) == [
        "m.yaml:2:132: organization.representatives[0].name: not filled in yet (left by `compliance "
        "import`): who"
    ]


@pytest.mark.parametrize("typed", ["fill-me: who", " FILL-ME ", "ＦＩＬＬ－ＭＥ: who", "FILL\u2010ME: who"])
def test_a_placeholder_typed_by_hand_is_one_too(typed: str) -> None:
    # lower case, spaces, full width or an editor's dash: still the importer's question
    text = BASE.replace("recipient: {name: Example Co,", f"recipient: {{name: '{typed}',")
    [problem] = _problems(text)
    assert problem.startswith(
        "m.yaml:15:23: flows[0].recipient.name: not filled in yet (left by `compliance import`)"
    )


def test_signs_are_part_of_a_name() -> None:
    # `A&B Ltd` and `AB Ltd`, `C+ Ltd` and `C Ltd` are two names, not one spelled two ways
    for one, other in (("A&B Ltd", "AB Ltd"), ("C+ Ltd", "C Ltd")):
        text = BASE.replace("Example Co", one).replace(
            "location: DE, operator: {name: " + one, "location: DE, operator: {name: " + other
        )
        assert _load(text).manifest.systems[1].operator.name == other


def test_a_name_that_starts_like_a_placeholder_is_a_name() -> None:
    # `FILL-MEdia Ltd` was taken for `FILL-ME: ...`
    text = BASE.replace("Example Co", "FILL-MEdia Ltd")
    assert _load(text).manifest.organization.name == "FILL-MEdia Ltd"
    assert _problems(BASE.replace("recipient: {name: Example Co,", "recipient: {name: FILL-ME,")) == [
        "m.yaml:15:23: flows[0].recipient.name: not filled in yet (left by `compliance import`)"
    ]


def test_a_placeholder_in_a_comment_or_inside_a_value_is_no_problem() -> None:
    named = BASE.replace("name: Example Co,", "name: Not FILL-ME Co,", 1)
    text = "# FILL-ME: left over from the draft\n" + named
    assert _load(text).manifest.organization.name == "Not FILL-ME Co"


def _with_every_optional_field() -> dict[str, object]:
    """BASE with every optional key the contract allows written out with a value."""
    data = yaml.safe_load(BASE)
    data["organization"]["targets"] = ["CN"]
    data["taxonomy"] = {
        "data_categories": [{"key": "user.contact.email.work", "parent": "user.contact.email"}]
    }
    data["datasets"][0]["collected_in"] = ["CN"]
    data["systems"][0]["terraform"] = "aws_s3_bucket.crm"
    data["systems"][0]["access_from"] = [
        {
            "location": "SG",
            "by": "other_entity",
            "role": "processor",
            "mechanisms": [],
            "exemption": "contract",
        }
    ]
    flow = data["flows"][0]
    flow["individuals"] = 10
    flow["exemption"] = "hr"
    flow["recipient"]["adequacy_scope"] = "in"
    flow["started_on"] = "2025-02-01"
    flow["mechanisms"] = [
        {"type": "cac-security-assessment", "approved_on": "2025-01-01", "expires_on": "2027-12-31"},
        {"type": "cn-standard-contract", "signed_on": "2025-01-01", "filed_on": "2025-01-10"},
    ]
    return data


OPTIONAL_KEYS = [
    ("organization", "targets"),
    ("taxonomy",),
    ("datasets", 0, "collected_in"),
    ("systems", 0, "terraform"),
    ("systems", 0, "access_from"),
    ("systems", 0, "access_from", 0, "role"),
    ("systems", 0, "access_from", 0, "exemption"),
    ("flows", 0, "individuals"),
    ("flows", 0, "exemption"),
    ("flows", 0, "recipient", "adequacy_scope"),
    ("flows", 0, "mechanisms", 0, "expires_on"),
    ("flows", 0, "mechanisms", 1, "filed_on"),
]


@pytest.mark.parametrize("path", OPTIONAL_KEYS, ids=lambda p: ".".join(map(str, p)))
def test_an_optional_key_written_with_no_value_is_an_error_not_the_key_left_out(
    path: tuple[object, ...],
) -> None:
    # `expires_on:` left blank must not quietly take the default validity, nor `terraform:` switch
    # the plan check off: only leaving the key out means "not given"
    data = _with_every_optional_field()
    _load(json.dumps(data), "m.json")  # every key written with a value: valid
    parent: object = data
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    assert isinstance(parent, dict)
    del parent[path[-1]]
    _load(json.dumps(data), "m.json")  # the key left out: valid
    parent[path[-1]] = None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    problems = _problems(json.dumps(data), "m.json")
    assert [p.split(": ", 1)[1] for p in problems] == [
        f"{where}: no value given (null); write one, or leave out the key if it is optional"
    ]


def test_a_blank_yaml_key_points_at_the_key() -> None:
    text = BASE.replace("mechanisms: []", "mechanisms: []\n    individuals:")
    assert _problems(text) == [
        "m.yaml:17:17: flows[0].individuals: no value given (null); write one, or leave out the key "
        "if it is optional"
    ]


@pytest.mark.parametrize("key", ["user..x", "user.x.", ".user.x", "user.my cat", "user.x\u200b"])
def test_a_malformed_taxonomy_key_is_refused(key: str) -> None:
    text = BASE.replace(
        "datasets:", f'taxonomy: {{data_categories: [{{key: "{key}", parent: user.contact}}]}}\ndatasets:', 1
    )
    problems = _problems(text)
    assert [p.split(": ", 2)[1:] for p in problems] == [
        [
            "taxonomy.data_categories[0].key",
            f"{key!r} is not a category key (dot-separated parts of letters, digits, '_', '-', '<' or '>', "
            "none empty, no spaces)",
        ]
    ]


def test_a_well_formed_taxonomy_key_is_accepted() -> None:
    text = BASE.replace(
        "datasets:",
        "taxonomy: {data_categories: [{key: user.contact.work_email-2, parent: user.contact}]}\ndatasets:",
        1,
    )
    assert _load(text).taxonomy.is_personal("user.contact.work_email-2")
