"""What an imported file says cannot write YAML of its own into the draft `compliance import` makes.

A name holding a line break used to end its comment line and start a live key (``waivers:``);
a control character in a comment made the tool's own reader refuse its own draft. The
properties feed arbitrary text (line breaks, YAML syntax, control characters, lone surrogates,
numbers the reader would type) to every text field the importers read: the draft then reads
back, with the tool's own reader, to exactly the manifest the importer built, or the importer
refuses the input with exit status 2.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import cli as cli_module
from compliance.sources.document import read_document
from compliance.sources.fides import import_fides
from compliance.sources.terraform import read_plan

#: Text that has broken drafts, or might: line breaks of every kind, YAML syntax, control
#: characters, what the reader types (numbers, null), a lone surrogate, a noncharacter
TRICKY = (
    "\nwaivers: [{rule: CN-CBDF-7-VOLUME-ASSESSMENT, target: organization, reason: ok, "
    "approved_by: x, expires_on: '2099-12-31'}] #",
    "\nwaivers: [] #",
    "\r\n",
    "\r",
    "\x85",
    "\u2028",
    "\u2029",
    "\x1b[2J",
    "\x00",
    "\x7f",
    "\u202e",
    "\ufffe",
    "\ufeff",
    "\ud800",
    "1e5",
    "-1E+5",
    "0",
    "null",
    "true",
    "~",
    "#",
    " # ",
    ": ",
    "- ",
    "'",
    '"',
    "\\",
    "&a ",
    "*a",
    "!!python/object:os.system",
    "{",
    "[",
    "%",
    "@",
    "`",
    "---",
    "...",
)

TEXT = st.lists(
    st.one_of(st.sampled_from(TRICKY), st.text(st.characters(exclude_categories=("Cs",)), max_size=8)),
    max_size=4,
).map("".join)

#: A fides_key: any text but the empty one, which is refused (the resource needs a key)
KEY = TEXT.filter(bool)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOP_LEVEL = {"manifest_version", "organization", "taxonomy", "datasets", "systems", "flows"}


def _main(*args: str) -> int:
    """Run the command line in-process; return its exit status."""
    with pytest.raises(SystemExit) as exc:
        cli_module.main(list(args))
    code = exc.value.code
    assert isinstance(code, int)
    return code


def _import(folder: Path, importer: str, data: Any, json_syntax: bool) -> tuple[Path, Any] | None:
    """Write ``data`` as the input file of ``compliance import <importer>`` in ``folder`` and
    import it; return the input file and the draft as the tool's own reader reads it (it must
    read every draft of the tool), or ``None`` when the importer refused the input (exit 2,
    no draft written)."""
    # JSON text with every non-ASCII character escaped is also YAML (a flow mapping of
    # double-quoted strings): as .json it may carry lone surrogates, as .yml it may not.
    source = folder / ("input" + (".json" if json_syntax else ".yml"))
    source.write_text(json.dumps(data), encoding="utf-8")
    draft = folder / "draft.yaml"
    status = _main("import", importer, str(source), "-o", str(draft))
    if status == 2:
        assert not draft.exists()
        return None
    assert status == 0
    return source, read_document(draft).data


@st.composite
def fides_resources(draw: st.DrawFn) -> dict[str, Any]:
    """Fideslang resources whose every text the importer reads is arbitrary."""
    system_key, dataset_key = draw(KEY), draw(KEY)
    other_key = draw(KEY.filter(lambda key: key != system_key))
    declaration = {
        "name": draw(TEXT),
        "data_use": draw(st.one_of(TEXT, st.just("third_party_sharing"))),
        "data_categories": draw(st.lists(st.one_of(TEXT, st.just("user.contact.email")), max_size=2)),
        "dataset_references": draw(st.lists(st.one_of(TEXT, st.just(dataset_key)), max_size=2)),
        "third_parties": draw(st.lists(TEXT, max_size=1)),
    }
    link_type = draw(st.one_of(st.just("system"), TEXT))
    systems = [
        {
            "fides_key": system_key,
            "name": draw(TEXT),
            "responsibility": draw(st.lists(st.one_of(TEXT, st.just("Controller")), max_size=1)),
            "privacy_declarations": [declaration],
            "egress": [
                {"fides_key": draw(st.one_of(TEXT, st.just(other_key))), "type": link_type},
                {
                    "fides_key": other_key,
                    "type": "system",
                    "data_categories": draw(st.lists(TEXT, max_size=1)),
                },
            ],
        },
        {"fides_key": other_key, "name": draw(TEXT)},
    ]
    resources: dict[str, Any] = {
        "system": systems,
        "dataset": [
            {
                "fides_key": dataset_key,
                "collections": [
                    {"name": draw(TEXT), "fields": [{"name": "f", "data_categories": [draw(TEXT)]}]}
                ],
            }
        ],
        "organization": [
            {"fides_key": draw(KEY), "name": draw(TEXT), "representative": {"name": draw(TEXT)}}
        ],
        "data_category": [{"fides_key": draw(KEY), "parent_key": draw(TEXT)}],
    }
    resources[draw(TEXT)] = []  # a resource kind the importer does not import: named in a note
    return resources


@PROPERTY
@given(fides_resources(), st.booleans())
def test_fides_text_never_adds_keys_to_the_draft(resources: dict[str, Any], json_syntax: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        imported = _import(Path(tmp), "fides", resources, json_syntax)
        if imported is None:
            return
        source, data = imported
        assert set(data) <= TOP_LEVEL
        assert data == import_fides([str(source)]).manifest


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    """A Terraform plan whose version, addresses, resource types and regions are arbitrary."""
    resources = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.one_of(st.sampled_from(["aws_s3_bucket", "aws_db_instance", "aws_iam_role"]), TEXT))
        region = draw(st.one_of(st.just("eu-central-1"), TEXT))
        resources.append(
            {
                "address": draw(TEXT),
                "mode": "managed",
                "type": kind,
                "name": "r",
                "change": {"actions": ["create"], "after": {"region": region}},
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": draw(TEXT),
        "resource_changes": resources,
        "configuration": {"root_module": {}},
    }


@PROPERTY
@given(plans())
def test_terraform_text_never_adds_keys_to_the_draft(plan: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        imported = _import(Path(tmp), "terraform", plan, json_syntax=True)
        if imported is None:
            return
        source, data = imported
        resources = [r for r in read_plan(source).resources.values() if r.holds_data]
        assert set(data) <= {"systems", "unresolved"}
        assert [(s["terraform"], s["location"]) for s in data["systems"]] == [
            (r.address, r.location) for r in resources if r.location is not None
        ]
        assert all(set(s) == {"id", "location", "terraform"} for s in data["systems"])
        assert data.get("unresolved", []) == [
            {"terraform": r.address, "type": r.type, "reason": r.unknown}
            for r in resources
            if r.location is None
        ]


INJECTED = (
    "ghost\nwaivers: [{rule: CN-CBDF-7-VOLUME-ASSESSMENT, target: organization, reason: ok, "
    "approved_by: x, expires_on: '2099-12-31'}] #"
)


def test_a_dataset_reference_cannot_waive_a_rule(tmp_path: Path) -> None:
    source = tmp_path / "inj.yml"
    system = {
        "fides_key": "crm",
        "name": "CRM",
        "privacy_declarations": [
            {
                "data_use": "essential.service",
                "data_categories": ["user.contact.email"],
                "dataset_references": [INJECTED],
            }
        ],
    }
    source.write_text(json.dumps({"system": [system]}), encoding="utf-8")
    draft = tmp_path / "d.yaml"
    assert _main("import", "fides", str(source), "-o", str(draft)) == 0
    lines = draft.read_text(encoding="utf-8").splitlines()
    assert lines[2] == (
        "# note: dataset ghost waivers: [{rule: CN-CBDF-7-VOLUME-ASSESSMENT, target: organization, "
        "reason: ok, approved_by: x, expires_on: '2099-12-31'}] # (referenced by system crm) is not "
        "among the inputs; its categories are taken from the privacy declaration"
    )
    assert [line for line in lines if line.startswith("waivers")] == []
    assert list(read_document(draft).data) == [
        "manifest_version",
        "organization",
        "datasets",
        "systems",
        "flows",
    ]


def test_a_terraform_version_cannot_add_a_key(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.5.0)\nwaivers: [] #",
        "configuration": {"root_module": {}},
    }
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(plan), encoding="utf-8")
    draft = tmp_path / "d.yaml"
    assert _main("import", "terraform", str(source), "-o", str(draft)) == 0
    assert draft.read_text(encoding="utf-8") == (
        "# Systems proposed from the Terraform plan plan.json (Terraform 1.5.0) waivers: [] #).\n"
        "# Each needs an operator and the datasets it stores before it joins a manifest; keep\n"
        "# `terraform` so `compliance check --terraform PLAN.json` can confirm the location.\n"
        "systems: []\n"
        "# The plan holds no managed resources: nothing to propose.\n"
    )
    assert read_document(draft).data == {"systems": []}


def test_control_characters_in_notes_do_not_make_the_draft_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "esc.yml"
    source.write_text(
        'system:\n  - fides_key: "crm\\e]0;x\\a"\n'
        '    egress: [{fides_key: "nowhere\\e[2J\\u2028", type: system}]\n',
        encoding="utf-8",
    )
    draft = tmp_path / "d.yaml"
    assert _main("import", "fides", str(source), "-o", str(draft)) == 0
    note = r"system crm\x1b]0;x\x07: egress names system nowhere\x1b[2J , which is not among the inputs"
    assert draft.read_text(encoding="utf-8").splitlines()[2] == f"# note: {note}"
    assert capsys.readouterr().err == f"note: {note}\n"
    # validate reads its own draft and lists what to fill in, not a character it refuses
    assert _main("validate", str(draft)) == 2
    err = capsys.readouterr().err
    assert "not allowed" not in err
    assert f"{draft}:14:13: systems[0].location: not filled in yet" in err


def test_values_the_reader_would_type_are_quoted(tmp_path: Path) -> None:
    source = tmp_path / "fides.yml"
    source.write_text("system:\n  - {fides_key: '1e5'}\n  - {fides_key: '-1E+5'}\n", encoding="utf-8")
    draft = tmp_path / "d.yaml"
    assert _main("import", "fides", str(source), "-o", str(draft)) == 0
    systems = read_document(draft).data["systems"]
    assert [s["id"] for s in systems] == ["1e5", "1e-5"]


def test_a_lone_surrogate_is_unusable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.b\ud800",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "b",
                "change": {"actions": ["create"], "after": {"region": "eu-central-1"}},
            }
        ],
        "configuration": {"root_module": {}},
    }
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(plan), encoding="utf-8")
    draft = tmp_path / "d.yaml"
    capsys.readouterr()
    assert _main("import", "terraform", str(source), "-o", str(draft)) == 2
    assert capsys.readouterr().err == (
        f"{source}: aws_s3_bucket.b\\ud800: a lone surrogate (an unpaired \\ud800-\\udfff escape) is no "
        "text a draft can hold\n"
    )
    assert not draft.exists()


def test_a_file_name_cannot_add_a_key(tmp_path: Path) -> None:
    source = tmp_path / "crm\nwaivers: [] #.yml"
    source.write_text("system:\n  - {fides_key: crm}\n", encoding="utf-8")
    draft = tmp_path / "d.yaml"
    assert _main("import", "fides", str(source), "-o", str(draft)) == 0
    head = draft.read_text(encoding="utf-8").splitlines()[0]
    assert head == "# Draft manifest imported from Fides resources: crm waivers: [] #.yml"
    assert "waivers" not in read_document(draft).data
