"""`trustpath records …` (ledger, people, links) and `trustpath serve`.

Every command uses one database: `--database URL`, else `$TRUSTPATH_DATABASE_URL`, else SQLite
at `.trustpath/records.db` under the project root. They work while the service runs.

To add a subcommand, decorate it with `@records.command()` and take the shared context with
`@pass_records`: `ctx.store` is the migrated store, `ctx.root` the project root.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from builder.cli.main import TrustPathGroup
from builder.cli.server_limits import DEFAULT_SERVER_LIMITS, server_limits, uvicorn_options
from builder.ledger.chain import parse_anchor
from builder.lifecycle.email import try_normalise_email
from builder.markup import terminal_text
from builder.records.identity import MODES
from builder.records.links import revoke_links
from builder.store.database import StorageError, Store, resolve_database_url

if TYPE_CHECKING:
    import socket

F = TypeVar("F", bound=Callable[..., Any])


class RecordsContext:
    """The project root and the one database every records command uses."""

    def __init__(self, root: Path, database: str | None) -> None:
        self.root = root.resolve()
        self.database = database
        self._store: Store | None = None
        self.may_create = False  # only `migrate` and `roster import` may create a database

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
                store = Store(self.url, create=self.may_create)
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


class RecordsGroup(TrustPathGroup):
    """The records group: the subcommands of LAZY_SUBCOMMANDS are registered on first use."""

    def _register(self, name: str) -> None:
        import importlib

        target = LAZY_SUBCOMMANDS.get(name)
        if target is None or name in self.commands:
            return
        module_name, attr = target.split(":")
        found = getattr(importlib.import_module(module_name), attr)
        if isinstance(found, click.Command):
            self.add_command(found, name)
        else:
            found(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for name in LAZY_SUBCOMMANDS:
            self._register(name)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._register(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=RecordsGroup)
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
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes that check ranges of a large ledger side by side (default: the CPUs, "
    "at most 4; ledgers under 200,000 rows are checked in one).",
)
@pass_records
def verify(rc: RecordsContext, anchor: str | None, jobs: int | None) -> None:
    """Check the hash chain and every table the reports read; exit 1 naming what is wrong.

    The chain: every link, and with --head that the ledger still reaches that anchor (catches
    cut-off rows and rewritten history). The projections: attempts, acknowledgements,
    feedback, answers, roster history, module versions and campaigns are re-derived from
    the ledger and compared row by row; people rows must match their roster entries and email
    commitments. A row that differs, is missing or has no ledger entry is named.

    Example: trustpath records verify --head 1042:9f86d08… --jobs 2
    """
    try:
        head_anchor = parse_anchor(anchor) if anchor else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--head") from None
    workers = jobs or min(os.cpu_count() or 1, 4)
    from builder.store.verify import verify_all  # multiprocessing: only `verify` needs it

    report = verify_all(rc.store, head_anchor, workers=workers)
    click.echo("\n".join(terminal_text(line) for line in str(report).splitlines()))
    if not report.ok:
        sys.exit(1)


@records.command()
@click.argument("email")
@pass_records
def forget(rc: RecordsContext, email: str) -> None:
    """Erase a person's name and email from every table; their ledger entries stay valid.

    Their personal links are revoked first. What remains is pseudonymous: a person id, roster
    fields (department, roles, dates), their records and an email commitment nobody can test
    any more. Feedback they wrote under their name stays in the chain (the form says so).

    Example: trustpath records forget ann@example.com
    """
    address = try_normalise_email(email)
    person = rc.store.person(address) if address else None
    if person is None or address is None:
        from builder.cli.reports import no_person

        raise no_person(rc.store, email)
    revoke_links(rc.store, address, "forget")  # their links die with their personal data
    removed = rc.store.forget(address)
    click.echo(f"forgot {address} (person {person['person_id']}):")
    for place, count in removed.items():
        click.echo(f"  removed from {place}: {count} row(s)")
    click.echo("  revoked their personal links (a link_revocation ledger entry)")
    click.echo("the ledger and every projection still verify (`trustpath records verify`)")


@records.command()
@pass_records
def migrate(rc: RecordsContext) -> None:
    """Apply any missing schema migrations (every command does this first anyway).

    Example: trustpath records --database postgresql://trustpath@db/trustpath migrate
    """
    rc.may_create = True
    click.echo(f"database {rc.store.safe_url} is up to date")


# Subcommands defined in other modules, registered on first use: `records due` need not import
# the mail, template and PDF code of the others. Name -> "module:registrar" (a function that
# adds its commands to the group) or "module:command".
LAZY_SUBCOMMANDS = {
    **dict.fromkeys(
        ("due", "completion", "questions", "feedback", "unknown", "roster", "export",
         "dashboard"),
        "builder.cli.reports:add_report_commands",
    ),
    "links": "builder.cli.links:links",
    **dict.fromkeys(("assign", "campaign", "campaigns"),
                    "builder.cli.campaigns:add_campaign_commands"),
    "attendance": "builder.cli.attendance:add_attendance_commands",  # issue 13
    "remind": "builder.cli.notify:add_notify_commands",
    "transcript": "builder.cli.audit:add_audit_commands",
    "evidence-pack": "builder.cli.audit:add_pack_command",
}  # fmt: skip


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
@click.option(
    "--watch",
    is_flag=True,
    help="Rebuild on edits to content, roles, site_overrides and mkdocs.yml; the API keeps "
    "running and a build error shows in the page.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (paths only: personal links keep their token out of URLs).",
)
@click.option(
    "--limit-concurrency",
    default=int(DEFAULT_SERVER_LIMITS["limit_concurrency"]),
    show_default=True,
    type=click.IntRange(1),
    help="Connections plus requests in progress per worker; above it: 503.",
)
@click.option(
    "--timeout-keep-alive",
    default=DEFAULT_SERVER_LIMITS["timeout_keep_alive"],
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds an idle keep-alive connection stays open.",
)
@click.option(
    "--header-timeout",
    default=DEFAULT_SERVER_LIMITS["header_timeout"],
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds to send the request line and headers; then 408.",
)
@click.option(
    "--body-timeout",
    default=DEFAULT_SERVER_LIMITS["body_timeout"],
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds to send the body once the headers are in; then 408.",
)
@click.option(
    "--max-header-bytes",
    default=int(DEFAULT_SERVER_LIMITS["max_header_bytes"]),
    show_default=True,
    type=click.IntRange(1024),
    help="Size of all request headers; above it: 431.",
)
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
    watch: bool,
    access_log: bool,
    limit_concurrency: int,
    timeout_keep_alive: float,
    header_timeout: float,
    body_timeout: float,
    max_header_bytes: int,
) -> None:
    """Build the site, then serve it and the records API on one origin.

    Demo defaults: SQLite at .trustpath/records.db, identity `open`, the demo roster. Every
    answer carries the security headers; the write routes have the rate limits of the
    `rate_limits` setting in mkdocs.yml; the server limits below apply per worker. Reports
    (`/api/reports/...`) are built in `report_workers` separate processes per worker (the
    setting, default 1), so submissions are answered while a dashboard is built.

    With --watch (for authors), the site rebuilds on every edit and shows build errors in
    the page, while the records API keeps grading quizzes.

    Example: trustpath serve --database postgresql://app@db/trustpath --identity header --workers 4

    Example: trustpath serve --watch
    """
    from builder.cli.listen import listen_on

    root = Path(getattr(ctx.find_root().obj, "root", ".")).resolve()
    url = RecordsContext(root, database).url
    if workers > 1 and not url.startswith("postgresql"):
        raise click.UsageError("--workers above 1 needs PostgreSQL: SQLite has one writer")
    if watch and (workers > 1 or no_build):
        raise click.UsageError("--watch rebuilds in one process: drop --workers and --no-build")
    limits = server_limits(
        {
            "limit_concurrency": limit_concurrency,
            "timeout_keep_alive": timeout_keep_alive,
            "header_timeout": header_timeout,
            "body_timeout": body_timeout,
            "max_header_bytes": max_header_bytes,
        }
    )
    # The port first: a busy one stops here, before any build output and with site/ untouched.
    sock = listen_on(host, port, int(limits["backlog"]))
    try:
        _serve_on(sock, root, url, host, port, identity, identity_header, trusted_proxies,
                  cors_origins, workers, roster, no_build, access_log, limits, watch)  # fmt: skip
    finally:
        sock.close()


def _serve_on(
    sock: socket.socket,
    root: Path,
    url: str,
    host: str,
    port: int,
    identity: str,
    identity_header: str,
    trusted_proxies: tuple[str, ...],
    cors_origins: tuple[str, ...],
    workers: int,
    roster: Path | None,
    no_build: bool,
    access_log: bool,
    limits: dict[str, float],
    watch: bool = False,
) -> None:
    """Build (unless --no-build), check the configuration, load the roster, then serve.

    With `watch`, the app is built in this process and a watcher thread rebuilds the site.
    """
    from builder.cli.listen import run_uvicorn, url_of
    from builder.web.server import (
        CONFIG_ENV,
        OPEN_MODE_WARNING,
        ServeConfig,
        ServeError,
        build_app,
    )

    site_dir, manifest = _site(root, host, port, no_build)
    config = ServeConfig(
        database_url=url,
        manifest_path=str(manifest),
        site_dir=site_dir,
        identity=identity,
        identity_header=identity_header,
        trusted_proxies=list(trusted_proxies or ("127.0.0.1/32",)),
        cors_origins=list(cors_origins),
        rate_limits=_rate_limits(root),
        server_limits=limits,
        report_workers=_report_workers(root),
    )
    try:
        build_app(config)  # fail here, with a message, rather than in every worker
        store = Store(url)
        store.migrate()
        roster = roster or (root / "demo" / "roster.csv" if identity == "open" else None)
        if roster is not None and roster.is_file():
            click.echo(_load_roster(store, root, roster, manifest))
        store.close()
    except (ServeError, StorageError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if identity == "open":
        click.secho(OPEN_MODE_WARNING, fg="red", bold=True, err=True)
    os.environ[CONFIG_ENV] = config.to_env()
    click.echo(
        f"serving the site and the records API on {url_of(host, port)} "
        f"({identity} identity, {Store.kind_of(url)})"
    )
    click.echo(admin_line(host, port))
    if watch:
        return _serve_watching(sock, root, config, host, port, access_log)
    run_uvicorn(
        sock,
        "builder.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        access_log=access_log,
        log_level="info",
        **uvicorn_options(config.server_limits),
    )


def _serve_watching(
    sock: socket.socket, root: Path, config: Any, host: str, port: int, access_log: bool
) -> None:
    """`serve --watch`: one process, the app built here, a watcher thread rebuilding."""
    import threading

    import uvicorn

    from builder.cli.listen import url_of
    from builder.cli.watch import start_watching
    from builder.web.preview import PreviewSite
    from builder.web.server import build_app

    preview = PreviewSite(Path(config.site_dir))
    app = build_app(config, site_app=preview)
    stop = threading.Event()
    start_watching(root, url_of(host, port), preview, app.state.records, stop)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            proxy_headers=False,
            access_log=access_log,
            log_level="info",
            **uvicorn_options(config.server_limits),
        )
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - Ctrl+C ends the preview
        pass
    finally:
        stop.set()
        sock.close()
    if not server.started:
        raise SystemExit(3)


def admin_line(host: str, port: int) -> str:
    """Where the admin reports are (or how to turn them on), for the line under "serving …"."""
    from builder.cli.listen import url_of
    from builder.records.identity import ADMIN_TOKEN_ENV

    dashboard = f"{url_of(host, port)}api/reports/dashboard"
    if os.environ.get(ADMIN_TOKEN_ENV):
        return f"admin reports: {dashboard} (send Authorization: Bearer ${ADMIN_TOKEN_ENV})"
    return (
        f"admin reports are off: set {ADMIN_TOKEN_ENV} (openssl rand -hex 32) to open "
        f"{dashboard} and the rest of /api/reports"
    )


def _rate_limits(root: Path) -> dict[str, Any]:
    """The `rate_limits` setting of mkdocs.yml (empty, so the defaults, without one)."""
    from builder.config import ConfigError, load_settings

    try:
        return dict(load_settings(root).rate_limits)
    except ConfigError:
        return {}


def _report_workers(root: Path) -> int:
    """The `report_workers` setting of mkdocs.yml (1 without one)."""
    from builder.config import ConfigError, load_settings

    try:
        return load_settings(root).report_workers
    except ConfigError:
        return 1


def _load_roster(store: Store, root: Path, path: Path, manifest_path: Path) -> str:
    """Import a roster CSV (all or nothing, history kept) before serving; a summary line."""
    from builder.course.manifest import read_manifest
    from builder.store.queries import import_roster

    roles = list(read_manifest(manifest_path)["roles"])
    from builder.cli.roster import load_roster  # only `serve --roster` reads one here

    read = load_roster(root, path, roles, None, None)
    changes = import_roster(store, read.rows, dt.date.today())
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
