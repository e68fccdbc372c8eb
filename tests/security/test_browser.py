"""Issue 15 in Chromium against `trustpath serve --identity token`: framing, the script policy,
the title, Referer and the token in the address bar, who is signed in, fixation.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from builder.cli.main import cli
from builder.store.database import Store
from tests.security.support import SECRET, Served, built_project
from tests.serving import free_port

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
EVIL = "Ops </title><script>window.__owned = 1</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    tmp = tmp_path_factory.mktemp("browser-security")
    role = (Path(__file__).parents[1] / "fixtures/website/roles/operator.yml").read_text()
    role = role.replace("title: Operator <ops>", f'title: "{EVIL}"')
    root = built_project(tmp, port, {"roles/operator.yml": role})
    server = Served(root, "--identity", "token", port=port)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def links(served: Served) -> dict[str, str]:
    roster = served.root / "people.csv"
    roster.write_text(
        "email,name,roles,start_date\nada@example.com,Ada,everyone,2024-01-01\n"
        "eve@example.com,Eve,everyone,2024-01-01\n"
    )
    result = CliRunner().invoke(
        cli,
        ["--project", str(served.root), "records", "--database", served.database, "links",
         "create", str(roster), "--base-url", served.url + "/ops/on-call/"],
        env={"TRUSTPATH_SECRET": SECRET},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {r["email"]: r["url"] for r in csv.DictReader(io.StringIO(result.output))}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def watch(page: Any) -> tuple[list[dict[str, str]], list[str]]:
    """(requests with their headers, CSP violations) seen by the page from now on."""
    requests: list[dict[str, str]] = []
    violations: list[str] = []
    page.on("requestfinished", lambda r: requests.append({**r.all_headers(), "url": r.url}))
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "console.log('Content Security Policy violation: ' + e.violatedDirective"
        " + ' ' + e.blockedURI));"
    )
    return requests, violations


def acks(served: Served) -> list[str]:
    store = Store(served.database)
    rows = [r.person_id or "" for r in store.iter_rows() if r.kind == "ack"]
    store.close()
    return rows


def person(served: Served, email: str) -> str:
    store = Store(served.database)
    found = store.person(email)
    store.close()
    assert found is not None
    return str(found["person_id"])


def test_the_token_leaves_the_address_and_never_travels_in_a_url_or_referer(
    page: Any, served: Served, links: dict[str, str]
) -> None:
    requests, violations = watch(page)
    token = parse_qs(urlsplit(links["ada@example.com"]).fragment)["tp_token"][0]
    page.goto(links["ada@example.com"])
    page.locator("#trustpath-banner").get_by_text("Signed in as ada@example.com").wait_for()
    assert "tp_token" not in page.url and token not in page.url
    assert page.evaluate("localStorage.getItem('trustpath.token')") == token
    page.goto(served.url + "/basics/intro/")  # another page, by a link would be the same
    page.locator("#trustpath-banner").get_by_text("Signed in as ada@example.com").wait_for()
    for request in requests:
        assert token not in request["url"], request["url"]
        # Referrer-Policy: no-referrer (Chromium sometimes sends the header empty)
        assert not request.get("referer"), request
    api = [r for r in requests if "/api/" in r["url"] and "/health" not in r["url"]]
    assert any(r.get("authorization") == f"Bearer {token}" for r in api)
    assert violations == []


def test_every_page_shows_who_is_signed_in_with_a_sign_out(
    page: Any, served: Served, links: dict[str, str]
) -> None:
    page.goto(links["eve@example.com"])
    for path in ("/", "/criteria/", "/paths/everyone/"):
        page.goto(served.url + path)
        banner = page.locator("#trustpath-banner")
        banner.get_by_text("Signed in as eve@example.com").wait_for()
    banner.get_by_role("button", name="Sign out").click()
    assert page.evaluate("localStorage.getItem('trustpath.token')") is None
    page.goto(served.url + "/ops/on-call/")
    page.locator("#trustpath-banner").get_by_text("Open your personal training link").wait_for()


def test_another_persons_link_asks_before_switching(
    page: Any, served: Served, links: dict[str, str]
) -> None:
    ada = parse_qs(urlsplit(links["ada@example.com"]).fragment)["tp_token"][0]
    page.goto(links["ada@example.com"])
    page.locator("#trustpath-banner").get_by_text("Signed in as ada@example.com").wait_for()
    page.goto(links["eve@example.com"])  # the attacker's link, opened by Ada
    question = page.locator("#trustpath-banner")
    question.get_by_text("This link is for eve@example.com").wait_for()
    assert page.evaluate("localStorage.getItem('trustpath.token')") == ada  # nothing switched
    question.get_by_role("button", name="Stay signed in as ada@example.com").click()
    page.locator("#trustpath-banner").get_by_text("Signed in as ada@example.com").wait_for()
    before = len(acks(served))
    page.get_by_role("button", name="I acknowledge this statement").click()
    page.locator(".trustpath-ack-status").get_by_text("Acknowledged on").wait_for()
    assert acks(served)[before:] == [person(served, "ada@example.com")]


def test_a_framed_module_does_not_load_and_records_nothing(
    page: Any, served: Served, links: dict[str, str]
) -> None:
    page.goto(links["ada@example.com"])  # the victim is signed in
    page.locator("#trustpath-banner").get_by_text("Signed in as ada@example.com").wait_for()
    frame_src = f"{served.url}/ops/on-call/"
    decoy = f'<h1>Win a prize</h1><iframe src="{frame_src}" width=800 height=600></iframe>'

    class Decoy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = decoy.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.2", 0), Decoy)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    before = len(acks(served))
    try:
        page.goto(f"http://127.0.0.2:{other.server_address[1]}/")
        page.wait_for_timeout(1500)
        frame = page.frames[1]
        assert frame.url.startswith("chrome-error://") or frame.locator("button").count() == 0
        assert frame.locator("text=I acknowledge this statement").count() == 0
    finally:
        other.shutdown()
    assert len(acks(served)) == before


def test_a_hostile_title_is_text_and_the_pages_break_no_policy(page: Any, served: Served) -> None:
    requests, violations = watch(page)
    for path in ("/", "/paths/operator/", "/basics/intro/", "/criteria/", "/my-training/"):
        page.goto(served.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__owned") is None
    page.goto(served.url + "/paths/operator/")
    assert page.title() == f"{EVIL} - Fixture training"
    assert violations == [], violations
    assert requests
