"""`trustpath records attendance import`: a meeting export through a map into the ledger, and
workshops completed by attendance in `due`, `/api/me` and the ledger's verification."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from builder.lifecycle.attendance import parse_minutes
from builder.store.database import Store
from tests.loop_data import make_git_project, populate, run

# Reports as of today see what an import records now; the session was ten days ago.
SESSION = dt.date.today() - dt.timedelta(days=10)
US = SESSION.strftime("%m/%d/%Y")
# A Zoom-style participants export: one row per join, US times, minutes in their own column.
ZOOM = f"""Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
Ada Lovelace,ada@acme.test,{US} 10:00:05 AM,{US} 10:30:00 AM,30,No
Ada Lovelace,ADA@acme.test,{US} 10:35:00 AM,{US} 10:55:00 AM,20,No
Dan Brown,dan@acme.test,{US} 10:01:00 AM,{US} 10:31:00 AM,30,No
A Guest,guest@example.org,{US} 10:02:00 AM,{US} 11:00:00 AM,58,Yes
"""
ZOOM_MAP = """columns:
  email: User Email
  name: Name (Original Name)
  start: Join Time
  minutes: Duration (Minutes)
date_format: "%m/%d/%Y %I:%M:%S %p"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    make_git_project(root)
    return root


@pytest.fixture
def url(tmp_path: Path, project: Path) -> str:
    from tests.loop_data import git

    url = f"sqlite:///{tmp_path / 'records.db'}"
    store = Store(url)
    store.migrate()
    commits = {"v1": git(project, "rev-parse", "HEAD~1"), "v2": git(project, "rev-parse", "HEAD")}
    populate(store, project, commits)
    store.close()
    return url


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def due(
    project: Path, url: str, email: str, as_of: str | None = None
) -> dict[str, dict[str, object]]:
    when = ["--as-of", as_of] if as_of else []
    result = run(project, url, "due", *when, "--format", "json")
    assert result.exit_code == 0, result.output
    return {r["module"]: r for r in json.loads(result.output) if r["email"] == email}


def test_a_meeting_export_through_a_map_completes_the_workshop_only_for_enough_minutes(
    project: Path, url: str, tmp_path: Path
) -> None:
    export = write(tmp_path, "zoom.csv", ZOOM)
    zmap = write(tmp_path, "zoom.yml", ZOOM_MAP)
    before = due(project, url, "dan@acme.test", "2026-04-15")
    assert before["incident-drill"]["status"] == "overdue"  # 30 minutes on 2026-03-10: short
    result = run(project, url, "attendance", "import", str(export), "--map", str(zmap),
                 "--module", "incident-drill")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Ada's two joins are one attendance of 50 minutes; the guest is not on the roster.
    assert f"recorded ada@acme.test incident-drill {SESSION} 50 min: completes" in lines[1]
    assert f"recorded dan@acme.test incident-drill {SESSION} 30 min: under 45 min" in lines[2]
    assert lines[3] == "skipped guest@example.org: not on the roster"
    assert lines[-1] == "recorded 2, already recorded 0, not on the roster 1"
    ada = due(project, url, "ada@acme.test")
    assert ada["incident-drill"]["status"] == "done"
    assert ada["incident-drill"]["completed"] == SESSION.isoformat()  # the session's date
    dan = due(project, url, "dan@acme.test")
    assert dan["incident-drill"]["status"] == "overdue"  # 30 < min_minutes 45
    assert dan["incident-drill"]["completed"] is None
    verified = run(project, url, "verify")
    assert verified.exit_code == 0, verified.output
    assert "attendance 4" in verified.output  # two seeded, two imported


def test_importing_the_same_export_again_records_nothing_new(
    project: Path, url: str, tmp_path: Path
) -> None:
    export = write(tmp_path, "a.csv", "email,date,minutes,module\n"
                   "ada@acme.test,2026-04-02,50,incident-drill\n")  # fmt: skip
    first = run(project, url, "attendance", "import", str(export))
    assert first.exit_code == 0, first.output
    again = run(project, url, "attendance", "import", str(export))
    assert again.exit_code == 0, again.output
    assert "already recorded ada@acme.test incident-drill 2026-04-02 (50 min" in again.output
    assert again.output.splitlines()[-1] == "recorded 0, already recorded 1, not on the roster 0"


def test_a_dry_run_writes_nothing(project: Path, url: str, tmp_path: Path) -> None:
    export = write(tmp_path, "a.csv", "email,date,minutes,module\n"
                   "ada@acme.test,2026-04-02,50,incident-drill\n")  # fmt: skip
    result = run(project, url, "attendance", "import", str(export), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would record ada@acme.test incident-drill 2026-04-02 50 min: completes" in result.output
    assert "(dry run: nothing written)" in result.output
    store = Store(url)
    with store.transaction() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM attendance").scalar() == 2
    store.close()


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    project: Path, url: str, tmp_path: Path
) -> None:
    export = write(tmp_path, "bad.csv", "email,date,minutes,module\n"
                   "ada@acme.test,2026-04-02,50,incident-drill\n"
                   "not-an-email,2026-04-02,50,incident-drill\n"
                   "dan@acme.test,04/02/2026,50,incident-drill\n"
                   "dan@acme.test,2026-04-02,lots,incident-drill\n"
                   "dan@acme.test,2026-04-02,50,phishing\n")  # fmt: skip
    result = run(project, url, "attendance", "import", str(export))
    assert result.exit_code == 1
    out = result.output
    assert f"{export}:3: error[bad-email]: 'not-an-email' is not an email address" in out
    assert f"{export}:4: error[ambiguous-date]: date '04/02/2026' could be month/day" in out
    assert f"{export}:5: error[bad-minutes]: minutes 'lots' is not a duration" in out
    assert (
        f"{export}:6: error[not-a-workshop]: module 'phishing' is not a workshop; "
        "workshops: incident-drill"
    ) in out
    assert "4 problem(s) in the attendance file; nothing imported" in out
    assert "Traceback" not in out


def test_a_map_missing_a_column_and_a_file_without_module_are_clear_errors(
    project: Path, url: str, tmp_path: Path
) -> None:
    export = write(tmp_path, "zoom.csv", ZOOM)
    bad_map = write(tmp_path, "m.yml", "columns: {email: User Email, minutes: Duration}\n")
    result = run(project, url, "attendance", "import", str(export), "--map", str(bad_map))
    assert result.exit_code == 1
    assert "error[map-date]: `columns:` needs either `date`" in result.output
    zmap = write(tmp_path, "zoom.yml", ZOOM_MAP)
    result = run(project, url, "attendance", "import", str(export), "--map", str(zmap))
    assert result.exit_code == 1
    assert f"{export}:1: error[no-module]: the file has no module column" in result.output
    result = run(project, url, "attendance", "import", str(export), "--module", "phishing")
    assert result.exit_code == 2
    assert "'phishing' is not a workshop; workshops: incident-drill" in result.output


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45", 45), ("45.9", 45), ("1:05", 65), ("1:05:30", 65), ("1h 5m", 65), ("65 min", 65),
     ("90 minutes", 90), ("2h", 120)],
)  # fmt: skip
def test_durations_as_meeting_tools_write_them(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "-5", "1:75"])
def test_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_minutes(text)
