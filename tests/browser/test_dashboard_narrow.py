"""The dashboard an auditor can read (issue 10 item 12), in Chromium: nothing scrolls sideways
at 390 px, every chart has a legend, labels are whole and inside their chart."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from builder.store.database import Store, resolve_database_url
from tests.reports_data import AS_OF, MANIFEST, make_project, populate, run

LONG = "Recognising phishing, pretexting and other social engineering in email, chat and calls"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project")
    manifest = copy.deepcopy(MANIFEST)
    manifest["modules"]["phishing"]["title"] = LONG
    manifest["settings"]["organisation"] = "Acme Payments Ltd"
    (project / ".trustpath" / "manifest.json").write_text(json.dumps(manifest))
    url = resolve_database_url(tmp_path, str(tmp_path / "records.db"))
    store = Store(url)
    store.migrate()
    populate(store)
    store.close()
    out = tmp_path / "report.html"
    result = run(project, url, "dashboard", "-o", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return out


def test_cover_block_titles_and_counts(report: Path) -> None:
    text = report.read_text("utf-8")
    cover = text.split('<dl class="cover"')[1].split("</dl>")[0]
    for label in ("Organisation", "As of", "Generated at", "Content commit", "Ledger head",
                  "Verify", "Not on the roster"):  # fmt: skip
        assert f"<dt>{label}</dt>" in cover
    assert "Acme Payments Ltd" in cover and "2026-06-15" in cover and "abc1234" in cover
    # 6 roster entries, 13 records and 2 publications; every projection re-derived
    assert "ledger ok: 21 rows, head 21:" in cover and "projections ok" in cover
    assert LONG.split(",")[0] in text  # module titles, not ids
    assert "Prompt of gift-cards?" in text  # question prompts, not ids


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_dashboard_fits_and_labels_are_whole(report: Path, width: int) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            scroll = page.evaluate(
                "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
            )
            assert scroll[0] <= scroll[1], f"scrolls sideways at {width}px: {scroll}"
            charts = page.locator("svg.chart")
            assert charts.count() >= 5
            without_legend = page.evaluate(
                """() => [...document.querySelectorAll('svg.chart')]
                   .filter(svg => !svg.closest('section').querySelector('.legend'))
                   .map(svg => svg.getAttribute('aria-label'))"""
            )
            assert without_legend == []
            outside = page.evaluate(
                """() => [...document.querySelectorAll('svg.chart text')].filter(t => {
                     const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
                     return box.x < -0.5 || box.y < -0.5 || box.x + box.width > view.width + 0.5
                       || box.y + box.height > view.height + 0.5;
                   }).map(t => t.textContent)"""
            )
            assert outside == []
            labels = page.eval_on_selector_all("svg.chart text", "ts => ts.map(t => t.textContent)")
            assert not any("…" in label for label in labels)
            assert "".join(labels).replace(" ", "").find(LONG.replace(" ", "")) >= 0
        finally:
            browser.close()
