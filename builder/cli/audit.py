"""`trustpath records transcript` and `trustpath records evidence-pack`: records for one person,
and for the auditor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.cli.reports import AS_OF_HELP, DATE, course_of, open_store, reporting
from builder.lifecycle.email import InvalidEmail, normalise_email


def add_audit_commands(group: click.Group) -> None:
    """Add transcript and evidence-pack to the records group."""

    @group.command("transcript")
    @click.argument("email")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write FILE.html or FILE.pdf (by its suffix) instead of HTML on standard output.",
    )
    @click.option(
        "--paper",
        type=click.Choice(["a4", "letter"]),
        default="a4",
        show_default=True,
        help="The PDF's paper size (the HTML prints on either).",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.pass_context
    def transcript_command(
        ctx: click.Context, email: str, output: Path | None, paper: str, as_of: dt.date | None
    ) -> None:
        """One person's training record, printable: every module on their path with version,
        status, completion date, score and attempts, acknowledgements with the statement's
        hash, workshop attendance; every record with its ledger seq; the ledger head.

        Example: trustpath records transcript ada@example.com -o ada.pdf --paper letter
        """
        from builder.reports.transcript import render_html, transcript
        from builder.reports.transcript_pdf import render_pdf

        try:
            address = normalise_email(email)
        except InvalidEmail as exc:
            raise click.BadParameter(str(exc), param_hint="EMAIL") from None
        suffix = output.suffix.lower() if output else ".html"
        if suffix not in (".html", ".htm", ".pdf"):
            raise click.BadParameter(
                f"'{output}' must end in .html or .pdf", param_hint="-o/--output"
            )
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            report = transcript(store, course, address, as_of)
        if output is None:
            click.echo(render_html(report), nl=False)
            return
        data = render_pdf(report, paper) if suffix == ".pdf" else render_html(report).encode()
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(
            f"wrote {output}: {report.done} of {len(report.modules)} modules done, "
            f"{len(report.records)} records, ledger head {report.head.seq}, as of {report.as_of}"
        )
