"""Markdown in explanations and per-choice feedback over the API: a real project is loaded,
its manifest built as `trustpath build` writes it, and the records service (SQLite and
PostgreSQL) returns the build's safe HTML beside each text, under the same disclosure rule."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from builder.config import load_settings
from builder.course.manifest import build_manifest
from builder.curriculum.loader import load_curriculum
from builder.curriculum.paths import build_paths
from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import app_client
from tests.records_support import ANN, draw
from tests.sitefixture import copy_fixture

EXPLAIN = (
    'explain: "Use the **Report** button or forward it to `phish-desk`; <b>never</b> reply. '
    '[Why](javascript:alert(1))"'
)
FEEDBACK = "feedback: Ignoring it leaves `others` at *risk*"


def _manifest(tmp_path: Path) -> dict[str, Any]:
    root = copy_fixture(tmp_path / "project")
    intro = root / "content/basics/intro.md"
    text = intro.read_text("utf-8")
    text = text.replace("explain: EXPLAIN-ZQX-REPORT-9902", EXPLAIN)
    text = text.replace("feedback: FEEDBACK-ZQX-IGNORE-7731", FEEDBACK)
    intro.write_text(text, "utf-8")
    settings = load_settings(root)
    result = load_curriculum(settings)
    assert result.ok, [d.format() for d in result.diagnostics]
    return build_manifest(settings, result.curriculum, build_paths(result.curriculum))


def test_explain_and_feedback_come_with_the_builds_safe_html(tmp_path: Path, database_url: str):
    manifest = _manifest(tmp_path)
    service = RecordsService(manifest, Store(database_url), IdentityConfig())
    try:
        with app_client(create_app(service), ("127.0.0.1", 50000)) as c:
            body = {
                "attempt_id": str(uuid.uuid4()),
                "module": "intro",
                "version": manifest["modules"]["intro"]["version"],
                "answers": {"report-where": ["ignore"], "click-ok": ["true"]},
                "draw": draw(c, ANN, "intro")["draw"],
            }
            r = c.post("/api/attempts", json=body, headers=ANN)
            assert r.status_code == 201, r.text
            out = r.json()
    finally:
        service.store.close()
    assert out["passed"] is False  # reveal after_pass, feedback per_question: texts, no key
    q = {item["id"]: item for item in out["questions"]}["report-where"]
    assert "correct_choices" not in q
    assert q["explain"] == (
        "Use the **Report** button or forward it to `phish-desk`; <b>never</b> reply. "
        "[Why](javascript:alert(1))"
    )
    assert q["explain_html"] == (
        "Use the <strong>Report</strong> button or forward it to <code>phish-desk</code>; "
        "&lt;b&gt;never&lt;/b&gt; reply. <a>Why</a>"
    )
    assert q["feedback"] == [
        {
            "choice": "ignore",
            "text": "Ignoring it leaves `others` at *risk*",
            "text_html": "Ignoring it leaves <code>others</code> at <em>risk</em>",
        }
    ]
