"""Issue 17, item 1: changing the company profile in mkdocs.yml changes every page and quiz that
cites the changed values, and nothing else. The starter curriculum is built twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.course.manifest import read_manifest
from builder.site.build import BuiltSite, build_site
from tests.sitefixture import copy_project

OLD_NAME, NEW_NAME = "Northwind Cloud", "Quokka Zebra Systems"
DEADLINE = "vuln_fix_days_critical"
OLD_DAYS, NEW_DAYS = "7", "913"  # 913 is in no page of the starter site


def _set_profile(root: Path) -> None:
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    assert f"        name: {OLD_NAME}\n" in text and f"        {DEADLINE}: {OLD_DAYS}\n" in text
    text = text.replace(f"        name: {OLD_NAME}\n", f"        name: {NEW_NAME}\n")
    text = text.replace(f"        {DEADLINE}: {OLD_DAYS}\n", f"        {DEADLINE}: {NEW_DAYS}\n")
    config.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltSite, BuiltSite, Path]:
    base = tmp_path_factory.mktemp("profile")
    before = copy_project(base / "before")
    after = copy_project(base / "after")
    _set_profile(after)
    return build_site(before), build_site(after), before


def _pages(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text("utf-8") for p in sorted(site.rglob("*.html"))
    }


def _citing(root: Path) -> set[str]:
    """Module files (relative to content/) whose text cites a changed placeholder."""
    pattern = re.compile(rf"\$company\.(?:name|{DEADLINE})\b")
    return {
        p.relative_to(root / "content").as_posix()
        for p in (root / "content").rglob("*.md")
        if pattern.search(p.read_text("utf-8"))
    }


def _page_of(doc_path: str) -> str:
    return doc_path.removesuffix(".md") + "/index.html"


_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")


def _undo(html: str) -> str:
    """The page with the new values swapped back; digests (an acknowledgement's statement
    hash follows its text) blanked, and checked against the manifest in the next test."""
    html = html.replace(NEW_NAME, OLD_NAME)
    return _DIGEST.sub("sha256", re.sub(rf"\b{NEW_DAYS}\b", OLD_DAYS, html))


def test_changed_values_change_exactly_the_pages_that_cite_them(two_builds) -> None:
    before, after, root = two_builds
    old, new = _pages(before.site_dir), _pages(after.site_dir)
    assert old.keys() == new.keys()
    changed = {path for path in old if old[path] != new[path]}
    citing = {_page_of(doc) for doc in _citing(root)}
    assert len(citing) >= 10  # the name and the deadline are cited widely
    assert changed == citing
    for path in changed:
        assert NEW_NAME in new[path] or re.search(rf"\b{NEW_DAYS}\b", new[path]), path
        assert OLD_NAME not in new[path], path
        # The only difference is the values: swapping them back gives the first build's page.
        assert _undo(new[path]) == _DIGEST.sub("sha256", old[path]), path


def test_quizzes_and_the_manifest_carry_the_new_values(two_builds) -> None:
    before, after, root = two_builds
    old, new = read_manifest(before.manifest_path), read_manifest(after.manifest_path)
    assert new["settings"]["company"]["name"] == NEW_NAME
    differing = {m for m in old["modules"] if old["modules"][m] != new["modules"][m]}
    citing_ids = {
        m
        for m, entry in old["modules"].items()
        if entry["source"].split("/", 1)[1] in _citing(root)
    }
    assert differing == citing_ids
    quiz_citing = 0
    for mid in differing:
        o, n = old["modules"][mid], new["modules"][mid]
        assert o["content_sha256"] != n["content_sha256"], mid
        cited = {
            k: v
            for k, v in n["placeholders"].items()
            if k in {"company.name", f"company.{DEADLINE}"}
        }
        assert cited and all(v in (NEW_NAME, NEW_DAYS) for v in cited.values()), mid
        if o["quiz"] != n["quiz"]:
            quiz_citing += 1
            assert NEW_NAME in str(n["quiz"]) or NEW_DAYS in str(n["quiz"]), mid
            assert OLD_NAME not in str(n["quiz"]), mid
    # At least one quiz cites the deadline and one the name, so grading texts change with them.
    quiz_text = " ".join(str(new["modules"][m]["quiz"]) for m in differing)
    assert NEW_DAYS in quiz_text and NEW_NAME in quiz_text
    assert quiz_citing >= 2
    # An acknowledgement that cites a value is a new statement, with its own hash on the page.
    for mid in differing:
        o, n = old["modules"][mid]["acknowledge"], new["modules"][mid]["acknowledge"]
        if o and NEW_NAME in n["statement"]:
            assert o["statement_sha256"] != n["statement_sha256"], mid
            page = (after.site_dir / new["modules"][mid]["url"] / "index.html").read_text("utf-8")
            assert n["statement_sha256"] in page, mid
