"""The audit report in a real browser: Debian's headless Chromium, started with networking off.

For every fixture manifest: no console messages (the page has no scripts, so any message is a
failed load or a CSP/markup error), the rendered DOM has the map with one node per system and
the register's rows, a screenshot is taken and printing to PDF works. Screenshots go to
``$AUDIT_SCREENSHOTS`` when set (CI keeps them as build artefacts), else the test's temp dir.
Skipped where Chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from compliance.audit.render import render
from compliance.audit.view import from_manifests
from compliance.facts import ManifestFacts
from compliance.run import shipped_packs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.yaml"))
CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def _offline() -> list[str]:
    """A prefix that starts the browser in a new network namespace (no network at all), when
    this user may create one; the resolver rule below refuses every host name either way."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        *_offline(),
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={cwd / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_report_renders_in_headless_chromium(fixture: Path, tmp_path: Path) -> None:
    _, audit = from_manifests([str(fixture)], shipped_packs(None, ()), dt.date(2026, 11, 29))
    assert audit is not None
    page = tmp_path / "report.html"
    page.write_text(render(audit, "html"), encoding="utf-8")
    url = page.as_uri()

    dom = _chromium("--dump-dom", url, cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert re.findall(r":CONSOLE[^\n]*", dom.stderr) == []
    html = dom.stdout
    n_systems = sum(len(mf.loaded.manifest.systems) for mf in _facts(fixture))
    assert len(re.findall(r'<g class="system"', html)) == n_systems
    assert len(re.findall(r'<tr id="T\d+"', html)) == len(audit.transfers)
    assert len(re.findall(r'<g class="transfer"', html)) == len(audit.transfers)
    for v in audit.volumes:
        assert f"{v.sensitive:,}" in html and f"{v.non_sensitive:,}" in html

    shots = Path(os.environ.get("AUDIT_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"{fixture.stem}.png"
    run = _chromium("--window-size=1400,2400", f"--screenshot={shot}", url, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page compresses to a few KB

    pdf = tmp_path / "report.pdf"
    run = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", url, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes())) >= 2


def _facts(fixture: Path) -> list[ManifestFacts]:
    from compliance.facts import build_facts
    from compliance.run import load_manifests

    loaded, problems = load_manifests([str(fixture)])
    assert problems == []
    return list(build_facts(loaded, dt.date(2026, 11, 29)))
