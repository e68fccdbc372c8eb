"""How a module is delivered: online (a page, a quiz) or as a live workshop with attendance.

A workshop (`delivery: workshop`) is completed by attending it: `min_minutes` is the
attendance that counts as attended (attendance is imported with `records attendance import`).
It needs no quiz. The rules, each an error at the key it is about:

- `workshop-min-minutes`: a workshop without `min_minutes`.
- `min-minutes-online`: `min_minutes` on a module delivered online, where it means nothing.
- `min-minutes-over-duration`: `min_minutes` longer than the workshop's `duration`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from builder.curriculum.diagnostics import Diagnostic, error
from builder.curriculum.yamlsource import SourceMap

DELIVERIES = ("online", "workshop")


def check_delivery(
    data: dict[str, Any], smap: SourceMap, rel: str, usable: Callable[..., bool]
) -> list[Diagnostic]:
    """Errors for `delivery`, `min_minutes` and `duration` that do not fit together.

    `usable(key)` tells whether the schema accepted the value at that key.
    """
    if not (usable("delivery") and usable("min_minutes")):
        return []
    delivery = data.get("delivery", "online")
    minutes = data.get("min_minutes")
    if delivery == "workshop" and minutes is None:
        where = smap.at(("delivery",)) if "delivery" in data else smap.at(())
        return [
            error(
                rel,
                where,
                "workshop-min-minutes",
                "a workshop needs 'min_minutes': the minutes of attendance that count as "
                "attended, e.g. 'min_minutes: 75' for a 90-minute session",
            )
        ]
    if minutes is None:
        return []
    if delivery != "workshop":
        return [
            error(
                rel,
                smap.at(("min_minutes",)),
                "min-minutes-online",
                "'min_minutes' applies only to workshops: add 'delivery: workshop', or "
                "remove 'min_minutes'",
            )
        ]
    duration = data.get("duration")
    if usable("duration") and isinstance(duration, int) and minutes > duration:
        return [
            error(
                rel,
                smap.at(("min_minutes",)),
                "min-minutes-over-duration",
                f"'min_minutes' is {minutes}, longer than the workshop's duration of "
                f"{duration} minutes: nobody could attend enough",
            )
        ]
    return []
