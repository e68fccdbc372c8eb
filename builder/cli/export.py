"""`trustpath records export` and `trustpath records dashboard`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TextIO

import click

from builder.cli.reports import AS_OF_HELP, DATE, course_of, open_store, reporting

ORG_IRI_ENV = "TRUSTPATH_ORG_IRI"


def _open_out(output: Path | None) -> TextIO:
    if output is None:
        return sys.stdout
    try:
        return output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc}") from None


def add_export_commands(group: click.Group) -> None:
    """Add export and dashboard to the records group."""

    @group.command("export")
    @click.option("--from", "start", type=DATE, required=True,
                  help="First day (inclusive, in the organisation's time zone).")  # fmt: skip
    @click.option("--to", "end", type=DATE, required=True,
                  help="Last day (inclusive, in the organisation's time zone).")  # fmt: skip
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "jsonl", "xapi"]),
        default="csv",
        show_default=True,
        help="CSV, JSON lines, or xAPI statements (JSON lines).",
    )
    @click.option(
        "--population",
        type=click.Choice(["new-hires", "leavers", "active"]),
        help="Instead of records: the people who started (left, were active) in the window, "
        "one row per item with its state.",
    )
    @click.option(
        "--org-iri",
        envvar=ORG_IRI_ENV,
        metavar="IRI",
        help=f"Organisation IRI for xAPI (actor homePage, activity ids): absolute https://…, "
        f"no spaces, query or fragment; default ${ORG_IRI_ENV}, else site_url of mkdocs.yml.",
    )
    @click.option(
        "--actor",
        type=click.Choice(["person", "email"]),
        default="person",
        show_default=True,
        help="xAPI account name: pseudonymous person id or email.",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write here instead of standard output.",
    )
    @click.pass_context
    def export(
        ctx: click.Context,
        start: dt.date,
        end: dt.date,
        fmt: str,
        population: str | None,
        org_iri: str | None,
        actor: str,
        as_of: dt.date | None,
        output: Path | None,
    ) -> None:
        """Audit evidence for a window: one row per attempt and acknowledgement.

        CSV cells that start like a formula (= + - @, tab, CR) get a leading '. The xapi format
        writes one xAPI 1.0.3 statement per line (JSON lines). With --population, lists each
        new hire (leaver, active person) of the window with their onboarding (offboarding,
        assigned) items and each item's state on the as-of date: in_time, late, not_yet_due
        or missed; a record made after the person's end date is flagged (after_end). Bad
        arguments exit 2 before anything is written.

        Example: trustpath records export --from 2026-01-01 --to 2026-06-30 -o evidence.csv
        """
        from builder.reports.evidence import export_lines

        if end < start:
            raise click.UsageError("--to is before --from")
        course = course_of(ctx)
        if fmt == "xapi":  # a usage error before the database is even opened
            from builder.reports.evidence import default_org_iri
            from builder.reports.export import check_org_iri

            try:
                check_org_iri(org_iri or default_org_iri(course))
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
        with open_store(ctx) as store:
            try:
                lines = export_lines(store, course, start, end, fmt=fmt, population=population,
                                     org_iri=org_iri, actor=actor, as_of=as_of)  # fmt: skip
            except ValueError as exc:  # ExportError, InvalidOrgIri, UnknownTimeZone
                raise click.UsageError(str(exc)) from None
            out = _open_out(output)
            count = -1 if fmt == "csv" else 0  # the CSV header is no row
            try:
                with reporting():
                    for piece in lines:  # one piece per row
                        out.write(piece)
                        count += 1
            finally:
                if output is not None:
                    out.close()
        if output is not None:
            click.echo(f"wrote {count} rows to {output}")

    @group.command("dashboard")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("report.html"),
        show_default=True,
        help="The HTML file to write.",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.pass_context
    def dashboard(ctx: click.Context, output: Path, as_of: dt.date | None) -> None:
        """One self-contained HTML report with inline SVG charts (prints well too).

        A cover block (organisation, as-of date, generated at, content commit, ledger head,
        verify result), completion by department, overdue and due-soon items, items due per
        week, open campaigns, pass rate per module, most-missed questions, criteria × roles
        coverage, stale content, people on leave or exempt, and how many identities are not
        on the roster.

        Example: trustpath records dashboard -o report.html --as-of 2026-06-30
        """
        from builder.reports.dashboard import render_dashboard
        from builder.reports.dashboard_data import gather

        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            data = gather(store, course, as_of)
        try:
            output.write_text(render_dashboard(data), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc}") from None
        click.echo(f"wrote {output}")
