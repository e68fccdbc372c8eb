"""xAPI exports validate with an independent implementation (Ralph's pydantic models), and a
bad organisation IRI is a usage error before anything is written (issue 10 item 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.store.database import Store
from tests.reports_data import make_project, populate, run

WINDOW = ("--from", "2025-01-01", "--to", "2026-06-30")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def populated(url: str) -> None:
    store = Store(url)
    store.migrate()
    try:
        populate(store)
    finally:
        store.close()


def test_statements_validate_with_ralph(project: Path, database_url: str) -> None:
    from pydantic import ValidationError
    from ralph.models.xapi.base.statements import BaseXapiStatement

    populated(database_url)
    for actor in ("person", "email"):
        result = run(project, database_url, "export", *WINDOW, "--format", "xapi",
                     "--org-iri", "https://acme.example/training", "--actor", actor)  # fmt: skip
        assert result.exit_code == 0, result.output
        statements = [json.loads(line) for line in result.output.splitlines()]
        assert len(statements) == 11
        for statement in statements:
            try:
                BaseXapiStatement(**statement)
            except ValidationError as exc:  # pragma: no cover - the failure message
                pytest.fail(f"Ralph rejects {json.dumps(statement)}: {exc}")


def test_ralph_rejects_what_it_should() -> None:
    """The validator is not a rubber stamp: a statement with a relative activity id fails."""
    from pydantic import ValidationError
    from ralph.models.xapi.base.statements import BaseXapiStatement

    from builder.reports.export import evidence_record, xapi_statement
    from tests.test_export import ROW

    good = xapi_statement(evidence_record(ROW), "https://acme.example")
    BaseXapiStatement(**good)
    bad = json.loads(json.dumps(good))
    bad["object"]["id"] = "modules/phishing"
    with pytest.raises(ValidationError):
        BaseXapiStatement(**bad)


@pytest.mark.parametrize(
    ("iri", "message"),
    [
        ("acme.example", "is not absolute"),
        ("https://acme.example/a b", "an IRI has no spaces"),
        ("https://acme.example/?x=1", "has a query or fragment"),
        ("https://acme.example/#top", "has a query or fragment"),
        ("ftp://acme.example", "is not absolute"),
        ("https:///path", "is not absolute"),
    ],
)
def test_bad_org_iri_exits_2_and_writes_nothing(
    project: Path, tmp_path: Path, iri: str, message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    populated(url)
    out = tmp_path / "statements.jsonl"
    result = run(project, url, "export", *WINDOW, "--format", "xapi", "--org-iri", iri,
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_org_iri_defaults_to_the_site_url(project: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    populated(url)
    manifest = json.loads((project / ".trustpath" / "manifest.json").read_text())
    no_url = run(project, url, "export", *WINDOW, "--format", "xapi")
    assert no_url.exit_code == 2 and "xapi needs an organisation IRI" in no_url.output
    manifest["settings"]["site_url"] = "https://training.acme.example/"
    (project / ".trustpath" / "manifest.json").write_text(json.dumps(manifest))
    result = run(project, url, "export", *WINDOW, "--format", "xapi")
    assert result.exit_code == 0, result.output
    first = json.loads(result.output.splitlines()[0])
    assert first["actor"]["account"]["homePage"] == "https://training.acme.example"
    assert first["object"]["id"] == "https://training.acme.example/xapi/modules/phishing"


def test_site_url_reaches_the_manifest(tmp_path: Path) -> None:
    from builder.config import load_settings

    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nsite_url: https://training.acme.example/\nplugins:\n  - trustpath\n"
    )
    assert load_settings(tmp_path).site_url == "https://training.acme.example/"


def test_cli_and_api_write_the_same_statements(
    project: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One xAPI writer: the API's statements are the CLI's, byte for byte."""
    from builder.records.identity import IdentityConfig
    from builder.records.service import RecordsService
    from builder.web.app import create_app
    from tests.asgi import app_client
    from tests.reports_data import MANIFEST

    populated(database_url)
    monkeypatch.setenv("TRUSTPATH_ORG_IRI", "https://acme.example")
    cli = run(project, database_url, "export", *WINDOW, "--format", "xapi")
    service = RecordsService(MANIFEST, Store(database_url), IdentityConfig(), admin_token="t")
    try:
        with app_client(create_app(service)) as c:
            api = c.get("/api/reports/export?from=2025-01-01&to=2026-06-30&format=xapi",
                        headers={"Authorization": "Bearer t"})  # fmt: skip
    finally:
        service.store.close()
    assert api.status_code == 200
    assert api.text == cli.output
