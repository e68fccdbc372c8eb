"""Roster maps: the YAML format, its errors with lines, and the built-in maps."""

from __future__ import annotations

import pytest

from builder.lifecycle.roster_map import (
    RosterMapError,
    builtin_map,
    builtin_names,
    builtin_text,
    parse_map,
)


def test_builtin_maps_parse_and_name_at_least_three_systems() -> None:
    assert builtin_names() == ["bamboohr", "gusto", "hibob", "rippling"]
    for name in builtin_names():
        rmap = builtin_map(name)
        assert rmap.columns["email"] and rmap.columns["start_date"] and rmap.date_format
        assert "starting point" in builtin_text(name)


def test_every_map_problem_is_listed_with_its_line() -> None:
    text = """columns:
  emial: Work Email
  name: Name
  first_name: First
  start_date: ""
values:
  status: {Gone: departed}
  shoe_size: {}
date_format: "%m/%Y"
extra: 1
"""
    with pytest.raises(RosterMapError) as info:
        parse_map(text, "m.yml")
    assert info.value.problems == [
        "m.yml:1: error[map-missing]: `columns:` needs 'email'",
        "m.yml:2: error[map-field]: 'emial' is not a TrustPath field; did you mean 'email'?",
        "m.yml:3: error[map-name]: give `name` or `first_name` + `last_name`, not both",
        "m.yml:5: error[map-columns]: column for 'start_date' must be a header text",
        "m.yml:7: error[map-values]: values.status: 'Gone' maps to 'departed', which is not "
        "one of active, leave, exempt, left",
        "m.yml:8: error[map-values]: no value map for 'shoe_size'; only status, employment",
        "m.yml:9: error[map-date-format]: date_format '%m/%Y': it does not name the day, "
        "month and year (%d, %m, %Y or %y)",
        "m.yml:10: error[map-key]: unknown key 'extra'; known: columns, values, date_format",
    ]


def test_broken_yaml_and_unknown_builtin() -> None:
    with pytest.raises(RosterMapError) as info:
        parse_map("columns: [\n", "m.yml")
    assert info.value.problems[0].startswith("m.yml:2: error[map-yaml]: ")
    with pytest.raises(RosterMapError) as info:
        builtin_map("workday")
    assert str(info.value) == (
        "no built-in roster map 'workday'; built in: bamboohr, gusto, hibob, rippling"
    )
