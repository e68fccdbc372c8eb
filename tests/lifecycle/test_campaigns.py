"""Campaign rules as pure functions (issue 18): what counts, cancellation, who is chosen."""

from __future__ import annotations

import pytest

from builder.lifecycle.campaigns import (
    Assignment,
    PopulationError,
    Selector,
    assigned_items,
    select_population,
)
from builder.lifecycle.due import Completion, due_items, sort_items
from tests.test_due import COURSE, FIRST_SEEN, D, person

AT = "2026-06-10T12:00:00.000000Z"  # the assignment's stored time
AS_OF = D("2026-06-15")


def campaign(*modules: str, cancelled_at: str | None = None, **kw: object) -> Assignment:
    fields: dict[str, object] = {
        "campaign": "c-1",
        "modules": modules,
        "people": frozenset({"p1"}),
        "due": D("2026-06-20"),
        "reason": "Incident 7",
        "assigned_at": AT,
        "assigned_on": D("2026-06-10"),
        "cancelled_at": cancelled_at,
    }
    fields.update(kw)
    return Assignment(**fields)  # type: ignore[arg-type]


def rec(version: int, kind: str, at: str) -> Completion:
    return Completion(version, kind, D(at[:10]), at)


def states(a: Assignment, *records: tuple[str, Completion]) -> dict[str, tuple[str, str | None]]:
    """module -> (status, completed) of p1's campaign items."""
    comps: dict[tuple[str, str], list[Completion]] = {}
    for module, r in records:
        comps.setdefault(("p1", module), []).append(r)
    out = assigned_items(person(), [a], COURSE, comps, AS_OF)
    assert all(i.rule == "assigned" and i.campaign == "c-1" for i in out)
    return {i.module: (i.status, i.completed.isoformat() if i.completed else None) for i in out}


def test_only_a_completion_after_the_assignment_counts() -> None:
    before = ("yearly", rec(2, "pass", "2026-06-10T11:59:59.999999Z"))
    assert states(campaign("yearly"), before) == {"yearly": ("due_soon", None)}
    after = ("yearly", rec(2, "pass", "2026-06-10T12:00:00.000001Z"))
    assert states(campaign("yearly"), before, after) == {"yearly": ("done", "2026-06-10")}


def test_a_module_with_quiz_and_statement_needs_both_after_it() -> None:
    a = campaign("quarter")
    old_ack = ("quarter", rec(1, "ack", "2026-06-01T10:00:00.000000Z"))
    new_pass = ("quarter", rec(1, "pass", "2026-06-12T10:00:00.000000Z"))
    assert states(a, old_ack, new_pass) == {"quarter": ("due_soon", None)}
    new_ack = ("quarter", rec(1, "ack", "2026-06-14T10:00:00.000000Z"))
    assert states(a, new_pass, new_ack) == {"quarter": ("done", "2026-06-14")}


def test_an_older_version_does_not_complete_a_retrained_module() -> None:
    old = ("yearly", rec(1, "pass", "2026-06-12T10:00:00.000000Z"))
    assert states(campaign("yearly"), old) == {"yearly": ("due_soon", None)}
    steady = ("steady", rec(1, "pass", "2026-06-12T10:00:00.000000Z"))  # retrain_on_change off
    assert states(campaign("steady"), steady) == {"steady": ("done", "2026-06-12")}


def test_status_follows_the_campaign_due_date() -> None:
    assert states(campaign("intro", due=D("2026-06-14"))) == {"intro": ("overdue", None)}
    assert states(campaign("intro", due=D("2026-06-15"))) == {"intro": ("due_soon", None)}
    assert states(campaign("intro", due=D("2026-07-30"))) == {"intro": ("upcoming", None)}


def test_cancellation_keeps_what_was_done_before_it() -> None:
    cut = "2026-06-13T00:00:00.000000Z"
    a = campaign("intro", "semi", cancelled_at=cut)
    done = ("intro", rec(1, "pass", "2026-06-12T10:00:00.000000Z"))
    late = ("semi", rec(1, "ack", "2026-06-14T10:00:00.000000Z"))  # after the cancellation
    assert states(a, done, late) == {"intro": ("done", "2026-06-12")}


def test_unknown_and_untrackable_modules_and_other_people_give_nothing() -> None:
    assert states(campaign("readme", "gone")) == {}
    assert states(campaign("intro", people=frozenset({"p2"}))) == {}


def test_due_items_add_campaign_items_for_counted_people_only() -> None:
    a = campaign("eng-only", people=frozenset({"p1", "p2", "p3", "p4"}))
    people = [
        person(),
        person(person_id="p2", email="b@x", end_date=D("2026-06-14")),  # left yesterday
        person(person_id="p3", email="c@x", status="leave", note="parental"),
        person(person_id="p4", email="d@x", end_date=D("2026-06-15")),  # last day today
    ]
    report = due_items(people, COURSE, {}, FIRST_SEEN, AS_OF, [a])
    got = sorted((i.email, i.module) for i in report.items if i.rule == "assigned")
    assert got == [("ada@example.com", "eng-only"), ("d@x", "eng-only")]
    assert [e.email for e in report.excused] == ["c@x"] and report.assignments == [a]


ROSTER = [
    person(),
    person(person_id="p2", email="b@x", department="Sales", roles=("engineer",)),
    person(person_id="p3", email="c@x", department="Sales", start_date=D("2026-06-16")),
    person(person_id="p4", email="d@x", department="Sales", end_date=D("2026-06-15")),
    person(person_id="p5", email="e@x", department="Sales", status="leave", note="sabbatical"),
]
MANAGERS = {"ada@example.com": "", "b@x": "ada@example.com", "e@x": "b@x"}


@pytest.mark.parametrize(
    ("selector", "emails"),
    [
        (Selector("department", "Sales"), ["b@x", "e@x"]),  # not the starter, not the leaver
        (Selector("role", "all-staff"), ["ada@example.com", "b@x", "e@x"]),  # engineer extends it
        (Selector("role", "engineer"), ["b@x"]),
        (Selector("manager", "ada@example.com"), ["b@x", "e@x"]),
        (Selector("people", "f.txt", ("e@x", "b@x")), ["b@x", "e@x"]),
        (Selector("all"), ["ada@example.com", "b@x", "e@x"]),
    ],
)
def test_select_population(selector: Selector, emails: list[str]) -> None:
    chosen = select_population(ROSTER, selector, AS_OF, COURSE, MANAGERS)
    assert [p.email for p in chosen] == emails


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (Selector("department", "sales"), "did you mean 'Sales'? departments: Eng, Sales"),
        (Selector("role", "cfo"), "unknown role 'cfo': roles are all-staff, engineer"),
        (Selector("manager", "x@x"), "no person with email 'x@x' on the roster"),
        (Selector("manager", "e@x"), "nobody to assign: the reports of e@x names no one"),
        (Selector("people", "f.txt", ("c@x", "z@x")),
         "f.txt: not on the roster: z@x; not active today (left or not started): c@x"),
    ],
)  # fmt: skip
def test_select_population_refuses_with_a_reason(selector: Selector, message: str) -> None:
    with pytest.raises(PopulationError) as caught:
        select_population(ROSTER, selector, AS_OF, COURSE, MANAGERS)
    assert message in str(caught.value)


def test_selector_in_the_entry_never_holds_an_email() -> None:
    ids = {"ada@example.com": "p1"}
    assert Selector("manager", "ada@example.com").describe(ids) == "manager=p1"
    assert Selector("people", "wave.csv", ("b@x",)).describe(ids) == "people=wave.csv"
    assert Selector("all").describe() == "all"


def test_due_items_come_in_email_and_module_order_so_one_sort_by_due_suffices() -> None:
    # People out of email order, roles with different paths, and campaigns on modules that are
    # on the path already ("yearly") and not ("eng-only"): the report's order contract.
    a = campaign("yearly", "eng-only", people=frozenset({"p1", "p3"}))
    b = campaign("intro", campaign="c-2", people=frozenset({"p2"}), due=D("2026-06-01"))
    people = [
        person(person_id="p3", email="zed@x", roles=("engineer",), start_date=D("2026-05-20")),
        person(),
        person(person_id="p2", email="bea@x", start_date=D("2025-02-01")),
    ]
    comps = {("p1", "yearly"): [rec(2, "pass", "2026-06-12T09:00:00.000000Z")]}
    report = due_items(people, COURSE, comps, FIRST_SEEN, AS_OF, [a, b])
    keys = [(i.email, i.module) for i in report.items]
    assert keys == sorted(keys)
    assert ("ada@example.com", "yearly") in keys and keys.count(("zed@x", "eng-only")) == 2
    shuffled = list(reversed(report.items))
    assert sort_items(report.items, by_email_and_module=True) == sort_items(shuffled)
    # a person's path item stays before a campaign's item for the same module
    yearly = [i.rule for i in report.items if (i.email, i.module) == ("ada@example.com", "yearly")]
    assert yearly == ["annual", "assigned"]
