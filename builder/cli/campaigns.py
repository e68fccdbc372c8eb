"""`trustpath records assign`, `records campaigns` and `records campaign ID` (issue 18).

Event-driven training: after an incident, a new threat or an audit finding, assign modules to
a population by a date, with a reason; follow the campaign up; cancel it. The rules are in
`builder.lifecycle.campaigns`, the writes in `builder.records.campaigns`, the reports in
`builder.reports.campaigns`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import click

from builder.cli.reports import (
    AS_OF_HELP,
    DATE,
    FORMATS,
    VERIFY_HELP,
    course_of,
    emit,
    open_store,
    print_table,
    reporting,
)
from builder.errors import TrustPathError
from builder.lifecycle.campaigns import Selector
from builder.lifecycle.clock import OrgClock
from builder.lifecycle.email import InvalidEmail, normalise_email
from builder.markup import terminal_text
from builder.records.campaigns import PastDueDate, UnknownModule, assign, cancel
from builder.reports.campaigns import (
    CAMPAIGN_COLUMNS,
    PEOPLE_COLUMNS,
    CampaignSummary,
    campaign_table,
)


def read_people_file(path: Path) -> tuple[str, ...]:
    """The normalised emails of a people file: one per line, or a CSV with an `email` column.

    Blank lines and lines starting with `#` are skipped. A click error naming `path:line` for
    an address that is not an email, or for a CSV without an `email` column.
    """
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--people") from None
    lines = [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    cells: list[tuple[int, str]] = [(n, line) for n, line in lines]
    if lines and "," in lines[0][1]:
        rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
        header = [h.strip().casefold() for h in rows[0]]
        if "email" not in header:
            raise click.BadParameter(
                f"{path}:{lines[0][0]}: a CSV people file needs an `email` column "
                f"(found {', '.join(rows[0])})",
                param_hint="--people",
            )
        col = header.index("email")
        cells = [
            (n, r[col] if col < len(r) else "")
            for (n, _), r in zip(lines[1:], rows[1:], strict=True)
        ]
    emails = []
    for n, cell in cells:
        try:
            emails.append(normalise_email(cell))
        except InvalidEmail as exc:
            raise click.BadParameter(f"{path}:{n}: {exc}", param_hint="--people") from None
    if not emails:
        raise click.BadParameter(f"{path} names nobody", param_hint="--people")
    return tuple(dict.fromkeys(emails))


def _selector(
    department: str | None,
    role: str | None,
    manager: str | None,
    people: Path | None,
    everyone: bool,
) -> Selector:
    given = [
        (name, value)
        for name, value in (
            ("department", department),
            ("role", role),
            ("manager", manager),
            ("people", people),
            ("all", everyone or None),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise click.UsageError(
            "choose the people with exactly one of --department, --role, --manager, --people "
            "or --all"
        )
    by, value = given[0]
    if by == "manager":
        try:
            return Selector("manager", normalise_email(str(value)))
        except InvalidEmail as exc:
            raise click.BadParameter(str(exc), param_hint="--manager") from None
    if by == "people":
        assert isinstance(value, Path)
        return Selector("people", value.name, read_people_file(value))
    return Selector(by, "" if by == "all" else str(value))


def _counts(summary: CampaignSummary) -> str:
    d = summary.as_dict()
    return (
        f"{d['people']} people, {d['done']} done, {d['open']} open, {d['overdue']} overdue, "
        f"{d['dropped']} dropped"
    )


def add_campaign_commands(group: click.Group) -> None:
    """Add assign, campaigns and campaign to the records group."""

    @group.command("assign")
    @click.argument("modules", nargs=-1, required=True, metavar="MODULE...")
    @click.option("--department", help="Everyone in this department (exact name).")
    @click.option("--role", help="Everyone holding this role or a role that extends it.")
    @click.option("--manager", metavar="EMAIL",
                  help="This manager's direct and indirect reports.")  # fmt: skip
    @click.option("--people", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help="A file of emails, one a line (or a CSV with an email column).")  # fmt: skip
    @click.option("--all", "everyone", is_flag=True, help="Everyone on the roster today.")
    @click.option("--due", type=DATE, help="The due date (today or later, organisation's days).")
    @click.option("--within", type=click.IntRange(0, 3650), metavar="DAYS",
                  help="Due this many days from today instead of --due.")  # fmt: skip
    @click.option("--reason", required=True,
                  help="Why: recorded with the campaign and shown to each person.")  # fmt: skip
    @click.option("--dry-run", is_flag=True, help="Print who would be assigned; write nothing.")
    @click.pass_context
    def assign_command(
        ctx: click.Context,
        modules: tuple[str, ...],
        department: str | None,
        role: str | None,
        manager: str | None,
        people: Path | None,
        everyone: bool,
        due: dt.date | None,
        within: int | None,
        reason: str,
        dry_run: bool,
    ) -> None:
        """Assign modules to people by a date, for a reason: one `assignment` ledger entry.

        The people are chosen on today's roster (organisation's time zone) and fixed: people
        who join later are not added; leavers keep the assignment on record but drop out of
        the open list. An assigned item is done only by a pass (or acknowledgement)
        recorded after the assignment, even if the person passed the module before. The
        entry names people by pseudonymous id, never by email; who assigned it comes from
        $TRUSTPATH_OPERATOR, else the OS user.

        Example: trustpath records assign phishing --department Sales --within 14 --reason "Phishing wave in Sales, Dec 2026"
        """  # noqa: E501
        selector = _selector(department, role, manager, people, everyone)
        if (due is None) == (within is None):
            raise click.UsageError("give the due date with exactly one of --due or --within")
        course = course_of(ctx)
        with reporting():
            today = OrgClock(course.timezone).today()
        try:
            with open_store(ctx) as store:
                plan = assign(store, course, modules, selector, reason, today, due=due,
                              within=within, dry_run=dry_run)  # fmt: skip
        except UnknownModule as exc:
            raise click.BadParameter(str(exc), param_hint="MODULE...") from None
        except PastDueDate as exc:
            raise click.BadParameter(str(exc), param_hint="--due/--within") from None
        except TrustPathError as exc:  # PopulationError, CampaignError: exit 1
            raise click.ClickException(str(exc)) from None
        what = ", ".join(plan.modules)
        if plan.dry_run:
            head = (
                f"dry run: would assign {what} to {len(plan.people)} people "
                f"({plan.selector.label()}), due {plan.due}; nothing written"
            )
        else:
            head = (
                f"campaign {plan.campaign}: {what} assigned to {len(plan.people)} people "
                f"({plan.selector.label()}), due {plan.due}, by {plan.assigned_by}"
            )
        click.echo(terminal_text(head))
        click.echo(terminal_text(f"reason: {plan.reason}"))
        rows = [{"email": p.email, "name": p.name, "department": p.department}
                for p in plan.people]  # fmt: skip
        print_table(rows, ("email", "name", "department"))

    @group.command("campaigns")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.option("--verify", is_flag=True, help=VERIFY_HELP)
    @click.pass_context
    def campaigns(ctx: click.Context, as_of: dt.date | None, fmt: str, verify: bool) -> None:
        """Campaigns with their reason, due date, population size and completion.

        done / open / overdue / dropped count people × modules; dropped are leavers, people
        on leave or exempt, and items a cancellation closed. State: open while anything is
        open or overdue, complete when all is done, or cancelled.

        Example: trustpath records campaigns --format csv > campaigns.csv
        """
        course = course_of(ctx)
        with open_store(ctx) as store, reporting():
            table = campaign_table(store, course, as_of, verify=verify)
        rows = [s.as_dict() for s in table.campaigns]
        emit(rows, CAMPAIGN_COLUMNS, fmt)
        if fmt == "text":
            opened = sum(s.state == "open" for s in table.campaigns)
            click.echo(f"{len(rows)} campaigns as of {table.as_of}: {opened} open")

    @group.command("campaign")
    @click.argument("campaign_id", metavar="ID")
    @click.option("--as-of", type=DATE, default=None, help=AS_OF_HELP)
    @click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
                  help="Output format.")  # fmt: skip
    @click.option("--cancel", "cancelling", is_flag=True,
                  help="Cancel it: open items leave `due`; the record stays.")  # fmt: skip
    @click.option("--reason", help="Why it is cancelled (required with --cancel).")
    @click.option("--verify", is_flag=True, help=VERIFY_HELP)
    @click.pass_context
    def campaign(
        ctx: click.Context,
        campaign_id: str,
        as_of: dt.date | None,
        fmt: str,
        cancelling: bool,
        reason: str | None,
        verify: bool,
    ) -> None:
        """One campaign's people and their state; or cancel it with --cancel --reason.

        States: done, open, overdue (as `records due` shows them), left, excused, absent,
        withdrawn (module gone from the course) and cancelled.

        Example: trustpath records campaign c-20261201-3fa9b2 --cancel --reason "Sent to the wrong team"
        """  # noqa: E501
        if reason is not None and not cancelling:
            raise click.UsageError("--reason goes with --cancel")
        course = course_of(ctx)
        if cancelling:
            if reason is None:
                raise click.UsageError("--cancel needs --reason TEXT")
            with open_store(ctx) as store, reporting():
                at = cancel(store, campaign_id, reason)
            click.echo(
                terminal_text(
                    f"cancelled campaign {campaign_id} at {at}: its open items leave `due`; "
                    "the campaign and what was completed stay on record"
                )
            )
            return
        with open_store(ctx) as store, reporting():
            summary = campaign_table(store, course, as_of, verify=verify).find(campaign_id)
        people = [p.as_dict() for p in summary.people]
        if fmt == "json":
            click.echo(json.dumps({"campaign": summary.as_dict(), "people": people}, indent=1,
                                  ensure_ascii=False))  # fmt: skip
            return
        if fmt == "csv":
            emit(people, PEOPLE_COLUMNS, fmt)
            return
        a = summary.assignment
        lines = [
            f"campaign {a.campaign} ({summary.state}): {', '.join(a.modules)} due {a.due}",
            f"reason: {a.reason}",
            f"assigned on {a.assigned_on} by {a.assigned_by} to {a.selector}: " + _counts(summary),
        ]
        if a.cancelled:
            lines.append(f"cancelled at {a.cancelled_at} by {a.cancelled_by}: {a.cancel_reason}")
        for line in lines:
            click.echo(terminal_text(line))
        print_table(people, PEOPLE_COLUMNS)
