"""`trustpath records` report commands: roster import, due, completion, questions, feedback.

`add_report_commands(group)` attaches them (and export / dashboard from `export_cli.py`) to
the records group, whose shared `--database` option names the store. Library errors become
click exceptions here, never tracebacks.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from builder.course.model import Course, CourseError, load_course
from builder.lifecycle.due import STATUSES, DueItem, DueReport, Person, sort_items
from builder.markup import safe_cell
from builder.reports.aggregates import completion_table, feedback_digest, question_stats
from builder.reports.export import csv_text
from builder.store.database import StorageError, Store, resolve_database_url

FORMATS = click.Choice(["text", "csv", "json"])


class DateType(click.ParamType):  # type: ignore[type-arg]
    """An ISO date (2026-06-30) as a datetime.date."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date like 2026-06-30", param, ctx)


DATE = DateType()


def project_root(ctx: click.Context) -> Path:
    """The --project root of the top-level command (duck-typed to avoid importing the CLI)."""
    return Path(getattr(ctx.find_root().obj, "root", "."))


@contextmanager
def open_store(ctx: click.Context) -> Iterator[Store]:
    """The records group's migrated store (its --database), else one opened here."""
    node: click.Context | None = ctx
    while node is not None:
        shared = node.obj
        if hasattr(shared, "store") and hasattr(shared, "root"):
            yield shared.store
            return
        node = node.parent
    try:
        store = Store(resolve_database_url(project_root(ctx), None))
        store.migrate()
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def course_of(ctx: click.Context) -> Course:
    """The course manifest of the project, or a click error."""
    try:
        return load_course(project_root(ctx))
    except (CourseError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # ConfigError and friends from the loader: a message, not a trace
        raise click.ClickException(str(exc)) from None


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Aligned text columns with a header."""
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def emit(rows: list[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    """Rows as text, CSV or JSON on stdout."""
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(csv_text(rows, tuple(columns)), nl=False)
    else:
        print_table(rows, columns)


def item_dict(item: DueItem) -> dict[str, Any]:
    return {
        "email": item.email, "name": item.name, "department": item.department,
        "module": item.module, "version": item.version, "rule": item.rule,
        "due": item.due.isoformat(), "status": item.status,
        "completed": item.completed.isoformat() if item.completed else None,
    }  # fmt: skip


def compute_due(ctx: click.Context, as_of: dt.date) -> tuple[DueReport, list[Person], Course]:
    from builder.store.queries import due_report

    course = course_of(ctx)
    with open_store(ctx) as store:
        report, people = due_report(store, course, as_of)
    gc.freeze()  # these objects live until exit: later collections need not scan them
    return report, people, course


def add_report_commands(group: click.Group) -> None:
    """Add roster, due, completion, questions, feedback, export and dashboard to the group."""

    @group.group("roster")
    def roster() -> None:
        """The people the reports count: import the HR roster.

        Example: trustpath records roster import hr-export.csv --dry-run
        """

    @roster.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
    @click.option(
        "--effective",
        type=DATE,
        default=None,
        help="Date role and status changes take effect (default: today).",
    )
    @click.pass_context
    def roster_import(
        ctx: click.Context,
        file: Path,
        dry_run: bool,
        effective: dt.date | None,
    ) -> None:
        """Upsert people from a CSV roster, keeping the history of every change.

        Header: email,name,department,roles,start_date,end_date,status,employment[,note];
        roles separated by ';', ISO dates, status active|leave|exempt (leave and exempt need
        the reason in note), employment employee|contractor. Any bad row: nothing is imported.

        Example: trustpath records roster import demo/roster.csv --dry-run
        """
        from builder.lifecycle.roster import RosterError, parse_roster
        from builder.store.queries import import_roster

        try:
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"cannot read {file}: {exc}") from None
        course = course_of(ctx)
        try:
            rows = parse_roster(text, set(course.roles), source=str(file))
        except RosterError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(str(exc)) from None
        with open_store(ctx) as store:
            changes = import_roster(store, rows, effective or dt.date.today(), dry_run=dry_run)
        for change in changes:
            if change.kind != "unchanged":
                click.echo(change.describe())
        counts = {k: sum(c.kind == k for c in changes) for k in ("add", "update", "unchanged")}
        verb = "would add" if dry_run else "added"
        click.echo(
            f"{verb} {counts['add']}, updated {counts['update']}, "
            f"unchanged {counts['unchanged']}" + (" (dry run: nothing written)" if dry_run else "")
        )

    @group.command("due")
    @click.option(
        "--as-of", type=DATE, default=None, help="Compute for this date (default: today)."
    )
    @click.option("--department", help="Only this department.")
    @click.option("--status", type=click.Choice(list(STATUSES)), help="Only items in this status.")
    @click.option("--module", help="Only this module.")
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
    @click.pass_context
    def due(
        ctx: click.Context,
        as_of: dt.date | None,
        department: str | None,
        status: str | None,
        module: str | None,
        fmt: str,
    ) -> None:
        """Who must take which module by when: overdue, due_soon, upcoming, done.

        People on leave or exempt are listed apart (text) with their reason.

        Example: trustpath records due --status overdue --department Engineering --format csv
        """
        report, _, _ = compute_due(ctx, as_of or dt.date.today())
        items = [
            i
            for i in report.items
            if (department is None or i.department == department)
            and (status is None or i.status == status)
            and (module is None or i.module == module)
        ]
        items = sort_items(items)
        columns = ["email", "department", "module", "rule", "due", "status", "completed"]
        if fmt == "csv":  # the big one: straight to the writer, no dict per row
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(
                (safe_cell(i.email), safe_cell(i.department), safe_cell(i.module), i.rule,
                 i.due.isoformat(), i.status, i.completed.isoformat() if i.completed else "")
                for i in items
            )  # fmt: skip
            click.echo(out.getvalue(), nl=False)
        else:
            emit([item_dict(i) for i in items], columns, fmt)
        excused = [e for e in report.excused if department is None or e.department == department]
        if fmt == "text":
            counts = {s: sum(i.status == s for i in items) for s in STATUSES}
            click.echo(
                f"{len(items)} items as of {report.as_of}: "
                + ", ".join(f"{n} {s}" for s, n in counts.items())
            )
            for e in excused:
                click.echo(f"{e.status}: {e.email} ({e.department}): {e.reason}")

    @group.command("completion")
    @click.option(
        "--by",
        type=click.Choice(["department", "role", "module"]),
        default="department",
        show_default=True,
    )
    @click.option(
        "--as-of", type=DATE, default=None, help="Compute for this date (default: today)."
    )
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
    @click.pass_context
    def completion(ctx: click.Context, by: str, as_of: dt.date | None, fmt: str) -> None:
        """Share of assigned items that are current (completed and not overdue), with counts.

        Example: trustpath records completion --by role --as-of 2026-06-30
        """
        report, people, course = compute_due(ctx, as_of or dt.date.today())
        by_id = {p.person_id: p for p in people}
        rows = [r.as_dict() for r in completion_table(report.items, by, by_id, course)]
        if fmt == "text":
            for r in rows:
                r["share"] = f"{100 * float(r['share']):.1f}%"
        emit(
            rows,
            ["group", "people", "assigned", "current", "overdue", "due_soon", "upcoming", "share"],
            fmt,
        )

    @group.command("questions")
    @click.option("--module", help="Only this module.")
    @click.option(
        "--flagged",
        is_flag=True,
        help="Only flagged questions: most people miss them, negative discrimination, or a "
        "distractor nobody picks.",
    )
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
    @click.pass_context
    def questions(ctx: click.Context, module: str | None, flagged: bool, fmt: str) -> None:
        """Item analysis per question and module version, most missed first.

        Miss rate and most chosen wrong answer over all attempts; facility (share right),
        discrimination (correlation with the rest of the attempt) and each choice's share
        over first attempts, as Moodle's quiz statistics compute them. A question is flagged
        (from 5 attempts) when most people miss it, its discrimination is negative, or a
        wrong choice is never picked.

        Example: trustpath records questions --module phishing --flagged --format json
        """
        from builder.store.item_queries import first_attempt_answers
        from builder.store.queries import answer_counts, refresh_answers

        course = course_of(ctx)
        with open_store(ctx) as store:
            refresh_answers(store, course)
            with store.transaction() as conn:
                counts = answer_counts(conn, module)
                first = first_attempt_answers(conn, module)
        stats = [
            s
            for s in question_stats(counts, course, first)
            if not flagged or s.flagged or (s.item and s.item.flags)
        ]
        rows = [s.as_dict() for s in stats]
        if fmt == "text":
            for r in rows:
                r["miss_rate"] = f"{100 * float(r['miss_rate']):.0f}%"
                r["top_wrong_share"] = f"{100 * float(r['top_wrong_share']):.0f}%"
                r["flagged"] = " ".join(["missed"] * bool(r["flagged"]) + r["flags"])
                for key in ("facility", "discrimination"):
                    r[key] = "–" if r[key] is None else f"{float(r[key]):.2f}"
        emit(
            rows,
            [
                "module",
                "version",
                "question",
                "attempts",
                "miss_rate",
                "top_wrong_choice",
                "top_wrong_share",
                "facility",
                "discrimination",
                "flagged",
            ],
            fmt,
        )

    @group.command("feedback")
    @click.option("--module", help="Only this module.")
    @click.option("--kind", type=click.Choice(["question", "suggestion", "concern"]))
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
    @click.pass_context
    def feedback(ctx: click.Context, module: str | None, kind: str | None, fmt: str) -> None:
        """The feedback digest by module and kind; anonymous feedback stays anonymous.

        Example: trustpath records feedback --kind concern
        """
        from builder.store.queries import feedback_entries

        with open_store(ctx) as store, store.transaction() as conn:
            entries = feedback_entries(conn, module, kind)
        digest = feedback_digest(entries)
        rows = [e.as_dict() for kinds in digest.values() for group in kinds.values() for e in group]
        if fmt != "text":
            emit(rows, ["module", "version", "kind", "from", "recorded_at", "text"], fmt)
            return
        for mid, kinds in digest.items():
            click.echo(f"{mid}")
            for k, group in kinds.items():
                click.echo(f"  {k} ({len(group)})")
                for e in group:
                    d = e.as_dict()
                    click.echo(f"    {d['recorded_at'][:10]} {d['from']}: {e.text}")
        click.echo(f"{len(rows)} feedback entries")

    from builder.cli.export import add_export_commands

    add_export_commands(group)
