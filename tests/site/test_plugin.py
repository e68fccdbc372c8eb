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
    assert server.watched == [str(root.resolve() / "roles")]
    # content/ (docs_dir) and site_overrides/ (theme custom_dir) are watched by MkDocs itself
    assert str(root / "content") == config["docs_dir"]
    assert any(d.endswith("site_overrides") for d in config["theme"].dirs)


def test_records_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTPATH_RECORDS_URL", "https://records.example.com/api")
    built = build_site(copy_fixture(tmp_path / "project"))
    html = (built.site_dir / "index.html").read_text("utf-8")
    settings = re.search(r'id="trustpath-settings">(.*?)</script>', html)
    assert settings is not None
    assert json.loads(settings.group(1))["records_url"] == "https://records.example.com/api"


def test_links_follow_use_directory_urls_false(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8") + "use_directory_urls: false\n")
    built = build_site(root)
    role = (built.site_dir / "paths/operator.html").read_text("utf-8")
    assert '<a href="../ops/on-call.html">Being on call</a>' in role
    module = (built.site_dir / "basics/intro.html").read_text("utf-8")
    assert '<a href="../criteria.html#cc2-2"' in module
    me = (built.site_dir / "my-training.html").read_text("utf-8")
    assert '"url":"basics/intro.html"' in me
