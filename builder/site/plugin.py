"""The `trustpath` MkDocs plugin: a thin adapter over the core."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.utils import get_relative_url

from builder.config import PLUGIN_OPTIONS, ConfigError, Settings, settings_from_options
from builder.curriculum.diagnostics import sort_diagnostics
from builder.curriculum.loader import load_curriculum
from builder.course.manifest import MANIFEST_NAME, build_manifest, git_commit, write_manifest
from builder.curriculum.model import Curriculum, Module
from builder.lifecycle.role_rules import RoleRuleError, parse_role_rules
from builder.site.assets import BRAND_CSS, COURSE_INDEX, brand_css, course_index, register_theme
from builder.site.module_page import fill_slots, page_source, place_slots
from builder.site.pages import HOME_PAGE, generate_pages
from builder.curriculum.paths import LearningPath, build_paths

log = get_plugin_logger(__name__)
RETRY_SECONDS = 30  # how often the widgets retry sending answers queued while offline


def _option(name: str, default: Any) -> Any:
    """The MkDocs config option for a Settings field; `settings_from_options` checks values."""
    if "dict" in str(SETTINGS_TYPES[name]):
        return c.Optional(c.Type(object))  # mappings and lists of rules: checked by Settings
    if isinstance(default, tuple):
        return c.ListOfItems(c.Type(str), default=list(default))
    if isinstance(default, bool | int | str):
        return c.Type(type(default), default=default)
    return c.Optional(c.Type(object))  # dates, mappings, lists of rules: checked by Settings


# The plugin's schema is derived from the one table of options, `builder.config.Settings`.
_DEFAULTS = Settings(root=Path("."))
SETTINGS_TYPES = {f.name: f.type for f in fields(Settings)}
TrustPathConfig: type[Config] = type(
    "TrustPathConfig",
    (Config,),
    {name: _option(name, getattr(_DEFAULTS, name)) for name in sorted(PLUGIN_OPTIONS)},
)


class TrustPathPlugin(BasePlugin[TrustPathConfig]):  # type: ignore[valid-type,no-untyped-call]
    """Validates the curriculum, adds the generated pages, renders quizzes, writes the manifest."""

    def __init__(self) -> None:
        super().__init__()
        self.settings: Settings | None = None
        self.curriculum: Curriculum | None = None
        self.paths: dict[str, LearningPath] = {}
        self.modules_by_page: dict[str, Module] = {}
        self.manifest_path: Path | None = None
        self.files: Files | None = None
        self.content_warnings: list[str] = []

    def _options(self) -> dict[str, Any]:
        """The plugin's options as MkDocs validated them (the config class is derived)."""
        return dict(self.config)

    def _settings(self, config: Any) -> Settings:
        root = Path(config["config_file_path"]).parent
        options: dict[str, Any] = {k: v for k, v in self._options().items() if v is not None}
        try:
            return settings_from_options(
                root,
                options,
                docs_dir=Path(config["docs_dir"]).relative_to(root).as_posix(),
                site_dir=str(config["site_dir"]),
                site_name=str(config.get("site_name") or ""),
                site_url=str(config.get("site_url") or ""),
            )
        except ConfigError as exc:
            raise PluginError(str(exc)) from None

    def on_config(self, config: Any, /) -> Any:
        """Bring TrustPath's theme folder, turn off the generator credit, set the logo."""
        theme = config["theme"]
        theme.dirs[:] = register_theme(theme.dirs, theme.custom_dir)
        config["extra"]["generator"] = False  # no "Made with Material for MkDocs"
        logo = self._options().get("logo")
        if logo:
            theme["logo"] = logo
            if not theme.get("favicon") or theme["favicon"] == "assets/images/favicon.png":
                theme["favicon"] = logo
        return config

    def on_files(self, files: Files, /, *, config: Any) -> Files:
        settings = self.settings = self._settings(config)
        docs = Path(config["docs_dir"]).resolve()
        for stray in [f for f in files if f.src_uri.startswith("messages/")]:
            if Path(str(stray.src_dir)).resolve() != docs:
                files.remove(stray)  # message templates of `records remind`: not for the site
        result = load_curriculum(settings)
        diagnostics = sort_diagnostics(result.diagnostics)
        errors = [d for d in diagnostics if d.severity == "error"]
        warnings = [str(d) for d in diagnostics if d.severity == "warning"]
        self.content_warnings = warnings
        strict = bool(self._options()["strict"])
        if strict:
            errors += [d for d in diagnostics if d.severity == "warning"]
        if errors:
            note = " (strict: warnings count)" if warnings and strict else ""
            raise PluginError(
                f"{len(errors)} content error(s){note}:\n" + "\n".join(str(d) for d in errors)
            )
        # Content warnings inform and never stop the build: logged at INFO, which MkDocs'
        # strict mode does not count (it still fails on its own warnings: broken links...).
        for line in warnings:
            log.info(line)
        if warnings:
            log.info(
                f"{len(warnings)} content warning{'s' if len(warnings) != 1 else ''}; "
                "they do not stop the build (trustpath build --strict makes them fail)"
            )
        curriculum = self.curriculum = result.curriculum
        try:
            parse_role_rules(list(settings.role_rules), curriculum.roles)
        except RoleRuleError as exc:
            raise PluginError(str(exc)) from None
        self.paths = build_paths(curriculum)
        self.modules_by_page = {}
        self.files = files
        for module in curriculum.modules.values():
            file = files.get_file_from_path(module.doc_path)
            if file is not None:
                file.content_string = page_source(module)
                self.modules_by_page[module.doc_path] = module
        has_home = files.get_file_from_path(HOME_PAGE) is not None
        for page in generate_pages(
            config["site_name"],
            curriculum,
            self.paths,
            directory_urls=config["use_directory_urls"],
            with_home=not has_home,
            organisation=settings.organisation,
        ):
            if files.get_file_from_path(page.doc_path) is not None:
                raise PluginError(
                    f"{settings.docs_dir}/{page.doc_path}: TrustPath generates this page; "
                    "rename or remove the file"
                )
            files.append(File.generated(config, page.doc_path, content=page.content))
        index = course_index(curriculum, self.paths, directory_urls=config["use_directory_urls"])
        files.append(File.generated(config, COURSE_INDEX, content=index))
        if settings.colour:
            files.append(File.generated(config, BRAND_CSS, content=brand_css(settings.colour)))
        return files

    def on_env(self, env: Any, /, *, config: Any, files: Files) -> Any:
        settings = self.settings
        # Read by api.js from its own <script> element's data-* attributes: no inline JSON.
        env.globals["trustpath_settings"] = {
            "records_url": self._options()["records_url"],
            "retry_seconds": RETRY_SECONDS,
            "timezone": settings.timezone if settings else "UTC",
            "organisation": settings.organisation_name if settings else "",
            "brand": bool(settings and settings.colour),
        }
        return env

    def on_page_content(self, html: str, /, *, page: Any, config: Any, files: Files) -> str:
        module = self.modules_by_page.get(page.file.src_uri)
        return html if module is None else place_slots(html, module)

    def on_post_page(self, output: str, /, *, page: Any, config: Any) -> str:
        module = self.modules_by_page.get(page.file.src_uri)
        if module is None or self.curriculum is None or self.files is None:
            return output
        files, here = self.files, page.file.url

        def link(doc_path: str, anchor: str | None) -> str:
            target = files.get_file_from_path(doc_path)
            url = get_relative_url(target.url, here) if target is not None else "#"
            return f"{url}#{anchor}" if anchor else url

        return fill_slots(output, module, self.curriculum, link)

    def on_post_build(self, *, config: Any) -> None:
        if self.settings is None or self.curriculum is None:
            return
        manifest = build_manifest(
            self.settings, self.curriculum, self.paths, commit=git_commit(self.settings.root)
        )
        self.manifest_path = write_manifest(manifest, self.settings.state_path)
        log.debug(f"wrote {self.settings.state_path / MANIFEST_NAME}")

    def on_serve(self, server: Any, /, *, config: Any, builder: Any) -> Any:
        """Reload on edits to roles/, the catalogue and the project's custom_dir too."""
        custom = config["theme"].custom_dir
        if custom is not None and Path(custom).is_dir():
            server.watch(str(custom))
        if self.settings is not None:
            server.watch(str(self.settings.roles_path))
            catalogue = self.settings.root / self.settings.catalogue
            if catalogue.is_file():
                server.watch(str(catalogue))
        return server
