"""What the plugin adds to the theme: its own folder, the brand stylesheet and the course index.

The widgets, their styles and TrustPath's template blocks ship in the package
(`builder/site/theme/`), so a content repository that installs TrustPath and names the
`trustpath` plugin gets a working training site without copying a theme. The folder is put
after the project's `custom_dir` and before Material's, so a project may still override any
file of it by giving the same path.

`course.json` is what the widgets need to know about the course without the answer key: module
titles, URLs and whether each has a quiz or an acknowledgement, role titles, and each role's
path in order. It is fetched (the site's CSP allows no inline script, and Material's instant
navigation re-creates script elements in the page), never embedded in a page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder.curriculum.model import Curriculum
from builder.curriculum.paths import LearningPath
from builder.site.pages import doc_url, role_page

THEME_DIR = Path(__file__).resolve().parent / "theme"
ASSETS = "assets/trustpath"
COURSE_INDEX = f"{ASSETS}/course.json"
BRAND_CSS = f"{ASSETS}/brand.css"


def register_theme(dirs: list[str], custom_dir: str | None) -> list[str]:
    """`dirs` (a theme's template folders, in order) with TrustPath's folder inserted.

    It goes right after the project's `custom_dir` (so the project wins) and before the
    theme's own folders (so TrustPath's blocks and partials win over Material's). Idempotent.
    """
    theme = str(THEME_DIR)
    out = [d for d in dirs if d != theme]
    at = 1 if custom_dir is not None and out and Path(out[0]) == Path(custom_dir) else 0
    out.insert(at, theme)
    return out


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """The relative luminance of `#rrggbb` (0 black to 1 white), as WCAG 2.2 defines it."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG 2.2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def brand_css(colour: str) -> str:
    """A stylesheet giving Material's primary colour the organisation's `colour` (`#rrggbb`).

    Text on the colour is white or near-black, whichever contrasts more (WCAG 2.2 formula);
    links use the colour only in the light scheme and where it reaches 4.5:1 on white.
    """
    text = "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#1a1a1a") else "#1a1a1a"
    rules = [
        "body[data-md-color-primary] {",
        f"  --md-primary-fg-color: {colour};",
        f"  --md-primary-fg-color--light: {colour};",
        f"  --md-primary-fg-color--dark: {colour};",
        f"  --md-primary-bg-color: {text};",
        f"  --md-primary-bg-color--light: {text}b3;",
        "}",
    ]
    if contrast(colour, "#ffffff") >= 4.5:
        rules += [
            'body[data-md-color-scheme="default"] {',
            f"  --md-typeset-a-color: {colour};",
            f"  --md-accent-fg-color: {colour};",
            "}",
        ]
    return "/* The organisation's colour (trustpath plugin option `colour`). */\n" + "\n".join(
        rules
    )


def course_index(
    curriculum: Curriculum, paths: dict[str, LearningPath], directory_urls: bool = True
) -> str:
    """`course.json`: titles, URLs (relative to the site root) and paths; no answer key.

    Shape: `{"modules": {id: {"title", "url", "minutes", "quiz", "ack", "stage"}},
    "roles": {id: {"title", "url"}}, "paths": {role id: [module id, ...]}}`.
    """
    data: dict[str, Any] = {
        "modules": {
            mid: {
                "title": m.title,
                "url": doc_url(m.doc_path, directory_urls),
                "minutes": m.duration,
                "quiz": m.quiz is not None,
                "ack": bool(m.acknowledge),
                "stage": m.stage,
            }
            for mid, m in sorted(curriculum.modules.items())
        },
        "roles": {
            rid: {"title": p.role.title, "url": doc_url(role_page(rid), directory_urls)}
            for rid, p in paths.items()
        },
        "paths": {rid: p.module_ids for rid, p in paths.items()},
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
