"""Manager chains: direct and indirect reports, loops."""

from __future__ import annotations

from builder.lifecycle.managers import manager_loops, reports_of

CHART = {
    "ceo@x.io": "",
    "cto@x.io": "ceo@x.io",
    "eng1@x.io": "cto@x.io",
    "eng2@x.io": "cto@x.io",
    "intern@x.io": "eng1@x.io",
    "cfo@x.io": "ceo@x.io",
}


def test_direct_and_indirect_reports() -> None:
    cto = reports_of("cto@x.io", CHART)
    assert cto.direct == ("eng1@x.io", "eng2@x.io")
    assert cto.indirect == ("intern@x.io",)
    ceo = reports_of("ceo@x.io", CHART)
    assert ceo.everyone == ("cfo@x.io", "cto@x.io", "eng1@x.io", "eng2@x.io", "intern@x.io")
    assert reports_of("intern@x.io", CHART).everyone == ()


def test_loops_are_found_once_and_do_not_hang_the_walk() -> None:
    looped = {"a@x.io": "c@x.io", "b@x.io": "a@x.io", "c@x.io": "b@x.io", "d@x.io": "a@x.io",
              "self@x.io": "self@x.io", "ok@x.io": ""}  # fmt: skip
    assert manager_loops(looped) == [["a@x.io", "c@x.io", "b@x.io"], ["self@x.io"]]
    assert manager_loops(CHART) == []
    assert reports_of("a@x.io", looped).everyone == ("b@x.io", "d@x.io", "c@x.io")
