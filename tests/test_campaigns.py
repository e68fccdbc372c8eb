"""Event-driven training (issue 18): `records assign`, `records campaigns`, `records campaign`,
in-process through the CLI on SQLite and PostgreSQL, with today's real date (assignments are
chosen on today's roster and stamped with the server's time, like in production)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from builder.lifecycle.clock import OrgClock
from builder.lifecycle.roster import parse_roster
from builder.store import seed
from builder.store.chain_writes import utc_now
from builder.store.database import Store
from builder.store.queries import import_roster
from tests.reports_data import MANIFEST, ids, make_project, run

TODAY = OrgClock().today()  # the test project's time zone is UTC
OK = [{"id": "gift-cards", "selected": ["verify"], "correct": True},
      {"id": "report", "selected": ["false"], "correct": True}]  # fmt: skip
HEADER = "email,name,department,roles,start_date,end_date,status,employment,note\n"
ROSTER = HEADER + (
    "ann@example.com,Ann,Sales,all-staff,2024-01-01,,active,employee,\n"
    "bob@example.com,Bob,Sales,all-staff,2024-01-01,,active,employee,\n"
    "dan@example.com,Dan,Sales,all-staff,2024-01-01,,active,employee,\n"
    "cat@example.com,Cat,Engineering,engineer,2024-01-01,,active,employee,\n"
    "old@example.com,Old,Sales,all-staff,2020-01-01,2025-01-31,active,employee,\n"
)
WAVE = "Phishing wave in Sales"


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def stamp(offset: int) -> str:
    return f"{day(offset)}T10:00:00.000000Z"


@pytest.fixture
def setup(database_url: str, tmp_path: Path):
    """The roster, phishing v2 published long ago, and a pass of it by everyone last month."""
    store = Store(database_url)
    store.migrate()
    import_roster(store, parse_roster(ROSTER, set(MANIFEST["roles"])), dt.date(2024, 1, 1))
    p = ids(store)
    seed.record_version(store, "phishing", 2, "2025-01-01T00:00:00.000000Z")
    seed.append_records(store, [
        seed.attempt(p[e], "phishing", 2, stamp(-30), True, 1.0, OK)
        for e in ("ann@example.com", "bob@example.com", "dan@example.com", "cat@example.com")
    ])  # fmt: skip
    yield store, make_project(tmp_path / "project"), p
    store.close()


def json_of(project: Path, url: str, *args: str) -> Any:
    result = run(project, url, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def due_rows(project: Path, url: str, *extra: str) -> list[dict[str, Any]]:
    return list(json_of(project, url, "due", *extra))


def assigned(project: Path, url: str, *extra: str) -> dict[str, dict[str, Any]]:
    """email -> the phishing item of rule `assigned` in `records due`."""
    return {r["email"]: r for r in due_rows(project, url, *extra)
            if r["rule"] == "assigned" and r["module"] == "phishing"}  # fmt: skip


def campaign_id(output: str) -> str:
    found = re.search(r"campaign (c-\d{8}-[0-9a-f]{6}):", output)
    assert found, output
    return found.group(1)


def start_wave(project: Path, url: str) -> str:
    result = run(project, url, "assign", "phishing", "--department", "Sales", "--within", "14",
                 "--reason", WAVE)  # fmt: skip
    assert result.exit_code == 0, result.output
    return campaign_id(result.output)


def agree(project: Path, url: str, cid: str, *extra: str) -> dict[str, str]:
    """Check that `due` and `campaign ID` agree on every person; email -> campaign state."""
    detail = json_of(project, url, "campaign", cid, *extra)
    due = {r["email"]: r for r in due_rows(project, url, *extra) if r["campaign"] == cid}
    states = {}
    for row in detail["people"]:
        states[row["email"]] = row["state"]
        listed = due.get(row["email"])
        if row["status"] is None:
            assert listed is None, (row, listed)
            assert row["state"] in ("left", "excused", "absent", "withdrawn", "cancelled")
        else:
            assert listed is not None and listed["status"] == row["status"], (row, listed)
            assert listed["due"] == row["due"] and listed["completed"] == row["completed"]
    assert set(due) <= set(states)
    return states


def test_a_phishing_wave_in_one_department(setup, database_url: str) -> None:
    store, project, p = setup
    url = database_url
    path = {r["email"]: r for r in due_rows(project, url) if r["module"] == "phishing"}
    assert path["ann@example.com"]["status"] == "done"  # passed last month: done for a year

    cid = start_wave(project, url)
    items = assigned(project, url)
    assert sorted(items) == ["ann@example.com", "bob@example.com", "dan@example.com"]
    for item in items.values():  # due again although passed last month
        assert (item["campaign"], item["reason"], item["due"], item["status"],
                item["completed"]) == (cid, WAVE, day(14), "due_soon", None)  # fmt: skip
    verify = run(project, url, "verify")
    assert verify.exit_code == 0, verify.output
    assert "assignment_people 3" in verify.output and "assignments 1" in verify.output

    # only a pass recorded after the assignment counts; a fail does not
    seed.append_records(store, [
        seed.attempt(p["ann@example.com"], "phishing", 2, utc_now(), True, 1.0, OK),
        seed.attempt(p["bob@example.com"], "phishing", 2, utc_now(), False, 0.5, OK),
    ])  # fmt: skip
    items = assigned(project, url)
    assert (items["ann@example.com"]["status"], items["ann@example.com"]["completed"]) == (
        "done", day(0))  # fmt: skip
    assert items["bob@example.com"]["status"] == "due_soon"

    # the next day: Eve joins Sales, Cat moves to Sales, Dan has left (end date today)
    later = HEADER + (
        f"eve@example.com,Eve,Sales,all-staff,{day(1)},,active,employee,\n"
        f"dan@example.com,Dan,Sales,all-staff,2024-01-01,{day(0)},active,employee,\n"
    )
    import_roster(store, parse_roster(later, set(MANIFEST["roles"])), TODAY)
    moved = HEADER + "cat@example.com,Cat,Sales,engineer,2024-01-01,,active,employee,\n"
    import_roster(store, parse_roster(moved, set(MANIFEST["roles"])), TODAY + dt.timedelta(1))
    tomorrow = ("--as-of", day(1))
    assert sorted(assigned(project, url, *tomorrow)) == ["ann@example.com", "bob@example.com"]
    everyone = {r["email"] for r in due_rows(project, url, *tomorrow)}
    assert {"eve@example.com", "cat@example.com"} <= everyone  # counted, just not assigned
    assert agree(project, url, cid, *tomorrow) == {
        "ann@example.com": "done",
        "bob@example.com": "open",
        "dan@example.com": "left",
    }
    assert agree(project, url, cid) == {  # today Dan is still counted (his last day)
        "ann@example.com": "done",
        "bob@example.com": "open",
        "dan@example.com": "open",
    }
    (listed,) = json_of(project, url, "campaigns", *tomorrow)
    assert {k: listed[k] for k in ("campaign", "state", "reason", "due", "people", "done",
                                   "open", "overdue", "dropped")} == {
        "campaign": cid, "state": "open", "reason": WAVE, "due": day(14), "people": 3,
        "done": 1, "open": 1, "overdue": 0, "dropped": 1}  # fmt: skip
    overdue = assigned(project, url, "--as-of", day(15))
    assert overdue["bob@example.com"]["status"] == "overdue"
    assert agree(project, url, cid, "--as-of", day(15))["bob@example.com"] == "overdue"

    # cancel: open items leave `due`, the done one and the campaign's record stay
    cancelled = run(project, url, "campaign", cid, "--cancel", "--reason", "Sent too early")
    assert cancelled.exit_code == 0, cancelled.output
    assert f"cancelled campaign {cid}" in cancelled.output
    items = assigned(project, url)
    assert sorted(items) == ["ann@example.com"] and items["ann@example.com"]["status"] == "done"
    states = agree(project, url, cid)
    assert states == {"ann@example.com": "done", "bob@example.com": "cancelled",
                      "dan@example.com": "cancelled"}  # fmt: skip
    (listed,) = json_of(project, url, "campaigns")
    assert (listed["state"], listed["cancel_reason"]) == ("cancelled", "Sent too early")
    again = run(project, url, "campaign", cid, "--cancel", "--reason", "twice")
    assert again.exit_code == 1 and "already cancelled" in again.output
    verify = run(project, url, "verify")
    assert verify.exit_code == 0 and "assignment_cancels 1" in verify.output, verify.output
    text = run(project, url, "campaign", cid)
    assert text.exit_code == 0 and WAVE in text.output and "Sent too early" in text.output


def test_dry_run_prints_the_people_and_writes_nothing(setup, database_url: str) -> None:
    store, project, _ = setup
    head = store.head()
    result = run(project, database_url, "assign", "phishing", "aup", "--department", "Sales",
                 "--due", day(30), "--reason", WAVE, "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"dry run: would assign phishing, aup to 3 people (department 'Sales'), due {day(30)}; "
        "nothing written"
    )
    assert [line.split()[0] for line in lines[3:]] == [
        "ann@example.com", "bob@example.com", "dan@example.com"]  # fmt: skip
    assert store.head() == head
    assert json_of(project, database_url, "campaigns") == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("phishng", "--department", "Sales", "--within", "7"), 2,
         "unknown module 'phishng': did you mean phishing?"),
        (("phishing", "--department", "Marketing", "--within", "7"), 1,
         "nobody on the roster today is in department 'Marketing'"),
        (("phishing", "--department", "sales", "--within", "7"), 1, "did you mean 'Sales'?"),
        (("phishing", "--department", "Sales", "--due", day(-1)), 2,
         f"the due date {day(-1)} is in the past"),
        (("phishing", "--role", "auditor", "--within", "7"), 1, "unknown role 'auditor'"),
        (("phishing", "--manager", "nobody@example.com", "--within", "7"), 1,
         "no person with email 'nobody@example.com' on the roster"),
        (("phishing", "--within", "7"), 2, "exactly one of --department, --role"),
        (("phishing", "--all", "--role", "engineer", "--within", "7"), 2, "exactly one of"),
        (("phishing", "--all"), 2, "exactly one of --due or --within"),
        (("phishing", "--all", "--due", day(3), "--within", "3"), 2, "exactly one of --due"),
        (("phishing", "--all", "--within", "3", "--reason", "  "), 1, "give a reason"),
    ],
    ids=["unknown-module", "empty-department", "department-case", "past-due", "unknown-role",
         "unknown-manager", "no-selector", "two-selectors", "no-due", "two-dues", "blank-reason"],
)  # fmt: skip
def test_bad_assignments_are_clear_errors_and_write_nothing(
    setup, database_url: str, args: tuple[str, ...], code: int, message: str
) -> None:
    store, project, _ = setup
    head = store.head()
    reason = () if "--reason" in args else ("--reason", WAVE)
    result = run(project, database_url, "assign", *args, *reason)
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert store.head() == head


def test_people_file_role_manager_and_all(
    setup, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, project, _ = setup
    monkeypatch.setenv("TRUSTPATH_OPERATOR", "lead")  # the payload check below looks for "@"
    url = database_url
    listing = tmp_path / "people.txt"
    listing.write_text("# after the incident\nBob@Example.com\n\ncat@example.com\n")
    result = run(project, url, "assign", "aup", "--people", str(listing), "--due", day(0),
                 "--reason", "Incident 42")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "to 2 people (the people in people.txt)" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("Email,Name\nann@example.com,Ann\nghost@example.com,Ghost\nold@example.com,O\n")
    refused = run(project, url, "assign", "aup", "--people", str(bad), "--within", "3",
                  "--reason", "x")  # fmt: skip
    assert refused.exit_code == 1
    assert "not on the roster: ghost@example.com" in refused.output
    assert "not active today (left or not started): old@example.com" in refused.output
    engineers = run(project, url, "assign", "secure-coding", "--role", "engineer", "--within",
                    "7", "--reason", "Audit finding")  # fmt: skip
    assert engineers.exit_code == 0 and "to 1 people (role 'engineer')" in engineers.output
    staff = run(project, url, "assign", "phishing", "--role", "all-staff", "--within", "7",
                "--reason", "Refresher", "--dry-run")  # fmt: skip
    assert "to 4 people" in staff.output  # engineer extends all-staff; the leaver is left out
    everyone = run(project, url, "assign", "phishing", "--all", "--within", "7", "--reason",
                   "Refresher", "--dry-run")  # fmt: skip
    assert "to 4 people (everyone)" in everyone.output
    rows = json_of(project, url, "campaigns")
    assert [(r["modules"], r["people"], r["state"]) for r in rows] == [
        ("aup", 2, "open"), ("secure-coding", 1, "open")]  # fmt: skip
    due = {(r["email"], r["module"]): r for r in due_rows(project, url) if r["campaign"]}
    assert due[("bob@example.com", "aup")]["status"] == "due_soon"
    assert due[("cat@example.com", "secure-coding")]["reason"] == "Audit finding"
    with store.transaction() as conn:
        payloads = [json.loads(p) for (p,) in conn.exec_driver_sql(
            "SELECT payload FROM ledger WHERE kind = 'assignment' ORDER BY seq")]  # fmt: skip
    assert "@" not in json.dumps(payloads)  # people by pseudonymous id, never by email
    assert payloads[0]["selector"] == "people=people.txt"


def test_manager_selector_and_operator(setup, database_url: str, monkeypatch) -> None:
    store, project, _ = setup
    team = HEADER.replace("note\n", "note,manager_email\n") + (
        "boss@example.com,Boss,Sales,all-staff,2024-01-01,,active,employee,,\n"
        "ann@example.com,Ann,Sales,all-staff,2024-01-01,,active,employee,,boss@example.com\n"
        "bob@example.com,Bob,Sales,all-staff,2024-01-01,,active,employee,,ann@example.com\n"
    )
    import_roster(store, parse_roster(team, set(MANIFEST["roles"])), TODAY)
    monkeypatch.setenv("TRUSTPATH_OPERATOR", "lead@example.com")
    result = run(project, database_url, "assign", "phishing", "--manager", "Boss@example.com",
                 "--within", "10", "--reason", "Team refresher")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "to 2 people (the reports of boss@example.com)" in result.output
    assert "by lead@example.com" in result.output
    (row,) = json_of(project, database_url, "campaigns")
    assert row["assigned_by"] == "lead@example.com"
    with store.transaction() as conn:
        (selector,) = conn.exec_driver_sql("SELECT selector FROM assignments").one()
        boss = conn.exec_driver_sql(
            "SELECT person_id FROM people WHERE email = 'boss@example.com'").scalar()  # fmt: skip
    assert selector == f"manager={boss}"


def test_unknown_campaign_and_reason_without_cancel(setup, database_url: str) -> None:
    _, project, _ = setup
    missing = run(project, database_url, "campaign", "c-20260101-000000")
    assert missing.exit_code == 1 and "no campaign 'c-20260101-000000'" in missing.output
    cancel = run(project, database_url, "campaign", "c-20260101-000000", "--cancel",
                 "--reason", "x")  # fmt: skip
    assert cancel.exit_code == 1 and "no campaign with id 'c-20260101-000000'" in cancel.output
    assert run(project, database_url, "campaign", "x", "--reason", "y").exit_code == 2
    assert run(project, database_url, "campaign", "x", "--cancel").exit_code == 2


def test_campaign_formats_and_as_of_before_it_began(setup, database_url: str) -> None:
    _, project, _ = setup
    cid = start_wave(project, database_url)
    assert json_of(project, database_url, "campaigns", "--as-of", day(-1)) == []
    assert not assigned(project, database_url, "--as-of", day(-1))
    csv_out = run(project, database_url, "campaign", cid, "--format", "csv")
    assert (
        csv_out.output.splitlines()[0] == "email,name,department,module,state,status,due,completed"
    )
    listing = run(project, database_url, "campaigns")
    assert listing.exit_code == 0 and listing.output.splitlines()[-1] == (
        f"1 campaigns as of {day(0)}: 1 open")  # fmt: skip
    due_csv = run(project, database_url, "due", "--format", "csv", "--module", "phishing")
    assert due_csv.output.splitlines()[0].endswith(",completed,campaign")
    assert sum(line.endswith(f",{cid}") for line in due_csv.output.splitlines()) == 3


def _unguard(store: Store, table: str) -> None:
    """Switch a campaign projection's triggers off, as the database's owner could."""
    with store.transaction(write=True) as conn:
        if store.kind == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")


TAMPER = {
    "assignment_people": (
        "INSERT INTO assignment_people (seq, person_id, campaign_id) SELECT seq, 'p_forged',"
        " campaign_id FROM assignments",
        "DELETE FROM assignment_people WHERE person_id = (SELECT min(person_id) FROM"
        " assignment_people)",
    ),
    "assignments": ("UPDATE assignments SET due_on = '2099-12-31'", "DELETE FROM assignments"),
    "assignment_cancels": ("DELETE FROM assignment_cancels",),  # un-cancelling
}


@pytest.mark.parametrize("table", sorted(TAMPER))
def test_campaign_projections_are_append_only_and_verified(
    setup, database_url: str, table: str
) -> None:
    import sqlalchemy as sa

    store, project, _ = setup
    cid = start_wave(project, database_url)
    if table == "assignment_cancels":
        assert (
            run(project, database_url, "campaign", cid, "--cancel", "--reason", "r").exit_code == 0
        )
    for sql in (f"UPDATE {table} SET campaign_id = campaign_id", f"DELETE FROM {table}"):
        with (
            pytest.raises(sa.exc.DBAPIError, match=r"refused|projection|append-only"),
            store.transaction(write=True) as conn,
        ):
            conn.exec_driver_sql(sql)
    _unguard(store, table)
    for sql in TAMPER[table]:
        with store.transaction(write=True) as conn:
            conn.exec_driver_sql(sql)
    result = run(project, database_url, "verify")
    assert result.exit_code == 1, result.output
    problems = result.output.splitlines()[2:]
    assert problems and all(line.strip().startswith(table) for line in problems), result.output
    checked = run(project, database_url, "campaigns", "--verify")
    assert checked.exit_code == 1 and "records verify failed" in checked.output
    if table == "assignment_cancels":  # a row removed: even the cheap count check refuses
        plain = run(project, database_url, "due")
        assert plain.exit_code == 1 and f"the {table} table no longer matches" in plain.output


def test_me_and_the_reports_route_show_the_campaign(database_url: str) -> None:
    """Through the service: a pass graded before the campaign does not count, one after does;
    GET /api/me lists the item with its reason; /api/reports/campaigns agrees."""
    from builder.course.model import course_from_manifest
    from builder.lifecycle.campaigns import Selector
    from builder.records.campaigns import assign
    from tests.records_support import ANN, drawn, manifest, put_on_roster, running

    admin = {"Authorization": "Bearer admin-secret"}
    put_on_roster(database_url, "ann@example.com", "bob@example.com", start="2024-01-01")
    with running(database_url) as c:
        assert c.post("/api/attempts", json=drawn(c, ANN), headers=ANN).status_code == 201
        before = c.get("/api/me", headers=ANN).json()
        assert before["modules"]["phishing"]["status"] == "done" and before["assigned"] == []
        store = Store(database_url)
        try:
            plan = assign(store, course_from_manifest(manifest()), ["phishing"],
                          Selector("department", "Ops"), "Phishing wave in Ops", TODAY,
                          within=20, assigned_by="lead")  # fmt: skip
        finally:
            store.close()
        me = c.get("/api/me", headers=ANN).json()
        assert me["assigned"] == [{"campaign": plan.campaign, "module": "phishing",
                                   "reason": "Phishing wave in Ops", "due": day(20),
                                   "status": "upcoming", "completed": None}]  # fmt: skip
        assert me["modules"]["phishing"]["status"] == "done"  # the path's own item
        assert c.post("/api/attempts", json=drawn(c, ANN), headers=ANN).status_code == 201
        (item,) = c.get("/api/me", headers=ANN).json()["assigned"]
        assert (item["status"], item["completed"]) == ("done", day(0))
        listed = c.get("/api/reports/campaigns", headers=admin)
        assert listed.status_code == 200, listed.text
        (row,) = listed.json()["campaigns"]
        assert (row["campaign"], row["people"], row["done"], row["open"]) == (
            plan.campaign, 2, 1, 1)  # fmt: skip
        one = c.get(f"/api/reports/campaigns?id={plan.campaign}", headers=admin).json()
        assert [(p["email"], p["state"]) for p in one["people"]] == [
            ("ann@example.com", "done"), ("bob@example.com", "open")]  # fmt: skip
        bad = c.get("/api/reports/campaigns?id=nope", headers=admin)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_query"
        assert c.get("/api/reports/campaigns").status_code == 401


def test_dashboard_shows_open_campaigns(setup, database_url: str, tmp_path: Path) -> None:
    _, project, _ = setup
    xss = "<script>alert(1)</script> wave"
    result = run(project, database_url, "assign", "phishing", "--department", "Sales",
                 "--within", "14", "--reason", xss)  # fmt: skip
    cid = campaign_id(result.output)
    out = tmp_path / "report.html"
    assert run(project, database_url, "dashboard", "-o", str(out)).exit_code == 0
    html = out.read_text()
    section = html.split("<h2>Open campaigns</h2>")[1].split("</section>")[0]
    assert cid in section and "&lt;script&gt;alert(1)&lt;/script&gt; wave" in section
    assert "<script>" not in html
    cells = re.findall(r'<td data-label="(\w+)">([^<]*)</td>', section)
    assert dict(cells)["People"] == "3" and dict(cells)["Open"] == "3"
    assert run(project, database_url, "campaign", cid, "--cancel", "--reason", "x").exit_code == 0
    assert run(project, database_url, "dashboard", "-o", str(out)).exit_code == 0
    section = out.read_text().split("<h2>Open campaigns</h2>")[1].split("</section>")[0]
    assert cid not in section and "Nothing to show." in section
