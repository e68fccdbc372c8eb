"""`trustpath records roster …`: import, map, roles; and the one roster loader that `roster
import`, `records links` and `serve --roster` share, so a file gives one result everywhere.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from builder.config import ConfigError, load_settings
from builder.lifecycle.role_rules import FILE_SOURCE, RoleRule, RoleRuleError, grant_roles
from builder.lifecycle.role_rules import parse_role_rules as _parse_rules
from builder.lifecycle.roster import (
    DEFAULT_MAX_END_SHARE,
    Roster,
    RosterError,
    SyncLimitExceeded,
    read_roster,
)
from builder.lifecycle.roster_map import (
    RosterMap,
    RosterMapError,
    builtin_map,
    builtin_names,
    builtin_text,
    parse_map,
)
from builder.markup import terminal_text

MAP_HELP = (
    "Column map: a built-in name ("
    + ", ".join(builtin_names())
    + ") or a YAML file (see `records roster map`)."
)
ENCODING_HELP = "The file's encoding when it is not UTF-8, e.g. cp1252 (never guessed)."


def role_rules(root: Path, roles: list[str]) -> tuple[RoleRule, ...]:
    """The project's `role_rules`, checked against the course's roles; a click error if wrong."""
    try:
        return _parse_rules(list(load_settings(root).role_rules), roles)
    except (ConfigError, RoleRuleError) as exc:
        raise click.ClickException(str(exc)) from None


def roster_map(spec: str | None) -> RosterMap | None:
    """The map named by --map: a built-in name or a file path; None without --map."""
    if spec is None:
        return None
    try:
        if spec in builtin_names():
            return builtin_map(spec)
        path = Path(spec)
        if not path.is_file():
            raise click.BadParameter(
                f"'{spec}' is neither a built-in map ({', '.join(builtin_names())}) nor a file",
                param_hint="--map",
            )
        return parse_map(path.read_text("utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the map {spec}: {exc}") from None
    except RosterMapError as exc:
        raise click.ClickException(f"{exc}\nthe map has problems; nothing imported") from None


def load_roster(
    root: Path, path: Path, roles: list[str], map_spec: str | None, encoding: str | None
) -> Roster:
    """Read and check a roster file as every command does; problems go to stderr, then exit 1."""
    rmap = roster_map(map_spec)
    rules = role_rules(root, roles)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return read_roster(data, roles, str(path), rmap, rules, encoding)
    except RosterError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(exc)) from None


def add_roster_commands(group: click.Group) -> None:
    """Add the `roster` group (import, map, roles) to the records group."""
    from builder.cli.reports import DATE, course_of, database_exists, open_store, project_root

    @group.group("roster")
    def roster() -> None:
        """The people the reports count: import the HR roster, print maps, explain roles.

        Example: trustpath records roster import hr-export.csv --map bamboohr --dry-run
        """

    @roster.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--map", "map_spec", metavar="NAME|FILE", help=MAP_HELP)
    @click.option("--encoding", metavar="CODEC", help=ENCODING_HELP)
    @click.option("--sync", is_flag=True, help="The file is the whole workforce: end the absent.")
    @click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
    @click.option("--force", is_flag=True, help="Let --sync end more than --max-end-share.")
    @click.option(
        "--max-end-share",
        type=click.IntRange(0, 100),
        default=round(100 * DEFAULT_MAX_END_SHARE),
        show_default=True,
        metavar="PERCENT",
        help="Largest share of the roster a --sync may end without --force.",
    )
    @click.option(
        "--effective",
        type=DATE,
        default=None,
        help="Date changes take effect, and the end date --sync gives (default: today).",
    )
    @click.pass_context
    def roster_import(
        ctx: click.Context,
        file: Path,
        map_spec: str | None,
        encoding: str | None,
        sync: bool,
        dry_run: bool,
        force: bool,
        max_end_share: int,
        effective: dt.date | None,
    ) -> None:
        """Upsert people from an HR export, keeping the history of every change.

        Without --map the header is TrustPath's own, in any order and any case:

        \b
        email,name,department,roles,start_date,end_date,status,employment
        [,note,title,manager_email]

        Only email, name and start_date are required. Roles are separated by ';' or ',';
        dates are ISO; status is active|leave|exempt (leave and exempt need the reason in
        note); employment is employee|contractor. With --map, the map names the columns,
        value synonyms and the date format. UTF-8 (with or without BOM), ',' ';' or tab
        separated. Any bad row: nothing is imported.

        Example: trustpath records roster import bamboohr.csv --map bamboohr --sync --dry-run
        """
        from builder.lifecycle.roster import plan_changes
        from builder.store.queries import import_roster

        course = course_of(ctx)
        read = load_roster(project_root(ctx), file, list(course.roles), map_spec, encoding)
        source = f"map {map_spec}" if map_spec else "TrustPath header"
        click.echo(f"read {file}: {read.text.describe()}, {source}, {len(read.rows)} people")
        limit = None if force else max_end_share / 100
        day = effective or dt.date.today()
        try:
            if dry_run and not database_exists(ctx):  # a first import's dry run creates nothing
                changes = plan_changes(read.rows, {}, sync=sync, effective=day, max_end_share=limit)
            else:
                with open_store(ctx, create=not dry_run) as store:
                    changes = import_roster(
                        store, read.rows, day, dry_run=dry_run, sync=sync, max_end_share=limit
                    )
        except SyncLimitExceeded as exc:
            raise click.ClickException(f"{exc}; nothing imported") from None
        for change in changes:
            if change.kind != "unchanged":
                click.echo(change.describe())
        counts = {k: sum(c.kind == k for c in changes) for k in ("add", "update", "unchanged")}
        ended = sum(c.kind == "end" for c in changes)
        verb = "would add" if dry_run else "added"
        click.echo(
            f"{verb} {counts['add']}, updated {counts['update']}, unchanged {counts['unchanged']}"
            + (f", ended {ended}" if sync else "")
            + (" (dry run: nothing written)" if dry_run else "")
        )

    @roster.command("map")
    @click.argument("name", type=click.Choice(builtin_names()))
    def roster_map_command(name: str) -> None:
        """Print a built-in roster map (YAML) to copy and adapt.

        Example: trustpath records roster map bamboohr > roster-map.yml
        """
        click.echo(builtin_text(name), nl=False)

    @roster.command("roles")
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--map", "map_spec", metavar="NAME|FILE", help=MAP_HELP)
    @click.option("--encoding", metavar="CODEC", help=ENCODING_HELP)
    @click.pass_context
    def roster_roles(
        ctx: click.Context, file: Path | None, map_spec: str | None, encoding: str | None
    ) -> None:
        """Who gets which role, and from which rule (or the roster's roles column).

        Without FILE, for the people stored by the last import.

        Example: trustpath records roster roles hr-export.csv --map gusto
        """
        course = course_of(ctx)
        root = project_root(ctx)
        lines: list[tuple[str, str, str]] = []
        if file is not None:
            read = load_roster(root, file, list(course.roles), map_spec, encoding)
            for row in read.rows:
                for role, sources in read.role_sources[row.email].items():
                    lines.append((row.email, role, "; ".join(sources)))
        else:
            from builder.store.queries import roster_state

            rules = role_rules(root, list(course.roles))
            with open_store(ctx) as store, store.transaction() as conn:
                state = roster_state(conn)
            for email, values in sorted(state.items()):
                if not values.get("start_date"):
                    continue
                held = [r for r in values.get("roles", "").split(";") if r]
                granted = grant_roles(values, [], rules)
                for role in held:
                    lines.append((email, role, "; ".join(granted.get(role) or (FILE_SOURCE,))))
        titles = {rid: r.title for rid, r in course.roles.items()}
        width = max([len("email")] + [len(e) for e, _, _ in lines])
        rwidth = max([len("role")] + [len(r) for _, r, _ in lines])
        twidth = max([len("role_title")] + [len(titles.get(r, "")) for _, r, _ in lines])
        click.echo(
            f"{'email'.ljust(width)}  {'role'.ljust(rwidth)}  {'role_title'.ljust(twidth)}  from"
        )
        for email, role, where in lines:
            title = titles.get(role, "").ljust(twidth)
            click.echo(
                terminal_text(f"{email.ljust(width)}  {role.ljust(rwidth)}  {title}  {where}")
            )
        click.echo(f"{len({e for e, _, _ in lines})} people, {len(lines)} role grants")
