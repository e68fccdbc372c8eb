"""Personal links against the real `trustpath serve --identity token`: lifetime, revocation,
`forget`, malformed and non-ASCII tokens; CSV and terminal output of the commands around them.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from builder.cli.main import cli
from builder.records.identity import make_token, read_token
from builder.store.database import Store
from tests.security.support import SECRET, Served, built_project, status_of


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_project(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def served(project: Path) -> Iterator[Served]:
    server = Served(project, "--identity", "token")
    yield server
    server.stop()


def run(project: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--project", str(project), "records", *args],
        env={"TRUSTPATH_SECRET": SECRET},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def links_for(project: Path, served: Served, *emails: str) -> dict[str, str]:
    roster = project / "links.csv"
    rows = [f"{email},Person {n},everyone,2024-01-01" for n, email in enumerate(emails)]
    roster.write_text("email,name,roles,start_date\n" + "\n".join(rows) + "\n")
    out = run(project, "--database", served.database, "links", "create", str(roster),
              "--base-url", served.url + "/")  # fmt: skip
    return {row["email"]: row["url"] for row in csv.DictReader(io.StringIO(out))}


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).fragment)["tp_token"][0]


def me(served: Served, token: str) -> httpx.Response:
    return httpx.get(served.url + "/api/me", headers={"Authorization": f"Bearer {token}"})


def test_links_keep_the_token_out_of_the_query_and_last_14_days(project: Path, served: Served):
    url = links_for(project, served, "ada@example.com")["ada@example.com"]
    parts = urlsplit(url)
    assert parts.query == "" and parts.fragment.startswith("tp_token=v2.")
    claims = read_token(SECRET.encode(), token_of(url))
    assert abs(claims.expires - (time.time() + 14 * 86400)) < 120
    assert me(served, token_of(url)).status_code == 200


def test_revoke_invalidates_a_link_at_once(project: Path, served: Served) -> None:
    first = token_of(links_for(project, served, "eve@example.com")["eve@example.com"])
    assert me(served, first).status_code == 200
    out = run(project, "--database", served.database, "links", "revoke", "Eve@Example.com")
    assert out == "revoked the links of eve@example.com: they are now at epoch 1\n"
    r = me(served, first)
    assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_link"
    second = token_of(links_for(project, served, "eve@example.com")["eve@example.com"])
    assert me(served, second).status_code == 200  # a new link works
    store = Store(served.database)
    entries = [r for r in store.iter_rows() if r.kind == "link_revocation"]
    store.close()
    assert entries and "eve@example.com" not in entries[-1].payload
    assert json.loads(entries[-1].payload)["epoch"] == 1


def test_forget_revokes_and_a_new_person_with_that_email_does_not_inherit(
    project: Path, served: Served
) -> None:
    token = token_of(links_for(project, served, "zoe@example.com")["zoe@example.com"])
    body = {"ack_id": str(uuid.uuid4()), "module": "intro", "version": 3}
    assert me(served, token).status_code == 200
    run(project, "--database", served.database, "forget", "zoe@example.com")
    assert me(served, token).status_code == 401
    links_for(project, served, "zoe@example.com")  # the email comes back: a new person id
    r = httpx.post(served.url + "/api/acknowledgements", json=body,
                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_link"


@pytest.mark.parametrize(
    "token",
    [
        b"v2.\xff\xfe.1.p_1.0.abc",
        "v2.é.1.p.0.x".encode(),
        b"v1.YWRhQGV4YW1wbGUuY29t.9999999999.abc",
        b"v2." + b"A" * 5000,
    ],
)
def test_malformed_tokens_are_a_401_and_never_a_500(served: Served, token: bytes) -> None:
    before = served.log.stat().st_size
    request = (
        b"GET /api/me HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer "
        + token
        + b"\r\n\r\n"
    )
    answer = served.raw(request)
    assert status_of(answer) == 401 and b'"invalid_token"' in answer
    time.sleep(0.1)
    assert served.log.stat().st_size - before < 200  # no traceback in the log


def test_bytes_http_forbids_in_a_header_get_a_json_400(served: Served) -> None:
    answer = served.raw(b"GET /api/me HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \x00\r\n\r\n")
    assert status_of(answer) == 400 and b'"code": "bad_http"' in answer


def test_a_forged_epoch_is_refused(project: Path, served: Served) -> None:
    url = links_for(project, served, "ada@example.com")["ada@example.com"]
    claims = read_token(SECRET.encode(), token_of(url))
    other = make_token(b"x" * 64, "ada@example.com", claims.expires, claims.link.person_id, 99)
    assert me(served, other).status_code == 401


def test_the_links_csv_is_formula_safe(project: Path, served: Served) -> None:
    links = links_for(project, served, "=1+1@example.com", "-2@example.com")
    assert set(links) == {"'=1+1@example.com", "'-2@example.com"}


def test_feedback_report_escapes_control_characters(project: Path, served: Served) -> None:
    ada = token_of(links_for(project, served, "ada@example.com")["ada@example.com"])
    text = "fine\x1b[2J\x1b]0;owned\x07\nada@example.com: forged line\r"
    body = {"feedback_id": str(uuid.uuid4()), "module": "intro", "kind": "concern", "text": text}
    r = httpx.post(served.url + "/api/feedback", json=body,
                   headers={"Authorization": f"Bearer {ada}"})  # fmt: skip
    assert r.status_code == 201
    out = run(project, "--database", served.database, "feedback")
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    line = next(line for line in out.splitlines() if "fine" in line)
    assert line.endswith(r"fine\x1b[2J\x1b]0;owned\x07\nada@example.com: forged line\x0d")
