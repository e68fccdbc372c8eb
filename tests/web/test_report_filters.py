"""The report routes name what a filter got wrong: 404 `unknown_filter` in the one error shape,
and the human columns beside ids (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import AppClient, app_client
from tests.reports_data import AS_OF, MANIFEST, populate

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


@pytest.mark.parametrize(
    ("query", "kind", "value", "suggestion"),
    [
        ("due?department=Enginering", "department", "Enginering", "Engineering"),
        ("due?module=phishng", "module", "phishng", "phishing"),
        ("due?role=enginer", "role", "enginer", "engineer"),
        ("due?person=ada@exmple.com", "person", "ada@exmple.com", "ada@example.com"),
        ("due?manager=ada@exmple.com", "manager", "ada@exmple.com", "ada@example.com"),
        ("completion?department=sales", "department", "sales", "Sales"),
        ("completion?role=all-stuff", "role", "all-stuff", "all-staff"),
        ("questions?module=phising", "module", "phising", "phishing"),
        ("feedback?module=aupp", "module", "aupp", "aup"),
        ("due?department=Nope", "department", "Nope", None),
    ],
)
def test_an_unknown_filter_is_a_404_naming_it(
    api: AppClient, query: str, kind: str, value: str, suggestion: str | None
) -> None:
    res = api.get(f"/api/reports/{query}", headers=ADMIN)
    assert res.status_code == 404, res.text
    error = res.json()["error"]
    assert error["code"] == "unknown_filter"
    assert error["details"] == {"parameter": kind, "kind": kind, "value": value,
                                "suggestion": suggestion}  # fmt: skip
    assert f"'{value}'" in error["message"]
    if suggestion:
        assert error["message"].endswith(f"did you mean '{suggestion}'?")


def test_filters_that_exist_filter(api: AppClient) -> None:
    res = api.get(f"/api/reports/due?as_of={AS_OF}&role=engineer&status=overdue", headers=ADMIN)
    assert res.status_code == 200, res.text
    (item,) = res.json()["items"]
    assert (item["email"], item["name"], item["module"], item["module_title"]) == (
        "ada@example.com", "Ada Lovelace", "aup", "Aup")  # fmt: skip
    by_role = api.get(f"/api/reports/completion?as_of={AS_OF}&by=role", headers=ADMIN).json()
    assert {r["group"]: r["title"] for r in by_role} == {"all-staff": "All staff",
                                                        "engineer": "Engineer"}  # fmt: skip
    none = api.get(f"/api/reports/due?as_of={AS_OF}&department=Sales&status=done", headers=ADMIN)
    assert none.status_code == 200 and none.json()["items"] == []
