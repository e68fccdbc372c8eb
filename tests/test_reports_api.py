"""The reports through the admin API, and `/api/me` statuses from the due engine."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from builder.course.model import course_from_manifest
from builder.records.identity import IdentityConfig
from builder.records.me import person_statuses
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import AppClient, app_client
from tests.reports_data import AS_OF, MANIFEST, XSS, populate

ADMIN = {"Authorization": "Bearer admin-secret"}


@pytest.fixture
def api(database_url: str) -> Iterator[AppClient]:
    store = Store(database_url)
    store.migrate()
    populate(store)
    service = RecordsService(MANIFEST, store, IdentityConfig(), admin_token="admin-secret")
    try:
        with app_client(create_app(service), ("127.0.0.1", 50000)) as client:
            yield client
    finally:
        store.close()


def test_due_report(api: AppClient) -> None:
    res = api.get(f"/api/reports/due?as_of={AS_OF}&status=overdue", headers=ADMIN)
    assert res.status_code == 200, res.text
    body = res.json()
    assert [(i["email"], i["module"], i["due"]) for i in body["items"]] == [
        ("eve@example.com", "aup", "2024-01-31"),
        ("ada@example.com", "aup", "2026-06-01"),
    ]
    assert body["excused"] == [{"email": "cy@example.com", "name": "Cy", "department": "Sales",
                                "status": "exempt", "reason": "board member"}]  # fmt: skip


def test_reports_need_the_admin_token(api: AppClient) -> None:
    for path in ("due", "completion", "questions", "feedback", "export", "dashboard"):
        res = api.get(f"/api/reports/{path}")
        assert res.status_code == 401
        assert res.json()["error"]["code"] == "no_admin_token"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("due?as_of=tomorrow", "as_of 'tomorrow' is not a date like 2026-06-30"),
        ("due?status=late", "status must be one of overdue, due_soon, upcoming, done"),
        ("completion?by=team", "by must be one of department, role, module"),
        ("export?from=2026-01-01", "to is required (a date like 2026-06-30)"),
        ("export?from=2026-02-01&to=2026-01-01", "to is before from"),
        ("export?from=2026-01-01&to=2026-02-01&format=xapi", "xapi needs an organisation IRI"),
        # a misspelt or repeated parameter is refused, never ignored (the whole organisation)
        (
            "due?departmnet=Sales",
            "unknown query parameter 'departmnet'; did you mean 'department'?",
        ),
        ("due?asof=2026-01-01", "unknown query parameter 'asof'; did you mean 'as_of'?"),
        ("unknown?zzz=1", "unknown query parameter 'zzz' (this report takes: as_of)"),
        ("due?status=overdue&status=done", "query parameter 'status' given more than once"),
    ],
)
def test_bad_queries_get_the_error_envelope(
    api: AppClient, query: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRUSTPATH_ORG_IRI", raising=False)
    res = api.get(f"/api/reports/{query}", headers=ADMIN)
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "invalid_query" and error["message"].startswith(message)


def test_completion_questions_feedback(api: AppClient) -> None:
    rows = api.get(f"/api/reports/completion?by=module&as_of={AS_OF}", headers=ADMIN).json()
    assert [(r["group"], r["assigned"], r["current"]) for r in rows] == [
        ("aup", 4, 0),
        ("phishing", 4, 1),
        ("secure-coding", 1, 1),
    ]
    questions = api.get("/api/reports/questions", headers=ADMIN).json()
    assert questions[0]["question"] == "gift-cards" and questions[0]["flagged"] is True
    feedback = api.get("/api/reports/feedback?kind=concern", headers=ADMIN).json()
    assert feedback == [
        {
            "module": "phishing",
            "version": 2,
            "kind": "concern",
            "text": XSS,
            "recorded_at": "2026-06-05T10:00:00.000000Z",
            "from": "anonymous",
            "module_title": "Phishing",
            "name": None,
        }
    ]


def test_export_csv_and_xapi(api: AppClient, monkeypatch: pytest.MonkeyPatch) -> None:
    res = api.get("/api/reports/export?from=2026-06-01&to=2026-06-30", headers=ADMIN)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert len(rows) == 7 and rows[0]["module"] == "phishing"
    monkeypatch.setenv("TRUSTPATH_ORG_IRI", "https://acme.example")
    res = api.get("/api/reports/export?from=2026-01-01&to=2026-01-31&format=xapi", headers=ADMIN)
    assert res.json()["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"


def test_dashboard_route(api: AppClient) -> None:
    res = api.get(f"/api/reports/dashboard?as_of={AS_OF}", headers=ADMIN)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "<svg" in res.text and XSS not in res.text


def test_me_uses_the_due_engine(api: AppClient) -> None:
    res = api.get("/api/me", headers={"X-TrustPath-User": "ada@example.com"})
    assert res.status_code == 200, res.text
    modules = res.json()["modules"]
    assert modules["phishing"]["due"] == "2027-01-10"
    assert modules["phishing"]["rule"] == "annual"
    assert modules["secure-coding"]["status"] == "done"
    # an offboarding module without an end date is not counted, as in the reports (issue 14)
    assert "exit" not in modules
    assert modules["phishing"]["passed"] is not None


def test_person_statuses_with_fixed_date(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    store.migrate()
    populate(store)
    person = store.person("xss@example.com")
    got = person_statuses(
        store, course_from_manifest(MANIFEST), person, ["all-staff"], dt.date(2026, 6, 15)
    )
    assert got["phishing"] == {"status": "due_soon", "due": "2026-06-19", "version": 2,
                               "rule": "onboarding", "completed": None, "passed": None,
                               "acknowledged": None}  # fmt: skip
    stranger = person_statuses(
        store, course_from_manifest(MANIFEST), None, ["all-staff"], dt.date(2026, 6, 15)
    )
    assert stranger["aup"]["due"] == "2026-07-15" and stranger["aup"]["status"] == "upcoming"
    store.close()
