"""Which counts the hub keeps and how a period's growth is worked out.

Platforms report cumulative counts. Each fetch is a point; the growth it records is
its rise from the previous point. A lower count than before is the platform's
correction (likes taken back, bot views removed): it is kept apart as a correction
(a positive amount taken back), never a negative growth, so a day's or a story's
growth is what it gained, and growth − corrections = the latest count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ronghub_sdk import Metrics

#: Counts that add up (cumulative on the platform; growth per period here).
COUNTERS: tuple[str, ...] = ("views", "likes", "comments", "shares", "favorites", "score")
#: Values that do not add up: kept as the latest value (a rate, a yes/no).
GAUGES: tuple[str, ...] = ("completion_rate", "adopted")


def values_of(m: Metrics) -> dict[str, Any]:
    """The metrics a fetch returned, without the absent ones."""
    raw = {
        "views": m.views,
        "likes": m.likes,
        "comments": m.comments,
        "shares": m.shares,
        "favorites": m.favorites,
        "score": m.score,
        "completion_rate": m.completion_rate,
        "adopted": m.adopted,
    }
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key in COUNTERS:
            out[key] = int(value)
        elif key == "completion_rate":
            out[key] = min(1.0, max(0.0, float(value)))
        else:
            out[key] = bool(value)
    return out


def change(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, int]:
    """Each counter's change from the previous point to this one (absent before: from 0;
    absent now: nothing recorded); negative when the platform corrected a count."""
    return {k: int(current[k]) - int(previous.get(k) or 0) for k in COUNTERS if k in current}


def growth(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, int]:
    """What each counter gained from the previous point (0 where it fell)."""
    return {k: max(0, v) for k, v in change(previous, current).items()}


def corrections(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, int]:
    """What the platform took back, per counter that fell (a positive amount)."""
    return {k: -v for k, v in change(previous, current).items() if v < 0}


def add(into: dict[str, int], more: Mapping[str, int]) -> dict[str, int]:
    """`into` with `more` added counter by counter (in place; returned for chaining)."""
    for key, value in more.items():
        into[key] = into.get(key, 0) + int(value)
    return into
