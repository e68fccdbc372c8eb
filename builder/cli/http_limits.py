"""Server limits uvicorn lacks, as an HTTP protocol class: `--http builder.cli.http_limits:…`.

uvicorn (0.29 and later, httptools parser) limits concurrent connections
(`limit_concurrency`, a 503) and idle keep-alive connections (`timeout_keep_alive`), but not
the size of a request's headers or line, nor how long a client may take to send them: one
request with 64 MiB of headers was accepted, and a connection that sent nothing or half a
request stayed open. `GuardedHttpToolsProtocol` adds, per connection:

| limit | default | over it |
|---|---|---|
| `max_request_line` (method, target, version) | 8,190 bytes | 414 |
| `max_header_bytes` (all header lines) | 16,384 bytes | 431 |
| `max_headers` (count) | 100 | 431 |
| `header_timeout` (connection or first byte → end of headers) | 10 s | 408 (closed if idle) |
| `body_timeout` (end of headers → end of body) | 20 s | 408 |

and answers the 503 of `limit_concurrency` in the API's JSON error shape. Every refusal closes
the connection, so nothing is buffered beyond the limit (no memory growth). The limits come
from `server_limits` in `$TRUSTPATH_SERVE_CONFIG` (set by `trustpath serve`), so every worker
process reads the same ones.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from builder.cli.server_limits import (  # re-exported: the limits live beside their options
    CONFIG_ENV,
    DEFAULT_SERVER_LIMITS,
    PROTOCOL,
    server_limits,
    uvicorn_options,
)
from builder.web.security import API_HEADERS

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_SERVER_LIMITS",
    "PROTOCOL",
    "GuardedHttpToolsProtocol",
    "error_response",
    "server_limits",
    "uvicorn_options",
]

_MESSAGES = {
    400: ("bad_http", "the request is not valid HTTP/1.1"),
    408: ("request_timeout", "the request was not sent in time"),
    414: ("request_line_too_long", "the request line is too long"),
    431: ("headers_too_large", "the request headers are too large"),
    503: ("overloaded", "the service is at its connection limit: try again shortly"),
}


def _configured() -> dict[str, float]:
    text = os.environ.get(CONFIG_ENV)
    overrides = json.loads(text).get("server_limits") if text else None
    return server_limits(overrides)


def error_response(status: int) -> bytes:
    """A whole HTTP/1.1 response in the API's error shape that closes the connection."""
    code, message = _MESSAGES[status]
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    head = [STATUS_LINE[status]]
    for name, value in {
        **API_HEADERS,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
    }.items():
        head.append(f"{name}: {value}\r\n".encode("latin-1"))
    return b"".join([*head, b"\r\n", body])


class _Refused(Exception):
    """Raised inside a parser callback to stop parsing a request over a limit."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def _overloaded(scope: Any, receive: Any, send: Any) -> None:
    code, message = _MESSAGES[503]
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    headers = [(k.lower().encode(), v.encode()) for k, v in API_HEADERS.items()]
    headers += [(b"content-type", b"application/json"), (b"retry-after", b"1")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on request size and time (see the module)."""

    limits: dict[str, float] | None = None  # read once per process

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if GuardedHttpToolsProtocol.limits is None:
            GuardedHttpToolsProtocol.limits = _configured()
        self._limits = GuardedHttpToolsProtocol.limits
        self._max_concurrency = self.limit_concurrency
        self.limit_concurrency = None  # checked here, to answer in the JSON error shape
        self._timer: asyncio.TimerHandle | None = None
        self._line = 0
        self._header_bytes = 0
        self._header_count = 0
        self._started = False  # bytes of a request arrived
        self._in_head = True  # reading a request line and headers
        self._head_bytes = 0  # bytes read while in the head: bounds httptools' buffering

    # -- timers ------------------------------------------------------------------------------

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and self.cycle.response_started:
            return  # the app is answering: its own time
        if self._started:
            self.transport.write(error_response(408))
        self.transport.close()

    def _refuse(self, status: int) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(error_response(status))
            self.transport.close()

    # -- protocol ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._limits["header_timeout"])

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if not self._started:
            self._started = True
            self._arm(self._limits["header_timeout"])
        if self._in_head:
            self._head_bytes += len(data)
            if (
                self._head_bytes
                > self._limits["max_request_line"] + self._limits["max_header_bytes"]
            ):
                self._refuse(431)
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            refused = exc.__context__ or exc.__cause__
            if isinstance(refused, _Refused):
                self._refuse(refused.status)
                return
            raise
        except httptools.HttpParserError:
            self._refuse(400)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._line = self._header_bytes = self._header_count = 0
        self._in_head = True

    def on_url(self, url: bytes) -> None:
        self._line += len(url)
        if self._line > self._limits["max_request_line"]:
            raise _Refused(414)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        self._header_count += 1
        if (
            self._header_bytes > self._limits["max_header_bytes"]
            or self._header_count > self._limits["max_headers"]
        ):
            raise _Refused(431)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._head_bytes = False, 0
        self._arm(self._limits["body_timeout"])
        limit = self._max_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            app, self.app = self.app, _overloaded
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            return
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._started, self._in_head, self._head_bytes = False, True, 0
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            # idle until the next request: uvicorn's keep-alive timer closes it; ours waits
            # for the first byte of the next request to start counting again
            self._disarm()
