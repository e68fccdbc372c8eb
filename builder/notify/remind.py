"""`trustpath records remind`: plan the messages, render them, send each on every channel, and
chain a `reminder` ledger entry for each message that went.

The due items come from the due engine as of `as_of` (`store.queries.due_report`), the
managers from the roster (`manager_email`), the reminders already sent from the `reminders`
projection. A failed send is reported for its recipient and does not stop the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from builder.course.model import Course
from builder.lifecycle.clock import OrgClock
from builder.notify.channels import Channel, SendFailed
from builder.notify.plan import Message, already_sent, plan_messages, sent_keys
from builder.notify.templates import Rendered, Templates
from builder.store.database import Store
from builder.store.entries import reminder_entry
from builder.store.queries import due_report, roster_state
from builder.store.reminders import record_reminder, reminders_since

DEFAULT_EVERY_DAYS = 7


@dataclass(frozen=True)
class Delivery:
    """One message on one channel: `sent` (with its ledger seq), `failed` (with the reason),
    `skipped` (the same items went within every_days) or `dry-run`."""

    message: Message
    channel: str
    outcome: str
    seq: int | None = None
    reason: str = ""


@dataclass
class RemindResult:
    as_of: dt.date
    deliveries: list[Delivery] = field(default_factory=list)
    rendered: dict[tuple[str, str], Rendered] = field(default_factory=dict)  # (kind, email)

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.outcome == "failed"]

    def count(self, outcome: str) -> int:
        return sum(d.outcome == outcome for d in self.deliveries)


def plan(
    store: Store, course: Course, as_of: dt.date, base_url: str | None = None
) -> list[Message]:
    """Every reminder and digest due on `as_of` (before deduplication)."""
    report, people = due_report(store, course, as_of)
    with store.transaction() as conn:
        state = roster_state(conn)
    managers = {email: values.get("manager_email", "") for email, values in state.items()}
    names = {p.email: p.name for p in people}
    for email in managers.values():
        if email and email not in names:
            names[email] = ""
    titles = {m.id: m.title for m in course.modules.values()}
    links = {mid: course.module_link(mid, base_url) for mid in course.modules}
    return plan_messages(report.items, titles, links, managers, names)


def remind(
    store: Store,
    course: Course,
    templates: Templates,
    channels: Sequence[Channel],
    *,
    as_of: dt.date | None = None,
    every_days: int = DEFAULT_EVERY_DAYS,
    dry_run: bool = False,
    base_url: str | None = None,
) -> RemindResult:
    """Plan, render and (unless `dry_run`) send; one `reminder` entry per message sent.

    Every message is rendered before anything is sent, so a broken template override stops
    the run (TemplateProblem) before the first message goes. `channels` are the configured
    ones (for a dry run, the names are what matters). `every_days` from `reminders.every_days`.
    """
    clock = OrgClock(course.timezone)
    day = as_of or clock.today()
    result = RemindResult(day)
    messages = plan(store, course, day, base_url)
    for message in messages:
        result.rendered[(message.kind, message.email)] = templates.render(
            message, course.organisation, day
        )
    since = clock.start_of(day - dt.timedelta(days=max(every_days, 1) - 1))
    sent = sent_keys(reminders_since(store, since))
    todo: list[tuple[Message, Channel]] = []
    for message in messages:
        for channel in channels:
            if already_sent(message, channel.name, sent):
                result.deliveries.append(Delivery(message, channel.name, "skipped"))
            elif dry_run:
                result.deliveries.append(Delivery(message, channel.name, "dry-run"))
            else:
                todo.append((message, channel))
    if todo:
        result.deliveries += asyncio.run(_send_all(store, todo, result.rendered, day))
    return result


async def _send_all(
    store: Store,
    todo: list[tuple[Message, Channel]],
    rendered: dict[tuple[str, str], Rendered],
    day: dt.date,
) -> list[Delivery]:
    out: list[Delivery] = []
    opened: dict[str, str] = {}  # channel name -> why it could not open ("" when open)
    channels = {c.name: c for _, c in todo}
    try:
        for name, channel in channels.items():
            try:
                await channel.open()
                opened[name] = ""
            except SendFailed as exc:
                opened[name] = str(exc)
        for message, channel in todo:
            if opened[channel.name]:
                out.append(Delivery(message, channel.name, "failed", reason=opened[channel.name]))
                continue
            try:
                await channel.send(message, rendered[(message.kind, message.email)])
            except SendFailed as exc:
                out.append(Delivery(message, channel.name, "failed", reason=str(exc)))
                continue
            entry = reminder_entry(
                message.email, channel.name, message.kind, message.entry_items(), day.isoformat()
            )
            stored = await asyncio.to_thread(record_reminder, store, entry)
            out.append(Delivery(message, channel.name, "sent", stored.seq))
    finally:
        for channel in channels.values():
            await channel.close()
    return out
