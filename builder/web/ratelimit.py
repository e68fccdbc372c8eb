"""Rate limits on the write routes, per person and per client address (the `limits` library).

Routes are matched on method and path prefix, so a route added under a prefix (the quiz draw,
`GET /api/quiz/{module}/draw`) is covered without touching this file. Each route has a limit
per identity (the email the request resolves to) and one per client address; the address
limit is skipped for a trusted SSO proxy, whose address every request shares. Counters are
kept in memory per worker process (`limits`' fixed windows), so with N workers a
client may reach N times a limit at most.

Defaults are far above what an honest employee does (a quiz takes minutes; the offline
queue sends what it saved one item at a time) and far below a script: the issue's
1,000 feedback messages at 469 per second stop at the 10th. Over a limit the answer is 429
in the one error shape, with `Retry-After` (seconds) and `details.retry_at` (UTC, ISO 8601).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from builder.web.errors import ApiError

# name: (method, path prefix)
LIMITED_ROUTES: dict[str, tuple[str, str]] = {
    "attempts": ("POST", "/api/attempts"),
    "acknowledgements": ("POST", "/api/acknowledgements"),
    "feedback": ("POST", "/api/feedback"),
    "draws": ("GET", "/api/quiz/"),
}
DEFAULT_LIMITS: dict[str, dict[str, str]] = {
    "attempts": {"person": "30/minute;300/hour", "address": "1200/minute"},
    "acknowledgements": {"person": "30/minute;300/hour", "address": "1200/minute"},
    "feedback": {"person": "10/minute;60/hour;200/day", "address": "300/minute"},
    "draws": {"person": "60/minute;600/hour", "address": "2400/minute"},
}
SCOPES = ("person", "address")


SWEEP_SECONDS = 10.0


class SweptMemoryStorage(MemoryStorage):
    """`limits`' in-memory storage, expired inline instead of by a thread.

    MemoryStorage starts a `threading.Timer` thread every 10 ms while counters exist, to drop
    expired keys; in an event-loop server that thread creation and its fight for the GIL cost
    a fifth of the graded attempts per second (bench/records.py). Counters already expire
    lazily when read; this sweep (every SWEEP_SECONDS, on the request path) only bounds memory.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the one MemoryStorage started
        self._next_sweep = time.monotonic() + SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the private thread starter
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class RateLimitConfigError(ValueError):
    """The `rate_limits` setting names an unknown route or scope, or an unreadable limit."""


@dataclass(frozen=True)
class RouteLimits:
    name: str
    method: str
    prefix: str
    person: tuple[RateLimitItem, ...]
    address: tuple[RateLimitItem, ...]


def parse_rate_limits(options: Mapping[str, Any] | None) -> list[RouteLimits]:
    """The route limits: `DEFAULT_LIMITS` with `options` (the `rate_limits` setting) over them.

    `options` maps a route name to `{person: LIMITS, address: LIMITS}`, where LIMITS is the
    `limits` notation (`"30/minute;300/hour"`) or `"off"`. Raises RateLimitConfigError.
    """
    merged = {name: dict(scopes) for name, scopes in DEFAULT_LIMITS.items()}
    for name, scopes in (options or {}).items():
        if name not in merged:
            raise RateLimitConfigError(
                f"rate_limits: unknown route '{name}'; known: {', '.join(LIMITED_ROUTES)}"
            )
        if not isinstance(scopes, Mapping):
            raise RateLimitConfigError(f"rate_limits.{name}: expected {{person: …, address: …}}")
        for scope, text in scopes.items():
            if scope not in SCOPES:
                raise RateLimitConfigError(
                    f"rate_limits.{name}: unknown scope '{scope}'; use person or address"
                )
            merged[name][scope] = str(text)
    routes = []
    for name, scopes in merged.items():
        method, prefix = LIMITED_ROUTES[name]
        parsed: dict[str, tuple[RateLimitItem, ...]] = {}
        for scope in SCOPES:
            text = scopes[scope].strip()
            try:
                parsed[scope] = () if text.lower() == "off" else tuple(parse_many(text))
            except ValueError:
                raise RateLimitConfigError(
                    f"rate_limits.{name}.{scope}: cannot read '{text}' "
                    '(write e.g. "30/minute;300/hour", or off)'
                ) from None
        routes.append(RouteLimits(name, method, prefix, parsed["person"], parsed["address"]))
    return routes


def too_many(retry_at: float, route: str, scope: str, limit: RateLimitItem) -> ApiError:
    """The 429 error: `Retry-After` in whole seconds, `details.retry_at` in UTC."""
    wait = max(1, math.ceil(retry_at - time.time()))
    when = dt.datetime.fromtimestamp(retry_at, dt.UTC).isoformat(timespec="seconds")
    return ApiError(
        429,
        "rate_limited",
        f"too many requests to {route}: at most {limit} per {scope}; try again in {wait} s",
        {"retry_at": when.replace("+00:00", "Z"), "limit": str(limit), "scope": scope},
        headers={"Retry-After": str(wait)},
    )


Resolver = Callable[[Scope], Any]  # async: the request's email, or None when it has none


class RateLimiter:
    """ASGI middleware: counts hits per (route, person) and (route, client address)."""

    def __init__(
        self,
        app: ASGIApp,
        routes: list[RouteLimits],
        resolve_email: Resolver,
        trusted_address: Callable[[str | None], bool],
    ) -> None:
        self.app = app
        self.routes = [r for r in routes if r.person or r.address]
        self.resolve_email = resolve_email
        self.trusted_address = trusted_address
        self.limiter = FixedWindowRateLimiter(SweptMemoryStorage())

    def _route(self, scope: Scope) -> RouteLimits | None:
        method, path = scope["method"], scope["path"]
        for route in self.routes:
            if method == route.method and path.startswith(route.prefix):
                return route
        return None

    def _hit(self, route: RouteLimits, scope_name: str, key: str) -> ApiError | None:
        items = route.person if scope_name == "person" else route.address
        for item in items:
            if not self.limiter.hit(item, route.name, scope_name, key):
                stats = self.limiter.get_window_stats(item, route.name, scope_name, key)
                return too_many(stats.reset_time, route.name, scope_name, item)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else None
        error = None
        if route.address and host is not None and not self.trusted_address(host):
            error = self._hit(route, "address", host)
        if error is None and route.person:
            email = await self.resolve_email(scope)
            if email is not None:
                error = self._hit(route, "person", email)
        if error is None:
            await self.app(scope, receive, send)
            return
        body = orjson.dumps(error.body())
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in (error.headers or {}).items()),
        ]
        await send({"type": "http.response.start", "status": error.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def header_map(scope: Scope) -> Headers:
    """The request headers of an ASGI scope, as a case-insensitive mapping."""
    return Headers(scope=scope)
