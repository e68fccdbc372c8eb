"""A real git project for the compliance lead's loop (issue 13): content, roles, a roster with
managers, a workshop, a policy version bump committed later, and a ledger with fixed dates.

The window 2026-02-01..2026-03-31 has new hires (bob, dan), a leaver (cy), a policy version
bump (aup v1 -> v2, committed and published 2026-03-01) and a workshop (incident-drill): ada
attended 60 minutes, dan 30 (below `min_minutes: 45`). Managers: mia (ada, bob, eve) and max
(cy, dan). As of 2026-04-15, dan, eve, mia and max have overdue items.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

from builder.lifecycle.roster import parse_roster
from builder.store import seed
from builder.store.database import Store
from builder.store.queries import import_roster
from tests.reports_data import ids, run

__all__ = ["AS_OF", "END", "START", "make_git_project", "populate", "run"]
START, END, AS_OF = "2026-02-01", "2026-03-31", "2026-04-15"

MKDOCS = """site_name: Acme training
site_url: https://training.acme.test/
docs_dir: content
plugins:
  - trustpath:
      roles_dir: roles
      organisation: Acme Corp
      reminders: {from: training@acme.test, every_days: 7}
"""
ROLES = {
    "all-staff.yml": "id: all-staff\ntitle: Everyone\ndescription: Everyone.\n"
    "criteria: [CC2.2, CC1.1]\n",
    "engineer.yml": "id: engineer\ntitle: Engineer\ndescription: Builds the product.\n"
    "extends: [all-staff]\ndepartments: [Engineering]\ncriteria: [CC7.4]\n",
}
PHISHING = """---
id: phishing
title: Spotting phishing
summary: Recognise lures and report them.
version: 1
criteria: [CC2.2]
roles: [all-staff]
when: [onboarding, annual]
duration: 15
owner: security@acme.test
objective: Fewer successful phishing attempts.
quiz:
  pass_mark: 50
  questions:
    - id: report
      type: single
      prompt: You clicked a phishing link. What now?
      choices:
        - {id: hide, text: Say nothing, correct: false}
        - {id: report, text: Report it to security at once, correct: true}
      explain: Report at once; speed limits the damage.
---
# Spotting phishing

Lures come by email, phone and text. Report anything suspicious to security.
"""
AUP = """---
id: aup
title: Acceptable use policy
summary: The rules for company devices and accounts.
version: {version}
criteria: [CC1.1]
roles: [all-staff]
when: [onboarding, annual]
owner: security@acme.test
objective: Everyone knows and follows the acceptable use policy.
acknowledge:
  statement: {statement}
---
# Acceptable use policy

Use company devices and accounts for company work. {extra}
"""
DRILL = """---
id: incident-drill
title: Incident response drill
summary: A live tabletop exercise of our incident response plan.
version: 1
criteria: [CC7.4]
roles: [engineer]
when: [onboarding, annual]
duration: 60
owner: security@acme.test
objective: Engineers know their part in an incident.
delivery: workshop
min_minutes: 45
---
# Incident response drill

## Agenda

1. The scenario (10 minutes)
2. Triage and escalation (30 minutes)
3. Debrief (20 minutes)

## Facilitator notes

Keep time; make sure every participant speaks during triage.
"""
EXIT = """---
id: exit
title: Leaving Acme
summary: Returning equipment and access when you leave.
version: 1
criteria: [CC6.2]
roles: [all-staff]
when: [offboarding]
owner: it@acme.test
objective: Leavers return equipment and lose access on their last day.
acknowledge:
  statement: I have returned my equipment and will not keep company data.
---
# Leaving Acme

Return your laptop and badge on your last day.
"""
AUP_V1 = {"version": 1, "statement": "I will follow the acceptable use policy.", "extra": ""}
AUP_V2 = {
    "version": 2,
    "statement": "I will follow the acceptable use policy, including the AI tools rule.",
    "extra": "Do not paste customer data into AI tools.",
}
ROSTER = """email,name,department,roles,start_date,end_date,status,employment,manager_email
ada@acme.test,Ada Lovelace,Engineering,engineer,2025-01-06,,active,employee,mia@acme.test
bob@acme.test,Bob Builder,Sales,all-staff,2026-03-02,,active,employee,mia@acme.test
cy@acme.test,Cy Young,Sales,all-staff,2024-01-01,2026-03-20,active,employee,max@acme.test
dan@acme.test,Dan Brown,Engineering,engineer,2026-02-16,,active,employee,max@acme.test
mia@acme.test,Mia Manager,Sales,all-staff,2024-01-01,,active,employee,
max@acme.test,Max Manager,Engineering,all-staff,2024-01-01,,active,employee,
eve@acme.test,Eve Early,Sales,all-staff,2025-06-01,,active,employee,mia@acme.test
"""


def git(root: Path, *args: str, when: str | None = None) -> str:
    """Run git in `root` (commits dated `when`, ISO); its stdout."""
    env = dict(os.environ, GIT_AUTHOR_NAME="Author", GIT_AUTHOR_EMAIL="author@acme.test",
               GIT_COMMITTER_NAME="Author", GIT_COMMITTER_EMAIL="author@acme.test")  # fmt: skip
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def make_git_project(root: Path) -> dict[str, str]:
    """The project in a git repository; returns {"v1": commit, "v2": commit} of the two
    commits (aup v1 on 2026-0105, aup v2 on 2026-03-01)."""
    (root / "content").mkdir(parents=True)
    (root / "roles").mkdir()
    (root / "mkdocs.yml").write_text(MKDOCS)
    for name, text in ROLES.items():
        (root / "roles" / name).write_text(text)
    (root / "content" / "phishing.md").write_text(PHISHING)
    (root / "content" / "incident-drill.md").write_text(DRILL)
    (root / "content" / "exit.md").write_text(EXIT)
    (root / "content" / "aup.md").write_text(AUP.format(**AUP_V1))
    (root / ".gitignore").write_text(".trustpath/\nsite/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Training content", when="2026-01-05T09:00:00Z")
    first = git(root, "rev-parse", "HEAD")
    (root / "content" / "aup.md").write_text(AUP.format(**AUP_V2))
    git(root, "commit", "-q", "-am", "AUP v2: the AI tools rule", when="2026-03-01T09:00:00Z")
    return {"v1": first, "v2": git(root, "rev-parse", "HEAD")}


def sha(root: Path, rel: str, commit: str) -> str:
    """sha256 of a file's text at a commit (what a build records as content_sha256)."""
    raw = subprocess.run(
        ["git", "show", f"{commit}:{rel}"], cwd=root, capture_output=True, check=True
    ).stdout
    return hashlib.sha256(raw).hexdigest()


def t(day: str, time: str = "10:00:00") -> str:
    return f"{day}T{time}.000000Z"


def populate(store: Store, root: Path, commits: dict[str, str]) -> dict[str, str]:
    """The roster and a ledger over the window; returns email -> person id."""
    import_roster(store, parse_roster(ROSTER, {"all-staff", "engineer"}), dt.date(2024, 1, 1))
    p = ids(store)
    v1, v2 = commits["v1"], commits["v2"]
    right = [{"id": "report", "selected": ["report"], "correct": True}]
    wrong = [{"id": "report", "selected": ["hide"], "correct": False}]
    records = [
        seed.publication("phishing", 1, t("2025-01-01"), sha(root, "content/phishing.md", v1)),
        seed.publication("aup", 1, t("2025-01-01"), sha(root, "content/aup.md", v1)),
        seed.publication("incident-drill", 1, t("2025-01-01"),
                         sha(root, "content/incident-drill.md", v1)),
        seed.publication("exit", 1, t("2025-01-01"), sha(root, "content/exit.md", v1)),
        seed.attempt(p["ada@acme.test"], "phishing", 1, t("2026-01-10"), True, 1.0, right),
        seed.ack(p["ada@acme.test"], "aup", 1, t("2025-06-01")),
        seed.attendance(p["ada@acme.test"], "incident-drill", 1, "2026-02-10", 60,
                        t("2026-02-11")),
        seed.publication("aup", 2, t("2026-03-01", "12:00:00"), sha(root, "content/aup.md", v2)),
        seed.attempt(p["bob@acme.test"], "phishing", 1, t("2026-03-03"), False, 0.0, wrong),
        seed.attempt(p["bob@acme.test"], "phishing", 1, t("2026-03-04"), True, 1.0, right),
        seed.ack(p["bob@acme.test"], "aup", 2, t("2026-03-04", "11:00:00")),
        seed.ack(p["ada@acme.test"], "aup", 2, t("2026-03-05")),
        seed.attendance(p["dan@acme.test"], "incident-drill", 1, "2026-03-10", 30,
                        t("2026-03-11")),
        seed.ack(p["cy@acme.test"], "exit", 1, t("2026-03-19")),
        seed.reminder(p["dan@acme.test"], "email", "reminder",
                      [{"module": "phishing", "version": 1, "due": "2026-03-18",
                        "status": "overdue"}], "2026-03-25", t("2026-03-25")),
    ]  # fmt: skip
    seed.append_records(store, records)
    return p


def loop_setup(
    tmp: Path, url: str | None = None
) -> tuple[Path, str, dict[str, str], dict[str, str]]:
    """(project root, database URL, commits, email -> person id): the project and its ledger
    (in SQLite under `tmp` unless `url` names an empty database)."""
    root = tmp / "project"
    commits = make_git_project(root)
    url = url or f"sqlite:///{tmp / 'records.db'}"
    store = Store(url)
    store.migrate()
    people = populate(store, root, commits)
    store.close()
    return root, url, commits, people
