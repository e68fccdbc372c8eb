"""`trustpath records head|verify|forget|links`: exact output and exit codes."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from builder.cli.main import cli
from builder.records.identity import read_token
from builder.store.database import Store
from tests.test_ledger import pending, raw, unguard


@pytest.fixture
def store(database_url: str):
    s = Store(database_url)
    s.migrate()
    s.append([pending(n) for n in range(1, 4)])
    yield s
    s.close()


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_head_prints_seq_and_hash(store: Store):
    result = run("records", "--database", store.url, "head")
    assert result.exit_code == 0 and result.output == f"{store.head()}\n"


def test_default_database_is_under_the_project(tmp_path: Path):
    env = {"TRUSTPATH_DATABASE_URL": ""}
    missing = run("--project", str(tmp_path), "records", "head", env=env)
    assert missing.exit_code == 1 and "no records database at" in missing.output
    assert not (tmp_path / ".trustpath").exists()  # a report never creates one
    assert run("--project", str(tmp_path), "records", "migrate", env=env).exit_code == 0
    result = run("--project", str(tmp_path), "records", "head", env=env)
    assert result.output == "0:" + "0" * 64 + "\n"
    assert (tmp_path / ".trustpath" / "records.db").is_file()


def test_verify_ok_and_broken(store: Store):
    anchor = str(store.head())
    ok = run("records", "--database", store.url, "verify", "--head", anchor)
    assert ok.exit_code == 0 and ok.output == (
        f"ledger ok: 3 rows, head {anchor}\n"
        "projections ok: acknowledgements 0, assignment_cancels 0, assignment_people 0, "
        "assignments 0, attempt_answers 0, attempts 0, attendance 0, feedback 3, "
        "link_revocations 0, module_versions 0, people 1, reminders 0, roster_history 0\n"
    )
    unguard(store)
    raw(store, "UPDATE ledger SET payload = replace(payload, 'note 2', 'note 7') WHERE seq = 2")
    bad = run("records", "--database", store.url, "verify")
    assert bad.exit_code == 1
    assert bad.output == (
        "ledger broken at seq 2: hash does not match the row's content (the row was changed)\n"
    )


def test_verify_reports_a_cut_tail_against_the_anchor(store: Store):
    anchor = str(store.head())
    unguard(store)
    raw(store, "DELETE FROM ledger WHERE seq = 3")
    result = run("records", "--database", store.url, "verify", "--head", anchor)
    assert result.exit_code == 1
    assert result.output == (
        "ledger broken at seq 3: the ledger ends at seq 2 but the anchor names seq 3: "
        "rows were cut off the end\n"
    )


def test_verify_rejects_a_malformed_anchor(store: Store):
    result = run("records", "--database", store.url, "verify", "--head", "nonsense")
    assert result.exit_code == 2 and "is not SEQ:HASH" in result.output


def test_forget_keeps_the_chain(store: Store):
    result = run("records", "--database", store.url, "forget", "Ann@Example.com")
    assert result.exit_code == 0 and result.output.startswith("forgot ann@example.com (person p_")
    assert store.person("ann@example.com") is None
    assert run("records", "--database", store.url, "verify").exit_code == 0
    again = run("records", "--database", store.url, "forget", "ann@example.com")
    assert again.exit_code == 1 and "no person with email 'ann@example.com'" in again.output


def test_links_create_prints_signed_urls(tmp_path: Path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,name,department,roles,start_date,end_date,status,employment\n"
        "ann@example.com,Ann,Eng,engineer,2026-01-05,,active,employee\n"
        "Bob@Example.com,Bob,Sales,all-staff,2026-02-01,,active,contractor\n"
    )
    secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    database = f"sqlite:///{tmp_path / 'records.db'}"
    assert run("records", "--database", database, "migrate").exit_code == 0
    result = run(
        "records", "--database", database, "links", "create", str(roster),
        "--base-url", "https://t.example.com/?x=1", "--days", "2",
        env={"TRUSTPATH_SECRET": secret},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["email"] for r in rows] == ["ann@example.com", "bob@example.com"]
    url = urlsplit(rows[1]["url"])
    fragment = parse_qs(url.fragment)
    assert url.netloc == "t.example.com" and parse_qs(url.query) == {"x": ["1"]}
    assert "tp_token" not in url.query  # never in the part of a URL servers log
    claims = read_token(secret.encode(), fragment["tp_token"][0])
    store = Store(database)
    assert claims.email == "bob@example.com" and claims.link.epoch == 0
    assert claims.link.person_id == store.person("bob@example.com")["person_id"]
    store.close()
    with pytest.raises(Exception, match="expired"):
        read_token(secret.encode(), fragment["tp_token"][0], now=time.time() + 3 * 86400)


@pytest.mark.parametrize("secret", ["", "a", "0123456789abcdef-secret", "x" * 64])
def test_links_create_needs_a_strong_secret(tmp_path: Path, secret: str):
    roster = tmp_path / "roster.csv"
    roster.write_text("email\nann@example.com\n")
    result = run(
        "records", "--database", f"sqlite:///{tmp_path / 'r.db'}", "links", "create",
        str(roster), "--base-url", "https://t/", env={"TRUSTPATH_SECRET": secret},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "TRUSTPATH_SECRET is too weak: it needs 32 random bytes" in result.output
