"""Draws, attempt limits and the disclosure rule over HTTP, on SQLite and PostgreSQL (issue 11).

Each refusal gets its documented status and the one error shape; a replay of a graded attempt
still gets 200 with the same answer. Time is an injected clock, never a sleep.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from builder.records.draws import DrawSigner
from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import AppClient, app_client
from tests.records_support import ANN, BOB, RIGHT, attempt, manifest

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def quiz_manifest() -> dict[str, Any]:
    """The shared manifest plus `pool` (draw 2 of 5) and `quiet` (feedback score_only)."""
    m = manifest()
    pool = copy.deepcopy(m["modules"]["phishing"])
    pool.update(id="pool", url="pool/", source="pool.md")
    pool["quiz"]["draw"] = 2
    quiet = copy.deepcopy(m["modules"]["phishing"])
    quiet.update(id="quiet", url="quiet/", source="quiet.md")
    quiet["quiz"]["feedback"] = "score_only"
    m["modules"].update(pool=pool, quiet=quiet)
    return m


@contextmanager
def serving(url: str) -> Iterator[tuple[AppClient, Clock]]:
    clock = Clock()
    service = RecordsService(
        quiz_manifest(), Store(url), IdentityConfig(), signer=DrawSigner(b"k" * 32), clock=clock
    )
    try:
        with app_client(create_app(service)) as c:
            c.baseline = c.get("/api/health").json()["ledger"]["seq"]  # publications at start
            c.service = service
            yield c, clock
    finally:
        service.store.close()


def get_draw(c: AppClient, who: dict[str, str], module: str = "phishing") -> dict[str, Any]:
    r = c.get(f"/api/quiz/{module}/draw", headers=who)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def post(c: AppClient, body: dict[str, Any], who: dict[str, str] = ANN) -> Any:
    return c.post("/api/attempts", json=body, headers=who)


def error_of(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    details: dict[str, Any] = body["error"]["details"]
    return details


def ledger_seq(c: AppClient) -> int:
    """Ledger rows recorded since the service started."""
    seq: int = c.get("/api/health").json()["ledger"]["seq"]
    return seq - int(c.baseline)


def test_draw_names_every_question_and_each_choice_order(database_url: str):
    with serving(database_url) as (c, _):
        d = get_draw(c, ANN)
        assert sorted(d["questions"]) == ["q1", "q2", "q3", "q4", "q5"]
        assert set(d["order"]) == set(d["questions"])
        assert sorted(d["order"]["q1"]) == ["a", "b", "c"]
        assert sorted(d["order"]["q3"]) == ["false", "true"]
        assert d["module"] == "phishing" and d["version"] == 1
        assert d["expires_at"] == "2026-03-03T09:00:00Z"  # the 24-hour attempt window
        assert "correct" not in str(d) and ledger_seq(c) == 0  # a draw records nothing


def test_two_people_get_different_orders(database_url: str):
    with serving(database_url) as (c, _):
        ann = [get_draw(c, ANN) for _ in range(3)]
        bob = [get_draw(c, BOB) for _ in range(3)]
        orders = {repr((d["questions"], sorted(d["order"].items()))) for d in ann + bob}
        assert len(orders) > 1


def test_a_draw_of_two_grades_over_the_two(database_url: str):
    with serving(database_url) as (c, _):
        d = get_draw(c, ANN, "pool")
        assert len(d["questions"]) == 2 and set(d["order"]) == set(d["questions"])
        answers = {q: RIGHT[q] for q in d["questions"]}
        r = post(c, attempt("pool", answers, draw=d["draw"]))
        assert r.status_code == 201, r.text
        out = r.json()
        assert (out["score"], out["passed"]) == (1.0, True)
        assert [q["id"] for q in out["questions"]] == d["questions"]


def test_an_answer_outside_the_draw_is_refused(database_url: str):
    with serving(database_url) as (c, _):
        d = get_draw(c, ANN, "pool")
        other = next(q for q in RIGHT if q not in d["questions"])
        details = error_of(
            post(c, attempt("pool", {other: RIGHT[other]}, draw=d["draw"])), 422, "draw_mismatch"
        )
        assert details["questions"] == [other] and ledger_seq(c) == 0


def test_attempt_without_a_draw_is_422(database_url: str):
    with serving(database_url) as (c, _):
        error_of(post(c, attempt()), 422, "draw_required")
        assert ledger_seq(c) == 0


def test_attempt_with_another_persons_draw_is_403(database_url: str):
    with serving(database_url) as (c, _):
        bobs = get_draw(c, BOB)["draw"]
        error_of(post(c, attempt(draw=bobs), ANN), 403, "draw_not_yours")
        assert ledger_seq(c) == 0


def test_attempt_with_an_expired_draw_is_409(database_url: str):
    with serving(database_url) as (c, clock):
        token = get_draw(c, ANN)["draw"]
        clock.advance(hours=24)
        details = error_of(post(c, attempt(draw=token)), 409, "draw_expired")
        assert details["expired_at"] == "2026-03-03T09:00:00Z" and ledger_seq(c) == 0


def test_a_forged_or_misdirected_draw_is_422(database_url: str):
    with serving(database_url) as (c, _):
        token = get_draw(c, ANN)["draw"]
        head, claims, mac = token.split(".")
        forged = f"{head}.{claims[:-2]}AA.{mac}"
        error_of(post(c, attempt(draw=forged)), 422, "invalid_draw")
        error_of(post(c, attempt("open-book", draw=token)), 422, "invalid_draw")
        error_of(post(c, attempt(draw="not-a-draw")), 422, "invalid_draw")


def test_a_draw_serves_one_attempt(database_url: str):
    with serving(database_url) as (c, _):
        token = get_draw(c, ANN)["draw"]
        assert post(c, attempt(draw=token)).status_code == 201
        error_of(post(c, attempt(draw=token)), 409, "draw_used")
        assert ledger_seq(c) == 1


def test_over_the_attempt_limit_is_429_with_retry_at(database_url: str):
    with serving(database_url) as (c, clock):
        for _ in range(3):  # passing attempts: no cooldown, only the 3-a-day limit
            assert post(c, attempt(draw=get_draw(c, ANN)["draw"])).status_code == 201
            clock.advance(hours=1)
        r = c.get("/api/quiz/phishing/draw", headers=ANN)
        details = error_of(r, 429, "attempt_limit")
        assert details == {"module": "phishing", "retry_at": "2026-03-03T09:00:00Z"}
        assert r.headers["retry-after"] == str(21 * 3600)
        clock.advance(hours=21)  # the first attempt leaves the 24-hour window
        assert post(c, attempt(draw=get_draw(c, ANN)["draw"])).status_code == 201


def test_an_attempt_over_the_limit_is_refused_even_with_a_draw(database_url: str):
    with serving(database_url) as (c, _):
        tokens = [get_draw(c, ANN)["draw"] for _ in range(4)]  # stockpiled before any attempt
        assert post(c, attempt(draw=tokens[0])).status_code == 201
        error_of(post(c, attempt(draw=tokens[1])), 409, "draw_used")  # one draw, one attempt
        for _ in range(2):
            assert post(c, attempt(draw=get_draw(c, ANN)["draw"])).status_code == 201
        old = get_draw(c, BOB)  # Bob is not limited by Ann's attempts
        assert len(old["questions"]) == 5
        r = post(c, attempt(draw=tokens[3]))
        assert r.status_code in (409, 429) and ledger_seq(c) == 3


def test_cooldown_after_a_failed_attempt(database_url: str):
    with serving(database_url) as (c, clock):
        r = post(c, attempt(answers={"q1": ["a"]}, draw=get_draw(c, ANN)["draw"]))
        assert r.status_code == 201 and r.json()["passed"] is False
        clock.advance(minutes=4)
        r = c.get("/api/quiz/phishing/draw", headers=ANN)
        assert error_of(r, 429, "attempt_limit")["retry_at"] == "2026-03-02T09:05:00Z"
        assert r.headers["retry-after"] == "60"
        clock.advance(minutes=1)
        assert get_draw(c, ANN)["questions"]


def test_replay_of_a_graded_attempt_is_200_whatever_the_limits_say(database_url: str):
    with serving(database_url) as (c, clock):
        first = attempt(answers={"q1": ["a"]}, draw=get_draw(c, ANN)["draw"])
        created = post(c, first)
        assert created.status_code == 201
        for _ in range(2):
            clock.advance(minutes=10)
            post(c, attempt(answers={"q1": ["a"]}, draw=get_draw(c, ANN)["draw"]))
        clock.advance(hours=30)  # the draw has expired
        again = post(c, first)
        assert again.status_code == 200 and again.json() == created.json()
        clock.now = START + dt.timedelta(minutes=21)  # and over the limit
        error_of(c.get("/api/quiz/phishing/draw", headers=ANN), 429, "attempt_limit")
        again = post(c, first)
        assert again.status_code == 200 and again.json() == created.json()
        error_of(post(c, first, BOB), 409, "conflicting_replay")
        assert ledger_seq(c) == 3


def test_draw_of_unknown_module_and_module_without_quiz(database_url: str):
    with serving(database_url) as (c, _):
        error_of(c.get("/api/quiz/nope/draw", headers=ANN), 404, "unknown_module")
        error_of(c.get("/api/quiz/aup/draw", headers=ANN), 422, "no_quiz")
        error_of(c.get("/api/quiz/phishing/draw"), 401, "no_identity")
        error_of(c.post("/api/quiz/phishing/draw", headers=ANN), 405, "method_not_allowed")


def _result(c: AppClient, module: str, answers: dict[str, list[str]]) -> dict[str, Any]:
    r = post(c, attempt(module, answers, draw=get_draw(c, ANN, module)["draw"]))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def by_id(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in out["questions"]}


def test_disclosure_follows_one_rule(database_url: str):
    failing = {"q1": ["a"], "q2": ["x"]}  # 0 of 5: far from the pass mark (80: 4 of 5)
    near = {**RIGHT, "q1": ["a"], "q2": ["x"]}  # 3 of 5: one right answer short of a pass
    with serving(database_url) as (c, clock):
        # per_question (default), reveal after_pass, far miss: the score and pass/fail only
        out = _result(c, "phishing", failing)
        assert (out["passed"], out["questions"], out["score_percent"]) == (False, [], 0)
        clock.advance(minutes=5)  # the cooldown after that fail
        # near miss: results and explanations, no key
        out = _result(c, "phishing", near)
        assert out["passed"] is False and out["score_percent"] == 60
        assert len(out["questions"]) == 5
        assert [q["correct"] for q in out["questions"] if q["id"] in ("q1", "q2")] == [False] * 2
        assert by_id(out)["q1"]["explain"] == "why q1"
        assert by_id(out)["q1"]["feedback"] == [
            {"choice": "a", "text": "a is the lure", "text_html": "a is the lure"}
        ]
        assert not any("correct_choices" in q for q in out["questions"])
        # reveal always: the results and the key even before a pass, even far from it
        out = _result(c, "open-book", failing)
        assert by_id(out)["q1"]["correct_choices"] == ["b"]
        # reveal never: the score and pass/fail only, even after a pass
        for answers in (failing, RIGHT):
            out = _result(c, "closed-book", answers)
            clock.advance(minutes=5)
            assert out["questions"] == [] and "score" in out and "passed" in out
        # score_only: nothing per question before a pass, everything after it
        out = _result(c, "quiet", near)
        assert (out["passed"], out["questions"], out["score_percent"]) == (False, [], 60)
        clock.advance(minutes=5)  # the cooldown after that fail
        out = _result(c, "quiet", RIGHT)
        assert out["passed"] is True and by_id(out)["q1"]["correct_choices"] == ["b"]


def test_a_replay_after_the_content_changed_follows_the_disclosure_rule(database_url: str):
    # A republished module (new content) answers replays of older attempts without
    # explanations; their right/wrong flags still follow the one rule: none for a far miss.
    far = attempt("phishing", {"q1": ["a"], "q2": ["x"]})
    near = attempt("phishing", {**RIGHT, "q1": ["a"], "q2": ["x"]})
    with serving(database_url) as (c, clock):
        sent, answers = [], []
        for body in (far, near):
            sent.append({**body, "draw": get_draw(c, ANN)["draw"]})
            r = post(c, sent[-1])
            assert r.status_code == 201, r.text
            answers.append(r.json())
            clock.advance(minutes=5)
        assert answers[0]["questions"] == [] and len(answers[1]["questions"]) == 5
        c.service.manifest["modules"]["phishing"]["content_sha256"] = "0" * 64  # republished
        first, second = (post(c, body) for body in sent)
        assert first.status_code == 200 and first.json()["questions"] == []
        assert second.status_code == 200
        flags = [(q["id"], q["correct"], q["explain"]) for q in second.json()["questions"]]
        assert sorted(flags) == [
            ("q1", False, None), ("q2", False, None), ("q3", True, None),
            ("q4", True, None), ("q5", True, None),
        ]  # fmt: skip


def test_a_reload_gives_the_same_draw_until_the_attempt_is_made(database_url: str):
    # A pool cannot be shopped: reloading the page shows the same questions in the same order;
    # the next attempt gets a new draw.
    with serving(database_url) as (c, _):
        shape = lambda d: (d["questions"], d["order"])  # noqa: E731
        first = [shape(get_draw(c, ANN, "pool")) for _ in range(6)]
        assert all(f == first[0] for f in first)
        d = get_draw(c, ANN, "pool")
        answers = {q: RIGHT[q] for q in d["questions"]}
        assert post(c, attempt("pool", answers, draw=d["draw"])).status_code == 201
        after = {repr(shape(get_draw(c, ANN, "pool"))) for _ in range(3)}
        assert len(after) == 1
        bobs = {repr(shape(get_draw(c, person, "pool"))) for person in (BOB, ANN)}
        assert len(bobs | {repr(first[0])}) > 1
