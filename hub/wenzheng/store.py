"""问政 stored: every read filters by the caller's tenant and by what the caller may see
(center staff all, a department's operators the questions forwarded to their department,
the app its own); every change is checked by `rules` first and written as one
compare-and-set on the question's `version`, carrying its audit entry in the same write
(hub/audit/pending.py). Times come from the 问政 clock (hub/wenzheng/clock.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo.errors import DuplicateKeyError

from hub.audit import pending
from hub.audit.writes import audited_update, settled
from hub.domain.permissions import Action, PrincipalKind, permits
from hub.errors import Codes, HubError
from hub.events.bus import publish
from hub.identity.documents import AccountDoc
from hub.store import cursor as cursors
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted
from hub.wenzheng import deadlines, intake, masking, sla
from hub.wenzheng.clock import Clock
from hub.wenzheng.documents import QuestionDoc, WenzhengSettingsDoc
from hub.wenzheng.errors import WenzhengCodes
from hub.wenzheng.rules import (
    OPEN_FORWARD,
    ForwardAction,
    ForwardStatus,
    QuestionAction,
    QuestionStatus,
    after_forward_change,
    check_rating,
    move_forward,
    move_question,
)

A = Action


@dataclass(frozen=True)
class Page:
    items: list[QuestionDoc]
    cursors: list[str]
    has_next: bool


def not_found(what_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="问政", what_en="question", id=what_id)


def rules_of(doc: WenzhengSettingsDoc | None) -> sla.SlaRules:
    if doc is None:
        return sla.SlaRules()
    return sla.SlaRules(
        default_days=doc.default_days,
        days_by_category=dict(doc.days_by_category),
        reminder_hours=doc.reminder_hours,
        holidays=sla.parse_days(doc.holidays, "holidays"),
        workdays=sla.parse_days(doc.workdays, "workdays"),
    )


async def settings_of(tenant: str) -> WenzhengSettingsDoc | None:
    return await WenzhengSettingsDoc.find_one({"tenant": tenant, "_id": tenant})


class WenzhengStore:
    """One caller's view of its center's 问政. The tenant is added to every query here."""

    def __init__(self, scope: Scope, clock: Clock) -> None:
        self.scope = scope
        self.clock = clock

    @property
    def tenant(self) -> str:
        return self.scope.tenant

    def _actor(self) -> str:
        if self.scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        return str(self.scope.actor)

    # ---- who sees what ------------------------------------------------------------------
    def _staff(self) -> bool:
        """Center staff see every question of the center (tenant-wide grants, the hub itself)."""
        p = self.scope.principal
        if p.kind == PrincipalKind.SYSTEM:
            return True
        if p.kind != PrincipalKind.USER or not permits(p, A.WENZHENG_READ):
            return False
        return any(g.account_id is None and A.WENZHENG_READ in g.actions() for g in p.grants)

    def visibility(self) -> dict[str, Any] | None:
        """The filter of what the caller may read (None: nothing)."""
        p = self.scope.principal
        if self._staff():
            return {}
        if p.kind == PrincipalKind.CLIENT and permits(p, A.WENZHENG_SUBMIT):
            return {"created_by": self.scope.actor}
        accounts = sorted(
            g.account_id for g in p.grants if g.account_id and A.WENZHENG_HANDLE in g.actions()
        )
        if p.kind == PrincipalKind.USER and accounts and permits(p, A.WENZHENG_HANDLE):
            return {"departments": {"$in": accounts}}
        return None

    async def get(self, question_id: str) -> QuestionDoc | None:
        seen = self.visibility()
        if seen is None:
            return None
        doc = await QuestionDoc.find_one({"tenant": self.tenant, "_id": question_id, **seen})
        return await self._synced(doc) if doc is not None else None

    async def require(self, question_id: str) -> QuestionDoc:
        doc = await self.get(question_id)
        if doc is None:
            raise not_found(question_id)
        return doc

    async def page(
        self,
        first: int,
        after: str | None,
        status: QuestionStatus | None = None,
        department: str | None = None,
        category: str | None = None,
    ) -> Page:
        seen = self.visibility()
        if seen is None:
            return Page([], [], False)
        q: dict[str, Any] = {"tenant": self.tenant}
        if status is not None:
            q["status"] = status.value
        if category is not None:
            q["category"] = category
        clauses = [q, seen] if seen else [q]
        if department is not None:
            clauses.append({"departments": department})
        if after:
            value, doc_id = cursors.decode(after, "received_at")
            clauses.append(cursors.after_filter("received_at", value, doc_id))
        flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        docs = (
            await QuestionDoc.find(flt)
            .sort([("received_at", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)])
            .limit(first + 1)
            .to_list()
        )
        page = await self._synced_many(docs[:first])
        return Page(
            page,
            [cursors.encode("received_at", d.received_at, d.id) for d in page],
            len(docs) > first,
        )

    async def in_period(self, since: int, until: int) -> list[dict[str, Any]]:
        """What the figures need of every question of the center received in [since, until):
        raw documents with only those fields (no model validation: a county's year is
        thousands of questions)."""
        cursor = Tenanted(QuestionDoc, self.tenant).find(
            {"received_at": {"$gte": since, "$lt": until}},
            {"_id": 1, "status": 1, "category": 1, "rating": 1, "forwards": 1},
        )
        return [d async for d in cursor]

    # ---- the citizen's door: tracking number + check code ----------------------------------
    async def track(self, tracking_number: str, check_code: str) -> QuestionDoc | None:
        """The question with this number if the code is its code; None otherwise (a wrong code
        and an unknown number look the same)."""
        number = tracking_number.strip().upper()
        if not number or len(number) > 40 or len(check_code) > 40:
            return None
        doc = await QuestionDoc.find_one({"tenant": self.tenant, "tracking_number": number})
        if doc is None or not intake.same_code(check_code, doc.check_code):
            return None
        return await self._synced(doc)

    async def _tracked(self, tracking_number: str, check_code: str) -> QuestionDoc:
        doc = await self.track(tracking_number, check_code)
        if doc is None or doc.created_by != self.scope.actor:
            raise not_found(tracking_number)
        return doc

    # ---- writes -------------------------------------------------------------------------
    async def _entry(
        self, action: str, doc_id: str, details: dict[str, Any], actor: str | None = None
    ) -> pending.Pending:
        return await pending.prepare(
            self.tenant, actor or self.scope.actor, action, "wenzheng_question", doc_id, details
        )

    def _line(self, doc: QuestionDoc, kind: str, actor: str | None, **extra: Any) -> dict[str, Any]:
        return {
            f"history.{len(doc.history) + 1:06d}": {
                "at": self.clock.now_ms(),
                "kind": kind,
                "actor": actor,
                **extra,
            }
        }

    async def _cas(
        self, doc: QuestionDoc, fields: dict[str, Any], entry: pending.Pending
    ) -> QuestionDoc:
        changed = await audited_update(
            QuestionDoc,
            self.tenant,
            {"_id": doc.id, "version": doc.version},
            {"$set": {**fields, "updated_at": self.clock.now_ms()}, "$inc": {"version": 1}},
            entry,
        )
        if changed is None:
            raise HubError(WenzhengCodes.CONFLICT)
        stored = await settled(changed, entry)
        # live screening queues and inboxes: every stored change on the bus (after the write)
        await publish(
            self.tenant,
            "wenzheng",
            entry.action,
            doc.id,
            entry.actor,
            {
                **entry.details,
                "status": stored.status.value,
                "departments": list(stored.departments),
            },
        )
        return stored

    async def submit(
        self, sub: intake.Submission, word_findings: list[dict[str, Any]]
    ) -> tuple[QuestionDoc, bool]:
        """Record a citizen's question; (question, created). With an external id, a resend
        of the same question returns the one recorded (the race of two resends included:
        the id is derived from it, so the store keeps one)."""
        actor = self._actor()
        now = self.clock.now_ms()
        day = sla.local_day(now).strftime("%Y%m%d")
        findings = [
            *word_findings,
            *({"code": "PERSONAL_DATA", "kind": k.value} for k in masking.kinds(sub.text)),
        ]
        for _attempt in range(5):
            doc = QuestionDoc(
                tenant=self.tenant,
                tracking_number=intake.tracking_number(day),
                check_code=intake.check_code(),
                created_by=actor,
                external_id=sub.external_id,
                fingerprint=sub.fingerprint(),
                text=sub.text,
                category=sub.category,
                place=sub.place,
                images=list(sub.images),
                contact=dict(sub.contact),
                public=sub.public,
                findings=findings,
                received_at=now,
                updated_at=now,
            )
            if sub.external_id is not None:
                doc.id = derived_id(self.tenant, actor, sub.external_id)
            entry = await self._entry(
                "wenzheng.submit",
                doc.id,
                {
                    "tracking_number": doc.tracking_number,
                    "category": sub.category,
                    "public": sub.public,
                    "external_id": sub.external_id,
                },
            )
            try:
                await entry.on_doc(doc).insert()
            except DuplicateKeyError:
                known = await QuestionDoc.find_one({"tenant": self.tenant, "_id": doc.id})
                if known is None:
                    continue  # the tracking number was taken: draw another
                if known.fingerprint != doc.fingerprint:
                    raise HubError(
                        WenzhengCodes.EXTERNAL_ID_REUSED, external_id=sub.external_id
                    ) from None
                return known, False
            await pending.settle(QuestionDoc, doc.id, entry)
            return pending.without(doc, entry), True
        raise HubError(
            Codes.INTERNAL, ref="wenzheng-tracking-number"
        )  # pragma: no cover - 31^6 numbers a day

    async def resent(self, sub: intake.Submission) -> QuestionDoc | None:
        """The question this client already recorded under `sub`'s external id, if it is the
        same question (found by its derived id: no scan)."""
        if sub.external_id is None:
            return None
        known = await QuestionDoc.find_one(
            {"tenant": self.tenant, "_id": derived_id(self.tenant, self._actor(), sub.external_id)}
        )
        return known if known is not None and known.fingerprint == sub.fingerprint() else None

    async def screen(
        self,
        question_id: str,
        action: QuestionAction,
        reason: str | None = None,
        into_id: str | None = None,
        lead_id: str | None = None,
    ) -> QuestionDoc:
        """筛查: accept, reject (the citizen sees the reason), merge into another question, or
        turn into a newsroom lead (`lead_id`: the lead made from it)."""
        actor = self._actor()
        doc = await self.require(question_id)
        reason = intake.clean("reason", reason) or None
        status = move_question(doc.status, action, reason)
        fields: dict[str, Any] = {
            "status": status.value,
            "screened_by": actor,
            "screened_at": self.clock.now_ms(),
        }
        details: dict[str, Any] = {"from": doc.status.value, "to": status.value}
        if action == QuestionAction.REJECT:
            fields["reason"] = reason
            details["reason"] = reason
        target = None
        if action == QuestionAction.MERGE:
            if not into_id or into_id == doc.id:
                raise HubError(
                    Codes.INVALID_INPUT,
                    field="intoId",
                    reason_zh="请选择另一条问政",
                    reason_en="choose another question",
                )
            target = await self.require(into_id)
            if target.status in (
                QuestionStatus.MERGED,
                QuestionStatus.REJECTED,
                QuestionStatus.LEAD,
            ):
                raise HubError(
                    Codes.INVALID_INPUT,
                    field="intoId",
                    reason_zh="目标问政已办结,不能合并进去",
                    reason_en="the target question is closed",
                )
            fields["merged_into"] = target.id
            details["into"] = target.id
        if lead_id is not None:
            fields["lead_id"] = lead_id
            details["lead_id"] = lead_id
        fields.update(self._line(doc, action.value, actor, reason=reason or ""))
        entry = await self._entry(f"wenzheng.{action.value}", doc.id, details)
        stored = await self._cas(doc, fields, entry)
        if target is not None:
            # the target lists it: a key of its own, so it cannot conflict with other merges
            await Tenanted(QuestionDoc, self.tenant).update_one(
                {"_id": target.id},
                {"$set": {f"merged_from.{doc.id}": self.clock.now_ms()}, "$inc": {"version": 1}},
            )
        return stored

    async def forward(
        self, question_id: str, department_ids: list[str], note: str | None = None
    ) -> QuestionDoc:
        """转交 to one or more departments (融媒号 accounts of the center), each with its
        deadline from the center's SLA rules, and its reminder and escalation jobs."""
        actor = self._actor()
        doc = await self.require(question_id)
        status = move_question(doc.status, QuestionAction.FORWARD)
        wanted = list(dict.fromkeys(str(d) for d in department_ids))
        if not wanted:
            raise HubError(
                Codes.INVALID_INPUT,
                field="departmentIds",
                reason_zh="至少选择一个承办单位",
                reason_en="name at least one department",
            )
        if len(wanted) > 20:
            raise HubError(
                Codes.INVALID_INPUT,
                field="departmentIds",
                reason_zh="一次最多转交 20 个单位",
                reason_en="at most 20 departments at once",
            )
        accounts = {
            a.id: a
            for a in await AccountDoc.find(
                {"tenant": self.tenant, "_id": {"$in": wanted}}
            ).to_list()
        }
        for d in wanted:
            if d not in accounts:
                raise HubError(WenzhengCodes.UNKNOWN_DEPARTMENT, department=d)
            if any(
                f["department"] == d and ForwardStatus(f["status"]) in OPEN_FORWARD
                for f in doc.forwards.values()
            ):
                raise HubError(WenzhengCodes.ALREADY_FORWARDED, department=accounts[d].name)
        config = await settings_of(self.tenant)
        rules = rules_of(config)
        now = self.clock.now_ms()
        days = rules.days_for(doc.category)
        fields: dict[str, Any] = {"status": status.value}
        made = []
        for i, d in enumerate(wanted):
            fid = f"{len(doc.forwards) + i + 1:03d}"
            due = sla.deadline(now, days, rules)
            fields[f"forwards.{fid}"] = {
                "department": d,
                "department_name": accounts[d].name,
                "status": ForwardStatus.PENDING.value,
                "forwarded_at": now,
                "forwarded_by": actor,
                "days": days,
                "deadline": due,
                "remind_at": sla.reminder_at(now, due, rules),
                "reminded_at": None,
                "escalated_at": None,
                "note": intake.clean("reason", note),
                "answer": None,
                "answered_at": None,
                "answered_by": None,
                "reason": None,
                "info_request": None,
                "supplement": None,
                "round": _round(doc),
            }
            made.append((fid, d, due, fields[f"forwards.{fid}"]["remind_at"]))
        fields["departments"] = sorted(set(doc.departments) | set(wanted))
        fields.update(self._line(doc, "forward", actor, departments=wanted))
        entry = await self._entry(
            "wenzheng.forward",
            doc.id,
            {
                "departments": wanted,
                "days": days,
                "deadlines": {fid: due for fid, _, due, _ in made},
            },
        )
        stored = await self._cas(doc, fields, entry)
        for fid, _, due, remind in made:
            await deadlines.schedule(self.tenant, doc.id, fid, remind, due, self.clock)
        return stored

    async def handle(
        self, question_id: str, forward_id: str, action: ForwardAction, text: str | None
    ) -> QuestionDoc:
        """A department's move on its forward: accept, ask to re-route (reason), ask the citizen
        for more, or answer. Its operators act on their own department's forwards; center
        staff who screen may act on a department's behalf. Departments acting at the same
        moment on their own forwards do not conflict: a lost compare-and-set is re-read and
        re-checked (a few times) before WENZHENG_CONFLICT reaches anyone."""
        for attempt in range(4):
            try:
                return await self._handle_once(question_id, forward_id, action, text)
            except HubError as e:
                if e.code != WenzhengCodes.CONFLICT.code or attempt == 3:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _handles(self, department: str) -> bool:
        p = self.scope.principal
        mine = {g.account_id for g in p.grants if g.account_id and A.WENZHENG_HANDLE in g.actions()}
        return department in mine or permits(p, A.WENZHENG_SCREEN)

    async def _handle_once(
        self, question_id: str, forward_id: str, action: ForwardAction, text: str | None
    ) -> QuestionDoc:
        actor = self._actor()
        doc = await self.require(question_id)
        fwd = doc.forwards.get(forward_id)
        if fwd is None:
            raise HubError(Codes.NOT_FOUND, what_zh="转交记录", what_en="forward", id=forward_id)
        if not self._handles(fwd["department"]):
            raise HubError(WenzhengCodes.NOT_YOUR_DEPARTMENT)
        text = intake.clean("answer", text, multiline=True) or None
        new = move_forward(ForwardStatus(fwd["status"]), action, fwd["department_name"], text)
        now = self.clock.now_ms()
        key = f"forwards.{forward_id}"
        fields: dict[str, Any] = {f"{key}.status": new.value}
        if action == ForwardAction.ACCEPT:
            fields[f"{key}.accepted_at"] = now
        elif action == ForwardAction.REROUTE:
            fields[f"{key}.reason"] = text
            fields[f"{key}.closed_at"] = now
        elif action == ForwardAction.ASK_MORE:
            fields[f"{key}.info_request"] = text
        elif action == ForwardAction.SUPPLEMENT:
            fields[f"{key}.supplement"] = text
        elif action == ForwardAction.ANSWER:
            fields.update(
                {
                    f"{key}.answer": text,
                    f"{key}.answered_at": now,
                    f"{key}.answered_by": actor,
                    f"{key}.late": now > int(fwd["deadline"]),
                }
            )
        # only this round's forwards decide (after a 追问, the first round's answers are history)
        statuses = [
            ForwardStatus(new if k == forward_id else f["status"])
            for k, f in doc.forwards.items()
            if int(f.get("round") or 0) == _round(doc)
        ]
        follow = after_forward_change(doc.status, statuses)
        if follow is not None:
            fields["status"] = move_question(doc.status, follow).value
        fields.update(
            self._line(
                doc,
                f"forward.{action.value}",
                actor,
                forward=forward_id,
                department=fwd["department"],
                text=text or "",
            )
        )
        details = {"forward": forward_id, "department": fwd["department"], "to": new.value}
        if action == ForwardAction.ANSWER:
            details["late"] = now > int(fwd["deadline"])
        if action == ForwardAction.REROUTE:
            details["reason"] = text
        return await self._cas(
            doc, fields, await self._entry(f"wenzheng.forward.{action.value}", doc.id, details)
        )

    async def send_to_review(self, question_id: str, story_id: str | None) -> QuestionDoc:
        """送审: the answer goes to the center's review (`story_id`: the Q&A item made for it,
        for public questions)."""
        actor = self._actor()
        doc = await self.require(question_id)
        status = move_question(doc.status, QuestionAction.SEND_TO_REVIEW)
        fields: dict[str, Any] = {"status": status.value, "story_id": story_id}
        fields.update(self._line(doc, "send_to_review", actor, story_id=story_id or ""))
        return await self._cas(
            doc,
            fields,
            await self._entry("wenzheng.send_to_review", doc.id, {"story_id": story_id}),
        )

    async def reply(self, doc: QuestionDoc, actor: str, how: str) -> QuestionDoc:
        """回复: the citizen sees the answer from now on (`how`: published, or released)."""
        status = move_question(doc.status, QuestionAction.REPLY)
        now = self.clock.now_ms()
        fields: dict[str, Any] = {
            "status": status.value,
            "replied_at": now,
            **self._line(doc, "reply", actor, how=how),
        }
        return await self._cas(
            doc, fields, await self._entry("wenzheng.reply", doc.id, {"how": how}, actor=actor)
        )

    async def _synced(self, doc: QuestionDoc) -> QuestionDoc:
        return (await self._synced_many([doc]))[0]

    async def _synced_many(self, docs: list[QuestionDoc]) -> list[QuestionDoc]:
        """Public questions in review follow their Q&A items: once the 问政 chain has approved
        one (签发), the citizen has the answer (the round-follows-the-story pattern of review).
        The items of a page are read in one query."""
        waiting = {
            d.story_id: d for d in docs if d.status == QuestionStatus.IN_REVIEW and d.story_id
        }
        if not waiting:
            return docs
        from hub.store.documents import StoryDoc

        coll = Tenanted(StoryDoc, self.tenant)
        approved = {
            str(s["_id"])
            async for s in coll.find(
                {
                    "_id": {"$in": sorted(waiting)},
                    "status": {"$in": ["approved", "published"]},
                },
                {"_id": 1},
            )
        }
        return [await self._reply_published(d) if d.story_id in approved else d for d in docs]

    async def _reply_published(self, doc: QuestionDoc) -> QuestionDoc:
        try:
            return await self.reply(doc, "system:wenzheng", "published")
        except HubError as e:
            if e.code != WenzhengCodes.CONFLICT.code:
                raise
            fresh = await QuestionDoc.find_one({"tenant": self.tenant, "_id": doc.id})
            return fresh or doc

    async def release(self, question_id: str) -> QuestionDoc:
        """A private question's reviewed answer goes to the citizen (nothing is published)."""
        actor = self._actor()
        doc = await self.require(question_id)
        if doc.public:
            raise HubError(
                Codes.INVALID_INPUT,
                field="id",
                reason_zh="公开问政的答复经审核发布后自动回复群众",
                reason_en="a public question is answered by publishing its reviewed Q&A item",
            )
        return await self.reply(doc, actor, "released")

    async def rate(
        self, tracking_number: str, check_code: str, score: int, comment: str | None
    ) -> QuestionDoc:
        """The citizen's 满意度 for the answer (once per answer)."""
        doc = await self._tracked(tracking_number, check_code)
        check_rating(score)
        move_question(
            doc.status, QuestionAction.RATE
        )  # only a replied question; the error names what is allowed
        if doc.rating is not None and (doc.rated_at or 0) >= (doc.replied_at or 0):
            raise HubError(WenzhengCodes.ALREADY_RATED)
        text = intake.clean("comment", comment, multiline=True) or None
        fields: dict[str, Any] = {
            "rating": score,
            "rating_comment": text,
            "rated_at": self.clock.now_ms(),
            **self._line(doc, "rate", self.scope.actor, score=score),
        }
        return await self._cas(
            doc, fields, await self._entry("wenzheng.rate", doc.id, {"score": score})
        )

    async def supplement(
        self, tracking_number: str, check_code: str, forward_id: str, text: str
    ) -> QuestionDoc:
        """补充材料: the citizen's reply to a department's request, relayed by the app; the
        forward goes back to work."""
        doc = await self._tracked(tracking_number, check_code)
        fwd = doc.forwards.get(forward_id)
        if fwd is None:
            raise HubError(Codes.NOT_FOUND, what_zh="转交记录", what_en="forward", id=forward_id)
        clean = intake.clean("answer", text, multiline=True)
        new = move_forward(
            ForwardStatus(fwd["status"]), ForwardAction.SUPPLEMENT, fwd["department_name"], clean
        )
        key = f"forwards.{forward_id}"
        fields: dict[str, Any] = {
            f"{key}.status": new.value,
            f"{key}.supplement": clean,
            **self._line(
                doc, "forward.supplement", self.scope.actor, forward=forward_id, text=clean
            ),
        }
        entry = await self._entry(
            "wenzheng.forward.supplement",
            doc.id,
            {"forward": forward_id, "department": fwd["department"]},
        )
        return await self._cas(doc, fields, entry)

    async def reopen(self, tracking_number: str, check_code: str, reason: str) -> QuestionDoc:
        """追问: once, with a reason; the question goes back to the center."""
        doc = await self._tracked(tracking_number, check_code)
        if doc.reopened_at is not None:
            raise HubError(WenzhengCodes.REOPEN_USED)
        text = intake.clean("reason", reason, multiline=True)
        status = move_question(doc.status, QuestionAction.REOPEN, text)
        fields: dict[str, Any] = {
            "status": status.value,
            "reopen_reason": text,
            "reopened_at": self.clock.now_ms(),
            **self._line(doc, "reopen", self.scope.actor, reason=text),
        }
        return await self._cas(
            doc, fields, await self._entry("wenzheng.reopen", doc.id, {"reason": text})
        )

    # ---- settings -------------------------------------------------------------------------
    async def configure(self, fields: dict[str, Any]) -> WenzhengSettingsDoc:
        from hub.audit.deferred import record

        actor = self._actor()
        doc = WenzhengSettingsDoc(
            id=self.tenant,
            tenant=self.tenant,
            updated_at=self.clock.now_ms(),
            updated_by=actor,
            **fields,
        )
        try:
            found = sla.problems(rules_of(doc))
        except ValueError as e:
            raise HubError(WenzhengCodes.BAD_CONFIG, reason_zh=str(e), reason_en=str(e)) from None
        if found:
            raise HubError(
                WenzhengCodes.BAD_CONFIG,
                reason_zh=";".join(z for z, _ in found),
                reason_en="; ".join(e for _, e in found),
            )
        await Tenanted(WenzhengSettingsDoc, self.tenant).replace_one(
            {"_id": self.tenant},
            doc.model_dump(by_alias=True, mode="json"),
            upsert=True,
        )
        await record(
            self.tenant,
            actor,
            "wenzheng.configure",
            "wenzheng_settings",
            self.tenant,
            {k: v for k, v in fields.items() if k != "holidays"}
            | {"holidays": len(fields.get("holidays") or [])},
        )
        return doc


def derived_id(tenant: str, client: str, external_id: str) -> str:
    """A question's id from (center, submitting client, its external id): two resends racing
    make the same id, and the store keeps one."""
    return "wz" + hashlib.sha256(f"{tenant}\x00{client}\x00{external_id}".encode()).hexdigest()[:30]


def _round(doc: QuestionDoc) -> int:
    """0 for the first handling, 1 after the citizen's 追问."""
    return 1 if doc.reopened_at is not None else 0


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(sla.CENTER_TZ).date().isoformat()


def open_forwards(doc: QuestionDoc) -> Collection[dict[str, Any]]:
    return [f for f in doc.forwards.values() if ForwardStatus(f["status"]) in OPEN_FORWARD]
