"""A TEST DOUBLE of the records service, for the browser suite only.

It serves a built site and the records API contract (health, attempts, acknowledgements,
feedback, me), grades from the course manifest, answers replays idempotently, and counts
every POST it receives so tests can prove a queued submission arrives exactly once. It keeps
everything in memory and has no ledger: it is not the records service.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles


@dataclass
class DoubleState:
    manifest: dict[str, Any]
    roles: tuple[str, ...] = ("everyone",)
    posts: Counter[str] = field(default_factory=Counter)  # id -> POSTs received
    answers: dict[str, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    passed: set[tuple[str, str]] = field(default_factory=set)  # (email, module)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": {}}}, status)


def grade(module: dict[str, Any], answers: dict[str, list[str]]) -> dict[str, Any]:
    """Score an attempt the way the contract describes (all-or-nothing per question)."""
    quiz = module["quiz"]
    questions, right = [], 0
    for q in quiz["questions"]:
        selected = sorted(answers.get(q["id"], []))
        correct = selected == sorted(q["correct"])
        right += correct
        feedback = [
            {"choice": c["id"], "text": c["feedback"]}
            for c in q["choices"]
            if c["id"] in selected and c["feedback"]
        ]
        questions.append(
            {
                "id": q["id"],
                "correct": correct,
                "selected": selected,
                "explain": q["explain"],
                "feedback": feedback,
            }
        )
    score = right / len(quiz["questions"])
    passed = score * 100 >= quiz["pass_mark"]
    if quiz["reveal"] == "always" or (quiz["reveal"] == "after_pass" and passed):
        for out, q in zip(questions, quiz["questions"], strict=True):
            out["correct_choices"] = sorted(q["correct"])
    return {
        "score": score,
        "score_percent": round(score * 100),
        "pass_mark": quiz["pass_mark"],
        "passed": passed,
        "questions": questions,
    }


def create_double(site_dir: Path, state: DoubleState) -> Starlette:
    """The Starlette app: /api routes of the contract, then the static site at /."""

    def user(request: Request) -> str | None:
        return request.headers.get("x-trustpath-user")

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "database": "memory",
                "identity": "open",
                "ledger": {"seq": state.seq, "hash": "0" * 64},
            }
        )

    async def post(request: Request) -> JSONResponse:
        kind = request.url.path.rsplit("/", 1)[1]
        body = await request.json()
        id_key = {
            "attempts": "attempt_id",
            "acknowledgements": "ack_id",
            "feedback": "feedback_id",
        }[kind]
        state.posts[body[id_key]] += 1
        email = user(request)
        if not email:
            return _error(401, "no_identity", "no X-TrustPath-User header")
        if body[id_key] in state.answers:
            old_body, old_answer = state.answers[body[id_key]]
            if old_body != body:
                return _error(409, "conflicting_replay", "same id, different body")
            return JSONResponse(old_answer, 200)
        module = state.manifest["modules"].get(body["module"])
        if module is None:
            return _error(404, "unknown_module", f"no module {body['module']!r}")
        if "version" in body and body["version"] != module["version"]:
            return _error(409, "stale_version", "the page is out of date")
        answer: dict[str, Any] = {
            id_key: body[id_key],
            "recorded_at": "2026-01-01T00:00:00Z",
            "seq": state.next_seq(),
        }
        if kind == "attempts":
            answer.update(
                module=module["id"],
                version=module["version"],
                **grade(module, body["answers"]),
                record_hash="f" * 64,
            )
            if answer["passed"]:
                state.passed.add((email, module["id"]))
        state.answers[body[id_key]] = (body, answer)
        return JSONResponse(answer, 201)

    async def me(request: Request) -> JSONResponse:
        email = user(request)
        if not email:
            return _error(401, "no_identity", "no X-TrustPath-User header")
        modules = {}
        for rid in state.roles:
            for step in state.manifest["roles"][rid]["path"]:
                mid = step["module"]
                done = (email, mid) in state.passed
                modules[mid] = {
                    "status": "done" if done else "upcoming",
                    "due": None if done else "2030-01-31",
                    "version": 1,
                }
        return JSONResponse(
            {"email": email, "name": None, "roles": list(state.roles), "modules": modules}
        )

    routes = [
        Route("/api/health", health),
        Route("/api/attempts", post, methods=["POST"]),
        Route("/api/acknowledgements", post, methods=["POST"]),
        Route("/api/feedback", post, methods=["POST"]),
        Route("/api/me", me),
        Mount("/", app=StaticFiles(directory=site_dir, html=True)),
    ]
    return Starlette(routes=routes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RunningDouble:
    """Runs the double with uvicorn in a background thread."""

    def __init__(self, app: Starlette, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}/"

    def __enter__(self) -> RunningDouble:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the records double did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
