"""GitHub workflow-command annotations: exact lines, escaping, order and the closing total."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_formats_sample import sample_report

from compliance.errors import Problem
from compliance.findings import Report
from compliance.formats import RenderOptions, render
from compliance.formats.github import command, escape_data, escape_property

EXPECTED = """\
::error file=data flows/bücher #1.yaml,line=28,col=5,title=TEST-EU-TOOL [GDPR Art. 44]::violation high on flows/crm-to-remote: A transfer out of the EEA needs a transfer tool: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers holds personal information; adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not; no scc-2021 in force on 2025-12-01
::error file=data flows/bücher #1.yaml,line=28,col=5,title=TEST-EU-REVIEW [GDPR Art. 46]::needs review low on flows/crm-to-remote: Every transfer out of the EEA is reviewed: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers holds personal information
::notice file=data flows/bücher #1.yaml,line=45,col=5,title=NOTICE-WAIVER-EXPIRING::notice low on flows/crm-to-tokyo: A waiver expires within 90 days: the waiver of TEST-EU-REVIEW expires on 2026-01-15 (45 days)
dataflow-compliance: 1 violation, 1 needing review, 1 waived, 1 notice, 0 input problems in 1 file as of 2025-12-01 (fail-on low: failed)
"""  # noqa: E501


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return sample_report(tmp_path)


def test_exact_output(report: Report) -> None:
    assert render("github", report, RenderOptions()) == EXPECTED


def test_below_the_gate_is_a_warning(report: Report) -> None:
    lines = render("github", report, RenderOptions(fail_on="medium")).splitlines()
    assert [line.split(" ")[0] for line in lines[:-1]] == ["::error", "::warning", "::notice"]
    assert lines[-1].endswith("(fail-on medium: failed)")


def test_escaping() -> None:
    assert escape_data("100%\r\na:b,c") == "100%25%0D%0Aa:b,c"
    assert escape_property("100%\r\na:b,c") == "100%25%0D%0Aa%3Ab%2Cc"
    assert command("error", "x,y: 5%\nz", "a,b:c.yaml", 3, 7, "R [GDPR Art. 44, 46]") == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=R [GDPR Art. 44%2C 46]::x,y: 5%25 z"
    )
    assert command("error", "Yankee\x1b[31mRED\rX\u202e", "a\x1b.yaml", 1, 1, "R\x9b") == (
        "::error file=a\\x1b.yaml,line=1,col=1,title=R\\x9b::Yankee\\x1b[31mRED\\x0dX\\u202e"
    )
    assert command("notice", "m", "", None, None, "t") == "::notice title=t::m"
    # a file name's line breaks are escaped as the runner reads them back, so it finds the file
    assert command("error", "m", "new\nline\r.yaml", 2, 1, "t") == (
        "::error file=new%0Aline%0D.yaml,line=2,col=1,title=t::m"
    )


def test_unusable_file_comes_first(report: Report) -> None:
    report.errors.append(Problem("bad.yaml", 4, 9, "flows[0].to: unknown system 'x'"))
    lines = render("github", report, RenderOptions()).splitlines()
    assert lines[0] == "::error file=bad.yaml,line=4,col=9,title=unusable::flows[0].to: unknown system 'x'"
    assert "1 input problem in" in lines[-1] and lines[-1].endswith("(fail-on low: unusable input)")
