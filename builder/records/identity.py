"""Who is submitting: taken from the deployment, never from the request body.

- `open` (demo only): the `X-TrustPath-User` header names an email. Anyone can claim any name.
- `header`: one header set by an SSO proxy (default `X-Forwarded-Email`), trusted only when the
  connection comes from a configured proxy address; anyone else gets 401.
- `token`: per-person signed links. A token is `v1.<base64url(email)>.<expiry>.<base64url(mac)>`
  where mac = HMAC-SHA256(TRUSTPATH_SECRET, "v1.<base64url(email)>.<expiry>") and expiry is a
  Unix time; the page sends it as `Authorization: Bearer TOKEN`.

Reports take `Authorization: Bearer $TRUSTPATH_ADMIN_TOKEN` in every mode.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from builder.lifecycle.email import try_normalise_email
from builder.records.errors import ApiError

MODES = ("open", "header", "token")
OPEN_HEADER = "x-trustpath-user"
DEFAULT_PROXY_HEADER = "X-Forwarded-Email"
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1/32",)
SECRET_ENV = "TRUSTPATH_SECRET"
ADMIN_TOKEN_ENV = "TRUSTPATH_ADMIN_TOKEN"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class InvalidToken(Exception):
    """A token that is malformed, forged or expired."""


@dataclass(frozen=True)
class Identity:
    email: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> str:
    return _b64(hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest())


def make_token(secret: bytes, email: str, expires: int) -> str:
    """A signed token naming `email`, valid until the Unix time `expires`."""
    message = f"v1.{_b64(email.encode('utf-8'))}.{expires}"
    return f"{message}.{_mac(secret, message)}"


def read_token(secret: bytes, token: str, now: float | None = None) -> str:
    """The email a valid token names; InvalidToken otherwise."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != "v1" or not parts[2].isdigit():
        raise InvalidToken("malformed token")
    message = ".".join(parts[:3])
    if not hmac.compare_digest(_mac(secret, message), parts[3]):
        raise InvalidToken("bad signature")
    if int(parts[2]) < (time.time() if now is None else now):
        raise InvalidToken("expired")
    try:
        email = try_normalise_email(_unb64(parts[1]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        email = None
    if email is None:
        raise InvalidToken("malformed token")
    return email


def parse_networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    """CIDR strings as networks (ValueError names the bad one)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


@dataclass
class IdentityConfig:
    mode: str = "open"
    header: str = DEFAULT_PROXY_HEADER
    trusted_proxies: tuple[Network, ...] = field(
        default_factory=lambda: parse_networks(DEFAULT_TRUSTED_PROXIES)
    )
    secret: bytes | None = None

    def resolve(self, headers: Mapping[str, str], client_host: str | None) -> Identity:
        """The identity of a request; ApiError(401) when it has none we can trust."""
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
            return Identity(read_token(self.secret or b"", token))
        except InvalidToken as exc:
            raise _unauthorized(
                "invalid_token", f"your training link is not valid ({exc}): ask for a new one"
            ) from None

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
    """ApiError 401 without a bearer token, 403 with a wrong one or when reports are off."""
    token = _bearer(headers)
    if token is None:
        raise ApiError(401, "no_admin_token", "reports need Authorization: Bearer ADMIN_TOKEN")
    if not admin_token:
        raise ApiError(403, "reports_disabled", f"reports are off: set {ADMIN_TOKEN_ENV}")
    if not hmac.compare_digest(token.encode("utf-8"), admin_token.encode("utf-8")):
        raise ApiError(403, "bad_admin_token", "the admin token is not valid")
