"""Personal links (identity mode `token`): making them, revoking them, checking them.

A link is the site's address with `#tp_token=TOKEN` in its fragment. A fragment is never sent
to a server, so the token stays out of access logs and Referer headers; the page moves it to
storage and drops it from the address bar on first load
(builder/site/theme/assets/trustpath/api.js).

Revoking appends a `link_revocation` ledger entry (pseudonymous person id, new epoch, reason);
its projection `link_revocations` gives each person's current epoch, which the service reads
on every request (`check_link`). `records forget` revokes first, and the erased person has no
`people` row left, so their links fail even if the same email is added again later: the new
row has another person id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit

from builder.ledger.entries import PendingRecord
from builder.records.errors import RecordsError
from builder.records.identity import Identity, make_token
from builder.store.database import Store

REVOCATION_KIND = "link_revocation"


class UnknownPerson(LookupError):
    """No people row for this email."""


def link_url(base_url: str, token: str) -> str:
    """`base_url` with the token in its fragment (`#tp_token=…`), never in the query string."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(fragment=urlencode({"tp_token": token})))


def personal_links(
    store: Store, secret: bytes, emails: list[str], base_url: str, days: int, now: dt.datetime
) -> list[tuple[str, str]]:
    """(email, url) for each email: a link valid `days` days from `now` at the current epoch.

    Each email gets a `people` row (a `seen` one when no roster named it yet) so the link can
    name its person id.
    """
    expires = int((now + dt.timedelta(days=days)).timestamp())
    people = store.ensure_people(emails)
    links = []
    for email in emails:
        person_id = people[email]
        state = store.link_state(email)
        epoch = state[1] if state else 0
        links.append(
            (email, link_url(base_url, make_token(secret, email, expires, person_id, epoch)))
        )
    return links


def revoke_links(store: Store, email: str, reason: str) -> int:
    """Invalidate every link made so far for `email`; the person's new epoch.

    Appends a `link_revocation` ledger entry (no email in it: the person id, the epoch and the
    reason). Raises UnknownPerson when the email has no people row. Call it before
    `Store.forget`, which removes that row.
    """
    state = store.link_state(email)
    if state is None:
        raise UnknownPerson(email)
    epoch = state[1] + 1
    revocation_id = str(uuid.uuid4())
    payload = {"v": 1, "epoch": epoch, "reason": reason}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    record = PendingRecord(REVOCATION_KIND, revocation_id, email, "", digest, payload)
    store.append([record])
    return epoch


def link_refusal(identity: Identity, state: tuple[str, int] | None) -> RecordsError | None:
    """The 401 for a link whose person or epoch no longer matches the store; None when valid."""
    if identity.link is None:
        return None
    if state is None or state[0] != identity.link.person_id:
        return RecordsError(
            "revoked_link", "this training link is no longer valid: ask for a new one"
        )
    if state[1] != identity.link.epoch:
        return RecordsError("revoked_link", "this training link was revoked: ask for a new one")
    return None
