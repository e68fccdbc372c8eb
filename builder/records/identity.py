"""Who is submitting: taken from the deployment, never from the request body.

- `open` (demo only): the `X-TrustPath-User` header names an email. Anyone can claim any name.
- `header`: one header set by an SSO proxy (default `X-Forwarded-Email`), trusted only when the
  connection comes from a configured proxy address; anyone else gets 401.
- `token`: per-person signed links. A token is
  `v2.<base64url(email)>.<expiry>.<person_id>.<epoch>.<base64url(mac)>` where
  mac = HMAC-SHA256(TRUSTPATH_SECRET, everything before the last dot), expiry is a Unix time,
  person_id the pseudonymous id of the person's `people` row and epoch their link epoch when
  the link was made. The service checks on every request that the email still maps to that
  person and that the person's epoch has not moved (`records links revoke`, `records forget`),
  so a link can be revoked without rotating the secret for everyone. The page keeps the token
  in storage and sends it as `Authorization: Bearer TOKEN`, never in a URL.

Reports take `Authorization: Bearer $TRUSTPATH_ADMIN_TOKEN` in every mode. The secret and the
admin token must hold 32 random bytes or more (`check_secret`), or the service refuses to start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from builder.lifecycle.email import try_normalise_email
from builder.records.errors import RecordsError

MODES = ("open", "header", "token")
OPEN_HEADER = "x-trustpath-user"
DEFAULT_PROXY_HEADER = "X-Forwarded-Email"
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1/32",)
SECRET_ENV = "TRUSTPATH_SECRET"
ADMIN_TOKEN_ENV = "TRUSTPATH_ADMIN_TOKEN"
DEFAULT_LINK_DAYS = 14
MAX_LINK_DAYS = 90
MIN_SECRET_BYTES = 32
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The whole token, checked before anything is decoded: ASCII only, bounded lengths.
_TOKEN = re.compile(
    r"v2\.([A-Za-z0-9_-]{1,700})\.([0-9]{1,12})\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,9})"
    r"\.([A-Za-z0-9_-]{43})",
    re.ASCII,
)


class InvalidToken(Exception):
    """A token that is malformed, forged or expired."""


class WeakSecret(ValueError):
    """A secret or admin token with fewer than 32 random bytes."""


@dataclass(frozen=True)
class LinkClaim:
    """What a personal link says about its person: checked against the store on every request."""

    person_id: str
    epoch: int


@dataclass(frozen=True)
class Identity:
    email: str
    link: LinkClaim | None = None  # token mode only


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> str:
    return _b64(hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest())


def secret_bytes(value: str) -> int:
    """How many random bytes `value` can hold, read as hex, base64, or any other text.

    64 hex digits, 43 base64 characters or 32 bytes of other text make 32 bytes; a value of
    fewer than 10 distinct characters counts as 0 (`aaaa…` is long but not random).
    """
    if len(set(value)) < 10:
        return 0
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return len(value) // 2
    if re.fullmatch(r"[A-Za-z0-9+/_-]+=*", value):
        return len(value.rstrip("=")) * 6 // 8
    return len(value.encode("utf-8"))


def check_secret(name: str, value: str) -> bytes:
    """`value` as bytes when it holds 32 random bytes or more; WeakSecret naming `name` if not."""
    if secret_bytes(value) < MIN_SECRET_BYTES:
        raise WeakSecret(
            f"{name} is too weak: it needs {MIN_SECRET_BYTES} random bytes or more "
            "(64 hex digits or 43 base64 characters); make one with `openssl rand -hex 32`"
        )
    return value.encode("utf-8")


def make_token(
    secret: bytes, email: str, expires: int, person_id: str = "p_none", epoch: int = 0
) -> str:
    """A signed token naming `email` (person `person_id`, link `epoch`), valid until `expires`.

    `expires` is a Unix time in seconds.
    """
    message = f"v2.{_b64(email.encode('utf-8'))}.{expires}.{person_id}.{epoch}"
    return f"{message}.{_mac(secret, message)}"


@dataclass(frozen=True)
class TokenClaims:
    email: str
    expires: int
    link: LinkClaim


def read_token(secret: bytes, token: str, now: float | None = None) -> TokenClaims:
    """The claims of a valid token; InvalidToken (malformed, bad signature, expired) otherwise.

    Any input is safe: a non-ASCII or oversized token is "malformed", never an exception of
    another kind.
    """
    if token.startswith("v1."):
        raise InvalidToken("a link from an older version")
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise InvalidToken("malformed token")
    encoded, expires, person_id, epoch, mac = match.groups()
    message = token[: -len(mac) - 1]
    if not hmac.compare_digest(_mac(secret, message), mac):
        raise InvalidToken("bad signature")
    if int(expires) < (time.time() if now is None else now):
        raise InvalidToken("expired")
    try:
        email = try_normalise_email(_unb64(encoded).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        email = None
    if email is None:
        raise InvalidToken("malformed token")
    return TokenClaims(email, int(expires), LinkClaim(person_id, int(epoch)))


def parse_networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    """CIDR strings as networks (ValueError names the bad one)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _unauthorized(code: str, message: str) -> RecordsError:
    return RecordsError(code, message)


@dataclass
class IdentityConfig:
    mode: str = "open"
    header: str = DEFAULT_PROXY_HEADER
    trusted_proxies: tuple[Network, ...] = field(
        default_factory=lambda: parse_networks(DEFAULT_TRUSTED_PROXIES)
    )
    secret: bytes | None = None

    def resolve(self, headers: Mapping[str, str], client_host: str | None) -> Identity:
        """The identity of a request; RecordsError (401 over HTTP) when it has none we can trust."""
        if self.mode == "open":
            return self._email(headers.get(OPEN_HEADER), OPEN_HEADER)
        if self.mode == "header":
            if not self._trusted(client_host):
                raise _unauthorized(
                    "untrusted_proxy", "identity headers are accepted only from the SSO proxy"
                )
            return self._email(headers.get(self.header.lower()), self.header)
        token = _bearer(headers)
        if token is None:
            raise _unauthorized("no_identity", "open the training site from your personal link")
        try:
            claims = read_token(self.secret or b"", token)
        except InvalidToken as exc:
            raise _unauthorized(
                "invalid_token", f"your training link is not valid ({exc}): ask for a new one"
            ) from None
        return Identity(claims.email, claims.link)

    def header_names(self) -> frozenset[bytes]:
        """The headers that carry identity (lower case): each may appear once per request."""
        return frozenset({b"authorization", OPEN_HEADER.encode(), self.header.lower().encode()})

    def is_trusted_proxy(self, host: str | None) -> bool:
        """True in header mode for a configured proxy address (shared by every user)."""
        return self.mode == "header" and self._trusted(host)

    def _trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.trusted_proxies)

    def _email(self, value: str | None, header: str) -> Identity:
        if not value:
            raise _unauthorized("no_identity", f"no identity: the {header} header is missing")
        email = try_normalise_email(value)
        if email is None:
            raise _unauthorized("bad_identity", f"the {header} header is not an email address")
        return Identity(email)


def check_admin(headers: Mapping[str, str], admin_token: str | None) -> None:
    """Refused without a bearer token (401 over HTTP), with a wrong one or when reports are off
    (403)."""
    token = _bearer(headers)
    if token is None:
        raise RecordsError("no_admin_token", "reports need Authorization: Bearer ADMIN_TOKEN")
    if not admin_token:
        raise RecordsError("reports_disabled", f"reports are off: set {ADMIN_TOKEN_ENV}")
    if not hmac.compare_digest(token.encode("utf-8"), admin_token.encode("utf-8")):
        raise RecordsError("bad_admin_token", "the admin token is not valid")
