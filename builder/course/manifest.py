"""The course manifest: what the records service grades against, written outside the site.

It holds the answer key, so it is never copied into the published `site/` folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from builder.config import Settings
from builder.coverage.gate import required_criteria
from builder.curriculum.model import Curriculum, Module
from builder.curriculum.paths import LearningPath

MANIFEST_FORMAT = 1
MANIFEST_NAME = "manifest.json"
# Quiz keys the records service reads (builder.course.quizrules); absent: its defaults.
QUIZ_RULE_KEYS = ("draw", "max_attempts", "attempt_window_hours", "cooldown_minutes", "feedback")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_url(doc_path: str) -> str:
    """The page's URL relative to the site root, as MkDocs builds it (directory URLs)."""
    stem = doc_path.removesuffix(".md")
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def git_commit(root: Path) -> str | None:
    """The commit the work tree is at (with '-dirty' when it has changes), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _inline_html(text: str | None) -> str | None:
    # Imported here: Markdown is only needed to build a manifest, not to read one (reports).
    from builder.course.rendering import render_inline

    return render_inline(text) if text else None


def module_entry(module: Module) -> dict[str, Any]:
    quiz = None
    if module.quiz is not None:
        rules = {
            key: getattr(module.quiz, key)
            for key in QUIZ_RULE_KEYS
            if getattr(module.quiz, key) is not None
        }
        quiz = {
            "pass_mark": module.quiz.pass_mark,
            "reveal": module.quiz.reveal,
            **rules,
            "questions": [
                {
                    "id": q.id,
                    "type": q.type,
                    # `shuffle` comes with the authoring change (question schema and model)
                    "shuffle": q.shuffle,
                    "prompt": q.prompt,
                    "choices": [
                        {
                            "id": c.id,
                            "text": c.text,
                            "correct": c.correct,
                            "feedback": c.feedback,
                            # the feedback as safe inline HTML, for the page after grading
                            "feedback_html": _inline_html(c.feedback),
                        }
                        for c in q.choices
                    ],
                    "correct": sorted(q.correct_ids),
                    "explain": q.explain,
                    "explain_html": _inline_html(q.explain),
                }
                for q in module.quiz.questions
            ],
        }
    return {
        "id": module.id,
        "title": module.title,
        "version": module.version,
        "content_sha256": module.content_sha256,
        "criteria": list(module.criteria),
        "roles": list(module.roles),
        "when": list(module.when),
        "stage": module.stage,
        "recurrence": module.recurrence,
        "duration": module.duration,
        "owner": module.owner,
        "review_by": module.review_by.isoformat() if module.review_by else None,
        "retrain_on_change": module.retrain_on_change,
        # how the module is taken: online, or a workshop completed by attending min_minutes
        "delivery": module.delivery,
        "min_minutes": module.min_minutes,
        # the company-profile values the module cited in this build: what the person was taught
        "placeholders": dict(module.placeholders),
        "url": page_url(module.doc_path),
        "source": module.path,
        "acknowledge": (
            {"statement": module.acknowledge, "statement_sha256": sha256_text(module.acknowledge)}
            if module.acknowledge
            else None
        ),
        "quiz": quiz,
    }


def build_manifest(
    settings: Settings,
    curriculum: Curriculum,
    paths: dict[str, LearningPath],
    *,
    built_at: dt.datetime | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict."""
    built_at = built_at or dt.datetime.now(dt.UTC)
    return {
        "format": MANIFEST_FORMAT,
        "built_at": built_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "commit": commit,
        "settings": {
            "onboarding_days": settings.onboarding_days,
            "grace_days": settings.grace_days,
            "due_soon_days": settings.due_soon_days,
            "timezone": settings.timezone,
            "programme_start": (
                settings.programme_start.isoformat() if settings.programme_start else None
            ),
            "organisation": settings.organisation_name,
            "company": dict(settings.company),  # the whole profile (modules list what they cite)
            "site_url": settings.site_url or None,  # the default xAPI organisation IRI
        },
        "criteria": {
            c.id: {
                "title": c.title,
                "category": c.category,
                "training_relevant": c.training_relevant,
            }
            for c in curriculum.catalogue.scoped()
        },
        "modules": {mid: module_entry(m) for mid, m in sorted(curriculum.modules.items())},
        "roles": {
            rid: {
                "id": rid,
                "title": p.role.title,
                "extends": list(p.role.extends),
                "ancestry": list(p.ancestry),
                "departments": list(p.role.departments),
                "criteria": list(p.role.criteria),
                "required_criteria": list(required_criteria(curriculum, p, settings)),
                "path": [
                    {"module": s.module.id, "stage": s.stage, "pulled_in": s.pulled_in}
                    for s in p.steps
                ],
            }
            for rid, p in paths.items()
        },
    }


def write_manifest(manifest: dict[str, Any], state_dir: Path) -> Path:
    """Write atomically to `<state_dir>/manifest.json` (readers never see half a file)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_dir / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".manifest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, ensure_ascii=False, sort_keys=False)
        fh.write("\n")
    os.replace(tmp, target)
    return target


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at `path` (raises OSError / ValueError when missing or broken)."""
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path}: unsupported manifest format {data.get('format')!r}")
    return data
