"""办理时限: a forward's deadline in working days, from the center's SLA rules and holiday
calendar. Plain code, no I/O.

A working day is Monday to Friday, unless the center lists it as a holiday (法定节假日),
plus the weekend days it lists as working days (调休补班). "Within N working days"
means: the deadline is the end (24:00, center time) of the N-th working day after the
day of forwarding; forwarding on a non-working day counts from the next working day the
same way (the day of forwarding itself is never counted, so a forward at 23:59 gets as
many full days as one at 08:00). The reminder is due `reminder_hours` before the
deadline, but never before the forward itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

CENTER_TZ = timezone(timedelta(hours=8))  # 北京时间; every center of the platform is in it
MAX_DAYS = 365
DAY_MS = 86_400_000


@dataclass(frozen=True)
class SlaRules:
    """A center's 办理时限 (working days per category, a default), reminder and calendar."""

    default_days: int = 5
    days_by_category: Mapping[str, int] = field(default_factory=dict)
    reminder_hours: int = 24
    holidays: frozenset[date] = frozenset()  # weekdays off (法定节假日)
    workdays: frozenset[date] = frozenset()  # weekend days worked (调休补班)

    def days_for(self, category: str | None) -> int:
        return int(self.days_by_category.get(category or "", self.default_days))


def problems(rules: SlaRules) -> list[tuple[str, str]]:
    """Why these rules cannot be saved ((zh, en) pairs; empty: they can)."""
    out = []
    for name, days in [("default", rules.default_days), *rules.days_by_category.items()]:
        if not 1 <= days <= MAX_DAYS:
            out.append(
                (
                    f"「{name}」的办理时限应为 1 到 {MAX_DAYS} 个工作日",
                    f"the time limit of '{name}' must be 1..{MAX_DAYS} working days",
                )
            )
    if not 0 <= rules.reminder_hours <= 24 * 30:
        out.append(("提醒提前量应为 0 到 720 小时", "reminder_hours must be 0..720"))
    both = rules.holidays & rules.workdays
    if both:
        day = min(both).isoformat()
        out.append(
            (f"{day} 不能同时是节假日和补班日", f"{day} cannot be both a holiday and a working day")
        )
    return out


def is_working_day(day: date, rules: SlaRules) -> bool:
    if day in rules.workdays:
        return True
    if day in rules.holidays:
        return False
    return day.weekday() < 5


def local_day(at_ms: int) -> date:
    return datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(CENTER_TZ).date()


def deadline(forwarded_at_ms: int, days: int, rules: SlaRules) -> int:
    """The end (24:00 center time, in ms) of the `days`-th working day after the forward's day."""
    if days < 1:
        raise ValueError("a time limit is at least one working day")
    day = local_day(forwarded_at_ms)
    counted = 0
    for _ in range(days * 7 + 3_700):  # bounded: any calendar has a working day within ten years
        day += timedelta(days=1)
        if is_working_day(day, rules):
            counted += 1
            if counted == days:
                end = datetime.combine(day + timedelta(days=1), time(0, 0), CENTER_TZ)
                return int(end.timestamp() * 1000)
    raise ValueError("the calendar has no working days")


def reminder_at(forwarded_at_ms: int, deadline_ms: int, rules: SlaRules) -> int:
    return max(forwarded_at_ms, deadline_ms - rules.reminder_hours * 3_600_000)


def parse_days(values: Collection[str], field_name: str) -> frozenset[date]:
    """ISO dates (YYYY-MM-DD) as given by the center; ValueError naming a bad one."""
    out = set()
    for v in values:
        try:
            out.add(date.fromisoformat(v.strip()))
        except ValueError:
            raise ValueError(f"{field_name}: {v!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(out)
