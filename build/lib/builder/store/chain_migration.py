"""Migration 0200's data step: roster history and module versions recorded before the roster
and publications were chained become `roster` and `publication` ledger entries."""

from __future__ import annotations

import json
import secrets
from itertools import groupby
from typing import Any

from sqlalchemy.engine import Connection

from builder.ledger.projections import project_answers
from builder.store.chain_writes import append_entries, insert_rows
from builder.store.entries import publication_entry, roster_entry


def chain_legacy_rows(conn: Connection) -> None:
    """Turn unchained roster history and module versions into ledger entries, in order."""
    people = {
        str(pid): (str(email), salt)
        for pid, email, salt in conn.exec_driver_sql("SELECT person_id, email, salt FROM people")
    }
    history = conn.exec_driver_sql(
        "SELECT person_id, changed_at, field, old_value, new_value, effective_on "
        "FROM roster_history WHERE seq IS NULL ORDER BY changed_at, person_id, id"
    ).all()
    versions = conn.exec_driver_sql(
        "SELECT module, version, content_sha256, first_seen_at FROM module_versions "
        "ORDER BY first_seen_at, module, version"
    ).all()
    conn.exec_driver_sql("DELETE FROM roster_history WHERE seq IS NULL")
    conn.exec_driver_sql("DELETE FROM module_versions")
    batch = []
    for (person_id, changed_at), rows in groupby(history, key=lambda r: (r[0], r[1])):
        if person_id not in people:
            continue
        email, salt = people[person_id]
        if not salt:
            salt = secrets.token_hex(16)
            people[person_id] = (email, salt)
            conn.exec_driver_sql(
                "UPDATE people SET salt = ? WHERE person_id = ?"
                if conn.dialect.name == "sqlite"
                else "UPDATE people SET salt = %s WHERE person_id = %s",
                (salt, person_id),
            )
        group = [r for r in rows if r[2] != "name"]
        if not group:
            continue
        fields: dict[str, Any] = {r[2]: r[4] for r in group}
        previous: dict[str, Any] = {r[2]: r[3] for r in group}
        batch.append(
            roster_entry(
                email, salt, fields, previous, str(group[0][5]), imported_at=str(changed_at)
            )
        )
    for module, version, sha, first_seen in versions:
        batch.append(publication_entry(module, int(version), sha, first_seen_at=first_seen))
    append_entries(conn, batch)
    _backfill_answers(conn)


def _backfill_answers(conn: Connection, page: int = 5000) -> None:
    """Project the answers of attempts recorded before answers were projected with them."""
    last = 0
    while True:
        todo = conn.exec_driver_sql(
            "SELECT seq, payload FROM ledger WHERE kind = 'attempt' AND seq > "
            f"{int(last)} AND seq NOT IN (SELECT DISTINCT seq FROM attempt_answers) "
            f"ORDER BY seq LIMIT {int(page)}"
        ).all()
        if not todo:
            return
        rows: list[dict[str, Any]] = []
        for seq, payload in todo:
            rows += project_answers(int(seq), json.loads(payload))
        if rows:
            insert_rows(conn, "attempt_answers", rows)
        last = int(todo[-1][0])
