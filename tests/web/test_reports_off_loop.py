"""Reports run off the event loop on both databases (issue 10 item 9): while a dashboard is
being built, the service keeps answering submissions."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import httpx
import pytest

import builder.reports.dashboard_data as dashboard_data
from tests.records_support import ANN, attempt, put_on_roster, running

ADMIN = {"Authorization": "Bearer admin-secret"}


def test_submissions_are_answered_while_a_dashboard_is_built(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    threads: list[str] = []
    real_gather = dashboard_data.gather

    def slow_gather(*args: Any, **kwargs: Any) -> Any:
        """The real report, held until the attempt has been answered (at most 10 s)."""
        threads.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return real_gather(*args, **kwargs)

    monkeypatch.setattr(dashboard_data, "gather", slow_gather)
    put_on_roster(database_url, "ann@example.com")
    done: dict[str, float] = {}

    async def scenario(http: httpx.AsyncClient) -> None:
        async def report() -> None:
            res = await http.get("/api/reports/dashboard", headers=ADMIN)
            assert res.status_code == 200 and "training report" in res.text
            done["report"] = time.monotonic()

        async with anyio.create_task_group() as tg:
            tg.start_soon(report)
            while not started.is_set():
                await anyio.sleep(0.01)
            got = await http.get("/api/quiz/phishing/draw", headers=ANN)
            body = attempt(draw=got.json()["draw"])
            res = await http.post("/api/attempts", json=body, headers=ANN)
            assert res.status_code == 201
            done["attempt"] = time.monotonic()
            release.set()

    with running(database_url) as c:
        c.run(scenario)
    assert done["attempt"] < done["report"]
    assert threads and threads[0].startswith("trustpath-report")
