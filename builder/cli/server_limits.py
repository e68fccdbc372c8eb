"""The HTTP server's limits and uvicorn's options for them, without importing uvicorn.

`records serve` and the other commands read these when the CLI starts; the protocol class
that enforces them (`builder.cli.http_limits`, which imports uvicorn and httptools) is named
by `PROTOCOL` and loaded by uvicorn only when a server starts.
"""

from __future__ import annotations

from typing import Any

CONFIG_ENV = "TRUSTPATH_SERVE_CONFIG"
DEFAULT_SERVER_LIMITS: dict[str, float] = {
    "max_request_line": 8190,
    "max_header_bytes": 16384,
    "max_headers": 100,
    "header_timeout": 10.0,
    "body_timeout": 20.0,
    "timeout_keep_alive": 5.0,
    "limit_concurrency": 1000,
    "backlog": 2048,
}
PROTOCOL = "builder.cli.http_limits:GuardedHttpToolsProtocol"


def server_limits(overrides: dict[str, Any] | None = None) -> dict[str, float]:
    """The defaults with `overrides` over them; ValueError for an unknown or non-positive one."""
    limits = dict(DEFAULT_SERVER_LIMITS)
    for name, value in (overrides or {}).items():
        if name not in limits:
            raise ValueError(f"unknown server limit '{name}'; known: {', '.join(limits)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ValueError(f"server limit '{name}' must be a positive number, not {value!r}")
        limits[name] = float(value)
    return limits


def uvicorn_options(limits: dict[str, float]) -> dict[str, Any]:
    """The `uvicorn.run`/`uvicorn.Config` keyword arguments for these limits (and no banner)."""
    return {
        "http": PROTOCOL,
        "server_header": False,
        "limit_concurrency": int(limits["limit_concurrency"]),
        "timeout_keep_alive": limits["timeout_keep_alive"],
        "backlog": int(limits["backlog"]),
        "h11_max_incomplete_event_size": int(limits["max_header_bytes"]),
    }
