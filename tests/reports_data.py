"""A small synthetic project, roster and ledger for the report tests (fixed dates)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from click.testing import CliRunner, Result

from builder.cli.records import records
from builder.lifecycle.roster import parse_roster
from builder.store import seed
from builder.store.database import Store
from builder.store.queries import import_roster

AS_OF = "2026-06-15"
XSS = "<img src=x onerror=alert(1)>"


def _q(qid: str, correct: str, *others: str) -> dict[str, Any]:
    ids = [correct, *others]
    return {
        "id": qid, "type": "single", "prompt": f"Prompt of {qid}?",
        "choices": [{"id": c, "text": f"choice {c}", "correct": c == correct} for c in ids],
        "correct": [correct], "explain": "",
    }  # fmt: skip


def _module(
    mid: str,
    version: int,
    when: list[str],
    roles: list[str],
    criteria: list[str],
    quiz: list[dict[str, Any]] | None = None,
    ack: bool = False,
    review_by: str = "2027-12-31",
) -> dict[str, Any]:
    return {
        "id": mid, "title": mid.replace("-", " ").title(), "version": version,
        "content_sha256": f"{mid}{version}".ljust(64, "0"), "criteria": criteria, "roles": roles,
        "when": when, "retrain_on_change": True, "review_by": review_by, "owner": "sec@x",
        "quiz": {"pass_mark": 80, "reveal": "after_pass", "questions": quiz} if quiz else None,
        "acknowledge": {"statement": "I agree", "statement_sha256": "1" * 64} if ack else None,
    }  # fmt: skip


MODULES = [
    _module(
        "phishing",
        2,
        ["onboarding", "annual"],
        ["all-staff"],
        ["CC2.2"],
        quiz=[_q("gift-cards", "verify", "buy", "reply"), _q("report", "false", "true")],
        review_by="2026-03-31",
    ),
    _module("aup", 1, ["onboarding", "annual"], ["all-staff"], ["CC1.1"], ack=True),
    _module(
        "secure-coding",
        1,
        ["onboarding"],
        ["engineer"],
        ["CC8.1"],
        quiz=[_q("injection", "param", "concat")],
    ),
    _module("exit", 1, ["offboarding"], ["all-staff"], ["CC6.2"], ack=True),
]
STAFF = ["phishing", "aup", "exit"]
MANIFEST: dict[str, Any] = {
    "format": 1, "built_at": "2026-01-01T00:00:00Z", "commit": "abc1234",
    "settings": {"onboarding_days": 30, "grace_days": 30, "due_soon_days": 14},
    "criteria": {},
    "modules": {m["id"]: m for m in MODULES},
    "roles": {
        "all-staff": {"id": "all-staff", "title": "All staff", "extends": [],
                      "ancestry": ["all-staff"], "departments": [], "criteria": ["CC1.1", "CC2.2"],
                      "path": [{"module": m, "stage": "onboarding"} for m in STAFF]},
        "engineer": {"id": "engineer", "title": "Engineer", "extends": ["all-staff"],
                     "ancestry": ["engineer", "all-staff"], "departments": ["Engineering"],
                     "criteria": ["CC8.1", "CC6.1"],
                     "path": [{"module": m, "stage": "onboarding"}
                              for m in [*STAFF, "secure-coding"]]},
    },
}  # fmt: skip
ROSTER = f"""email,name,department,roles,start_date,end_date,status,employment,note
ada@example.com,Ada Lovelace,Engineering,engineer,2025-01-06,,active,employee,
bob@example.com,Bob,Sales,all-staff,2026-06-01,,active,contractor,
xss@example.com,{XSS},Support,all-staff,2026-05-20,,active,employee,
cy@example.com,Cy,Sales,all-staff,2024-01-01,,exempt,employee,board member
dee@example.com,Dee,Sales,all-staff,2024-01-01,2026-06-10,active,employee,
eve@example.com,Eve,=HYPERLINK("x"),all-staff,2024-01-01,,active,employee,
"""


def make_project(root: Path) -> Path:
    """A project folder with mkdocs.yml and a built course manifest."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: content\nplugins:\n  - trustpath:\n      onboarding_days: 30\n"
    )
    (root / ".trustpath").mkdir(exist_ok=True)
    (root / ".trustpath" / "manifest.json").write_text(json.dumps(MANIFEST))
    return root


def t(day: str) -> str:
    return f"{day}T10:00:00.000000Z"


def ids(store: Store) -> dict[str, str]:
    with store.transaction() as conn:
        return dict(conn.exec_driver_sql("SELECT email, person_id FROM people").all())  # type: ignore[arg-type]


def populate(store: Store) -> dict[str, str]:
    """Roster plus a ledger that exercises every report; returns email -> person id."""
    rows = parse_roster(ROSTER, set(MANIFEST["roles"]))
    import_roster(store, rows, dt.date(2024, 1, 1))
    p = ids(store)
    ok = [
        {"id": "gift-cards", "selected": ["verify"], "correct": True},
        {"id": "report", "selected": ["false"], "correct": True},
    ]
    bad = [
        {"id": "gift-cards", "selected": ["buy"], "correct": False},
        {"id": "report", "selected": ["false"], "correct": True},
    ]
    recs = [
        seed.attempt(p["ada@example.com"], "phishing", 2, t("2026-01-10"), True, 1.0, ok,
                     client_id="11111111-1111-4111-8111-111111111111", criteria=["CC2.2"]),
        seed.ack(p["ada@example.com"], "aup", 1, t("2025-06-01")),
        seed.attempt(p["ada@example.com"], "secure-coding", 1, t("2025-01-20"), True, 1.0,
                     [{"id": "injection", "selected": ["param"], "correct": True}]),
        seed.attempt(p["bob@example.com"], "phishing", 2, t("2026-06-02"), False, 0.5, bad),
        seed.attempt(p["xss@example.com"], "phishing", 2, t("2026-06-03"), False, 0.5, bad),
        seed.attempt(p["eve@example.com"], "phishing", 1, t("2025-09-01"), True, 1.0, ok),
        seed.ack(p["dee@example.com"], "exit", 1, t("2026-06-09")),
        seed.feedback(p["bob@example.com"], "phishing", 2, t("2026-06-04"), "question",
                      "What about QR codes?"),
        seed.feedback(None, "phishing", 2, t("2026-06-05"), "concern", XSS, anonymous=True),
    ]  # fmt: skip
    for _ in range(4):  # enough misses on gift-cards to flag it
        recs.append(
            seed.attempt(p["bob@example.com"], "phishing", 2, t("2026-06-02"), False, 0.5, bad)
        )
    seed.append_records(store, recs)
    seed.record_version(store, "phishing", 1, t("2025-01-01"))
    seed.record_version(store, "phishing", 2, t("2026-06-01"))
    return p


def run(project: Path, url: str, *args: str) -> Result:
    """`trustpath records --database URL ARGS…` in-process."""
    return CliRunner().invoke(
        records, ["--database", url, *args], obj=SimpleNamespace(root=project)
    )
