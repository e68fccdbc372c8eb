"""`records due` under the console script ends its own process once the report is out.

`end_report_process` skips the interpreter's teardown with `os._exit`: the output must still
be complete and flushed, the exit status 0, and the database left readable (no lock, the
next command works). CliRunner never takes that path (`main.owns_process`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from builder.store.database import Store
from tests.reports_data import AS_OF, make_project, populate, run


def trustpath(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "trustpath"
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120)


def test_the_console_script_prints_what_the_cli_prints_and_exits_0(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    url = f"sqlite:///{tmp_path / 'records.db'}"
    store = Store(url)
    store.migrate()
    populate(store)
    store.close()
    for fmt in ("csv", "json", "text"):
        args = ("due", "--as-of", AS_OF, "--format", fmt)
        inside = run(project, url, *args)
        assert inside.exit_code == 0, inside.output
        done = trustpath("--project", str(project), "records", "--database", url, *args)
        assert done.returncode == 0, done.stderr
        assert done.stdout == inside.output and done.stdout.strip()
    after = trustpath("--project", str(project), "records", "--database", url, "verify")
    assert after.returncode == 0 and "projections ok" in after.stdout, after.stdout
