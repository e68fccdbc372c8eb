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
from builder.errors import TrustPathError
from builder.lifecycle.due import STATUSES
from builder.markup import safe_cell, terminal_text
from builder.reports.answers import (
    FEEDBACK_COLUMNS,
    QUESTION_COLUMNS,
    feedback_report,
    question_report,
)
from builder.reports.due import (
    COMPLETION_COLUMNS,
    DUE_COLUMNS,
    completion_rows,
    due_table,
    item_row,
)
from builder.reports.export import csv_text
from builder.reports.unknown import UNKNOWN_COLUMNS, unknown_report
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
    cells = [[terminal_text(r.get(c)) for c in columns] for r in rows]  # stored text: no escapes
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


AS_OF_HELP = (
    "Compute for this date: records made by the end of it in the organisation's time zone "
    "(default: today there)."
)


@contextmanager
def reporting() -> Iterator[None]:
    """Turn a report's domain error (bad time zone, bad argument) into a click message."""
    try:
        yield
    except TrustPathError as exc:
        raise click.ClickException(str(exc)) from None


VERIFY_HELP = "Run `records verify` first and refuse to report if it fails."
MANAGER_HELP = "Only this manager's direct and indirect reports (roster manager_email)."


def reports_filter(ctx: click.Context, manager: str | None) -> set[str] | None:
    """The emails of a manager's direct and indirect reports; None without --manager."""
    if manager is None:
        return None
    from builder.lifecycle.email import InvalidEmail, normalise_email
    from builder.lifecycle.managers import reports_of
    from builder.store.queries import roster_state

    try:
        boss = normalise_email(manager)
    except InvalidEmail as exc:
        raise click.BadParameter(str(exc), param_hint="--manager") from None
    with open_store(ctx) as store, store.transaction() as conn:
        state = roster_state(conn)
    managers = {e: v.get("manager_email", "") for e, v in state.items()}
    if boss not in state and boss not in managers.values():
        raise click.ClickException(f"no person with email '{boss}' on the roster")
    return set(reports_of(boss, managers).everyone)


def add_report_commands(group: click.Group) -> None:
    """Add roster, due, completion, questions, feedback, export and dashboard to the group."""

    from builder.cli.roster import add_roster_commands

    add_roster_commands(group)

    @group.command("due")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--department", help="Only this department.")
    @click.option("--status", type=click.Choice(list(STATUSES)), help="Only items in this status.")
    @click.option("--module", help="Only this module.")
    @click.option("--manager", metavar="EMAIL", help=MANAGER_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.option("--verify", is_flag=True, help=VERIFY_HELP)
    @click.pass_context
    def due(
        ctx: click.Context,
        as_of: dt.date | None,
        department: str | None,
        status: str | None,
        module: str | None,
        manager: str | None,
        fmt: str,
        verify: bool,
    ) -> None:
        """Who must take which module by when: overdue, due_soon, upcoming, done.

        People on leave or exempt are listed apart (text) with their reason.

        Example: trustpath records due --status overdue --department Engineering --format csv
        """
        course = course_of(ctx)
        team = reports_filter(ctx, manager)
        with open_store(ctx) as store, reporting():
            table = due_table(store, course, as_of, department=department, status=status,
                              module=module, team=team, verify=verify)  # fmt: skip
        gc.freeze()  # these objects live until exit: later collections need not scan them
        items = table.items
        if fmt == "csv":  # the big one: straight to the writer, no dict per row
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(DUE_COLUMNS)
            writer.writerows(
                (safe_cell(i.email), safe_cell(i.department), safe_cell(i.module), i.rule,
                 i.due.isoformat(), i.status, i.completed.isoformat() if i.completed else "")
                for i in items
            )  # fmt: skip
            click.echo(out.getvalue(), nl=False)
        else:
            emit([item_row(i) for i in items], DUE_COLUMNS, fmt)
        if fmt == "text":
            counts = {s: sum(i.status == s for i in items) for s in STATUSES}
            click.echo(
                f"{len(items)} items as of {table.as_of}: "
                + ", ".join(f"{n} {s}" for s, n in counts.items())
            )
            for e in table.excused:
                click.echo(terminal_text(f"{e.status}: {e.email} ({e.department}): {e.reason}"))

    @group.command("completion")
    @click.option(
        "--by",
        type=click.Choice(["department", "role", "module"]),
        default="department",
        show_default=True,
        help="Group items by department, role or module.",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--manager", metavar="EMAIL", help=MANAGER_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.option("--verify", is_flag=True, help=VERIFY_HELP)
    @click.pass_context
    def completion(
        ctx: click.Context,
        by: str,
        as_of: dt.date | None,
        manager: str | None,
        fmt: str,
        verify: bool,
    ) -> None:
        """Share of assigned items that are current (completed and not overdue), with counts.

        Example: trustpath records completion --by role --as-of 2026-06-30
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            rows = [
                r.as_dict()
                for r in completion_rows(
                    store, course, by, as_of, team=reports_filter(ctx, manager), verify=verify
                )
            ]
        if fmt == "text":
            for r in rows:
                r["share"] = f"{100 * float(r['share']):.1f}%"
        emit(rows, COMPLETION_COLUMNS, fmt)

    @group.command("questions")
    @click.option("--module", help="Only this module.")
    @click.option(
        "--flagged",
        is_flag=True,
        help="Only flagged questions: most people miss them, negative discrimination, or a "
        "distractor nobody picks.",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.pass_context
    def questions(
        ctx: click.Context, module: str | None, flagged: bool, as_of: dt.date | None, fmt: str
    ) -> None:
        """Item analysis per question and module version, most missed first.

        Miss rate and most chosen wrong answer over all attempts; facility (share right),
        discrimination (correlation with the rest of the attempt) and each choice's share
        over first attempts, as Moodle's quiz statistics compute them. A question is flagged
        (from 5 attempts) when most people miss it, its discrimination is negative, or a
        wrong choice is never picked.

        Example: trustpath records questions --module phishing --flagged --format json
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            stats = question_report(store, course, module, flagged, as_of)
        rows = [s.as_dict() for s in stats]
        if fmt == "text":
            for r in rows:
                r["miss_rate"] = f"{100 * float(r['miss_rate']):.0f}%"
                r["top_wrong_share"] = f"{100 * float(r['top_wrong_share']):.0f}%"
                r["flagged"] = " ".join(["missed"] * bool(r["flagged"]) + r["flags"])
                for key in ("facility", "discrimination"):
                    r[key] = "–" if r[key] is None else f"{float(r[key]):.2f}"
        emit(rows, QUESTION_COLUMNS, fmt)

    @group.command("feedback")
    @click.option("--module", help="Only this module.")
    @click.option("--kind", type=click.Choice(["question", "suggestion", "concern"]),
                  help="Only this kind of feedback.")  # fmt: skip
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.pass_context
    def feedback(
        ctx: click.Context, module: str | None, kind: str | None, as_of: dt.date | None, fmt: str
    ) -> None:
        """The feedback digest by module and kind; anonymous feedback stays anonymous.

        Example: trustpath records feedback --kind concern
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            entries = feedback_report(store, course, module, kind, as_of)
        rows = [e.as_dict() for e in entries]
        if fmt != "text":
            emit(rows, FEEDBACK_COLUMNS, fmt)
            return
        last: tuple[str, str] | None = None
        for e in entries:
            if last is None or e.module != last[0]:
                click.echo(terminal_text(e.module))
            if last != (e.module, e.kind):
                count = sum(1 for x in entries if (x.module, x.kind) == (e.module, e.kind))
                click.echo(f"  {e.kind} ({count})")
            last = (e.module, e.kind)
            d = e.as_dict()
            line = f"{d['recorded_at'][:10]} {d['from']}: {e.text}"
            click.echo(f"    {terminal_text(line)}")
        click.echo(f"{len(rows)} feedback entries")

    @group.command("unknown")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.pass_context
    def unknown(ctx: click.Context, as_of: dt.date | None, fmt: str) -> None:
        """Identities with ledger entries and no roster row: who trained before HR added them.

        For each: email, first and last record (days in the organisation's time zone) and the
        number of records by kind. Add them to the roster (or find out who they are): until
        then no report counts them.

        Example: trustpath records unknown --format csv > unknown.csv
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            rows = unknown_report(store, course, as_of)
        emit(rows, UNKNOWN_COLUMNS, fmt)
        if fmt == "text":
            click.echo(f"{len(rows)} identities with records and no roster row")

    from builder.cli.export import add_export_commands

    add_export_commands(group)
