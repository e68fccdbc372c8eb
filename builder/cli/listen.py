"""The listening socket of `trustpath serve`: taken first, handed to uvicorn last.

`serve` binds and listens before it builds the site, imports the roster or prints anything,
so a second `serve` on a busy port stops at once with a message (and `site/` untouched)
instead of rebuilding, announcing a URL and then failing inside uvicorn. With one worker the
same socket is served (nothing can take the port in between; connections made during the
build wait in the kernel's backlog); with several, uvicorn's supervisor binds its own, so the
socket is released just before (a port stolen in that instant fails as uvicorn reports it).
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import click

from builder.markup import terminal_text

REASONS = {
    errno.EADDRINUSE: "the port is in use (is another `trustpath serve` running?): stop it or "
    "pass --port with a free port",
    errno.EACCES: "permission denied (ports below 1024 need privileges): pass --port 1024 or above",
    errno.EADDRNOTAVAIL: "this machine has no such address: pass --host 127.0.0.1 or one of "
    "its own addresses",
}


def listen_on(host: str, port: int, backlog: int) -> socket.socket:
    """A TCP socket bound to (host, port) and listening, as uvicorn would make it.

    IPv6 when `host` contains a colon; `SO_REUSEADDR` on (a port left in TIME_WAIT by the last
    run is free, a port another process listens on is not). `backlog`: connections the
    kernel queues. Raises `click.ClickException` (exit 1) naming the address and the reason.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        reason = REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        if isinstance(exc, socket.gaierror):
            reason = f"'{host}' is not an address of this machine ({exc.strerror})"
        raise click.ClickException(
            f"cannot serve on {terminal_text(url_of(host, port))}: {reason}"
        ) from None
    sock.set_inheritable(True)  # uvicorn's workers inherit it, as with its own socket
    return sock


def url_of(host: str, port: int) -> str:
    """`http://host:port/` (an IPv6 host in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def run_uvicorn(sock: socket.socket, app: str, **options: Any) -> None:
    """Serve the ASGI app `app` ("module:attr") with uvicorn on `sock` (see the module doc).

    `options` are `uvicorn.Config` keyword arguments (host, port, workers, factory, limits).
    Exits with status 3 (uvicorn's startup failure) when the server could not start.
    """
    import uvicorn

    if int(options.get("workers") or 1) > 1:
        sock.close()
        uvicorn.run(app, **options)
        return
    config = uvicorn.Config(app, **options)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # pragma: no cover - Ctrl+C ends the demo
        pass
    finally:
        sock.close()
    if not server.started:
        raise SystemExit(3)
