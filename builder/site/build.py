"""Build the published site: validate, MkDocs build (strict), course manifest.

An adapter like the plugin: it drives MkDocs in-process and turns every failure, including
warnings (strict mode), into one `SiteBuildError` that lists the messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SiteBuildError(Exception):
    """The site could not be built; `messages` lists every error and warning, in order."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("site build failed:\n" + "\n".join(messages))


@dataclass(frozen=True)
class BuiltSite:
    site_dir: Path
    manifest_path: Path
    modules: int  # module pages rendered


class _Collector(logging.Handler):
    """Keeps every warning and error MkDocs and its plugins log during the build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def build_site(
    root: Path, site_dir: Path | None = None, *, site_url: str | None = None
) -> BuiltSite:
    """Build the site of the project at `root`; raise SiteBuildError on any error or warning.

    `site_url` overrides mkdocs.yml (instant navigation needs it to match where the site is
    served, scheme, host and port included).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    root = root.resolve()
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        raise SiteBuildError(
            [f"no mkdocs.yml in {root}: run from the project root or pass --project DIR"]
        )
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        options: dict[str, Any] = {"strict": True}
        if site_dir is not None:
            options["site_dir"] = str(site_dir.resolve())
        if site_url is not None:
            options["site_url"] = site_url
        try:
            config = load_config(config_file=str(config_file), **options)
        except MkDocsException as exc:
            raise SiteBuildError([*collector.messages, f"error: {exc}"]) from None
        plugin = config.plugins.get("trustpath")
        if plugin is None:
            raise SiteBuildError(
                [f"{config_file}: the 'trustpath' plugin is not enabled under plugins:"]
            )
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        except MkDocsException as exc:
            raise SiteBuildError([*collector.messages, f"error: {exc}"]) from None
        finally:
            config.plugins.on_shutdown()
    finally:
        logger.removeHandler(collector)
    manifest_path = getattr(plugin, "manifest_path", None)
    if manifest_path is None:
        raise SiteBuildError(["the build finished without writing the course manifest"])
    modules = len(getattr(plugin, "modules_by_page", {}))
    return BuiltSite(Path(config["site_dir"]), Path(manifest_path), modules)
