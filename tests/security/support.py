"""The real thing for the security suite: `trustpath serve` in a subprocess on loopback.

`Served` builds the fixture site once, imports a small roster, then runs
`trustpath --project ROOT serve --no-build …` (uvicorn with the guarded protocol, the security
headers, the rate limits) and waits for /api/health. Raw sockets reach the server where httpx
would hide what is on the wire (duplicate headers, 64 MiB of headers, a half-sent request).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from builder.lifecycle.roster import parse_roster
from builder.site.build import build_site
from builder.store.database import Store
from builder.store.queries import import_roster
from tests.serving import free_port
from tests.sitefixture import copy_fixture

SECRET = "3f1c0d9a5b7e2f4a8c6d1e0b9a7f5c3e2d4b6a8f0e1c3d5b7a9f2e4c6d8b0a1f"
ADMIN_TOKEN = "9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0"
ROSTER = """email,name,department,roles,start_date,end_date,status,employment
ada@example.com,Ada Lovelace,Operations,operator,2026-01-05,,active,employee
eve@example.com,Eve Example,Operations,operator,2026-01-05,,active,employee
"""


def built_project(tmp: Path, port: int = 8000, edit: dict[str, str] | None = None) -> Path:
    """A copy of the fixture project, built (site/ and .trustpath/manifest.json), with a roster.

    `port` is where it will be served (instant navigation needs the real origin); `edit`
    maps a file under the project to a new text, written before the build.
    """
    root = copy_fixture(tmp / "project")
    for name, text in (edit or {}).items():
        (root / name).write_text(text, "utf-8")
    build_site(root, site_url=f"http://127.0.0.1:{port}/")
    store = Store(f"sqlite:///{root / '.trustpath' / 'records.db'}")
    store.migrate()
    rows = parse_roster(ROSTER, {"everyone", "operator"}, source="roster.csv")
    import_roster(store, rows, dt.date.today())
    store.close()
    return root


class Served:
    """`trustpath serve --no-build` on a free loopback port; stop() ends it (by its pid)."""

    def __init__(
        self, root: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
    ) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = f"sqlite:///{root / '.trustpath' / 'records.db'}"
        environment = {
            **os.environ,
            "TRUSTPATH_SECRET": SECRET,
            "TRUSTPATH_ADMIN_TOKEN": ADMIN_TOKEN,
            **(env or {}),
        }
        trustpath = str(Path(sys.executable).parent / "trustpath")
        command = [trustpath, "--project", str(root), "serve"]
        command += ["--no-build", "--port", str(self.port), "--database", self.database, *args]
        self.log = root / f"serve-{self.port}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(command, env=environment, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"serve did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def raw(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send raw bytes on a new connection; everything the server answers until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            with contextlib.suppress(OSError):  # the server may close mid-send: read what it said
                sock.sendall(data)
            return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    """Read until the peer closes (or resets) the connection."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    """The status code of a raw HTTP response."""
    return int(response.split(b" ", 2)[1])
