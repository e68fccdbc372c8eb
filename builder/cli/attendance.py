"""`trustpath records attendance import`: live workshop attendance into the ledger."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli.reports import course_of, open_store
from builder.cli.roster import ENCODING_HELP
from builder.lifecycle.attendance import AttendanceError, read_attendance
from builder.lifecycle.roster_map import RosterMap, RosterMapError, parse_map
from builder.markup import terminal_text

MAP_HELP = (
    "Column map (YAML, the roster map format): which of the file's columns hold email, "
    "date or start, minutes, module."
)


def attendance_map(spec: Path | None) -> RosterMap | None:
    """The map file given with --map, parsed as an attendance map; None without --map."""
    if spec is None:
        return None
    try:
        return parse_map(spec.read_text("utf-8"), str(spec), kind="attendance")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the map {spec}: {exc}") from None
    except RosterMapError as exc:
        raise click.ClickException(f"{exc}\nthe map has problems; nothing imported") from None


def add_attendance_commands(group: click.Group) -> None:
    """Add the `attendance` group (import) to the records group."""

    @group.group("attendance")
    def attendance() -> None:
        """Live workshops: record who attended, from a meeting tool's or calendar's export.

        Example: trustpath records attendance import zoom.csv --map zoom-map.yml
        """

    @attendance.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--map", "map_file", type=click.Path(dir_okay=False, path_type=Path), help=MAP_HELP
    )
    @click.option(
        "--module", metavar="ID", help="The workshop of every row, when the file has no module."
    )
    @click.option("--encoding", metavar="CODEC", help=ENCODING_HELP)
    @click.option("--dry-run", is_flag=True, help="Show what would be recorded; write nothing.")
    @click.pass_context
    def attendance_import(
        ctx: click.Context,
        file: Path,
        map_file: Path | None,
        module: str | None,
        encoding: str | None,
        dry_run: bool,
    ) -> None:
        """Record an `attendance` ledger entry per person, workshop and session date.

        Without --map the header is TrustPath's own: email,date,minutes[,module][,name].
        With --map, a YAML map in the roster map format names the export's columns:

        \b
        columns: {email: Attendee Email, start: Join Time, minutes: Duration (Minutes)}
        date_format: "%m/%d/%Y %I:%M:%S %p"

        Rows of one person, workshop and date are summed (a meeting tool writes one row per
        join). A session counts as completion when its minutes reach the module's
        `min_minutes`. Attendees not on the roster are skipped and listed; a session already
        recorded is left as it is. Any bad row: nothing is imported.

        Example: trustpath records attendance import zoom.csv --map zoom.yml --module drill
        """
        from builder.store.attendance import record_attendance

        course = course_of(ctx)
        workshops = {m.id: m.title for m in course.modules.values() if m.workshop}
        if module is not None and module not in workshops:
            known = ", ".join(sorted(workshops)) or "none (set `delivery: workshop` on a module)"
            raise click.BadParameter(
                f"'{module}' is not a workshop; workshops: {known}", param_hint="--module"
            )
        rmap = attendance_map(map_file)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            read = read_attendance(data, workshops, str(file), rmap, module, encoding)
        except AttendanceError as exc:
            for problem in exc.problems:
                click.echo(terminal_text(str(problem)), err=True)
            raise click.ClickException(str(exc)) from None
        click.echo(f"read {file}: {read.text.describe()}, {len(read.rows)} attendance(s)")
        versions = {mid: course.modules[mid].version for mid in workshops}
        with open_store(ctx) as store:
            outcomes = record_attendance(store, read.rows, versions, file.name, dry_run)
        counts = dict.fromkeys(("recorded", "already", "not-on-roster"), 0)
        for o in outcomes:
            a = o.attendance
            counts[o.outcome] += 1
            need = course.modules[a.module].min_minutes
            verdict = "completes" if a.minutes >= need else f"under {need} min: not complete"
            where = f"{a.email} {a.module} {a.date} {a.minutes} min"
            if o.outcome == "recorded":
                seq = f" (seq {o.seq})" if o.seq else ""
                click.echo(f"{'would record' if dry_run else 'recorded'} {where}: {verdict}{seq}")
            elif o.outcome == "already":
                click.echo(
                    f"already recorded {a.email} {a.module} {a.date} "
                    f"({o.recorded_minutes if o.recorded_minutes is not None else '?'} min, "
                    f"seq {o.seq}): left as it is"
                )
            else:
                click.echo(f"skipped {a.email}: not on the roster")
        verb = "would record" if dry_run else "recorded"
        click.echo(
            f"{verb} {counts['recorded']}, already recorded {counts['already']}, "
            f"not on the roster {counts['not-on-roster']}"
            + (" (dry run: nothing written)" if dry_run else "")
        )
