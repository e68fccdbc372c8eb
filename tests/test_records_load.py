"""Load and crash tests against uvicorn on loopback: every 201 is in the ledger, exactly once."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
import uuid
from pathlib import Path

import pytest

from builder.ledger.chain import verify_rows
from builder.records.draws import DrawClaims, DrawSigner, draw_key
from builder.store.database import Store
from builder.web.server import ServeConfig
from tests.loadclient import Server, post_many
from tests.pg import free_port
from tests.records_support import RIGHT, manifest

pytestmark = pytest.mark.slow
SECRET = secrets.token_hex(32)  # strong: `serve` refuses a weak TRUSTPATH_SECRET
SIGNER = DrawSigner(draw_key(SECRET.encode()))
QUESTIONS = tuple(q["id"] for q in manifest()["modules"]["phishing"]["quiz"]["questions"])


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service derives its draw key from TRUSTPATH_SECRET, as these tests do."""
    monkeypatch.setenv("TRUSTPATH_SECRET", SECRET)


def who(body: bytes) -> dict[str, str]:
    """Each attempt is its own person's first (a draw serves one attempt per person)."""
    return {"X-TrustPath-User": f"{json.loads(body)['attempt_id']}@example.com"}


def bodies(n: int) -> list[bytes]:
    """Attempt bodies, each with a draw signed as the service would issue it to its person."""
    answers = [RIGHT, {"q1": ["a"]}, {}]
    expires = int(time.time()) + 86_400
    out = []
    for i in range(n):
        attempt_id = str(uuid.uuid4())
        claims = DrawClaims(
            "phishing", 1, SIGNER.person(f"{attempt_id}@example.com"), QUESTIONS, i, 0, expires
        )
        body = {
            "attempt_id": attempt_id,
            "module": "phishing",
            "version": 1,
            "answers": answers[i % 3],
            "draw": SIGNER.sign(claims),
        }
        out.append(json.dumps(body).encode())
    return out


def config(tmp_path: Path, url: str) -> str:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest()))
    # one load identity sends thousands of attempts a second: limits high enough to count
    # every request (the limiter stays on the path) and refuse none (issue 15)
    limits = {"attempts": {"person": "100000000/minute", "address": "100000000/minute"}}
    return ServeConfig(database_url=url, manifest_path=str(path), rate_limits=limits).to_env()


def ledger_ids(url: str) -> dict[str, int]:
    """client id -> seq of every record in the ledger (the build's publications left out)."""
    store = Store(url)
    try:
        assert verify_rows(store.iter_rows(), store.head()).ok
        ids: dict[str, int] = {}
        for row in store.iter_rows():
            if row.kind == "publication":
                continue
            assert row.client_id not in ids
            ids[row.client_id] = row.seq
        return ids
    finally:
        store.close()


def created(sent: list[bytes], results) -> dict[str, int]:
    """attempt id -> seq of every request answered 201."""
    out = {}
    for body, result in zip(sent, results, strict=True):
        if result is not None and result[0] == 201:
            out[json.loads(body)["attempt_id"]] = result[1]["seq"]
    return out


def test_20000_attempts_from_64_connections(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/records.db"
    server = Server(config(tmp_path, url), free_port())
    try:
        sent = bodies(20_000)
        started = time.monotonic()
        results = asyncio.run(
            post_many(
                "127.0.0.1",
                server.port,
                "/api/attempts",
                sent,
                {},
                body_headers=[who(b) for b in sent],
            )
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert all(r is not None and r[0] == 201 for r in results)
    answered = created(sent, results)
    assert len(answered) == 20_000
    assert ledger_ids(url) == answered  # each 201 exactly once, at its seq; nothing else
    print(f"\n20,000 attempts in {elapsed:.1f} s ({20_000 / elapsed:,.0f}/s)")


def test_sigkill_three_times_loses_no_acknowledged_attempt(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/records.db"
    env = config(tmp_path, url)
    acknowledged: dict[str, int] = {}
    all_sent: set[str] = set()
    for _round in range(3):
        server = Server(env, free_port())
        sent = bodies(6_000)
        all_sent |= {json.loads(b)["attempt_id"] for b in sent}
        killer = threading.Timer(0.8, server.kill)
        killer.start()
        try:
            results = asyncio.run(
                post_many(
                    "127.0.0.1",
                    server.port,
                    "/api/attempts",
                    sent,
                    {},
                    body_headers=[who(b) for b in sent],
                )
            )
        finally:
            killer.join()
            server.stop()
        got = created(sent, results)
        assert 0 < len(got) < len(sent), "the kill should land mid-load"
        acknowledged.update(got)
        stored = ledger_ids(url)  # the chain verifies after every crash
        assert all(stored.get(aid) == seq for aid, seq in acknowledged.items())
        assert set(stored) <= all_sent
    # and the service comes back and keeps appending to the same chain
    server = Server(env, free_port())
    try:
        more = bodies(100)
        results = asyncio.run(
            post_many(
                "127.0.0.1",
                server.port,
                "/api/attempts",
                more,
                {},
                body_headers=[who(b) for b in more],
            )
        )
    finally:
        server.stop()
    assert all(r is not None and r[0] == 201 for r in results)
    assert verify_rows(Store(url).iter_rows()).ok
