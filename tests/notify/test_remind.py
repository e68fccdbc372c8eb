"""`trustpath records remind` against a real SMTP server (aiosmtpd, started here) and a real
HTTP endpoint on loopback: who gets what, digests, every_days, refusals, the ledger."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from builder.store.database import Store
from tests.loop_data import AS_OF, git, make_git_project, populate, run


class Mailbox:
    """An aiosmtpd handler: keeps each message, refuses RCPT TO for `refused` addresses."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


class Hook(BaseHTTPRequestHandler):
    posts: list[dict[str, Any]]
    fail_for: set[str]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        failing = any(f in body["text"] for f in self.fail_for)
        if not failing:
            self.posts.append(body)
        self.send_response(500 if failing else 200)
        self.end_headers()
        self.wfile.write(b"boom" if failing else b"ok")

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def webhook() -> Iterator[tuple[type[Hook], str]]:
    handler = type("H", (Hook,), {"posts": [], "fail_for": set()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    make_git_project(root)
    return root


@pytest.fixture
def url(tmp_path: Path, project: Path) -> str:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    store = Store(url)
    store.migrate()
    commits = {"v1": git(project, "rev-parse", "HEAD~1"), "v2": git(project, "rev-parse", "HEAD")}
    populate(store, project, commits)
    store.close()
    return url


def reminder_entries(url: str) -> list[dict[str, Any]]:
    store = Store(url)
    with store.transaction() as conn:
        rows = conn.exec_driver_sql(
            "SELECT l.payload, p.email FROM ledger l JOIN people p ON p.person_id = l.person_id "
            "WHERE l.kind = 'reminder' ORDER BY l.seq"
        ).all()
    store.close()
    return [dict(json.loads(payload), email=address) for payload, address in rows]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # SMTP's line ends


def test_people_get_their_items_and_managers_their_direct_reports_overdue_items(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    before = len(reminder_entries(url))  # the fixture's own reminder to dan on 2026-03-25
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"sent 6, failed 0, skipped 0 as of {AS_OF}"
    # ada and bob are up to date; cy left on 2026-03-20.
    assert {str(m["To"]) for m in box.messages} == {
        "Dan Brown <dan@acme.test>", "Eve Early <eve@acme.test>", "Mia Manager <mia@acme.test>",
        "Max Manager <max@acme.test>",
    }  # fmt: skip
    dan = box.to("dan@acme.test")
    assert len(dan) == 1
    assert dan[0]["From"] == "Acme Corp training <training@acme.test>"
    assert dan[0]["Subject"] == "Acme Corp training: 3 items overdue"
    body = text_of(dan[0])
    for title in ("Spotting phishing", "Acceptable use policy", "Incident response drill"):
        assert title in body
    assert "overdue since 2026-03-18" in body
    assert "https://training.acme.test/phishing/" in body  # links to the modules
    html = dan[0].get_body(("html",))
    assert html is not None and '<a href="https://training.acme.test/aup/">' in html.get_content()
    # Max's digest lists Dan's overdue items and nobody else's; Mia's lists Eve's only.
    max_mail = {m["Subject"]: text_of(m) for m in box.to("max@acme.test")}
    digest = max_mail["Acme Corp training: 1 of your reports has overdue training"]
    assert "Dan Brown (dan@acme.test):" in digest and "Incident response drill" in digest
    assert "eve@acme.test" not in digest and "Cy Young" not in digest
    mia_mail = {m["Subject"]: text_of(m) for m in box.to("mia@acme.test")}
    mia_digest = mia_mail["Acme Corp training: 1 of your reports has overdue training"]
    assert "Eve Early (eve@acme.test):" in mia_digest and "dan@acme.test" not in mia_digest
    # One ledger entry per message sent: recipient, channel, items; never the body.
    entries = reminder_entries(url)[before:]
    assert len(entries) == len(box.messages) == 6
    assert sorted((e["email"], e["message"]) for e in entries) == [
        ("dan@acme.test", "reminder"), ("eve@acme.test", "reminder"),
        ("max@acme.test", "digest"), ("max@acme.test", "reminder"),
        ("mia@acme.test", "digest"), ("mia@acme.test", "reminder"),
    ]  # fmt: skip
    dan_entry = next(e for e in entries if e["email"] == "dan@acme.test")
    assert dan_entry["channel"] == "email" and dan_entry["as_of"] == AS_OF
    assert sorted(i["module"] for i in dan_entry["items"]) == ["aup", "incident-drill", "phishing"]
    assert all(set(e) <= {"v", "channel", "message", "items", "as_of", "kind", "id", "person",
                          "recorded_at", "module", "email"} for e in entries)  # fmt: skip
    assert "Spotting phishing" not in json.dumps(entries)  # no message text in the chain
    assert run(project, url, "verify").exit_code == 0


def test_a_second_run_inside_every_days_sends_nothing(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    assert run(project, url, "remind", "--as-of", AS_OF).exit_code == 0
    sent = len(box.messages)
    again = run(project, url, "remind", "--as-of", "2026-04-21")  # 6 days later: inside 7
    assert again.exit_code == 0, again.output
    assert len(box.messages) == sent
    assert again.output.splitlines()[-1] == "sent 0, failed 0, skipped 6 as of 2026-04-21"
    assert "skipped reminder to dan@acme.test by email: 3 items" in again.output


def test_a_refused_recipient_is_reported_and_the_others_still_go(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    box.refused.add("eve@acme.test")
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    before = len(reminder_entries(url))
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (
        "FAILED reminder to eve@acme.test by email: 2 items (aup, phishing): the server refused "
        "the recipient: 550 5.1.1 mailbox unavailable"
    ) in result.output
    assert "sent 5, failed 1, skipped 0" in result.output
    assert len(box.messages) == 5
    assert "eve@acme.test" not in {e["email"] for e in reminder_entries(url)[before:]}
    # The next run sends only what did not go.
    box.refused.clear()
    retry = run(project, url, "remind", "--as-of", AS_OF)
    assert retry.exit_code == 0, retry.output
    assert retry.output.splitlines()[-1] == f"sent 1, failed 0, skipped 5 as of {AS_OF}"
    assert [str(m["To"]) for m in box.messages[5:]] == ["Eve Early <eve@acme.test>"]


def test_webhook_messages_are_json_posts_with_text_and_fail_per_recipient(
    project: Path,
    url: str,
    webhook: tuple[type[Hook], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook, hook_url = webhook
    hook.fail_for.add("mia@acme.test")
    monkeypatch.setenv("TRUSTPATH_WEBHOOK_URL", hook_url)
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (
        "FAILED reminder to mia@acme.test by webhook: 2 items (aup, phishing): the webhook "
        "answered 'Internal Server Error': boom"
    ) in result.output
    assert "sent 4, failed 2, skipped 0" in result.output  # mia's reminder and digest failed
    texts = [p["text"] for p in hook.posts]
    assert len(texts) == 4 and all(set(p) == {"text"} for p in hook.posts)
    dan = next(t for t in texts if t.startswith("For Dan Brown <dan@acme.test>:"))
    assert "Incident response drill" in dan
    channels = {e["channel"] for e in reminder_entries(url)[1:]}
    assert channels == {"webhook"}


def test_a_dry_run_prints_who_gets_what_and_sends_nothing(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    before = len(reminder_entries(url))
    result = run(project, url, "remind", "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send reminder to dan@acme.test by email: 3 items" in result.output
    assert "would send digest to max@acme.test by email: 3 items of 1 report(s)" in result.output
    assert "  subject: Acme Corp training: 3 items overdue" in result.output
    assert result.output.splitlines()[-1] == (
        f"would send 6, skipped 0 (dry run: nothing sent) as of {AS_OF}"
    )
    assert box.messages == [] and len(reminder_entries(url)) == before


def test_templates_are_overridden_under_site_overrides(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    folder = project / "site_overrides" / "messages"
    folder.mkdir(parents=True)
    (folder / "reminder.subject.txt").write_text("Action needed: {{ items|length }} module(s)\n")
    (folder / "reminder.txt").write_text(
        "Hi {{ name }}!\n{% for i in items %}* {{ i.title }} by {{ i.due }}\n{% endfor %}"
    )
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    dan = box.to("dan@acme.test")[0]
    assert dan["Subject"] == "Action needed: 3 module(s)"
    assert text_of(dan).startswith("Hi Dan Brown!\n* ")
    assert "<table" in str(dan.get_body(("html",)).get_content())  # type: ignore[union-attr]


def test_a_broken_override_stops_the_run_before_anything_is_sent(
    project: Path, url: str, smtp: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, smtp_url = smtp
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", smtp_url)
    folder = project / "site_overrides" / "messages"
    folder.mkdir(parents=True)
    (folder / "digest.txt").write_text("Hello\n{{ nobody.name }}\n")
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert f"{folder / 'digest.txt'}: error[template]: 'nobody' is undefined" in result.output
    assert "nothing sent" in result.output and box.messages == []


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("TRUSTPATH_SMTP_URL", "http://mail", "TRUSTPATH_SMTP_URL must look like smtp://"),
        ("TRUSTPATH_WEBHOOK_URL", "http://hooks.example.com/x", "must be an https:// URL"),
        (None, None, "no channel configured: set TRUSTPATH_SMTP_URL"),
    ],
)
def test_channel_configuration_errors_are_clear(
    project: Path, url: str, monkeypatch: pytest.MonkeyPatch,
    env: str | None, value: str | None, message: str,
) -> None:  # fmt: skip
    monkeypatch.delenv("TRUSTPATH_SMTP_URL", raising=False)
    monkeypatch.delenv("TRUSTPATH_WEBHOOK_URL", raising=False)
    if env and value:
        monkeypatch.setenv(env, value)
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_an_unreachable_smtp_server_fails_every_message_by_name(
    project: Path, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTPATH_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    result = run(project, url, "remind", "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "FAILED reminder to dan@acme.test by email: 3 items" in result.output
    assert "cannot connect to smtp://127.0.0.1:" in result.output
    assert "sent 0, failed 6, skipped 0" in result.output
