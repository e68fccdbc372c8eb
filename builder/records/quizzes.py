"""The quiz rules at run time: issue draws, check an attempt's draw and the attempt limits.

`QuizGate` holds what the rules need from the running service (the manifest, the store, the
draw signer, the clock) and one lock per person and module, so a person's checks and write
happen one at a time in this process. The rules themselves are pure
(`builder.course.quizrules`); the errors are domain errors (`builder.records.draws`) that
`builder.web` maps to statuses. No web framework here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from builder.course.grading import check_version, find_module, quiz_of
from builder.course.quizrules import PastAttempt, draw_questions, policy_of, retry_at
from builder.records.draws import (
    AttemptLimited,
    DrawClaims,
    DrawRequired,
    DrawSigner,
    InvalidDraw,
    UsedDraw,
    iso,
)
from builder.records.identity import Identity
from builder.store.database import Store
from builder.store.quiz_history import QuizHistory, quiz_history

Reader = Callable[..., Awaitable[Any]]


def utc_now() -> dt.datetime:
    """The service's default clock (tests and the key-extraction bench inject their own)."""
    return dt.datetime.now(dt.UTC)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _past(recent: list[tuple[str, bool, str]]) -> list[PastAttempt]:
    """Stored attempts as the limits read them: graded by the service clock when recorded."""
    out = []
    for recorded_at, passed, payload in recent:
        graded = json.loads(payload).get("graded_at") or recorded_at
        out.append(PastAttempt(_when(str(graded)), passed))
    return out


@dataclass
class QuizGate:
    """Draws and limits over one manifest and store; `read` runs a store read (see service)."""

    manifest: dict[str, Any]
    store: Store
    signer: DrawSigner
    clock: Callable[[], dt.datetime]
    read: Reader
    _locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary, init=False, repr=False
    )

    def lock(self, email: str, module: str) -> asyncio.Lock:
        """One lock per person and module: their checks and write happen one at a time, so
        parallel requests cannot slip past a limit (within this process)."""
        lock = self._locks.get((email, module))
        if lock is None:
            lock = self._locks[(email, module)] = asyncio.Lock()
        return lock

    async def _limits(
        self, identity: Identity, module: dict[str, Any], now: dt.datetime
    ) -> tuple[int, dt.datetime | None]:
        """(the person's attempt count at the module, when they may try again or None)."""
        policy = policy_of(quiz_of(module))
        history: QuizHistory = await self.read(
            quiz_history, self.store, identity.email, module["id"], max(policy.max_attempts, 1)
        )
        return history.count, retry_at(policy, _past(history.recent), now)

    @staticmethod
    def _limited(module: dict[str, Any], until: dt.datetime) -> AttemptLimited:
        return AttemptLimited(
            f"no more attempts at '{module['id']}' for now: you may try again at {iso(until)}; "
            "meanwhile, read the module again",
            until,
            {"module": module["id"]},
        )

    async def draw(self, identity: Identity, module_id: str) -> dict[str, Any]:
        """Issue a draw for the person's next attempt.

        Returns `{draw, module, version, questions: [ids], order: {question: [choice ids]},
        expires_at}`: a signed token good for one attempt until `expires_at` (the attempt
        window, 24 h by default, so an answer sheet queued offline still counts). The
        questions and their order stay the same until the person's next attempt is graded
        (`DrawSigner.seed`).
        Raises a GradingError (unknown module, no quiz) or AttemptLimited.
        """
        module = find_module(self.manifest, module_id)
        quiz = quiz_of(module)
        now = self.clock()
        count, until = await self._limits(identity, module, now)
        if until is not None:
            raise self._limited(module, until)
        policy = policy_of(quiz)
        person = self.signer.person(identity.email)
        # The same draw until the attempt is made: a reload cannot shop for an easier one.
        seed = self.signer.seed(person, module["id"], int(module["version"]), count)
        drawn = draw_questions(quiz, seed)
        expires = int((now + policy.window).timestamp())
        claims = DrawClaims(
            module["id"], int(module["version"]), person, drawn.questions, seed, count, expires
        )
        return {
            "draw": self.signer.sign(claims),
            "module": module["id"],
            "version": module["version"],
            "questions": list(drawn.questions),
            "order": drawn.order,
            "expires_at": iso(dt.datetime.fromtimestamp(expires, dt.UTC)),
        }

    async def check_attempt(
        self, identity: Identity, body: dict[str, Any], now: dt.datetime
    ) -> DrawClaims:
        """The draw of a new attempt that the rules let through (its question ids in
        `questions`, the attempt count it was issued at in `attempts`).

        Raises a GradingError (unknown module, stale version, no quiz), DrawRequired, InvalidDraw,
        ForeignDraw, ExpiredDraw, UsedDraw or AttemptLimited.
        """
        module = find_module(self.manifest, body["module"])
        check_version(module, body["version"])
        quiz_of(module)
        token = body.get("draw")
        if not token:
            raise DrawRequired(
                "an attempt needs the draw the page was given: reload the page",
                {"module": module["id"]},
            )
        claims = self.signer.read(token, identity.email, now)
        if claims.module != module["id"] or claims.version != module["version"]:
            raise InvalidDraw(
                f"this draw is for '{claims.module}' version {claims.version}, not "
                f"'{module['id']}' version {module['version']}: reload the page",
                {"module": module["id"]},
            )
        count, until = await self._limits(identity, module, now)
        if count != claims.attempts:
            raise UsedDraw(
                "this draw was already used for an attempt (perhaps in another tab): "
                "reload the page for a new one",
                {"module": module["id"]},
            )
        if until is not None:
            raise self._limited(module, until)
        return claims
