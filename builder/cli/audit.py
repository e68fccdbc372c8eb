"""`trustpath records transcript` and `trustpath records evidence-pack`: records for one person,
and for the auditor."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from builder.cli.reports import AS_OF_HELP, DATE, course_of, open_store, project_root, reporting
from builder.config import ConfigError
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


def coverage_at(root: Path, until_utc: str) -> Any:
    """The coverage matrix (Markdown) of the content at the last commit made by `until_utc`;
    without git history, of the work tree (said in a note)."""
    from builder.config import load_settings
    from builder.coverage.formats import format_markdown
    from builder.coverage.gate import compute_coverage
    from builder.curriculum.loader import load_curriculum
    from builder.curriculum.paths import build_paths
    from builder.curriculum.sources import GitSource, SourceError
    from builder.reports.evidence_pack import Coverage
    from builder.reports.sources import commit_at

    commit = commit_at(root, until_utc)
    note = ""
    try:
        if commit:
            source = GitSource(root, commit)
            settings = load_settings(root, source.read_text("mkdocs.yml"))
            result = load_curriculum(settings, source)
        else:
            note = "no git commit by the end of the window: this is the work tree's content"
            settings = load_settings(root)
            result = load_curriculum(settings)
    except (SourceError, ConfigError) as exc:
        raise click.ClickException(f"cannot read the content for coverage: {exc}") from None
    curriculum = result.curriculum
    report = compute_coverage(curriculum, build_paths(curriculum), settings)
    head = f"Content at commit {commit}" if commit else note
    problems = [str(d) for d in result.diagnostics if d.severity == "error"]
    extra = (
        "\n\nThe content had errors then; modules with errors are left out:\n\n"
        + "\n".join(f"- {p}" for p in problems)
        if problems
        else ""
    )
    return Coverage(f"{head}\n\n{format_markdown(report)}{extra}\n", commit, note)


def add_pack_command(group: click.Group) -> None:
    """Add evidence-pack to the records group."""

    @group.command("evidence-pack")
    @click.option(
        "--from",
        "start",
        type=DATE,
        required=True,
        help="First day of the audit window (in the organisation's time zone).",
    )
    @click.option("--to", "end", type=DATE, required=True,
                  help="Last day of the audit window (inclusive).")  # fmt: skip
    @click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        required=True,
        help="A new (or empty) folder; with --zip, the archive to write.",
    )
    @click.option("--zip", "as_zip", is_flag=True, help="Write one zip archive instead.")
    @click.option(
        "--as-of",
        type=DATE,
        default=None,
        help="States (populations, completion) as of this day (default: --to).",
    )
    @click.pass_context
    def evidence_pack(
        ctx: click.Context,
        start: dt.date,
        end: dt.date,
        output: Path,
        as_zip: bool,
        as_of: dt.date | None,
    ) -> None:
        """Everything an auditor asks for about training in one window, with checksums.

        Writes index.html (organisation, period, scope, content commits, ledger head and the
        verify result, a line on each file), the populations (new hires, leavers, active)
        with each item's state, completion by department and role, every attempt,
        acknowledgement, attendance and reminder of the window (CSV and JSON lines), who
        attested each policy version, the source of each module version in force (read from
        git at the commit that introduced it), the coverage matrix at the end of the window,
        and SHA256SUMS (check with `sha256sum -c SHA256SUMS`). Two runs with the same inputs
        differ only in the generated-at line.

        Example: trustpath records evidence-pack --from 2026-01-01 --to 2026-06-30 -o soc2-h1
        """
        from builder.lifecycle.clock import OrgClock
        from builder.reports.evidence_pack import PackError, gather, write_pack
        from builder.reports.pack_index import render_index

        root = project_root(ctx)
        course = course_of(ctx)
        if end < start:
            raise click.BadParameter(f"--to {end} is before --from {start}", param_hint="--to")
        with reporting():
            until = OrgClock(course.timezone).end_of(end)
        coverage = coverage_at(root, until.replace("Z", "+00:00"))
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        with open_store(ctx) as store, reporting():
            try:
                pack = gather(store, course, root, start, end, coverage, as_of)
                files = write_pack(pack, render_index(pack, generated).encode(), output, as_zip)
            except PackError as exc:
                raise click.ClickException(str(exc)) from None
        missing = [s for s, _ in pack.sources if s.text is None]
        click.echo(
            f"wrote {output}{' (zip)' if as_zip else ''}: {len(files)} files, window {start} to "
            f"{end}, ledger head {pack.head.split(':')[0]}, verify "
            f"{'ok' if pack.verify_ok else 'FAILED'}"
        )
        for source in missing:
            click.echo(f"warning: no source for {source.module} v{source.version}: "
                       f"{source.problem}", err=True)  # fmt: skip
        if not pack.verify_ok:
            click.echo("records verify failed: the pack says so in index.html", err=True)
            sys.exit(1)
