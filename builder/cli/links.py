"""`trustpath records links create|revoke`: personal links for --identity token."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import click

from builder.cli.records import RecordsContext, pass_records
from builder.lifecycle.email import try_normalise_email
from builder.markup import safe_cell, terminal_text
from builder.records.identity import (
    DEFAULT_LINK_DAYS,
    MAX_LINK_DAYS,
    SECRET_ENV,
    WeakSecret,
    check_secret,
)
from builder.records.links import UnknownPerson, personal_links, revoke_links


@click.group()
def links() -> None:
    """Personal links for --identity token: make them, revoke them.

    Example: trustpath records links create roster.csv --base-url https://training.example.com/
    """


@links.command("create")
@click.argument("roster", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-url", required=True, help="The training site's URL.")
@click.option(
    "--days",
    default=DEFAULT_LINK_DAYS,
    show_default=True,
    type=click.IntRange(1, MAX_LINK_DAYS),
    help="How long the links stay valid.",
)
@pass_records
def links_create(rc: RecordsContext, roster: Path, base_url: str, days: int) -> None:
    """Print `email,url` CSV: one signed personal link per person on the roster.

    Uses TRUSTPATH_SECRET (the same the service runs with in --identity token mode). The token
    is in the URL's fragment (#tp_token=…), which browsers never send to a server; the page
    moves it to storage on first load. Each person gets a people row if they have none yet.

    Example: trustpath records links create roster.csv --base-url https://training.example.com/
    """
    try:
        secret = check_secret(SECRET_ENV, os.environ.get(SECRET_ENV, ""))
    except WeakSecret as exc:
        raise click.ClickException(f"cannot sign links: {exc}") from None
    emails: list[str] = []
    try:
        with roster.open(newline="", encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                email = try_normalise_email(row.get("email") or "")
                if email is None:
                    raise click.ClickException(
                        f"{roster}:{lineno}: {row.get('email')!r} is not an email address"
                    )
                emails.append(email)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(f"{roster}: cannot read the roster: {exc}") from None
    now = dt.datetime.now(dt.UTC)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "url"])
    for email, url in personal_links(rc.store, secret, emails, base_url, days, now):
        writer.writerow([safe_cell(email), safe_cell(url)])
    click.echo(out.getvalue(), nl=False)


@links.command("revoke")
@click.argument("email")
@click.option("--reason", default="revoked by an administrator", show_default=True,
              help="Why, recorded in the ledger entry (no personal data).")  # fmt: skip
@pass_records
def links_revoke(rc: RecordsContext, email: str, reason: str) -> None:
    """Invalidate every personal link made so far for EMAIL (a `link_revocation` entry).

    The service checks each request's link against the person's epoch, so the old links stop
    working at once, in every worker; make a new link with `links create` if needed.

    Example: trustpath records links revoke ann@example.com --reason "laptop stolen"
    """
    address = try_normalise_email(email)
    try:
        epoch = revoke_links(rc.store, address or "", reason)
    except UnknownPerson:
        raise click.ClickException(f"no person with email {terminal_text(email)!r}") from None
    click.echo(f"revoked the links of {address}: they are now at epoch {epoch}")
