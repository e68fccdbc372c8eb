"""`trustpath records remind`: e-mail and chat reminders, and manager digests."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from builder.cli.reports import AS_OF_HELP, DATE, course_of, open_store, project_root, reporting
from builder.config import ConfigError, load_settings
from builder.lifecycle.email import InvalidEmail, normalise_email
from builder.markup import terminal_text
from builder.notify.channels import (
    SMTP_ENV,
    WEBHOOK_ENV,
    Channel,
    ChannelError,
    PreviewChannel,
    SmtpChannel,
    WebhookChannel,
    parse_smtp_url,
)
from builder.notify.remind import DEFAULT_EVERY_DAYS, Delivery, remind
from builder.notify.templates import TemplateProblem, Templates, overrides_dir


def _channels(sender: str | None, organisation: str) -> list[Channel]:
    """The channels configured in the environment; a click error when one is wrong."""
    channels: list[Channel] = []
    try:
        smtp = os.environ.get(SMTP_ENV)
        if smtp:
            if not sender:
                raise ChannelError(
                    f"{SMTP_ENV} is set but mkdocs.yml has no sender: add "
                    "`reminders: {from: training@example.com}` to the trustpath plugin"
                )
            channels.append(SmtpChannel(parse_smtp_url(smtp), sender, organisation))
        hook = os.environ.get(WEBHOOK_ENV)
        if hook:
            channels.append(WebhookChannel(hook))
    except ChannelError as exc:
        raise click.ClickException(str(exc)) from None
    return channels


def _line(d: Delivery) -> str:
    m = d.message
    what = f"{len(m.items)} item{'s' if len(m.items) != 1 else ''}"
    if m.kind == "digest":
        what += f" of {len({i.email for i in m.items})} report(s)"
    modules = ", ".join(sorted({i.module for i in m.items}))
    head = {"sent": "sent", "failed": "FAILED", "skipped": "skipped", "dry-run": "would send"}
    tail = {
        "sent": f" (seq {d.seq})",
        "failed": f": {d.reason}",
        "skipped": ": the same items went within every_days",
        "dry-run": "",
    }[d.outcome]
    text = f"{head[d.outcome]} {m.kind} to {m.email} by {d.channel}: {what} ({modules}){tail}"
    return terminal_text(text)


def add_notify_commands(group: click.Group) -> None:
    """Add `remind` to the records group."""

    @group.command("remind")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--dry-run", is_flag=True, help="Print what would go to whom; send nothing.")
    @click.option(
        "--base-url",
        metavar="URL",
        help="The published site's address for module links (default: site_url of mkdocs.yml).",
    )
    @click.pass_context
    def remind_command(
        ctx: click.Context, as_of: dt.date | None, dry_run: bool, base_url: str | None
    ) -> None:
        """Remind each person of their due-soon and overdue items; digest managers' teams.

        Each person with items due soon or overdue gets one message listing them (titles,
        due dates, links); each manager gets one digest of their direct reports' overdue
        items. Channels: e-mail when $TRUSTPATH_SMTP_URL is set (smtp://user:pass@host:587
        with STARTTLS, smtps://host:465; sender `reminders.from`), chat when
        $TRUSTPATH_WEBHOOK_URL is set (a JSON POST {"text": …}, as Slack and Teams incoming
        webhooks take). Nobody gets the same items again on a channel within
        `reminders.every_days` (default 7). Every message sent is a `reminder` ledger entry
        (recipient, items, channel; never the body). Templates: site_overrides/messages/.
        Exit 1 when any message failed (each failure is named; the others still go).

        Example: TRUSTPATH_SMTP_URL=smtp://bot:secret@mail.example.com:587 trustpath records remind
        """
        root = project_root(ctx)
        course = course_of(ctx)
        try:
            settings = load_settings(root)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        config = settings.reminders
        sender = config.get("from")
        if sender:
            try:
                sender = normalise_email(str(sender))
            except InvalidEmail as exc:
                raise click.ClickException(f"mkdocs.yml: reminders.from {exc}") from None
        every = int(config.get("every_days") or DEFAULT_EVERY_DAYS)
        channels = _channels(sender, course.organisation)
        if not channels:
            if not dry_run:
                raise click.ClickException(
                    f"no channel configured: set {SMTP_ENV} (e-mail) or {WEBHOOK_ENV} (chat), "
                    "or preview with --dry-run"
                )
            channels = [PreviewChannel("email")]
        templates = Templates(overrides_dir(root))
        with open_store(ctx) as store, reporting():
            try:
                result = remind(
                    store, course, templates, channels, as_of=as_of, every_days=every,
                    dry_run=dry_run, base_url=base_url,
                )  # fmt: skip
            except TemplateProblem as exc:
                raise click.ClickException(f"{exc}; nothing sent") from None
        for d in result.deliveries:
            click.echo(_line(d))
            if dry_run and d.outcome == "dry-run":
                shown = result.rendered[(d.message.kind, d.message.email)]
                click.echo(f"  subject: {terminal_text(shown.subject)}")
        counts = {k: result.count(k) for k in ("sent", "failed", "skipped", "dry-run")}
        if dry_run:
            summary = f"would send {counts['dry-run']}, skipped {counts['skipped']}"
            click.echo(f"{summary} (dry run: nothing sent) as of {result.as_of}")
            return
        click.echo(
            f"sent {counts['sent']}, failed {counts['failed']}, skipped {counts['skipped']} "
            f"as of {result.as_of}"
        )
        if result.failed:
            click.echo(f"{len(result.failed)} message(s) failed: see FAILED above", err=True)
            sys.exit(1)
