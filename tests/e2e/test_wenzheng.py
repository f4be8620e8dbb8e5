"""问政 end to end, through GraphQL and the client API only (the 问政 clock is a manual
one the test moves; the worker is run until idle instead of waiting): submitted by the
app, screened, forwarded to two departments, one re-routes, the other answers late
(the escalation recorded), the answer reviewed by the center's 问政 chain and published
on the app channel and in a partner feed with the phone number masked; the citizen reads
it by tracking number and rates it; the figures match."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest
from litestar import Litestar

from hub.wenzheng import deadlines
from hub.wenzheng.clock import ManualClock
from hub.wenzheng.sla import CENTER_TZ
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_account, make_tenant, make_user, sign_in, token_request

MONDAY_9AM = int(datetime(2026, 12, 7, 9, 0, tzinfo=CENTER_TZ).timestamp() * 1000)
HOUR = 3_600_000
PHONE = "13812345678"

SUBMIT = """mutation($i: SubmitWenzhengQuestionInput!) { submitWenzhengQuestion(input: $i) {
  trackingNumber checkCode created question { id status publicText findings } } }"""
QUESTION = """query($id: ID!) { wenzhengQuestion(id: $id) { id status text publicText contact { phone }
  forwards { id departmentId status deadline remindedAt escalatedAt overdue late answer rerouteReason }
  history { kind actor } storyId rating } }"""
INBOX = "{ wenzhengQuestions(first: 50) { edges { node { id trackingNumber } } } }"
TRACK = """query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) {
  trackingNumber status text answers { departmentName answer } canRate canReopen rating storyId } }"""
HANDLE = """mutation($q: ID!, $f: ID!, $a: WenzhengForwardAction!, $t: String) {
  handleWenzhengForward(questionId: $q, forwardId: $f, action: $a, text: $t) { status forwards { id status late } } }"""
FIGURES = """query($s: DateTime!, $u: DateTime!) { wenzhengFigures(since: $s, until: $u) {
  total { received screenedOut forwarded answered answerRate onTimeRate medianHoursToAnswer overdueNow satisfaction rated }
  byDepartment { key received answered onTimeRate overdueNow }
  byCategory { key received answered } } }"""


@pytest.fixture
def clock(hub_app: Litestar) -> Iterator[ManualClock]:
    """The hub's 问政 clock, set to Monday 2026-12-07 09:00 (center time) for this test."""
    before = hub_app.state.wenzheng_clock
    manual = ManualClock(MONDAY_9AM)
    hub_app.state.wenzheng_clock = manual
    yield manual
    hub_app.state.wenzheng_clock = before


async def user(http: httpx.AsyncClient, tenant: str, *grants: str) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, *grants)))["access_token"]
    )


async def client(http: httpx.AsyncClient, admin: GraphQLClient, scopes: list[str]) -> GraphQLClient:
    creds = (
        await admin(
            'mutation($s: [String!]!) { createClient(name: "县融媒APP", scopes: $s) { clientId clientSecret } }',
            {"s": scopes},
        )
    )["createClient"]
    r = await token_request(
        http,
        {"grant_type": "client_credentials", "scope": " ".join(scopes)},
        auth=(creds["clientId"], creds["clientSecret"]),
    )
    assert r.status_code == 200, r.text
    return GraphQLClient(http, r.json()["access_token"])


async def run_due(hub_app: Litestar, tenant: str, clock: ManualClock, drain: Any) -> None:
    await deadlines.wake(tenant, clock)
    await drain()


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, CENTER_TZ).isoformat()


async def center(http: httpx.AsyncClient) -> dict[str, Any]:
    """A center with its 问政 settings and chain, two departments and a third, the app and a partner."""
    tenant = await make_tenant("wz")
    admin = await user(http, tenant, "admin")
    settings = await admin("""mutation { configureWenzheng(input: {defaultWorkingDays: 5, reminderHours: 24,
        byCategory: [{category: "城建", workingDays: 3}], holidays: ["2026-12-08"]}) { columnId channels } }""")
    column = settings["configureWenzheng"]["columnId"]
    await admin(
        """mutation($c: String!) { createReviewChain(input: {name: "问政审核", columns: [$c],
        stages: [{key: "wz", name: "问政终审", role: "chief_editor"}]}) { id } }""",
        {"c": column},
    )
    depts = [await make_account(tenant, name) for name in ("县住建局", "县城管局", "县教育局")]
    return {
        "tenant": tenant,
        "admin": admin,
        "column": column,
        "depts": depts,
        "editor": await user(http, tenant, "editor"),
        "chief": await user(http, tenant, "chief_editor"),
        "operators": [await user(http, tenant, f"account_operator@{d}") for d in depts],
        "app": await client(http, admin, ["wenzheng:submit"]),
        "partner": await client(http, admin, ["stories:read"]),
    }


async def test_a_question_goes_from_the_app_to_a_published_masked_answer_and_the_figures_match(
    http: httpx.AsyncClient, hub_app: Litestar, clock: ManualClock, drain: Any
) -> None:
    c = await center(http)
    tenant, app, editor, chief = c["tenant"], c["app"], c["editor"], c["chief"]
    housing, urban, _education = c["depts"]
    op_housing, op_urban, op_education = c["operators"]
    feed = (
        await c["partner"](
            """mutation($t: String!) { createFeedSubscription(name: "省平台", selection: {tenants: [$t],
        columns: ["wenzheng"]}) { id } }""",
            {"t": tenant},
        )
    )["createFeedSubscription"]["id"]

    # 1. intake: the app submits; a resend is the same question; a wrong check code sees nothing
    ask = {
        "i": {
            "text": f"岚溪路88号门口的井盖坏了一个月,请尽快修理。我的电话{PHONE}。",
            "category": "城建",
            "place": "岚溪路",
            "contactName": "王女士",
            "contactPhone": PHONE,
            "public": True,
            "externalId": "APP-0001",
        }
    }
    sent = (await app(SUBMIT, ask))["submitWenzhengQuestion"]
    assert sent["created"] and sent["question"]["status"] == "RECEIVED"
    assert (
        PHONE not in sent["question"]["publicText"]
        and "138****5678" in sent["question"]["publicText"]
    )
    assert {"code": "PERSONAL_DATA", "kind": "phone"} in sent["question"]["findings"]
    again = (await app(SUBMIT, ask))["submitWenzhengQuestion"]
    assert (again["trackingNumber"], again["checkCode"], again["created"]) == (
        sent["trackingNumber"],
        sent["checkCode"],
        False,
    )
    number, code, qid = sent["trackingNumber"], sent["checkCode"], sent["question"]["id"]
    assert (await app(TRACK, {"n": number, "c": "WRONGCOD"}))["trackWenzhengQuestion"] is None
    assert (await app(TRACK, {"n": number, "c": code}))["trackWenzhengQuestion"][
        "status"
    ] == "RECEIVED"

    # 2. screening and 3. forwarding to two departments: deadlines from the SLA (城建: 3 working
    # days, the 8th a holiday: Wed 9, Thu 10, Fri 11 -> end of Friday)
    await editor(
        "mutation($id: ID!) { screenWenzhengQuestion(id: $id, decision: ACCEPT) { status } }",
        {"id": qid},
    )
    fwd = (
        await editor(
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status forwards { id departmentId deadline } } }",
            {"id": qid, "d": [housing, urban]},
        )
    )["forwardWenzhengQuestion"]
    assert fwd["status"] == "FORWARDED"
    by_dept = {f["departmentId"]: f for f in fwd["forwards"]}
    end_of_friday = int(datetime(2026, 12, 12, 0, 0, tzinfo=CENTER_TZ).timestamp() * 1000)
    assert {datetime.fromisoformat(f["deadline"]).timestamp() * 1000 for f in fwd["forwards"]} == {
        end_of_friday
    }

    # department operators see only what was forwarded to them
    assert [e["node"]["id"] for e in (await op_housing(INBOX))["wenzhengQuestions"]["edges"]] == [
        qid
    ]
    assert (await op_education(INBOX))["wenzhengQuestions"]["edges"] == []
    assert (await op_education(QUESTION, {"id": qid}))["wenzhengQuestion"] is None
    assert (await op_housing(QUESTION, {"id": qid}))["wenzhengQuestion"][
        "contact"
    ] is None  # contact: screeners only
    errors = await op_education.errors(HANDLE, {"q": qid, "f": by_dept[urban]["id"], "a": "ACCEPT"})
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"

    # one re-routes, the other accepts
    await op_housing(
        HANDLE, {"q": qid, "f": by_dept[housing]["id"], "a": "REROUTE", "t": "井盖属城管局管养"}
    )
    await op_urban(HANDLE, {"q": qid, "f": by_dept[urban]["id"], "a": "ACCEPT"})

    # the reminder a day before, then the deadline passes: escalated (the rerouted one is not)
    clock.set(end_of_friday - 23 * HOUR)
    await run_due(hub_app, tenant, clock, drain)
    clock.set(end_of_friday + HOUR)
    await run_due(hub_app, tenant, clock, drain)
    state = (await editor(QUESTION, {"id": qid}))["wenzhengQuestion"]
    forwards = {f["departmentId"]: f for f in state["forwards"]}
    assert (
        forwards[urban]["remindedAt"]
        and forwards[urban]["escalatedAt"]
        and forwards[urban]["overdue"]
    )
    assert forwards[housing]["status"] == "REROUTED" and forwards[housing]["escalatedAt"] is None
    assert forwards[housing]["rerouteReason"] == "井盖属城管局管养"
    audit = (await c["admin"]("{ auditLog(first: 50) { action targetId } }"))["auditLog"]
    assert {"action": "wenzheng.escalated", "targetId": qid} in audit

    # 4. the late answer, reviewed by the 问政 chain, published with the phone masked
    clock.advance(2 * HOUR)
    answer = f"已安排维修,三日内完成。如有问题请联系{PHONE}的王女士或城管热线。"
    answered = (
        await op_urban(HANDLE, {"q": qid, "f": by_dept[urban]["id"], "a": "ANSWER", "t": answer})
    )["handleWenzhengForward"]
    assert (
        answered["status"] == "ANSWERED"
        and {f["id"]: f["late"] for f in answered["forwards"]}[by_dept[urban]["id"]] is True
    )
    sent_to_review = await editor(
        "mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { status storyId } }", {"id": qid}
    )
    story_id = sent_to_review["sendWenzhengAnswerToReview"]["storyId"]
    assert sent_to_review["sendWenzhengAnswerToReview"]["status"] == "IN_REVIEW" and story_id
    queue = (await chief("{ reviewQueue { storyId chain currentStage { name } } }"))["reviewQueue"]
    assert {"storyId": story_id, "chain": "问政审核", "currentStage": {"name": "问政终审"}} in queue
    await chief(
        'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "同意发布") { status } }',
        {"id": story_id},
    )
    await drain()

    published = (
        await c["partner"](
            "query($id: ID!) { story(id: $id) { title body status column { slug } } }",
            {"id": story_id},
        )
    )["story"]
    assert published["status"] == "PUBLISHED" and published["column"]["slug"] == "wenzheng"
    assert (
        "138****5678" in published["body"] and PHONE not in published["body"] + published["title"]
    )
    assert "**号" in published["body"]  # the house number too
    r = await http.get(
        f"/feeds/{feed}/feed.json", headers={"authorization": f"Bearer {c['partner'].token}"}
    )
    assert r.status_code == 200, r.text
    items = [i for i in r.json()["items"] if i["id"].endswith(story_id) or story_id in i["id"]]
    assert items, r.json()
    assert "138****5678" in items[0]["content_html"] and PHONE not in r.text

    # 5. the citizen reads the answer by tracking number and rates it
    seen = (await app(TRACK, {"n": number, "c": code}))["trackWenzhengQuestion"]
    assert seen["status"] == "REPLIED" and seen["answers"] == [
        {"departmentName": "县城管局", "answer": answer}
    ]
    assert seen["canRate"] and seen["canReopen"] and seen["storyId"] == story_id
    rated = (
        await app(
            'mutation($n: String!, $c: String!) { rateWenzhengAnswer(trackingNumber: $n, checkCode: $c, score: 4, comment: "修得快") { rating canRate } }',
            {"n": number, "c": code},
        )
    )["rateWenzhengAnswer"]
    assert rated == {"rating": 4, "canRate": False}
    wrong = await app.errors(
        'mutation($n: String!) { rateWenzhengAnswer(trackingNumber: $n, checkCode: "WRONGCOD", score: 1) { rating } }',
        {"n": number},
    )
    assert wrong[0]["extensions"]["code"] == "NOT_FOUND"

    # 6. the figures match what happened
    figs = (await editor(FIGURES, {"s": iso(MONDAY_9AM - HOUR), "u": iso(clock.now_ms())}))[
        "wenzhengFigures"
    ]
    assert figs["total"] == {
        "received": 1,
        "screenedOut": 0,
        "forwarded": 1,
        "answered": 1,
        "answerRate": 1.0,
        "onTimeRate": 0.0,
        "medianHoursToAnswer": round((clock.now_ms() - MONDAY_9AM) / HOUR, 2),
        "overdueNow": 0,
        "satisfaction": 4.0,
        "rated": 1,
    }
    depts = {d["key"]: d for d in figs["byDepartment"]}
    assert depts[urban] == {
        "key": urban,
        "received": 1,
        "answered": 1,
        "onTimeRate": 0.0,
        "overdueNow": 0,
    }
    assert depts[housing]["answered"] == 0 and depts[housing]["onTimeRate"] is None
    assert figs["byCategory"] == [{"key": "城建", "received": 1, "answered": 1}]
    # the export has the same numbers (CSV and XLSX)
    params = {"since": iso(MONDAY_9AM - HOUR), "until": iso(clock.now_ms())}
    auth = {"authorization": f"Bearer {editor.token}"}
    r = await http.get("/wenzheng/figures.csv", params=params, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    center_row = dict(zip(table[0], table[1], strict=True))
    assert (
        center_row["scope"],
        center_row["received"],
        center_row["answered"],
        center_row["on_time_rate"],
    ) == ("center", "1", "1", "0.0")
    assert {row[1] for row in table if row[0] == "department"} == {housing, urban}
    r = await http.get("/wenzheng/figures.xlsx", params=params, headers=auth)
    assert r.status_code == 200, r.text
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][3] == "收到" and cells[2][:4] == ["center", None, "合计", 1]
    assert (
        await http.get(
            "/wenzheng/figures.csv",
            params=params,
            headers={"authorization": f"Bearer {op_urban.token}"},
        )
    ).status_code == 403
    assert (await http.get("/wenzheng/figures.csv", params=params)).status_code == 401
    # the app shows the same figures
    assert (await app(FIGURES, {"s": iso(MONDAY_9AM - HOUR), "u": iso(clock.now_ms())}))[
        "wenzhengFigures"
    ]["total"] == figs["total"]


async def test_deadlines_fire_after_a_restart(
    http: httpx.AsyncClient, hub_app: Litestar, hub_settings: Any, clock: ManualClock
) -> None:
    """The due times are stored: a new hub (new app state, new worker, nothing carried over
    in memory) escalates a forward whose deadline passed while the first one was gone."""
    from hub.app import create_app
    from tests.conftest import drain_hub

    c = await center(http)
    sent = (await c["app"](SUBMIT, {"i": {"text": "学校门口的路灯不亮", "public": False}}))[
        "submitWenzhengQuestion"
    ]
    qid = sent["question"]["id"]
    await c["editor"](
        "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status } }",
        {"id": qid, "d": [c["depts"][2]]},
    )

    restarted = create_app(hub_settings)
    later = ManualClock(clock.now_ms() + 30 * 24 * HOUR)
    restarted.state.wenzheng_clock = later
    await deadlines.wake(c["tenant"], later)
    await drain_hub(restarted)
    state = (await c["editor"](QUESTION, {"id": qid}))["wenzhengQuestion"]
    assert state["forwards"][0]["remindedAt"] and state["forwards"][0]["escalatedAt"]
    assert [h["kind"] for h in state["history"]][-2:] == ["remind", "escalate"]


async def test_nothing_fires_before_its_time_by_the_wenzheng_clock(
    http: httpx.AsyncClient, hub_app: Litestar, clock: ManualClock, drain: Any
) -> None:
    c = await center(http)
    sent = (await c["app"](SUBMIT, {"i": {"text": "菜市场秤不准", "public": True}}))[
        "submitWenzhengQuestion"
    ]
    qid = sent["question"]["id"]
    await c["editor"](
        "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status } }",
        {"id": qid, "d": [c["depts"][0]]},
    )
    clock.advance(timedelta(days=1).days * 24 * HOUR)
    await run_due(hub_app, c["tenant"], clock, drain)
    state = (await c["editor"](QUESTION, {"id": qid}))["wenzhengQuestion"]
    assert (
        state["forwards"][0]["remindedAt"] is None and state["forwards"][0]["escalatedAt"] is None
    )


async def test_a_department_asks_the_citizen_for_more_and_the_app_relays_the_reply(
    http: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await center(http)
    app, dept, op = c["app"], c["depts"][1], c["operators"][1]
    sent = (await app(SUBMIT, {"i": {"text": "小区门口路灯坏了", "public": True}}))[
        "submitWenzhengQuestion"
    ]
    qid, number, code = sent["question"]["id"], sent["trackingNumber"], sent["checkCode"]
    fid = (
        await c["editor"](
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { forwards { id } } }",
            {"id": qid, "d": [dept]},
        )
    )["forwardWenzhengQuestion"]["forwards"][0]["id"]
    await op(HANDLE, {"q": qid, "f": fid, "a": "ASK_MORE", "t": "请提供小区名称和路灯编号"})
    view = (
        await app(
            "query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) { infoRequests { forwardId departmentName request } } }",
            {"n": number, "c": code},
        )
    )["trackWenzhengQuestion"]
    assert view["infoRequests"] == [
        {"forwardId": fid, "departmentName": "县城管局", "request": "请提供小区名称和路灯编号"}
    ]
    supplement = 'mutation($n: String!, $c: String!, $f: ID!) { supplementWenzhengQuestion(trackingNumber: $n, checkCode: $c, forwardId: $f, text: "幸福小区,编号 A-17") { infoRequests { request } } }'
    assert (await app(supplement, {"n": number, "c": code, "f": fid}))[
        "supplementWenzhengQuestion"
    ]["infoRequests"] == []
    state = (
        await op(
            "query($id: ID!) { wenzhengQuestion(id: $id) { forwards { status supplement } } }",
            {"id": qid},
        )
    )["wenzhengQuestion"]
    assert state["forwards"] == [{"status": "ACCEPTED", "supplement": "幸福小区,编号 A-17"}]
    again = await app.errors(supplement, {"n": number, "c": code, "f": fid})
    assert again[0]["extensions"]["code"] == "WENZHENG_FORWARD_WRONG_STATE"


async def test_screening_rejects_with_a_reason_the_citizen_sees_merges_and_turns_questions_into_leads(
    http: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await center(http)
    app, editor = c["app"], c["editor"]

    async def ask(text: str) -> dict[str, Any]:
        return dict(
            (
                await app(
                    SUBMIT,
                    {"i": {"text": text, "contactName": "李先生", "contactPhone": "13900001111"}},
                )
            )["submitWenzhengQuestion"]
        )

    screen = """mutation($id: ID!, $d: WenzhengScreenDecision!, $r: String, $into: ID) {
      screenWenzhengQuestion(id: $id, decision: $d, reason: $r, intoId: $into) { status rejectReason mergedIntoId leadId } }"""
    rejected, first, dup, tip = (
        await ask("广告推销"),
        await ask("河道垃圾多"),
        await ask("河道垃圾很多"),
        await ask("老街要拆迁了吗"),
    )
    errors = await editor.errors(screen, {"id": rejected["question"]["id"], "d": "REJECT"})
    assert errors[0]["extensions"]["code"] == "WENZHENG_REASON_REQUIRED"
    await editor(
        screen, {"id": rejected["question"]["id"], "d": "REJECT", "r": "与政务无关,不予受理"}
    )
    seen = (await app(TRACK, {"n": rejected["trackingNumber"], "c": rejected["checkCode"]}))[
        "trackWenzhengQuestion"
    ]
    assert seen["status"] == "REJECTED"
    view = (
        await app(
            "query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) { rejectReason } }",
            {"n": rejected["trackingNumber"], "c": rejected["checkCode"]},
        )
    )["trackWenzhengQuestion"]
    assert view["rejectReason"] == "与政务无关,不予受理"

    merged = (
        await editor(
            screen, {"id": dup["question"]["id"], "d": "MERGE", "into": first["question"]["id"]}
        )
    )["screenWenzhengQuestion"]
    assert merged["status"] == "MERGED" and merged["mergedIntoId"] == first["question"]["id"]
    target = await editor(
        "query($id: ID!) { wenzhengQuestion(id: $id) { mergedFromIds } }",
        {"id": first["question"]["id"]},
    )
    assert target["wenzhengQuestion"]["mergedFromIds"] == [dup["question"]["id"]]

    lead = (await editor(screen, {"id": tip["question"]["id"], "d": "TO_LEAD"}))[
        "screenWenzhengQuestion"
    ]
    assert lead["status"] == "LEAD" and lead["leadId"]
    newsroom = (
        await editor(
            "query($id: ID!) { lead(id: $id) { title source contact } }", {"id": lead["leadId"]}
        )
    )["lead"]
    assert newsroom == {
        "title": "老街要拆迁了吗",
        "source": "CITIZEN",
        "contact": "李先生 13900001111",
    }
    again = await editor.errors(screen, {"id": tip["question"]["id"], "d": "ACCEPT"})
    assert again[0]["extensions"]["code"] == "WENZHENG_WRONG_STATE"
    figs = (await editor(FIGURES, {"s": iso(MONDAY_9AM - HOUR), "u": iso(clock.now_ms() + HOUR)}))[
        "wenzhengFigures"
    ]["total"]
    assert (figs["received"], figs["screenedOut"], figs["forwarded"], figs["answerRate"]) == (
        4,
        3,
        0,
        None,
    )


async def test_a_reopened_question_is_handled_again_and_its_qa_item_is_corrected_not_duplicated(
    http: httpx.AsyncClient, clock: ManualClock, drain: Any
) -> None:
    c = await center(http)
    app, editor, chief = c["app"], c["editor"], c["chief"]
    dept, op = c["depts"][1], c["operators"][1]
    sent = (await app(SUBMIT, {"i": {"text": "公园厕所没水", "public": True}}))[
        "submitWenzhengQuestion"
    ]
    qid, number, code = sent["question"]["id"], sent["trackingNumber"], sent["checkCode"]
    forward = "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status forwards { id status } } }"
    review = "mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { status storyId } }"
    sign = 'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "同意") { status } }'

    async def handled(answer: str) -> str:
        fwd = (await editor(forward, {"id": qid, "d": [dept]}))["forwardWenzhengQuestion"][
            "forwards"
        ][-1]["id"]
        await op(HANDLE, {"q": qid, "f": fwd, "a": "ACCEPT"})
        state = (
            await editor("query($id: ID!) { wenzhengQuestion(id: $id) { status } }", {"id": qid})
        )["wenzhengQuestion"]
        assert (
            state["status"] == "FORWARDED"
        )  # an earlier round's answer does not count for this one
        await op(HANDLE, {"q": qid, "f": fwd, "a": "ANSWER", "t": answer})
        story = (await editor(review, {"id": qid}))["sendWenzhengAnswerToReview"]["storyId"]
        await chief(sign, {"id": story})
        await drain()
        return str(story)

    first_story = await handled("已恢复供水")
    await app(
        'mutation($n: String!, $c: String!) { reopenWenzhengQuestion(trackingNumber: $n, checkCode: $c, reason: "第二天又停水了") { status } }',
        {"n": number, "c": code},
    )
    second_story = await handled("已更换水泵,供水稳定")
    assert second_story == first_story
    seen = (await app(TRACK, {"n": number, "c": code}))["trackWenzhengQuestion"]
    assert seen["status"] == "REPLIED" and [a["answer"] for a in seen["answers"]] == [
        "已恢复供水",
        "已更换水泵,供水稳定",
    ]
    assert seen["canRate"] and not seen["canReopen"]
    body = (await c["partner"]("query($id: ID!) { story(id: $id) { body } }", {"id": first_story}))[
        "story"
    ]["body"]
    assert "已更换水泵" in body


async def test_changes_and_escalations_are_announced_on_the_wenzheng_topic(
    http: httpx.AsyncClient, hub_app: Litestar, clock: ManualClock, drain: Any
) -> None:
    import asyncio
    import contextlib

    from hub.events.bus import NewsroomEvent, listen, listener_count
    from tests.conftest import bus_listening

    c = await center(http)
    seen: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(c["tenant"], ["wenzheng"]):
            seen.append(event)

    before = listener_count(c["tenant"])
    task = asyncio.create_task(collect())
    await bus_listening(c["tenant"], before)
    try:
        qid = (await c["app"](SUBMIT, {"i": {"text": "桥面裂缝"}}))["submitWenzhengQuestion"][
            "question"
        ]["id"]
        await c["editor"](
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status } }",
            {"id": qid, "d": [c["depts"][0]]},
        )
        clock.advance(30 * 24 * HOUR)
        await run_due(hub_app, c["tenant"], clock, drain)
        deadline = asyncio.get_running_loop().time() + 30
        while {"wenzheng.forward", "wenzheng.escalated"} - {e.kind for e in seen}:
            assert asyncio.get_running_loop().time() < deadline, [e.kind for e in seen]
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    forwarded = next(e for e in seen if e.kind == "wenzheng.forward")
    assert forwarded.subject_id == qid and forwarded.data["departments"] == [c["depts"][0]]
    assert [e.kind for e in seen].count("wenzheng.escalated") == 1
