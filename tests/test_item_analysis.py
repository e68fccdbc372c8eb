"""Item analysis as Moodle's quiz statistics compute it, checked against figures worked by hand.

Five people take `phishing` (q1 single a/b*/c; q2 multiple x*,y*,z; q3-q5 true/false with
keys false, true, true); one of them tries again, which must not count (first attempts only).

    person  q1  q2  q3  q4  q5     q1 chosen   q2 chosen
    P1       0   1   1   1   1     a           x y
    P2       1   0   0   0   1     b           x
    P3       1   1   1   1   0     b           x y
    P4       0   1   1   1   1     a           x y
    P5       1   0   0   0   0     b           x z

q1: x = (0,1,1,0,1), rest of the attempt (share right of the other four) = (1, .25, .75, 1, 0).
Facility 3/5 = 0.6. Both means are 0.6; deviations x (-.6,.4,.4,-.6,.4), rest
(.4,-.35,.15,.4,-.6): Σ products = -0.8, Σx² = 1.2, Σrest² = 0.825, so
D = -0.8 / √(1.2 × 0.825) = -0.8 / √0.99 = -0.80403 (negative: flagged). Choice shares
a 0.4, b 0.6, c 0 (a distractor nobody picks: flagged).
q4: x = (1,0,1,1,0), rest = (.75, .5, .75, .75, .25); Σ products = 0.45, Σx² = 1.2,
Σrest² = 0.2, D = 0.45 / √0.24 = 0.91856; facility 0.6.
q2 shares: x 1.0, y 0.6, z 0.2.
"""

from __future__ import annotations

import datetime as dt

from builder.course.model import course_from_manifest
from builder.records.draws import DrawSigner
from builder.records.identity import IdentityConfig
from builder.records.service import RecordsService
from builder.reports.aggregates import item_stats, pearson
from builder.reports.dashboard import render_dashboard
from builder.reports.dashboard_data import gather
from builder.store.database import Store
from builder.web.app import create_app
from tests.asgi import app_client
from tests.records_support import RIGHT, attempt, manifest

TABLE = {
    "p1": {"q1": ["a"], "q2": ["x", "y"], "q3": ["false"], "q4": ["true"], "q5": ["true"]},
    "p2": {"q1": ["b"], "q2": ["x"], "q3": ["true"], "q4": ["false"], "q5": ["true"]},
    "p3": {"q1": ["b"], "q2": ["x", "y"], "q3": ["false"], "q4": ["true"], "q5": ["false"]},
    "p4": {"q1": ["a"], "q2": ["x", "y"], "q3": ["false"], "q4": ["true"], "q5": ["true"]},
    "p5": {"q1": ["b"], "q2": ["x", "z"], "q3": ["true"], "q4": ["false"], "q5": ["false"]},
}
KEY = {"q1": {"b"}, "q2": {"x", "y"}, "q3": {"false"}, "q4": {"true"}, "q5": {"true"}}


def rows():
    out = []
    for seq, answers in enumerate(TABLE.values(), start=1):
        for q, chosen in answers.items():
            out.append((seq, "phishing", 1, q, tuple(chosen), set(chosen) == KEY[q]))
    return out


def test_pearson_by_hand():
    assert round(pearson([0, 1, 1, 0, 1], [1, 0.25, 0.75, 1, 0]) or 0, 5) == -0.80403
    assert pearson([1, 1, 1], [0, 0.5, 1]) is None  # a question everyone gets right


def test_item_stats_match_the_hand_computed_figures():
    stats = item_stats(rows(), course_from_manifest(manifest()))
    q1, q2, q4 = (stats[("phishing", 1, q)] for q in ("q1", "q2", "q4"))
    assert (q1.first_attempts, q1.facility) == (5, 0.6)
    assert round(q1.discrimination or 0, 5) == -0.80403
    assert [(c.id, c.share, c.correct) for c in q1.choices] == [
        ("a", 0.4, False),
        ("b", 0.6, True),
        ("c", 0.0, False),
    ]
    assert q1.unpicked == ["c"]
    assert q1.flags == ["negative-discrimination", "unpicked-distractor"]
    assert q4.facility == 0.6 and round(q4.discrimination or 0, 5) == 0.91856
    assert q4.flags == []
    assert [(c.id, c.share) for c in q2.choices] == [("x", 1.0), ("y", 0.6), ("z", 0.2)]


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_questions_report_carries_the_figures_over_first_attempts(database_url: str):
    clock = Clock()
    service = RecordsService(
        manifest(),
        Store(database_url),
        IdentityConfig(),
        admin_token="admin-secret",
        signer=DrawSigner(b"k" * 32),
        clock=clock,
    )
    try:
        with app_client(create_app(service)) as c:
            for person, answers in TABLE.items():
                who = {"X-TrustPath-User": f"{person}@example.com"}
                d = c.get("/api/quiz/phishing/draw", headers=who).json()["draw"]
                assert c.post("/api/attempts", json=attempt(answers=answers, draw=d), headers=who)
            clock.now += dt.timedelta(hours=1)  # P1 tries again, all right: not a first attempt
            who = {"X-TrustPath-User": "p1@example.com"}
            d = c.get("/api/quiz/phishing/draw", headers=who).json()["draw"]
            r = c.post("/api/attempts", json=attempt(answers=RIGHT, draw=d), headers=who)
            assert r.status_code == 201
            report = c.get(
                "/api/reports/questions",
                params={"module": "phishing"},
                headers={"Authorization": "Bearer admin-secret"},
            )
            assert report.status_code == 200, report.text
            by_q = {row["question"]: row for row in report.json()}
        page = render_dashboard(gather(service.store, service.course))  # as of today
    finally:
        service.store.close()
    q1 = by_q["q1"]
    assert q1["attempts"] == 6 and q1["first_attempts"] == 5
    assert (q1["facility"], q1["discrimination"]) == (0.6, -0.804)
    assert q1["choices"] == [
        {"id": "a", "text": "choice a", "share": 0.4, "correct": False},
        {"id": "b", "text": "choice b", "share": 0.6, "correct": True},
        {"id": "c", "text": "choice c", "share": 0.0, "correct": False},
    ]
    assert q1["flags"] == ["negative-discrimination", "unpicked-distractor"]
    assert q1["unpicked_distractors"] == ["c"]
    assert (by_q["q4"]["facility"], by_q["q4"]["discrimination"]) == (0.6, 0.9186)
    assert by_q["q4"]["flags"] == []
    quality = page.split("Question quality (first attempts)", 1)[1].split("</table>", 1)[0]
    assert "negative-discrimination" in quality and "unpicked-distractor" in quality
    # questions by prompt (the fixture prompts are the ids): q1 flagged, q4 discriminates well
    assert '"Question">q1</td>' in quality and '"Question">q4</td>' not in quality
