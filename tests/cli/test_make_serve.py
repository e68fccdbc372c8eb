"""`make serve` shows the admin side: the demo admin token and the dashboard URL (issue 19).

Runs the repository's Makefile (its `serve` target, with `setup` taken as done and this
test's virtual environment) in a copy of the starter project, reads what it prints until the
server is up, then fetches the dashboard with the token it printed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.serving import free_port

VENV = Path(sys.executable).parent.parent


def start_make_serve(project: Path, port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    command = ["make", "-s", "-f", str(REPO / "Makefile"), "-o", "setup", "serve",
               f"VENV={VENV}", f"PORT={port}"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip


def read_until_serving(proc: subprocess.Popen[str], timeout: float = 240) -> list[str]:
    """The lines make and serve print, up to the "serving …" line and the one after it."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("make serve ended:\n" + "".join(lines))
        lines.append(line.rstrip("\n"))
        if len(lines) > 1 and lines[-2].startswith("serving the site"):
            return lines
    raise AssertionError("make serve did not start:\n" + "\n".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    """End make and the server it started (their own process group, started here)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def starter_copy(tmp_path: Path) -> Path:
    project = tmp_path / "starter"
    project.mkdir()
    for name in ("content", "roles", "site_overrides", "demo"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    return project


def test_make_serve_prints_the_demo_token_and_the_dashboard_url(tmp_path: Path) -> None:
    project = starter_copy(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TRUSTPATH_ADMIN_TOKEN"}
    proc = start_make_serve(project, port, env)
    try:
        lines = read_until_serving(proc)
        kept = (project / ".trustpath" / "demo-admin-token").read_text("utf-8").strip()
        assert re.fullmatch(r"[0-9a-f]{64}", kept)
        assert lines[0] == (
            "demo admin token (kept in .trustpath/demo-admin-token; set TRUSTPATH_ADMIN_TOKEN "
            f"to use your own): {kept}"
        )
        dashboard = f"http://127.0.0.1:{port}/api/reports/dashboard"
        assert lines[1] == (
            f'dashboard: curl -H "Authorization: Bearer {kept}" -o report.html {dashboard}'
        )
        assert lines[-1] == (
            f"admin reports: {dashboard} (send Authorization: Bearer $TRUSTPATH_ADMIN_TOKEN)"
        )
        page = httpx.get(dashboard, headers={"Authorization": f"Bearer {kept}"}, timeout=60)
        assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    finally:
        stop(proc)
    # A second run keeps the same token (a bookmark or a script keeps working).
    proc = start_make_serve(project, free_port(), env)
    try:
        assert read_until_serving(proc)[0].endswith(f": {kept}")
    finally:
        stop(proc)


def test_make_serve_uses_your_token_without_printing_it(tmp_path: Path) -> None:
    project = starter_copy(tmp_path)
    port = free_port()
    mine = "5e" + "0123456789abcdef" * 4 + "a7"
    proc = start_make_serve(project, port, {**os.environ, "TRUSTPATH_ADMIN_TOKEN": mine})
    try:
        lines = read_until_serving(proc)
        assert lines[0] == "admin token: yours, from $TRUSTPATH_ADMIN_TOKEN"
        assert lines[1].startswith('dashboard: curl -H "Authorization: Bearer $TRUSTPATH_ADMIN')
        assert all(mine not in line for line in lines)
        assert not (project / ".trustpath" / "demo-admin-token").exists()
        r = httpx.get(f"http://127.0.0.1:{port}/api/reports/ledger-head",
                      headers={"Authorization": f"Bearer {mine}"}, timeout=30)  # fmt: skip
        assert r.status_code == 200
    finally:
        stop(proc)
