"""Issue 14 in Chromium: the site as an employee uses it, reached by links and by reload.

The fixture project (plus an offboarding module and the organisation's time zone) is built by
`build_site` and served with the real records service (SQLite, `open` identity) by uvicorn on
loopback. Every person who submits has their own email (attempts are limited per person).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from builder.lifecycle.clock import OrgClock
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
ZONE = "Pacific/Auckland"  # far from UTC: a day in the organisation's zone is not UTC's
PEOPLE = [
    "ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lee", "max",
    "ned", "oli", "pat", "quin", "ros", "sam", "tia",
]  # fmt: skip
LEAVING = """---
id: leaving
title: Leaving the company
version: 1
criteria: [CC2.2]
roles: [everyone]
when: [offboarding]
duration: 5
acknowledge:
  statement: I will return my laptop and badge.
---
# Leaving the company

Hand everything back.
"""
PAGES = {  # the five page types
    "home": "",
    "path": "paths/operator/",
    "module": "basics/intro/",
    "my-training": "my-training/",
    "criteria": "criteria/",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@dataclass
class Site:
    url: str
    store: Store
    browser: Any
    today: dt.date
    errors: list[str] = field(default_factory=list)

    def records(self, kind: str) -> list[Any]:
        return [r for r in self.store.iter_rows() if r.kind == kind]

    def person_id(self, email: str) -> str:
        found = self.store.person(email)
        assert found is not None
        return str(found["person_id"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    tmp = tmp_path_factory.mktemp("training-site")
    root = copy_fixture(tmp / "project")
    (root / "content/ops/leaving.md").write_text(LEAVING, "utf-8")
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "roles_dir: roles", f"roles_dir: roles\n      timezone: {ZONE}"
        )
    )
    built = build_site(root, site_url=url)
    database = f"sqlite:///{tmp / 'records.db'}"
    store = Store(database)
    store.migrate()
    today = OrgClock(ZONE).today()
    rows = "".join(
        f"{p}@example.com,{p.title()} Example,Operations,operator,{today},,active,employee\n"
        for p in PEOPLE
    )
    ends = today + dt.timedelta(days=10)
    leaver = f"uma@example.com,Uma Leaving,Operations,operator,{today},{ends},active,employee\n"
    roster = "email,name,department,roles,start_date,end_date,status,employment\n" + rows + leaver
    import_roster(store, parse_roster(roster, {"everyone", "operator"}, source="r.csv"), today)
    serve = ServeConfig(
        database_url=database, manifest_path=str(built.manifest_path), site_dir=str(built.site_dir)
    )
    with RunningApp(build_app(serve), port), playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield Site(url, store, browser, today)
        browser.close()
    store.close()


def new_page(site: Site, width: int = 1280, scheme: str = "light") -> Any:
    context = site.browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: site.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: site.errors.append(f"page error: {e}"))
    return page


@pytest.fixture
def page(site: Site) -> Iterator[Any]:
    site.errors.clear()
    page = new_page(site)
    yield page
    page.context.close()


def sign_in(page: Any, email: str) -> None:
    """Sign in through the banner's email box, as a person would."""
    page.locator("#tp-email").fill(email)
    page.locator("#trustpath-banner").get_by_role("button", name="Continue").click()
    expect(page.locator("#trustpath-banner")).to_contain_text(f"Signed in as {email}")


def signed_in(page: Any, email: str) -> None:
    page.add_init_script(f"localStorage.setItem('trustpath.user', {json.dumps(email)})")


def drawn(page: Any) -> None:
    page.wait_for_selector("form.trustpath-quiz[data-drawn]", state="attached")


def answer_intro(page: Any) -> None:
    page.get_by_label("Forward it to security").check()
    page.get_by_label("False", exact=True).check()


def nav_links(page: Any) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href]", "as => as.map((a) => a.href)"
    )
    return sorted({h.split("#")[0] for h in hrefs})


def settled(page: Any) -> None:
    """The banner and, on pages with status, the status are filled in."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("#trustpath-banner")).to_contain_text("Signed in as")
    if page.locator("#trustpath-me").count():
        expect(page.locator("#trustpath-me")).to_contain_text("modules done")


def test_every_page_by_link_by_reload_and_back_with_no_console_error(page: Any, site: Site) -> None:
    signed_in(page, "ada@example.com")
    page.goto(site.url)
    settled(page)
    page.evaluate("window.__no_reload = true")
    links = nav_links(page)
    assert len(links) >= 9, links  # home, criteria, My training, 4 modules, 2 paths
    for href in links:
        page.locator(f'nav.md-nav--primary a.md-nav__link[href="{href}"]').first.click()
        page.wait_for_url(href)
        settled(page)
        assert page.evaluate("window.__no_reload === true"), f"{href}: a full page load"
        if href.endswith("/my-training/"):  # the table has titles and links, not raw ids
            me = page.locator("#trustpath-me")
            expect(me.get_by_role("link", name="Being on call")).to_have_attribute(
                "href", site.url + "ops/on-call/"
            )
        if href.endswith("/basics/intro/"):
            drawn(page)
    for href in links:
        page.goto(href)
        settled(page)
        page.reload()
        settled(page)
    page.go_back()
    settled(page)
    page.go_forward()
    settled(page)
    assert site.errors == []


def test_before_sign_in_pages_say_so_and_the_skip_link_reaches_the_prompt(
    page: Any, site: Site
) -> None:
    page.goto(site.url + "paths/operator/")
    status = page.locator('.trustpath-status[data-module="on-call"]')
    expect(status).to_have_text("Sign in to see your status.")
    page.goto(site.url)
    expect(page.locator("#trustpath-me")).to_have_text("Sign in to see your status.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to sign-in"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "tp-email"
    page.keyboard.type("bob@example.com")
    page.keyboard.press("Enter")
    expect(page.locator("#trustpath-me")).to_contain_text("0 of 3 modules done")
    focused = page.evaluate("document.activeElement.closest('#trustpath-banner') !== null")
    assert focused, "focus left the banner after signing in"
    assert site.errors == []


def test_status_updates_in_place_and_says_what_is_left(page: Any, site: Site) -> None:
    signed_in(page, "cy@example.com")
    page.goto(site.url + "basics/intro/")
    drawn(page)
    header = page.locator(".trustpath-status-line")
    expect(header.locator(".trustpath-status")).to_contain_text("Upcoming, due")
    page.get_by_role("button", name="I acknowledge this statement").click()
    expect(page.locator(".trustpath-ack-status")).to_contain_text("Acknowledged on")
    expect(header).to_contain_text("Acknowledged; quiz still to pass.")
    assert "record" not in page.locator(".trustpath-ack-status").inner_text()
    answer_intro(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".trustpath-quiz-result")).to_contain_text("passed")
    expect(header.locator(".trustpath-status")).to_contain_text("Done on")
    expect(header.locator(".trustpath-left")).to_have_text("")
    nxt = page.locator(".trustpath-quiz-result").get_by_role("link", name=re.compile("Next module"))
    expect(nxt).to_have_text("Next module: Second steps")
    nxt.click()
    page.wait_for_url(re.compile(r"/basics/second/$"))
    page.goto(site.url)  # home: the path with its progress
    me = page.locator("#trustpath-me")
    expect(me).to_contain_text("1 of 3 modules done")
    assert me.locator("progress").get_attribute("value") == "1"
    expect(me).to_contain_text("Your role: Operator <ops>")
    expect(me.get_by_role("link", name="Next module: Second steps")).to_be_visible()
    assert site.errors == []


def test_an_acknowledgement_is_remembered_and_cannot_be_sent_twice(page: Any, site: Site) -> None:
    signed_in(page, "dee@example.com")
    page.goto(site.url + "ops/on-call/")
    before = len(site.records("ack"))
    page.get_by_role("button", name="I acknowledge this statement").click()
    expect(page.locator(".trustpath-ack-status")).to_contain_text("Acknowledged on")
    expect(page.get_by_role("button", name="I acknowledge this statement")).to_be_hidden()
    page.reload()
    day = f"{site.today:%b} {site.today.day}, {site.today.year}"
    expect(page.locator(".trustpath-ack-status")).to_have_text(
        f"You acknowledged version 1 on {day}."
    )
    expect(page.get_by_role("button", name="I acknowledge this statement")).to_be_hidden()
    assert len(site.records("ack")) == before + 1
    # the statement reads as a paragraph, not broken at the YAML's line ends
    statement = page.locator(".trustpath-ack-statement p")
    expect(statement).to_have_text("I will follow the incident runbook when I am paged.")


def test_drafts_survive_reload_and_navigation_and_leave_after_grading(
    page: Any, site: Site
) -> None:
    signed_in(page, "eve@example.com")
    page.goto(site.url + "basics/intro/")
    drawn(page)
    page.get_by_label("Forward it to security").check()
    page.reload()
    drawn(page)
    expect(page.get_by_label("Forward it to security")).to_be_checked()
    page.locator("nav.md-nav--primary").get_by_role("link", name="Second steps").click()
    page.wait_for_url(re.compile(r"/basics/second/$"))
    page.locator("nav.md-nav--primary").get_by_role("link", name="Introduction to security").click()
    page.wait_for_url(re.compile(r"/basics/intro/$"))
    drawn(page)
    expect(page.get_by_label("Forward it to security")).to_be_checked()
    page.get_by_label("False", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".trustpath-quiz-result")).to_contain_text("You scored 100%")
    drafts = page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('trustpath.draft.'))"
    )
    assert drafts == []
    page.reload()  # a revisit shows the last result
    drawn(page)
    result = page.locator(".trustpath-quiz-result")
    expect(result).to_contain_text("You passed this quiz on")
    expect(result).to_contain_text("Your last result here: 100%, passed.")
    expect(page.get_by_label("Forward it to security")).not_to_be_checked()


def test_switching_identity_clears_results_drafts_and_statuses(page: Any, site: Site) -> None:
    page.goto(site.url + "basics/intro/")
    sign_in(page, "fay@example.com")
    drawn(page)
    answer_intro(page)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".trustpath-quiz-result")).to_contain_text("You scored 100%")
    page.get_by_label("Kind").select_option("concern")
    page.get_by_label("Your message").fill("Fay's draft message")
    page.locator("#trustpath-banner").get_by_role("button", name="Not you? Sign out").click()
    expect(page.locator(".trustpath-quiz-result")).to_have_text("")
    expect(page.locator(".trustpath-question-result").first).to_have_text("")
    assert page.locator(".trustpath-question.is-right").count() == 0
    assert page.locator(".trustpath-quiz input:checked").count() == 0
    expect(page.locator(".trustpath-status-line .trustpath-status")).to_have_text(
        "Sign in to see your status."
    )
    expect(page.get_by_label("Your message")).to_have_value("")
    # a second person picks an answer; the first person's draft never shows for them
    sign_in(page, "gus@example.com")
    drawn(page)
    page.get_by_label("Forward it to security").check()
    expect(page.locator(".trustpath-status-line .trustpath-status")).to_contain_text("Upcoming")
    page.locator("#trustpath-banner").get_by_role("button", name="Not you? Sign out").click()
    sign_in(page, "fay@example.com")
    drawn(page)
    assert page.locator(".trustpath-quiz input:checked").count() == 0  # Fay's was cleared
    expect(page.locator(".trustpath-status-line")).to_contain_text(
        "Quiz passed; acknowledgement still to sign."
    )
    assert site.errors == []


def test_the_offline_queue_sends_as_the_person_who_submitted(page: Any, site: Site) -> None:
    page.goto(site.url + "basics/intro/")
    sign_in(page, "hal@example.com")
    drawn(page)
    page.route("**/api/attempts", lambda route: route.abort("internetdisconnected"))
    answer_intro(page)
    page.get_by_role("button", name="Submit answers").click()
    result = page.locator(".trustpath-quiz-result")
    expect(result).to_contain_text("cannot be reached")
    queued = page.evaluate("JSON.parse(localStorage.getItem('trustpath.queue'))")
    assert [item["who"]["email"] for item in queued] == ["hal@example.com"]
    page.locator("#trustpath-banner").get_by_role("button", name="Not you? Sign out").click()
    expect(result).to_have_text("")
    sign_in(page, "ivy@example.com")
    drawn(page)
    page.unroute("**/api/attempts")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => localStorage.getItem('trustpath.queue') === '[]'")
    attempt = [r for r in site.records("attempt") if r.client_id == queued[0]["id"]]
    assert [r.person_id for r in attempt] == [site.person_id("hal@example.com")]
    expect(result).to_have_text("")  # Hal's result is not shown to Ivy
    expect(page.locator(".trustpath-status-line .trustpath-status")).to_contain_text("Upcoming")


def test_a_queued_submission_that_says_not_whose_it_is_is_dropped_with_a_message(
    page: Any, site: Site
) -> None:
    signed_in(page, "jo@example.com")
    legacy = [{"id": "00000000-0000-4000-8000-000000000001", "path": "/acknowledgements",
               "body": {"ack_id": "00000000-0000-4000-8000-000000000001", "module": "on-call",
                        "version": 1, "statement_sha256": "0" * 64}}]  # fmt: skip
    page.add_init_script(
        f"localStorage.setItem('trustpath.queue', {json.dumps(json.dumps(legacy))})"
    )
    before = len(site.records("ack"))
    page.goto(site.url + "ops/on-call/")
    expect(page.locator("#trustpath-banner [role=alert]")).to_contain_text(
        "Your acknowledgement saved on this device was not sent: it does not say who made it."
    )
    assert len(site.records("ack")) == before


def test_my_training_counts_what_the_reports_count(page: Any, site: Site) -> None:
    signed_in(page, "kim@example.com")
    page.goto(site.url + "my-training/")
    me = page.locator("#trustpath-me")
    expect(me).to_contain_text("0 of 3 modules done")  # the offboarding module: no end date
    assert me.get_by_role("link", name="Leaving the company").count() == 0
    page.goto(site.url + "ops/leaving/")
    expect(page.locator(".trustpath-status-line .trustpath-status")).to_have_text("When you leave")
    page.goto(site.url + "paths/operator/")
    due = page.locator('.trustpath-status[data-module="intro"] time')
    onboarding = site.today + dt.timedelta(days=30)  # a day in Pacific/Auckland
    assert due.get_attribute("datetime") == onboarding.isoformat()
    # once an end date is on the roster, the offboarding module counts, due that day
    other = new_page(site)
    try:
        signed_in(other, "uma@example.com")
        other.goto(site.url + "my-training/")
        expect(other.locator("#trustpath-me")).to_contain_text("0 of 4 modules done")
        leaving = other.locator('#trustpath-me tr:has-text("Leaving the company") time')
        assert leaving.get_attribute("datetime") == (site.today + dt.timedelta(days=10)).isoformat()
    finally:
        other.context.close()


def test_keyboard_alone_acknowledges_and_sends_feedback(page: Any, site: Site) -> None:
    signed_in(page, "ned@example.com")
    page.goto(site.url + "ops/on-call/")
    expect(page.locator("#trustpath-banner")).to_contain_text("Signed in as ned@example.com")
    tab_to(page, ".trustpath-ack button")
    page.keyboard.press("Enter")
    expect(page.locator(".trustpath-ack-status")).to_contain_text("Acknowledged on")
    tab_to(page, "#tp-fb-kind")
    page.keyboard.press("ArrowDown")  # Suggestion
    tab_to(page, "#tp-fb-text")
    page.keyboard.type("Please add the pager's phone number.")
    tab_to(page, "#tp-fb-anon")
    page.keyboard.press("Space")
    tab_to(page, ".trustpath-feedback button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".trustpath-feedback-status")).to_have_text(
        "Thank you: your message was sent."
    )
    assert site.errors == []


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_nothing_scrolls_sideways_and_touch_targets_are_44_px(
    site: Site, kind: str, width: int
) -> None:
    page = new_page(site, width)
    try:
        signed_in(page, "lee@example.com")
        page.goto(site.url + PAGES[kind])
        settled(page)
        scroll = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
        )
        assert scroll[0] <= scroll[1], f"{kind} scrolls sideways at {width}px: {scroll}"
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                 '.trustpath-banner button, .trustpath-quiz button, .trustpath-ack button,'
                 + '.trustpath-feedback button, .trustpath-feedback select, .trustpath-choice,'
                 + '.trustpath-next, #tp-email')]
               .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44)
               .map((e) => e.outerHTML.slice(0, 80))"""
        )
        assert small == [], small
        wrapped = page.evaluate(
            """() => [...document.querySelectorAll('time.trustpath-date')]
               .filter((t) => t.getClientRects().length > 1).map((t) => t.textContent)"""
        )
        assert wrapped == []
        if kind == "path" and width == 390:  # status first in each card
            first = page.locator("table.trustpath-table tbody tr").first
            box = first.locator("td.col-status").bounding_box()
            assert box is not None and box["y"] <= first.bounding_box()["y"] + 12
    finally:
        page.context.close()
    assert site.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_axe_finds_nothing_serious_in_either_scheme(site: Site, kind: str, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(site, scheme=scheme)
    try:
        if kind != "home":
            signed_in(page, "max@example.com")
        page.goto(site.url + PAGES[kind])
        page.wait_for_load_state("networkidle")
        wanted = "slate" if scheme == "dark" else "default"
        assert page.evaluate("document.body.dataset.mdColorScheme") == wanted
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, bad
    finally:
        page.context.close()
