"""绩效: saving versioned scoring rules and the monthly report per person and department.

Rules are never changed in place: every save is a new version with the month it
takes effect from (`effective_from`, YYYY-MM). A month's report uses the newest
version in effect that month (or the version asked for), and names it, so a past
month's report comes out the same after the rules change: reach figures of a past
month are final (points are recorded in the bucket of the day they were fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.distribution.documents import PublicationDoc
from hub.distribution.states import Action, PubState
from hub.errors import HubError
from hub.reach import scoring
from hub.reach.documents import ReachStoryMonthDoc, ScoringRulesDoc
from hub.reach.errors import ReachCodes
from hub.reach.queries import DELIVERED
from hub.reach.schedule import month_bounds_ms, parse_month
from hub.store.documents import RevisionDoc, StoryDoc
from hub.store.tenanted import Tenanted


def _month(value: str) -> str:
    try:
        parse_month(value)
    except ValueError:
        raise HubError(
            ReachCodes.REACH_PERIOD_INVALID,
            reason_zh=f"月份 {value} 应写作 YYYY-MM",
            reason_en=f"month {value!r} must be YYYY-MM",
        ) from None
    return value


async def save_rules(
    tenant: str,
    actor: str | None,
    rules: Any,
    effective_from: str,
    channels: tuple[str, ...] | None,
    now_ms: int,
) -> ScoringRulesDoc:
    """Check and store the rules as the next version (SCORING_RULES_INVALID lists every problem)."""
    _month(effective_from)
    problems = scoring.validate(rules, channels)
    if problems:
        raise HubError(
            ReachCodes.SCORING_RULES_INVALID,
            problems_zh="; ".join(f"{p.path or '规则'}:{p.zh}" for p in problems),
            problems_en="; ".join(f"{p.path or 'rules'}: {p.en}" for p in problems),
            problems=[{"path": p.path, "message_zh": p.zh, "message_en": p.en} for p in problems],
        )
    for _ in range(5):  # two saves at once: the second takes the next number
        latest = await ScoringRulesDoc.find({"tenant": tenant}).sort("-version").limit(1).to_list()
        version = latest[0].version + 1 if latest else 1
        doc = ScoringRulesDoc(
            id=f"{tenant}:rules:{version}",
            tenant=tenant,
            version=version,
            created_by=actor,
            created_at=now_ms,
            rules={**dict(rules), "effective_from": effective_from},
        )
        try:
            await doc.insert()
            return doc
        except DuplicateKeyError:
            continue
    raise HubError(
        ReachCodes.SCORING_RULES_INVALID,
        problems_zh="同时保存的人太多,请重试",
        problems_en="too many concurrent saves",
    )


async def rule_versions(tenant: str) -> list[ScoringRulesDoc]:
    """Every version, newest first."""
    return await ScoringRulesDoc.find({"tenant": tenant}).sort("-version").to_list()


async def rules_for(tenant: str, month: str, version: int | None = None) -> ScoringRulesDoc:
    """The version asked for, or the newest one in effect in `month`."""
    if version is not None:
        doc = await ScoringRulesDoc.find_one({"tenant": tenant, "version": version})
        if doc is None:
            raise HubError(ReachCodes.SCORING_RULES_VERSION_UNKNOWN, version=version)
        return doc
    for doc in await rule_versions(tenant):
        if str(doc.rules.get("effective_from", "")) <= month:
            return doc
    raise HubError(ReachCodes.SCORING_RULES_MISSING)


async def pieces_of_month(tenant: str, month: str) -> list[scoring.Piece]:
    """Every story first delivered in the month, with its channels, people, adoption and
    its reach gained in the month."""
    start, end = month_bounds_ms(month)
    delivered = {s.value for s in DELIVERED}
    by_story: dict[str, dict[str, Any]] = {}
    cursor = Tenanted(PublicationDoc, tenant).find(
        {
            "tenant": tenant,
            "action": Action.PUBLISH.value,
            "created_at": {"$gte": start, "$lt": end},
        },
        {"story_id": 1, "channel": 1, "revision_id": 1, "ledger": 1},
    )
    async for p in cursor:
        entries = [p["ledger"][k] for k in sorted(p.get("ledger") or {}, key=int)]
        if not {e.get("to_state") for e in entries} & delivered:
            continue
        row = by_story.setdefault(
            p["story_id"],
            {
                "channels": set(),
                "revision_id": p.get("revision_id"),
                "reviewer": None,
                "xuexi": False,
            },
        )
        row["channels"].add(p["channel"])
        if (
            entries
            and not row["reviewer"]
            and not str(entries[0].get("actor", "")).startswith(("system", "channel:"))
        ):
            row["reviewer"] = entries[0].get("actor")
        if p["channel"] == "xuexi" and any(
            e.get("to_state") == PubState.LIVE.value for e in entries
        ):
            row["xuexi"] = True
    if not by_story:
        return []
    ids = sorted(by_story)
    stories = {
        d.id: d for d in await StoryDoc.find({"tenant": tenant, "_id": {"$in": ids}}).to_list()
    }
    revs = {
        d.id: d
        for d in await RevisionDoc.find(
            {
                "tenant": tenant,
                "_id": {"$in": [r["revision_id"] for r in by_story.values() if r["revision_id"]]},
            }
        ).to_list()
    }
    reach = {
        d["story_id"]: dict(d.get("totals") or {})
        async for d in Tenanted(ReachStoryMonthDoc, tenant).find(
            {"tenant": tenant, "month": month, "story_id": {"$in": ids}},
            {"story_id": 1, "totals": 1},
        )
    }
    pieces = []
    for sid in ids:
        row, story, rev = (
            by_story[sid],
            stories.get(sid),
            revs.get(by_story[sid]["revision_id"] or ""),
        )
        if story is None:
            continue
        pieces.append(
            scoring.Piece(
                story_id=sid,
                title=rev.content.title if rev else story.title,
                type=str(story.type.value),
                channels=tuple(sorted(row["channels"])),
                people={
                    "reporter": story.created_by,
                    "editor": rev.author if rev else None,
                    "reviewer": row["reviewer"],
                },
                xuexi_adopted=row["xuexi"],
                central_media=bool(story.metadata.get("central_media_adopted")),
                reach=reach.get(sid, {}),
            )
        )
    return pieces


@dataclass
class MonthlyReport:
    month: str
    rules_version: int
    rules_name: str
    people: list[scoring.PersonScore]
    departments: list[tuple[str, float, int, dict[str, int]]]
    pieces: list[tuple[scoring.Piece, float, list[str]]]


async def monthly_report(tenant: str, month: str, version: int | None = None) -> MonthlyReport:
    """The month's 绩效 per person and department under the rules in effect (or `version`)."""
    _month(month)
    doc = await rules_for(tenant, month, version)
    pieces = await pieces_of_month(tenant, month)
    people = scoring.score_month(doc.rules, pieces)
    scored = [(p, *scoring.piece_score(doc.rules, p)) for p in pieces]
    return MonthlyReport(
        month,
        doc.version,
        str(doc.rules.get("name", "")),
        people,
        scoring.departments_total(people),
        [(p, pts, parts) for p, pts, parts in scored],
    )
