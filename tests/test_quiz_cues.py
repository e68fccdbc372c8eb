"""The starter quizzes cannot be passed by test-wise guessing (issues 11 and 17).

Reads every module's front matter with PyYAML, independently of the builder, fills the
company-profile placeholders from mkdocs.yml (learners see the values), and checks the cues a
learner could answer from without reading the module:

- longest answer: the correct choice of a single-answer question is the strictly longest
  (by characters) in at most a third of a module's single questions, and in well under a
  third across the curriculum;
- shortest answer, the inverse cue that appears once the right answer is never the longest:
  the correct choice is the strictly shortest in at most 40 % of single questions, and never
  noticeably shorter (under 90 % of every other choice's length);
- position: the source position of the correct single choice is spread over the positions;
- true/false balance: one answer in at most two thirds of a module's true/false questions
  (modules with three or more), and 40-60 % "true" across the curriculum;
- no "all of the above" / "none of the above" choices;
- multiple-choice questions: the "every choice but the last" key, and more broadly "every choice
  but one", each in at most a quarter of them, and a variety of keys;
- an explanation on every question and feedback on every wrong choice.

Run it as a script to print the measured figures:
``python tests/test_quiz_cues.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
CONTENT = ROOT / "content"
ABOVE = re.compile(r"\b(all|none|both|neither)\s+of\s+the\s+(above|others|these)\b", re.I)
AS_LONG_AS = re.compile(r"\bas long as\b", re.I)


def _fill(data: object, values: dict[str, str]) -> object:
    if isinstance(data, str):
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), data)
    if isinstance(data, dict):
        return {k: _fill(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [_fill(v, values) for v in data]
    return data


def _front_matter(path: Path, values: dict[str, str]) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].strip() == "---", f"{path}: no front matter"
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    data = _fill(yaml.safe_load("\n".join(lines[1:end])), values)
    assert isinstance(data, dict)
    return data


def _profile() -> dict[str, str]:
    """The company-profile values ($company.KEY) from mkdocs.yml: quizzes are judged as shown."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=_Loader)
    entry = next(
        p["trustpath"] for p in config["plugins"] if isinstance(p, dict) and "trustpath" in p
    )
    values = {f"company.{k}": str(v) for k, v in (entry.get("company") or {}).items()}
    values["training.onboarding_days"] = str(entry.get("onboarding_days", 30))
    values["training.grace_days"] = str(entry.get("grace_days", 30))
    return values


class _Loader(yaml.SafeLoader):
    """mkdocs.yml has an !ENV tag; its value does not matter here."""


_Loader.add_constructor("!ENV", lambda loader, node: None)
PLACEHOLDER = re.compile(r"\$((?:company|training)\.[A-Za-z0-9_]+)")


def load_modules() -> dict[str, dict]:
    modules = {}
    values = _profile()
    for path in sorted(CONTENT.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        data = _front_matter(path, values)
        if isinstance(data, dict) and data.get("quiz"):
            modules[str(path.relative_to(ROOT))] = data
    return modules


def _questions(module: dict, kind: str | None = None) -> list[dict]:
    qs = (module.get("quiz") or {}).get("questions") or []
    return [q for q in qs if kind is None or q.get("type") == kind]


def longest_is_correct(q: dict) -> bool:
    """True when a correct choice is strictly longer than every other choice."""
    lengths = [len(str(c["text"]).strip()) for c in q["choices"]]
    top = max(lengths)
    if lengths.count(top) != 1:
        return False
    return bool(q["choices"][lengths.index(top)].get("correct"))


def shortest_is_correct(q: dict, margin: float = 1.0) -> bool:
    """True when the correct choice is shorter than margin x every other choice."""
    lengths = [len(str(c["text"]).strip()) for c in q["choices"]]
    i = next(i for i, c in enumerate(q["choices"]) if c.get("correct"))
    return all(lengths[i] < margin * n for j, n in enumerate(lengths) if j != i)


def correct_position(q: dict) -> int:
    return next(i for i, c in enumerate(q["choices"]) if c.get("correct")) + 1


def all_but_last(q: dict) -> bool:
    flags = [bool(c.get("correct")) for c in q["choices"]]
    return len(flags) >= 3 and all(flags[:-1]) and not flags[-1]


def all_but_one(q: dict) -> bool:
    """Every choice correct except one (the broader reading of "all but the last")."""
    flags = [bool(c.get("correct")) for c in q["choices"]]
    return len(flags) >= 3 and flags.count(False) == 1


def key_pattern(q: dict) -> str:
    return "".join("x" if c.get("correct") else "." for c in q["choices"])


def figures(modules: dict[str, dict] | None = None) -> dict:
    modules = load_modules() if modules is None else modules
    per_module = {}
    singles, multiples, tfs = [], [], []
    for path, m in modules.items():
        s, mu, tf = (_questions(m, k) for k in ("single", "multiple", "true_false"))
        singles += s
        multiples += mu
        tfs += tf
        per_module[path] = {
            "single": len(s),
            "longest": sum(longest_is_correct(q) for q in s),
            "tf": len(tf),
            "tf_true": sum(1 for q in tf if q.get("answer") is True),
            "multiple": len(mu),
            "all_but_last": sum(all_but_last(q) for q in mu),
        }
    return {
        "modules": per_module,
        "single": len(singles),
        "longest": sum(longest_is_correct(q) for q in singles),
        "shortest": sum(shortest_is_correct(q) for q in singles),
        "noticeably_shortest": sum(shortest_is_correct(q, 0.9) for q in singles),
        "positions": Counter(correct_position(q) for q in singles),
        "second": sum(1 for q in singles if correct_position(q) == 2),
        "multiple": len(multiples),
        "all_but_last": sum(all_but_last(q) for q in multiples),
        "all_but_one": sum(all_but_one(q) for q in multiples),
        "multiple_keys": Counter(key_pattern(q) for q in multiples),
        "tf": len(tfs),
        "tf_true": sum(1 for q in tfs if q.get("answer") is True),
        "tf_as_long_as": sum(1 for q in tfs if AS_LONG_AS.search(str(q.get("prompt", "")))),
        "guesser_passes": _guesser_passes(modules),
    }


def _guesser_passes(modules: dict[str, dict]) -> dict[str, int]:
    """Quizzes a test-wise guesser passes without reading, per strategy.

    single: the second choice, or the longest; multiple: every choice but the last;
    true/false: always "false" (the strategies with "+false").
    """
    strategies = {"second": 0, "longest": 0, "second+false": 0, "longest+false": 0}
    for m in modules.values():
        qs = _questions(m)
        if not qs:
            continue
        mark = m["quiz"].get("pass_mark", 80) / 100
        for name in strategies:
            right = 0
            for q in qs:
                if q["type"] == "single":
                    if name.startswith("second"):
                        right += len(q["choices"]) > 1 and bool(q["choices"][1].get("correct"))
                    else:
                        lengths = [len(str(c["text"]).strip()) for c in q["choices"]]
                        right += bool(q["choices"][lengths.index(max(lengths))].get("correct"))
                elif q["type"] == "multiple":
                    right += all_but_last(q)
                elif name.endswith("+false"):
                    right += q.get("answer") is False
            strategies[name] += right / len(qs) >= mark
    return strategies


MODULES = load_modules()


def test_curriculum_is_present() -> None:
    assert len(MODULES) >= 18


@pytest.mark.parametrize("path", sorted(MODULES))
def test_module_has_no_longest_answer_cue(path: str) -> None:
    singles = _questions(MODULES[path], "single")
    longest = [q["id"] for q in singles if longest_is_correct(q)]
    assert Fraction(len(longest), max(len(singles), 1)) <= Fraction(1, 3), (
        f"{path}: the correct choice is the strictly longest in {longest} of {len(singles)}"
    )


def test_curriculum_longest_answer_share_is_well_under_a_third() -> None:
    f = figures(MODULES)
    assert f["longest"] / f["single"] <= 0.25, f"{f['longest']} of {f['single']}"


def test_curriculum_has_no_shortest_answer_cue() -> None:
    f = figures(MODULES)
    assert f["shortest"] / f["single"] <= 0.4, f"{f['shortest']} of {f['single']}"
    assert f["noticeably_shortest"] == 0, f["noticeably_shortest"]


def test_correct_positions_are_spread() -> None:
    f = figures(MODULES)
    n = f["single"]
    for pos in (1, 2, 3):
        assert f["positions"][pos] >= n / 6, f["positions"]
    assert max(f["positions"].values()) <= n * 0.4, f["positions"]


@pytest.mark.parametrize("path", sorted(MODULES))
def test_module_true_false_balance(path: str) -> None:
    tf = _questions(MODULES[path], "true_false")
    if len(tf) < 3:
        return
    trues = sum(1 for q in tf if q["answer"] is True)
    assert Fraction(max(trues, len(tf) - trues), len(tf)) <= Fraction(2, 3), (
        f"{path}: {trues} true of {len(tf)}"
    )


def test_curriculum_true_false_balance() -> None:
    f = figures(MODULES)
    assert 0.4 <= f["tf_true"] / f["tf"] <= 0.6, f"{f['tf_true']} true of {f['tf']}"


def test_no_as_long_as_statements() -> None:
    bad = [
        (p, q["id"])
        for p, m in MODULES.items()
        for q in _questions(m, "true_false")
        if AS_LONG_AS.search(str(q["prompt"]))
    ]
    assert not bad, bad


def test_no_all_or_none_of_the_above() -> None:
    bad = [
        (p, q["id"], c["id"])
        for p, m in MODULES.items()
        for q in _questions(m)
        for c in q.get("choices") or []
        if ABOVE.search(str(c["text"]))
    ]
    assert not bad, bad


def test_multiple_choice_keys_vary() -> None:
    f = figures(MODULES)
    assert f["all_but_last"] <= f["multiple"] / 4, f"{f['all_but_last']} of {f['multiple']}"
    assert f["all_but_one"] <= f["multiple"] / 4, f"{f['all_but_one']} of {f['multiple']}"
    mqs = [q for m in MODULES.values() for q in _questions(m, "multiple")]
    counts = Counter(sum(1 for c in q["choices"] if c.get("correct")) for q in mqs)
    assert counts[1] >= 1 and counts[2] >= 1, counts
    assert any(q["choices"][-1].get("correct") for q in mqs)


def test_no_quiz_is_passed_by_guessing() -> None:
    passes = figures(MODULES)["guesser_passes"]
    assert not any(passes.values()), passes


def test_explain_and_feedback_everywhere() -> None:
    for path, m in MODULES.items():
        for q in _questions(m):
            assert str(q.get("explain") or "").strip(), f"{path}: {q['id']} has no explain"
            for c in q.get("choices") or []:
                if not c.get("correct"):
                    assert str(c.get("feedback") or "").strip(), (
                        f"{path}: {q['id']}/{c['id']} has no feedback"
                    )


def _report() -> None:
    f = figures(MODULES)
    print(
        f"single: {f['single']}; correct strictly longest {f['longest']}; strictly shortest "
        f"{f['shortest']} (noticeably {f['noticeably_shortest']}); correct second "
        f"{f['second']}; positions {dict(sorted(f['positions'].items()))}"
    )
    print(
        f"multiple: {f['multiple']}; all-but-last {f['all_but_last']}; "
        f"all-but-one {f['all_but_one']}; "
        f"keys {dict(f['multiple_keys'])}"
    )
    print(
        f"true_false: {f['tf']}; true {f['tf_true']}; false {f['tf'] - f['tf_true']}; "
        f"'as long as' {f['tf_as_long_as']}"
    )
    print(f"quizzes of {len(f['modules'])} passed without reading: {f['guesser_passes']}")
    print("module: longest/single, true/tf, all-but-last/multiple")
    for path, mf in f["modules"].items():
        print(
            f"  {path}: {mf['longest']}/{mf['single']}, {mf['tf_true']}/{mf['tf']}, "
            f"{mf['all_but_last']}/{mf['multiple']}"
        )


if __name__ == "__main__":
    _report()
