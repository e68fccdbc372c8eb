"""Markdown in explanations and per-choice feedback, in Chromium: after a failed attempt the
page shows what the build rendered (code as <code>, emphasis, author HTML as text, a
`javascript:` link without its target), inserted under the site's CSP with no console error,
and the answer key is still nowhere in the published site."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from builder.lifecycle.roster import parse_roster
from builder.site.build import build_site
from builder.store.database import Store
from builder.store.queries import import_roster
from builder.web.server import ServeConfig, build_app
from tests.serving import RunningApp, free_port
from tests.sitefixture import copy_fixture

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
EXPLAIN = (
    'explain: "Use the **Report** button or forward it to `phish-desk`; <b>never</b> reply. '
    '[Why](javascript:alert(1))"'
)
FEEDBACK = "feedback: Ignoring it leaves `others` at *risk*"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


def test_a_failed_attempt_shows_explanations_and_feedback_as_markdown(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    intro = root / "content/basics/intro.md"
    text = intro.read_text("utf-8")
    text = text.replace("explain: EXPLAIN-ZQX-REPORT-9902", EXPLAIN)
    intro.write_text(text.replace("feedback: FEEDBACK-ZQX-IGNORE-7731", FEEDBACK), "utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    built = build_site(root, site_url=url)
    published = "".join(
        p.read_text("utf-8", errors="replace") for p in built.site_dir.rglob("*") if p.is_file()
    )
    for secret in ("phish-desk", "Ignoring it leaves", "ZQX"):
        assert secret not in published, f"{secret!r} is in the published site"
    database = f"sqlite:///{tmp_path / 'records.db'}"
    store = Store(database)
    store.migrate()
    roster = "email,name,department,roles,start_date,end_date,status,employment\n"
    today = dt.date.today()
    roster += f"ada@example.com,Ada Example,Operations,operator,{today},,active,employee\n"
    import_roster(store, parse_roster(roster, {"everyone", "operator"}, source="r.csv"), today)
    store.close()
    serve = ServeConfig(
        database_url=database, manifest_path=str(built.manifest_path), site_dir=str(built.site_dir)
    )
    errors: list[str] = []
    with RunningApp(build_app(serve), port), playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page: Any = browser.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.add_init_script(
            f"localStorage.setItem('trustpath.user', {json.dumps('ada@example.com')})"
        )
        page.goto(url + "basics/intro/")
        page.wait_for_selector("form.trustpath-quiz[data-drawn]", state="attached")
        page.locator('input[value="ignore"]').check()
        page.locator('input[value="true"]').check()
        page.get_by_role("button", name="Submit answers").click()
        expect(page.locator(".trustpath-quiz-result")).to_contain_text("not passed yet")
        result = page.locator('[data-question="report-where"] .trustpath-question-result')
        explain = result.locator("p.trustpath-explain").last
        expect(explain.locator("code")).to_have_text("phish-desk")
        expect(explain.locator("strong")).to_have_text("Report")
        expect(explain).to_have_text(
            "Use the Report button or forward it to phish-desk; <b>never</b> reply. Why"
        )
        assert explain.locator("b").count() == 0  # author HTML stays text
        assert explain.locator("a").get_attribute("href") is None  # javascript: refused
        feedback = result.locator("p.trustpath-explain").first
        expect(feedback.locator("code")).to_have_text("others")
        expect(feedback.locator("em")).to_have_text("risk")
        expect(feedback).to_have_text("Ignore it <b>quietly</b>: Ignoring it leaves others at risk")
        assert "`" not in result.inner_text()
        assert "**" not in result.inner_text()
        browser.close()
    assert errors == []
