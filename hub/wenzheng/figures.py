"""问政 figures for a center and a period. Plain code, no I/O: computed from the questions
received in the period (and, for 'overdue now', the open forwards at `now`).

- received: questions received in the period; screened_out: rejected, merged or turned
  into a lead; forwarded: questions forwarded at least once; answered: forwarded questions
  with at least one department's answer.
- answer_rate = answered / forwarded; on_time_rate = answers given by their deadline /
  answers (per forward); median_hours_to_answer: from a forward to its answer.
- overdue_now: forwards still open whose deadline has passed at `now`.
- satisfaction: the mean rating (1-5) and how many rated.
By department (per forward) and by category (per question). Rates are None without a base.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hub.wenzheng.rules import OPEN_FORWARD, SCREENED_OUT, ForwardStatus, QuestionStatus


@dataclass
class Tally:
    received: int = 0
    screened_out: int = 0
    forwarded: int = 0
    answered: int = 0
    answers: int = 0  # forwards answered
    answers_on_time: int = 0
    overdue_now: int = 0
    hours: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def rates(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "screened_out": self.screened_out,
            "forwarded": self.forwarded,
            "answered": self.answered,
            "answer_rate": round(self.answered / self.forwarded, 4) if self.forwarded else None,
            "on_time_rate": round(self.answers_on_time / self.answers, 4) if self.answers else None,
            "median_hours_to_answer": round(statistics.median(self.hours), 2)
            if self.hours
            else None,
            "overdue_now": self.overdue_now,
            "satisfaction": round(statistics.mean(self.ratings), 2) if self.ratings else None,
            "rated": len(self.ratings),
        }


@dataclass
class Figures:
    total: dict[str, Any]
    by_department: list[dict[str, Any]]
    by_category: list[dict[str, Any]]


def compute(questions: Iterable[Mapping[str, Any]], now: int) -> Figures:
    """`questions`: stored questions as dicts (status, category, forwards, rating)."""
    total = Tally()
    depts: dict[str, Tally] = {}
    names: dict[str, str] = {}
    cats: dict[str, Tally] = {}
    for q in questions:
        status = QuestionStatus(q["status"])
        cat = cats.setdefault(str(q.get("category") or ""), Tally())
        forwards = list((q.get("forwards") or {}).values())
        answered = any(ForwardStatus(f["status"]) == ForwardStatus.ANSWERED for f in forwards)
        for t in (total, cat):
            t.received += 1
            t.screened_out += status in SCREENED_OUT
            t.forwarded += bool(forwards)
            t.answered += answered
            if q.get("rating") is not None:
                t.ratings.append(int(q["rating"]))
        seen_depts: set[str] = set()
        for f in forwards:
            d = str(f["department"])
            names[d] = str(f.get("department_name") or d)
            dt = depts.setdefault(d, Tally())
            if d not in seen_depts:
                dt.received += 1
                dt.forwarded += 1
                seen_depts.add(d)
            fs = ForwardStatus(f["status"])
            for t in (total, cat, dt):
                if fs == ForwardStatus.ANSWERED:
                    t.answers += 1
                    t.answers_on_time += int(f["answered_at"]) <= int(f["deadline"])
                    t.hours.append((int(f["answered_at"]) - int(f["forwarded_at"])) / 3_600_000)
                elif fs in OPEN_FORWARD and now > int(f["deadline"]):
                    t.overdue_now += 1
            if fs == ForwardStatus.ANSWERED:
                dt.answered += 1
    return Figures(
        total=total.rates(),
        by_department=[
            {"department": d, "name": names[d], **t.rates()}
            for d, t in sorted(depts.items(), key=lambda kv: names[kv[0]])
        ],
        by_category=[{"category": c, **t.rates()} for c, t in sorted(cats.items())],
    )


COLUMNS = [
    "scope",
    "key",
    "name",
    "received",
    "screened_out",
    "forwarded",
    "answered",
    "answer_rate",
    "on_time_rate",
    "median_hours_to_answer",
    "overdue_now",
    "satisfaction",
    "rated",
]


def rows(figures: Figures) -> list[list[Any]]:
    """The figures as table rows (the export): the center, then departments, then categories."""
    out = [[*COLUMNS]]

    def line(scope: str, key: str, name: str, data: Mapping[str, Any]) -> list[Any]:
        return [scope, key, name, *(data[c] for c in COLUMNS[3:])]

    out.append(line("center", "", "合计", figures.total))
    out += [line("department", d["department"], d["name"], d) for d in figures.by_department]
    out += [
        line("category", c["category"], c["category"] or "(未分类)", c) for c in figures.by_category
    ]
    return out


def as_csv(figures: Figures) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in rows(figures):
        # a cell an editor's spreadsheet would run as a formula is quoted as text (CSV injection)
        writer.writerow(
            [
                "'" + v
                if isinstance(v, str) and v[:1] in ("=", "+", "-", "@")
                else ("" if v is None else v)
                for v in row
            ]
        )
    return buf.getvalue()


def as_dict(figures: Figures) -> dict[str, Any]:
    return asdict(figures)
