"""The `trustpath` MkDocs plugin: a thin adapter over the core."""

from __future__ import annotations

from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import Files

log = get_plugin_logger(__name__)


class TrustPathConfig(Config):
    roles_dir = c.Type(str, default="roles")
    catalogue = c.Type(str, default="tsc-2017")
    categories = c.ListOfItems(c.Type(str), default=[])
    required_criteria = c.ListOfItems(c.Type(str), default=[])
    plain_pages = c.ListOfItems(c.Type(str), default=[])
    onboarding_days = c.Type(int, default=30)
    grace_days = c.Type(int, default=30)
    due_soon_days = c.Type(int, default=14)
    records_url = c.Type(str, default="/api")
    max_file_bytes = c.Type(int, default=1_048_576)


class TrustPathPlugin(BasePlugin[TrustPathConfig]):
    """Loads and validates the curriculum at the start of every build."""

    def on_files(self, files: Files, /, *, config: Any) -> Files:
        from pathlib import Path

        from builder.config import settings_from_options
        from builder.diagnostics import sort_diagnostics
        from builder.loader import load_curriculum

        root = Path(config["config_file_path"]).parent
        settings = settings_from_options(
            root, dict(self.config), docs_dir=Path(config["docs_dir"]).relative_to(root).as_posix(),
            site_dir=str(config["site_dir"]),
        )
        result = load_curriculum(settings)
        diagnostics = sort_diagnostics(result.diagnostics)
        errors = [d for d in diagnostics if d.severity == "error"]
        for d in diagnostics:
            if d.severity == "warning":
                log.warning(str(d))
        if errors:
            raise PluginError(
                f"{len(errors)} content error(s):\n" + "\n".join(str(d) for d in errors)
            )
        return files
