"""The build checks the `role_rules` setting against the content's roles (a real MkDocs build)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.site.build import SiteBuildError, build_site
from tests.sitefixture import copy_fixture


def with_rules(root: Path, rules: str) -> Path:
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8").replace(
        "      categories: [security]\n",
        f"      categories: [security]\n      role_rules:\n{rules}",
    )
    config.write_text(text, "utf-8")
    return root


def test_an_unknown_role_in_role_rules_fails_the_build(tmp_path: Path) -> None:
    root = with_rules(
        copy_fixture(tmp_path / "project"),
        "        - {department: Ops, roles: [operater]}\n",
    )
    with pytest.raises(SiteBuildError) as info:
        build_site(root)
    assert (
        "mkdocs.yml: trustpath option 'role_rules':\n"
        "  rule 1: unknown role 'operater'; did you mean 'operator'?"
    ) in str(info.value)


def test_valid_role_rules_build(tmp_path: Path) -> None:
    root = with_rules(
        copy_fixture(tmp_path / "project"),
        "        - {department: Ops, roles: [operator]}\n"
        '        - {employment: "*", roles: [everyone]}\n',
    )
    assert build_site(root).modules > 0
