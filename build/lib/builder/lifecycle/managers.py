"""Who manages whom, from the roster's `manager_email` column. Pure: no DB, no web.

The data behind `due --manager`, `completion --manager` and manager reminder digests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reports:
    """A manager's reports: `direct` (manager_email is theirs) and `indirect` (further down)."""

    manager: str
    direct: tuple[str, ...]
    indirect: tuple[str, ...]

    @property
    def everyone(self) -> tuple[str, ...]:
        """Direct then indirect reports."""
        return self.direct + self.indirect


def reports_of(manager: str, managers: Mapping[str, str]) -> Reports:
    """Direct and indirect reports of `manager`, breadth first, each sorted within its level.

    `managers` maps a person's normalised email to their manager's (empty: none). A loop in
    the data cannot hang the walk: a person is visited once, and the manager never reports to
    themself.
    """
    children: dict[str, list[str]] = {}
    for person, boss in managers.items():
        if boss:
            children.setdefault(boss, []).append(person)
    direct = sorted(p for p in children.get(manager, ()) if p != manager)
    seen = {manager, *direct}
    indirect: list[str] = []
    level = direct
    while level:
        below = sorted({c for p in level for c in children.get(p, ()) if c not in seen})
        seen.update(below)
        indirect += below
        level = below
    return Reports(manager, tuple(direct), tuple(indirect))


def manager_loops(managers: Mapping[str, str]) -> list[list[str]]:
    """Every cycle in the manager chains, each as the emails in order starting at its smallest.

    `a -> b -> a` is one loop `[a, b]`; a person managing themself is a loop of one.
    """
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(managers):
        path: list[str] = []
        on_path: dict[str, int] = {}
        node = start
        while node and node in managers and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = managers[node]
        if node in on_path:
            cycle = path[on_path[node] :]
            first = cycle.index(min(cycle))
            loops.append(cycle[first:] + cycle[:first])
        done.update(path)
    return loops
