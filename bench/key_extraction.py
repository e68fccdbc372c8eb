"""The key-extraction adversary against the records service, under the default quiz rules.

Serves the starter curriculum the way `trustpath serve` does (the course manifest that
`trustpath build` writes, the app of `builder.web.server.build_app`, uvicorn on loopback,
SQLite, identity `open`, no quiz settings beyond what the content says) and runs two clients
over HTTP:

- the adversary: a script that knows what the published page shows (module ids, versions,
  question ids and types, choice ids in authored order, pass marks) and the published limits
  (each quiz's `draw`, `max_attempts`, `attempt_window_hours`, `cooldown_minutes` and
  `feedback`, and the rate limits the README documents), and nothing of the content. Per quiz
  it keeps the answers still possible for each question (a choice, or for a multiple-answer
  question a non-empty set of choices, smallest sets first) and learns what each response
  discloses: per-question right/wrong settles each drawn question; a score alone becomes an
  equation over the attempt's undecided guesses, solved as far as it goes (none right, all
  right, one equation inside another, two that differ in one guess). The guesses isolate one
  question where a ruled-out answer can fill the others, and never repeat a set already sent.
  It works on every quiz at once and schedules each request for when the quiz rules (the
  service's own `retry_at`) and the rate limits (fixed windows, as `limits` counts them) will
  let it in, so it sends no request it knows would be refused; when every quiz it still needs
  must wait, the time is simulated by an injected clock (the service's `clock`), never slept.
  A 429 it meets anyway is counted, besides the answered requests, and waited out: a quiz
  limit (`attempt_limit`) stops that quiz until its `retry_at`; a rate limit (`rate_limited`)
  stops the whole route until its `retry_at`. `--blind` runs the earlier adversary, which knew
  no limit and learned each from its 429.
- a learner who read each module: answers from the key, with one slip on the first attempt
  of every other quiz; after a fail they re-read the module (its `duration`) and try again.

Draws differ from run to run, so it runs N times (`--runs`, default 5) on fresh databases,
each with its own draw key derived from `--seed` (default 1) and the run's number: the service
fixes a person's draw per attempt by that key, so the same seed repeats an invocation exactly
(TRUSTPATH_SECRET, which would give every run one key, is ignored here). Prints, per
quiz, the median run's answered requests and the simulated day it passed; then the adversary's
answered requests (every run's count beside the median) against the first wave (50 requests,
seconds: issue 11), the 429s besides, the learner's attempts and whether a limit ever stopped
them. Last line: the summary, checked on the median run. Targets (issue 11): >= 20x the
requests and >= 3 days, while the learner passes every quiz in one or two attempts without
meeting a limit.

The rate limiter (builder/web/ratelimit.py, the `limits` library) keeps its counters in
`limits`' own time, `time.time()`. The bench points that one name, in `limits`' memory storage
and in builder.web.ratelimit, at the simulated clock (`simulated_rate_limits`), so a 429 of
the rate limiter is waited out in the same simulated time as one of the quiz limits. The
service's code is untouched. The bench refuses to start when either module no longer reads
the clock that way, and a wait that would not move the simulated clock (a limit still counted
in real time) stops it with an error instead of spinning.

Usage: .venv/bin/python bench/key_extraction.py [--feedback score_only] [--quizzes N]
       [--runs N] [--blind] [--rate-limit ROUTE.SCOPE=LIMITS ...]
(`--feedback score_only` sets that key on every quiz, to show what the stricter disclosure
costs an adversary; `--quizzes N` runs on the first N quizzes only, a smoke run;
`--rate-limit attempts.person=2/minute` overrides one rate limit, as the `rate_limits`
setting does; the default run changes nothing in the content or the settings.)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
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
from builder.course.quizrules import PastAttempt, QuizPolicy, policy_of, retry_at  # noqa: E402
from builder.curriculum.loader import load_curriculum  # noqa: E402
from builder.curriculum.paths import build_paths  # noqa: E402
from builder.web import ratelimit  # noqa: E402
from builder.web.server import ServeConfig, build_app  # noqa: E402

FIRST_WAVE_REQUESTS = 50
ISOLATE = os.environ.get("KB_ISOLATE", "1") == "1"
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


Pair = tuple[str, tuple[str, ...]]  # (question id, the answer guessed for it)


@dataclass
class QuizState:
    """What the adversary knows about one quiz: its published rules, the answers still possible
    per question (`candidates`; one left: known), and the score equations of its attempts."""

    module: str
    version: int
    policy: QuizPolicy
    candidates: dict[str, list[tuple[str, ...]]]
    known: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ruled_out: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    # (the undecided guesses of an attempt, how many of them were right)
    equations: list[tuple[frozenset[Pair], int]] = field(default_factory=list)
    sent: set[frozenset[Pair]] = field(default_factory=set)
    history: list[PastAttempt] = field(default_factory=list)  # graded attempts, oldest first
    refused_until: dt.datetime | None = None  # from a 429 it did not foresee
    requests: int = 0
    attempts: int = 0
    passed_at: dt.datetime | None = None

    def status(self, pair: Pair) -> bool | None:
        """True: the right answer; False: ruled out; None: still open."""
        q, guess = pair
        if guess not in self.candidates[q]:
            return False
        return True if self.known.get(q) == guess else None

    def settle(self, q: str, guess: tuple[str, ...], right: bool) -> None:
        if right:
            self.candidates[q] = [guess]
        elif guess in self.candidates[q]:
            self.candidates[q].remove(guess)
            self.ruled_out.setdefault(q, []).append(guess)
        if not self.candidates[q]:
            raise RuntimeError(f"{self.module}: {q} has no answer left (an inference bug)")
        if len(self.candidates[q]) == 1:
            self.known[q] = self.candidates[q][0]

    def ready_at(self, now: dt.datetime) -> dt.datetime:
        """When the published quiz rules let the next attempt in (`retry_at`, the service's
        own rule), or a 429's `retry_at` when one came anyway."""
        recent = self.history[-max(self.policy.max_attempts, 1) :]
        return max([now, retry_at(self.policy, recent, now) or now, self.refused_until or now])


def public_view(module: dict[str, Any]) -> QuizState:
    """What the page and the published rules show of a quiz: ids and types, the draw, attempt
    limits and feedback rule (`policy_of` reads only those keys), never which choice is right."""
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
    return QuizState(module["id"], module["version"], policy_of(module["quiz"]), candidates)


def solve(state: QuizState) -> None:
    """Draw every conclusion the score equations allow, until none is left.

    Each equation says how many of an attempt's undecided guesses were right. Settled guesses
    are taken out; an equation with none right rules all its guesses out, one with all right
    makes them known; an equation inside another leaves their difference; two equations that
    differ in one question's guess alone tell which of the two (if either) is right.
    """
    changed = True
    while changed:
        changed = False
        reduced: dict[frozenset[Pair], int] = {}
        for pairs, right in state.equations:
            open_pairs = set()
            for pair in pairs:
                status = state.status(pair)
                if status is None:
                    open_pairs.add(pair)
                else:
                    right -= status
            if not open_pairs:
                continue
            if right == 0 or right == len(open_pairs):
                for q, guess in open_pairs:
                    state.settle(q, guess, right > 0)
                changed = True
                continue
            reduced[frozenset(open_pairs)] = right
        items = list(reduced.items())
        for a, ka in items:
            for b, kb in items:
                if a < b and (b - a) not in reduced:
                    reduced[b - a] = kb - ka
                    changed = True
                elif len(a - b) == 1 and len(b - a) == 1:
                    (qa, ga), (qb, gb) = next(iter(a - b)), next(iter(b - a))
                    if qa == qb and kb != ka:  # one of the two is right: the higher score's
                        state.settle(qa, ga if ka > kb else gb, True)
                        changed = True
                    elif qa == qb:  # the same score: neither is right
                        state.settle(qa, ga, False)
                        state.settle(qa, gb, False)
                        changed = True
        state.equations = list(reduced.items())


def learn(state: QuizState, sent: dict[str, tuple[str, ...]], out: dict[str, Any]) -> None:
    """Narrow the candidates from what the response disclosed: per-question results settle
    each question; a score alone becomes an equation over the attempt's undecided guesses."""
    results = out.get("questions") or []
    for r in results:  # per-question right/wrong (a near miss under per_question)
        q = r["id"]
        if r.get("correct_choices"):
            state.settle(q, tuple(sorted(r["correct_choices"])), True)
        else:
            state.settle(q, sent[q], bool(r["correct"]))
    if not results:
        right = round(float(out["score"]) * len(sent))
        open_pairs = set()
        for pair in sent.items():
            status = state.status(pair)
            if status is None:
                open_pairs.add(pair)
            else:
                right -= status
        if open_pairs:
            state.equations.append((frozenset(open_pairs), right))
    solve(state)


def adversary_answers(state: QuizState, drawn: list[str]) -> dict[str, tuple[str, ...]]:
    """The answers of the next attempt: the known ones, and for the open questions guesses
    chosen so the score says as much as it can.

    Of the open questions, one (the probe) gets its first answer still possible; every other
    open question that has an answer already ruled out gets that one (a sure zero, so the score
    speaks of the probe alone), the rest their first possible answer. When that set of open
    guesses was sent before, the probe takes its next possible answer, so every attempt tells
    something new. (Guessing every open question at once passes sooner by luck but tells less:
    on the starter curriculum it needed about 10% more requests, so the adversary isolates.)
    """
    answers = {q: state.known.get(q) or state.candidates[q][0] for q in drawn}
    open_qs = [q for q in drawn if q not in state.known]
    for q in open_qs[1:]:
        if state.ruled_out.get(q):
            answers[q] = state.ruled_out[q][0]
    guesses = frozenset((q, answers[q]) for q in open_qs if state.status((q, answers[q])) is None)
    if guesses and guesses in state.sent:
        for q in open_qs:
            if (q, answers[q]) not in guesses:
                continue
            for other in state.candidates[q][1:]:
                varied = (guesses - {(q, answers[q])}) | {(q, other)}
                if varied not in state.sent:
                    answers[q] = other
                    guesses = varied
                    break
            else:
                continue
            break
    state.sent.add(guesses)
    return answers


@dataclass
class Window:
    """One rate limit as `limits`' fixed-window memory storage counts it: a window opens at the
    first hit after the last one ended and admits `amount` hits for `period`."""

    amount: int
    period: dt.timedelta
    start: dt.datetime | None = None
    count: int = 0

    def open_at(self, now: dt.datetime) -> dt.datetime:
        if self.start is None or now >= self.start + self.period or self.count < self.amount:
            return now
        return self.start + self.period

    def hit(self, now: dt.datetime) -> None:
        if self.start is None or now >= self.start + self.period:
            self.start, self.count = now, 0
        self.count += 1


def route_windows(rate_limits: dict[str, dict[str, str]]) -> dict[str, list[Window]]:
    """The documented rate limits (README "Rate limits": the defaults, and any override) of
    the two routes a quiz attempt uses, per person and per address, as windows to schedule by."""
    windows: dict[str, list[Window]] = {}
    for route in ratelimit.parse_rate_limits(rate_limits):
        if route.name in ("draws", "attempts"):
            windows[route.name] = [
                Window(item.amount, dt.timedelta(seconds=item.get_expiry()))
                for item in (*route.person, *route.address)
            ]
    return windows


@dataclass
class Refusals:
    """The 429s the adversary met (each also counted as a request of its quiz)."""

    quiz_limits: int = 0  # attempt_limit: max attempts per window, cooldown after a fail
    rate_limits: int = 0  # rate_limited: the per-person rate limiter


def run_adversary(
    client: httpx.Client,
    clock: Clock,
    manifest: dict[str, Any],
    quizzes_wanted: int | None,
    windows: dict[str, list[Window]] | None,
) -> tuple[list[QuizState], Refusals]:
    """Record a pass on every quiz (the first `quizzes_wanted`, or all) without the content.

    With `windows` (the published rate limits) the adversary also keeps to the quiz rules and
    sends no request it knows would be refused; with None it is blind to every limit and
    learns each from its 429. Returns each quiz's state and the 429s met. Raises RuntimeError
    when every quiz left is limited and no limit ends after the simulated now (a clock the
    limiter does not follow).
    """
    who = {"X-TrustPath-User": "adversary@example.com"}
    quizzes = [public_view(m) for m in manifest["modules"].values() if m.get("quiz")]
    quizzes = quizzes[:quizzes_wanted] if quizzes_wanted else quizzes
    paused: dict[str, dt.datetime] = {}  # rate-limited route -> until (holds for every quiz)
    refusals = Refusals()

    def ready_at(s: QuizState) -> dt.datetime:
        times = [s.refused_until or clock.now, *paused.values()]
        if windows is not None:
            times.append(s.ready_at(clock.now))
            times += [w.open_at(clock.now) for ws in windows.values() for w in ws]
        return max(times)

    def send(route: str) -> None:
        for w in (windows or {}).get(route, []):
            w.hit(clock.now)

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
            s.refused_until = until
        return True

    while any(s.passed_at is None for s in quizzes):
        progressed = False
        for s in quizzes:
            if s.passed_at is not None or ready_at(s) > clock.now:
                continue
            s.requests += 1
            send("draws")
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
            send("attempts")
            r = client.post("/api/attempts", json=body, headers=who)
            if refused(s, "attempts", r):
                continue
            if r.status_code != 201:
                raise RuntimeError(f"{s.module}: {r.status_code} {r.text}")
            s.attempts += 1
            progressed = True
            out = r.json()
            s.history.append(PastAttempt(clock.now, bool(out["passed"])))
            if out["passed"]:
                s.passed_at = clock.now
            else:
                learn(s, sent, out)
            if s.attempts > 2000:
                raise RuntimeError(f"{s.module}: no pass after 2000 attempts (an inference bug)")
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


@dataclass
class Run:
    """One run of both clients on a fresh service: the adversary's quizzes and 429s, its
    simulated days and real seconds, and the learner's run."""

    quizzes: list[QuizState]
    refusals: Refusals
    days: float
    seconds: float
    learner: LearnerRun

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.quizzes)

    @property
    def refused(self) -> int:
        return self.refusals.quiz_limits + self.refusals.rate_limits

    @property
    def answered(self) -> int:
        return self.requests - self.refused


def run_state(work: Path, manifest_path: Path, seed: int, n: int) -> Path:
    """Run `n`'s own state folder beside its database: the manifest, and the service's draw key
    (`.trustpath/draw.key`) derived from `seed` and `n`. A draw is fixed per person and
    attempt by that key (`DrawSigner.seed`), so each run draws differently and the same
    `--seed` repeats an invocation exactly; returns the manifest's path there."""
    state = work / "state"
    state.mkdir()
    key = hashlib.sha256(f"trustpath key-extraction bench: seed {seed}, run {n}".encode())
    (state / "draw.key").write_text(key.hexdigest() + "\n", "ascii")
    copy = state / manifest_path.name
    copy.write_bytes(manifest_path.read_bytes())
    return copy


def run_once(
    work: Path, manifest_path: Path, rate_limits: dict[str, dict[str, str]], args: Any
) -> Run:
    """Serve a fresh SQLite database at `work` and run the adversary, then the learner."""
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
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    with simulated_rate_limits(clock):
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                began = time.monotonic()
                windows = None if args.blind else route_windows(rate_limits)
                quizzes, refusals = run_adversary(client, clock, manifest, args.quizzes, windows)
                seconds = time.monotonic() - began
                days = (clock.now - START).total_seconds() / 86400
                learner = run_learner(client, clock, manifest, args.quizzes)
        finally:
            server.should_exit = True
            thread.join(timeout=5)
    return Run(quizzes, refusals, days, seconds, learner)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: .venv/bin/python bench/key_extraction.py --quizzes 2 --runs 1",
    )
    parser.add_argument("--feedback", choices=["per_question", "score_only"], default=None)
    parser.add_argument(
        "--quizzes", type=int, default=None, metavar="N", help="the first N quizzes only (smoke)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        metavar="N",
        help="independent runs (each its own draw key); the median run is reported (default 5)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="the runs' draw keys derive from S, so an invocation repeats exactly (default 1)",
    )
    parser.add_argument(
        "--rate-limit",
        type=rate_limit_option,
        action="append",
        default=[],
        metavar="ROUTE.SCOPE=LIMITS",
        help="override one rate limit, e.g. attempts.person=2/minute (repeatable)",
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="an adversary blind to the published limits, which learns each from its 429",
    )
    args = parser.parse_args()
    os.environ.pop("TRUSTPATH_SECRET", None)  # one secret would give every run the same key
    if args.runs < 1:
        parser.error("--runs: at least 1")
    rate_limits: dict[str, dict[str, str]] = {}
    for route, scope, limits in args.rate_limit:
        rate_limits.setdefault(route, {})[scope] = limits
    try:
        ratelimit.parse_rate_limits(rate_limits)
    except ratelimit.RateLimitConfigError as exc:
        parser.error(str(exc))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="trustpath-keybench-") as tmp:
        built = starter_manifest(Path(tmp) / "state", args.feedback)
        for n in range(args.runs):
            work = Path(tmp) / f"run{n}"
            work.mkdir()
            runs.append(run_once(work, run_state(work, built, args.seed, n), rate_limits, args))
    runs.sort(key=lambda r: r.answered)
    run = runs[(len(runs) - 1) // 2]  # the median run (the lower one of an even count)
    print(f"{'quiz':38} {'questions':>9} {'attempts':>8} {'requests':>8} {'passed on day':>13}")
    for s in sorted(run.quizzes, key=lambda s: s.passed_at or START):
        day = ((s.passed_at or START) - START).total_seconds() / 86400
        print(f"{s.module:38} {len(s.candidates):>9} {s.attempts:>8} {s.requests:>8} {day:>13.2f}")
    answered = run.answered
    spread = ", ".join(str(r.answered) for r in runs)
    print(
        f"adversary ({'blind to' if args.blind else 'keeping to'} the published limits), the "
        f"median of {len(runs)} runs: {len(run.quizzes)} quizzes passed without the content in "
        f"{answered} answered requests ({answered / FIRST_WAVE_REQUESTS:.1f}x the first wave's "
        f"{FIRST_WAVE_REQUESTS}; every run: {spread}) and {run.days:.2f} simulated days (first "
        f"wave: seconds); {run.seconds:.1f} s of real time; 429s besides (also counted per "
        f"quiz): {run.refusals.quiz_limits} by the quiz limits, {run.refusals.rate_limits} by "
        "the rate limiter"
    )
    counts = sorted(c for r in runs for c in r.learner.attempts.values())
    limited = sum(r.learner.limited for r in runs)
    learner = run.learner
    print(
        f"learner who read the modules: {len(learner.attempts)} quizzes, attempts per quiz "
        f"{counts[0]}-{counts[-1]} over every run; the median run: "
        f"{sum(1 for c in learner.attempts.values() if c == 1)} in one, "
        f"{sum(1 for c in learner.attempts.values() if c == 2)} in two; stopped by a limit "
        f"{limited} times in all; after {learner.slips} slips, told which question in "
        f"{learner.slips_explained}"
    )
    days = min(r.days for r in runs)
    ok = answered >= 20 * FIRST_WAVE_REQUESTS and days >= 3 and counts[-1] <= 2 and limited == 0
    label = ", ".join(
        [f"feedback {args.feedback}"] * bool(args.feedback)
        + [f"first {args.quizzes} quizzes"] * bool(args.quizzes)
        + [f"rate limits {rate_limits}"] * bool(rate_limits)
        + ["blind adversary"] * args.blind
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"summary ({label or 'defaults'}; {len(runs)} runs, seed {args.seed}; load average "
        f"{load}): "
        f"requests "
        f"{answered} answered, the median ({answered / FIRST_WAVE_REQUESTS:.1f}x, target >= "
        f"20x; range {runs[0].answered}-{runs[-1].answered}) + {run.refused} 429s, simulated "
        f"days {days:.2f} at least (target >= 3), learner max attempts {counts[-1]} (target "
        f"<= 2), learner limited {limited} (target 0): "
        + ("targets met" if ok else "targets NOT met")
    )


if __name__ == "__main__":
    main()
