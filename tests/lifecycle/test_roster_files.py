"""The one roster reader on real-world files: maps, encodings, delimiters, line ends, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from builder.lifecycle.role_rules import parse_role_rules
from builder.lifecycle.roster import (
    RosterError,
    RosterRow,
    SyncLimitExceeded,
    parse_roster,
    plan_changes,
    read_roster,
)
from builder.lifecycle.roster_map import RosterMap, builtin_map, builtin_names, parse_map
from tests.lifecycle.roster_cases import CASES, FIXTURES, ROLES, RULES, case_id


def summary(row: RosterRow) -> str:
    end = row.end_date.isoformat() if row.end_date else "-"
    return (
        f"{row.email} {';'.join(row.roles)} {row.start_date.isoformat()} {end} "
        f"{row.status} {row.employment}"
    )


def the_map(name: str | None) -> RosterMap | None:
    if name is None:
        return None
    if name.endswith(".yml"):
        return parse_map((FIXTURES / name).read_text("utf-8"), name)
    return builtin_map(name)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_each_file_reads_to_its_exact_result(
    case: tuple[str, str | None, str | None, list[str]],
) -> None:
    name, map_name, encoding, expected = case
    rules = parse_role_rules(RULES, ROLES)
    data = (FIXTURES / name).read_bytes()
    try:
        roster = read_roster(data, ROLES, name, the_map(map_name), rules, encoding)
    except RosterError as exc:
        assert [str(p) for p in exc.problems] == expected
        return
    assert [summary(r) for r in roster.rows] == expected


def test_every_builtin_map_has_a_sample_that_imports() -> None:
    tested = {m for _, m, _, expected in CASES if m and not m.endswith(".yml")}
    assert tested == set(builtin_names()) and len(tested) >= 3


def test_mapped_fields_title_manager_and_hr_wording_as_reason() -> None:
    rules = parse_role_rules(RULES, ROLES)
    data = (FIXTURES / "rippling.csv").read_bytes()
    fay, gus, hal = read_roster(data, ROLES, "r.csv", builtin_map("rippling"), rules).rows
    assert (fay.name, fay.title, fay.manager_email) == ("Fay Fox", "Engineering Manager", "")
    assert (gus.manager_email, gus.status, gus.note) == ("fay@example.com", "leave", "On leave")
    assert hal.status == "active" and hal.end_date == dt.date(2026, 5, 31)  # Terminated: a leaver


def test_encoding_and_separator_are_reported() -> None:
    read = read_roster((FIXTURES / "bom.csv").read_bytes(), ROLES, "bom.csv")
    assert read.text.describe() == "UTF-8 with BOM, comma-separated"
    read = read_roster((FIXTURES / "semicolons.csv").read_bytes(), ROLES, "s.csv")
    assert read.text.describe() == "UTF-8, semicolon-separated"
    utf16 = "email\tname\troles\tstart_date\r\na@example.com\tA\tengineer\t2026-01-01\r\n"
    read = read_roster(utf16.encode("utf-16"), ROLES, "u.txt")
    assert read.text.describe() == "UTF-16, tab-separated"
    assert [r.email for r in read.rows] == ["a@example.com"]


def test_a_wrong_encoding_name_and_bytes_it_cannot_decode() -> None:
    with pytest.raises(RosterError) as info:
        read_roster(b"email\n", ROLES, "x.csv", encoding="klingon")
    assert [str(p) for p in info.value.problems] == [
        "x.csv:1: error[bad-encoding]: unknown encoding 'klingon'"
    ]
    with pytest.raises(RosterError) as info:
        read_roster("email\nzoë\n".encode("cp1252"), ROLES, "x.csv", encoding="ascii")
    assert [str(p) for p in info.value.problems] == [
        "x.csv:2: error[bad-encoding]: byte 0xEB at offset 8 (line 2, column 3) is not valid "
        "ascii; check the --encoding"
    ]


def test_trailing_empty_rows_and_spaces_are_ignored() -> None:
    text = " email , name ,roles,start_date\n"
    text += "  ada@example.com , Ada ,  engineer ;  ,2026-01-05\n,,,\n\n"
    (row,) = parse_roster(text, ROLES)
    assert (row.email, row.name, row.roles, row.line) == (
        "ada@example.com",
        "Ada",
        ("engineer",),
        2,
    )


def test_a_mapped_column_missing_from_the_file_is_a_line_1_error() -> None:
    rmap = builtin_map("bamboohr")
    text = "work email,First Name,Last Name,Hire Date\nx@example.com,X,Y,01/02/2025\n"
    with pytest.raises(RosterError) as info:
        parse_roster(text, ROLES, "b.csv", rmap)
    assert [str(p) for p in info.value.problems] == [
        "b.csv:1: error[bad-header]: the map bamboohr names column(s) the file lacks: "
        "'Work Email' (for email) (the file has 'work email': headers match exactly), "
        "'Department' (for department), 'Job Title' (for title), 'Termination Date' (for "
        "end_date), 'Employment Status' (for employment); the file's columns: work email, "
        "First Name, Last Name, Hire Date"
    ]


def test_an_hr_header_without_a_map_points_at_maps() -> None:
    with pytest.raises(RosterError) as info:
        read_roster((FIXTURES / "bamboohr.csv").read_bytes(), ROLES, "b.csv")
    (problem,) = info.value.problems
    assert problem.code == "bad-header" and problem.line == 1
    assert "import it with --map NAME (built in: bamboohr, gusto, hibob, rippling)" in str(problem)


def test_value_not_in_the_map_and_left_without_end_date() -> None:
    rmap = parse_map((FIXTURES / "status-synonyms.yml").read_text(), "s.yml")
    text = "Work Email,Full Name,Team,Hired,Left,Status\n"
    text += (
        "a@example.com,A,Sales,2024-01-01,,Retired\nb@example.com,B,Sales,2024-01-01,,Terminated\n"
    )
    rules = parse_role_rules(RULES, ROLES)
    with pytest.raises(RosterError) as info:
        parse_roster(text, ROLES, "s.csv", rmap, rules)
    assert [str(p) for p in info.value.problems] == [
        "s.csv:2: error[bad-status]: status 'Retired' is not one of active, leave, exempt; add "
        "it to the map's values.status",
        "s.csv:3: error[left-without-end]: status 'Terminated' means the person left: give "
        "end_date",
    ]


def test_date_format_mismatch_names_the_format() -> None:
    rmap = parse_map((FIXTURES / "us-dates.yml").read_text(), "us.yml")
    text = "email,name,department,roles,start_date,end_date\n"
    text += (
        "a@example.com,A,Sales,all-staff,2024-31-12,\nb@example.com,B,Sales,all-staff,15.03.2024,\n"
    )
    with pytest.raises(RosterError) as info:
        parse_roster(text, ROLES, "d.csv", rmap)
    assert [str(p) for p in info.value.problems] == [
        "d.csv:2: error[bad-date]: start_date '2024-31-12' is not a real date",
        "d.csv:3: error[bad-date]: start_date '15.03.2024' does not match date_format "
        "'%m/%d/%Y' (like 03/01/2026)",
    ]


def test_no_role_from_the_file_or_any_rule() -> None:
    rules = parse_role_rules([{"department": "Eng*", "roles": ["engineer"]}], ROLES)
    text = "email,name,department,start_date\na@example.com,A,Sales,2024-01-01\n"
    with pytest.raises(RosterError) as info:
        parse_roster(text, ROLES, "r.csv", rules=rules)
    assert [str(p) for p in info.value.problems] == [
        "r.csv:2: error[no-role]: no role: the roles column is empty and no role_rules entry "
        "matches (department 'Sales', employment 'employee')"
    ]


def test_sync_plans_ends_and_stops_past_the_share() -> None:
    rows = parse_roster(
        "email,name,roles,start_date\n"
        + "".join(f"p{i}@example.com,P{i},engineer,2024-01-01\n" for i in range(8)),
        ROLES,
    )
    stored = {r.email: r.values() for r in rows}
    existing = dict(stored)
    existing["gone@example.com"] = dict(stored["p0@example.com"], status="leave")
    existing["left@example.com"] = dict(stored["p0@example.com"], end_date="2025-01-01")
    day = dt.date(2026, 6, 1)
    changes = plan_changes(rows, existing, sync=True, effective=day)
    (end,) = [c for c in changes if c.kind == "end"]
    assert end.describe() == (
        "end gone@example.com (not in the file): end_date '' -> '2026-06-01', "
        "status 'leave' -> 'active'"
    )
    with pytest.raises(SyncLimitExceeded) as info:
        plan_changes(rows[:4], existing, sync=True, effective=day)
    assert str(info.value) == (
        "the sync would end 5 of 9 people (56 %), more than the 20 % limit; check that the "
        "file is the whole workforce, or pass --force"
    )
    forced = plan_changes(rows[:4], existing, sync=True, effective=day, max_end_share=None)
    assert sum(c.kind == "end" for c in forced) == 5
