"""`records due --format csv` text: byte for byte what csv.writer writes of the safe cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.lifecycle.due import DueItem
from builder.markup import safe_cell
from builder.reports.due import DUE_COLUMNS, due_csv

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r=+-@\t;é')), max_size=8)
DAY = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))


def reference(items: list[DueItem], titles: dict[str, str]) -> str:
    """The writer the fast path replaced: csv.writer over each row's safe cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DUE_COLUMNS)
    for i in items:
        writer.writerow(
            [safe_cell(v) for v in (i.email, i.name, i.department, i.module)]
            + [safe_cell(titles.get(i.module, "")), safe_cell(i.rule)]
            + [i.due.isoformat(), safe_cell(i.status)]
            + [i.completed.isoformat() if i.completed else "", safe_cell(i.campaign or "")]
        )
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(TEXT, TEXT, TEXT, TEXT, TEXT, DAY, st.none() | DAY, st.none() | TEXT),
        max_size=6,
    ),
    st.dictionaries(TEXT, TEXT, max_size=3),
)
def test_the_due_csv_is_what_csv_writer_writes(
    rows: list[tuple[Any, ...]], titles: dict[str, str]
) -> None:
    items = [
        DueItem(
            f"p{n % 3}",
            f"{email}@x",
            name,
            dept,
            module,
            1,
            "annual",
            due,
            "overdue",
            done,
            campaign,
        )
        for n, (email, name, dept, module, _, due, done, campaign) in enumerate(rows)
    ]
    # one person's cells are quoted once: give each person id one email, name and department
    first = {i.person_id: i for i in reversed(items)}
    items = [
        i._replace(email=who.email, name=who.name, department=who.department)
        for i in items
        for who in (first[i.person_id],)
    ]
    assert due_csv(items, titles) == reference(items, titles)


def test_formulas_are_defused_and_empty_cells_stay_empty() -> None:
    item = DueItem("p1", "=cmd@x", "+Ann, \"A\"", "-Ops", "m1", 1, "annual",
                   dt.date(2026, 3, 1), "overdue")  # fmt: skip
    text = due_csv([item], {"m1": "@SUM(A1)"})
    assert text.splitlines()[1] == (
        '\'=cmd@x,"\'+Ann, ""A""",\'-Ops,m1,\'@SUM(A1),annual,2026-03-01,overdue,,'
    )
    assert text == reference([item], {"m1": "@SUM(A1)"})
