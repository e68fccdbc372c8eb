"""Issue 15 against the real `trustpath serve` on loopback: headers, banner, server limits,
duplicate identity headers and JSON keys, started_at, weak secrets, rate limits.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from builder.store.database import Store
from builder.web.security import API_HEADERS, SITE_HEADERS
from tests.security.support import ADMIN_TOKEN, SECRET, Served, built_project, read_all, status_of

ADA = {"X-TrustPath-User": "ada@example.com"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def served(project: Path) -> Iterator[Served]:
    server = Served(project, "--identity", "open", "--header-timeout", "1", "--body-timeout", "1")
    yield server
    server.stop()


def attempt(**extra: object) -> dict[str, object]:
    return {
        "attempt_id": str(uuid.uuid4()),
        "module": "intro",
        "version": 3,
        "answers": {"report-where": ["security"], "click-ok": ["false"]},
        **extra,
    }


def post_raw(server: Served, path: str, body: bytes, headers: bytes) -> bytes:
    request = (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n".encode()
        + headers
        + b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    return server.raw(request)


# -- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/basics/intro/", "/assets/trustpath/api.js", "/nope/"])
def test_site_answers_carry_the_site_policy_and_no_banner(served: Served, path: str) -> None:
    r = httpx.get(served.url + path)
    for name, value in SITE_HEADERS.items():
        assert r.headers.get_list(name) == [value], name
    assert "server" not in r.headers and "cache-control" not in r.headers


@pytest.mark.parametrize("path", ["/api/health", "/api/me", "/api/nope", "/api/reports/due"])
def test_api_answers_carry_the_api_policy_and_no_store(served: Served, path: str) -> None:
    r = httpx.get(served.url + path, headers=ADA)
    for name, value in API_HEADERS.items():
        assert r.headers.get_list(name) == [value], name
    assert r.headers["cache-control"] == "no-store" and "server" not in r.headers


def test_the_site_has_no_inline_script(project: Path) -> None:
    for page in (project / "site").rglob("*.html"):
        html = page.read_text("utf-8")
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert "src=" in opening or 'type="application/json"' in opening, (page, opening)


# -- server limits -------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_64_mib_of_headers_get_431_at_once_without_memory_growth(served: Served) -> None:
    before = rss_kib(served.proc.pid)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        sent = 0
        line = b"X-Padding: " + b"a" * 65_000 + b"\r\n"
        try:
            while sent < 64 * 1024 * 1024:
                sock.sendall(line)
                sent += len(line)
        except OSError:
            pass  # refused and closed long before 64 MiB
        answer = read_all(sock)
    assert status_of(answer) == 431 and b'"code": "headers_too_large"' in answer
    assert sent < 4 * 1024 * 1024 and time.monotonic() - started < 5
    assert rss_kib(served.proc.pid) - before < 10_000  # KiB: nothing near 64 MiB was kept


def test_too_many_headers_get_431(served: Served) -> None:
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(150))
    assert status_of(served.raw(b"GET / HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")) == 431


def test_a_long_request_line_gets_414(served: Served) -> None:
    line = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"
    assert status_of(served.raw(line)) == 414


def test_a_half_sent_request_gets_408_after_the_header_timeout(served: Served) -> None:
    started = time.monotonic()
    answer = served.raw(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: 1\r\n")
    assert status_of(answer) == 408 and b"request_timeout" in answer
    assert 0.9 < time.monotonic() - started < 4


def test_an_idle_connection_is_closed_after_the_header_timeout(served: Served) -> None:
    started = time.monotonic()
    assert served.raw(b"") == b""
    assert time.monotonic() - started < 4


def test_a_slow_body_gets_408_after_the_body_timeout(served: Served) -> None:
    started = time.monotonic()
    head = b"POST /api/attempts HTTP/1.1\r\nHost: t\r\nX-TrustPath-User: ada@example.com\r\n"
    head += b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"
    answer = served.raw(head)
    assert status_of(answer) == 408 and time.monotonic() - started < 4


def test_over_the_connection_limit_the_answer_is_503_json(project: Path) -> None:
    server = Served(project, "--identity", "open", "--limit-concurrency", "2")
    try:
        holders = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        time.sleep(0.3)
        answer = server.raw(b"GET /api/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        for sock in holders:
            sock.close()
    finally:
        server.stop()
    assert status_of(answer) == 503 and b'"code": "overloaded"' in answer


# -- request checks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        b"X-TrustPath-User: ada@example.com\r\nX-TrustPath-User: eve@example.com\r\n",
        b"X-TrustPath-User: ada@example.com\r\nAuthorization: Bearer a\r\n"
        b"Authorization: Bearer b\r\n",
    ],
)
def test_two_identity_headers_are_a_400(served: Served, headers: bytes) -> None:
    answer = post_raw(served, "/api/attempts", json.dumps(attempt()).encode(), headers)
    assert status_of(answer) == 400 and b'"duplicate_header"' in answer


def test_duplicate_json_keys_are_a_400(served: Served) -> None:
    body = json.dumps(attempt())[:-1] + ', "module": "second"}'
    r = httpx.post(
        served.url + "/api/attempts",
        content=body,
        headers={**ADA, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "duplicate_key",
        "message": "the body names the key 'module' twice: send each key once",
        "details": {"key": "module"},
    }


def test_started_at_in_the_future_is_clamped_and_flagged(served: Served) -> None:
    draw = httpx.get(served.url + "/api/quiz/intro/draw", headers=ADA).json()["draw"]
    body = attempt(started_at="2099-01-01T00:00:00Z", draw=draw)
    r = httpx.post(served.url + "/api/attempts", json=body, headers=ADA)
    assert r.status_code == 201
    store = Store(served.database)
    row = next(r for r in store.iter_rows() if r.client_id == body["attempt_id"])
    store.close()
    payload = json.loads(row.payload)
    assert payload["started_at_flag"] == "after_receipt"
    assert payload["started_at_claimed"] == "2099-01-01T00:00:00Z"
    assert payload["started_at"] <= row.recorded_at


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTPATH_ADMIN_TOKEN": "a"}, "TRUSTPATH_ADMIN_TOKEN is too weak"),
        ({"TRUSTPATH_SECRET": "0123456789abcdef"}, "TRUSTPATH_SECRET is too weak"),
        ({"TRUSTPATH_SECRET": "ab" * 40}, "TRUSTPATH_SECRET is too weak"),
    ],
)
def test_weak_secrets_are_refused_at_start(project: Path, env: dict[str, str], message: str):
    trustpath = str(Path(sys.executable).parent / "trustpath")
    environment = {"PATH": "/usr/bin:/bin", "TRUSTPATH_ADMIN_TOKEN": ADMIN_TOKEN}
    environment |= {"TRUSTPATH_SECRET": SECRET, **env}
    done = subprocess.run(
        [trustpath, "--project", str(project), "serve", "--no-build", "--identity", "token"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1 and message in done.stderr
    assert "it needs 32 random bytes or more" in done.stderr and "Traceback" not in done.stderr


# -- rate limits ---------------------------------------------------------------------------


def test_a_feedback_flood_stops_at_the_person_limit(served: Served) -> None:
    eve = {"X-TrustPath-User": "eve@example.com"}
    codes = []
    for _ in range(12):
        body = {
            "feedback_id": str(uuid.uuid4()),
            "module": "intro",
            "kind": "concern",
            "text": "x" * 4000,
            "anonymous": True,
        }
        r = httpx.post(served.url + "/api/feedback", json=body, headers=eve)
        codes.append(r.status_code)
    assert codes == [201] * 10 + [429, 429]
    error = r.json()["error"]
    assert error["code"] == "rate_limited" and error["details"]["scope"] == "person"
    assert error["details"]["retry_at"].endswith("Z")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.headers["cache-control"] == "no-store"
    # another person is not held back by Eve's limit
    other = {"X-TrustPath-User": "ada@example.com"}
    body = {"feedback_id": str(uuid.uuid4()), "module": "intro", "kind": "question", "text": "?"}
    assert httpx.post(served.url + "/api/feedback", json=body, headers=other).status_code == 201
