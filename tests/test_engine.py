"""``compliance check`` end to end: report shape, waivers, notices, gating, errors, citations."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from compliance import cli as cli_module
from compliance.policy.rules import Citation

CN_OUT = """\
manifest_version: 1
organization: {name: Example Co, established_in: [CN], ciio: false, state_organ: false}
datasets:
  - id: customers
    categories: [user.contact.email, user.name]
    subjects: [{residency: CN, count: 150000}]
    important_data: false
    core_data: false
systems:
  - {id: crm, location: alicloud:cn-hangzhou, operator: {name: Example Co, role: controller}, \
stores: [customers]}
  - {id: analytics, location: aws:us-east-1, operator: {name: Recipient Ltd, role: processor}, stores: []}
flows:
  - id: crm-to-analytics
    from: crm
    to: analytics
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-02-01"
    recipient: {name: Recipient Ltd, role: processor, dpf_certified: false}
    mechanisms:
      - {type: pipia, completed_on: "2025-01-10"}
      - {type: separate-consent}
"""

CONTRACT = '      - {type: cn-standard-contract, signed_on: "2025-01-15", filed_on: "2025-01-20"}\n'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli_module.main(list(args))
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    assert "Traceback" not in err
    return exc.value.code, out, err


def check_json(
    capsys: pytest.CaptureFixture[str], *args: str, as_of: str = "2026-11-29"
) -> tuple[int, Any, str]:
    code, out, err = run(capsys, "check", "--format", "json", "--as-of", as_of, *args)
    return code, json.loads(out), err


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def counted(report: Any) -> list[tuple[str, str, str, str]]:
    return [
        (f["rule_id"], f["target"]["kind"], f["target"]["id"], f["outcome"])
        for f in report["findings"]
        if f["outcome"] != "notice"
    ]


def test_json_report_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT)
    code, report, err = check_json(capsys, path)
    assert (code, err) == (1, "")
    assert report["report_version"] == 1
    assert report["as_of"] == "2026-11-29"
    assert isinstance(report["tool"]["version"], str) and report["tool"]["version"]
    assert set(report["packs"]) == {"cn", "eu"}
    assert report["errors"] == []
    assert report["unused_waivers"] == []
    assert set(report["summary"]) >= {"violation", "needs_review", "waived", "notice"}
    cbdf8 = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]
    assert len(cbdf8) == 1
    f = cbdf8[0]
    assert set(f) >= {"rule_id", "outcome", "severity", "target", "citation", "message", "facts", "location"}
    assert (f["outcome"], f["severity"]) == ("violation", "high")
    assert f["target"] == {"kind": "flow", "id": "crm-to-analytics"}
    assert f["citation"] == {"instrument": "CBDF", "article": "8"}
    assert f["location"] == {"file": path, "line": 13, "column": 5}
    assert f["facts"]["cn.non_sensitive_individuals"] == 150_000
    assert (
        "150,000 individuals' non-sensitive personal information leave mainland China this year"
        in f["message"]
    )
    assert report["summary"]["violation"] == sum(1 for x in report["findings"] if x["outcome"] == "violation")


def test_filed_contract_clears_the_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT + CONTRACT)
    _, report, _ = check_json(capsys, path)
    assert "CN-CBDF-8-CONTRACT-OR-CERT" not in [r for r, *_ in counted(report)]


@pytest.mark.parametrize(
    ("count", "rule"),
    [
        (99_999, None),
        (100_000, "CN-CBDF-8-CONTRACT-OR-CERT"),
        (999_999, "CN-CBDF-8-CONTRACT-OR-CERT"),
        (1_000_000, "CN-CBDF-7-VOLUME-ASSESSMENT"),
    ],
)
def test_volume_boundaries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int, rule: str | None
) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT.replace("count: 150000", f"count: {count}"))
    _, report, _ = check_json(capsys, path)
    volume = {
        r for r, *_ in counted(report) if r in ("CN-CBDF-8-CONTRACT-OR-CERT", "CN-CBDF-7-VOLUME-ASSESSMENT")
    }
    assert volume == ({rule} if rule else set())


@pytest.mark.parametrize(
    ("count", "rule"), [(9_999, "CN-CBDF-8-CONTRACT-OR-CERT"), (10_000, "CN-CBDF-7-VOLUME-ASSESSMENT")]
)
def test_sensitive_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], count: int, rule: str
) -> None:
    text = CN_OUT.replace("count: 150000", f"count: {count}").replace(
        "[user.contact.email, user.name]", "[user.health_and_medical]"
    )
    _, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
    volume = {
        r for r, *_ in counted(report) if r in ("CN-CBDF-8-CONTRACT-OR-CERT", "CN-CBDF-7-VOLUME-ASSESSMENT")
    }
    assert volume == {rule}


def test_two_files_of_one_organization_cross_the_threshold_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, "a.yaml", CN_OUT.replace("count: 150000", "count: 60000"))
    b = write(tmp_path, "b.yaml", CN_OUT.replace("count: 150000", "count: 50000"))
    _, alone, _ = check_json(capsys, a)
    assert "CN-CBDF-8-CONTRACT-OR-CERT" not in [r for r, *_ in counted(alone)]
    _, both, _ = check_json(capsys, a, b)
    hits = [
        (f["location"]["file"], f["facts"]["cn.non_sensitive_individuals"])
        for f in both["findings"]
        if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"
    ]
    assert hits == [(a, 110_000), (b, 110_000)]
    # the finding names the files that make up the total, also when the run is split
    why = next(f["facts"]["why"] for f in both["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT")
    assert (
        "110,000 individuals' non-sensitive personal information leave mainland China this year "
        f"(threshold 100,000 reached; {a} 60,000, {b} 50,000)"
    ) in why
    assert check_json(capsys, "--jobs", "2", a, b)[1] == both
    # one file alone: no shares to name
    _, single, _ = check_json(capsys, write(tmp_path, "c.yaml", CN_OUT))
    lines = [line for f in single["findings"] for line in f["facts"]["why"] if "threshold" in line]
    assert lines and not any(";" in line for line in lines)


def test_one_file_under_two_names_counts_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a hard link is the same file: its individuals must not be added twice (60,000 stays
    # under the 100,000 of CBDF Art. 8), as for a symbolic link or a second spelling
    a = write(tmp_path, "a.yaml", CN_OUT.replace("count: 150000", "count: 60000"))
    os.link(a, tmp_path / "hard.yaml")
    (tmp_path / "soft.yaml").symlink_to(a)
    _, alone, _ = check_json(capsys, a)
    _, named, _ = check_json(
        capsys, a, str(tmp_path / "hard.yaml"), str(tmp_path / "soft.yaml"), str(tmp_path)
    )
    assert named["files"] == [a]
    assert named["findings"] == alone["findings"]
    assert "CN-CBDF-8-CONTRACT-OR-CERT" not in [r for r, *_ in counted(named)]


def test_conflicting_organization_across_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, "a.yaml", CN_OUT)
    b = write(tmp_path, "b.yaml", CN_OUT.replace("ciio: false", "ciio: true"))
    code, _, err = run(capsys, "check", "--as-of", "2026-11-29", "--format", "json", a, b)
    assert code == 2
    assert err == (
        f"{b}:2:62: organization.ciio: true here but false in {a} for the same organization 'Example Co'\n"
        f"{a}: not judged: the files naming its organization disagree (see their errors)\n"
    )


@pytest.mark.parametrize(
    ("spelling", "shown"),
    [
        ("EXAMPLE CO", "'EXAMPLE CO'"),
        ("Example  Co", "'Example  Co'"),
        ('"Example\\u00a0Co"', "'Example\\xa0Co'"),
        ("ExampleCo", "'ExampleCo'"),
        ("Ex\u00e4mple Co", "'Ex\u00e4mple Co'"),
        ("Example Co.", "'Example Co.'"),
        ("\uff25xample Co", "'\uff25xample Co'"),
        ("\uff25\uff58ample\u3000Co", "'\uff25\uff58ample\\u3000Co'"),
    ],
    ids=[
        "case",
        "two-spaces",
        "no-break-space",
        "no-space",
        "accent",
        "dot",
        "full-width-letter",
        "full-width",
    ],
)
def test_organization_names_differing_only_in_case_or_spacing_are_not_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spelling: str, shown: str
) -> None:
    """'Example Co' and 'EXAMPLE CO' (or 'Example  Co') may be one organization whose totals add
    up, or two: which is unclear, so neither is judged (a split total could pass a threshold
    breach); an unrelated organization still is. The contract compares names after NFC and
    trimming only, so the tool never merges such spellings silently either."""
    a = write(tmp_path, "a.yaml", CN_OUT)
    b = write(tmp_path, "b.yaml", CN_OUT.replace("name: Example Co", f"name: {spelling}"))
    c = write(tmp_path, "c.yaml", CN_OUT.replace("name: Example Co", "name: Other Co"))
    code, report, err = check_json(capsys, a, b, c)
    assert code == 2
    assert err == (
        f"{b}:2:22: organization.name: {shown} here but 'Example Co' in {a}: the names differ "
        "only in letter case, spacing, punctuation, accents, character width or look-alike letters, "
        "so whether the files describe one organization (whose CN totals add up) is unclear; write "
        "the name the same way in both, or make the names distinct\n"
        f"{a}: not judged: the files naming its organization disagree (see their errors)\n"
    )
    assert {f["location"]["file"] for f in report["findings"]} == {c}


# --- waivers -------------------------------------------------------------------------------------


def _waiver(rule: str, target: str, expires: str) -> str:
    return (
        f"  - {{rule: {rule}, target: {target}, reason: Contract under negotiation, "
        f'approved_by: dpo@example.com, expires_on: "{expires}"}}\n'
    )


def test_a_waiver_of_a_rule_whose_pack_the_run_left_out_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "m.yaml",
        CN_OUT + "waivers:\n" + _waiver("EU-GDPR-46-TIA", "flows/crm-to-analytics", "2027-12-31"),
    )
    _, report, _ = check_json(capsys, "--pack", "cn", path)
    assert [w["note"] for w in report["unused_waivers"]] == [
        "rule 'EU-GDPR-46-TIA' is in the pack 'eu', which this run left out"
    ]
    _, report, _ = check_json(capsys, path)
    assert [w.get("note") for w in report["unused_waivers"]] == [None]


def test_a_pack_named_twice_runs_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT)
    once = check_json(capsys, "--pack", "cn", path)
    assert check_json(capsys, "--pack", "cn", "--pack", "cn", path) == once
    assert once[1]["packs"] == {"cn": once[1]["packs"]["cn"]}
    code, out, _ = run(capsys, "rules", "list", "--pack", "eu", "--pack", "eu")
    assert (code, out) == run(capsys, "rules", "list", "--pack", "eu")[:2]


def test_waiver_matching_rule_and_target_waives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        CN_OUT + "waivers:\n" + _waiver("CN-CBDF-8-CONTRACT-OR-CERT", "flows/crm-to-analytics", "2027-12-31")
    )
    _, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
    f = next(x for x in report["findings"] if x["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT")
    assert (f["outcome"], f["original_outcome"]) == ("waived", "violation")
    assert f["waiver"] == {
        "reason": "Contract under negotiation",
        "approved_by": "dpo@example.com",
        "expires_on": "2027-12-31",
    }
    assert report["unused_waivers"] == []
    assert report["summary"]["waived"] == 1


def test_expired_waiver_stops_applying(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        CN_OUT + "waivers:\n" + _waiver("CN-CBDF-8-CONTRACT-OR-CERT", "flows/crm-to-analytics", "2026-11-28")
    )
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
    f = next(x for x in report["findings"] if x["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT")
    assert f["outcome"] == "violation"
    assert code == 1
    # The last valid day is inclusive.
    _, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text), as_of="2026-11-28")
    f = next(x for x in report["findings"] if x["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT")
    assert f["outcome"] == "waived"


def test_waiver_needs_the_exact_rule_and_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        CN_OUT
        + CONTRACT
        + "waivers:\n"
        + _waiver("CN-CBDF-8-CONTRACT-OR-CER", "flows/crm-to-analytics", "2027-12-31")
        + _waiver("CN-CBDF-8-CONTRACT-OR-CERT", "systems/crm", "2027-12-31")
    )
    path = write(tmp_path, "m.yaml", text)
    code, report, _ = check_json(capsys, path)
    assert report["unused_waivers"] == [
        {
            "file": path,
            "line": 25,
            "column": 5,
            "rule": "CN-CBDF-8-CONTRACT-OR-CER",
            "target": "flows/crm-to-analytics",
            "expires_on": "2027-12-31",
            "note": "no rule has the id 'CN-CBDF-8-CONTRACT-OR-CER' "
            "(did you mean 'CN-CBDF-8-CONTRACT-OR-CERT'?)",
        },
        {
            "file": path,
            "line": 26,
            "column": 5,
            "rule": "CN-CBDF-8-CONTRACT-OR-CERT",
            "target": "systems/crm",
            "expires_on": "2027-12-31",
        },
    ]
    # Unused waivers never change the exit status.
    assert code == (1 if counted(report) else 0)
    code_without, _, _ = check_json(capsys, write(tmp_path, "n.yaml", CN_OUT + CONTRACT))
    assert code == code_without


# --- notices -------------------------------------------------------------------------------------


def test_mechanism_expiring_within_90_days_is_a_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CN_OUT.replace("count: 150000", "count: 50").replace(
        "      - {type: separate-consent}\n",
        "      - {type: separate-consent}\n"
        '      - {type: pi-protection-certification, certified_on: "2026-01-05", expires_on: "2027-02-27"}\n',
    )
    path = write(tmp_path, "m.yaml", text)
    code, report, _ = check_json(capsys, path, "--pack", "cn")
    notices = [f for f in report["findings"] if f["rule_id"] == "NOTICE-MECHANISM-EXPIRING"]
    assert [(n["outcome"], n["target"], n["facts"]) for n in notices] == [
        ("notice", {"kind": "flow", "id": "crm-to-analytics"}, {"expires_on": "2027-02-27", "days_left": 90})
    ]
    assert notices[0]["location"] == {"file": path, "line": 23, "column": 9}
    assert code == 0, counted(report)
    _, later, _ = check_json(capsys, path, "--pack", "cn", as_of="2026-11-28")
    assert [f for f in later["findings"] if f["rule_id"] == "NOTICE-MECHANISM-EXPIRING"] == []


def test_as_of_after_the_pack_date_is_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT.replace("count: 150000", "count: 50"))
    code, report, _ = check_json(capsys, path, "--pack", "cn", as_of="2030-01-01")
    notices = [f for f in report["findings"] if f["rule_id"] == "NOTICE-PACK-DATE"]
    assert len(notices) == 1
    assert notices[0]["outcome"] == "notice"
    assert notices[0]["facts"]["pack"] == "cn"
    assert code == 0, counted(report)
    _, on_date, _ = check_json(capsys, path, "--pack", "cn")
    assert [f for f in on_date["findings"] if f["rule_id"] == "NOTICE-PACK-DATE"] == []


# --- gating and errors ---------------------------------------------------------------------------


def test_fail_on_gates_by_severity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT)
    _, report, _ = check_json(capsys, path, "--pack", "cn")
    worst = max(
        (
            {"low": 1, "medium": 2, "high": 3, "critical": 4}[f["severity"]]
            for f in report["findings"]
            if f["outcome"] in ("violation", "needs_review")
        ),
    )
    levels = ["low", "medium", "high", "critical"]
    for i, level in enumerate(levels, start=1):
        code, _, _ = run(capsys, "check", "--as-of", "2026-11-29", "--pack", "cn", "--fail-on", level, path)
        assert code == (1 if i <= worst else 0), level


def test_high_finding_passes_fail_on_critical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT)
    code, report, _ = check_json(capsys, path, "--pack", "cn", "--fail-on", "critical")
    assert {f["severity"] for f in report["findings"] if f["outcome"] == "violation"} == {"high"}
    assert code == 0


def test_one_broken_file_exits_2_and_the_others_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "a.yaml", CN_OUT)
    broken = CN_OUT.replace("    to: analytics", "    destinaton: analytics")
    bad = write(tmp_path, "b.yaml", broken.replace("name: Example Co,", "name: Other Co,", 1))
    code, report, err = check_json(capsys, good, bad)
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:15:5: flows[0]: unknown field 'destinaton' (did you mean 'to'?)",
    ]
    assert [(e["file"], e["line"], e["column"]) for e in report["errors"]] == [(bad, 15, 5)]
    assert "CN-CBDF-8-CONTRACT-OR-CERT" in [
        f["rule_id"] for f in report["findings"] if f["location"]["file"] == good
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_other_files_of_a_broken_files_organization_are_not_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    # 6,000 + 6,000 sensitive individuals: 12,000 reach the CAC assessment, but the second
    # file is unusable; judged alone, the first would show only the standard-contract band
    sensitive = CN_OUT.replace("count: 150000", "count: 6000").replace(
        "categories: [user.contact.email, user.name]", "categories: [user.health_and_medical]"
    )
    good = write(tmp_path, "a.yaml", sensitive)
    other = sensitive.replace("id: customers", "id: patients").replace("[customers]", "[patients]")
    bad = write(tmp_path, "b.yaml", other.replace("state_organ: false}", "state_organ: false, colour: red}"))
    third = write(tmp_path, "c.yaml", CN_OUT.replace("name: Example Co,", "name: Third Co,", 1))
    code, report, _ = check_json(capsys, "--jobs", jobs, good, bad, third)
    assert code == 2
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        (bad, "organization: unknown field 'colour'"),
        (good, f"not judged: {bad}, another file of its organization, is unusable, so its totals would be "
         "incomplete (see that file's errors)"),
    ]  # fmt: skip
    assert {f["location"]["file"] for f in report["findings"] if f["outcome"] != "notice"} == {third}


def test_csl_article_is_37_before_2026_and_39_from_then(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CN_OUT.replace("ciio: false", "ciio: true").replace("stores: []}", "stores: [customers]}")
    path = write(tmp_path, "m.yaml", text)
    cites = {}
    for day in ("2025-12-31", "2026-01-01"):
        _, report, _ = check_json(capsys, path, "--pack", "cn", as_of=day)
        cites[day] = [
            (f["target"]["id"], f["citation"])
            for f in report["findings"]
            if f["rule_id"] == "CN-CSL-39-CIIO-LOCALIZATION"
        ]
    assert cites == {
        "2025-12-31": [("analytics", {"instrument": "CSL", "article": "37"})],
        "2026-01-01": [("analytics", {"instrument": "CSL", "article": "39"})],
    }


@pytest.mark.parametrize("duty", ["ciio", "state_organ"])
def test_storage_abroad_after_an_exempted_transfer_names_neither_duty_holder(
    duty: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CN_OUT.replace(f"{duty}: false", f"{duty}: true").replace(
        '    started_on: "2025-02-01"\n', '    started_on: "2025-02-01"\n    exemption: hr\n'
    )
    _, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text), "--pack", "cn")
    rule = {"ciio": "CN-CSL-39-CIIO-LOCALIZATION", "state_organ": "CN-PIPL-36-STATE-ORGAN-LOCALIZATION"}
    [found] = [f for f in report["findings"] if f["rule_id"] == rule[duty]]
    assert (found["outcome"], found["facts"]["why"][-1]) == (
        "needs_review",
        "flow crm-to-analytics (hr) relies on a CBDF exemption, which may cover the transfer itself; "
        "whether data the organization must keep in mainland China may then be stored abroad without "
        "a security assessment is not settled",
    )


def test_sentences_agree_with_how_many_they_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "flow a (hr), b (hr) relies on", "customers reach it": verbs agreed with one thing only
    second = CN_OUT.split("flows:\n")[1].replace("id: crm-to-analytics", "id: crm-to-analytics-2")
    text = (
        (CN_OUT + second)
        .replace("ciio: false", "ciio: true")
        .replace('    started_on: "2025-02-01"\n', '    started_on: "2025-02-01"\n    exemption: hr\n')
    )
    _, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text), "--pack", "cn")
    [found] = [f for f in report["findings"] if f["rule_id"] == "CN-CSL-39-CIIO-LOCALIZATION"]
    assert found["facts"]["why"][2:] == [
        "customers (personal information collected in mainland China) reaches it",
        "flow crm-to-analytics (hr), crm-to-analytics-2 (hr) rely on a CBDF exemption, which may cover "
        "the transfer itself; whether data the organization must keep in mainland China may then be "
        "stored abroad without a security assessment is not settled",
    ]


def test_citation_renumbering() -> None:
    c = Citation("CSL", "37", ((dt.date(2026, 1, 1), "39"),))
    assert c.on(dt.date(2025, 12, 31)) == ("CSL", "37")
    assert c.on(dt.date(2026, 1, 1)) == ("CSL", "39")
    assert c.text(dt.date(2026, 1, 1)) == "CSL Art. 39"


# --- EU transfers --------------------------------------------------------------------------------

EU_CHAIN = """\
manifest_version: 1
organization: {name: Example GmbH, established_in: [DE], ciio: false, state_organ: false}
datasets:
  - {id: users, categories: [user.contact.email], subjects: [{residency: DE, count: 500}], \
important_data: false, core_data: false}
systems:
  - {id: de, location: DE, operator: {name: Example GmbH, role: controller}, stores: [users]}
  - {id: jp, location: JP, operator: {name: Example KK, role: processor}, stores: []}
  - {id: us, location: US, operator: {name: Example Inc, role: processor}, stores: []}
flows:
  - {id: de-jp, from: de, to: jp, datasets: [users], purpose: essential.service, started_on: "2025-02-01",
     recipient: {name: Example KK, role: processor, dpf_certified: false}, mechanisms: []}
  - {id: jp-us, from: jp, to: us, datasets: [users], purpose: essential.service, started_on: "2025-02-01",
     recipient: {name: Example Inc, role: processor, dpf_certified: false}, mechanisms: []}
"""


def test_onward_transfer_from_an_adequate_country(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", EU_CHAIN)
    _, report, _ = check_json(capsys, path, "--pack", "eu")
    flows_hit = {(r, i) for r, k, i, _ in counted(report) if k == "flow"}
    assert ("EU-GDPR-44-TRANSFER-TOOL", "jp-us") in flows_hit
    assert not any(i == "de-jp" for _, i in flows_hit)


def test_an_also_cited_instrument_is_not_cited_before_it_took_effect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "m.yaml", CN_OUT.replace("important_data: false", "important_data: true"))
    cites = {}
    for day in ("2024-12-31", "2025-01-01"):
        _, report, _ = check_json(capsys, path, "--pack", "cn", "--as-of", day)
        (finding,) = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-7-IMPORTANT-DATA"]
        cites[day] = [c["instrument"] for c in finding["also_cites"]]
    assert cites == {"2024-12-31": ["DSL", "CAC-SA"], "2025-01-01": ["DSL", "NDSMR", "CAC-SA"]}


def test_china_mechanisms_dated_before_their_instrument_do_not_clear_a_transfer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # regulations.md 1.1: standard contract measures in force 2023-06-01 (published 2023-02-24),
    # CAC security assessment measures 2022-09-01; certification is a PIPL (2021-11-01) route.
    old_contract = '      - {type: cn-standard-contract, signed_on: "2019-01-01", filed_on: "2019-01-05"}\n'
    old_cert = (
        '      - {type: pi-protection-certification, certified_on: "2020-01-01", expires_on: "2030-01-01"}\n'
    )
    for mechanism in (old_contract, old_cert):
        path = write(tmp_path, "m.yaml", CN_OUT + mechanism)
        code, report, _ = check_json(capsys, path)
        assert (code, counted(report)) == (
            1,
            [("CN-CBDF-8-CONTRACT-OR-CERT", "flow", "crm-to-analytics", "violation")],
        )
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", CN_OUT + CONTRACT))
    assert (code, counted(report)) == (0, [])
    big = CN_OUT.replace("count: 150000", "count: 2000000")
    early = '      - {type: cac-security-assessment, approved_on: "2019-01-01", expires_on: "2030-01-01"}\n'
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", big + early))
    assert (code, counted(report)) == (
        1,
        [("CN-CBDF-7-VOLUME-ASSESSMENT", "flow", "crm-to-analytics", "violation")],
    )
    assert (
        "approved 2019-01-01, before the CAC security assessment measures took effect (2022-09-01)"
        in (report["findings"][0]["message"])
    )


#: 2,000,000 individuals under an assessment approved 2024-06-01 (statutory validity to
#: 2027-06-01 inclusive, CBDF Art. 9 and the contract's default) whose declared expiry is 2030-01-01.
LONG_ASSESSMENT = CN_OUT.replace("count: 150000", "count: 2000000") + (
    '      - {type: cac-security-assessment, approved_on: "2024-06-01", expires_on: "2030-01-01"}\n'
)


def test_assessment_expiry_declared_past_its_statutory_validity_needs_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "m.yaml", LONG_ASSESSMENT)
    code, report, _ = check_json(capsys, path, as_of="2027-06-01")
    assert (code, counted(report)) == (0, [])
    code, report, _ = check_json(capsys, path, as_of="2027-06-02")
    assert (code, counted(report)) == (
        1,
        [("CN-CBDF-7-VOLUME-ASSESSMENT", "flow", "crm-to-analytics", "needs_review")],
    )
    (finding,) = [f for f in report["findings"] if f["outcome"] == "needs_review"]
    assert "only an extension (CBDF Art. 9)" in finding["message"]


def test_default_assessment_expiry_is_approved_on_plus_three_years_inclusive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # manifest contract: expires_on defaults to approved_on + 3 years and is inclusive; the
    # notice and the verdict use that same day.
    text = CN_OUT.replace("count: 150000", "count: 2000000") + (
        '      - {type: cac-security-assessment, approved_on: "2024-03-22"}\n'
    )
    path = write(tmp_path, "m.yaml", text)
    code, report, _ = check_json(capsys, path, as_of="2027-03-22")
    assert (code, counted(report)) == (0, [])
    notices = [f for f in report["findings"] if f["rule_id"] == "NOTICE-MECHANISM-EXPIRING"]
    assert [(n["facts"]["expires_on"], n["facts"]["days_left"]) for n in notices] == [("2027-03-22", 0)]
    code, report, _ = check_json(capsys, path, as_of="2027-03-23")
    assert (code, counted(report)) == (
        1,
        [("CN-CBDF-7-VOLUME-ASSESSMENT", "flow", "crm-to-analytics", "violation")],
    )
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-7-VOLUME-ASSESSMENT"]
    assert "cac-security-assessment (expired 2027-03-22)" in finding["message"]


def test_china_data_held_abroad_with_no_recorded_transfer_needs_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # regulations.md 1.3 item 3: direct offshore collection (PIPL Art. 3(2)) is outbound too, and
    # the manifest cannot tell it from an unrecorded flow.
    held_abroad = CN_OUT.replace("stores: []}", "stores: [customers]}").split("flows:")[0] + "flows: []\n"
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", held_abroad))
    assert (code, counted(report)) == (
        1,
        [("CN-PIPL-38-HELD-ABROAD-UNRECORDED", "system", "analytics", "needs_review")],
    )
    assert [f["severity"] for f in report["findings"]] == ["high"]
    accessed = held_abroad.replace(
        "stores: [customers]}\n  - {id: analytics",
        "stores: [customers], access_from: [US]}\n  - {id: analytics",
    )
    assert "access_from: [US]" in accessed
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", accessed))
    assert "CN-PIPL-38-HELD-ABROAD-UNRECORDED" not in [f["rule_id"] for f in report["findings"]]


def test_eu_answers_turning_on_a_territory_of_unrecorded_eea_status_need_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # regulations.md 2.2 lists the EU-27 by their main codes and is silent on GF, RE, AX and the
    # other overseas codes: FR -> GF and RE -> US may or may not be transfers; GF -> US after FR
    # is one either way (onward or not), as is remote access to AX after FR.
    from test_fast_paths import UNSETTLED_TEXT

    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", UNSETTLED_TEXT))
    assert code == 1
    assert [(f["rule_id"], f["target"]["id"], f["outcome"], f["severity"]) for f in report["findings"]] == [
        ("EU-GDPR-44-TRANSFER-TOOL", "mariehamn", "violation", "critical"),
        ("EU-GDPR-44-TRANSFER-TOOL", "paris-to-cayenne", "needs_review", "high"),
        ("EU-GDPR-44-TRANSFER-TOOL", "reunion-to-virginia", "needs_review", "critical"),
    ]
    assert report["findings"][1]["facts"]["why"][0] == (
        "whether flow paris-to-cayenne from FR to GF is a GDPR Chapter V transfer of customers turns "
        "on whether GF is part of the EEA, which the jurisdiction data does not record"
    )


def test_a_pipia_that_does_not_count_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contract = '      - {type: cn-standard-contract, signed_on: "2024-01-05", filed_on: "2024-01-20"}\n'
    for pipia, why in (
        (
            '{type: pipia, completed_on: "2021-10-31"}',
            "pipia (completed 2021-10-31, before the PIPL took effect (2021-11-01))",
        ),
        ('{type: pipia, completed_on: "2025-03-01"}', "pipia dated 2025-03-01, after the transfer began"),
    ):
        text = CN_OUT.replace('{type: pipia, completed_on: "2025-01-10"}', pipia) + contract
        code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
        (finding,) = [f for f in report["findings"] if f["rule_id"] == "CN-PIPL-55-PIPIA"]
        assert code == 1
        assert f"no pipia before the transfer began on 2025-02-01 ({why})" in finding["facts"]["why"]


def test_an_assessment_declared_past_its_statutory_validity_gets_a_notice_before_that_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "m.yaml", LONG_ASSESSMENT)
    code, report, _ = check_json(capsys, path, as_of="2027-04-01")
    assert (code, counted(report)) == (0, [])
    notices = [f for f in report["findings"] if f["rule_id"] == "NOTICE-MECHANISM-EXPIRING"]
    assert [(n["message"], n["facts"]["expires_on"]) for n in notices] == [
        (
            "A transfer mechanism expires within 90 days: cac-security-assessment holds "
            "until 2027-06-01 (61 days), the end of its statutory validity; its declared expiry "
            "2030-01-01 needs an extension (CBDF Art. 9) before then",
            "2027-06-01",
        )
    ]


# --- waivers of the organization: the organization's, whichever file declares them -----------

REP = """\
manifest_version: 1
organization: {name: Rep Org GmbH, established_in: [DE], targets: [CN], ciio: false, state_organ: false}
datasets:
  - {id: d, categories: [user.contact.email], subjects: [{residency: DE, count: 10}],
     important_data: false, core_data: false}
systems:
  - {id: s, location: DE, operator: {name: Rep Org GmbH, role: controller}, stores: [d]}
flows: []
"""
REP_WAIVER = (
    "waivers:\n"
    "  - {rule: CN-PIPL-53-REPRESENTATIVE, target: organization, reason: appointment under way, "
    'approved_by: dpo@example.com, expires_on: "2027-01-31"}\n'
)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_organization_waiver_holds_whatever_the_order_of_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    waiving = write(tmp_path, "rep1.yaml", REP + REP_WAIVER)
    other = write(tmp_path, "rep2.yaml", REP)
    for files in ((waiving, other), (other, waiving)):
        code, report, err = check_json(capsys, "--jobs", jobs, *files)
        rep = [(f["location"]["file"], f["outcome"]) for f in report["findings"] if "53" in f["rule_id"]]
        # the finding lands on the first file; the waiver, in either file, covers it
        assert (code, rep, report["unused_waivers"], err) == (0, [(files[0], "waived")], [], ""), files
        notices = [
            (f["location"]["file"], f["location"]["line"])
            for f in report["findings"]
            if f["rule_id"] == "NOTICE-WAIVER-EXPIRING"
        ]
        assert notices == [(waiving, 10)]


# --- organization facts: over all the organization's files, whichever file leads -------------

NO_TARGETS = REP.replace(" targets: [CN],", "")
CN_RESIDENTS = NO_TARGETS.replace(
    "subjects: [{residency: DE, count: 10}]", "subjects: [{residency: CN, count: 10}]"
)


def _org_findings(report: Any) -> list[tuple[str, str, str]]:
    return [
        (f["rule_id"], f["location"]["file"], f["outcome"])
        for f in report["findings"]
        if f["target"]["kind"] == "organization"
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_organization_facts_are_taken_over_all_its_files_in_any_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    # Residents held: one file holds CN residents' data, the other only DE staff. Whichever
    # file leads the organization, its Art. 53 question (no targets recorded) is asked.
    staff = write(tmp_path, "a-staff.yaml", NO_TARGETS)
    users = write(tmp_path, "z-users.yaml", CN_RESIDENTS)
    for files in ((staff, users), (users, staff)):
        code, report, err = check_json(capsys, "--jobs", jobs, *files)
        assert (code, _org_findings(report), err) == (
            1,
            [("CN-PIPL-53-REPRESENTATIVE", files[0], "needs_review")],
            "",
        ), files
    # Targets and representatives: one file records the CN targets, the other the
    # representative in China: together, nothing to report; either alone, a violation.
    targets = write(tmp_path, "t.yaml", REP)
    rep = write(
        tmp_path,
        "r.yaml",
        NO_TARGETS.replace(
            "state_organ: false}",
            "state_organ: false,\n  representatives: [{jurisdiction: CN, name: Rep Ltd}]}",
        ),
    )
    for files in ((targets, rep), (rep, targets)):
        code, report, err = check_json(capsys, "--jobs", jobs, *files)
        assert (code, _org_findings(report), err) == (0, [], ""), files
    code, report, _ = check_json(capsys, targets)
    assert _org_findings(report) == [("CN-PIPL-53-REPRESENTATIVE", targets, "violation")]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unused_organization_waiver_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    # the organization is in mainland China: PIPL Art. 53 does not apply, nothing to waive
    text = REP.replace("established_in: [DE]", "established_in: [CN]")
    other = write(tmp_path, "a.yaml", text)
    waiving = write(tmp_path, "b.yaml", text + REP_WAIVER)
    code, report, _ = check_json(capsys, "--jobs", jobs, other, waiving)
    assert code == 0
    assert [(w["file"], w["line"], w["rule"]) for w in report["unused_waivers"]] == [
        (waiving, 10, "CN-PIPL-53-REPRESENTATIVE")
    ]
    assert not [f for f in report["findings"] if f["rule_id"] == "NOTICE-WAIVER-EXPIRING"]


@pytest.mark.parametrize("as_of", ["2026-11-29", "2027-03-01", "2027-05-01", "2027-09-01"])
def test_two_waivers_of_one_organization_finding_decide_alike_in_any_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: str
) -> None:
    # the one expiring last decides (both are used), whatever the order of the files
    a = write(tmp_path, "a.yaml", REP + REP_WAIVER)  # expires 2027-01-31
    b = write(tmp_path, "b.yaml", REP + REP_WAIVER.replace("2027-01-31", "2027-06-30"))
    seen = []
    for files in ((a, b), (b, a)):
        _, report, _ = check_json(capsys, *files, as_of=as_of)
        (f,) = [f for f in report["findings"] if f["rule_id"] == "CN-PIPL-53-REPRESENTATIVE"]
        notices = sorted(
            (n["location"]["file"], n["facts"]["expires_on"])
            for n in report["findings"]
            if n["rule_id"] == "NOTICE-WAIVER-EXPIRING"
        )
        seen.append((f["outcome"], f.get("waiver"), f["facts"]["why"][-1], report["unused_waivers"], notices))
    assert seen[0] == seen[1]
    outcome, waiver, last_reason, unused, notices = seen[0]
    assert unused == []
    # only the deciding waiver's expiry brings the finding back: only it gets a notice (the
    # one expiring on 2027-01-31, 63 days after 2026-11-29, does not)
    assert notices == ([(b, "2027-06-30")] if as_of == "2027-05-01" else [])
    if as_of == "2027-09-01":
        assert (outcome, waiver) == ("violation", None)
        assert last_reason == "the waiver approved by dpo@example.com expired on 2027-06-30"
    else:
        assert (outcome, waiver["expires_on"]) == ("waived", "2027-06-30")


def test_the_audit_shows_an_organization_waiver_in_force_whichever_file_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("jinja2")
    other = write(tmp_path, "a.yaml", REP)  # leads: the organization's finding lands here
    waiving = write(
        tmp_path,
        "b.yaml",
        REP + REP_WAIVER + REP_WAIVER.split("\n", 1)[1].replace("2027-01-31", "2026-12-31"),
    )
    code, out, _ = run(capsys, "report", "--format", "markdown", "--as-of", "2026-11-29", other, waiving)
    assert code == 0
    rows = [
        line.split(" | ")
        for line in out.splitlines()
        if line.startswith("| CN-PIPL-53-REPRESENTATIVE | organization")
    ]
    assert [(r[4], r[6].rstrip(" |")) for r in rows] == [
        ("2026-12-31", "in force; a waiver expiring later decides"),
        ("2027-01-31", "in force"),
    ]
    # a waiver of a rule whose pack the run left out says so there too
    code, out, _ = run(
        capsys, "report", "--format", "markdown", "--as-of", "2026-11-29", "--pack", "eu", other, waiving
    )
    assert (
        "matches no finding (rule 'CN-PIPL-53-REPRESENTATIVE' is in the pack 'cn', which this run left out)"
        in out
    )


def test_the_fold_of_organization_names_keeps_only_letters_and_digits() -> None:
    from compliance.names import entity_fold

    # "Co., Ltd." written as Chinese company names often are, and full-width brackets
    assert (
        entity_fold("Hanshan Trading Co., Ltd.")
        == entity_fold("HANSHAN TRADING CO.,LTD.")
        == entity_fold("Hanshan Trading Co Ltd")
        == "hanshantradingcoltd"
    )
    full_width, ascii_brackets = "深圳（前海）数据有限公司", "深圳(前海)数据有限公司"
    assert entity_fold(full_width) == entity_fold(ascii_brackets) == "深圳前海数据有限公司"
    assert entity_fold("Müller GmbH") == entity_fold("Muller GmbH") == "mullergmbh"
    assert entity_fold("Acme 1") != entity_fold("Acme 2")
    # no letter or digit: the name itself, so "..." and "-" stay two organizations
    assert (entity_fold("..."), entity_fold("-")) == ("...", "-")


def test_a_volume_sentence_says_whether_its_bound_is_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CBDF Art. 8 fires on the sensitive band; the sentences that rule out Art. 7 name totals
    # below its thresholds, and must not read as thresholds met
    path = write(tmp_path, "m.yaml", CBDF8_BANDS)
    code, report, _ = check_json(capsys, path)
    volume = [w for f in report["findings"] for w in f["facts"]["why"] if "individuals'" in w]
    assert (code, volume) == (
        1,
        [
            "4,000 individuals' sensitive personal information leave mainland China this year "
            "(threshold 1 reached)",
            "60,000 individuals' non-sensitive personal information leave mainland China this year "
            "(below the threshold of 1,000,000)",
            "4,000 individuals' sensitive personal information leave mainland China this year "
            "(below the threshold of 10,000)",
        ],
    )


CBDF8_BANDS = """\
manifest_version: 1
organization: {name: Acme, established_in: [CN], ciio: false, state_organ: false}
datasets:
  - {id: a, categories: [user.name], subjects: [{residency: CN, count: 60000}],
     important_data: false, core_data: false}
  - {id: b, categories: [user.health_and_medical], subjects: [{residency: CN, count: 4000}],
     important_data: false, core_data: false}
systems:
  - {id: db, location: CN, operator: {name: Acme, role: controller}, stores: [a, b]}
  - {id: us, location: US, operator: {name: V, role: processor}, stores: []}
flows:
  - {id: f, from: db, to: us, datasets: [a, b], purpose: essential.service, started_on: 2025-01-01,
     recipient: {name: V, role: processor, dpf_certified: false},
     mechanisms: [{type: pipia, completed_on: 2024-12-01}, {type: separate-consent}]}
"""


def test_a_hand_over_that_is_not_sure_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 9,000 people's health data under a transit exemption the tool cannot confirm, 2,000 sent
    # with no route at all: CBDF Art. 8 is broken either way, and its sentence must not read
    # as though the total were below the assessment threshold
    text = (
        CBDF8_BANDS.replace("count: 60000", "count: 9000")
        .replace("[user.name]", "[user.health_and_medical]")
        .replace("count: 4000", "count: 2000")
    )
    text = text.replace("datasets: [a, b], purpose", "datasets: [b], purpose") + (
        "  - {id: t, from: db, to: us, datasets: [a], purpose: essential.service, started_on: 2025-01-01,\n"
        "     exemption: transit, recipient: {name: V, role: processor, dpf_certified: false},\n"
        "     mechanisms: [{type: pipia, completed_on: 2024-12-01}, {type: separate-consent}]}\n"
    )
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
    cbdf8 = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]
    assert (code, [(f["target"]["id"], f["outcome"]) for f in cbdf8]) == (1, [("f", "violation")])
    range_ = (
        "between 2,000 and 11,000 individuals' sensitive personal information leave mainland China "
        "this year (the larger with the flows under a transit or free-trade-zone exemption the tool "
        "cannot confirm; "
    )
    assert [w for w in cbdf8[0]["facts"]["why"] if w.startswith("between")] == [
        range_ + "threshold 1 reached)",
        range_ + "threshold 10,000, not surely reached)",
    ]


def test_a_raised_severity_says_why_and_only_when_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CN-CBDF-8 is high; sensitive PI raises it to critical, and the finding must say so
    text = CN_OUT.replace("count: 150000", "count: 5000").replace(
        "categories: [user.contact.email, user.name]", "categories: [user.health_and_medical, user.name]"
    )
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", text))
    (f,) = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]
    assert (code, f["severity"]) == (1, "critical")
    assert f["facts"]["why"][-1] == (
        "severity raised to critical: customers holds sensitive personal information (PIPL Art. 28)"
    )
    # the same rule at its own severity adds no such line
    code, report, _ = check_json(capsys, write(tmp_path, "m.yaml", CN_OUT))
    (f,) = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]
    assert f["severity"] == "high"
    assert not any(w.startswith("severity raised") for w in f["facts"]["why"])


def test_a_derogation_finding_names_its_ground(capsys: pytest.CaptureFixture[str]) -> None:
    fixture = str(Path(__file__).resolve().parents[1] / "fixtures" / "berlin-healthtech.yaml")
    _, report, _ = check_json(capsys, fixture)
    (f,) = [f for f in report["findings"] if f["rule_id"] == "EU-GDPR-49-DEROGATION-SYSTEMATIC"]
    assert "derogation (explicit-consent) is declared" in f["facts"]["why"]


def test_a_file_whose_organization_cannot_be_read_is_named_as_left_out_of_the_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a YAML syntax error: which organization the file is cannot be told, so the run says the
    # others were judged without it (exit 2), rather than showing them as if complete
    good = write(tmp_path, "a.yaml", CN_OUT)
    bad = write(tmp_path, "b.yaml", CN_OUT + "  - oops: [\n")
    code, report, err = check_json(capsys, good, bad)
    assert code == 2
    assert [(e["file"], e["message"]) for e in report["errors"]][1:] == [
        (
            None,
            f"the other files were judged without {bad}, whose organization cannot be read: if it is "
            "theirs, their organization's totals leave it out",
        )
    ]
    assert "CN-CBDF-8-CONTRACT-OR-CERT" in [f["rule_id"] for f in report["findings"]]
    assert err.splitlines()[-1].startswith("error: the other files were judged without ")
    # alone, a broken file leaves no other file to speak of
    code, report, _ = check_json(capsys, bad)
    assert (code, len(report["errors"])) == (2, 1)
