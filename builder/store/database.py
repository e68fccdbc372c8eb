"""The one storage layer (SQLAlchemy Core) behind the service and every `records` command.

SQLite (default, `.trustpath/records.db`): WAL, `synchronous=FULL`, writes in
`BEGIN IMMEDIATE` transactions. PostgreSQL (`postgresql://…`): ledger appends take a
transaction-scoped advisory lock, so several workers extend one chain. Ledger appends come in
batches (group commit, see `writer.py`); a batch is one transaction, so when `append` returns,
every row in it is durably committed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from builder.ledger.chain import GENESIS, Head, LedgerRow
from builder.ledger.entries import (
    Duplicate,
    PendingRecord,
    StoredRecord,
    _stored,
    new_person_id,
)
from builder.store.chain_writes import (
    append_entries,
    insert_rows,
    lock_for_writing,
    resolve_people,
    utc_now,
)
from builder.store.entries import publication_entry
from builder.store.migrations import _v1_tables, apply_migrations
from builder.store.security_tables import LINK_STATE_SQL, pool_insert, pool_release
from builder.store.sqlite_append import append_batch, open_writer, stored_row

DATABASE_ENV = "TRUSTPATH_DATABASE_URL"
DEFAULT_DATABASE = ".trustpath/records.db"
__all__ = [
    "Duplicate",
    "PendingRecord",
    "StorageError",
    "Store",
    "StoredRecord",
    "new_person_id",
    "resolve_database_url",
]

_META = sa.MetaData()
_v1_tables(_META)
LEDGER, PEOPLE = _META.tables["ledger"], _META.tables["people"]
TABLES = _META.tables


class StorageError(Exception):
    """The database cannot be opened or used."""


class NoDatabase(StorageError):
    """A command that reads records was pointed at a SQLite file that does not exist."""


def resolve_database_url(root: Path, option: str | None = None) -> str:
    """--database, else $TRUSTPATH_DATABASE_URL, else SQLite at .trustpath/records.db."""
    url = option or os.environ.get(DATABASE_ENV) or ""
    if not url:
        return f"sqlite:///{(root / DEFAULT_DATABASE).resolve()}"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+", "sqlite:")):
        return url
    if "://" in url:
        raise StorageError(
            f"unsupported database URL '{url}': use sqlite:///PATH or postgresql://…"
        )
    return f"sqlite:///{Path(url).resolve()}"


def _sqlite_setup(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _begin)
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("trustpath_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def fetch_rows(conn: Connection, sql: str, params: Any = ()) -> list[Any]:
    """Rows of a constant query straight from the DB-API cursor (tuples, no per-row objects).

    The report queries and `verify` read hundreds of thousands of rows; SQLAlchemy's row
    objects cost about two thirds of the time at a million ledger rows. `sql` uses the
    driver's own parameter style.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


class Store:
    """Connections, migrations and every query the service and the CLI run."""

    def __init__(self, url: str, create: bool = True) -> None:
        """Open the database at `url`; with `create=False` a missing SQLite file is NoDatabase
        (only `serve`, `records migrate` and `records roster import` may create one)."""
        self.url = url
        self.kind = self.kind_of(url)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._writer: sqlite3.Connection | None = None
        self._write_lock = threading.Lock()
        try:
            if self.kind == "sqlite":
                path = url.split(":///", 1)[1] if ":///" in url else ""
                if path and path != ":memory:" and not create and not Path(path).is_file():
                    raise NoDatabase(
                        f"no records database at {path}: check --database (or "
                        "TRUSTPATH_DATABASE_URL); `trustpath serve`, `trustpath records migrate` "
                        "or `trustpath records roster import FILE` create one"
                    )
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                self.engine = sa.create_engine(url, connect_args={"check_same_thread": False})
                _sqlite_setup(self.engine)
            else:
                self.engine = sa.create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
        except NoDatabase:
            raise
        except (sa.exc.SQLAlchemyError, OSError, ValueError) as exc:
            raise StorageError(f"cannot open database {self.safe_url}: {exc}") from None

    @staticmethod
    def kind_of(url: str) -> str:
        """sqlite or postgresql."""
        return "postgresql" if url.startswith("postgresql") else "sqlite"

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        for conn in self._readers:
            conn.close()
        self._readers.clear()
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        self.engine.dispose()

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        """A connection in a transaction; `write` takes SQLite's write lock at BEGIN.

        A read transaction sees one snapshot on both databases: SQLite's WAL does that for
        a BEGIN; on PostgreSQL it is REPEATABLE READ (READ COMMITTED, the default, gives each
        statement its own snapshot, so `check_projections` counted entries and rows at two
        moments and refused reports while submissions were being written).
        """
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(trustpath_write=True)
            elif self.kind == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def migrate(self) -> list[str]:
        """Apply missing migrations; the names applied."""
        try:
            with self.transaction(write=True) as conn:
                return apply_migrations(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"cannot migrate {self.safe_url}: {exc}") from None

    # -- the ledger ------------------------------------------------------------------------

    def head(self, conn: Connection | None = None) -> Head:
        """The last (seq, hash) of the chain."""
        if conn is None:
            with self.transaction() as c:
                return self.head(c)
        row = conn.execute(
            sa.select(LEDGER.c.seq, LEDGER.c.hash).order_by(LEDGER.c.seq.desc()).limit(1)
        ).first()
        return Head(row.seq, row.hash) if row else Head(0, GENESIS)

    def _sql(self, sql: str) -> str:
        """`:name` parameters in the driver's own style (sqlite3 takes them as they are)."""
        return _NAMED.sub(r"%(\1)s", sql) if self.kind == "postgresql" else sql

    def _reader(self) -> sqlite3.Connection:
        """This thread's own autocommit SQLite connection for hot-path reads."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            database = sa.engine.make_url(self.url).database or ""
            conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            self._readers.append(conn)
        return conn

    def hot_rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows of a constant query with `:name` parameters, for per-request reads.

        On SQLite this is the thread's own raw connection (tens of microseconds, no SQLAlchemy
        objects); on PostgreSQL a short transaction.
        """
        if self.kind == "sqlite":
            return [tuple(r) for r in self._reader().execute(sql, params).fetchall()]
        with self.transaction() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(self._sql(sql), params).all()]

    def find_record(self, kind: str, client_id: str) -> StoredRecord | None:
        """The ledger row recorded for this client id, if any (the per-request replay check)."""
        params = {"kind": kind, "client_id": client_id}
        if self.kind == "sqlite":  # tens of microseconds instead of hundreds: on every request
            row = self._reader().execute(_FIND_SQL, params).fetchone()
        else:
            with self.transaction() as conn:
                row = conn.exec_driver_sql(self._sql(_FIND_SQL), params).first()
        return stored_row(row) if row else None

    def append(self, batch: list[PendingRecord]) -> list[StoredRecord | Duplicate]:
        """Chain and insert a batch in one transaction; raises if any row fails."""
        if self.kind == "sqlite":
            with self._write_lock:
                if self._writer is None:
                    self._writer = open_writer(sa.engine.make_url(self.url).database or "")
                return append_batch(self._writer, batch)
        with self.transaction(write=True) as conn:
            lock_for_writing(conn)
            return append_entries(conn, batch)

    def iter_rows(self, batch_size: int = 2000) -> Iterator[LedgerRow]:
        """Every ledger row in seq order, read in pages (constant memory)."""
        last = 0
        cols = [LEDGER.c[n] for n in LedgerRow._fields]
        while True:
            with self.transaction() as conn:
                page = conn.execute(
                    sa.select(*cols)
                    .where(LEDGER.c.seq > last)
                    .order_by(LEDGER.c.seq)
                    .limit(batch_size)
                ).all()
            if not page:
                return
            for row in page:
                yield LedgerRow(*row)
            last = page[-1].seq

    # -- people ----------------------------------------------------------------------------

    def _insert(self, table: sa.Table) -> Any:
        # imported here: the PostgreSQL dialect alone costs a report on SQLite ~0.1 s of start-up
        if self.kind == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def person(self, email: str) -> dict[str, Any] | None:
        """The people row of an email, as a dict."""
        with self.transaction() as conn:
            row = conn.execute(sa.select(PEOPLE).where(PEOPLE.c.email == email)).first()
        return dict(row._mapping) if row else None

    def forget(self, email: str) -> dict[str, int]:
        """Erase a person's name and email from every table; what was removed, by place.

        The person's `people` row stays as a tombstone (`erased:<person id>`, no name, no
        salt), so their pseudonymous ledger entries and roster history still verify while
        nothing links them to the person any more: without the salt, the email commitment in
        the chain cannot be tested against any address. Managers' rows naming the email lose
        it too. On SQLite the freed bytes are overwritten (`secure_delete`) and the WAL is
        checkpointed and truncated; on PostgreSQL `people` is vacuumed. Empty when the email
        is unknown.
        """
        removed: dict[str, int] = {}
        with self.transaction(write=True) as conn:
            if self.kind == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            lock_for_writing(conn)
            row = conn.execute(
                sa.select(PEOPLE.c.person_id, PEOPLE.c.name).where(PEOPLE.c.email == email)
            ).first()
            if row is None:
                return removed
            tomb = f"erased:{row.person_id}"
            conn.execute(
                sa.text(
                    "UPDATE people SET email = :tomb, name = NULL, salt = NULL, "
                    "updated_at = :now WHERE person_id = :pid"
                ),
                {"tomb": tomb, "now": utc_now(), "pid": row.person_id},
            )
            removed["people: email, name and email-commitment salt"] = 1
            managed = conn.execute(
                sa.text("UPDATE people SET manager_email = :tomb WHERE manager_email = :email"),
                {"tomb": tomb, "email": email},
            ).rowcount
            if managed:
                removed["people: manager_email of their reports"] = managed
        self._scrub_files()
        return removed

    def _scrub_files(self) -> None:
        """Make erased bytes unreadable in the database files (see `forget`)."""
        if self.kind == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM people")

    def ensure_people(self, emails: list[str]) -> dict[str, str]:
        """email -> person_id for every email, adding a `seen` person for each unknown one."""
        with self.transaction(write=True) as conn:
            lock_for_writing(conn)
            return resolve_people(conn, set(emails), utc_now())

    def link_state(self, email: str) -> tuple[str, int] | None:
        """(person_id, link epoch) of an email, None without a people row (checked per request)."""
        params = {"email": email}
        if self.kind == "sqlite":
            row = self._reader().execute(LINK_STATE_SQL, params).fetchone()
        else:
            with self.transaction() as conn:
                row = conn.exec_driver_sql(self._sql(LINK_STATE_SQL), params).first()
        return (row[0], int(row[1] or 0)) if row else None

    def pool_feedback(self, record: PendingRecord, day: str) -> StoredRecord | None:
        """Keep anonymous feedback out of the chain until its day is over (see security_tables).

        None when pooled now; the stored or pooled row when this id was seen before.
        """
        with self.transaction(write=True) as conn:
            lock_for_writing(conn)
            row = conn.execute(
                sa.select(LEDGER).where(
                    LEDGER.c.kind == record.kind, LEDGER.c.client_id == record.client_id
                )
            ).first()
            if row is not None:
                return _stored(row)
            return pool_insert(conn, record, day)

    def release_feedback(self, before_day: str) -> int:
        """Chain the pooled anonymous feedback of days before `before_day`; how many rows."""
        with self.transaction(write=True) as conn:
            lock_for_writing(conn)

            def insert(table: str, rows: list[dict[str, Any]]) -> None:
                insert_rows(conn, table, rows)

            return pool_release(conn, before_day, self.head(conn), insert)

    def history(self, person_id: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
        """(module, version) pairs the person passed, and those they acknowledged."""
        att, ack = TABLES["attempts"], TABLES["acknowledgements"]
        with self.transaction() as conn:
            passed = conn.execute(
                sa.select(att.c.module, att.c.version).where(
                    att.c.person_id == person_id, att.c.passed
                )
            ).all()
            acked = conn.execute(
                sa.select(ack.c.module, ack.c.version).where(ack.c.person_id == person_id)
            ).all()
        return set(passed), set(acked)

    def record_module_versions(self, manifest: dict[str, Any]) -> None:
        """Publish each (module, version, content) served for the first time: a ledger entry."""
        served = {
            (m["id"], int(m["version"]), m["content_sha256"])
            for m in manifest.get("modules", {}).values()
        }
        if not served:
            return
        with self.transaction(write=True) as conn:
            lock_for_writing(conn)
            known = {
                (str(m), int(v), str(c))
                for m, v, c in conn.exec_driver_sql(
                    "SELECT module, version, content_sha256 FROM module_versions"
                )
            }
            append_entries(conn, [publication_entry(*key) for key in sorted(served - known)])


_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
_FIND_SQL = (
    "SELECT seq, kind, client_id, recorded_at, person_id, body_sha256, payload, hash "
    "FROM ledger WHERE kind = :kind AND client_id = :client_id"
)
