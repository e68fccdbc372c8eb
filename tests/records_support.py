"""A small course manifest and helpers shared by the records tests."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import AppClient, app_client

STATEMENT = "I have read the acceptable use policy and will follow it."
STATEMENT_SHA = hashlib.sha256(STATEMENT.encode()).hexdigest()
ANN = {"X-TrustPath-User": "ann@example.com"}
BOB = {"X-TrustPath-User": "bob@example.com"}


def _choice(cid: str, correct: bool, feedback: str | None = None) -> dict[str, Any]:
    return {"id": cid, "text": f"choice {cid}", "correct": correct, "feedback": feedback}


def _tf(qid: str, answer: bool) -> dict[str, Any]:
    return {
        "id": qid,
        "type": "true_false",
        "prompt": qid,
        "explain": f"why {qid}",
        "choices": [_choice("true", answer), _choice("false", not answer)],
        "correct": ["true" if answer else "false"],
    }


def _module(mid: str, reveal: str | None, version: int = 1, ack: bool = False) -> dict[str, Any]:
    quiz = None
    if reveal is not None:
        quiz = {
            "pass_mark": 80,
            "reveal": reveal,
            "questions": [
                {
                    "id": "q1",
                    "type": "single",
                    "prompt": "q1",
                    "explain": "why q1",
                    "choices": [
                        _choice("a", False, "a is the lure"),
                        _choice("b", True),
                        _choice("c", False),
                    ],
                    "correct": ["b"],
                },
                {
                    "id": "q2",
                    "type": "multiple",
                    "prompt": "q2",
                    "explain": None,
                    "choices": [
                        _choice("x", True),
                        _choice("y", True),
                        _choice("z", False, "not z"),
                    ],
                    "correct": ["x", "y"],
                },
                _tf("q3", False),
                _tf("q4", True),
                _tf("q5", True),
            ],
        }
    return {
        "id": mid,
        "title": mid.title(),
        "version": version,
        "content_sha256": hashlib.sha256(f"{mid}{version}".encode()).hexdigest(),
        "criteria": ["CC2.2"],
        "roles": ["all-staff"],
        "when": ["onboarding", "annual"],
        "stage": "onboarding",
        "recurrence": "annual",
        "duration": 10,
        "owner": None,
        "review_by": None,
        "retrain_on_change": True,
        "url": f"{mid}/",
        "source": f"{mid}.md",
        "acknowledge": {"statement": STATEMENT, "statement_sha256": STATEMENT_SHA} if ack else None,
        "quiz": quiz,
    }


def manifest() -> dict[str, Any]:
    """Modules: phishing (after_pass), open-book (always), closed-book (never), aup (ack only,
    version 3), reading (nothing to submit); one role, all-staff, with all of them."""
    modules = [
        _module("phishing", "after_pass"),
        _module("open-book", "always"),
        _module("closed-book", "never"),
        _module("aup", None, version=3, ack=True),
        _module("reading", None),
    ]
    return {
        "format": 1,
        "built_at": "2026-01-01T00:00:00Z",
        "commit": "abc123",
        "settings": {"onboarding_days": 30, "grace_days": 30, "due_soon_days": 14},
        "criteria": {},
        "modules": {m["id"]: m for m in modules},
        "roles": {
            "all-staff": {
                "id": "all-staff",
                "title": "Everyone",
                "extends": [],
                "ancestry": ["all-staff"],
                "departments": [],
                "criteria": [],
                "path": [
                    {"module": m["id"], "stage": "onboarding", "pulled_in": False} for m in modules
                ],
            }
        },
    }


RIGHT = {"q1": ["b"], "q2": ["x", "y"], "q3": ["false"], "q4": ["true"], "q5": ["true"]}


def attempt(
    module: str = "phishing", answers: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    """An attempt body with a fresh id (all answers right unless given)."""
    return {
        "attempt_id": str(uuid.uuid4()),
        "module": module,
        "version": 1,
        "answers": RIGHT if answers is None else answers,
        **extra,
    }


def draw(c: AppClient, headers: dict[str, str], module: str = "phishing") -> dict[str, Any]:
    """A draw from GET /api/quiz/{module}/draw (asserted to be issued)."""
    r = c.get(f"/api/quiz/{module}/draw", headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def drawn(
    c: AppClient,
    headers: dict[str, str],
    module: str = "phishing",
    answers: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An attempt body carrying a fresh draw issued to `headers`' person."""
    return attempt(module, answers, draw=draw(c, headers, module)["draw"], **extra)


def ack(**extra: Any) -> dict[str, Any]:
    return {
        "ack_id": str(uuid.uuid4()),
        "module": "aup",
        "version": 3,
        "statement_sha256": STATEMENT_SHA,
        **extra,
    }


def feedback(**extra: Any) -> dict[str, Any]:
    body = {
        "feedback_id": str(uuid.uuid4()),
        "module": "phishing",
        "kind": "question",
        "text": "Is a QR code in an email always phishing?",
        "anonymous": False,
    }
    return {**body, **extra}


def make_service(
    url: str, identity: IdentityConfig | None = None, admin_token: str | None = "admin-secret"
) -> RecordsService:
    return RecordsService(
        manifest(), Store(url), identity or IdentityConfig(), admin_token=admin_token
    )


@contextmanager
def running(
    url: str,
    identity: IdentityConfig | None = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    admin_token: str | None = "admin-secret",
) -> Iterator[AppClient]:
    """The app on `url`, lifespan started, as an in-process client."""
    service = make_service(url, identity, admin_token)
    try:
        with app_client(create_app(service), client) as c:
            yield c
    finally:
        service.store.close()


def put_on_roster(url: str, *emails: str, start: str | None = None) -> None:
    """Import a roster of `emails` (all-staff, started on `start`, default today) at `url`."""
    import datetime as dt

    start = start or dt.date.today().isoformat()

    from builder.lifecycle.roster import parse_roster
    from builder.store.queries import import_roster

    header = "email,name,department,roles,start_date,end_date,status,employment,note\n"
    text = header + "".join(
        f"{e},{e.split('@')[0].title()},Ops,all-staff,{start},,active,employee,\n" for e in emails
    )
    store = Store(url)
    try:
        store.migrate()
        import_roster(store, parse_roster(text, {"all-staff"}), dt.date.fromisoformat(start))
    finally:
        store.close()
