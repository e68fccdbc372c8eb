"""A small keep-alive HTTP/1.1 load client on raw asyncio sockets (many connections, cheap).

httpx costs about a millisecond of client CPU a request, which on two cores would starve the
server under test; this costs a few tens of microseconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx


async def _one_connection(
    host: str,
    port: int,
    path: str,
    headers: bytes,
    bodies: Sequence[bytes],
    next_index: list[int],
    results: list[tuple[int, Any] | None],
    body_headers: Sequence[bytes] | None = None,
) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return
    try:
        while next_index[0] < len(bodies):
            i = next_index[0]
            next_index[0] += 1
            body = bodies[i]
            writer.write(
                b"POST "
                + path.encode()
                + b" HTTP/1.1\r\nHost: t\r\n"
                + headers
                + (body_headers[i] if body_headers else b"")
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            data = await reader.readexactly(length)
            results[i] = (status, json.loads(data))
    except (OSError, asyncio.IncompleteReadError, ValueError):
        return  # the server went away: this request has no answer
    finally:
        writer.close()


async def post_many(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[bytes],
    headers: dict[str, str],
    connections: int = 64,
    body_headers: Sequence[dict[str, str]] | None = None,
) -> list[tuple[int, Any] | None]:
    """POST every body over `connections` keep-alive connections; None where no answer came.

    `body_headers`: extra headers per body (each attempt's own person, say).
    """
    extra = (
        [b"".join(f"{k}: {v}\r\n".encode() for k, v in h.items()) for h in body_headers]
        if body_headers
        else None
    )
    raw_headers = b"".join(
        f"{k}: {v}\r\n".encode() for k, v in {"Content-Type": "application/json", **headers}.items()
    )
    results: list[tuple[int, Any] | None] = [None] * len(bodies)
    next_index = [0]
    await asyncio.gather(
        *(
            _one_connection(host, port, path, raw_headers, bodies, next_index, results, extra)
            for _ in range(connections)
        )
    )
    return results


class Server:
    """`uvicorn --factory builder.web.server:app_from_env` as a subprocess."""

    def __init__(self, config_env: str, port: int, workers: int = 1) -> None:
        self.port = port
        env = {**os.environ, "TRUSTPATH_SERVE_CONFIG": config_env}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "builder.web.server:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=Path(__file__).parent.parent,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; what was committed must survive."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
