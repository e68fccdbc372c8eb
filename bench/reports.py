"""Report benchmark: `records due`, `completion` and `verify` at 100,000 and 1,000,000 rows.

Generates 10,000 people on a 25-module course and appends ledger rows directly (hash chain
computed, one transaction, executemany; see `builder/records/seed.py`), then runs each command
as its own process and reads its wall time and peak memory (`os.wait4` rusage). The last line
is the growth ratio for 10x the rows. Targets at 1,000,000 rows on SQLite: `due` <= 2 s and
<= 1 GiB, `verify` (the chain and every projection re-derived) <= 15 s; growth <= 12x.

    .venv/bin/python bench/reports.py [--people 10000] [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from builder.lifecycle.roster import RosterRow  # noqa: E402
from builder.store import seed  # noqa: E402
from builder.store.database import Store  # noqa: E402
from builder.store.queries import import_roster  # noqa: E402

AS_OF = dt.date(2026, 6, 15)
MODULES = 25
ROLES = ("all-staff", "engineer", "manager", "support")
DEPARTMENTS = ("Engineering", "Sales", "Support", "Finance", "People", "IT", "Legal", "Product")


def manifest() -> dict[str, Any]:
    """25 modules for everyone (a few per role on top of 20 for all staff)."""
    modules: dict[str, Any] = {}
    for i in range(MODULES + 6):
        mid = f"m{i:02d}"
        quiz = None if i % 5 == 4 else {"pass_mark": 80, "reveal": "after_pass", "questions": [
            {"id": f"q{j}", "type": "single", "prompt": f"q{j}", "explain": "",
             "choices": [{"id": c, "text": c, "correct": c == "a"} for c in "abc"],
             "correct": ["a"]} for j in range(3)]}  # fmt: skip
        ack = {"statement": "ok", "statement_sha256": "1" * 64} if i % 5 == 4 else None
        when = ["onboarding", "quarterly" if i % 7 == 0 else "annual"]
        modules[mid] = {"id": mid, "title": f"Module {i}", "version": 2 if i % 3 == 0 else 1,
                        "content_sha256": "0" * 64, "criteria": [f"CC{1 + i % 9}.1"],
                        "roles": ["all-staff"], "when": when, "retrain_on_change": True,
                        "review_by": "2027-01-01", "quiz": quiz, "acknowledge": ack}  # fmt: skip
    staff = [f"m{i:02d}" for i in range(20)]
    extra = {"engineer": [20, 21, 22, 23, 24], "manager": [25, 26, 27, 28, 29],
             "support": [20, 25, 26, 30, 21]}  # fmt: skip
    roles = {"all-staff": staff + [f"m{i:02d}" for i in (22, 23, 24, 27, 28)]}
    roles.update({r: staff + [f"m{i:02d}" for i in ids] for r, ids in extra.items()})
    return {
        "format": 1, "built_at": "2026-01-01T00:00:00Z", "commit": "bench",
        "settings": {"onboarding_days": 30, "grace_days": 30, "due_soon_days": 14},
        "criteria": {}, "modules": modules,
        "roles": {r: {"id": r, "title": r, "extends": [], "ancestry": [r], "departments": [],
                      "criteria": [], "path": [{"module": m, "stage": "onboarding"} for m in p]}
                  for r, p in roles.items()},
    }  # fmt: skip


def roster(people: int, rng: random.Random) -> list[RosterRow]:
    rows = []
    for n in range(people):
        start = AS_OF - dt.timedelta(days=rng.randint(0, 1500))
        end = AS_OF + dt.timedelta(days=rng.randint(-60, 60)) if n % 50 == 0 else None
        status = "leave" if n % 97 == 0 else "active"
        rows.append(RosterRow(n + 2, f"p{n}@example.com", f"Person {n}", rng.choice(DEPARTMENTS),
                              (rng.choice(ROLES),), start, end, status, "employee",
                              "parental leave" if status == "leave" else ""))  # fmt: skip
    return rows


def ledger(
    count: int,
    people: list[tuple[str, tuple[str, ...]]],
    course: dict[str, Any],
    rng: random.Random,
) -> Any:
    """`count` attempt and acknowledgement records over the last two years."""
    paths = {r: [s["module"] for s in v["path"]] for r, v in course["roles"].items()}
    base = dt.datetime(2024, 6, 15)
    for _ in range(count):
        pid, roles = rng.choice(people)
        mid = rng.choice(paths[roles[0]])
        module = course["modules"][mid]
        version = max(1, module["version"] - (rng.random() < 0.2))
        at = (base + dt.timedelta(seconds=rng.randint(0, 730 * 86400))).strftime(
            "%Y-%m-%dT%H:%M:%S.000000Z"
        )
        if module["quiz"] is None:
            yield seed.ack(pid, mid, version, at)
            continue
        answers: list[dict[str, Any]] = [
            {"id": f"q{j}", "selected": [rng.choice("aab")], "correct": False} for j in range(3)
        ]
        for a in answers:
            a["correct"] = a["selected"] == ["a"]
        right = sum(a["correct"] for a in answers)
        yield seed.attempt(pid, mid, version, at, right == 3, round(right / 3, 4), answers)


def run(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(argv)} failed: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people", type=int, default=10_000, help="people on the roster (default 10,000)"
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=1_000_000,
        help="ledger rows of the large run; the small one has a tenth (default 1,000,000)",
    )
    parser.add_argument("--keep", type=Path, help="Keep the project and database here.")
    args = parser.parse_args()
    rng = random.Random(7)
    work = args.keep or Path(tempfile.mkdtemp(prefix="trustpath-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    course = manifest()
    (work / "mkdocs.yml").write_text("site_name: bench\ndocs_dir: content\n")
    (work / ".trustpath").mkdir(exist_ok=True)
    (work / ".trustpath" / "manifest.json").write_text(json.dumps(course))
    db = work / "records.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    store = Store(url)
    store.migrate()
    rows = roster(args.people, rng)
    import_roster(store, rows, AS_OF)
    with store.transaction() as conn:
        found = conn.exec_driver_sql("SELECT email, person_id FROM people").all()
    ids: dict[str, str] = {str(e): str(p) for e, p in found}
    people = [(ids[r.email], r.roles) for r in rows]
    assigned = sum(len(course["roles"][r.roles[0]]["path"]) for r in rows)
    print(f"{args.people} people, {assigned / args.people:.1f} assigned modules each")
    trustpath = str(Path(sys.executable).parent / "trustpath")
    commands = {
        "due": [trustpath, "--project", str(work), "records", "--database", url, "due",
                "--as-of", AS_OF.isoformat(), "--format", "csv"],
        "completion": [trustpath, "--project", str(work), "records", "--database", url,
                       "completion", "--as-of", AS_OF.isoformat()],
        "verify": [trustpath, "--project", str(work), "records", "--database", url, "verify"],
    }  # fmt: skip
    results: dict[tuple[str, int], tuple[float, float]] = {}
    written = 0
    for target in (args.rows // 10, args.rows):
        start = time.perf_counter()
        written += seed.append_records(store, ledger(target - written, people, course, rng))
        print(f"appended ledger rows up to {written:,} in {time.perf_counter() - start:.1f} s")
        for name, argv in commands.items():
            run(argv, work)  # warm the page cache once
            rounds = 1 if name == "verify" else 3
            best = min((run(argv, work) for _ in range(rounds)), key=lambda r: r[0])
            results[(name, target)] = best
            print(f"records {name:<10} at {target:>9,} rows: {best[0]:5.2f} s, {best[1]:6.0f} MiB")
    store.close()
    small, large = args.rows // 10, args.rows
    ratios = {n: results[(n, large)][0] / results[(n, small)][0] for n in commands}
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print("growth for 10x rows: " + ", ".join(f"{n} {r:.2f}x" for n, r in ratios.items()))


if __name__ == "__main__":
    main()
