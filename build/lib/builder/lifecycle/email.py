"""The one email normaliser: every email that enters TrustPath passes through `normalise_email`.

Roster files, identity headers, signed links, CLI arguments and attendance exports all name
people by email; two spellings of one address must never become two identities.
"""

from __future__ import annotations

import re
import unicodedata

from builder.errors import TrustPathError

MAX_LENGTH = 254  # RFC 5321: a path holds at most 256 octets, two of them the angle brackets
_SHAPE = re.compile(
    r"^[^@\s]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$"
)
# Unicode general categories no address should contain: format characters (U+200B zero width
# space, U+200D, U+2060, U+FEFF, bidi controls), controls, separators, unassigned, private use.
_INVISIBLE = frozenset({"Cf", "Cc", "Zl", "Zp", "Zs", "Cn", "Co", "Cs"})


class InvalidEmail(TrustPathError, ValueError):
    """A value that is not an email address; `reason` says why in words an author understands."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{shown(value)} is not an email address: {reason}")
        self.value = value
        self.reason = reason


def shown(value: str) -> str:
    """`value` quoted, with invisible characters written as `<U+200B>` so a person can see them."""
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        out.append(f"<U+{ord(ch):04X}>" if cat in _INVISIBLE and ch != " " else ch)
    return "'" + "".join(out) + "'"


def normalise_email(value: str) -> str:
    """The canonical form of an email address; `InvalidEmail` when it is not one.

    Rules, in order: surrounding white space is trimmed; NFKC folds compatibility forms (a
    full-width `＠`, ligatures); then any format, control, separator, private-use or unassigned
    character left inside (U+200B, U+00AD soft hyphen, U+FEFF, bidi marks) is refused rather
    than dropped, because a silently cleaned address hides a data problem at its source; the
    address is case-folded (`str.casefold`), which is what mail providers do in practice for
    the local part too; last, the shape must be `local@domain.tld` with at most 254 characters.
    """
    text = unicodedata.normalize("NFKC", value.strip())
    for ch in text:
        if unicodedata.category(ch) in _INVISIBLE:
            name = unicodedata.name(ch, "unnamed character")
            raise InvalidEmail(
                value,
                f"it contains an invisible character U+{ord(ch):04X} ({name}); retype the address",
            )
    email = text.casefold()
    if not email:
        raise InvalidEmail(value, "it is empty")
    if len(email) > MAX_LENGTH:
        raise InvalidEmail(value, f"it is longer than {MAX_LENGTH} characters")
    if email.count("@") != 1:
        raise InvalidEmail(value, "it needs exactly one '@'")
    if not _SHAPE.match(email):
        raise InvalidEmail(value, "it should look like name@example.com")
    return email


def try_normalise_email(value: str) -> str | None:
    """`normalise_email(value)`, or None when it is not an email address."""
    try:
        return normalise_email(value)
    except InvalidEmail:
        return None
