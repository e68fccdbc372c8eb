"""Reports speak in names as well as ids, and a filter that names nothing is an error (issue 19).

Every report has a human column beside each id (person name, module title, question prompt,
choice text, role title) in text, CSV and JSON; a filter naming no module, department, role,
manager or person exits 1 naming it with the closest match; an empty result for a filter
that does exist says so in words.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result

from builder.store.database import Store, resolve_database_url
from tests.reports_data import AS_OF, XSS, make_project, populate, run


@pytest.fixture
def report(tmp_path: Path):
    """`run` bound to a populated SQLite store and the synthetic project."""
    project = make_project(tmp_path / "project")
    url = resolve_database_url(tmp_path, str(tmp_path / "records.db"))
    store = Store(url)
    store.migrate()
    populate(store)
    store.close()

    def invoke(*args: str) -> Result:
        return run(project, url, *args)

    return invoke


def rows_of(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def table(result: Result) -> list[list[str]]:
    """A text table's header and rows, split on runs of two or more spaces."""
    assert result.exit_code == 0, result.output
    import re

    return [re.split(r"\s{2,}", line.strip()) for line in result.stdout.splitlines()]


# -- 1. a human column beside each id, in every format -------------------------------------


def test_due_names_the_person_and_the_module(report) -> None:
    args = ("due", "--as-of", AS_OF, "--person", "ada@example.com", "--status", "overdue")
    (row,) = json.loads(report(*args, "--format", "json").stdout)
    assert (row["email"], row["name"], row["module"], row["module_title"]) == (
        "ada@example.com", "Ada Lovelace", "aup", "Aup")  # fmt: skip
    assert rows_of(report(*args, "--format", "csv")) == [{
        "email": "ada@example.com", "name": "Ada Lovelace", "department": "Engineering",
        "module": "aup", "module_title": "Aup", "rule": "annual", "due": "2026-06-01",
        "status": "overdue", "completed": "2025-06-01", "campaign": "",
    }]  # fmt: skip
    text = table(report(*args))
    assert text[0] == ["email", "name", "department", "module", "module_title", "rule", "due",
                       "status", "completed", "campaign"]  # fmt: skip
    assert text[1] == ["ada@example.com", "Ada Lovelace", "Engineering", "aup", "Aup", "annual",
                       "2026-06-01", "overdue", "2025-06-01"]  # fmt: skip


def test_due_keeps_names_formula_safe_in_csv_and_short_in_text(report) -> None:
    args = ("due", "--as-of", AS_OF, "--person", "xss@example.com", "--module", "phishing")
    (row,) = rows_of(report(*args, "--format", "csv"))
    assert row["name"] == XSS and row["module_title"] == "Phishing"
    text = table(report(*args))
    assert text[1][1] == XSS[:23] + "…"  # a long name is cut in the text table only
    (eve,) = rows_of(report("due", "--as-of", AS_OF, "--person", "eve@example.com",
                            "--module", "aup", "--format", "csv"))  # fmt: skip
    assert eve["department"] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize("by", ["role", "module"])
def test_completion_gives_each_group_its_title(report, by: str) -> None:
    titles = {"role": {"all-staff": "All staff", "engineer": "Engineer"},
              "module": {"aup": "Aup", "phishing": "Phishing",
                         "secure-coding": "Secure Coding"}}[by]  # fmt: skip
    args = ("completion", "--by", by, "--as-of", AS_OF)
    got = json.loads(report(*args, "--format", "json").stdout)
    assert {r["group"]: r["title"] for r in got} == titles
    assert {r["group"]: r["title"] for r in rows_of(report(*args, "--format", "csv"))} == titles
    text = table(report(*args))
    assert text[0][:3] == ["group", "title", "people"]
    assert {r[0]: r[1] for r in text[1:]} == titles


def test_completion_by_department_needs_no_second_name_column(report) -> None:
    args = ("completion", "--as-of", AS_OF)
    assert table(report(*args))[0][:2] == ["group", "people"]
    assert list(rows_of(report(*args, "--format", "csv"))[0])[:2] == ["group", "people"]
    rows = json.loads(report(*args, "--format", "json").stdout)
    assert all(r["title"] == r["group"] for r in rows)  # JSON keeps one shape


def test_questions_show_the_prompt_and_the_choice_texts(report) -> None:
    args = ("questions", "--module", "phishing", "--flagged", "--as-of", AS_OF)
    (row,) = json.loads(report(*args, "--format", "json").stdout)
    assert (row["module_title"], row["question"], row["prompt"]) == (
        "Phishing", "gift-cards", "Prompt of gift-cards?")  # fmt: skip
    assert (row["top_wrong_choice"], row["top_wrong_text"]) == ("buy", "choice buy")
    assert [(c["id"], c["text"]) for c in row["choices"]] == [
        ("verify", "choice verify"), ("buy", "choice buy"), ("reply", "choice reply")]  # fmt: skip
    (line,) = rows_of(report(*args, "--format", "csv"))
    assert (line["module_title"], line["prompt"], line["top_wrong_text"]) == (
        "Phishing", "Prompt of gift-cards?", "choice buy")  # fmt: skip
    text = table(report(*args))
    header = text[0]
    cells = dict(zip(header, text[1], strict=False))
    assert header[:5] == ["module", "module_title", "version", "question", "prompt"]
    assert (cells["module_title"], cells["prompt"], cells["top_wrong_text"]) == (
        "Phishing", "Prompt of gift-cards?", "choice buy")  # fmt: skip


def test_feedback_names_the_module_and_the_person(report) -> None:
    args = ("feedback", "--as-of", AS_OF)
    rows = json.loads(report(*args, "--format", "json").stdout)
    assert [(r["module_title"], r["from"], r["name"]) for r in rows] == [
        ("Phishing", "anonymous", None), ("Phishing", "bob@example.com", "Bob")]  # fmt: skip
    assert [(r["module_title"], r["from"], r["name"])
            for r in rows_of(report(*args, "--format", "csv"))] == [
        ("Phishing", "anonymous", ""), ("Phishing", "bob@example.com", "Bob")]  # fmt: skip
    text = report(*args).stdout.splitlines()
    assert text[0] == "phishing: Phishing"
    assert text[4] == "    2026-06-04 Bob <bob@example.com>: What about QR codes?"


def test_exports_carry_the_module_title(report) -> None:
    window = ("export", "--from", "2026-01-01", "--to", "2026-06-30", "--as-of", AS_OF)
    records = rows_of(report(*window))
    assert {(r["module"], r["module_title"]) for r in records} == {
        ("phishing", "Phishing"), ("exit", "Exit")}  # fmt: skip
    assert all(r["name"] for r in records)
    lines = report(*window, "--format", "jsonl").stdout.splitlines()
    assert {json.loads(x)["module_title"] for x in lines} == {"Phishing", "Exit"}
    hires = (*window, "--population", "new-hires")
    assert {(r["name"], r["module_title"]) for r in rows_of(report(*hires))} == {
        ("Bob", "Phishing"), ("Bob", "Aup"), (XSS, "Phishing"), (XSS, "Aup")}  # fmt: skip
    pop = [json.loads(x) for x in report(*hires, "--format", "jsonl").stdout.splitlines()]
    assert {(r["name"], r["module_title"]) for r in pop} == {
        ("Bob", "Phishing"), ("Bob", "Aup"), (XSS, "Phishing"), (XSS, "Aup")}  # fmt: skip


# -- 2. a filter that names nothing is an error with the closest match ---------------------

UNKNOWN = [
    (("due", "--department", "Enginering"),
     "no department 'Enginering' on the roster; did you mean 'Engineering'?"),
    (("due", "--module", "phishng"), "no module 'phishng' in the course; did you mean 'phishing'?"),
    (("due", "--role", "enginer"), "no role 'enginer' in the course; did you mean 'engineer'?"),
    (("due", "--person", "ada@exmple.com"),
     "no person with email 'ada@exmple.com' on the roster; did you mean 'ada@example.com'?"),
    (("due", "--manager", "ada@exmple.com"),
     "no person with email 'ada@exmple.com' on the roster; did you mean 'ada@example.com'?"),
    (("completion", "--department", "sales"),
     "no department 'sales' on the roster; did you mean 'Sales'?"),
    (("completion", "--role", "all-stuff"),
     "no role 'all-stuff' in the course; did you mean 'all-staff'?"),
    (("completion", "--module", "secure-code"),
     "no module 'secure-code' in the course; did you mean 'secure-coding'?"),
    (("completion", "--manager", "bobb@example.com"),
     "no person with email 'bobb@example.com' on the roster; did you mean 'bob@example.com'?"),
    (("questions", "--module", "phising"),
     "no module 'phising' in the course; did you mean 'phishing'?"),
    (("feedback", "--module", "aupp"), "no module 'aupp' in the course; did you mean 'aup'?"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), UNKNOWN, ids=[" ".join(a) for a, _ in UNKNOWN])
@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_an_unknown_filter_exits_1_naming_it_and_the_closest_match(
    report, args: tuple[str, ...], message: str, fmt: str
) -> None:
    result = report(*args, "--as-of", AS_OF, "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"


def test_with_nothing_close_the_error_lists_what_exists(report) -> None:
    result = report("completion", "--department", "Nope")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no department 'Nope' on the roster; known departments: =HYPERLINK(\"x\"), "
        "Engineering, Sales, Support\n"
    )
    nobody = report("due", "--person", "zz@zz.zz")
    assert nobody.exit_code == 1
    assert nobody.stderr == (
        "Error: no person with email 'zz@zz.zz' on the roster; check the spelling, or import "
        "the roster that has them\n"
    )


def test_a_module_gone_from_the_course_with_records_is_still_a_filter(
    report, tmp_path: Path
) -> None:
    manifest = tmp_path / "project" / ".trustpath" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["modules"]["phishing"]
    manifest.write_text(json.dumps(data))
    result = report("questions", "--module", "phishing", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["module_title"] for r in json.loads(result.stdout)} == {""}
    assert report("due", "--module", "phishing").exit_code == 1  # due works from the course


# -- an empty result for a filter that exists says so in words ------------------------------


def test_an_empty_result_says_so(report) -> None:
    args = ("due", "--as-of", AS_OF, "--department", "Sales", "--status", "done")
    text = report(*args)
    assert text.exit_code == 0
    assert text.stdout.splitlines() == [
        "no items for department 'Sales', status 'done' as of 2026-06-15",
        "exempt: Cy <cy@example.com> (Sales): board member",
    ]
    as_json = report(*args, "--format", "json")
    assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, [])
    assert as_json.stderr == "no items for department 'Sales', status 'done' as of 2026-06-15\n"
    as_csv = report(*args, "--format", "csv")
    assert as_csv.stdout.splitlines() == [
        "email,name,department,module,module_title,rule,due,status,completed,campaign"]  # fmt: skip
    assert as_csv.stderr.startswith("no items for department 'Sales'")
    questions = report("questions", "--module", "aup", "--as-of", AS_OF)
    assert questions.stdout == "no answered questions for module 'aup' as of 2026-06-15\n"
    feedback = report("feedback", "--module", "exit", "--kind", "concern", "--as-of", AS_OF)
    assert feedback.stdout == "no feedback for module 'exit', kind 'concern' as of 2026-06-15\n"
    completion = report("completion", "--manager", "cy@example.com", "--as-of", AS_OF)
    assert completion.stdout == "no assigned items for manager 'cy@example.com' as of 2026-06-15\n"


def test_a_forgotten_person_is_neither_a_filter_nor_a_suggestion(report) -> None:
    assert report("forget", "ada@example.com").exit_code == 0
    result = report("due", "--person", "ada@example.com")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no person with email 'ada@example.com' on the roster")
    assert "erased:" not in result.stderr
    assert "did you mean 'erased:" not in report("due", "--manager", "erased:").stderr
