"""Build the published site: validate, MkDocs build, course manifest.

An adapter like the plugin: it drives the engine (MkDocs 1.6.1, or ProperDocs 1.6, its
drop-in continuation) in-process. Errors stop the build: content errors and the engine's own
warnings (broken links, missing pages: strict mode). Content warnings (a passed `review_by`,
quiz-quality cues) inform: they are returned in `BuiltSite.warnings`, and fail the build only
with `strict=True`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
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
    warnings: list[str] = field(default_factory=list)  # content warnings, `path:line:col: …`
    engine: str = "mkdocs"


ENGINES = ("mkdocs", "properdocs")


def _use_engine(engine: str) -> None:
    """Make `import mkdocs…` load the chosen engine (ProperDocs aliases MkDocs' modules)."""
    if engine not in ENGINES:
        raise SiteBuildError([f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}"])
    loaded = sys.modules.get("mkdocs")
    current = (
        "properdocs"
        if loaded is not None and loaded.__name__ == "properdocs"
        else ("mkdocs" if loaded is not None else None)
    )
    if engine == "properdocs" and current != "properdocs":
        if current == "mkdocs":
            raise SiteBuildError(
                ["MkDocs is already loaded in this process; build with ProperDocs in a new one"]
            )
        try:
            import properdocs.replacement  # noqa: F401  (aliases mkdocs.* to properdocs.*)
        except ImportError:
            raise SiteBuildError(
                ["ProperDocs is not installed: pip install 'trustpath[properdocs]'"]
            ) from None
    elif engine == "mkdocs" and current == "properdocs":
        raise SiteBuildError(
            ["ProperDocs is already loaded in this process; build with MkDocs in a new one"]
        )


class _Collector(logging.Handler):
    """Keeps every warning and error MkDocs and its plugins log during the build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def build_site(
    root: Path,
    site_dir: Path | None = None,
    *,
    site_url: str | None = None,
    strict: bool = False,
    engine: str = "mkdocs",
) -> BuiltSite:
    """Build the site of the project at `root`; raise SiteBuildError on any error.

    Errors are content errors and the engine's own warnings; content warnings are returned
    in `BuiltSite.warnings` and are errors only with `strict`. `site_url` overrides
    mkdocs.yml (instant navigation needs it to match where the site is served, scheme, host
    and port included). `engine` is `mkdocs` or `properdocs` (one per process).
    """
    _use_engine(engine)
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
        if strict:
            plugin.config["strict"] = True
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
    warnings = list(getattr(plugin, "content_warnings", []))
    return BuiltSite(Path(config["site_dir"]), Path(manifest_path), modules, warnings, engine)
