"""A table of bad requests: each gets its documented status and the one error shape, no 500."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from builder.records.identity import IdentityConfig, make_token, parse_networks
from tests.asgi import AppClient
from tests.records_support import ANN, BOB, RIGHT, ack, attempt, draw, feedback, running

SECRET = b"0123456789abcdef-test-secret"
JSON = {"content-type": "application/json"}


def raw(body: bytes | str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    data = body.encode() if isinstance(body, str) else body
    return {"content": data, "headers": {**ANN, **JSON, **(headers or {})}}


def as_json(body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"content": json.dumps(body).encode(), "headers": {**ANN, **JSON, **(headers or {})}}


def chunks(total: int):
    async def gen():
        sent = 0
        while sent < total:
            yield b" " * min(8192, total - sent)
            sent += 8192

    return gen()


FIXED = attempt()
FIXED_ACK = ack()


@dataclass
class Case:
    name: str
    status: int
    code: str
    path: str = "/api/attempts"
    request: Callable[[], dict[str, Any]] = field(default=lambda: as_json(attempt()))
    method: str = "POST"
    before: Callable[[AppClient], None] | None = None
    identity: str = "open"  # open | header-untrusted | token
    client: tuple[str, int] = ("127.0.0.1", 50000)
    drawn: bool = False  # the attempt body gets a draw issued to Ann first


def _nested(depth: int) -> bytes:
    return (
        b'{"attempt_id":"'
        + FIXED["attempt_id"].encode()
        + b'","module":"phishing","version":1,'
        + b'"answers":{"q1":'
        + b"[" * depth
        + b"]" * depth
        + b"}}"
    )


def _replay_first(c: AppClient) -> None:
    FIXED["draw"] = draw(c, ANN)["draw"]  # a fresh draw per database
    assert c.post("/api/attempts", json=FIXED, headers=ANN).status_code == 201


CASES = [
    Case("malformed JSON", 400, "malformed_json", request=lambda: raw('{"attempt_id": ')),
    Case("empty body", 400, "malformed_json", request=lambda: raw(b"")),
    Case("NaN is not JSON", 400, "malformed_json", request=lambda: raw('{"version": NaN}')),
    Case("trailing garbage", 400, "malformed_json", request=lambda: raw('{"a": 1} x')),
    Case("invalid UTF-8", 400, "invalid_utf8", request=lambda: raw(b'{"module": "\xff\xfe"}')),
    Case("deep nesting", 400, "too_deep", request=lambda: raw(b"[" * 30000 + b"]" * 30000)),
    Case("nesting inside answers", 422, "invalid_body", request=lambda: raw(_nested(300))),
    Case("top-level array", 422, "invalid_body", request=lambda: as_json([attempt()])),
    Case("top-level string", 422, "invalid_body", request=lambda: as_json("attempt")),
    Case("version as string", 422, "invalid_body", request=lambda: as_json(attempt(version="1"))),
    Case("version zero", 422, "invalid_body", request=lambda: as_json(attempt(version=0))),
    Case(
        "attempt id not a uuid",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(attempt_id="42")),
    ),
    Case(
        "answers not an object",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(answers=["b"])),
    ),
    Case(
        "answer not a list",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(answers={"q1": "b"})),
    ),
    Case(
        "choice not a string",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(answers={"q1": [1]})),
    ),
    Case(
        "same choice twice",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(answers={"q2": ["x", "x"]})),
    ),
    Case(
        "missing answers",
        422,
        "invalid_body",
        request=lambda: as_json({k: v for k, v in attempt().items() if k != "answers"}),
    ),
    Case("unknown field", 422, "invalid_body", request=lambda: as_json(attempt(score=1.0))),
    Case(
        "identity in the body (email)",
        422,
        "invalid_body",
        request=lambda: as_json(attempt(email="mallory@example.com")),
    ),
    Case(
        "identity in the body (user)",
        422,
        "invalid_body",
        request=lambda: as_json(feedback(user="mallory@example.com")),
        path="/api/feedback",
    ),
    Case(
        "body over 64 KiB",
        413,
        "body_too_large",
        request=lambda: raw(b'{"pad": "' + b"x" * 70_000 + b'"}'),
    ),
    Case(
        "body over 64 KiB without Content-Length",
        413,
        "body_too_large",
        request=lambda: {"content": chunks(100_000), "headers": {**ANN, **JSON}},
    ),
    Case(
        "text/plain",
        415,
        "unsupported_media_type",
        request=lambda: {
            "content": json.dumps(attempt()).encode(),
            "headers": {**ANN, "content-type": "text/plain"},
        },
    ),
    Case(
        "no content type",
        415,
        "unsupported_media_type",
        request=lambda: {"content": json.dumps(attempt()).encode(), "headers": ANN},
    ),
    Case(
        "form encoded",
        415,
        "unsupported_media_type",
        request=lambda: {"data": {"module": "phishing"}, "headers": ANN},
    ),
    Case(
        "latin-1 charset",
        415,
        "unsupported_media_type",
        request=lambda: raw(
            json.dumps(attempt()), {"content-type": "application/json; charset=latin-1"}
        ),
    ),
    Case(
        "unknown module",
        404,
        "unknown_module",
        request=lambda: as_json(attempt(module="no-such-module")),
    ),
    Case("stale version", 409, "stale_version", request=lambda: as_json(attempt(version=2))),
    Case(
        "unknown question",
        422,
        "unknown_question",
        drawn=True,
        request=lambda: as_json(attempt(answers={"q9": ["a"]})),
    ),
    Case(
        "unknown choice",
        422,
        "unknown_choice",
        drawn=True,
        request=lambda: as_json(attempt(answers={"q1": ["d"]})),
    ),
    Case(
        "two choices for a single question",
        422,
        "too_many_choices",
        drawn=True,
        request=lambda: as_json(attempt(answers={"q1": ["a", "b"]})),
    ),
    Case(
        "both true and false",
        422,
        "too_many_choices",
        drawn=True,
        request=lambda: as_json(attempt(answers={"q3": ["true", "false"]})),
    ),
    Case(
        "attempt on a module without quiz",
        422,
        "no_quiz",
        request=lambda: as_json(attempt(module="aup", version=3)),
    ),
    Case(
        "ack of an unknown module",
        404,
        "unknown_module",
        path="/api/acknowledgements",
        request=lambda: as_json(ack(module="nope")),
    ),
    Case(
        "ack of a module without statement",
        422,
        "no_acknowledgement",
        path="/api/acknowledgements",
        request=lambda: as_json(ack(module="phishing", version=1)),
    ),
    Case(
        "ack of a changed statement",
        409,
        "stale_statement",
        path="/api/acknowledgements",
        request=lambda: as_json(ack(statement_sha256="0" * 64)),
    ),
    Case(
        "ack with a bad sha",
        422,
        "invalid_body",
        path="/api/acknowledgements",
        request=lambda: as_json(ack(statement_sha256="XYZ")),
    ),
    Case(
        "empty feedback",
        422,
        "invalid_body",
        path="/api/feedback",
        request=lambda: as_json(feedback(text="")),
    ),
    Case(
        "feedback over 4000 characters",
        422,
        "invalid_body",
        path="/api/feedback",
        request=lambda: as_json(feedback(text="é" * 4001)),
    ),
    Case(
        "feedback of an unknown kind",
        422,
        "invalid_body",
        path="/api/feedback",
        request=lambda: as_json(feedback(kind="rant")),
    ),
    Case(
        "anonymous not a boolean",
        422,
        "invalid_body",
        path="/api/feedback",
        request=lambda: as_json(feedback(anonymous="yes")),
    ),
    Case(
        "missing identity",
        401,
        "no_identity",
        request=lambda: {"content": json.dumps(attempt()).encode(), "headers": JSON},
    ),
    Case(
        "identity not an email",
        401,
        "bad_identity",
        request=lambda: raw(json.dumps(attempt()), {"X-TrustPath-User": "root"}),
    ),
    Case(
        "missing identity on /api/me",
        401,
        "no_identity",
        path="/api/me",
        method="GET",
        request=lambda: {},
    ),
    Case(
        "spoofed identity header from an untrusted address",
        401,
        "untrusted_proxy",
        identity="header",
        client=("203.0.113.9", 4000),
        request=lambda: as_json(attempt(), {"X-Forwarded-Email": "ceo@example.com"}),
    ),
    Case(
        "forged token",
        401,
        "invalid_token",
        identity="token",
        request=lambda: as_json(
            attempt(),
            {
                "Authorization": "Bearer "
                + make_token(b"another-secret-entirely", "ann@example.com", int(time.time()) + 60)
            },
        ),
    ),
    Case(
        "expired token",
        401,
        "invalid_token",
        identity="token",
        request=lambda: as_json(
            attempt(),
            {
                "Authorization": "Bearer "
                + make_token(SECRET, "ann@example.com", int(time.time()) - 1)
            },
        ),
    ),
    Case("no token", 401, "no_identity", identity="token", request=lambda: as_json(attempt())),
    Case(
        "conflicting replay",
        409,
        "conflicting_replay",
        before=_replay_first,
        request=lambda: as_json({**FIXED, "answers": {"q1": ["a"]}}),
    ),
    Case(
        "replay by another person",
        409,
        "conflicting_replay",
        before=_replay_first,
        request=lambda: as_json(FIXED, BOB),
    ),
    Case(
        "reports without a token",
        401,
        "no_admin_token",
        path="/api/reports/ledger-head",
        method="GET",
        request=lambda: {},
    ),
    Case(
        "reports with a wrong token",
        403,
        "bad_admin_token",
        path="/api/reports/ledger-head",
        method="GET",
        request=lambda: {"headers": {"Authorization": "Bearer guess"}},
    ),
    Case(
        "unknown report",
        404,
        "not_found",
        path="/api/reports/nope",
        method="GET",
        request=lambda: {"headers": {"Authorization": "Bearer admin-secret"}},
    ),
    Case(
        "unknown API route",
        404,
        "not_found",
        path="/api/nothing-here",
        method="GET",
        request=lambda: {},
    ),
    Case(
        "wrong method",
        405,
        "method_not_allowed",
        path="/api/attempts",
        method="GET",
        request=lambda: {"headers": ANN},
    ),
]


def identity_for(case: Case) -> IdentityConfig:
    if case.identity == "header":
        return IdentityConfig("header", trusted_proxies=parse_networks(["10.0.0.0/8"]))
    if case.identity == "token":
        return IdentityConfig("token", secret=SECRET)
    return IdentityConfig()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_request_gets_its_status_and_the_error_shape(case: Case, database_url: str):
    with running(database_url, identity_for(case), case.client) as c:
        if case.before:
            case.before(c)
        seq_before = c.get("/api/health").json()["ledger"]["seq"]
        request = case.request()
        if case.drawn:
            body = json.loads(request["content"])
            body["draw"] = draw(c, ANN, body["module"])["draw"]
            request["content"] = json.dumps(body).encode()
        response = c.request(case.method, case.path, **request)
        assert response.status_code == case.status, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
        assert body["error"]["code"] == case.code
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
        assert isinstance(body["error"]["details"], dict)
        assert c.get("/api/health").json()["ledger"]["seq"] == seq_before  # nothing stored


def test_the_table_is_long_enough():
    assert len(CASES) >= 30
    assert RIGHT  # the shared fixtures are importable
