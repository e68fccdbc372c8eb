"""Security headers on every answer: one policy for the site and a tighter one for the API.

The site's Content-Security-Policy allows only the site's own scripts, styles, images, fonts,
workers and requests (`'self'`); Material's inline scripts are moved to files by the
plugin's theme partials (`builder/site/theme/`), so no `'unsafe-inline'` is needed for
scripts. API answers are JSON (or the self-contained report HTML), so their policy allows
nothing but inline styles and `data:` images and no script at all. Both forbid framing
(`frame-ancestors 'none'` and `X-Frame-Options: DENY`, the second for browsers without CSP
level 2), MIME sniffing, and the Referer header (`no-referrer`: a personal link's token must
never travel in one). API answers are never cached (`Cache-Control: no-store`): they hold
personal data.

The same headers, for a deployment that serves the static site from nginx, are in the README's
production section; `tests/security/test_nginx_snippet.py` parses that snippet and compares it
with `SITE_HEADERS` and `API_HEADERS`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SITE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
COMMON_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
SITE_HEADERS: dict[str, str] = {**COMMON_HEADERS, "Content-Security-Policy": SITE_CSP}
API_HEADERS: dict[str, str] = {
    **COMMON_HEADERS,
    "Content-Security-Policy": API_CSP,
    "Cache-Control": "no-store",
}


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class SecurityHeaders:
    """ASGI middleware adding `SITE_HEADERS` (or `API_HEADERS` under `api_prefix`) to answers.

    A header the app already set (a report's own Cache-Control, say) is replaced, so every
    answer carries exactly one value of each. Cost: one list concatenation per response.
    """

    def __init__(self, app: ASGIApp, api_prefix: str = "/api") -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.site = _raw(SITE_HEADERS)
        self.api = _raw(API_HEADERS)
        self.names = {k for k, _ in self.site} | {k for k, _ in self.api}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.api if scope["path"].startswith(self.api_prefix) else self.site

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = message.get("headers") or []
                kept = [(k, v) for k, v in own if k.lower() not in self.names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
