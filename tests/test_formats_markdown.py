"""Markdown summary: exact document, escaping and GitHub's comment size limit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from test_formats_sample import sample_report

from compliance.errors import Problem
from compliance.findings import Report, UnusedWaiver
from compliance.formats import RenderOptions, markdown, render

EXPECTED = r"""## dataflow-compliance: failed

1 of 1 file checked against 2 rules as of 2025-12-01; the run fails on violations and reviews of severity low or above.

| Outcome | Findings |
| --- | ---: |
| Violation | 1 |
| Needs review | 1 |
| Waived | 1 |
| Notice | 1 |

### data flows/bücher \#1.yaml

- **Needs review** · low · `TEST-EU-REVIEW` on flows/crm-to-remote (line 28, column 5) · GDPR Art. 46
  Every transfer out of the EEA is reviewed
  - flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
  - customers holds personal information
- **Violation** · high · `TEST-EU-TOOL` on flows/crm-to-remote (line 28, column 5) · GDPR Art. 44
  A transfer out of the EEA needs a transfer tool
  - flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
  - customers holds personal information
  - adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not
  - no scc-2021 in force on 2025-12-01
- **Waived** · low · `TEST-EU-REVIEW` on flows/crm-to-tokyo (line 36, column 5) · GDPR Art. 46
  Every transfer out of the EEA is reviewed
  - flow crm-to-tokyo is a transfer of customers from DE to Tokyo KK in JP, outside the EEA
  - customers holds personal information
  - waived until 2026-01-15 by dpo@&#8203;beispiel.example: Reviewed in ticket \#42: 100% internal, see \<notes\>
- **Notice** · low · `NOTICE-WAIVER-EXPIRING` on flows/crm-to-tokyo (line 45, column 5)
  A waiver expires within 90 days
  - the waiver of TEST-EU-REVIEW expires on 2026-01-15 (45 days)

"""  # noqa: E501


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return sample_report(tmp_path)


def test_exact_output(report: Report) -> None:
    assert render("markdown", report, RenderOptions()) == EXPECTED


def test_escape() -> None:
    assert markdown.escape("<img src=x> | *a*\n[b](c)") == "\\<img src=x\\> \\| \\*a\\* \\[b\\](c)"
    assert markdown.escape("Yankee\x1b[31mRED\x1b[0m\rOVERWRITE\tInc\x9b") == (
        "Yankee\\\\x1b\\[31mRED\\\\x1b\\[0m\\\\x0dOVERWRITE Inc\\\\x9b"
    )


def test_stays_under_the_comment_limit(report: Report) -> None:
    many = dataclasses.replace(report, findings=report.findings * 3000)
    text = render("markdown", many, RenderOptions())
    assert markdown.MAX_CHARS - 2000 < len(text) <= markdown.MAX_CHARS == 65_536
    assert "more findings left out to stay under GitHub's limit for a comment (65,536 characters)" in text
    shown = text.count("\n- **")
    left = int(text.rsplit("_", 2)[-2].split(" ")[0])
    assert shown + left == len(many.findings)


def test_unusable_files_are_listed_up_to_the_limit_and_counted_past_it(report: Report) -> None:
    # the problems were one block: over the limit, it went whole and the note counted 0 findings
    problems = [
        Problem(f"dataflows/m{i}.json", 3, 29, "flows[0].started_on: not a calendar date")
        for i in range(1000)
    ]
    many = dataclasses.replace(report, errors=problems, findings=report.findings * 2)
    text = render("markdown", many, RenderOptions())
    assert len(text) <= markdown.MAX_CHARS
    listed = text.count("- dataflows/m")
    assert 500 < listed < 1000
    assert text.endswith(
        f"\n_{1000 - listed} more problems of unusable files and {len(many.findings)} more findings left out "
        "to stay under GitHub's limit for a comment (65,536 characters); see the JSON or SARIF report "
        "for all of them._\n"
    )


def test_the_note_counts_unused_waivers_left_out(report: Report) -> None:
    assert report.unused_waivers == []
    waiver = UnusedWaiver("m.yaml", 40, 5, "TEST-EU-TOOL", "flows/x", dt.date(2027, 1, 1))
    many = dataclasses.replace(report, findings=report.findings * 3000, unused_waivers=[waiver])
    text = render("markdown", many, RenderOptions())
    assert "more findings and 1 more unused waiver left out" in text


HOSTILE_NAME = (
    "https://evil.example/login www.evil.example _https://u.example _www.u.example @octocat &commat;octocat "
    "[x](https://y.example) <b>z</b> dpo@example.com mailto:m@example.com"
)


@pytest.mark.parametrize("command", ["check", "report"])
def test_github_renders_no_link_or_mention_from_manifest_text(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # rendered with cmark-gfm, GitHub's renderer: the only links are the tool's own, and no
    # `@name` stays where GitHub would notify that user
    import cmarkgfm
    from test_cli import run

    text = f"""\
manifest_version: 1
organization: {{name: Beispiel GmbH, established_in: [DE], ciio: false, state_organ: false}}
datasets:
  - {{id: customers, categories: [user.name], subjects: [{{residency: DE, count: 10}}], important_data: false,
     core_data: false}}
systems:
  - {{id: crm, location: DE, operator: {{name: Beispiel GmbH, role: controller}}, stores: [customers]}}
  - {{id: vendor, location: IN, operator: {{name: "{HOSTILE_NAME}", role: processor}}, stores: []}}
flows:
  - {{id: crm-to-vendor, from: crm, to: vendor, datasets: [customers], purpose: essential.service,
     started_on: 2025-02-01, recipient: {{name: "{HOSTILE_NAME}", role: processor, dpf_certified: false}},
     mechanisms: []}}
"""
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    args = ["--as-of", "2026-06-01", "--format", "markdown", str(path)]
    code, out, err = run(capsys, command, *args)
    assert code == (1 if command == "check" else 0), err
    assert "evil.example" in out
    html = cmarkgfm.github_flavored_markdown_to_html(out)
    links = re.findall(r'<a href="([^"]*)"', html)
    assert not [link for link in links if "example" in link]  # mailto: links included
    assert "<b>" not in html
    assert not re.search(r"@octocat", html)  # nor from a character reference (&commat;)
    assert "@\u200boctocat" in html  # shown, with a zero-width space after the @
