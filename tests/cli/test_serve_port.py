"""`trustpath serve` takes its port before it builds or prints anything (issue 19).

A real first `serve` (uvicorn in a subprocess, on loopback) holds the port; a second `serve`
on the same port must stop at once: exit 1, one error line naming the address, no build
output, and the first one's `site/` and manifest untouched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.security.support import ADMIN_TOKEN, SECRET, Served, built_project
from tests.serving import free_port
from tests.sitefixture import copy_fixture

TRUSTPATH = str(Path(sys.executable).parent / "trustpath")
BUSY = (
    "Error: cannot serve on http://127.0.0.1:{port}/: the port is in use (is another "
    "`trustpath serve` running?): stop it or pass --port with a free port\n"
)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under site/ and .trustpath/ with its size and modification time (ns)."""
    files = [*(root / "site").rglob("*"), *(root / ".trustpath").rglob("*")]
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file()}


def serve(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRUSTPATH_SECRET": SECRET, **(env or {})}
    return subprocess.run(
        [TRUSTPATH, "--project", str(root), "serve", *args],
        env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_second_serve_on_a_busy_port_stops_before_building(tmp_path: Path) -> None:
    port = free_port()
    root = built_project(tmp_path, port)
    first = Served(root, port=port)
    try:
        assert httpx.get(f"{first.url}/api/health", timeout=5).status_code == 200
        before = snapshot(root)
        assert any("/site/" in p for p in before) and any(
            p.endswith("manifest.json") for p in before
        )
        second = serve(root, "--port", str(port))  # a full serve: it would rebuild site/
        assert second.returncode == 1
        assert second.stdout == ""
        assert second.stderr == BUSY.format(port=port)
        assert snapshot(root) == before
        # the first one is still serving
        assert httpx.get(f"{first.url}/api/health", timeout=5).status_code == 200
    finally:
        first.stop()


def test_a_busy_port_leaves_a_fresh_project_unbuilt(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        done = serve(root, "--port", str(port))
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr == BUSY.format(port=port)
    assert not (root / "site").exists() and not (root / ".trustpath").exists()


def test_an_address_this_machine_does_not_have_is_named(tmp_path: Path) -> None:
    root = copy_fixture(tmp_path / "project")
    done = serve(root, "--host", "203.0.113.7", "--port", str(free_port()))  # TEST-NET-3
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("Error: cannot serve on http://203.0.113.7:")
    assert "this machine has no such address" in done.stderr
    assert not (root / "site").exists()


def test_serve_says_where_the_admin_reports_are(tmp_path: Path) -> None:
    port = free_port()
    root = built_project(tmp_path, port)
    with_token = Served(root, port=port)  # Served sets TRUSTPATH_ADMIN_TOKEN
    try:
        r = httpx.get(f"{with_token.url}/api/reports/ledger-head",
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5)  # fmt: skip
        assert r.status_code == 200
    finally:
        with_token.stop()
    log = with_token.log.read_text("utf-8")
    assert (
        f"admin reports: http://127.0.0.1:{port}/api/reports/dashboard "
        "(send Authorization: Bearer $TRUSTPATH_ADMIN_TOKEN)"
    ) in log
    assert ADMIN_TOKEN not in log  # the secret itself is never printed
    off = Served(root, port=free_port(), env={"TRUSTPATH_ADMIN_TOKEN": ""})
    off.stop()
    assert "admin reports are off: set TRUSTPATH_ADMIN_TOKEN (openssl rand -hex 32)" in (
        off.log.read_text("utf-8")
    )
