"""The MkDocs adapter: options, live reload, and settings passed to the widgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files

from builder.site.build import build_site
from builder.site.plugin import TrustPathPlugin
from tests.sitefixture import copy_fixture


class FakeServer:
    def __init__(self) -> None:
        self.watched: list[str] = []

    def watch(self, path: str) -> None:
        self.watched.append(path)


def test_serve_reloads_on_role_edits(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    plugin = config.plugins["trustpath"]
    assert isinstance(plugin, TrustPathPlugin)
    config.plugins.on_files(Files([]), config=config)
    server = FakeServer()
    plugin.on_serve(server, config=config, builder=lambda: None)
    # the theme's custom_dir (site_overrides/) and roles/; content/ (docs_dir) and mkdocs.yml
    # are watched by MkDocs itself
    custom = config["theme"].custom_dir
    assert custom.endswith("site_overrides")
    assert server.watched == [custom, str(root.resolve() / "roles")]
    assert str(root / "content") == config["docs_dir"]


def test_the_plugin_brings_its_theme_after_the_projects_custom_dir(tmp_path: Path) -> None:
    from builder.site.assets import THEME_DIR

    root = copy_fixture(tmp_path / "project")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    dirs = config["theme"].dirs
    assert dirs[0] == config["theme"].custom_dir and dirs[1] == str(THEME_DIR)
    assert dirs[2].endswith("material/templates")
    assert config["extra"]["generator"] is False
    # a file of the project's custom_dir wins over TrustPath's
    (Path(config["theme"].custom_dir) / "partials").mkdir(exist_ok=True)
    own = root / "overrides"
    (own / "assets/trustpath").mkdir(parents=True)
    (own / "assets/trustpath/trustpath.css").write_text("/* mine */")
    text = (root / "mkdocs.yml").read_text("utf-8")
    text = re.sub(r"custom_dir: .*", "custom_dir: overrides", text)
    (root / "mkdocs.yml").write_text(text, "utf-8")
    built = build_site(root)
    assert (built.site_dir / "assets/trustpath/trustpath.css").read_text() == "/* mine */"
    assert (built.site_dir / "assets/trustpath/api.js").is_file()  # the rest is TrustPath's


def test_records_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTPATH_RECORDS_URL", "https://records.example.com/api")
    built = build_site(copy_fixture(tmp_path / "project"))
    html = (built.site_dir / "index.html").read_text("utf-8")
    assert 'id="trustpath-api" data-base="." data-records-url="https://records.example.com/api"' in html


def test_links_follow_use_directory_urls_false(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8") + "use_directory_urls: false\n")
    built = build_site(root)
    role = (built.site_dir / "paths/operator.html").read_text("utf-8")
    assert '<a href="../ops/on-call.html">Being on call</a>' in role
    module = (built.site_dir / "basics/intro.html").read_text("utf-8")
    assert '<a href="../criteria.html#cc2-2"' in module
    course = json.loads((built.site_dir / "assets/trustpath/course.json").read_text("utf-8"))
    assert course["modules"]["intro"]["url"] == "basics/intro.html"
    assert course["roles"]["operator"]["url"] == "paths/operator.html"
