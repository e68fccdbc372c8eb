"""Property-based: generated and mutated module files never make the loader raise."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.config import Settings
from builder.curriculum.loader import load_curriculum

VALID = """---
id: sample
title: Sample module
summary: A sample.
version: 2
criteria: [CC2.2, CC6.1]
roles: [all-staff]
when: [onboarding, annual]
requires: [other]
duration: 10
owner: security@example.com
review_by: 2099-06-30
objective: People do the right thing.
acknowledge:
  statement: I have read it.
quiz:
  pass_mark: 80
  reveal: after_pass
  questions:
    - id: q1
      type: single
      prompt: |
        You receive an odd message. What do you do?
      choices:
        - {id: a, text: Report it, correct: true, feedback: Good}
        - {id: b, text: Ignore it, correct: false}
      explain: Report it.
    - id: q2
      type: true_false
      prompt: Reporting gets you in trouble.
      answer: false
---
# Sample module

Body.
"""
OTHER = "---\nid: other\ntitle: Other\nversion: 1\ncriteria: [CC2.2]\nroles: [all-staff]\n---\n"
KEYS = [
    "id",
    "title",
    "version",
    "criteria",
    "roles",
    "when",
    "requires",
    "quiz",
    "acknowledge",
    "review_by",
    "duration",
    "critera",
    "questions",
    "choices",
    "type",
    "answer",
    "pass_mark",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["CC2.2", "all-staff", "single", "2027-02-30", "q1"]),
    st.dates(min_value=dt.date(1990, 1, 1)).map(str),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=20,
)
generated = st.dictionaries(st.sampled_from(KEYS), values, max_size=8).map(
    lambda d: ("---\n" + yaml.safe_dump(d, allow_unicode=True) + "---\nbody\n").encode()
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(VALID.encode())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate-line", "swap-lines", "replace"]))
        pos = draw(st.integers(0, len(data)))
        if op == "delete":
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == "insert":
            data[pos:pos] = draw(
                st.one_of(
                    st.sampled_from(
                        [
                            b"\t",
                            b'"',
                            b"'",
                            b":",
                            b"- ",
                            b"\n",
                            b"---\n",
                            b"{",
                            b"[",
                            b"&a ",
                            b"*a",
                            b"!!python/name:os.system ",
                            b"\xff\xfe",
                            b"\n  ",
                            b"? ",
                            b"<<: *a\n",
                            b"%YAML 1.1\n",
                        ]
                    ),
                    st.binary(max_size=6),
                )
            )
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "duplicate-line":
                lines.insert(j, lines[i])
            elif op == "swap-lines":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = draw(st.text(max_size=30)).encode("utf-8", "surrogatepass")
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def _project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="trustpath-fuzz-"))
    (root / "content").mkdir()
    (root / "roles").mkdir()
    (root / "roles" / "all-staff.yml").write_text("id: all-staff\ntitle: Everyone\n")
    (root / "content" / "other.md").write_text(OTHER)
    return root


ROOT = _project()
SETTINGS = Settings(root=ROOT, categories=("security",))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), generated))
def test_loader_never_raises_and_every_diagnostic_has_a_place(data: bytes) -> None:
    (ROOT / "content" / "sample.md").write_bytes(data)
    result = load_curriculum(SETTINGS, today=dt.date(2026, 1, 1))
    for d in result.diagnostics:
        assert d.path in {"content/sample.md", "content/other.md", "roles/all-staff.yml"}
        assert d.line >= 1 and d.column >= 1
        assert d.severity in {"error", "warning"}
        assert d.code and d.message
    if result.ok:  # no error: the file loaded as a module (it always has front matter here)
        paths = {m.path for m in result.curriculum.modules.values()}
        assert "content/sample.md" in paths
