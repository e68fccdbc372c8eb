"""The roster files of issue 12 and what reading each must give (shared by lifecycle and CLI).

Each case: (file, map or None, encoding or None, expected). `expected` is either the list of
`email roles start end status employment` summaries of the rows, or the exact problem lines.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "roster"
ROLES = ["all-staff", "engineer"]
RULES = [
    {"employment": "*", "roles": ["all-staff"]},
    {"department": "Engineering", "roles": ["engineer"]},
]
NOT_UTF8 = (
    "cp1252.csv:3: error[not-utf8]: byte 0xEB at offset 118 (line 3, column 19) is not UTF-8; "
    'save it as "CSV UTF-8 (Comma delimited)" (Excel: File > Save As; Google Sheets and '
    'Numbers export UTF-8), or name its encoding with --encoding (Excel\'s plain "CSV" on '
    "Windows is cp1252)"
)
AMBIGUOUS = (
    "could be month/day or day/month; give the map a date_format ('%m/%d/%Y' for US dates, "
    "'%d/%m/%Y' otherwise) or write ISO dates like 2026-03-01"
)

CASES: list[tuple[str, str | None, str | None, list[str]]] = [
    # the shipped maps' samples
    ("bamboohr.csv", "bamboohr", None, [
        "ada.lovelace@example.com all-staff;engineer 2024-03-15 - active employee",
        "bob@example.com all-staff 2023-11-02 2026-06-30 active employee",
        "cy@example.com all-staff 2025-01-09 - active contractor",
    ]),
    ("gusto.csv", "gusto", None, [
        "dee@example.com all-staff;engineer 2025-02-01 - active employee",
        "eve@example.com all-staff 2024-12-15 - active employee",
    ]),
    ("rippling.csv", "rippling", None, [
        "fay@example.com all-staff;engineer 2023-04-01 - active employee",
        "gus@example.com all-staff;engineer 2024-09-12 - leave employee",
        "hal@example.com all-staff 2025-01-06 2026-05-31 active contractor",
    ]),
    ("hibob.csv", "hibob", None, [
        "ivy@example.com all-staff;engineer 2025-11-23 - active employee",
        "jon@example.com all-staff;engineer 2022-02-01 - active employee",
    ]),
    # real-world files
    ("bom.csv", None, None, ["ada@example.com engineer;all-staff 2026-01-12 - active employee"]),
    ("crlf.csv", None, None, [
        "crlf.csv:3: error[unknown-role]: unknown role 'enginer'; did you mean 'engineer'?",
    ]),
    ("lone-cr.csv", None, None, [
        "lone-cr.csv:3: error[bad-date]: start_date '2026-13-01' is not a real date",
    ]),
    ("cp1252.csv", None, None, [NOT_UTF8]),
    ("cp1252.csv", None, "cp1252", [
        "ada@example.com engineer;all-staff 2026-01-12 - active employee",
        "zoe@example.com all-staff 2026-02-01 - active employee",
    ]),
    ("semicolons.csv", None, None, [
        "ada@example.com engineer;all-staff 2026-01-12 - active employee",
        "bob@example.com all-staff 2026-02-01 - active employee",
    ]),
    ("quoted-newline.csv", None, None, [
        "quoted-newline.csv:4: error[bad-email]: 'not-an-email' is not an email address: "
        "it needs exactly one '@'",
    ]),
    ("us-dates.csv", None, None, [
        f"us-dates.csv:2: error[ambiguous-date]: start_date '03/15/2024' {AMBIGUOUS}",
        f"us-dates.csv:3: error[ambiguous-date]: start_date '04/05/2024' {AMBIGUOUS}",
        f"us-dates.csv:3: error[ambiguous-date]: end_date '12/31/2026' {AMBIGUOUS}",
    ]),
    ("us-dates.csv", "us-dates.yml", None, [
        "ada@example.com engineer;all-staff 2024-03-15 - active employee",
        "bob@example.com all-staff 2024-04-05 2026-12-31 active employee",
    ]),
    ("status-synonyms.csv", "status-synonyms.yml", None, [
        "ada@example.com all-staff;engineer 2024-03-15 - active employee",
        "bob@example.com all-staff 2023-11-02 - leave employee",
        "cy@example.com all-staff 2022-01-10 2026-04-30 active employee",
        "dee@example.com all-staff 2022-01-10 - leave employee",
    ]),
    ("invisible.csv", None, None, [
        "invisible.csv:2: error[bad-email]: 'ada@example.com<U+200B>' is not an email address: "
        "it contains an invisible character U+200B (ZERO WIDTH SPACE); retype the address",
    ]),
    ("control.csv", None, None, [
        "control.csv:2: error[control-character]: name holds the control character U+001B at "
        "character 4: remove it in the HR system and export again",
        "control.csv:3: error[control-character]: department holds the control character "
        "U+001B at character 6: remove it in the HR system and export again",
    ]),
    ("duplicate-case.csv", None, None, [
        "duplicate-case.csv:3: error[duplicate-email]: ada@example.com already appears on line 2",
    ]),
    ("manager-loop.csv", None, None, [
        "manager-loop.csv:2: error[manager-loop]: manager loop: ann@example.com (line 2) -> "
        "cat@example.com (line 4) -> ben@example.com (line 3) -> ann@example.com (line 2); "
        "fix manager_email on one of these lines",
    ]),
]  # fmt: skip


def case_id(case: tuple[str, str | None, str | None, list[str]]) -> str:
    """`file[+map][+encoding]` for pytest ids."""
    name, rmap, encoding, _ = case
    return "+".join(p for p in (name, rmap, encoding) if p)
