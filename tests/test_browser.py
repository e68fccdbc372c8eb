"""The published site in Chromium: role paths, keyboard quiz, instant navigation, offline queue.

The site is the fixture project built by `build_site`, served on one origin with the real
records service (`builder.web.server.build_app`, SQLite ledger, `open` identity) by
uvicorn in a background thread. Deliveries are counted twice: by the requests the browser saw
finish, and by the rows in the ledger.
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

from builder.lifecycle.roster import parse_roster
from builder.site.build import build_site
from builder.store.database import Store
from builder.store.queries import import_roster
from builder.web.server import ServeConfig, build_app
from tests.serving import RunningApp, free_port
from tests.sitefixture import copy_fixture

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL = "ada@example.com"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


TODAY = dt.date.today()
ROSTER = f"""email,name,department,roles,start_date,end_date,status,employment
{EMAIL},Ada Lovelace,Operations,operator,{TODAY.isoformat()},,active,employee
"""


@dataclass
class Site:
    url: str
    service: Any  # builder.records.service.RecordsService
    store: Store
    browser: playwright_api.Browser
    delivered: list[dict[str, Any]] = field(default_factory=list)  # POST bodies that arrived

    def attempts_in_ledger(self, attempt_id: str) -> int:
        """Ledger rows recorded for this attempt id (0 or 1: ids are unique)."""
        return sum(1 for row in self.store.iter_rows() if row.client_id == attempt_id)

    def deliveries(self, attempt_id: str) -> int:
        """POSTs of this attempt that reached the service and got an answer."""
        return sum(1 for body in self.delivered if body.get("attempt_id") == attempt_id)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    tmp = tmp_path_factory.mktemp("browser")
    root = copy_fixture(tmp / "project")
    built = build_site(root, site_url=url)  # instant navigation needs the real origin
    database = f"sqlite:///{tmp / 'records.db'}"
    store = Store(database)
    store.migrate()
    rows = parse_roster(ROSTER, {"everyone", "operator"}, source="roster.csv")
    import_roster(store, rows, TODAY)
    config = ServeConfig(
        database_url=database, manifest_path=str(built.manifest_path), site_dir=str(built.site_dir)
    )
    app = build_app(config)
    with RunningApp(app, port), playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield Site(url, app.state.records, store, browser)
        browser.close()
    store.close()


@pytest.fixture
def page(site: Site) -> Iterator[playwright_api.Page]:
    """A fresh browser context; every request it makes must stay on 127.0.0.1."""
    context = site.browser.new_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))

    def finished(request: playwright_api.Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/attempts"):
            site.delivered.append(json.loads(request.post_data or "{}"))

    context.on("requestfinished", finished)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    outside = [u for u in requested if not u.startswith(site.url) and not u.startswith("data:")]
    assert requested and not outside, f"requests left 127.0.0.1: {outside}"


def sign_in(page: playwright_api.Page, site: Site, email: str = EMAIL) -> None:
    """Signed in as `email` (each test that submits a quiz has its own: attempts are limited)."""
    page.add_init_script(f"localStorage.setItem('trustpath.user', {json.dumps(email)})")


def drawn(page: playwright_api.Page) -> None:
    """Wait until the quiz shows the records service's draw (its questions and order)."""
    page.wait_for_selector("form.trustpath-quiz[data-drawn]", state="attached")


def quiz_order(page: playwright_api.Page) -> list[tuple[str, list[str]]]:
    """The questions on the page, in order, each with its choice ids in order."""
    order: list[tuple[str, list[str]]] = page.evaluate(
        """() => Array.from(document.querySelectorAll('.trustpath-question'), (fs) =>
            [fs.dataset.question, Array.from(fs.querySelectorAll('input'), (i) => i.value)])"""
    )
    return [(q, list(c)) for q, c in order]


def pick_with_arrows(page: playwright_api.Page, group: str, target: str) -> None:
    """Tab into a radio group, then pick `target` with the arrow keys alone."""
    tab_to(page, f"{group} input")
    page.keyboard.press("Space")
    for _ in range(6):
        if page.evaluate("s => document.querySelector(s).checked", target):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {target}")


def tab_to(page: playwright_api.Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_pick_a_role_on_the_home_page_and_walk_its_path(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site)
    page.goto(site.url)
    page.get_by_role("link", name="Operator <ops>").first.click()
    page.wait_for_url(re.compile(r"/paths/operator/$"))
    rows = page.locator("article table tbody tr td:nth-child(2)")
    playwright_api.expect(rows).to_have_text(
        ["Introduction to security", "Second steps", "Being on call"]
    )  # waits for the path table (reading the text at once was flaky under load)
    status = page.locator('.trustpath-status[data-module="on-call"]')
    due = TODAY + dt.timedelta(days=30)  # onboarding window from Ada's start date (today)
    playwright_api.expect(status).to_have_text(f"Upcoming, due {due:%b} {due.day}, {due.year}")
    assert status.locator("time").get_attribute("datetime") == due.isoformat()
    page.locator("article").get_by_role("link", name="Being on call").click()
    page.wait_for_url(re.compile(r"/ops/on-call/$"))
    playwright_api.expect(page.locator(".trustpath-facts")).to_contain_text("20 min")
    playwright_api.expect(page.locator(".trustpath-ack-statement")).to_contain_text("runbook")


def test_answer_a_quiz_with_the_keyboard_alone(page: playwright_api.Page, site: Site) -> None:
    page.goto(site.url + "basics/intro/")
    tab_to(page, "#tp-email")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Enter")
    playwright_api.expect(page.locator("#trustpath-banner")).to_contain_text(f"as {EMAIL}")
    drawn(page)  # the draw arrives once the email is known; choices come in its order
    pick_with_arrows(page, "#tp-q1", "#tp-q1-c2")  # "Forward it to security"
    pick_with_arrows(page, "#tp-q2", "#tp-q2-c2")  # "False"
    tab_to(page, "form.trustpath-quiz button[type=submit]")
    page.keyboard.press("Enter")
    result = page.locator(".trustpath-quiz-result")
    playwright_api.expect(result).to_contain_text(
        "You scored 100% (2 of 2 correct; pass mark 50%): passed."
    )
    assert page.evaluate("document.activeElement.classList.contains('trustpath-quiz-result')")
    assert result.get_attribute("aria-live") == "polite"
    first = page.locator("#tp-q1-result")
    playwright_api.expect(first).to_contain_text("Correct.")
    playwright_api.expect(first).to_contain_text(
        "Forward it to security: FEEDBACK-ZQX-SECURITY-4410"
    )
    playwright_api.expect(first).to_contain_text("EXPLAIN-ZQX-REPORT-9902")
    attempt_id = site.delivered[-1]["attempt_id"]
    assert site.deliveries(attempt_id) == 1
    assert site.attempts_in_ledger(attempt_id) == 1


def test_instant_navigation_to_another_quiz(page: playwright_api.Page, site: Site) -> None:
    sign_in(page, site, "nav@example.com")
    page.goto(site.url + "basics/intro/")
    page.evaluate("window.__no_reload = true")
    page.locator("nav.md-nav--primary").get_by_role("link", name="Second steps").click()
    page.wait_for_url(re.compile(r"/basics/second/$"))
    playwright_api.expect(page.locator("h1")).to_have_text("Second steps")
    assert page.evaluate("window.__no_reload === true"), "the link did a full page load"
    drawn(page)
    page.get_by_label("Lock your screen").check()
    page.get_by_label("Share your password").check()
    page.get_by_role("button", name="Submit answers").click()
    result = page.locator(".trustpath-quiz-result")
    playwright_api.expect(result).to_contain_text("You scored 0%")
    q1 = page.locator("#tp-q1-result")
    playwright_api.expect(q1).to_contain_text("Share your password: FEEDBACK-ZQX-SHARE-2299")
    playwright_api.expect(q1).to_contain_text("Correct answer: Lock your screen; Install updates")


def test_offline_submission_is_queued_and_delivered_exactly_once(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site, "offline@example.com")
    page.goto(site.url + "basics/second/")
    drawn(page)
    page.route("**/api/attempts", lambda route: route.abort("internetdisconnected"))
    page.get_by_label("Lock your screen").check()
    page.get_by_label("Install updates").check()
    page.get_by_role("button", name="Submit answers").click()
    result = page.locator(".trustpath-quiz-result")
    playwright_api.expect(result).to_contain_text("cannot be reached")
    queued = page.evaluate("JSON.parse(localStorage.getItem('trustpath.queue'))")
    assert len(queued) == 1
    attempt_id = queued[0]["id"]
    assert site.deliveries(attempt_id) == 0
    assert site.attempts_in_ledger(attempt_id) == 0
    page.unroute("**/api/attempts")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    playwright_api.expect(result).to_contain_text("You scored 100%")
    assert site.deliveries(attempt_id) == 1
    assert site.attempts_in_ledger(attempt_id) == 1
    page.reload()  # the next page load flushes again: nothing is left to send
    page.wait_for_load_state("networkidle")
    assert page.evaluate("localStorage.getItem('trustpath.queue')") == "[]"
    assert site.deliveries(attempt_id) == 1
    assert site.attempts_in_ledger(attempt_id) == 1


def test_stale_page_is_told_to_reload_and_not_retried(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site, "stale@example.com")
    page.goto(site.url + "basics/second/")
    drawn(page)
    module = site.service.manifest["modules"]["second"]
    module["version"] += 1  # a newer version was published after this page was built
    try:
        page.get_by_label("Lock your screen").check()
        page.get_by_role("button", name="Submit answers").click()
        result = page.locator(".trustpath-quiz-result")
        playwright_api.expect(result).to_contain_text("This page is out of date")
        assert page.evaluate("localStorage.getItem('trustpath.queue')") == "[]"
    finally:
        module["version"] -= 1


def test_two_people_see_the_choices_in_different_orders(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site, "first@example.com")
    page.goto(site.url + "basics/intro/")
    drawn(page)
    first = quiz_order(page)
    assert sorted(q for q, _ in first) == ["click-ok", "report-where"]
    other = site.browser.new_context()
    try:
        second = other.new_page()
        sign_in(second, site, "second@example.com")
        orders = []
        for _ in range(5):  # 24 possible orders: five draws all equal to the first is ~1e-7
            second.goto(site.url + "basics/intro/")
            drawn(second)
            orders.append(quiz_order(second))
            if orders[-1] != first:
                break
        assert orders[-1] != first, orders
        assert {q for q, _ in orders[-1]} == {q for q, _ in first}  # the same quiz
    finally:
        other.close()


def test_a_draw_of_one_shows_one_question(page: playwright_api.Page, site: Site) -> None:
    quiz = site.service.manifest["modules"]["intro"]["quiz"]
    quiz["draw"] = 1  # as if the author had written `draw: 1`
    try:
        sign_in(page, site, "pool@example.com")
        page.goto(site.url + "basics/intro/")
        drawn(page)
        questions = page.locator(".trustpath-question")
        playwright_api.expect(questions).to_have_count(1)
        playwright_api.expect(questions.locator(".trustpath-qnum")).to_have_text("Question 1 of 1")
        questions.locator("input").first.check()
        page.get_by_role("button", name="Submit answers").click()
        playwright_api.expect(page.locator(".trustpath-quiz-result")).to_contain_text("You scored")
        sent = site.delivered[-1]
        assert len(sent["answers"]) == 1 and sent["draw"]
    finally:
        del quiz["draw"]


def test_a_far_miss_shows_the_score_only_and_a_near_miss_which_question(
    page: playwright_api.Page, site: Site
) -> None:
    quiz = site.service.manifest["modules"]["intro"]["quiz"]
    quiz["pass_mark"] = 100  # as if the author had written `pass_mark: 100`: 1 of 2 is near
    try:
        for email, true_false, says in (
            ("far-miss@example.com", "True", "You scored 0% (pass mark 100%): not passed yet. "
             "Read the module again and try again."),
            ("near-miss@example.com", "False", "You scored 50% (1 of 2 correct; pass mark "
             "100%): not passed yet. Review the explanations and try again."),
        ):  # fmt: skip
            sign_in(page, site, email)
            page.goto(site.url + "basics/intro/")
            drawn(page)
            page.get_by_label("Reply to the sender").check()
            page.get_by_label(true_false, exact=True).check()
            page.get_by_role("button", name="Submit answers").click()
            result = page.locator(".trustpath-quiz-result")
            playwright_api.expect(result).to_have_text(says)
            verdicts = page.locator(".trustpath-verdict")
            if email.startswith("far"):
                playwright_api.expect(verdicts).to_have_count(0)
                assert page.locator(".trustpath-question.is-wrong").count() == 0
            else:
                playwright_api.expect(verdicts).to_have_count(2)
                playwright_api.expect(page.locator("#tp-q1-result")).to_contain_text(
                    "EXPLAIN-ZQX-REPORT-9902"
                )
                assert page.locator(".trustpath-question.is-wrong").count() == 1
                assert "Correct answer" not in page.locator(".trustpath-quiz").inner_text()
            page.evaluate("localStorage.clear()")
    finally:
        quiz["pass_mark"] = 50


def test_a_limited_attempt_shows_when_to_try_again(page: playwright_api.Page, site: Site) -> None:
    sign_in(page, site, "limited@example.com")
    page.goto(site.url + "basics/second/")
    drawn(page)
    page.get_by_label("Share your password").check()
    page.get_by_role("button", name="Submit answers").click()
    result = page.locator(".trustpath-quiz-result")
    playwright_api.expect(result).to_contain_text("You scored 0%")
    page.get_by_role("button", name="Try again").click()  # within the 5-minute cooldown
    playwright_api.expect(result).to_contain_text("You may try again at")
    retry_at = result.locator("time").get_attribute("datetime") or ""
    wait = dt.datetime.fromisoformat(retry_at.replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=3) < wait <= dt.timedelta(minutes=5)
    assert result.locator("time").inner_text().strip()
    assert page.get_by_role("button", name="Submit answers").is_disabled()


def test_without_a_records_service_the_page_still_shuffles(
    page: playwright_api.Page, site: Site
) -> None:
    page.route("**/api/**", lambda route: route.fulfill(status=404, body="Not found"))
    orders = []
    for _ in range(8):  # 24 possible orders: eight equal loads is ~1e-11
        page.goto(site.url + "basics/intro/")
        page.wait_for_selector(".trustpath-question")
        orders.append(repr(quiz_order(page)))
    assert len(set(orders)) > 1


def test_acknowledgement_and_feedback_are_recorded(page: playwright_api.Page, site: Site) -> None:
    sign_in(page, site)
    page.goto(site.url + "ops/on-call/")
    page.get_by_role("button", name="I acknowledge this statement").click()
    playwright_api.expect(page.locator(".trustpath-ack-status")).to_contain_text("Acknowledged on")
    page.get_by_label("Kind").select_option("concern")
    page.get_by_label("Your message").fill("The runbook link is broken.")
    page.get_by_label("Send anonymously").check()
    page.get_by_role("button", name="Send").click()
    status = page.locator(".trustpath-feedback-status")
    playwright_api.expect(status).to_have_text("Thank you: your message was sent.")


def test_no_records_service_is_said_clearly(page: playwright_api.Page, site: Site) -> None:
    page.route("**/api/**", lambda route: route.fulfill(status=404, body="Not found"))
    page.goto(site.url + "my-training/")
    playwright_api.expect(page.locator("#trustpath-banner")).to_contain_text(
        "No training records service answers at /api (HTTP 404)"
    )
    playwright_api.expect(page.locator("#trustpath-me")).to_contain_text("HTTP 404")


def test_my_training_lists_the_signed_in_employees_modules(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site)
    page.goto(site.url + "my-training/")
    me = page.locator("#trustpath-me")
    playwright_api.expect(me).to_contain_text(f"Signed in as Ada Lovelace ({EMAIL}).")
    playwright_api.expect(me.get_by_role("link", name="Being on call")).to_have_attribute(
        "href", site.url + "ops/on-call/"
    )


def test_my_training_saves_the_persons_own_transcript(
    page: playwright_api.Page, site: Site
) -> None:
    sign_in(page, site)
    page.goto(site.url + "my-training/")
    link = page.get_by_role("link", name="Download my transcript (printable HTML)")
    playwright_api.expect(link).to_have_attribute("href", "/api/me/transcript")
    with page.expect_download() as saved:
        link.click()
    download = saved.value
    assert download.suggested_filename == "transcript.html"
    text = Path(download.path()).read_text("utf-8")
    assert "<h1>Training transcript</h1>" in text and f"Ada Lovelace &lt;{EMAIL}&gt;" in text
    playwright_api.expect(page.locator("#trustpath-transcript-status")).to_have_text(
        "Saved as transcript.html: open it to read or print."
    )


def test_token_link_is_stored_and_removed_from_the_address(
    page: playwright_api.Page, site: Site
) -> None:
    page.goto(site.url + "?tp_token=secret-token-1")
    assert page.evaluate("localStorage.getItem('trustpath.token')") == "secret-token-1"
    assert "tp_token" not in page.url


@pytest.mark.parametrize("path", ["", "paths/operator/", "criteria/", "basics/intro/"])
def test_pages_have_no_serious_accessibility_violations(
    page: playwright_api.Page, site: Site, path: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    sign_in(page, site)
    page.goto(site.url + path)
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad
