"""Issue 16, authoring without surprises: one fixture project per case, exact output."""

from __future__ import annotations

import itertools
import time
import tracemalloc

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.cli.main import cli
from builder.config import load_settings
from builder.curriculum.loader import load_curriculum
from builder.curriculum.yamlsource import YamlProblem, core_value, parse_yaml
from tests.conftest import FIXTURES

CASES = sorted(p.name for p in (FIXTURES / "authoring").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_validate_output_of_each_authoring_case_is_exact(case: str) -> None:
    project = FIXTURES / "authoring" / case
    result = CliRunner().invoke(cli, ["--project", str(project), "validate"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    expected = (project / "expected.txt").read_text()
    assert f"{result.output}exit: {result.exit_code}\n" == expected


def _modules(case: str) -> dict[str, object]:
    settings_ = load_settings(FIXTURES / "authoring" / case)
    return dict(load_curriculum(settings_).curriculum.modules)


def test_zero_padded_numbers_are_read_as_written_not_as_octal() -> None:
    module = _modules("01-yaml-octal-sexagesimal")["zero-padded"]
    assert module.duration == 10  # type: ignore[attr-defined]
    assert module.quiz.pass_mark == 75  # type: ignore[attr-defined]


def test_lf_crlf_and_lone_cr_files_load_alike() -> None:
    modules = _modules("line-endings")
    assert modules == {}  # each has the same deliberate error, reported at the same place
    expected = (FIXTURES / "authoring" / "line-endings" / "expected.txt").read_text()
    assert [line.split(":", 1)[1] for line in expected.splitlines()[:3]] == [
        "8:8: error[invalid-type]: 'owner' must be a string, not number (7)"
    ] * 3


def _bomb(levels: int) -> str:
    text = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
    names = "abcdefghijklmnop"[: levels + 1]
    for prev, name in itertools.pairwise(names):
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return text


def test_alias_bomb_is_refused_quickly_and_in_little_memory() -> None:
    text = _bomb(7)
    tracemalloc.start()
    started = time.process_time()
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(text)
    elapsed = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert caught.value.code == "yaml-alias"
    assert caught.value.position == (1, 4)
    assert elapsed < 0.1, elapsed
    assert peak < 50 * 1024 * 1024, peak


def test_role_files_refuse_aliases_too(copy_fixture) -> None:
    project = copy_fixture("diagnostics/unknown-role")
    (project / "roles" / "alias.yml").write_text("id: &x alias\ntitle: *x\n")
    result = CliRunner().invoke(cli, ["--project", str(project), "validate"])
    assert "roles/alias.yml:1:5: error[yaml-alias]: anchors ('&x') are not supported" in (
        result.output
    )


# Scalars on which YAML 1.1 (PyYAML's safe loader) and YAML 1.2 agree.
_words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=12,
).filter(lambda s: isinstance(core_value(s.strip()), str))  # "1e3" or "0o7" are ambiguous
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: "e" not in repr(f)),
    _words,
)
_keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_yaml_1_2_scalars_load_as_the_safe_loader_reads_unambiguous_input(doc: object) -> None:
    for style in (None, True, False):
        text = yaml.safe_dump({"doc": doc}, default_flow_style=style, allow_unicode=True)
        expected = yaml.safe_load(text)
        value, _ = parse_yaml(text)
        assert value == expected
