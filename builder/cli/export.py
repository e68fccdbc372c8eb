"""`trustpath records export` and `trustpath records dashboard`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from builder.cli.reports import DATE, course_of, open_store

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
    @click.option("--from", "start", type=DATE, required=True, help="First day (inclusive).")
    @click.option("--to", "end", type=DATE, required=True, help="Last day (inclusive).")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "jsonl", "xapi"]),
        default="csv",
        show_default=True,
    )
    @click.option(
        "--population",
        type=click.Choice(["new-hires", "leavers"]),
        help="Instead of records: people who started (left) in the window, per item.",
    )
    @click.option(
        "--org-iri",
        envvar=ORG_IRI_ENV,
        metavar="IRI",
        help=f"Organisation IRI for xAPI (actor homePage, activity ids); ${ORG_IRI_ENV}.",
    )
    @click.option(
        "--actor",
        type=click.Choice(["person", "email"]),
        default="person",
        show_default=True,
        help="xAPI account name: pseudonymous person id or email.",
    )
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
        output: Path | None,
    ) -> None:
        """Audit evidence for a window: one row per attempt and acknowledgement.

        CSV cells that start like a formula (= + - @, tab, CR) get a leading '. The xapi format
        writes one xAPI statement per line (JSON lines). With --population, lists each new
        hire (leaver) of the window with their onboarding (offboarding) items, whether each
        was done in time, and the days it took (from the start date; before the end date).

        Example: trustpath records export --from 2026-01-01 --to 2026-06-30 -o evidence.csv
        """
        from builder.reports.evidence import evidence_rows
        from builder.reports.evidence import population as population_of
        from builder.reports.export import (
            EVIDENCE_COLUMNS,
            POPULATION_COLUMNS,
            evidence_record,
            write_csv,
            write_jsonl,
            xapi_statement,
        )  # fmt: skip

        if end < start:
            raise click.UsageError("--to is before --from")
        if fmt == "xapi" and population:
            raise click.UsageError("--population exports CSV or JSON lines, not xAPI")
        if fmt == "xapi" and not (org_iri and org_iri.startswith(("http://", "https://"))):
            raise click.UsageError(f"xapi needs --org-iri https://… (or ${ORG_IRI_ENV})")
        course = course_of(ctx)
        with open_store(ctx) as store:
            if population:
                rows: Any = population_of(store, course, start, end, population == "leavers")
                columns: tuple[str, ...] = POPULATION_COLUMNS
            else:
                rows = (evidence_record(r) for r in evidence_rows(store, start, end))
                columns = EVIDENCE_COLUMNS
            if fmt == "xapi":
                titles = {m.id: m.title for m in course.modules.values()}
                assert org_iri is not None
                rows = (xapi_statement(r, org_iri, actor, titles.get(r["module"])) for r in rows)
            out = _open_out(output)
            try:
                count = write_csv(rows, out, columns) if fmt == "csv" else write_jsonl(rows, out)
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
    )
    @click.option(
        "--as-of", type=DATE, default=None, help="Compute for this date (default: today)."
    )
    @click.pass_context
    def dashboard(ctx: click.Context, output: Path, as_of: dt.date | None) -> None:
        """One self-contained HTML report with inline SVG charts (prints well too).

        Completion by department, items due per week, pass rate per module, most-missed
        questions, criteria × roles coverage, stale content, people on leave or exempt.

        Example: trustpath records dashboard -o report.html --as-of 2026-06-30
        """
        from builder.reports.dashboard import gather, render_dashboard

        course = course_of(ctx)
        with open_store(ctx) as store:
            data = gather(store, course, as_of or dt.date.today())
        try:
            output.write_text(render_dashboard(data), encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc}") from None
        click.echo(f"wrote {output}")
