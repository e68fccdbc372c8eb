"""The site of `trustpath serve --watch`: the latest build, a wait page, or the build error.

While the site rebuilds, pages answer 503 with a page that reloads itself every second; when
the build fails, 503 with the diagnostics (`path:line:col: error[code]: …`) and the same
reload, so the author sees the problem in the browser and the fixed page as soon as it builds.
The records API beside it keeps running throughout. No script: the site's CSP holds here too.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from builder.markup import esc

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{lead}</p>{body}</main></body></html>
"""


def wait_page() -> str:
    """The page shown while the site rebuilds (reloads itself every second)."""
    return _PAGE.format(
        refresh=1,
        title="Rebuilding the site…",
        lead="Your edit was seen; this page reloads by itself when the build is done.",
        body="",
    )


def error_page(messages: list[str]) -> str:
    """The page shown when the build failed: every diagnostic, escaped, one per line."""
    lines = "\n".join(esc(m) for m in messages)
    return _PAGE.format(
        refresh=2,
        title="The site did not build",
        lead=(
            "Fix the problems below and save: this page reloads by itself once the site "
            "builds. The records service is still running."
        ),
        body=f"<pre>{lines}</pre>",
    )


class PreviewSite:
    """An ASGI app serving `site_dir`, or the wait page, or the last build's error page."""

    def __init__(self, site_dir: Path) -> None:
        self.static = StaticFiles(directory=site_dir, html=True, check_dir=False)
        self.page: str | None = None  # the wait or error page, when not the site

    def building(self) -> None:
        """A rebuild started: pages wait for it."""
        self.page = wait_page()

    def built(self) -> None:
        """The rebuild succeeded: serve the site again."""
        self.page = None

    def failed(self, messages: list[str]) -> None:
        """The rebuild failed: every page shows its diagnostics."""
        self.page = error_page(messages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = self.page
        if page is not None and scope["type"] == "http":
            response = HTMLResponse(page, status_code=503, headers={"Retry-After": "1"})
            await response(scope, receive, send)
            return
        await self.static(scope, receive, send)
