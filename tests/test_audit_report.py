"""The audit report (`compliance report`): contents, determinism, escaping, CSV, well-formedness."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from compliance.audit.render import CSV_HEADER, render
from compliance.audit.view import Audit, from_manifests
from compliance.audit.volume import Bar
from compliance.cli import main
from compliance.run import shipped_packs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "fixtures" / "example-travel.yaml")
AS_OF = dt.date(2026, 11, 29)
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr", "source", "track", "embed"}


def _audit(paths: list[str], as_of: dt.date = AS_OF) -> Audit:
    _, audit = from_manifests(paths, shipped_packs(None, ()), as_of)
    assert audit is not None
    return audit


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


class _Balance(HTMLParser):
    """Checks that every element is closed in order (XHTML-like strictness over HTML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match is not None
    return ET.fromstring(match.group(0))


NS = "{http://www.w3.org/2000/svg}"


def _csv_rows(text: str, captured: bool = False) -> list[list[str]]:
    """The records of a register: a UTF-8 byte-order mark first (Excel), records ending in CRLF
    (RFC 4180; ``captured``: text read back from pytest's capture, which turns them into LF)."""
    assert text.startswith("\ufeffref,")
    if not captured:
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # no bare LF
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# --- contents of the example at 2026-11-29 -------------------------------------------------


def test_register_rows_and_statuses_of_the_example() -> None:
    audit = _audit([EXAMPLE])
    rows = [
        (t.ref, t.name, t.source_country, t.destination_country, t.regimes, t.status) for t in audit.transfers
    ]
    assert rows == [
        ("T1", "staff-to-hr-hub", "CN", "HK", ("cn",), "needs_review"),
        ("T2", "cn-bookings-to-support", "CN", "SG", ("cn",), "violation"),
        ("T3", "remote access to booking-db from SG", "CN", "SG", ("cn",), "violation"),
        ("T4", "eu-bookings-to-analytics", "DE", "US", ("eu",), "waived"),
    ]
    t2 = audit.transfers[1]
    assert (t2.exporter, t2.importer, t2.importer_role, t2.purpose, t2.individuals) == (
        "Example Travel Ltd",
        "Desk Pte Ltd",
        "processor",
        "essential.service",
        120000,
    )
    assert [c.text for c in t2.categories] == [
        "user.contact.email",
        "user.financial.bank_account (sensitive)",
        "user.name",
    ]
    assert [m.text for m in t2.mechanisms] == [
        "cn-standard-contract (signed 2024-04-01 but not filed with the CAC)",
        "pipia (from 2024-03-20)",
        "separate-consent",
    ]
    assert t2.findings == ("CN-CBDF-7-VOLUME-ASSESSMENT (violation)",)
    assert audit.transfers[0].exemption == "hr"
    assert audit.transfers[2].individuals == 250800
    assert audit.by_regime == (("cn", (2, 1, 0, 0)), ("eu", (0, 0, 1, 0)))
    assert audit.open_by_severity == (("critical", 2, 0), ("high", 2, 1), ("medium", 0, 0), ("low", 0, 0))


def test_cn_volume_bars_and_route_of_the_example() -> None:
    (volume,) = _audit([EXAMPLE]).volumes
    assert (volume.non_sensitive, volume.sensitive) == (250800, 250000)
    bars = [(b.measure, b.total, b.threshold, b.reached, b.percent, b.rules) for b in volume.bars]
    assert bars == [
        ("non_sensitive", 250800, 100000, True, "100.0", ("CN-CBDF-8-CONTRACT-OR-CERT",)),
        ("non_sensitive", 250800, 1000000, False, "25.1", ("CN-CBDF-7-VOLUME-ASSESSMENT",)),
        ("processed", 250000, 1000000, False, "25.0", ("CN-PIPL-40-LARGE-PROCESSOR",)),
        ("sensitive", 250000, 10000, True, "100.0", ("CN-CBDF-7-VOLUME-ASSESSMENT",)),
    ]
    # the two totals are tested separately (regulations.md 1.7): sensitive PI at 250,000 asks
    # for an assessment, non-sensitive PI at 250,800 for a contract or certification
    assert [(r.rule_id, r.mechanisms) for r in volume.routes] == [
        ("CN-CBDF-7-VOLUME-ASSESSMENT", ("cac-security-assessment",)),
        (
            "CN-CBDF-8-CONTRACT-OR-CERT",
            ("cn-standard-contract", "pi-protection-certification", "cac-security-assessment"),
        ),
    ]


@pytest.mark.parametrize("fmt", ["markdown", "html", "csv"])
def test_a_count_beyond_any_float_renders(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A count of 401 digits is a valid manifest (check accepts it): its bar and ratio are
    # computed exactly, where float division overflowed (exit 3).
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    assert text.count("count: 40000}") == 1
    path = tmp_path / "big.yaml"
    path.write_text(text.replace("count: 40000}", f"count: {10**400}}}"), encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    assert _run(["report", "--as-of", "2026-11-29", "--format", fmt, "-o", str(out), str(path)], capsys) == (
        0,
        "",
        "",
    )
    total = 10**400 + 12000  # eu-bookings: DE plus 12,000 in FR, the largest personal dataset
    most = total + 250_000 + 800  # all personal datasets added up: cn-bookings and staff too
    ratio = f"{10**394}.01x"  # of the 1,000,000 of CN-PIPL-40
    report = out.read_text(encoding="utf-8")
    if fmt == "markdown":
        assert (
            "| personal information processed (from the largest personal dataset to all added up, "
            f"wherever collected) | {total:,} to {most:,} "
            f"| 1,000,000 | {ratio} | yes | CN-PIPL-40-LARGE-PROCESSOR |\n"
        ) in report
    elif fmt == "html":
        assert (
            f'<td class="num">{total:,} to {most:,}</td>\n<td class="num">1,000,000</td>\n'
            f'<td><div class="bar reached" role="img" aria-label="{ratio} of the threshold">'
            f'<div class="fill" style="width: 100.0%"></div></div>'
            f'<span class="sub">{ratio} of the threshold</span></td>\n'
        ) in report
    else:
        rows = {r[0]: dict(zip(CSV_HEADER, r, strict=True)) for r in _csv_rows(report, captured=True)}
        assert rows["T4"]["individuals"] == str(total)  # eu-bookings-to-analytics carries it


@pytest.mark.parametrize(
    ("total", "threshold", "percent", "ratio"),
    [
        (250800, 1000000, "25.1", "0.25x"),
        (250800, 100000, "100.0", "2.51x"),
        (1, 8, "12.5", "0.12x"),  # ties go to the even digit: 0.125
        (3, 8, "37.5", "0.38x"),  # 0.375
        (1, 16, "6.2", "0.06x"),  # 6.25
        (1, 3, "33.3", "0.33x"),
        (2, 3, "66.7", "0.67x"),
        (0, 10000, "0.0", "0.00x"),
        (10**400 + 5 * 10**395, 10**400, "100.0", "1.00x"),
        (10**400 + 6 * 10**397, 10**400, "100.0", "1.01x"),
        (10**4000, 3, "100.0", f"{10**4000 // 3}.33x"),
        (1, 10**400, "0.0", "0.00x"),
    ],
    ids=lambda v: f"{len(str(v))} digits" if isinstance(v, int) and v > 10**9 else None,
)
def test_bar_figures_are_exact(total: int, threshold: int, percent: str, ratio: str) -> None:
    bar = Bar(
        "processed", "personal information processed", total, threshold, ("CN-PIPL-40-LARGE-PROCESSOR",)
    )
    assert (bar.percent, bar.ratio) == (percent, ratio)


def test_a_ciio_route_is_the_security_assessment_whatever_the_volume() -> None:
    # CBDF Art. 7(1): the CIIO rule has no volume bound, yet it is the route the table implies
    (volume,) = _audit([str(ROOT / "fixtures" / "cn-ciio-bank.yaml")]).volumes
    assert volume.ciio
    assert [(r.rule_id, r.mechanisms) for r in volume.routes] == [
        ("CN-CBDF-7-CIIO-ASSESSMENT", ("cac-security-assessment",))
    ]


def test_before_2024_the_2022_thresholds_are_charted() -> None:
    (volume,) = _audit([EXAMPLE], dt.date(2024, 1, 15)).volumes
    assert [(b.measure, b.threshold) for b in volume.bars] == [
        ("personal", 100000),  # the 2022 Measures count sensitive PI in the 100,000 test
        ("processed", 1000000),  # ... and required an assessment from processors of 1,000,000
        ("sensitive", 10000),
    ]
    assert [r.rule_id for r in volume.routes] == ["CN-CAC-SA-4-ASSESSMENT"]


def test_waivers_findings_and_expiring_of_the_example() -> None:
    audit = _audit([EXAMPLE])
    (w,) = audit.waivers
    assert (w.rule, w.target, w.owner, w.expires_on, w.days_left, w.state) == (
        "EU-GDPR-46-TIA",
        "flows/eu-bookings-to-analytics",
        "dpo@example-travel.example",
        dt.date(2027, 1, 31),
        63,
        "in force",
    )
    assert w.timing == "expires on 2027-01-31 (in 63 days)"
    timings = [
        (d, v.timing)
        for d in (dt.date(2027, 1, 30), dt.date(2027, 1, 31), dt.date(2027, 2, 1), dt.date(2027, 2, 15))
        for v in _audit([EXAMPLE], d).waivers
    ]
    assert timings == [
        (dt.date(2027, 1, 30), "expires on 2027-01-31 (in 1 day)"),
        (dt.date(2027, 1, 31), "expires today (2027-01-31)"),
        (dt.date(2027, 2, 1), "ended on 2027-01-31 (1 day ago)"),
        (dt.date(2027, 2, 15), "ended on 2027-01-31 (15 days ago)"),
    ]
    assert [(f.outcome, f.rule_id, f.target, f.transfers) for f in audit.findings] == [
        ("violation", "CN-CBDF-7-VOLUME-ASSESSMENT", "flows/cn-bookings-to-support", ("T2",)),
        ("violation", "CN-CBDF-7-VOLUME-ASSESSMENT", "systems/booking-db", ("T3",)),
        ("violation", "CN-PIPL-39-SEPARATE-CONSENT", "systems/booking-db", ("T3",)),
        ("violation", "CN-PIPL-55-PIPIA", "systems/booking-db", ("T3",)),
        ("needs_review", "CN-PIPL-39-SEPARATE-CONSENT", "flows/staff-to-hr-hub", ("T1",)),
        ("waived", "EU-GDPR-46-TIA", "flows/eu-bookings-to-analytics", ("T4",)),
    ]
    first = audit.findings[0]
    assert first.citation == "CBDF Art. 7; PIPL Art. 38; CAC-SA Art. 4"
    assert first.remediation.startswith("Apply for a CAC security assessment")
    assert audit.expiring == ()
    # a security assessment approved 2023-12-01 runs 2 years, to 2025-12-01 inclusive (manifest
    # contract): 2 days left on 2025-11-29
    assert _expiring_assessment() == [("cac-security-assessment", dt.date(2025, 12, 1), 2)]


def _expiring_assessment() -> list[tuple[str, dt.date, int]]:
    import tempfile

    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    doc["flows"][0]["mechanisms"].append({"type": "cac-security-assessment", "approved_on": "2023-12-01"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        audit = _audit([str(path)], dt.date(2025, 11, 29))
    return [(e.type, e.expires_on, e.days_left) for e in audit.expiring]


# --- form -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "markdown", "csv"])
def test_byte_identical_twice(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}"
        code, _, err = _run(
            ["report", EXAMPLE, "--as-of", "2026-11-29", "--format", fmt, "-o", str(out)], capsys
        )
        assert (code, err) == (0, "")
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"2026-11-29" in outs[0] or fmt == "csv"


def test_html_is_well_formed_self_contained_and_complete() -> None:
    html = render(_audit([EXAMPLE]), "html")
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    # no network: nothing to fetch, no scripts, no external fonts
    assert re.findall(r"https?://[^\"' )]+", html) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in html and "@import" not in html and "@font-face" not in html
    assert "@media print" in html
    svg = _svg(html)
    systems = svg.findall(f".//{NS}g[@class='system']")
    assert sorted(g.get("data-id") for g in systems) == sorted(
        ["analytics", "booking-db", "eu-booking-db", "hr-hub", "support-desk"]
    )
    transfers = svg.findall(f".//{NS}g[@class='transfer']")
    assert [(g.get("data-ref"), g.get("data-status")) for g in transfers] == [
        ("T1", "needs_review"),
        ("T2", "violation"),
        ("T3", "violation"),
        ("T4", "waived"),
    ]
    assert len(re.findall(r'<tr id="T\d+"', html)) == 4
    for heading in (
        "What was checked",
        "Transfers by regime and outcome",
        "Map of data flows",
        "Transfer register",
        "CN volume position",
        "Findings",
        "Waivers",
        "Mechanisms expiring within 90 days",
    ):
        assert f">{heading}<" in html
    digest = re.search(r"[0-9a-f]{64}", html)
    assert digest is not None


def test_markdown_carries_the_same_content() -> None:
    md = render(_audit([EXAMPLE]), "markdown")
    assert "## Transfer register" in md
    assert "| T2 | cn-bookings-to-support (CN) | Example Travel Ltd (controller), booking-db |" in md
    assert "- T4: DE eu-booking-db → US analytics, 52,000 individuals, waived" in md
    assert "| personal information (not sensitive) | 250,800 | 1,000,000 | 0.25x | no |" in md
    assert "user.financial.bank\\_account (sensitive)" in md
    assert "| EU-GDPR-46-TIA | flows/eu-bookings-to-analytics | dpo@&#8203;example-travel.example |" in md


def test_csv_register_round_trips() -> None:
    text = render(_audit([EXAMPLE]), "csv")
    rows = list(_csv_rows(text))
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 5
    by_ref = {r[0]: dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    assert by_ref["T2"]["status"] == "violation"
    assert by_ref["T2"]["individuals"] == "120000"
    assert (
        by_ref["T2"]["categories"] == "user.contact.email; user.financial.bank_account (sensitive); user.name"
    )
    assert by_ref["T3"]["kind"] == "remote_access"
    assert by_ref["T3"]["destination_system"] == ""
    assert by_ref["T1"]["exemption"] == "hr"
    assert by_ref["T4"]["regimes"] == "EU"
    assert by_ref["T4"]["mechanisms"] == "scc-2021 (from 2025-05-20)"


# --- hostile names --------------------------------------------------------------------------


def _hostile(tmp_path: Path) -> str:
    doc = yaml.safe_load(Path(EXAMPLE).read_text(encoding="utf-8"))
    doc["organization"]["name"] = "<script>alert(1)</script> & Co"
    doc["systems"][2]["operator"]["name"] = '=HYPERLINK("x") "quoted" | pipe'
    doc["flows"][0]["recipient"]["name"] = '=HYPERLINK("x") "quoted" | pipe'
    doc["waivers"][0]["reason"] = "</td></tr><img src=x onerror=alert(1)>"
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_names_from_a_manifest_are_escaped_in_html(tmp_path: Path) -> None:
    html = render(_audit([_hostile(tmp_path)]), "html")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    parser = _Balance()
    parser.feed(html)
    assert parser.errors == []
    _svg(html)  # still well-formed XML


def test_names_from_a_manifest_are_escaped_in_markdown_and_csv(tmp_path: Path) -> None:
    audit = _audit([_hostile(tmp_path)])
    md = render(audit, "markdown")
    assert re.findall(r"(?<!\\)<", md) == []  # every < is escaped
    assert "\\<script\\>" in md
    assert '=HYPERLINK("x") "quoted" \\| pipe' in md
    rows = list(_csv_rows(render(audit, "csv")))
    t2 = dict(zip(CSV_HEADER, rows[2], strict=True))
    assert t2["importer"] == '\'=HYPERLINK("x") "quoted" | pipe'


# --- scale, errors ----------------------------------------------------------------------------


def fifty_systems(tmp_path: Path) -> str:
    """A manifest of 50 systems in 8 jurisdictions with chains of transfers."""
    places = ["alicloud:cn-hangzhou", "aws:eu-central-1", "SG", "US", "HK", "JP", "aws:eu-west-3", "BR"]
    systems = [
        {
            "id": f"sys-{i:02d}",
            "location": places[i % len(places)],
            "operator": {"name": f"Operator {i % 7}", "role": "processor" if i % 3 else "controller"},
            "stores": ["cn-data"] if i == 0 else (["eu-data"] if i == 1 else []),
        }
        for i in range(50)
    ]
    flows = [
        {
            "id": f"flow-{i:02d}",
            "from": f"sys-{i:02d}",
            "to": f"sys-{(i * 7 + 3) % 50:02d}",
            "datasets": ["cn-data" if i % 2 == 0 else "eu-data"],
            "purpose": "essential.service",
            "started_on": "2025-01-01",
            "recipient": {
                "name": f"Operator {((i * 7 + 3) % 50) % 7}",
                "role": "processor",
                "dpf_certified": False,
            },
            "mechanisms": [{"type": "scc-2021", "signed_on": "2024-01-01", "module": 2}],
        }
        for i in range(0, 50, 1)
    ]
    doc = {
        "manifest_version": 1,
        "organization": {
            "name": "Big Org",
            "established_in": ["CN", "DE"],
            "ciio": False,
            "state_organ": False,
        },
        "datasets": [
            {
                "id": "cn-data",
                "categories": ["user.contact.email"],
                "subjects": [{"residency": "CN", "count": 50000}],
                "important_data": False,
                "core_data": False,
            },
            {
                "id": "eu-data",
                "categories": ["user.health_and_medical"],
                "subjects": [{"residency": "DE", "count": 3000}],
                "important_data": False,
                "core_data": False,
            },
        ],
        "systems": systems,
        "flows": flows,
    }
    path = tmp_path / "fifty.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


def test_fifty_systems_map_has_one_node_each_and_no_overlaps(tmp_path: Path) -> None:
    audit = _audit([fifty_systems(tmp_path)])
    html = render(audit, "html")
    svg = _svg(html)
    rects = []
    for g in svg.findall(f".//{NS}g[@class='system']"):
        r = g.find(f"{NS}rect")
        assert r is not None
        rects.append(tuple(float(r.get(k) or 0) for k in ("x", "y", "width", "height")))
    assert len(rects) == 50
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart, (a, b)
    assert len(svg.findall(f".//{NS}g[@class='transfer']")) == len(audit.transfers) >= 10
    width = int(svg.get("width") or 0)
    assert width <= 1600  # scaled to the page width, it stays legible


def test_unusable_input_writes_no_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("manifest_version: 1\n", encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = _run(["report", EXAMPLE, str(bad), "--as-of", "2026-11-29", "-o", str(out)], capsys)
    assert code == 2
    assert str(bad) in err
    assert not out.exists()


def test_a_total_known_only_as_a_range_is_not_settled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 600,000 in China (5,000 of whom leave it) and 600,000 in the US: 600,000 to 1,200,000
    # people processed, so the 2022 regime's 1,000,000 may or may not be reached
    manifest = """\
manifest_version: 1
organization: {name: Acme Ltd, established_in: [CN], ciio: false, state_organ: false}
datasets:
  - {id: cn, categories: [user.name], subjects: [{residency: CN, count: 600000}], important_data: false,
     core_data: false}
  - {id: us, categories: [user.name], subjects: [{residency: US, count: 600000}], important_data: false,
     core_data: false, collected_in: [US]}
systems:
  - {id: db, location: CN, operator: {name: Acme Ltd, role: controller}, stores: [cn, us]}
  - {id: hk, location: HK, operator: {name: Vendor Ltd, role: processor}, stores: []}
flows:
  - {id: f, from: db, to: hk, datasets: [cn], individuals: 5000, purpose: essential.service,
     started_on: 2023-07-01, recipient: {name: Vendor Ltd, role: processor, dpf_certified: false},
     mechanisms: [{type: pipia, completed_on: 2023-06-01}, {type: separate-consent}]}
"""
    path = tmp_path / "m.yaml"
    path.write_text(manifest, encoding="utf-8")
    code, report, _ = _run(["report", "--as-of", "2023-08-01", "--format", "markdown", str(path)], capsys)
    assert code == 0
    assert (
        "| personal information processed (from the largest personal dataset to all added up, wherever "
        "collected) | 600,000 to 1,200,000 | 1,000,000 | 0.60x | not settled: depends on how far datasets "
        "overlap | CN-CAC-SA-4-ASSESSMENT |\n"
    ) in report
    assert (
        "(CN-CAC-SA-4-ASSESSMENT: cac-security-assessment; may apply: a total is known only as a range)"
        in report
    )


@pytest.mark.parametrize("fmt", ["markdown", "csv", "html"])
def test_the_register_names_the_adequacy_decision_a_transfer_rests_on(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Lumora Europe's telemetry to a DPF-certified US vendor records no mechanism: its basis is
    # the adequacy decision, which the register must name for counsel to trace it
    fixture = str(Path(__file__).resolve().parents[1] / "fixtures" / "shenzhen-wearables.yaml")
    code, out, _ = _run(["report", "--as-of", "2026-11-29", "--format", fmt, fixture], capsys)
    basis = "adequacy decision (EU) 2023/1795 for US covers Beaconly Analytics Inc. (DPF-certified)"
    assert code == 0
    if fmt == "csv":
        rows = [dict(zip(CSV_HEADER, r, strict=True)) for r in _csv_rows(out, captured=True)][1:]
        beaconly = [r for r in rows if r["transfer"] == "eu-telemetry-to-beaconly"]
        assert [(r["mechanisms"], r["status"]) for r in beaconly] == [(basis, "compliant")]
        # a transfer with no adequacy decision shows only its mechanisms
        casablanca = [r["mechanisms"] for r in rows if r["transfer"] == "eu-support-to-casablanca"]
        assert casablanca == ["scc-2010 (expired 2022-12-27)"]
    else:
        assert out.count(basis) == 1


def test_the_cn_volume_position_covers_only_organizations_holding_chinese_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = Path(__file__).resolve().parents[1] / "fixtures"
    eu_only = str(root / "eu-outdoor-shop.yaml")
    code, out, _ = _run(["report", "--as-of", "2026-11-29", "--format", "markdown", eu_only], capsys)
    assert code == 0
    assert "## CN volume position\n\nNo organization checked holds data collected in mainland China.\n" in out
    both = [eu_only, str(root / "shenzhen-wearables.yaml")]
    code, out, _ = _run(["report", "--as-of", "2026-11-29", "--format", "markdown", *both], capsys)
    volume = out.split("## CN volume position")[1].split("## Findings")[0]
    assert (code, re.findall(r"^### (.+)$", volume, re.M)) == (0, ["Lumora Technology Co., Ltd."])


def test_each_remote_access_row_carries_only_its_own_findings(tmp_path: Path) -> None:
    # two accesses to one CN system: India's is covered by a filed standard contract, Singapore's
    # has no route at all; the register must not lend Singapore's violation to India's row
    manifest = """\
manifest_version: 1
organization: {name: Probe CN Co, established_in: [CN], ciio: false, state_organ: false}
datasets:
  - {id: contacts, categories: [user.name], subjects: [{residency: CN, count: 150000}],
     important_data: false, core_data: false}
systems:
  - id: crm
    location: CN
    operator: {name: Probe CN Co, role: controller}
    stores: [contacts]
    access_from:
      - location: IN
        mechanisms:
          - {type: cn-standard-contract, signed_on: 2025-01-10, filed_on: 2025-01-20}
          - {type: pipia, completed_on: 2024-12-20}
          - {type: separate-consent}
      - location: SG
        mechanisms: [{type: pipia, completed_on: 2024-12-20}, {type: separate-consent}]
flows: []
"""
    path = tmp_path / "m.yaml"
    path.write_text(manifest, encoding="utf-8")
    audit = _audit([str(path)])
    rows = [(t.ref, t.name, t.status, t.findings) for t in audit.transfers]
    assert rows == [
        ("T1", "remote access to crm from IN", "compliant", ()),
        ("T2", "remote access to crm from SG", "violation", ("CN-CBDF-8-CONTRACT-OR-CERT (violation)",)),
    ]
    assert [(f.rule_id, f.transfers) for f in audit.findings] == [("CN-CBDF-8-CONTRACT-OR-CERT", ("T2",))]


def test_the_csv_file_opens_in_excel_as_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # bytes on disk: a UTF-8 byte-order mark (else Excel reads the local code page and garbles
    # Chinese names), CRLF record ends (RFC 4180)
    out = tmp_path / "register.csv"
    code, _, _ = _run(["report", "--as-of", "2026-11-29", "--format", "csv", "-o", str(out), EXAMPLE], capsys)
    data = out.read_bytes()
    assert code == 0
    assert data.startswith(b"\xef\xbb\xbfref,file,kind,transfer,")
    assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n") == 5
    assert [r[0] for r in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))] == [
        "ref", "T1", "T2", "T3", "T4"
    ]  # fmt: skip
