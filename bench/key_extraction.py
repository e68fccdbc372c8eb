"""The key-extraction adversary against the records service, under the default quiz rules.

Serves the starter curriculum the way `trustpath serve` does (the course manifest that
`trustpath build` writes, the app of `builder.web.server.build_app`, uvicorn on loopback,
SQLite, identity `open`, no quiz settings beyond what the content says) and runs two clients
over HTTP:

- the adversary: a script that knows what the published page shows (module ids, versions,
  question ids and types, choice ids, pass marks) and nothing of the content. Per quiz it
  keeps the candidates still possible for each question (a choice, or for a multiple-answer
  question a non-empty set of choices, smallest sets first), answers with the first of each,
  and learns what the response discloses: per-question right/wrong rules candidates in or
  out (a question with one candidate left is known); a score alone is used one question at a
  time (under the near-miss rule it climbs by the score until the flags come). It works on
  every quiz at once and waits only when every quiz it still needs is limited; the time it
  waits is simulated by an injected clock (the service's `clock`), never slept. A 429 is
  still a request: it is counted. A quiz limit (`attempt_limit`) stops that quiz until its
  `retry_at`; a rate limit (`rate_limited`, per person and route) stops the whole route until
  its `retry_at`.
- a learner who read each module: answers from the key, with one slip on the first attempt
  of every other quiz; after a fail they re-read the module (its `duration`) and try again.

Prints, per quiz, the adversary's requests and the simulated day it passed; then the totals
against the first wave (50 requests, seconds: issue 11), the learner's attempts and whether a
limit ever stopped them. Last line: the summary. Targets (issue 11): >= 20x the requests and
>= 3 days, while the learner passes every quiz in one or two attempts without meeting a limit.

The rate limiter (builder/web/ratelimit.py, the `limits` library) keeps its counters in
`limits`' own time, `time.time()`. The bench points that one name, in `limits`' memory storage
and in builder.web.ratelimit, at the simulated clock (`simulated_rate_limits`), so a 429 of
the rate limiter is waited out in the same simulated time as one of the quiz limits. The
service's code is untouched. The bench refuses to start when either module no longer reads
the clock that way, and a wait that would not move the simulated clock (a limit still counted
in real time) stops it with an error instead of spinning.

Usage: .venv/bin/python bench/key_extraction.py [--feedback score_only] [--quizzes N]
       [--rate-limit ROUTE.SCOPE=LIMITS ...]
(`--feedback score_only` sets that key on every quiz, to show what the stricter disclosure
costs an adversary; `--quizzes N` runs on the first N quizzes only, a smoke run;
`--rate-limit attempts.person=2/minute` overrides one rate limit, as the `rate_limits`
setting does; the default run changes nothing in the content or the settings.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import socket
import sys
import tempfile
import threading
import time
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import limits.storage.memory as limits_memory
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.config import load_settings  # noqa: E402
from builder.course.manifest import build_manifest, write_manifest  # noqa: E402
from builder.curriculum.loader import load_curriculum  # noqa: E402
from builder.curriculum.paths import build_paths  # noqa: E402
from builder.web import ratelimit  # noqa: E402
from builder.web.server import ServeConfig, build_app  # noqa: E402

FIRST_WAVE_REQUESTS = 50
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The service's clock: moved by the bench, never slept on."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@contextlib.contextmanager
def simulated_rate_limits(clock: Clock) -> Iterator[None]:
    """Make the rate limiter count in the bench's simulated time while the block runs.

    `limits`' memory storage and builder.web.ratelimit read the wall clock as `time.time()`;
    the name `time` in those two modules is pointed at a stand-in whose `time()` is the
    simulated clock (POSIX seconds) and whose `monotonic()` is the real one (the storage's
    sweep interval). Patched in the bench only, rather than giving the limiter a clock
    parameter: `limits` has no clock hook, so a production parameter would mean
    re-implementing its storage, and the service's code stays exactly what `trustpath serve`
    runs. Raises SystemExit when a module no longer reads time that way (a newer `limits`):
    the bench must then be updated rather than silently measure in real time.
    """
    modules = (limits_memory, ratelimit)
    for module in modules:
        if getattr(module, "time", None) is not time:
            raise SystemExit(
                f"bench: {module.__name__} no longer reads the clock as `time.time()`; "
                "update simulated_rate_limits in bench/key_extraction.py"
            )
    stand_in = types.SimpleNamespace(time=lambda: clock.now.timestamp(), monotonic=time.monotonic)
    for module in modules:
        module.time = stand_in  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.time = time  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def starter_manifest(state: Path, feedback: str | None) -> Path:
    """The manifest `trustpath build` writes for the starter curriculum (`feedback` forced)."""
    settings = load_settings(ROOT)
    result = load_curriculum(settings)
    if not result.ok:
        raise SystemExit("the starter curriculum has errors: run `trustpath validate`")
    paths = build_paths(result.curriculum)
    manifest = build_manifest(settings, result.curriculum, paths)
    for module in manifest["modules"].values():
        if feedback and module.get("quiz"):
            module["quiz"]["feedback"] = feedback
    return write_manifest(manifest, state)


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class QuizState:
    """What the adversary knows about one quiz."""

    module: str
    version: int
    candidates: dict[str, list[tuple[str, ...]]]
    known: dict[str, tuple[str, ...]] = field(default_factory=dict)
    baseline: dict[str, tuple[str, ...]] = field(default_factory=dict)  # known wrong answers
    requests: int = 0
    attempts: int = 0
    passed_at: dt.datetime | None = None
    retry_at: dt.datetime | None = None
    last_score: float | None = None
    probe: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None  # q, old, new guesses

    def guess(self, question: str) -> tuple[str, ...]:
        return self.known.get(question) or self.candidates[question][0]


def public_view(module: dict[str, Any]) -> QuizState:
    """What the page shows of a quiz: ids and types, never which choice is right."""
    candidates: dict[str, list[tuple[str, ...]]] = {}
    for q in module["quiz"]["questions"]:
        ids = [c["id"] for c in q["choices"]]
        if q["type"] == "multiple":
            candidates[q["id"]] = [
                combo
                for size in range(1, len(ids) + 1)
                for combo in itertools.combinations(ids, size)
            ]
        else:
            candidates[q["id"]] = [(c,) for c in ids]
    return QuizState(module["id"], module["version"], candidates)


def learn(state: QuizState, sent: dict[str, tuple[str, ...]], out: dict[str, Any]) -> None:
    """Narrow the candidates from what the response disclosed."""
    results = out.get("questions") or []
    if results:  # per-question right/wrong
        for r in results:
            q, guess = r["id"], sent[r["id"]]
            if r.get("correct_choices"):
                state.known[q] = tuple(sorted(r["correct_choices"]))
            elif r["correct"]:
                state.known[q] = guess
            elif guess in state.candidates[q]:
                state.candidates[q].remove(guess)
            if len(state.candidates[q]) == 1:
                state.known[q] = state.candidates[q][0]
        # the next attempt changes every open question at once: no baseline, no probe
        state.baseline.clear()
        state.last_score = None
        state.probe = None
        return
    score = float(out["score"])  # the score alone: change one question per attempt
    if state.probe is not None and state.last_score is not None:
        q, old, new = state.probe
        if score > state.last_score:  # the new guess is right, the old one was wrong
            state.known[q] = new
            state.last_score = score
        elif score < state.last_score:  # the old guess was right (the baseline stands)
            state.known[q] = old
        else:  # both wrong: keep the old one as q's known-wrong baseline
            for wrong in (old, new):
                if wrong in state.candidates[q]:
                    state.candidates[q].remove(wrong)
            state.baseline[q] = old
            if len(state.candidates[q]) == 1:
                state.known[q] = state.candidates[q][0]
                state.last_score = None  # the baseline changed: measure it again
    else:
        state.last_score = score
    state.probe = None


def adversary_answers(state: QuizState, drawn: list[str]) -> dict[str, tuple[str, ...]]:
    """Best guesses; under score-only feedback, one undecided question gets a new guess."""
    answers = {q: state.known.get(q) or state.baseline.get(q) or state.guess(q) for q in drawn}
    if state.last_score is not None:
        for q in drawn:
            others = [c for c in state.candidates[q] if c != answers[q]]
            if q not in state.known and others:
                state.probe = (q, answers[q], others[0])
                answers[q] = others[0]
                break
    return answers


@dataclass
class Refusals:
    """The 429s the adversary met (each also counted as a request of its quiz)."""

    quiz_limits: int = 0  # attempt_limit: max attempts per window, cooldown after a fail
    rate_limits: int = 0  # rate_limited: the per-person rate limiter


def run_adversary(
    client: httpx.Client, clock: Clock, manifest: dict[str, Any], quizzes_wanted: int | None
) -> tuple[list[QuizState], Refusals]:
    """Record a pass on every quiz (the first `quizzes_wanted`, or all) without the content.

    Returns each quiz's state and the 429s met. Raises RuntimeError when every quiz left is
    limited and no limit ends after the simulated now (a clock the limiter does not follow).
    """
    who = {"X-TrustPath-User": "adversary@example.com"}
    quizzes = [public_view(m) for m in manifest["modules"].values() if m.get("quiz")]
    quizzes = quizzes[:quizzes_wanted] if quizzes_wanted else quizzes
    paused: dict[str, dt.datetime] = {}  # rate-limited route -> until (holds for every quiz)
    refusals = Refusals()

    def ready_at(s: QuizState) -> dt.datetime:
        return max([s.retry_at or clock.now, *paused.values()])

    def refused(s: QuizState, route: str, r: httpx.Response) -> bool:
        if r.status_code != 429:
            return False
        error = r.json()["error"]
        until = when(error["details"]["retry_at"])
        if error["code"] == "rate_limited":
            refusals.rate_limits += 1
            paused[route] = until
        else:
            refusals.quiz_limits += 1
            s.retry_at = until
        return True

    while any(s.passed_at is None for s in quizzes):
        progressed = False
        for s in quizzes:
            if s.passed_at is not None or ready_at(s) > clock.now:
                continue
            s.requests += 1
            r = client.get(f"/api/quiz/{s.module}/draw", headers=who)
            if refused(s, "draws", r):
                continue
            r.raise_for_status()
            draw = r.json()
            sent = adversary_answers(s, draw["questions"])
            body = {
                "attempt_id": str(uuid.uuid4()),
                "module": s.module,
                "version": s.version,
                "answers": {q: list(v) for q, v in sent.items()},
                "draw": draw["draw"],
            }
            s.requests += 1
            r = client.post("/api/attempts", json=body, headers=who)
            if refused(s, "attempts", r):
                continue
            if r.status_code != 201:
                raise RuntimeError(f"{s.module}: {r.status_code} {r.text}")
            s.attempts += 1
            progressed = True
            out = r.json()
            if out["passed"]:
                s.passed_at = clock.now
            else:
                learn(s, sent, out)
        if not progressed:  # every quiz left is limited: wait for the first to open
            wake = min(ready_at(s) for s in quizzes if s.passed_at is None)
            if wake <= clock.now:
                raise RuntimeError(
                    f"every quiz left is limited, yet no limit ends after the simulated now "
                    f"{clock.now.isoformat()}: the limits do not follow the simulated clock"
                )
            clock.now = wake
    return quizzes, refusals


@dataclass
class LearnerRun:
    """The reading learner's attempts per quiz, the 429s they met, and their failed attempts
    (slips) with how many of those were told which question was wrong."""

    attempts: dict[str, int] = field(default_factory=dict)
    limited: int = 0
    slips: int = 0
    slips_explained: int = 0


def run_learner(
    client: httpx.Client, clock: Clock, manifest: dict[str, Any], quizzes_wanted: int | None
) -> LearnerRun:
    """A learner who read each module answers its quiz (see the module docstring)."""
    run = LearnerRun()
    slip = itertools.cycle([True, False])
    modules = [m for m in manifest["modules"].values() if m.get("quiz")]
    for module in modules[:quizzes_wanted] if quizzes_wanted else modules:
        who = {"X-TrustPath-User": f"learner-{module['id']}@example.com"}
        key = {q["id"]: q["correct"] for q in module["quiz"]["questions"]}
        slips = next(slip)
        for n in range(1, 4):
            r = client.get(f"/api/quiz/{module['id']}/draw", headers=who)
            if r.status_code == 429:
                run.limited += 1
                break
            draw = r.json()
            answers = {q: list(key[q]) for q in draw["questions"]}
            if slips and n == 1:  # one slip: a wrong choice on the first question
                q = draw["questions"][0]
                wrong = [c for c in draw["order"][q] if [c] != key[q]]
                answers[q] = wrong[:1]
            body = {
                "attempt_id": str(uuid.uuid4()),
                "module": module["id"],
                "version": module["version"],
                "answers": answers,
                "draw": draw["draw"],
            }
            r = client.post("/api/attempts", json=body, headers=who)
            if r.status_code == 429:
                run.limited += 1
                break
            run.attempts[module["id"]] = n
            out = r.json()
            if out["passed"]:
                break
            run.slips += 1
            run.slips_explained += any(not q["correct"] for q in out["questions"])
            clock.now += dt.timedelta(minutes=int(module.get("duration") or 10))  # re-reads
    return run


def rate_limit_option(text: str) -> tuple[str, str, str]:
    """`ROUTE.SCOPE=LIMITS` (`attempts.person=2/minute`) as (route, scope, limits)."""
    name, sep, limits = text.partition("=")
    route, dot, scope = name.partition(".")
    if not sep or not dot or not limits:
        raise argparse.ArgumentTypeError(f"expected ROUTE.SCOPE=LIMITS, got '{text}'")
    return route, scope, limits


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: .venv/bin/python bench/key_extraction.py --quizzes 2",
    )
    parser.add_argument("--feedback", choices=["per_question", "score_only"], default=None)
    parser.add_argument(
        "--quizzes", type=int, default=None, metavar="N", help="the first N quizzes only (smoke)"
    )
    parser.add_argument(
        "--rate-limit",
        type=rate_limit_option,
        action="append",
        default=[],
        metavar="ROUTE.SCOPE=LIMITS",
        help="override one rate limit, e.g. attempts.person=2/minute (repeatable)",
    )
    args = parser.parse_args()
    rate_limits: dict[str, dict[str, str]] = {}
    for route, scope, limits in args.rate_limit:
        rate_limits.setdefault(route, {})[scope] = limits
    try:
        ratelimit.parse_rate_limits(rate_limits)
    except ratelimit.RateLimitConfigError as exc:
        parser.error(str(exc))
    with tempfile.TemporaryDirectory(prefix="trustpath-keybench-") as tmp:
        work = Path(tmp)
        manifest_path = starter_manifest(work / "state", args.feedback)
        manifest = json.loads(manifest_path.read_text("utf-8"))
        config = ServeConfig(
            database_url=f"sqlite:///{work / 'records.db'}",
            manifest_path=str(manifest_path),
            rate_limits=rate_limits,
        )
        app = build_app(config)
        clock = Clock()
        app.state.records.clock = clock  # before the first request: the quiz gate reads it
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        with simulated_rate_limits(clock):
            thread.start()
            while not server.started:
                time.sleep(0.02)
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                    began = time.monotonic()
                    quizzes, refusals = run_adversary(client, clock, manifest, args.quizzes)
                    elapsed = time.monotonic() - began
                    adversary_days = (clock.now - START).total_seconds() / 86400
                    learner = run_learner(client, clock, manifest, args.quizzes)
            finally:
                server.should_exit = True
                thread.join(timeout=5)
    print(f"{'quiz':38} {'questions':>9} {'attempts':>8} {'requests':>8} {'passed on day':>13}")
    for s in sorted(quizzes, key=lambda s: s.passed_at or START):
        day = ((s.passed_at or START) - START).total_seconds() / 86400
        print(f"{s.module:38} {len(s.candidates):>9} {s.attempts:>8} {s.requests:>8} {day:>13.2f}")
    requests = sum(s.requests for s in quizzes)
    print(
        f"adversary: {len(quizzes)} quizzes passed without the content in {requests} requests "
        f"({requests / FIRST_WAVE_REQUESTS:.1f}x the first wave's {FIRST_WAVE_REQUESTS}) and "
        f"{adversary_days:.2f} simulated days (first wave: seconds); {elapsed:.1f} s of real time; "
        f"429s counted among the requests: {refusals.quiz_limits} by the quiz limits, "
        f"{refusals.rate_limits} by the rate limiter"
    )
    counts = sorted(learner.attempts.values())
    limited = learner.limited
    print(
        f"learner who read the modules: {len(counts)} quizzes, attempts per quiz "
        f"{counts[0]}-{counts[-1]} ({sum(1 for c in counts if c == 1)} in one, "
        f"{sum(1 for c in counts if c == 2)} in two), stopped by a limit {limited} times; "
        f"after {learner.slips} slips, told which question in {learner.slips_explained}"
    )
    ok = (
        requests >= 20 * FIRST_WAVE_REQUESTS
        and adversary_days >= 3
        and counts[-1] <= 2
        and limited == 0
    )
    label = ", ".join(
        [f"feedback {args.feedback}"] * bool(args.feedback)
        + [f"first {args.quizzes} quizzes"] * bool(args.quizzes)
        + [f"rate limits {rate_limits}"] * bool(rate_limits)
    )
    refused = refusals.quiz_limits + refusals.rate_limits
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"summary ({label or 'defaults'}; load average {load}): requests {requests} "
        f"({requests / FIRST_WAVE_REQUESTS:.1f}x, target >= 20x; {refused} of them 429s, "
        f"{requests - refused} answered), simulated days "
        f"{adversary_days:.2f} (target >= 3), learner max attempts {counts[-1]} (target <= 2), "
        f"learner limited {limited} (target 0): " + ("targets met" if ok else "targets NOT met")
    )


if __name__ == "__main__":
    main()
