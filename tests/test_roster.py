"""Roster CSV parsing and the upsert plan."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.lifecycle.roster import RosterError, parse_roster, plan_changes

ROLES = {"all-staff", "engineer", "manager"}
HEADER = "email,name,department,roles,start_date,end_date,status,employment,note\n"
GOOD = "ada@example.com,Ada Lovelace,Engineering,engineer;manager,2026-01-05,,active,employee,\n"


def problems(text: str) -> list[str]:
    with pytest.raises(RosterError) as info:
        parse_roster(text, ROLES)
    return [str(p) for p in info.value.problems]


def test_parse_good_row() -> None:
    (row,) = parse_roster(HEADER + GOOD, ROLES)
    assert row.line == 2
    assert row.email == "ada@example.com"
    assert row.roles == ("engineer", "manager")
    assert row.start_date == dt.date(2026, 1, 5)
    assert row.end_date is None
    assert (row.status, row.employment) == ("active", "employee")


def test_note_column_is_optional_and_columns_any_order() -> None:
    text = "roles,email,name,department,start_date,end_date,status,employment\n"
    text += "engineer,BOB@Example.com,Bob,Eng,2026-02-01,2026-12-31,active,contractor\n"
    (row,) = parse_roster(text, ROLES)
    assert (row.email, row.end_date, row.employment) == (
        "bob@example.com",
        dt.date(2026, 12, 31),
        "contractor",
    )


def test_one_bad_row_names_the_line_and_nothing_is_returned() -> None:
    text = HEADER + GOOD + "bo@example.com,Bo,Eng,enginer,2026-01-05,,active,employee,\n"
    assert problems(text) == [
        "roster.csv:3: error[unknown-role]: unknown role 'enginer'; did you mean 'engineer'?"
    ]


def test_every_problem_is_reported_with_its_line() -> None:
    text = (
        HEADER
        + GOOD
        + (
            "x@example.com,X,Eng,engineer,2026-02-30,,active,employee,\n"
            "y@example.com,Y,Eng,engineer,2026-03-01,2026-02-01,active,employee,\n"
            "z@example.com,Z,Eng,engineer,2026-03-01,,retired,employee,\n"
            "ADA@example.com,Ada again,Eng,engineer,2026-03-01,,active,employee,\n"
            "w@example.com,W,Eng,engineer,2026-03-01,,leave,employee,\n"
            "v@example.com,V,Eng,engineer,2026-03-01,,active,intern,\n"
            "not-an-email,N,Eng,engineer,2026-03-01,,active,employee,\n"
        )
    )
    assert problems(text) == [
        "roster.csv:3: error[bad-date]: start_date '2026-02-30' is not a real date",
        "roster.csv:4: error[end-before-start]: "
        "end_date 2026-02-01 is before start_date 2026-03-01",
        "roster.csv:5: error[bad-status]: status 'retired' is not one of active, leave, exempt",
        "roster.csv:6: error[duplicate-email]: ada@example.com already appears on line 2",
        "roster.csv:7: error[missing-reason]: status 'leave' needs the reason in the note column",
        "roster.csv:8: error[bad-employment]: "
        "employment 'intern' is not one of employee, contractor",
        "roster.csv:9: error[bad-email]: 'not-an-email' is not an email address: "
        "it needs exactly one '@'",
    ]


def test_bad_header_and_ragged_rows() -> None:
    assert problems("email,name\n") == [
        "roster.csv:1: error[bad-header]: missing column(s) start_date; required: email, "
        "name (or first_name and last_name), start_date; optional: department, title, "
        "manager_email, roles, end_date, status, employment, note"
    ]
    assert problems(HEADER + "a@example.com,A\n") == [
        "roster.csv:2: error[bad-row]: 2 cells, but the header has 9 columns"
    ]
    assert problems("") == ["roster.csv:1: error[empty]: the file is empty"]


def test_multiline_quoted_cell_keeps_line_numbers() -> None:
    text = HEADER + '"a@example.com","A\nB",Eng,engineer,2026-01-01,,active,employee,\n'
    text += "b@example.com,B,Eng,nobody,2026-01-01,,active,employee,\n"
    assert problems(text)[0].startswith("roster.csv:4: error[unknown-role]")


def test_plan_changes_add_update_unchanged() -> None:
    rows = parse_roster(
        HEADER
        + GOOD
        + "bo@example.com,Bo,Sales,manager,2025-01-01,2026-06-30,active,employee,\n"
        + "cy@example.com,Cy,Sales,manager,2025-01-01,,exempt,employee,board member\n",
        ROLES,
    )
    existing = {
        "bo@example.com": {
            "name": "Bo",
            "department": "Sales",
            "roles": "engineer",
            "start_date": "2025-01-01",
            "end_date": "",
            "status": "active",
            "employment": "employee",
            "note": "",
        },
        "cy@example.com": dict(rows[2].values()),
    }
    add, update, same = plan_changes(rows, existing)
    assert add.kind == "add" and add.fields["roles"] == ("", "engineer;manager")
    assert update.fields == {"roles": ("engineer", "manager"), "end_date": ("", "2026-06-30")}
    assert update.describe() == (
        "update bo@example.com: roles 'engineer' -> 'manager', end_date '' -> '2026-06-30'"
    )
    assert same.kind == "unchanged"
