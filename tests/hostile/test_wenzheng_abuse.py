"""Abuse of the 问政 doors: oversized and badly encoded text, unicode tricks, guessed
check codes, racing resends of one external id, floods from one client or one citizen,
departments reaching for other departments' work. Each is refused quickly with a code
and both texts, or answered without leaking anything."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.wenzheng.limits import IntakeLimiter
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_account, make_tenant, make_user, sign_in, token_request
from tests.hostile.helpers import BOUND, coded, refused, timed

SUBMIT = """mutation($i: SubmitWenzhengQuestionInput!) { submitWenzhengQuestion(input: $i) {
  trackingNumber checkCode created question { id publicText } } }"""
TRACK = "query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) { status text } }"
JSON_HEADERS = {"content-type": "application/json"}


async def user(http: httpx.AsyncClient, tenant: str, *grants: str) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, *grants)))["access_token"]
    )


async def app_client(http: httpx.AsyncClient, admin: GraphQLClient) -> GraphQLClient:
    creds = (
        await admin(
            'mutation { createClient(name: "APP", scopes: ["wenzheng:submit"]) { clientId clientSecret } }'
        )
    )["createClient"]
    r = await token_request(
        http, {"grant_type": "client_credentials"}, auth=(creds["clientId"], creds["clientSecret"])
    )
    return GraphQLClient(http, r.json()["access_token"])


@pytest.fixture
async def center(http: httpx.AsyncClient) -> dict[str, Any]:
    tenant = await make_tenant("wzh")
    admin = await user(http, tenant, "admin")
    return {
        "tenant": tenant,
        "admin": admin,
        "app": await app_client(http, admin),
        "other_app": await app_client(http, admin),
        "editor": await user(http, tenant, "editor"),
        "chief": await user(http, tenant, "chief_editor"),
    }


@pytest.fixture
def tight_limits(hub_app: Litestar) -> Iterator[None]:
    before = hub_app.state.wenzheng_limiter
    hub_app.state.wenzheng_limiter = IntakeLimiter("5/minute", "2/hour")
    yield
    hub_app.state.wenzheng_limiter = before


async def test_oversized_text_and_too_many_images_are_refused_quickly(
    http: httpx.AsyncClient, center: dict[str, Any]
) -> None:
    app = center["app"]
    response, seconds = await timed(app.raw(SUBMIT, {"i": {"text": "长" * 5_001}}))
    assert (
        coded(response.json()["errors"][0], "INVALID_INPUT")["details"]["field"] == "text"
        and seconds < BOUND
    )
    response, _ = await timed(
        app.raw(SUBMIT, {"i": {"text": "图", "images": [f"https://img/{i}" for i in range(10)]}})
    )
    refused(response, "INVALID_INPUT")
    response, _ = await timed(app.raw(SUBMIT, {"i": {"text": "x" * 400_000}}))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("text", "code", "status"),
    [
        ("\\ud800坏字", "BAD_REQUEST", 400),  # the body is not valid JSON text (a lone surrogate)
        ("反转\\u202e字", "INVALID_INPUT", 200),
        ("空\\u0000字", "INVALID_INPUT", 200),
    ],
)
async def test_lone_surrogates_bidi_overrides_and_nul_are_coded_refusals(
    http: httpx.AsyncClient, center: dict[str, Any], text: str, code: str, status: int
) -> None:
    body = '{"query": ' + json.dumps(SUBMIT) + ', "variables": {"i": {"text": "' + text + '"}}}'
    response = await http.post(
        "/graphql",
        content=body.encode(),
        headers={**JSON_HEADERS, "authorization": f"Bearer {center['app'].token}"},
    )
    assert response.status_code == status, response.text
    coded(response.json()["errors"][0], code)


async def test_a_disguised_phone_number_is_masked_in_the_public_text(
    center: dict[str, Any],
) -> None:
    sent = (
        await center["app"](
            SUBMIT, {"i": {"text": "电话１３８\u200b１２３４\u200b５６７８,住幸福小区12栋"}}
        )
    )["submitWenzhengQuestion"]
    public = sent["question"]["publicText"]
    assert (
        "138****5678" in public
        and "5678" not in public.replace("138****5678", "")
        and "**栋" in public
    )


async def test_a_wrong_check_code_sees_nothing_and_the_right_one_only_helps_its_own_app(
    center: dict[str, Any],
) -> None:
    app, other = center["app"], center["other_app"]
    sent = (await app(SUBMIT, {"i": {"text": "楼下烧烤油烟大", "public": False}}))[
        "submitWenzhengQuestion"
    ]
    number, code = sent["trackingNumber"], sent["checkCode"]
    last = "3" if code[-1].lower() == "2" else "2"  # one character off (a code may end in 2)
    for guess in (
        "",
        "A" * 8,
        code.lower()[:-1] + last,
        "'; DROP",
        code + " " * 50,
        "验证码验证码",
    ):
        assert (await app(TRACK, {"n": number, "c": guess}))["trackWenzhengQuestion"] is None
    assert (await app(TRACK, {"n": number.lower(), "c": code.lower()}))["trackWenzhengQuestion"][
        "status"
    ] == "RECEIVED"
    rate = "mutation($n: String!, $c: String!) { rateWenzhengAnswer(trackingNumber: $n, checkCode: $c, score: 1) { status } }"
    assert (await other.errors(rate, {"n": number, "c": code}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_racing_resends_of_one_external_id_make_one_question(center: dict[str, Any]) -> None:
    ask = {"i": {"text": "公交站牌被撞倒", "externalId": "RACE-1", "contactPhone": "13900000001"}}
    answers = await asyncio.gather(*(center["app"].raw(SUBMIT, ask) for _ in range(8)))
    sent = [r.json()["data"]["submitWenzhengQuestion"] for r in answers]
    assert len({(s["trackingNumber"], s["checkCode"], s["question"]["id"]) for s in sent}) == 1
    assert sum(s["created"] for s in sent) <= 1
    ask["i"]["text"] = "别的问题"
    assert (await center["app"].errors(SUBMIT, ask))[0]["extensions"][
        "code"
    ] == "WENZHENG_EXTERNAL_ID_REUSED"
    listed = (
        await center["editor"]("{ wenzhengQuestions(first: 50) { edges { node { externalId } } } }")
    )["wenzhengQuestions"]["edges"]
    assert [e["node"]["externalId"] for e in listed] == ["RACE-1"]


async def test_one_citizen_and_one_client_are_rate_limited_and_a_resend_is_not_counted(
    center: dict[str, Any], tight_limits: None
) -> None:
    app = center["app"]
    first = {"i": {"text": "问题一", "contactPhone": "138 0000 0002", "externalId": "RL-1"}}
    await app(SUBMIT, first)
    await app(SUBMIT, first)  # a resend
    await app(SUBMIT, {"i": {"text": "问题二", "contactPhone": "13800000002"}})
    # the same number written another way is the same citizen
    err = (await app.errors(SUBMIT, {"i": {"text": "问题三", "contactPhone": "１３８-0000-0002"}}))[
        0
    ]
    assert coded(err, "WENZHENG_RATE_LIMITED")["details"]["limit"] == "contact"
    for n in range(3):
        await app(SUBMIT, {"i": {"text": f"别人的问题{n}", "contactPhone": f"1370000000{n}"}})
    err = (await app.errors(SUBMIT, {"i": {"text": "再来一条", "contactPhone": "13600000009"}}))[0]
    assert coded(err, "WENZHENG_RATE_LIMITED")["details"]["limit"] == "client"


async def test_a_department_cannot_act_on_another_departments_forward_and_a_citizen_rates_and_reopens_once(
    http: httpx.AsyncClient, center: dict[str, Any]
) -> None:
    tenant, app, editor, chief = center["tenant"], center["app"], center["editor"], center["chief"]
    a, b = await make_account(tenant, "县水利局"), await make_account(tenant, "县环保局")
    op_a = await user(http, tenant, f"account_operator@{a}")
    sent = (await app(SUBMIT, {"i": {"text": "河里有死鱼", "public": False}}))[
        "submitWenzhengQuestion"
    ]
    qid, number, code = sent["question"]["id"], sent["trackingNumber"], sent["checkCode"]
    fwd = (
        await editor(
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { forwards { id departmentId } } }",
            {"id": qid, "d": [a, b]},
        )
    )["forwardWenzhengQuestion"]["forwards"]
    ids = {f["departmentId"]: f["id"] for f in fwd}
    handle = "mutation($q: ID!, $f: ID!, $t: String) { handleWenzhengForward(questionId: $q, forwardId: $f, action: ANSWER, text: $t) { status } }"
    err = (await op_a.errors(handle, {"q": qid, "f": ids[b], "t": "替别人答"}))[0]
    coded(err, "WENZHENG_NOT_YOUR_DEPARTMENT")
    again = await editor.errors(
        "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status } }",
        {"id": qid, "d": [a]},
    )
    coded(again[0], "WENZHENG_ALREADY_FORWARDED")
    await op_a(handle, {"q": qid, "f": ids[a], "t": "已派人打捞并检测水质"})
    # a private question: reviewed and released, nothing published
    sent_back = await editor(
        "mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { status storyId } }", {"id": qid}
    )
    assert sent_back["sendWenzhengAnswerToReview"] == {"status": "IN_REVIEW", "storyId": None}
    coded(
        (
            await editor.errors(
                "mutation($id: ID!) { releaseWenzhengAnswer(id: $id) { status } }", {"id": qid}
            )
        )[0],
        "FORBIDDEN",
    )
    await chief("mutation($id: ID!) { releaseWenzhengAnswer(id: $id) { status } }", {"id": qid})
    rate = "mutation($n: String!, $c: String!, $s: Int!) { rateWenzhengAnswer(trackingNumber: $n, checkCode: $c, score: $s) { rating } }"
    coded((await app.errors(rate, {"n": number, "c": code, "s": 9}))[0], "WENZHENG_BAD_RATING")
    await app(rate, {"n": number, "c": code, "s": 2})
    coded((await app.errors(rate, {"n": number, "c": code, "s": 5}))[0], "WENZHENG_ALREADY_RATED")
    reopen = 'mutation($n: String!, $c: String!) { reopenWenzhengQuestion(trackingNumber: $n, checkCode: $c, reason: "鱼还在") { status canReopen } }'
    assert (await app(reopen, {"n": number, "c": code}))["reopenWenzhengQuestion"] == {
        "status": "REOPENED",
        "canReopen": False,
    }
    coded((await app.errors(reopen, {"n": number, "c": code}))[0], "WENZHENG_REOPEN_USED")


async def test_oversized_forwards_and_calendars_and_bad_dates_are_refused(
    center: dict[str, Any],
) -> None:
    qid = (await center["app"](SUBMIT, {"i": {"text": "噪音扰民"}}))["submitWenzhengQuestion"][
        "question"
    ]["id"]
    many = [f"dept-{i}" for i in range(21)]
    response, seconds = await timed(
        center["editor"].raw(
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { status } }",
            {"id": qid, "d": many},
        )
    )
    assert (
        coded(response.json()["errors"][0], "INVALID_INPUT")["details"]["field"] == "departmentIds"
        and seconds < BOUND
    )
    unknown = await center["editor"].errors(
        'mutation($id: ID!) { forwardWenzhengQuestion(id: $id, departmentIds: ["nope"]) { status } }',
        {"id": qid},
    )
    coded(unknown[0], "WENZHENG_UNKNOWN_DEPARTMENT")
    configure = "mutation($h: [String!]!, $d: Int!) { configureWenzheng(input: {defaultWorkingDays: $d, holidays: $h}) { columnId } }"
    admin = center["admin"]
    coded((await admin.errors(configure, {"h": ["2026-02-30"], "d": 5}))[0], "WENZHENG_BAD_CONFIG")
    coded((await admin.errors(configure, {"h": [], "d": 0}))[0], "WENZHENG_BAD_CONFIG")
    days = [f"20{y:02d}-01-{d:02d}" for y in range(10, 99) for d in range(1, 29)]
    coded((await admin.errors(configure, {"h": days, "d": 5}))[0], "INVALID_INPUT")


async def test_departments_answering_at_the_same_moment_both_succeed(
    http: httpx.AsyncClient, center: dict[str, Any]
) -> None:
    tenant, editor = center["tenant"], center["editor"]
    depts = [await make_account(tenant, f"单位{i}") for i in range(4)]
    ops = [await user(http, tenant, f"account_operator@{d}") for d in depts]
    qid = (await center["app"](SUBMIT, {"i": {"text": "路口信号灯故障"}}))[
        "submitWenzhengQuestion"
    ]["question"]["id"]
    fwd = (
        await editor(
            "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { forwards { id departmentId } } }",
            {"id": qid, "d": depts},
        )
    )["forwardWenzhengQuestion"]["forwards"]
    ids = {f["departmentId"]: f["id"] for f in fwd}
    handle = "mutation($q: ID!, $f: ID!, $t: String) { handleWenzhengForward(questionId: $q, forwardId: $f, action: ANSWER, text: $t) { status } }"
    answers = await asyncio.gather(
        *(
            op.raw(handle, {"q": qid, "f": ids[d], "t": f"{d} 已处理"})
            for op, d in zip(ops, depts, strict=True)
        )
    )
    assert all("errors" not in r.json() for r in answers), [r.json() for r in answers]
    state = (
        await editor(
            "query($id: ID!) { wenzhengQuestion(id: $id) { status forwards { status } } }",
            {"id": qid},
        )
    )["wenzhengQuestion"]
    assert state["status"] == "ANSWERED" and {f["status"] for f in state["forwards"]} == {
        "ANSWERED"
    }
