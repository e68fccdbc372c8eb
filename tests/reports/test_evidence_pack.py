"""`trustpath records evidence-pack` over a window with new hires, a leaver, a policy version
bump and a workshop: checksums, sources from git, populations as `export` gives them,
determinism, the zip, and the index in Chromium with no request leaving the file."""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.loop_data import END, START, git, loop_setup, run

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
LAYOUT = {
    "index.html", "SHA256SUMS", "coverage.md",
    "populations/new-hires.csv", "populations/leavers.csv", "populations/active.csv",
    "completion/by-department.csv", "completion/by-role.csv",
    "records/attempts.csv", "records/acknowledgements.csv", "records/attendance.csv",
    "records/reminders.csv", "records/all.jsonl",
    "acknowledgements/aup-v1.csv", "acknowledgements/aup-v2.csv", "acknowledgements/exit-v1.csv",
    "sources/aup/v1.md", "sources/aup/v2.md", "sources/phishing/v1.md", "sources/exit/v1.md",
    "sources/incident-drill/v1.md",
}  # fmt: skip


@pytest.fixture
def loop(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    root, url, commits, _ = loop_setup(tmp_path)
    return root, url, commits


def make_pack(root: Path, url: str, out: Path, *extra: str) -> Path:
    result = run(root, url, "evidence-pack", "--from", START, "--to", END, "-o", str(out), *extra)
    assert result.exit_code == 0, result.output
    return out


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_the_pack_has_the_layout_and_sha256sum_checks_it(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, _ = loop
    pack = make_pack(root, url, tmp_path / "pack")
    assert set(files_of(pack)) == LAYOUT
    checked = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=pack, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len(LAYOUT) - 1  # every file but SHA256SUMS
    (pack / "records" / "attempts.csv").write_text("tampered\n")
    tampered = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=pack, capture_output=True)
    assert tampered.returncode == 1 and b"records/attempts.csv: FAILED" in tampered.stdout


def test_module_sources_are_the_files_at_the_commits_that_introduced_each_version(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, commits = loop
    pack = make_pack(root, url, tmp_path / "pack")
    for rel, commit in (("aup/v1.md", "v1"), ("aup/v2.md", "v2"), ("phishing/v1.md", "v1"),
                        ("incident-drill/v1.md", "v1")):  # fmt: skip
        module = rel.split("/")[0]
        expected = subprocess.run(
            ["git", "show", f"{commits[commit]}:content/{module}.md"], cwd=root,
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        assert (pack / "sources" / rel).read_bytes() == expected, rel
    assert b"version: 2" in (pack / "sources/aup/v2.md").read_bytes()
    assert b"AI tools" not in (pack / "sources/aup/v1.md").read_bytes()
    index = (pack / "index.html").read_text("utf-8")
    v2_row = index.split("<tr><td>aup</td><td>2</td>")[1].split("</tr>")[0]
    assert commits["v2"] in v2_row and "the text published" in v2_row
    assert index.count('<span class="ok">the text published</span>') == 5


def test_populations_agree_with_export_population(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, _ = loop
    pack = make_pack(root, url, tmp_path / "pack")
    for which in ("new-hires", "leavers", "active"):
        exported = run(root, url, "export", "--from", START, "--to", END, "--population", which,
                       "--as-of", END)  # fmt: skip
        assert exported.exit_code == 0, exported.output
        mine = rows((pack / "populations" / f"{which}.csv").read_bytes())
        theirs = rows(exported.output.encode())
        key = lambda r: (r["email"], r["module"])  # noqa: E731
        assert sorted(mine, key=key) == sorted(theirs, key=key), which
        assert mine == sorted(mine, key=key)
    hires = rows((pack / "populations/new-hires.csv").read_bytes())
    assert {r["email"] for r in hires} == {"bob@acme.test", "dan@acme.test"}
    dan_drill = next(r for r in hires if r["email"] == "dan@acme.test"
                     and r["module"] == "incident-drill")  # fmt: skip
    assert dan_drill["state"] == "missed"  # 30 minutes do not complete the workshop
    leavers = rows((pack / "populations/leavers.csv").read_bytes())
    assert [(r["email"], r["module"], r["state"]) for r in leavers] == [
        ("cy@acme.test", "exit", "in_time")
    ]


def test_records_of_the_window_include_attendance_reminders_and_policy_versions(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, _ = loop
    pack = make_pack(root, url, tmp_path / "pack")
    attendance = rows((pack / "records/attendance.csv").read_bytes())
    assert [(r["email"], r["minutes"], r["completes"]) for r in attendance] == [
        ("ada@acme.test", "60", "true"), ("dan@acme.test", "30", "false"),
    ]  # fmt: skip
    reminders = rows((pack / "records/reminders.csv").read_bytes())
    assert [(r["email"], r["channel"], r["message"]) for r in reminders] == [
        ("dan@acme.test", "email", "reminder")
    ]
    attempts = rows((pack / "records/attempts.csv").read_bytes())
    assert [(r["email"], r["passed"]) for r in attempts] == [
        ("bob@acme.test", "false"),
        ("bob@acme.test", "true"),
    ]  # fmt: skip  (ada's pass of 2026-01-10 is before the window)
    v2 = rows((pack / "acknowledgements/aup-v2.csv").read_bytes())
    assert [(r["email"], r["day"]) for r in v2] == [
        ("bob@acme.test", "2026-03-04"), ("ada@acme.test", "2026-03-05"),
    ]  # fmt: skip
    v1 = rows((pack / "acknowledgements/aup-v1.csv").read_bytes())
    assert [(r["email"], r["in_window"]) for r in v1] == [("ada@acme.test", "false")]
    lines = (pack / "records/all.jsonl").read_text().splitlines()
    assert len(lines) == len(attendance) + len(reminders) + len(attempts) + 3  # 3 acks


def test_two_runs_differ_only_in_the_generated_at_line_and_the_zip_holds_the_same(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, _ = loop
    first = files_of(make_pack(root, url, tmp_path / "one"))
    second = files_of(make_pack(root, url, tmp_path / "two"))
    assert first.keys() == second.keys()
    differ = sorted(name for name in first if first[name] != second[name])
    assert set(differ) <= {"index.html", "SHA256SUMS"}
    one, two = first["index.html"].splitlines(), second["index.html"].splitlines()
    changed = [(a, b) for a, b in zip(one, two, strict=True) if a != b]
    assert len(changed) <= 1 and all(a.startswith(b"<dt>Generated at</dt>") for a, _ in changed)
    pairs = zip(first["SHA256SUMS"].splitlines(), second["SHA256SUMS"].splitlines(), strict=True)
    sums = [(a, b) for a, b in pairs if a != b]
    assert all(a.endswith(b"  index.html") for a, _ in sums)
    archive = make_pack(root, url, tmp_path / "pack.zip", "--zip")
    with zipfile.ZipFile(archive) as z:
        zipped = {name: z.read(name) for name in z.namelist()}
    assert zipped.keys() == first.keys()
    assert {n for n in first if first[n] != zipped[n]} <= {"index.html", "SHA256SUMS"}
    again = make_pack(root, url, tmp_path / "again.zip", "--zip")
    with zipfile.ZipFile(again) as z:
        assert [i.date_time for i in z.infolist()] == [(1980, 1, 1, 0, 0, 0)] * len(LAYOUT)


def test_bad_windows_and_used_folders_are_refused(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, _ = loop
    result = run(
        root, url, "evidence-pack", "--from", END, "--to", START, "-o", str(tmp_path / "x")
    )
    assert result.exit_code == 2 and f"--to {START} is before --from {END}" in result.output
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    result = run(root, url, "evidence-pack", "--from", START, "--to", END, "-o", str(used))
    assert result.exit_code == 1 and "is not an empty folder" in result.output
    assert (used / "notes.txt").read_text() == "mine"


def test_a_renamed_module_file_is_followed_through_its_history(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    root, url, commits = loop
    git(root, "mv", "content/exit.md", "content/leaving.md")
    git(root, "commit", "-qm", "rename", when="2026-04-01T09:00:00Z")
    pack = make_pack(root, url, tmp_path / "pack")
    expected = git(root, "show", f"{commits['v1']}:content/exit.md") + "\n"
    assert (pack / "sources/exit/v1.md").read_text("utf-8") == expected


def test_without_git_the_sources_are_named_missing_and_coverage_says_whose(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    import shutil

    root, url, _ = loop
    shutil.rmtree(root / ".git")
    out = tmp_path / "pack"
    result = run(root, url, "evidence-pack", "--from", START, "--to", END, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "warning: no source for aup v2: content/aup.md has no git history here" in result.output
    assert not (out / "sources").exists()
    index = (out / "index.html").read_text("utf-8")
    assert index.count('<span class="bad">missing</span>') == 5
    assert (
        (out / "coverage.md")
        .read_text()
        .startswith("no git commit by the end of the window: this is the work tree's content")
    )
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True)
    assert checked.returncode == 0


@pytest.mark.browser
def test_the_index_opens_in_chromium_with_no_request_leaving_the_file(
    loop: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from axe_playwright_python.sync_playwright import Axe

    root, url, _ = loop
    pack = make_pack(root, url, tmp_path / "pack")
    index = (pack / "index.html").as_uri()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto(index)
            page.wait_for_load_state("networkidle")
            assert requested == [index]
            assert page.title() == f"Training evidence pack: Acme Corp, {START} to {END}"
            playwright.expect(page.locator(".cover")).to_contain_text("verified")
            links = page.eval_on_selector_all("main a", "as => as.map(a => a.href)")
            assert len(links) == len(LAYOUT) - 1 and all(u.startswith("file://") for u in links)
            results = Axe().run(page)
            bad = [v["id"] for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]  # fmt: skip
            assert not bad, bad
        finally:
            browser.close()
