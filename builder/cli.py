"""The `trustpath` command line. The only place where exceptions become exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from builder import __version__
from builder.config import ConfigError, Settings, load_settings
from builder.criteria import CatalogueError
from builder.diagnostics import format_github, format_json, sort_diagnostics, summary_line
from builder.loader import LoadResult, load_curriculum
from builder.sources import SourceError


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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@pass_project
def validate(project: Project, fmt: str, strict: bool) -> None:
    """Check every module and role: schema, references, quizzes, cycles.

    Prints each problem as `path:line:col: severity[code]: message`, sorted, then a summary.
    Exits 1 on any error (and on warnings with --strict), else 0.

    Example: trustpath validate --format github --strict
    """
    result = project.load()
    diagnostics = sort_diagnostics(result.diagnostics)
    if fmt == "json":
        click.echo(format_json(diagnostics))
    else:
        for d in diagnostics:
            click.echo(format_github(d) if fmt == "github" else str(d))
        click.echo(summary_line(diagnostics, result.curriculum.files_checked))
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
    from builder.schema_check import load_schema

    click.echo(json.dumps(load_schema(kind), indent=2))


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
    from builder.scaffold import ScaffoldError, write_module

    try:
        path = write_module(
            project.settings, project.load().curriculum, module_id,
            title=title, roles=roles, criteria=criteria, folder=folder,
        )
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path.relative_to(project.settings.root).as_posix()}")


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: known problems become messages and exit codes."""
    try:
        return cli.main(args=argv, prog_name="trustpath", standalone_mode=True)
    except (ConfigError, CatalogueError, SourceError) as exc:
        click.echo(f"trustpath: error: {exc}", err=True)
        sys.exit(1)
