"""The channels a reminder goes out on: e-mail over SMTP (aiosmtplib) and a chat webhook (httpx).

* `TRUSTPATH_SMTP_URL`: `smtp://[user:password@]host[:port]` (STARTTLS when the server offers
  it, and required when a password is given: credentials never cross in clear; port 587 by
  default) or `smtps://…` (TLS from the first byte, port 465). Certificates are verified.
  The sender is the `reminders.from` setting. Each message has a plain-text and an HTML part.
* `TRUSTPATH_WEBHOOK_URL`: an HTTPS (or, for tests, loopback HTTP) URL that takes a JSON
  `POST {"text": …}`, as Slack and Microsoft Teams incoming webhooks do; the text is the
  message's plain-text part with the recipient named first.

A channel sends one message at a time and raises `SendFailed` with the reason when that
message did not go; the caller reports it and carries on with the next.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Protocol

from builder.errors import TrustPathError
from builder.notify.plan import Message
from builder.notify.templates import Rendered

if TYPE_CHECKING:  # imported where used: a report that never sends need not load them
    import aiosmtplib
    import httpx

SMTP_ENV = "TRUSTPATH_SMTP_URL"
WEBHOOK_ENV = "TRUSTPATH_WEBHOOK_URL"
TIMEOUT = 30.0  # seconds per connection or request


class ChannelError(TrustPathError):
    """A channel's configuration is wrong (bad URL, no sender): nothing is sent."""


class SendFailed(TrustPathError):
    """One message did not go; the message says why."""


class Channel(Protocol):
    """Where messages go: `name` is `email` or `webhook` (the ledger entry's channel)."""

    name: str

    async def open(self) -> None: ...

    async def send(self, message: Message, rendered: Rendered) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: bool  # TLS from the start (smtps://)
    username: str | None
    password: str | None

    @property
    def shown(self) -> str:
        """The URL without the password, for messages."""
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """The SMTP settings of a `smtp://` or `smtps://` URL; ChannelError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ChannelError(
            f"{SMTP_ENV} must look like smtp://user:password@host:587 or smtps://host:465"
        )
    try:
        port = parts.port
    except ValueError:
        raise ChannelError(f"{SMTP_ENV} has a port that is not a number") from None
    tls = parts.scheme == "smtps"
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return SmtpSettings(parts.hostname, port or (465 if tls else 587), tls, user, password)


class SmtpChannel:
    """E-mail over one SMTP connection, reopened when the server drops it."""

    name = "email"

    def __init__(self, settings: SmtpSettings, sender: str, organisation: str) -> None:
        self.settings = settings
        self.sender = sender
        self.organisation = organisation
        self.client: aiosmtplib.SMTP | None = None

    def _client(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.host, port=s.port, username=s.username, password=s.password,
            use_tls=s.tls, start_tls=False if s.tls else (True if s.password else None),
            timeout=TIMEOUT,
        )  # fmt: skip

    async def open(self) -> None:
        import aiosmtplib

        client = self._client()
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"cannot connect to {self.settings.shown}: {exc}") from None
        self.client = client

    def build(self, message: Message, rendered: Rendered) -> EmailMessage:
        """The MIME message: plain text with an HTML alternative."""
        mail = EmailMessage()
        mail["From"] = formataddr((f"{self.organisation} training", self.sender))
        mail["To"] = formataddr((message.name, message.email)) if message.name else message.email
        mail["Subject"] = rendered.subject
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        return mail

    async def send(self, message: Message, rendered: Rendered) -> None:
        import aiosmtplib

        if self.client is None or not self.client.is_connected:
            await self.open()
        assert self.client is not None
        try:
            refused, _ = await self.client.send_message(self.build(message, rendered))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise SendFailed(f"the server refused the recipient: {reasons}") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"the server answered {exc.code} {exc.message}") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"sending failed: {exc}") from None
        if refused:
            raise SendFailed(f"the server refused the recipient: {refused}")

    async def close(self) -> None:
        import aiosmtplib

        if self.client is not None and self.client.is_connected:
            try:
                await self.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
        self.client = None


def check_webhook_url(url: str) -> str:
    """The webhook URL when it is HTTPS, or HTTP to a loopback address; ChannelError else."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme == "https" or (parts.scheme == "http" and loopback):
        return url
    raise ChannelError(
        f"{WEBHOOK_ENV} must be an https:// URL (plain http only to a loopback address)"
    )


class WebhookChannel:
    """A chat incoming webhook: one JSON POST `{"text": …}` per message."""

    name = "webhook"

    def __init__(self, url: str) -> None:
        self.url = check_webhook_url(url)
        self.client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        import httpx

        self.client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    @staticmethod
    def text(message: Message, rendered: Rendered) -> str:
        """The chat text: who it is for, then the plain-text part."""
        who = f"{message.name} <{message.email}>" if message.name else message.email
        return f"For {who}: {rendered.subject}\n\n{rendered.text.strip()}"

    async def send(self, message: Message, rendered: Rendered) -> None:
        import httpx

        if self.client is None:
            await self.open()
        assert self.client is not None
        try:
            answer = await self.client.post(self.url, json={"text": self.text(message, rendered)})
        except httpx.HTTPError as exc:
            raise SendFailed(f"the webhook did not answer: {exc!r}") from None
        if not answer.is_success:  # a redirect is a refusal too: the URL is the channel
            why = answer.reason_phrase or "an error"
            raise SendFailed(f"the webhook answered '{why}': {answer.text[:200]}")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.client = None


class PreviewChannel:
    """A channel for `--dry-run` when none is configured: it names `email` and sends nothing."""

    def __init__(self, name: str = "email") -> None:
        self.name = name

    async def open(self) -> None:
        raise SendFailed("a preview channel sends nothing")

    async def send(self, message: Message, rendered: Rendered) -> None:
        raise SendFailed("a preview channel sends nothing")

    async def close(self) -> None:
        return None
