"""`trustpath records …` (ledger, people, links) and `trustpath serve`.

Every command uses one database: `--database URL`, else `$TRUSTPATH_DATABASE_URL`, else SQLite
at `.trustpath/records.db` under the project root. They work while the service runs.

To add a subcommand, decorate it with `@records.command()` and take the shared context with
`@pass_records`: `ctx.store` is the migrated store, `ctx.root` the project root.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import click

from builder.ledger.chain import parse_anchor, verify_rows
from builder.lifecycle.email import try_normalise_email
from builder.records.identity import MODES, SECRET_ENV, make_token
from builder.store.database import StorageError, Store, resolve_database_url

F = TypeVar("F", bound=Callable[..., Any])


class RecordsContext:
    """The project root and the one database every records command uses."""

    def __init__(self, root: Path, database: str | None) -> None:
        self.root = root.resolve()
        self.database = database
        self._store: Store | None = None

    @property
    def url(self) -> str:
        try:
            return resolve_database_url(self.root, self.database)
        except StorageError as exc:
            raise click.ClickException(str(exc)) from None

    @property
    def store(self) -> Store:
        """The migrated store (opened once per command)."""
        if self._store is None:
            try:
                store = Store(self.url)
                store.migrate()
            except StorageError as exc:
                raise click.ClickException(str(exc)) from None
            self._store = store
        return self._store


pass_records = click.make_pass_decorator(RecordsContext)
DATABASE_HELP = (
    "Database URL (sqlite:///PATH or postgresql://…); "
    "default $TRUSTPATH_DATABASE_URL, else .trustpath/records.db."
)


@click.group()
@click.option("--database", metavar="URL", help=DATABASE_HELP)
@click.pass_context
def records(ctx: click.Context, database: str | None) -> None:
    """Training records: the ledger, people, personal links and reports."""
    root = Path(getattr(ctx.find_root().obj, "root", "."))
    ctx.obj = RecordsContext(root, database)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


@records.command()
@pass_records
def head(rc: RecordsContext) -> None:
    """Print the ledger head as SEQ:HASH, to keep outside the database as an anchor.

    Example: trustpath records head >> anchors.txt
    """
    click.echo(str(rc.store.head()))


@records.command()
@click.option(
    "--head", "anchor", metavar="SEQ:HASH", help="An anchor printed earlier by `records head`."
)
@pass_records
def verify(rc: RecordsContext, anchor: str | None) -> None:
    """Check every link of the hash chain; exit 1 naming the first bad seq.

    With --head, also check the ledger still reaches that anchor (catches cut-off rows and
    rewritten history).

    Example: trustpath records verify --head 1042:9f86d08…
    """
    try:
        head_anchor = parse_anchor(anchor) if anchor else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from None
    verdict = verify_rows(rc.store.iter_rows(), head_anchor)
    click.echo(str(verdict))
    if not verdict.ok:
        sys.exit(1)


@records.command()
@click.argument("email")
@pass_records
def forget(rc: RecordsContext, email: str) -> None:
    """Erase a person's personal data; their ledger rows stay valid, now anonymous.

    Example: trustpath records forget ann@example.com
    """
    address = try_normalise_email(email)
    person = rc.store.person(address) if address else None
    if person is None or address is None:
        raise click.ClickException(f"no person with email '{email}'")
    rc.store.forget(address)
    click.echo(
        f"forgot {address}: person {person['person_id']} has no personal data left; "
        "the ledger still verifies"
    )


def _with_token(base_url: str, token: str) -> str:
    parts = urlsplit(base_url)
    query = "&".join(p for p in (parts.query, urlencode({"tp_token": token})) if p)
    return urlunsplit(parts._replace(query=query))


@records.command()
@click.argument("roster", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--base-url", required=True, help="The training site's URL.")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="How long the links stay valid.",
)
def links(roster: Path, base_url: str, days: int) -> None:
    """Print `email,url` CSV: one signed personal link per person on the roster.

    Uses TRUSTPATH_SECRET (the same the service runs with in --identity token mode).

    Example: trustpath records links roster.csv --base-url https://training.example.com/ --days 14
    """
    secret = os.environ.get(SECRET_ENV, "").encode("utf-8")
    if len(secret) < 16:
        raise click.ClickException(f"set {SECRET_ENV} (16 characters or more) to sign links")
    expires = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).timestamp())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "url"])
    try:
        with roster.open(newline="", encoding="utf-8") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                email = try_normalise_email(row.get("email") or "")
                if email is None:
                    raise click.ClickException(
                        f"{roster}:{lineno}: '{row.get('email')}' is not an email address"
                    )
                writer.writerow([email, _with_token(base_url, make_token(secret, email, expires))])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(f"{roster}: cannot read the roster: {exc}") from None
    click.echo(out.getvalue(), nl=False)


@records.command()
@pass_records
def migrate(rc: RecordsContext) -> None:
    """Apply any missing schema migrations (every command does this first anyway).

    Example: trustpath records --database postgresql://trustpath@db/trustpath migrate
    """
    click.echo(f"database {rc.store.safe_url} is up to date")


def _register_reports() -> None:
    from builder.cli.reports import add_report_commands

    add_report_commands(records)


_register_reports()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--database", metavar="URL", help=DATABASE_HELP)
@click.option(
    "--identity",
    type=click.Choice(MODES),
    default="open",
    show_default=True,
    help="open: demo, anyone can claim any email; header: from an SSO proxy; "
    "token: signed personal links.",
)
@click.option(
    "--identity-header",
    default="X-Forwarded-Email",
    show_default=True,
    help="The header the SSO proxy sets (--identity header).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="CIDR",
    help="Proxy address allowed to set the identity header; repeatable (default 127.0.0.1/32).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="A site origin allowed to call the API from elsewhere; repeatable "
    "(default: same origin only).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="uvicorn worker processes (PostgreSQL only).",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    help="People to load before serving (default in open mode: demo/roster.csv).",
)
@click.option("--no-build", is_flag=True, help="Serve the existing site and manifest.")
@click.option("--access-log/--no-access-log", default=False, show_default=True)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    database: str | None,
    identity: str,
    identity_header: str,
    trusted_proxies: tuple[str, ...],
    cors_origins: tuple[str, ...],
    workers: int,
    roster: Path | None,
    no_build: bool,
    access_log: bool,
) -> None:
    """Build the site, then serve it and the records API on one origin.

    Demo defaults: SQLite at .trustpath/records.db, identity `open`, the demo roster.

    Example: trustpath serve --database postgresql://app@db/trustpath --identity header --workers 4
    """
    from builder.web.server import (
        CONFIG_ENV,
        OPEN_MODE_WARNING,
        ServeConfig,
        ServeError,
        build_app,
    )

    root = Path(getattr(ctx.find_root().obj, "root", ".")).resolve()
    url = RecordsContext(root, database).url
    if workers > 1 and not url.startswith("postgresql"):
        raise click.UsageError("--workers above 1 needs PostgreSQL: SQLite has one writer")
    site_dir, manifest = _site(root, host, port, no_build)
    config = ServeConfig(
        database_url=url,
        manifest_path=str(manifest),
        site_dir=site_dir,
        identity=identity,
        identity_header=identity_header,
        trusted_proxies=list(trusted_proxies or ("127.0.0.1/32",)),
        cors_origins=list(cors_origins),
    )
    try:
        build_app(config)  # fail here, with a message, rather than in every worker
        store = Store(url)
        store.migrate()
        roster = roster or (root / "demo" / "roster.csv" if identity == "open" else None)
        if roster is not None and roster.is_file():
            click.echo(_load_roster(store, roster, manifest))
        store.close()
    except (ServeError, StorageError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if identity == "open":
        click.secho(OPEN_MODE_WARNING, fg="red", bold=True, err=True)
    os.environ[CONFIG_ENV] = config.to_env()
    click.echo(
        f"serving the site and the records API on http://{host}:{port}/ "
        f"({identity} identity, {Store.kind_of(url)})"
    )
    import uvicorn

    uvicorn.run(
        "builder.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        access_log=access_log,
        log_level="info",
    )


def _load_roster(store: Store, path: Path, manifest_path: Path) -> str:
    """Import a roster CSV (all or nothing, history kept) before serving; a summary line."""
    from builder.course.manifest import read_manifest
    from builder.lifecycle.roster import RosterError, parse_roster
    from builder.store.queries import import_roster

    roles = set(read_manifest(manifest_path)["roles"])
    try:
        rows = parse_roster(path.read_text("utf-8"), roles, source=str(path))
    except RosterError as exc:
        raise click.ClickException("\n".join([*(str(p) for p in exc.problems), str(exc)])) from None
    changes = import_roster(store, rows, dt.date.today())
    added = sum(c.kind == "add" for c in changes)
    updated = sum(c.kind == "update" for c in changes)
    return f"roster {path}: {added} added, {updated} updated, {len(changes)} people"


def _site(root: Path, host: str, port: int, no_build: bool) -> tuple[str | None, Path]:
    """(site dir, manifest path): built now, or the existing ones with --no-build."""
    manifest = root / ".trustpath" / "manifest.json"
    if no_build:
        site = root / "site"
        return (str(site) if site.is_dir() else None), manifest
    from builder.site.build import SiteBuildError, build_site

    try:
        built = build_site(root, site_url=f"http://{host}:{port}/")
    except SiteBuildError as exc:
        raise click.ClickException(str(exc)) from None
    for line in built.warnings:  # content warnings inform; they never stop serving
        click.echo(line, err=True)
    return str(built.site_dir), built.manifest_path
