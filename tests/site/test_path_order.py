"""The path pages of a real MkDocs build honour a module's `order` (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

from builder.site.build import build_site
from tests.sitefixture import copy_fixture


def test_role_page_lists_modules_by_order_then_title(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    # A module without `requires` whose title sorts before "Introduction to security" ...
    (root / "content" / "basics" / "access.md").write_text(
        "---\nid: access\ntitle: Access basics\nversion: 1\ncriteria: [CC2.2]\n"
        "roles: [everyone]\nduration: 5\nowner: security@example.com\n"
        "acknowledge: {statement: I have read it.}\n---\nAccess is granted on request.\n",
        encoding="utf-8",
    )
    intro = root / "content" / "basics" / "intro.md"
    # ... comes after the introduction once the introduction asks to be first.
    intro.write_text(intro.read_text("utf-8").replace("version: 3\n", "version: 3\norder: -1\n"))
    built = build_site(root)
    page = (built.site_dir / "paths" / "everyone" / "index.html").read_text("utf-8")
    titles = re.findall(r">([^<>]+)</a></td>", page)
    assert titles[:3] == ["Introduction to security", "Access basics", "Second steps"], titles
