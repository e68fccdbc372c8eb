"""Draw tokens and the quiz-rule errors: what `GET /api/quiz/{module}/draw` hands out.

A draw token is `d1.<base64url(claims)>.<base64url(HMAC-SHA256(key, "d1." + claims))>` with
claims (compact JSON): `m` module, `v` version, `p` the person (a keyed digest of the email,
so the token names nobody), `q` the drawn question ids in the order shown, `s` the shuffle
seed, `n` how many attempts the person had made at the module when it was issued (so a
draw serves one attempt: after it, the count has moved on), `e` expiry (Unix seconds).
The service signs it, and later grades only an attempt whose answers fit a draw it issued to
that person, unexpired and unused. No HTTP here: `builder.web` maps each error to a status.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import DomainError

TOKEN_PREFIX = "d1"
KEY_FILE = "draw.key"


class QuizRuleError(DomainError):
    """An attempt or draw the quiz rules refuse: a stable code, a message, details."""

    code = "quiz_rule"


class DrawRequired(QuizRuleError):
    """An attempt without a draw."""

    code = "draw_required"


class InvalidDraw(QuizRuleError):
    """A draw token the service did not sign, or for another module or version."""

    code = "invalid_draw"


class ForeignDraw(QuizRuleError):
    """A draw the service issued to someone else."""

    code = "draw_not_yours"


class ExpiredDraw(QuizRuleError):
    """A draw past its expiry."""

    code = "draw_expired"


class UsedDraw(QuizRuleError):
    """A draw an earlier attempt already used."""

    code = "draw_used"


class AttemptLimited(QuizRuleError):
    """Over `max_attempts` per window, or within the cooldown after a failed attempt."""

    code = "attempt_limit"

    def __init__(self, message: str, retry_at: dt.datetime, details: dict[str, Any]) -> None:
        super().__init__(message, {**details, "retry_at": iso(retry_at)})
        self.retry_at = retry_at


def iso(when: dt.datetime) -> str:
    """UTC time as `YYYY-MM-DDTHH:MM:SSZ`."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DrawClaims:
    """What a draw token says (see the module docstring)."""

    module: str
    version: int
    person: str
    questions: tuple[str, ...]
    seed: int
    attempts: int
    expires: int

    def to_json(self) -> dict[str, Any]:
        return {
            "m": self.module,
            "v": self.version,
            "p": self.person,
            "q": list(self.questions),
            "s": self.seed,
            "n": self.attempts,
            "e": self.expires,
        }


@dataclass(frozen=True)
class DrawSigner:
    """Signs and checks draw tokens with one key (32+ bytes)."""

    key: bytes

    def person(self, email: str) -> str:
        """A keyed digest of the email: the token binds a person without naming them."""
        return _b64(hmac.new(self.key, b"person:" + email.encode(), hashlib.sha256).digest()[:16])

    def seed(self, person: str, module: str, version: int, attempts: int) -> int:
        """The 64-bit shuffle seed of a person's next attempt at a module version.

        Keyed (HMAC-SHA256 of the person's digest, the module, the version and how many
        attempts they had made), so nobody can compute it, and fixed until that attempt is
        graded: reloading the page gives the same questions in the same order, so a pool
        cannot be shopped for an easier draw. `person` is `self.person(email)`.
        """
        message = f"seed:{person}:{module}:{version}:{attempts}".encode()
        return int.from_bytes(hmac.new(self.key, message, hashlib.sha256).digest()[:8], "big")

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self.key, message.encode("ascii"), hashlib.sha256).digest())

    def sign(self, claims: DrawClaims) -> str:
        """The token for `claims`."""
        body = json.dumps(claims.to_json(), separators=(",", ":"), sort_keys=True)
        message = f"{TOKEN_PREFIX}.{_b64(body.encode())}"
        return f"{message}.{self._mac(message)}"

    def read(self, token: str, email: str, now: dt.datetime) -> DrawClaims:
        """The claims of a token this key signed for `email`, unexpired.

        Raises InvalidDraw (not ours, or malformed), ForeignDraw, ExpiredDraw.
        """
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise InvalidDraw("the draw is not a draw token: reload the page for a new draw")
        if not hmac.compare_digest(self._mac(f"{parts[0]}.{parts[1]}"), parts[2]):
            raise InvalidDraw("the draw was not issued by this service: reload the page")
        try:
            raw = json.loads(_unb64(parts[1]))
            claims = DrawClaims(
                str(raw["m"]),
                int(raw["v"]),
                str(raw["p"]),
                tuple(str(q) for q in raw["q"]),
                int(raw["s"]),
                int(raw["n"]),
                int(raw["e"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidDraw("the draw token is damaged: reload the page") from None
        if not hmac.compare_digest(claims.person, self.person(email)):
            raise ForeignDraw(
                "this draw was issued to someone else: reload the page to get your own",
                {"module": claims.module},
            )
        if now.timestamp() >= claims.expires:
            expired = iso(dt.datetime.fromtimestamp(claims.expires, dt.UTC))
            raise ExpiredDraw(
                f"this draw expired at {expired}: reload the page for a new one",
                {"module": claims.module, "expired_at": expired},
            )
        return claims


def draw_key(secret: bytes | None, state_dir: Path | None = None) -> bytes:
    """The key draws are signed with.

    Derived from TRUSTPATH_SECRET when set (every worker and restart agrees); else read from
    `<state_dir>/draw.key`, created (mode 0600, 32 random bytes) on first use; else random
    for this process only (draws then die with it).
    """
    if secret:
        return hmac.new(secret, b"trustpath draw key v1", hashlib.sha256).digest()
    if state_dir is None:
        return secrets.token_bytes(32)
    path = state_dir / KEY_FILE
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except (OSError, ValueError):
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key once written
        for _ in range(100):
            text = path.read_text("ascii").strip()
            if len(text) == 64:
                return bytes.fromhex(text)
            time.sleep(0.01)
        raise
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    return key
