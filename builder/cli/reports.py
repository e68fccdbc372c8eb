"""`trustpath records` report commands: roster import, due, completion, questions, feedback.

`add_report_commands(group)` attaches them (and export / dashboard from `export_cli.py`) to
the records group, whose shared `--database` option names the store. Library errors become
click exceptions here, never tracebacks.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from builder.course.model import Course, CourseError, load_course
from builder.errors import TrustPathError
from builder.lifecycle.due import STATUSES
from builder.markup import terminal_text
from builder.reports.answers import (
    FEEDBACK_COLUMNS,
    QUESTION_COLUMNS,
    feedback_report,
    feedback_row,
    question_report,
)
from builder.reports.due import (
    COMPLETION_COLUMNS,
    DUE_COLUMNS,
    completion_rows,
    due_csv,
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
def open_store(ctx: click.Context, create: bool = False) -> Iterator[Store]:
    """The records group's migrated store (its --database), else one opened here.

    A missing SQLite file is an error (exit 1) unless `create` (`roster import` only).
    """
    node: click.Context | None = ctx
    while node is not None:
        shared = node.obj
        if hasattr(type(shared), "store") and hasattr(shared, "root"):  # not the property
            if create:
                shared.may_create = True
            yield shared.store
            return
        node = node.parent
    try:
        store = Store(resolve_database_url(project_root(ctx), None), create=create)
        store.migrate()
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield store
    finally:
        store.close()


def database_exists(ctx: click.Context) -> bool:
    """Whether the records database is there (a PostgreSQL URL is assumed to be)."""
    node: click.Context | None = ctx
    while node is not None:
        if hasattr(type(node.obj), "store") and hasattr(node.obj, "url"):
            url = str(node.obj.url)
            break
        node = node.parent
    else:
        url = resolve_database_url(project_root(ctx), None)
    if not url.startswith("sqlite"):
        return True
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return not path or path == ":memory:" or Path(path).is_file()


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
    """Turn a report's domain error (bad time zone, bad argument, a filter that names nothing)
    into a click message (exit 1)."""
    from builder.reports.filters import UnknownFilter

    try:
        yield
    except UnknownFilter as exc:  # it quotes what was typed and what the roster holds
        raise click.ClickException(terminal_text(str(exc))) from None
    except TrustPathError as exc:
        raise click.ClickException(str(exc)) from None


def end_report_process(ctx: click.Context) -> None:
    """End the process once a large report is out, without freeing its objects one by one.

    Under the `trustpath` console script only (`main.owns_process`; never when the CLI runs
    inside another program, such as tests' CliRunner): every context is closed (the store with
    them), logging and the output streams are flushed, then `os._exit(0)`. The interpreter's
    teardown would otherwise free the report's hundreds of thousands of tuples one at a time,
    about 0.1 s at 250,000 items, after the last line was printed.
    """
    from builder.cli import main

    if not main.owns_process:
        return
    node: click.Context | None = ctx
    while node is not None:
        node.close()
        node = node.parent
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


VERIFY_HELP = "Run `records verify` first and refuse to report if it fails."
MANAGER_HELP = "Only this manager's direct and indirect reports (roster manager_email)."
TEXT_WIDTH = 40  # titles, prompts and choice labels in text tables (CSV and JSON: in full)


def reports_filter(ctx: click.Context, manager: str | None) -> set[str] | None:
    """The emails of a manager's direct and indirect reports; None without --manager.

    A manager nobody on the roster is (or reports to) is an error naming the closest email.
    """
    if manager is None:
        return None
    from builder.reports.filters import Roster, manager_team

    with open_store(ctx) as store, reporting():
        return manager_team(Roster.load(store), manager)


def no_person(store: Store, email: str) -> click.ClickException:
    """ "no person with email 'X'" and the closest email on the roster, as a click error."""
    from builder.reports.filters import Roster
    from builder.suggest import did_you_mean

    hint = did_you_mean(email, Roster.load(store).names)
    return click.ClickException(terminal_text(f"no person with email '{email}'{hint}"))


def short(value: object, width: int = TEXT_WIDTH) -> str:
    """Text for a table cell: the first line, cut to `width` characters with an ellipsis."""
    text = "" if value is None else str(value).strip().split("\n", 1)[0]
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def say_nothing_found(fmt: str, what: str, filters: Mapping[str, object], as_of: Any) -> None:
    """An empty result in words: on stdout for text, on stderr beside CSV or JSON."""
    from builder.reports.filters import nothing_found

    click.echo(terminal_text(nothing_found(what, filters, as_of)), err=fmt != "text")


def add_report_commands(group: click.Group) -> None:
    """Add roster, due, completion, questions, feedback, export and dashboard to the group."""

    from builder.cli.roster import add_roster_commands

    add_roster_commands(group)

    @group.command("due")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--department", help="Only this department.")
    @click.option("--status", type=click.Choice(list(STATUSES)), help="Only items in this status.")
    @click.option("--module", help="Only this module (its id).")
    @click.option("--role", help="Only people who hold this role (its id).")
    @click.option("--person", metavar="EMAIL", help="Only this person.")
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
        role: str | None,
        person: str | None,
        manager: str | None,
        fmt: str,
        verify: bool,
    ) -> None:
        """Who must take which module by when: overdue, due_soon, upcoming, done.

        Each row names the person and the module beside their ids. People on leave or exempt
        are listed apart (text) with their reason. A filter that names nothing (a department
        nobody is in, an unknown module, role or person) is an error with the closest match.

        Example: trustpath records due --status overdue --department Engineering --format csv
        """
        course = course_of(ctx)
        # This process prints and ends: the million short-lived tuples of a large report
        # need no cycle collector (it rescanned them over and over: ~10% of the run).
        gc.disable()
        with open_store(ctx) as store, reporting():
            table = due_table(store, course, as_of, department=department, status=status,
                              module=module, role=role, person=person, manager=manager,
                              verify=verify)  # fmt: skip
        gc.freeze()  # these objects live until exit: later collections need not scan them
        items = table.items
        titles = table.titles
        if fmt == "csv":  # the big one: straight to text, no dict per row
            click.echo(due_csv(items, titles), nl=False)
        elif fmt == "json":
            emit([item_row(i, titles) for i in items], DUE_COLUMNS, fmt)
        elif items:
            rows = [item_row(i, titles) for i in items]
            for r in rows:
                r["name"], r["module_title"] = short(r["name"], 24), short(r["module_title"])
            emit(rows, DUE_COLUMNS, fmt)
        filters = {"department": department, "status": status, "module": module, "role": role,
                   "person": person, "manager": manager}  # fmt: skip
        if not items:
            say_nothing_found(fmt, "items", filters, table.as_of)
        if fmt == "text":
            if items:
                counts = {s: sum(i.status == s for i in items) for s in STATUSES}
                click.echo(
                    f"{len(items)} items as of {table.as_of}: "
                    + ", ".join(f"{n} {s}" for s, n in counts.items())
                )
            for e in table.excused:
                who = f"{e.name} <{e.email}>" if e.name else e.email
                click.echo(terminal_text(f"{e.status}: {who} ({e.department}): {e.reason}"))
        end_report_process(ctx)

    @group.command("completion")
    @click.option(
        "--by",
        type=click.Choice(["department", "role", "module"]),
        default="department",
        show_default=True,
        help="Group items by department, role or module.",
    )
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--department", help="Only this department.")
    @click.option("--role", help="Only people who hold this role (its id).")
    @click.option("--module", help="Only this module (its id).")
    @click.option("--manager", metavar="EMAIL", help=MANAGER_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.option("--verify", is_flag=True, help=VERIFY_HELP)
    @click.pass_context
    def completion(
        ctx: click.Context,
        by: str,
        as_of: dt.date | None,
        department: str | None,
        role: str | None,
        module: str | None,
        manager: str | None,
        fmt: str,
        verify: bool,
    ) -> None:
        """Share of assigned items that are current (completed and not overdue), with counts.

        By role or module, each group's title stands beside its id. A filter that names
        nothing is an error with the closest match.

        Example: trustpath records completion --by role --as-of 2026-06-30
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            found = completion_rows(store, course, by, as_of, department=department, role=role,
                                    module=module, manager=manager, verify=verify)  # fmt: skip
        rows = [r.as_dict() for r in found]
        # A department is its own name: the title column is there for roles and modules.
        columns = [c for c in COMPLETION_COLUMNS if c != "title" or by != "department"]
        if fmt == "text":
            for r in rows:
                r["share"] = f"{100 * float(r['share']):.1f}%"
                r["title"] = short(r["title"])
        if rows or fmt != "text":
            emit(rows, columns, fmt)
        if not rows:
            filters = {"department": department, "role": role, "module": module,
                       "manager": manager}  # fmt: skip
            say_nothing_found(fmt, "assigned items", filters, as_of)

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

        Each row has the module's title, the question's prompt and the most chosen wrong
        answer's text beside their ids (JSON: every choice's text too). Miss rate and most
        chosen wrong answer over all attempts; facility (share right), discrimination
        (correlation with the rest of the attempt) and each choice's share over first
        attempts, as Moodle's quiz statistics compute them. A question is flagged
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
                for key in ("module_title", "prompt", "top_wrong_text"):
                    r[key] = short(r[key])
        if rows or fmt != "text":
            emit(rows, QUESTION_COLUMNS, fmt)
        if not rows:
            what = "flagged questions" if flagged else "answered questions"
            say_nothing_found(fmt, what, {"module": module}, as_of)

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
        rows = [feedback_row(e, course) for e in entries]
        if not rows:
            if fmt != "text":
                emit(rows, FEEDBACK_COLUMNS, fmt)
            say_nothing_found(fmt, "feedback", {"module": module, "kind": kind}, as_of)
            return
        if fmt != "text":
            emit(rows, FEEDBACK_COLUMNS, fmt)
            return
        last: tuple[str, str] | None = None
        for e, d in zip(entries, rows, strict=True):
            if last is None or e.module != last[0]:
                title = f": {d['module_title']}" if d["module_title"] else ""
                click.echo(terminal_text(f"{e.module}{title}"))
            if last != (e.module, e.kind):
                count = sum(1 for x in entries if (x.module, x.kind) == (e.module, e.kind))
                click.echo(f"  {e.kind} ({count})")
            last = (e.module, e.kind)
            who = f"{d['name']} <{d['from']}>" if d["name"] else d["from"]
            line = f"{d['recorded_at'][:10]} {who}: {e.text}"
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
