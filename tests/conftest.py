"""Shared fixtures for the TrustPath test suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under CI nothing may be skipped: a skip (no browser, no PostgreSQL...) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where every test must run: {report.longrepr}"


@pytest.fixture
def copy_fixture(tmp_path: Path):
    """Copy a fixture project (by path under tests/fixtures/) into a temporary folder."""

    def copy(name: str) -> Path:
        target = tmp_path / Path(name).name
        shutil.copytree(FIXTURES / name, target, symlinks=True)
        return target

    return copy


# -- records service (issue 6): a PostgreSQL server per session, and every storage backend --


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server (see tests/pg.py); under CI, failing to start fails."""
    import os

    from tests.pg import PgServer, PgUnavailable

    try:
        server = PgServer()
    except PgUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """A SQLAlchemy URL of a fresh, empty records database: SQLite, then PostgreSQL."""
    from builder.store.database import resolve_database_url

    if request.param == "sqlite":
        return resolve_database_url(tmp_path, str(tmp_path / "records.db"))
    return resolve_database_url(tmp_path, request.getfixturevalue("pg_server").new_database())


@pytest.fixture
def store(database_url: str):
    """A fresh, migrated Store on `database_url` (a test module may override it with one
    that holds data), closed afterwards."""
    from builder.store.database import Store

    s = Store(database_url)
    s.migrate()
    yield s
    s.close()
