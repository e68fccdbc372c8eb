"""`records verify --jobs N`: ranges of the chain checked in worker processes, as one walk.

`verify_all(workers=N)` cuts the seq range into N contiguous ranges, each checked in its own
process from the stored hash of the row before it, and joins the parts in seq order. Every
case below runs one walk and the ranges on the same database (SQLite and PostgreSQL) and
requires the same report, word for word: untouched, a projection row changed, a ledger row
changed, a ledger row deleted at a range boundary, a wrong anchor and an anchor past the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.ledger.chain import Head
from builder.store import verify
from builder.store.database import Store
from builder.store.verify import range_bounds, verify_all
from tests.reports_data import make_project, populate, run
from tests.store.test_tamper import _unguard

WORKERS = 3
PAGE = 7  # small pages: many page windows and a few ranges


@pytest.fixture
def store(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(verify, "PARALLEL_FROM", 0)  # ranges even for a small ledger
    s = Store(database_url)
    s.migrate()
    populate(s)
    yield s
    s.close()


def _raw(store: Store, sql: str) -> None:
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql(sql)


def _unguard_ledger(store: Store) -> None:
    if store.kind == "sqlite":
        _raw(store, "DROP TRIGGER ledger_no_update")
        _raw(store, "DROP TRIGGER ledger_no_delete")
    else:
        _raw(store, "ALTER TABLE ledger DISABLE TRIGGER ledger_no_update_delete")


def _head(store: Store) -> int:
    with store.transaction() as conn:
        return int(conn.exec_driver_sql("SELECT max(seq) FROM ledger").scalar() or 0)


def _same(store: Store, anchor: Head | None = None) -> str:
    """Both reports, asserted equal; returns the text."""
    one = verify_all(store, anchor, page_size=PAGE)
    ranges = verify_all(store, anchor, page_size=PAGE, workers=WORKERS)
    assert str(ranges) == str(one)
    assert (ranges.ok, ranges.chain, ranges.checked) == (one.ok, one.chain, one.checked)
    return str(one)


def test_ranges_agree_on_an_untouched_ledger(store: Store):
    assert _head(store) >= 3 * WORKERS  # every range holds rows
    text = _same(store)
    assert "projections ok" in text


def test_ranges_name_a_changed_projection_row_in_a_later_range(store: Store):
    _unguard(store, "attempt_answers")
    last = _head(store)
    _raw(
        store,
        "UPDATE attempt_answers SET selected = 'forged' WHERE seq = "
        f"(SELECT max(seq) FROM attempt_answers WHERE seq <= {last})",
    )
    text = _same(store)
    assert "attempt_answers seq=" in text and "selected differ(s)" in text


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_ranges_report_the_first_broken_link(store: Store, where: str):
    head = _head(store)
    seq = {"first": 2, "middle": head // 2 + 1, "last": head}[where]
    _unguard_ledger(store)
    _raw(store, f"UPDATE ledger SET payload = payload || ' ' WHERE seq = {seq}")
    text = _same(store)
    assert f"ledger broken at seq {seq}: hash does not match" in text


@pytest.mark.parametrize("offset", [0, 1], ids=["range-end", "range-start"])
def test_ranges_find_a_row_deleted_at_a_range_boundary(store: Store, offset: int):
    head = _head(store)
    bounds = range_bounds(head, WORKERS, PAGE)
    assert len(bounds) == WORKERS + 1
    gone = bounds[1] + offset  # the last row of the first range, or the first of the second
    _unguard_ledger(store)
    _raw(store, f"DELETE FROM ledger WHERE seq = {gone}")
    text = _same(store)
    assert f"seq {gone} is missing (the next row is seq {gone + 1})" in text


def test_ranges_check_the_anchor_where_one_walk_does(store: Store):
    head = _head(store)
    with store.transaction() as conn:
        stored = str(
            conn.exec_driver_sql(f"SELECT hash FROM ledger WHERE seq = {head // 2}").scalar()
        )
    assert "ledger ok" in _same(store, Head(head // 2, stored))
    wrong = _same(store, Head(head // 2, "0" * 64))
    assert f"ledger broken at seq {head // 2}: hash differs from the anchor" in wrong
    past = _same(store, Head(head + 5, "0" * 64))
    assert f"the ledger ends at seq {head} but the anchor names seq {head + 5}" in past


def test_records_verify_jobs_option(store: Store, tmp_path: Path):
    project = make_project(tmp_path / "project")
    result = run(project, store.url, "verify", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "projections ok" in result.output
    bad = run(project, store.url, "verify", "--jobs", "0")
    assert bad.exit_code == 2 and "--jobs" in bad.output
