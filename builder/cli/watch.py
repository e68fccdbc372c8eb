"""`trustpath serve --watch`: rebuild the site on edits while the records API keeps running.

The app is built once, in this process, with a `PreviewSite` in front of the site folder; a
watcher thread rebuilds on every change to the docs folder (`content/`), the roles folder, the
theme's `custom_dir` (`site_overrides/`), `mkdocs.yml` and a catalogue file, then hands the new
manifest to the records service (new module versions are published in the ledger). A build
error shows in the browser, with its diagnostics, until the next good build.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from builder.config import ConfigError, load_settings, read_mkdocs_yml


def watched_paths(root: Path) -> list[Path]:
    """What `--watch` watches: mkdocs.yml, docs and roles folders, custom_dir, catalogue file."""
    paths = [root / "mkdocs.yml"]
    try:
        settings = load_settings(root)
        paths += [settings.docs_path, settings.roles_path, root / settings.catalogue]
        theme = read_mkdocs_yml(root).get("theme") or {}
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        if isinstance(custom, str):
            paths.append(root / custom)
    except ConfigError:
        paths += [root / "content", root / "roles", root / "site_overrides"]
    return [p.resolve() for p in paths if p.exists()]


def rebuild(
    root: Path, site_url: str, preview: Any, service: Any, echo: Callable[[str], None]
) -> bool:
    """One rebuild: the preview waits, then shows the new site (True) or the error (False)."""
    from builder.course.manifest import read_manifest
    from builder.site.build import SiteBuildError, build_site

    preview.building()
    try:
        built = build_site(root, site_url=site_url)
    except SiteBuildError as exc:
        preview.failed(exc.messages)
        echo("build failed; the page shows why:\n" + "\n".join(exc.messages))
        return False
    service.reload_manifest(read_manifest(built.manifest_path))
    preview.built()
    for line in built.warnings:
        echo(line)
    echo(f"rebuilt {built.modules} module pages")
    return True


def changes(paths: Iterable[Path], stop: threading.Event) -> Iterable[set[Any]]:
    """Batches of file changes under `paths` (watchfiles: inotify, debounced) until `stop`."""
    import watchfiles

    yield from watchfiles.watch(*paths, stop_event=stop, debounce=300, raise_interrupt=False)


def start_watching(
    root: Path, site_url: str, preview: Any, service: Any, stop: threading.Event
) -> threading.Thread:
    """A daemon thread that rebuilds on every batch of changes, until `stop` is set."""
    paths = watched_paths(root)

    def run() -> None:
        for _ in changes(paths, stop):
            rebuild(root, site_url, preview, service, lambda line: click.echo(line, err=True))

    thread = threading.Thread(target=run, name="trustpath-watch", daemon=True)
    thread.start()
    click.echo("watching " + ", ".join(os.path.relpath(p, root) for p in paths), err=True)
    return thread
