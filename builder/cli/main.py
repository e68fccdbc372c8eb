"""The `trustpath` command line. The only place where exceptions become exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from builder import __version__
from builder.config import ConfigError, Settings, load_settings
from builder.curriculum.criteria import CatalogueError
from builder.curriculum.diagnostics import (
    format_github,
    format_json,
    sort_diagnostics,
    summary_line,
)
from builder.curriculum.loader import LoadResult, load_curriculum
from builder.curriculum.sources import SourceError
from builder.errors import TrustPathError
from builder.markup import terminal_text


class Project:
    """Lazily loaded settings and curriculum of the project given by --project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.root)
        return self._settings

    def load(self) -> LoadResult:
        return load_curriculum(self.settings)


pass_project = click.make_pass_decorator(Project)


class OnceCommand(click.Command):
    """A command whose single-value options may be given once: click keeps the last of
    `--module a --module b` silently, so a report would answer for `b` alone; this refuses
    the second (usage error, exit 2) and names the option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        single = {
            name: param
            for param in self.params
            if isinstance(param, click.Option)
            and not (param.multiple or param.count or param.is_flag)
            for name in param.opts
        }
        seen: set[str] = set()
        i = 0
        while i < len(args) and args[i] != "--":
            name = args[i].split("=", 1)[0]
            param = single.get(name)
            if param is not None and param.name is not None:
                if param.name in seen:
                    raise click.UsageError(f"{name} was given twice: give it once", ctx)
                seen.add(param.name)
                i += 1 if "=" in args[i] else 1 + param.nargs  # skip its value
                continue
            i += 1
        return super().parse_args(ctx, args)


class TrustPathGroup(click.Group):
    """A group whose commands' known problems become one-line errors (exit 1), never tracebacks.

    Its commands are OnceCommands: a single-value option given twice is a usage error."""

    command_class = OnceCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, CatalogueError, SourceError, TrustPathError) as exc:
            raise click.ClickException(terminal_text(str(exc))) from None


class LazyGroup(TrustPathGroup):
    """A group whose listed subcommands are imported on first use ("module:attribute")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            import importlib

            module_name, attr = self.lazy_subcommands[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="trustpath")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project root: the folder holding mkdocs.yml.",
)
@click.pass_context
def cli(ctx: click.Context, project: Path) -> None:
    """SOC 2 employee training as code.

    Validate training modules, assemble per-role learning paths, gate criteria coverage in
    CI, build the training site and keep tamper-evident training records.
    """
    ctx.obj = Project(project)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; github: workflow annotations; json: a list of objects.",
)
@click.option(
    "--strict", is_flag=True, help="Exit 1 on warnings too (also: strict: true in mkdocs.yml)."
)
@pass_project
def validate(project: Project, fmt: str, strict: bool) -> None:
    """Check every module and role: YAML, schema, references, quizzes, quiz quality, cycles.

    Prints each problem as `path:line:col: severity[code]: message`, sorted, then a summary.
    Exits 1 on any error (and on warnings with --strict), else 0.

    Example: trustpath validate --format github --strict
    """
    from builder.curriculum.checks import check_raw_html

    result = project.load()
    diagnostics = sort_diagnostics([*result.diagnostics, *check_raw_html(result.curriculum)])
    if fmt == "json":
        click.echo(format_json(diagnostics))
    else:
        for d in diagnostics:
            click.echo(format_github(d) if fmt == "github" else str(d))
        click.echo(summary_line(diagnostics, result.curriculum.files_checked))
    strict = strict or project.settings.strict
    failed = any(d.severity == "error" or strict for d in diagnostics)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("kind", type=click.Choice(["module", "role"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of module front matter or role files.

    Save it for editors with yaml-language-server.

    Example: trustpath schema module > .trustpath/module.schema.json
    """
    from builder.curriculum.schema_check import load_schema

    click.echo(json.dumps(load_schema(kind), indent=2))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--organisation",
    default="Example Corp",
    show_default=True,
    help="The organisation's name, as the site and reports show it.",
)
def init(directory: Path, organisation: str) -> None:
    """Write a new training content repository into DIRECTORY (new or empty).

    It holds mkdocs.yml with the trustpath plugin (which brings the quiz, acknowledgement and
    feedback widgets), three sample modules, two roles, a CI workflow for pull requests and a
    README for authors. It validates and builds as written.

    Example: trustpath init security-training --organisation "Acme Payments"
    """
    from builder.curriculum.starter import InitError, write_starter

    try:
        written = write_starter(directory, organisation)
    except InitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {len(written)} files into {directory}:")
    for path in written:
        click.echo(f"  {path.as_posix()}")
    click.echo(f"next: cd {directory} && trustpath serve --watch")


@cli.group()
def new() -> None:
    """Scaffold new content."""


@new.command("module")
@click.argument("module_id")
@click.option("--title", help="Module title (default: from the id).")
@click.option("--role", "roles", multiple=True, help="Role id; repeatable (default: all-staff).")
@click.option("--criterion", "criteria", multiple=True, help="Criterion id; repeatable.")
@click.option(
    "--folder", help="Folder under the docs folder (default: where the role's modules live)."
)
@pass_project
def new_module(
    project: Project,
    module_id: str,
    title: str | None,
    roles: tuple[str, ...],
    criteria: tuple[str, ...],
    folder: str | None,
) -> None:
    """Write a new module that validates, refusing to overwrite.

    Example: trustpath new module vendor-risk --role manager --criterion CC9.2
    """
    from builder.curriculum.scaffold import ScaffoldError, write_module

    try:
        path = write_module(
            project.settings,
            project.load().curriculum,
            module_id,
            title=title,
            roles=roles,
            criteria=criteria,
            folder=folder,
        )
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path.relative_to(project.settings.root).as_posix()}")


@cli.command()
@click.argument("role", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@pass_project
def paths(project: Project, role: str | None, fmt: str) -> None:
    """Print the ordered learning path of ROLE (or of every role).

    Each path lists its modules by stage (onboarding, recurring, offboarding) with
    prerequisites first, minutes per module and in total, and the criteria each covers.

    Example: trustpath paths engineer
    """
    from builder.curriculum.paths import build_paths, format_path_text, path_to_json
    from builder.curriculum.suggest import did_you_mean

    curriculum = _load_valid(project)
    if role is not None and role not in curriculum.roles:
        raise click.UsageError(f"unknown role '{role}'{did_you_mean(role, curriculum.roles)}")
    all_paths = build_paths(curriculum)
    chosen = [all_paths[role]] if role else list(all_paths.values())
    if fmt == "json":
        data = [path_to_json(p) for p in chosen]
        click.echo(json.dumps(data[0] if role else data, indent=2, ensure_ascii=False))
    else:
        click.echo("\n\n".join(format_path_text(p, curriculum) for p in chosen))


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "junit"]),
    default="text",
    show_default=True,
    help="text: 80-column matrix; markdown: PR comment; json: everything; junit: CI reporters.",
)
@click.option("--role", help="Only this role.")
@click.option(
    "--base",
    metavar="GITREV",
    help="Compare with the curriculum at this git revision (e.g. origin/main).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@pass_project
def coverage(
    project: Project, fmt: str, role: str | None, base: str | None, output: Path | None
) -> None:
    """Check that every role's path covers the criteria the role requires.

    Exits 1 when any role misses a required criterion (in every format), else 0.
    With --base, also shows what the change gains and loses per role, criterion and module.

    Example: trustpath coverage --format markdown --base origin/main >> "$GITHUB_STEP_SUMMARY"
    """
    from builder.coverage.formats import FORMATS
    from builder.curriculum.suggest import did_you_mean

    curriculum = _load_valid(project)
    if role is not None and role not in curriculum.roles:
        raise click.UsageError(f"unknown role '{role}'{did_you_mean(role, curriculum.roles)}")
    report, paths_ = _coverage(project.settings, curriculum, role)
    diff = None
    if base is not None:
        from builder.coverage.diff import diff_coverage
        from builder.curriculum.sources import GitSource

        source = GitSource(project.settings.root, base)
        base_settings = load_settings(project.settings.root, source.read_text("mkdocs.yml"))
        base_curriculum = load_curriculum(base_settings, source).curriculum
        base_role = role if role is None or role in base_curriculum.roles else "\0"
        base_report, base_paths = _coverage(base_settings, base_curriculum, base_role)
        diff = diff_coverage(
            base,
            base_report,
            base_paths,
            report,
            paths_,
            base_curriculum.modules,
            curriculum.modules,
        )
    text = FORMATS[fmt](report, diff)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    if not report.ok:
        sys.exit(1)


def _coverage(settings: Settings, curriculum: Any, role: str | None) -> tuple[Any, Any]:
    from builder.coverage.gate import compute_coverage
    from builder.curriculum.paths import build_paths

    all_paths = build_paths(curriculum)
    if role is not None:
        all_paths = {rid: p for rid, p in all_paths.items() if rid == role}
    report = compute_coverage(curriculum, all_paths, settings)
    if role is not None:
        report.orphans = []
    return report, all_paths


def _load_valid(project: Project) -> Any:
    """The curriculum, or exit 1 listing the content errors (paths need valid content)."""
    result = project.load()
    errors = [d for d in sort_diagnostics(result.diagnostics) if d.severity == "error"]
    if errors:
        for d in errors:
            click.echo(str(d), err=True)
        raise click.ClickException(
            f"{len(errors)} content error(s); fix them first (trustpath validate)"
        )
    return result.curriculum


@cli.command()
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: site_dir of mkdocs.yml).",
)
@click.option("--strict", is_flag=True, help="Fail on content warnings too.")
@click.option(
    "--engine",
    type=click.Choice(["mkdocs", "properdocs"]),
    default="mkdocs",
    show_default=True,
    help="The site engine: MkDocs 1.6.1, or ProperDocs 1.6 (its drop-in continuation).",
)
@pass_project
def build(project: Project, site_dir: Path | None, strict: bool, engine: str) -> None:
    """Validate, build the site, and write the course manifest.

    Content errors and the engine's own warnings (broken links, missing pages) fail the
    build. Content warnings (a passed review_by, quiz-quality cues) are printed with their
    count and fail it only with --strict. The manifest (.trustpath/manifest.json) holds the
    answer key and stays outside the site.

    Example: trustpath build --strict --site-dir public
    """
    from builder.site.build import SiteBuildError, build_site

    try:
        built = build_site(project.root, site_dir, strict=strict, engine=engine)
    except SiteBuildError as exc:
        raise click.ClickException(str(exc)) from None
    for line in built.warnings:
        click.echo(line, err=True)
    if built.warnings:
        n = len(built.warnings)
        click.echo(
            f"{n} content warning{'' if n == 1 else 's'} (not fatal; --strict makes them fail)",
            err=True,
        )
    click.echo(f"built {built.modules} module pages into {built.site_dir}")
    click.echo(f"wrote the course manifest to {built.manifest_path}")


# Commands with heavy imports (SQLAlchemy, Starlette) load only when invoked, so that
# `trustpath validate` in CI starts fast.
cli.lazy_subcommands.update(
    {
        "records": "builder.cli.records:records",
        "serve": "builder.cli.records:serve",
    }
)


owns_process = False  # True under the console script: a command may end the process itself


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    global owns_process
    owns_process = True
    return cli.main(args=argv, prog_name="trustpath")
