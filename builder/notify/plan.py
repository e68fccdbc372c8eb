"""Who gets which reminder: pure, from the due engine's items, the managers and the reminders
already sent. No DB, no network.

* A person with items `due_soon` or `overdue` gets one `reminder` listing them (most urgent
  first).
* A manager whose direct reports (roster `manager_email`) have `overdue` items gets one
  `digest` listing those items, by report. Only direct reports: each manager answers for
  their own team, and their managers see theirs.
* An item is the same item while its module, version and due date stay the same. A message
  goes out on a channel unless every item in it was already sent to that recipient on that
  channel within `every_days` days (issue 13: "a person is not reminded again about the same
  items within `reminders.every_days`"); when it goes, it lists all the current items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from builder.lifecycle.due import DueItem, sort_items

REMIND_STATUSES = ("overdue", "due_soon")
ItemKey = tuple[str, str, int, str]  # (person id, module, version, due date ISO)


@dataclass(frozen=True)
class Item:
    """One item in a message: a module someone must complete, and by when."""

    person_id: str
    email: str
    name: str
    module: str
    title: str
    version: int
    due: dt.date
    status: str  # due_soon | overdue
    link: str

    @property
    def key(self) -> ItemKey:
        """What makes two reminders about "the same item"."""
        return (self.person_id, self.module, self.version, self.due.isoformat())

    def entry(self, with_person: bool) -> dict[str, object]:
        """The item as a `reminder` ledger entry holds it (person only in digests)."""
        out: dict[str, object] = {
            "module": self.module, "version": self.version, "due": self.due.isoformat(),
            "status": self.status,
        }  # fmt: skip
        if with_person:
            out["person"] = self.person_id
        return out


@dataclass(frozen=True)
class Message:
    """One message to one recipient: their own `reminder`, or a manager's `digest`."""

    kind: str  # reminder | digest
    email: str
    name: str
    items: tuple[Item, ...]

    @property
    def keys(self) -> frozenset[ItemKey]:
        return frozenset(i.key for i in self.items)

    def entry_items(self) -> list[dict[str, object]]:
        return [i.entry(self.kind == "digest") for i in self.items]


Sent = Mapping[tuple[str, str, str], frozenset[ItemKey]]  # (email, kind, channel) -> items


def plan_messages(
    items: Iterable[DueItem],
    titles: Mapping[str, str],
    links: Mapping[str, str],
    managers: Mapping[str, str],
    names: Mapping[str, str],
) -> list[Message]:
    """Reminders (in email order), then digests (in manager email order).

    `titles` and `links` map module ids to titles and page URLs; `managers` maps a person's
    email to their manager's (empty: none); `names` maps emails to display names.
    """
    mine: dict[str, list[Item]] = {}
    for due in sort_items(i for i in items if i.status in REMIND_STATUSES):
        item = Item(
            due.person_id, due.email, due.name, due.module, titles.get(due.module, due.module),
            due.version, due.due, due.status, links.get(due.module, ""),
        )  # fmt: skip
        mine.setdefault(due.email, []).append(item)
    messages = [
        Message("reminder", email, names.get(email, listed[0].name), tuple(listed))
        for email, listed in sorted(mine.items())
    ]
    teams: dict[str, list[Item]] = {}
    for email, listed in mine.items():
        boss = managers.get(email, "")
        overdue = [i for i in listed if i.status == "overdue"]
        if boss and boss != email and overdue:
            teams.setdefault(boss, []).extend(overdue)
    for boss, listed in sorted(teams.items()):
        ordered = sorted(listed, key=lambda i: (i.email, i.due, i.module))
        messages.append(Message("digest", boss, names.get(boss, ""), tuple(ordered)))
    return messages


def already_sent(message: Message, channel: str, sent: Sent) -> bool:
    """Whether every item of `message` went to its recipient on `channel` recently."""
    return message.keys <= sent.get((message.email, message.kind, channel), frozenset())


def sent_keys(
    rows: Iterable[tuple[str, str, str, str, list[dict[str, object]]]],
) -> dict[tuple[str, str, str], frozenset[ItemKey]]:
    """`Sent` from reminder rows (email, person_id, kind, channel, entry items)."""
    out: dict[tuple[str, str, str], set[ItemKey]] = {}
    for email, person_id, kind, channel, entries in rows:
        keys = out.setdefault((email, kind, channel), set())
        for e in entries:
            who = str(e.get("person") or person_id)
            keys.add((who, str(e.get("module")), int(str(e.get("version"))), str(e.get("due"))))
    return {k: frozenset(v) for k, v in out.items()}
