"""Branding from the settings: organisation, colour, logo; no generator credit (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.site.assets import brand_css, contrast
from builder.site.build import SiteBuildError, build_site
from tests.sitefixture import copy_fixture


def configure(root: Path, lines: str) -> None:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("roles_dir: roles", f"roles_dir: roles\n{lines}"))


def test_organisation_colour_and_logo_come_from_the_settings(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    (root / "content/images").mkdir()
    (root / "content/images/logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    configure(root, '      organisation: Acme Payments\n      colour: "#0b5394"\n'
                    "      logo: images/logo.svg")  # fmt: skip
    built = build_site(root)
    home = (built.site_dir / "index.html").read_text("utf-8")
    assert '<link rel="stylesheet" href="assets/trustpath/brand.css">' in home
    assert 'src="images/logo.svg"' in home and 'href="images/logo.svg"' in home  # logo, icon
    assert "training for everyone at Acme Payments" in home
    assert '<div class="md-copyright__highlight">Acme Payments</div>' in home
    assert "Made with" not in home and "Material for MkDocs" not in home
    css = (built.site_dir / "assets/trustpath/brand.css").read_text("utf-8")
    assert "--md-primary-fg-color: #0b5394;" in css and "--md-primary-bg-color: #ffffff;" in css


def test_text_on_the_brand_colour_is_whichever_contrasts_more() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert "--md-primary-bg-color: #1a1a1a;" in brand_css("#ffd700")  # gold: dark text
    assert "--md-typeset-a-color" not in brand_css("#ffd700")  # too light for links on white
    assert "--md-primary-bg-color: #ffffff;" in brand_css("#0b5394")


def test_a_colour_that_is_not_hex_is_a_clear_error(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    configure(root, "      colour: blue")
    with pytest.raises(SiteBuildError, match=r"'colour' is 'blue', not a colour; write it as #rrggbb"):
        build_site(root)
