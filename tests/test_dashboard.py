"""The dashboard: one self-contained HTML file; charts render in Chromium; nothing is fetched."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from builder.reports.charts import esc, hbar_chart, heatmap
from builder.store.database import Store, resolve_database_url
from tests.reports_data import AS_OF, XSS, make_project, populate, run

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture
def report(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project")
    url = resolve_database_url(tmp_path, str(tmp_path / "records.db"))
    store = Store(url)
    store.migrate()
    populate(store)
    store.close()
    out = tmp_path / "report.html"
    result = run(project, url, "dashboard", "-o", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    return out


def test_escape_helper_and_chart_labels() -> None:
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    svg = hbar_chart([(XSS, 0.5, "50%")], "t")
    assert "<img" not in svg and html.escape(XSS) in svg
    grid = heatmap(["CC1.1"], ["<b>"], {("CC1.1", "<b>"): "gap"}, "g")
    assert "<b>" not in grid and 'class="mark cell gap"' in grid


def test_dashboard_is_self_contained(report: Path) -> None:
    text = report.read_text("utf-8")
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    assert "@media print" in text
    assert html.escape(XSS) in text and XSS not in text
    for heading in ("Completion by department", "Items due per week", "Pass rate per module",
                    "Most-missed questions", "Criteria × roles coverage",
                    "Stale content (review date passed)", "On leave or exempt"):  # fmt: skip
        assert f"<h2>{esc(heading)}</h2>" in text
    assert "board member" in text  # exempt, listed apart with the reason
    assert ">Phishing<" in text.split("Stale content")[1]  # review_by 2026-03-31 < as-of


@pytest.mark.browser
def test_dashboard_renders_in_chromium_without_requests(report: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    dialogs: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            charts = page.locator("svg.chart")
            assert charts.count() >= 5
            for i in range(charts.count()):
                assert charts.nth(i).locator(".mark").count() > 0, f"chart {i} has no marks"
            widths = page.eval_on_selector_all(
                "svg.chart rect.mark", "els => els.map(e => e.getBBox().width)"
            )
            assert any(w > 0 for w in widths)
            assert page.locator("img").count() == 0
            assert page.get_by_text(XSS).count() >= 1  # the roster name shows as text
            page.emulate_media(media="print")
            assert page.locator("svg.chart").first.is_visible()
        finally:
            browser.close()
    assert requests == [report.as_uri()]
    assert dialogs == []
