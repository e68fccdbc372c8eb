"""What each API call does, without HTTP: grade, check replays, queue for the ledger, answer.

`app.py` is the HTTP adapter over `RecordsService`; this module imports no web framework.
A client id already in the ledger with the same body (and the same person) gets the stored
answer with 200, with another body 409. A body that grades goes to the writer, which looks its
id up inside the append transaction (so a replay costs no extra read on the hot path, and on
PostgreSQL the check is exact across workers); a body that does not grade is checked against
the ledger before its error is returned, so a replay is answered even after the module moved on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from builder.course.grading import (
    Grade,
    check_version,
    find_module,
    grade_attempt,
    grade_from_record,
    question_feedback,
)
from builder.course.model import Course, course_from_manifest
from builder.course.quizrules import discloses_questions, policy_of
from builder.errors import DomainError
from builder.records.draws import DrawSigner, draw_key
from builder.records.errors import RecordsError
from builder.records.identity import Identity, IdentityConfig
from builder.records.links import link_refusal
from builder.records.me import assigned_to, not_on_roster, on_roster, person_statuses
from builder.records.quizzes import QuizGate, utc_now
from builder.records.started import check_started_at
from builder.records.writer import GroupWriter, WriteFailed
from builder.store.database import Duplicate, PendingRecord, Store, StoredRecord
from builder.store.security_tables import day_stamp

T = TypeVar("T")
log = logging.getLogger("trustpath.records")
PAYLOAD_FORMAT = 1


def body_digest(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical body: equal for bodies that mean the same.

    The bytes are `canonical_json(body)` (sorted keys, compact, UTF-8). orjson with sorted
    keys writes exactly those bytes for what a validated body can hold (objects, arrays,
    strings, small integers, booleans: every code point escapes the same), so digests stored
    before it match replays after.
    """
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _roles(stored: str | None) -> list[str]:
    """people.roles (a JSON list of role ids); anything else reads as no roles."""
    try:
        roles = json.loads(stored or "[]")
    except ValueError:
        return []
    return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []


def _today() -> str:
    """Today's date in UTC (YYYY-MM-DD): the unit anonymous feedback is dated in."""
    return dt.datetime.now(dt.UTC).date().isoformat()


@dataclass
class RecordsService:
    """The manifest, the store, the writer and the identity rules of one running service."""

    manifest: dict[str, Any]
    store: Store
    identity: IdentityConfig
    admin_token: str | None = None
    writer: GroupWriter | None = None
    release_seconds: float = 300.0  # how often pooled anonymous feedback of past days is chained
    _releaser: asyncio.Task[None] | None = None
    signer: DrawSigner = field(default_factory=lambda: DrawSigner(draw_key(None)))
    clock: Callable[[], dt.datetime] = utc_now

    @functools.cached_property
    def quizzes(self) -> QuizGate:
        """Draws, limits and the per-person locks of this service's quizzes."""
        return QuizGate(self.manifest, self.store, self.signer, self.clock, self.read)

    async def draw(self, identity: Identity, module_id: str) -> dict[str, Any]:
        """Issue a draw for the person's next attempt (GET /api/quiz/{module}/draw)."""
        return await self.quizzes.draw(identity, module_id)

    @functools.cached_property
    def course(self) -> Course:
        """The manifest as the due engine and the reports read it (built once)."""
        return course_from_manifest(self.manifest)

    def reload_manifest(self, manifest: dict[str, Any]) -> None:
        """Serve a newly built course (`trustpath serve --watch`): publish new versions, switch.

        Blocking (one write transaction, serialised with the writer by the database's write
        lock): call it from a worker thread, never from the event loop.
        """
        self.store.record_module_versions(manifest)
        self.manifest = manifest
        self.__dict__.pop("course", None)  # cached properties built from the old manifest
        self.__dict__.pop("quizzes", None)

    async def start(self) -> None:
        """Migrate, publish module versions, chain the anonymous feedback of past days, then
        start the writer and the release loop (in the running loop), before serving."""
        await asyncio.to_thread(self.store.migrate)
        await asyncio.to_thread(self.store.record_module_versions, self.manifest)
        await self._release_once()
        self.writer = GroupWriter(self.store)
        self.writer.start()
        self._releaser = asyncio.get_running_loop().create_task(self._release_loop())

    async def stop(self) -> None:
        if self._releaser is not None:
            self._releaser.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._releaser
        if self.writer is not None:
            await self.writer.stop()

    async def _release_once(self) -> None:
        """Chain the anonymous feedback of days that are over (see `Store.release_feedback`)."""
        try:
            await asyncio.to_thread(self.store.release_feedback, _today())
        except Exception as exc:  # the database is down: try again next round
            log.warning("could not release pooled anonymous feedback: %s", exc)

    async def _release_loop(self) -> None:
        """Release again every `release_seconds` while the service runs."""
        while True:
            await asyncio.sleep(self.release_seconds)
            await self._release_once()

    async def check_link(self, identity: Identity) -> None:
        """Refused (401 over HTTP) when a personal link names another person or an old epoch."""
        if identity.link is None:
            return
        refusal = link_refusal(identity, await self.read(self.store.link_state, identity.email))
        if refusal is not None:
            raise refusal

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a read: inline on SQLite (microseconds), on a thread for a networked database."""
        if self.store.kind == "sqlite":
            return fn(*args)
        return await asyncio.to_thread(fn, *args)

    async def _write(self, record: PendingRecord) -> StoredRecord | Duplicate:
        if self.writer is None:
            raise RecordsError("storage_unavailable", "the records service is starting")
        try:
            return await self.writer.submit(record)
        except WriteFailed as exc:
            raise RecordsError("storage_unavailable", str(exc)) from None

    async def _same_submitter(self, stored: StoredRecord, identity: Identity) -> bool:
        if stored.person_id is None:  # anonymous feedback: never linked, compare the body only
            return True
        person = await self.read(self.store.person, identity.email)
        return person is not None and person["person_id"] == stored.person_id

    async def _record(
        self,
        identity: Identity,
        body: dict[str, Any],
        pending: Callable[[str], PendingRecord],
        kind: str,
        client_id: str,
        answer: Callable[[StoredRecord, bool], dict[str, Any]],
    ) -> tuple[bool, dict[str, Any]]:
        digest = body_digest(body)
        try:
            record = pending(digest)
        except DomainError:  # a replay is answered even when refused now
            found = await self.read(self.store.find_record, kind, client_id)
            if found is None:
                raise
            stored, created = found, False
        else:  # new or replayed: the writer looks the id up inside its transaction
            outcome = await self._write(record)
            created = isinstance(outcome, StoredRecord)
            stored = outcome if isinstance(outcome, StoredRecord) else outcome.existing
        if not created and (
            stored.body_sha256 != digest or not await self._same_submitter(stored, identity)
        ):
            raise RecordsError(
                "conflicting_replay",
                f"{kind} id {client_id} was already recorded with a different body",
                {"id": client_id, "seq": stored.seq},
            )
        return created, answer(stored, created)

    # -- attempts --------------------------------------------------------------------------

    async def submit_attempt(
        self, identity: Identity, body: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]]:
        """Grade and record a quiz attempt (POST /api/attempts).

        A new attempt needs a draw the service issued to this person (`draw`), unused and
        unexpired, within the quiz's limits; a replay of a recorded attempt is answered as
        it was, whatever the draw and limits say now.
        """
        async with self.quizzes.lock(identity.email, str(body["module"])):
            return await self._submit_attempt(identity, body)

    async def _submit_attempt(
        self, identity: Identity, body: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]]:
        attempt_id = body["attempt_id"].lower()
        graded: list[Grade] = []  # this request's grade: the answer when its row is created
        now = self.clock()
        refused: DomainError | None = None
        drawn: tuple[str, ...] = ()
        before: int | None = None
        try:
            claims = await self.quizzes.check_attempt(identity, body, now)
            drawn, before = claims.questions, claims.attempts
        except DomainError as exc:
            refused = exc

        def pending(digest: str) -> PendingRecord:
            if refused is not None:
                raise refused
            module = find_module(self.manifest, body["module"])
            grade = grade_attempt(module, body["answers"], drawn)
            graded.append(grade)
            started = check_started_at(body.get("started_at"), dt.datetime.now(dt.UTC))
            payload: dict[str, Any] = {
                "v": PAYLOAD_FORMAT,
                "graded_at": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "version": module["version"],
                "content_sha256": module["content_sha256"],
                "build_commit": self.manifest.get("commit"),
                "criteria": module["criteria"],
                "score": grade.score,
                "score_percent": grade.score_percent,
                "pass_mark": grade.pass_mark,
                "passed": grade.passed,
                "started_at": started.value,
                "questions": [
                    {"id": q.id, "selected": list(q.selected), "correct": q.correct}
                    for q in grade.questions
                ],
            }
            if started.flag is not None:  # clamped: say so, and keep what the client claimed
                payload["started_at_flag"] = started.flag
                payload["started_at_claimed"] = started.claimed
            return PendingRecord(
                "attempt",
                attempt_id,
                identity.email,
                module["id"],
                digest,
                payload,
                attempts_before=before,  # re-checked inside the writer's lock (any worker)
            )

        def answer(stored: StoredRecord, created: bool) -> dict[str, Any]:
            return self.attempt_answer(stored, graded[0] if created else None)

        return await self._record(identity, body, pending, "attempt", attempt_id, answer)

    def attempt_answer(self, stored: StoredRecord, grade: Grade | None = None) -> dict[str, Any]:
        """The graded answer of a stored attempt (the same for the first call and replays).

        `grade` is the one the row was just written from (saves rebuilding it); None: rebuilt
        from the stored per-question results.
        """
        p = stored.payload
        if grade is None:
            grade = grade_from_record(p["questions"], p["pass_mark"])
        module = self.manifest.get("modules", {}).get(stored.payload["module"])
        if module is not None and module.get("content_sha256") == p["content_sha256"]:
            questions = question_feedback(module, grade)
        else:  # graded against content no longer served: no explanations, the same disclosure
            quiz = (module or {}).get("quiz") or {}
            policy = dataclasses.replace(policy_of(quiz), pass_mark=grade.pass_mark)
            shown = discloses_questions(policy, grade.passed, grade.right, grade.total)
            questions = [
                {
                    "id": q.id,
                    "correct": q.correct,
                    "selected": list(q.selected),
                    "explain": None,
                    "explain_html": None,
                    "feedback": [],
                }
                for q in (grade.questions if shown else ())
            ]
        return {
            "attempt_id": stored.client_id,
            "module": p["module"],
            "version": p["version"],
            "score": p["score"],
            "score_percent": p["score_percent"],
            "pass_mark": p["pass_mark"],
            "passed": p["passed"],
            "questions": questions,
            "recorded_at": stored.recorded_at,
            "seq": stored.seq,
            "record_hash": stored.hash,
        }

    # -- acknowledgements and feedback -----------------------------------------------------

    async def submit_ack(
        self, identity: Identity, body: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]]:
        """Record a policy acknowledgement (POST /api/acknowledgements)."""
        ack_id = body["ack_id"].lower()

        def pending(digest: str) -> PendingRecord:
            module = find_module(self.manifest, body["module"])
            check_version(module, body["version"])
            ack = module.get("acknowledge")
            if not ack:
                raise RecordsError(
                    "no_acknowledgement",
                    f"module '{module['id']}' has no statement to acknowledge",
                    {"module": module["id"]},
                )
            if body["statement_sha256"] != ack["statement_sha256"]:
                raise RecordsError(
                    "stale_statement",
                    "the statement changed since the page was built: reload the page",
                    {"module": module["id"]},
                )
            payload = {
                "v": PAYLOAD_FORMAT,
                "version": module["version"],
                "content_sha256": module["content_sha256"],
                "build_commit": self.manifest.get("commit"),
                "criteria": module["criteria"],
                "statement_sha256": ack["statement_sha256"],
            }
            return PendingRecord("ack", ack_id, identity.email, module["id"], digest, payload)

        def answer(stored: StoredRecord, created: bool) -> dict[str, Any]:
            return {
                "ack_id": stored.client_id,
                "module": stored.payload["module"],
                "version": stored.payload["version"],
                "recorded_at": stored.recorded_at,
                "seq": stored.seq,
                "record_hash": stored.hash,
            }

        return await self._record(identity, body, pending, "ack", ack_id, answer)

    async def submit_feedback(
        self, identity: Identity, body: dict[str, Any]
    ) -> tuple[bool, dict[str, Any]]:
        """Record a question, suggestion or concern (POST /api/feedback)."""
        feedback_id = body["feedback_id"].lower()
        anonymous = bool(body.get("anonymous", False))

        def pending(digest: str) -> PendingRecord:
            module = find_module(self.manifest, body["module"])
            payload = {
                "v": PAYLOAD_FORMAT,
                "version": module["version"],
                "feedback_kind": body["kind"],
                "text": body["text"],
                "anonymous": anonymous,
            }
            return PendingRecord(
                "feedback",
                feedback_id,
                None if anonymous else identity.email,
                module["id"],
                digest,
                payload,
            )

        def answer(stored: StoredRecord, created: bool) -> dict[str, Any]:
            return {
                "feedback_id": stored.client_id,
                "recorded_at": stored.recorded_at,
                "seq": stored.seq,
            }

        if anonymous:
            return await self._pool_feedback(body, pending(body_digest(body)))
        return await self._record(identity, body, pending, "feedback", feedback_id, answer)

    async def _pool_feedback(
        self, body: dict[str, Any], record: PendingRecord
    ) -> tuple[bool, dict[str, Any]]:
        """Anonymous feedback waits in the pool until its day is over (no seq, day-only time)."""
        day = _today()
        try:
            found = await asyncio.to_thread(self.store.pool_feedback, record, day)
        except Exception as exc:
            log.error("could not pool anonymous feedback: %s", exc)
            raise RecordsError("storage_unavailable", "could not store the feedback") from None
        if found is not None and found.body_sha256 != record.body_sha256:
            raise RecordsError(
                "conflicting_replay",
                f"feedback id {record.client_id} was already recorded with a different body",
                {"id": record.client_id},
            )
        when = found.recorded_at[:10] if found is not None else day
        answer = {"feedback_id": record.client_id, "recorded_at": day_stamp(when), "seq": None}
        return found is None, answer

    # -- reads -----------------------------------------------------------------------------

    async def me(self, identity: Identity) -> dict[str, Any]:
        """The person, their roles, each path module's status and their campaign items with
        the campaign's reason (GET /api/me).

        Someone not on the roster gets `on_roster: false`, a message and no modules.
        """
        person = await self.read(self.store.person, identity.email)
        if not on_roster(person):
            return not_on_roster(identity.email)
        assert person is not None
        roles = _roles(person["roles"])
        modules = await self.read(person_statuses, self.store, self.course, person, roles)
        assigned = await self.read(assigned_to, self.store, self.course, person)
        return {
            "email": identity.email,
            "name": person["name"],
            "roles": roles,
            "on_roster": True,
            "message": None,
            "modules": modules,
            "assigned": assigned,
        }

    async def health(self) -> dict[str, Any]:
        """Status, database kind, identity mode and ledger head (GET /api/health)."""
        head = await self.read(self.store.head)
        return {
            "status": "ok",
            "database": self.store.kind,
            "identity": self.identity.mode,
            "ledger": {"seq": head.seq, "hash": head.hash},
        }
