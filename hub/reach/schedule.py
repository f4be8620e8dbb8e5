"""When a publication's counts are fetched, and which time bucket a moment falls in.

Often while a story is fresh, rarely after: five fetches in its first hour, then
hourly to daily, then weekly until a month has passed. Each fetch is a stored job
due at `delivered + COLLECTION_SCHEDULE_S[n-1]` (a durable schedule that survives
restarts); the next one is stored only once the current one has succeeded, so a
platform that is down delays the schedule but loses no period: when it is back, the
fetches that fell due run one after another and each records its point.

Buckets are days in China Standard Time (UTC+8, no daylight saving): what a
newsroom in China calls "today".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

MINUTE, HOUR, DAY = 60.0, 3_600.0, 86_400.0

COLLECTION_SCHEDULE_S: tuple[float, ...] = (
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    4 * HOUR,
    8 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    3 * DAY,
    5 * DAY,
    7 * DAY,
    14 * DAY,
    21 * DAY,
    30 * DAY,
)

CST = timezone(timedelta(hours=8), "CST")


def due_after_s(n: int, schedule: tuple[float, ...] = COLLECTION_SCHEDULE_S) -> float | None:
    """Seconds after delivery that fetch number `n` (1-based) is due; None when the
    schedule is over (the story is no longer followed)."""
    if n < 1:
        raise ValueError("fetches are numbered from 1")
    return schedule[n - 1] if n <= len(schedule) else None


def day_of(ms: int) -> str:
    """The day bucket (YYYY-MM-DD, China time) of a moment in epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, CST).strftime("%Y-%m-%d")


def hour_of(ms: int) -> str:
    """The hour bucket (YYYY-MM-DDTHH, China time): the app's read counts."""
    return datetime.fromtimestamp(ms / 1000, CST).strftime("%Y-%m-%dT%H")


def month_of(ms: int) -> str:
    """The month (YYYY-MM, China time) of a moment."""
    return day_of(ms)[:7]


def parse_month(month: str) -> tuple[int, int]:
    """(year, month) of "YYYY-MM"; ValueError when it is not one."""
    if len(month) != 7 or month[4] != "-":
        raise ValueError(f"not a month: {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    if not (2000 <= year <= 2200 and 1 <= mon <= 12):
        raise ValueError(f"not a month: {month!r}")
    return year, mon


def month_days(month: str) -> tuple[str, str]:
    """The first and last day bucket of a month."""
    year, mon = parse_month(month)
    first = datetime(year, mon, 1, tzinfo=CST)
    nxt = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CST)
    return first.strftime("%Y-%m-%d"), (nxt - timedelta(days=1)).strftime("%Y-%m-%d")


def month_bounds_ms(month: str) -> tuple[int, int]:
    """[start, end) of a month in epoch milliseconds (China time)."""
    year, mon = parse_month(month)
    first = datetime(year, mon, 1, tzinfo=CST)
    nxt = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CST)
    return int(first.timestamp() * 1000), int(nxt.timestamp() * 1000)


def day_start_ms(day: str) -> int:
    """Epoch milliseconds at the start of a day bucket (China time)."""
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CST).timestamp() * 1000)


def valid_day(day: str) -> bool:
    """True for a YYYY-MM-DD day."""
    try:
        datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return False
    return len(day) == 10


def days_between(first: str, last: str) -> list[str]:
    """Every day bucket from `first` to `last`, both included."""
    start = datetime.strptime(first, "%Y-%m-%d")
    end = datetime.strptime(last, "%Y-%m-%d")
    out = []
    while start <= end:
        out.append(start.strftime("%Y-%m-%d"))
        start += timedelta(days=1)
    return out
