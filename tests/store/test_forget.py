"""Erasure that erases (issue 10): after `records forget`, neither the name nor the email is
anywhere in the database files, WAL included; the ledger and every projection still verify."""

from __future__ import annotations

from pathlib import Path

from builder.store.database import Store
from builder.store.verify import verify_all
from tests.reports_data import make_project, populate, run

NAME, EMAIL = b"Ada Lovelace", b"ada@example.com"


def database_bytes(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, as they are on disk."""
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(str(path) + suffix)
        if part.exists():
            found += part.read_bytes()
    return found


def test_forget_leaves_no_name_or_email_in_the_files(tmp_path: Path) -> None:
    db = tmp_path / "records.db"
    url = f"sqlite:///{db}"
    store = Store(url)
    store.migrate()
    populate(store)  # Ada is on the roster, with attempts, and a manager line would name her
    with store.transaction(write=True) as conn:
        conn.exec_driver_sql(
            "UPDATE people SET manager_email = 'ada@example.com' WHERE email = 'bob@example.com'"
        )
    store.close()
    before = database_bytes(db)
    assert NAME in before and EMAIL in before

    result = run(make_project(tmp_path / "project"), url, "forget", "Ada@Example.com")
    assert result.exit_code == 0, result.output
    assert "removed from people: email, name and email-commitment salt: 1 row(s)" in result.output
    assert "removed from people: manager_email of their reports: 1 row(s)" in result.output
    assert "revoked their personal links" in result.output

    after = database_bytes(db)
    assert NAME not in after and EMAIL not in after
    assert NAME.lower() not in after.lower()
    store = Store(url)
    try:
        report = verify_all(store)
        assert report.ok, str(report)
        assert report.erased == 1
    finally:
        store.close()
    again = run(make_project(tmp_path / "project2"), url, "forget", "ada@example.com")
    assert again.exit_code == 1 and "no person with email" in again.output
