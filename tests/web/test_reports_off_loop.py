"""Reports run off the event loop, in a worker process, on both databases (issue 10 item 9):
while a dashboard is being built, the service keeps answering submissions; errors raised in
the worker reach the client in the one error shape with their codes; a worker that dies is a
503 and the next report gets a new one; shutting the app down leaves no worker behind.

The report is held in the worker by the test-only hook `TRUSTPATH_REPORT_HOLD` (a path): the
worker writes `<path>.started` with its pid and waits until `<path>` exists.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa

from builder.reports.worker import HOLD_ENV, ReportPool
from builder.web.app import create_app
from tests.asgi import AppClient, app_client
from tests.records_support import ANN, attempt, make_service, put_on_roster

ADMIN = {"Authorization": "Bearer admin-secret"}


@contextmanager
def serving(url: str) -> Iterator[tuple[AppClient, ReportPool]]:
    """The app on `url` (lifespan started) and its report pool."""
    service = make_service(url, None, "admin-secret")
    app = create_app(service)
    try:
        with app_client(app) as c:
            yield c, app.state.report_pool
    finally:
        service.store.close()


async def _started(gate: Path) -> int:
    """The pid of the worker holding a report at `gate` (waits until it announces itself)."""
    marker = Path(f"{gate}.started")
    deadline = time.monotonic() + 60  # a spawned worker imports the package first
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "no report started in the worker"
        await anyio.sleep(0.01)
    return int(marker.read_text())


def _gone(pid: int) -> bool:
    """True when no process `pid` exists any more (exited and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _multiprocessing_children() -> list[str]:
    """The command lines of this process's children that multiprocessing started (report
    workers, its resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "multiprocessing" in cmdline:
            found.append(cmdline)
    return found


def test_submissions_are_answered_while_a_dashboard_is_built(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = tmp_path / "release"
    monkeypatch.setenv(HOLD_ENV, str(gate))
    put_on_roster(database_url, "ann@example.com")
    done: dict[str, float] = {}
    workers: list[int] = []

    async def scenario(http: httpx.AsyncClient) -> None:
        async def report() -> None:
            res = await http.get("/api/reports/dashboard", headers=ADMIN)
            assert res.status_code == 200 and "training report" in res.text
            done["report"] = time.monotonic()

        async with anyio.create_task_group() as tg:
            tg.start_soon(report)
            workers.append(await _started(gate))  # the dashboard is under way in the worker
            got = await http.get("/api/quiz/phishing/draw", headers=ANN)
            res = await http.post("/api/attempts", json=attempt(draw=got.json()["draw"]),
                                  headers=ANN)  # fmt: skip
            assert res.status_code == 201
            done["attempt"] = time.monotonic()
            assert "report" not in done
            gate.touch()

    with serving(database_url) as (c, pool):
        c.run(scenario)
        assert pool.pids() == workers  # one worker, another process than this one
        assert workers[0] != os.getpid()
        assert Path(f"/proc/{workers[0]}/comm").read_text().strip() == "trustpath-rpt"
        running = _multiprocessing_children()  # the helper sees the worker and the tracker
        assert any("spawn_main" in c for c in running)
        assert any("resource_tracker" in c for c in running)
    assert done["attempt"] < done["report"]
    assert _gone(workers[0])  # shutdown left no worker behind …
    assert _multiprocessing_children() == []  # … nor multiprocessing's resource tracker


def _error(res: httpx.Response) -> dict[str, Any]:
    body = res.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert "Traceback" not in res.text
    error: dict[str, Any] = body["error"]
    return error


def test_report_errors_in_the_worker_keep_their_codes(database_url: str) -> None:
    put_on_roster(database_url, "ann@example.com")
    with serving(database_url) as (c, pool):
        res = c.get("/api/reports/due?department=Opps", headers=ADMIN)
        assert res.status_code == 404
        error = _error(res)
        assert error["code"] == "unknown_filter"
        assert error["details"]["parameter"] == "department"
        assert error["details"]["suggestion"] == "Ops"

        res = c.get("/api/reports/campaigns?id=no-such-campaign", headers=ADMIN)
        assert res.status_code == 422 and _error(res)["code"] == "invalid_query"

        assert len(pool.pids()) == 1 and pool.pids()[0] != os.getpid()

        # a projection row with no ledger entry: the report refuses, with its own code
        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO module_versions (module, version, content_sha256, first_seen_at)"
                " VALUES ('phishing', 99, 'x', '2026-01-01T00:00:00.000000Z')"))  # fmt: skip
        engine.dispose()
        for path in ("/api/reports/dashboard", "/api/reports/due", "/api/reports/completion"):
            res = c.get(path, headers=ADMIN)
            assert res.status_code == 503, path
            error = _error(res)
            assert error["code"] == "records_unverified"
            assert "module_versions" in error["message"]


def test_a_worker_that_dies_is_a_503_and_the_next_report_gets_a_new_one(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = tmp_path / "release"
    monkeypatch.setenv(HOLD_ENV, str(gate))
    put_on_roster(database_url, "ann@example.com")
    killed: list[int] = []

    async def scenario(http: httpx.AsyncClient) -> httpx.Response:
        async with anyio.create_task_group() as tg:
            answers: list[httpx.Response] = []

            async def report() -> None:
                answers.append(await http.get("/api/reports/dashboard", headers=ADMIN))

            tg.start_soon(report)
            pid = await _started(gate)
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)
        return answers[0]

    with serving(database_url) as (c, pool):
        res = c.run(scenario)
        assert res.status_code == 503
        assert _error(res)["code"] == "report_worker_lost"
        monkeypatch.delenv(HOLD_ENV)  # the next worker is spawned without the hold
        res = c.get("/api/reports/dashboard", headers=ADMIN)
        assert res.status_code == 200 and "training report" in res.text
        assert pool.pids() and pool.pids() != killed
        fresh = pool.pids()
    assert _gone(killed[0]) and all(_gone(p) for p in fresh)
    assert _multiprocessing_children() == []


def test_shutdown_stops_a_worker_that_is_still_building_a_report(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = tmp_path / "release"  # never released: the worker is stopped after the grace
    monkeypatch.setenv(HOLD_ENV, str(gate))
    answers: list[httpx.Response] = []
    with serving(database_url) as (c, pool):
        thread = threading.Thread(
            target=lambda: answers.append(c.get("/api/reports/dashboard", headers=ADMIN))
        )
        thread.start()
        marker, deadline = Path(f"{gate}.started"), time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline, "no report started in the worker"
            time.sleep(0.01)
        pid = int(marker.read_text())
        started = time.monotonic()
        pool.shutdown(grace=1.0)  # what the app's lifespan does on shutdown (grace 5 s)
        assert time.monotonic() - started < 15  # the grace, not the hold (30 s)
        assert _gone(pid) and pool.pids() == []
        assert _multiprocessing_children() == []
        thread.join(30)
        assert answers and answers[0].status_code == 503
        assert _error(answers[0])["code"] == "report_worker_lost"


def test_the_report_workers_setting(tmp_path: Path) -> None:
    from builder.config import ConfigError, settings_from_options

    assert settings_from_options(tmp_path, {}).report_workers == 1
    assert settings_from_options(tmp_path, {"report_workers": 2}).report_workers == 2
    for wrong in (0, -1, "2"):
        with pytest.raises(ConfigError, match="report_workers"):
            settings_from_options(tmp_path, {"report_workers": wrong})
    with pytest.raises(ValueError, match="1 or more"):
        ReportPool(0)


def test_only_databases_another_process_can_open_go_to_the_worker(tmp_path: Path) -> None:
    assert ReportPool.reaches(f"sqlite:///{tmp_path}/records.db")
    assert ReportPool.reaches("postgresql+psycopg://app@db/trustpath")
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        assert not ReportPool.reaches(url), url
