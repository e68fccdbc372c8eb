"""`trustpath records links create|revoke`: personal links for --identity token."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import click

from builder.cli.records import RecordsContext, pass_records
from builder.cli.roster import ENCODING_HELP, MAP_HELP, load_roster
from builder.lifecycle.email import try_normalise_email
from builder.markup import safe_cell
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
@click.option("--map", "map_spec", metavar="NAME|FILE", help=MAP_HELP)
@click.option("--encoding", metavar="CODEC", help=ENCODING_HELP)
@click.pass_context
def links_create(
    ctx: click.Context,
    roster: Path,
    base_url: str,
    days: int,
    map_spec: str | None,
    encoding: str | None,
) -> None:
    """Print `email,url` CSV: one signed personal link per person on the roster.

    Reads the roster exactly as `records roster import` does (same map, same checks, same
    messages). Uses TRUSTPATH_SECRET (the same the service runs with in --identity token
    mode). The token
    is in the URL's fragment (#tp_token=…), which browsers never send to a server; the page
    moves it to storage on first load. Each person gets a people row if they have none yet.

    Example: trustpath records links create roster.csv --base-url https://training.example.com/
    """
    try:
        secret = check_secret(SECRET_ENV, os.environ.get(SECRET_ENV, ""))
    except WeakSecret as exc:
        raise click.ClickException(f"cannot sign links: {exc}") from None
    from builder.cli.reports import course_of, project_root

    rc = ctx.find_object(RecordsContext)
    assert rc is not None  # the records group always makes one
    read = load_roster(project_root(ctx), roster, list(course_of(ctx).roles), map_spec, encoding)
    emails = [row.email for row in read.rows]
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
        from builder.cli.reports import no_person

        raise no_person(rc.store, email) from None
    click.echo(f"revoked the links of {address}: they are now at epoch {epoch}")
