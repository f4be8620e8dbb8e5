"""问政 domain rules without a server: the state machines, SLA deadlines on working days
with a holiday calendar, masking of personal data, intake checks, figures."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hub.errors import HubError
from hub.wenzheng import figures, intake, masking, sla
from hub.wenzheng.rules import (
    ForwardAction,
    ForwardStatus,
    QuestionAction,
    QuestionStatus,
    after_forward_change,
    check_rating,
    move_forward,
    move_question,
)

Q, QA, F, FA = QuestionStatus, QuestionAction, ForwardStatus, ForwardAction


def ms(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, m, d, h, mi, tzinfo=sla.CENTER_TZ).timestamp() * 1000)


# ---- state machines -----------------------------------------------------------------------
def test_a_question_is_screened_forwarded_answered_reviewed_and_replied() -> None:
    s = move_question(Q.RECEIVED, QA.ACCEPT)
    s = move_question(s, QA.FORWARD)
    s = move_question(s, QA.ANSWER)
    s = move_question(s, QA.SEND_TO_REVIEW)
    assert move_question(s, QA.REPLY) == Q.REPLIED


def test_a_closed_question_refuses_every_move_and_says_so_in_both_languages() -> None:
    with pytest.raises(HubError) as e:
        move_question(Q.REJECTED, QA.FORWARD)
    assert (
        e.value.code == "WENZHENG_WRONG_STATE"
        and "不予受理" in e.value.message_zh
        and "rejected" in e.value.message_en
    )


def test_rejecting_and_reopening_need_a_reason() -> None:
    with pytest.raises(HubError) as e:
        move_question(Q.RECEIVED, QA.REJECT, "  ")
    assert e.value.code == "WENZHENG_REASON_REQUIRED"
    assert move_question(Q.REPLIED, QA.REOPEN, "没修好") == Q.REOPENED
    assert move_question(Q.REOPENED, QA.FORWARD) == Q.FORWARDED


def test_a_department_cannot_answer_a_rerouted_forward_or_reroute_without_a_reason() -> None:
    with pytest.raises(HubError) as e:
        move_forward(F.REROUTED, FA.ANSWER, "县住建局", "已修")
    assert e.value.code == "WENZHENG_FORWARD_WRONG_STATE" and "县住建局" in e.value.message_zh
    with pytest.raises(HubError):
        move_forward(F.PENDING, FA.REROUTE, "县住建局", "")
    assert move_forward(F.INFO_REQUESTED, FA.SUPPLEMENT, "县住建局", "照片已补") == F.ACCEPTED


def test_the_first_answer_answers_the_question_and_all_reroutes_send_it_back() -> None:
    assert after_forward_change(Q.FORWARDED, [F.REROUTED, F.ANSWERED]) == QA.ANSWER
    assert after_forward_change(Q.FORWARDED, [F.REROUTED, F.REROUTED]) == QA.ALL_REROUTED
    assert move_question(Q.FORWARDED, QA.ALL_REROUTED) == Q.ACCEPTED
    assert after_forward_change(Q.FORWARDED, [F.REROUTED, F.ACCEPTED]) is None


def test_only_a_replied_question_is_rated_and_rating_keeps_its_status() -> None:
    assert move_question(Q.REPLIED, QA.RATE) == Q.REPLIED
    with pytest.raises(HubError) as e:
        move_question(Q.FORWARDED, QA.RATE)
    assert "评价" in e.value.message_zh and "rate" in e.value.message_en


def test_ratings_are_one_to_five() -> None:
    assert check_rating(5) == 5
    for bad in (0, 6, -1):
        with pytest.raises(HubError):
            check_rating(bad)


# ---- SLA -----------------------------------------------------------------------------------
def test_deadlines_count_working_days_after_the_day_of_forwarding() -> None:
    rules = sla.SlaRules()
    # Monday 09:00 + 3 working days: end of Thursday
    assert sla.deadline(ms(2026, 12, 7, 9), 3, rules) == ms(2026, 12, 11)
    # Friday 23:59 + 1: end of Monday; a Saturday forward counts from Monday too
    assert sla.deadline(ms(2026, 12, 11, 23, 59), 1, rules) == ms(2026, 12, 15)
    assert sla.deadline(ms(2026, 12, 12, 10), 1, rules) == ms(2026, 12, 15)


def test_holidays_are_skipped_and_makeup_weekend_days_count() -> None:
    rules = sla.SlaRules(
        holidays=frozenset({date(2026, 12, 8)}), workdays=frozenset({date(2026, 12, 12)})
    )
    # Monday + 3: Tue is a holiday, Wed Thu Fri -> end of Friday
    assert sla.deadline(ms(2026, 12, 7, 9), 3, rules) == ms(2026, 12, 12)
    # Thursday + 2: Fri, and the make-up Saturday -> end of Saturday
    assert sla.deadline(ms(2026, 12, 10, 9), 2, rules) == ms(2026, 12, 13)


def test_national_day_golden_week_is_bridged() -> None:
    week = frozenset(date(2026, 10, d) for d in range(1, 8))
    rules = sla.SlaRules(holidays=week, workdays=frozenset({date(2026, 10, 10)}))
    # Wed 30 Sep + 2 working days: the 8th (Thu) and the 9th (Fri)
    assert sla.deadline(ms(2026, 9, 30, 16), 2, rules) == ms(2026, 10, 10)


def test_the_reminder_is_before_the_deadline_but_never_before_the_forward() -> None:
    rules = sla.SlaRules(reminder_hours=24)
    due = sla.deadline(ms(2026, 12, 7, 9), 1, rules)
    assert sla.reminder_at(ms(2026, 12, 7, 9), due, rules) == due - 24 * 3_600_000
    assert sla.reminder_at(ms(2026, 12, 7, 23), due, sla.SlaRules(reminder_hours=72)) == ms(
        2026, 12, 7, 23
    )


def test_category_limits_and_bad_rules_are_named() -> None:
    rules = sla.SlaRules(default_days=5, days_by_category={"城建": 3})
    assert rules.days_for("城建") == 3 and rules.days_for("教育") == 5 and rules.days_for(None) == 5
    found = sla.problems(
        sla.SlaRules(
            default_days=0,
            holidays=frozenset({date(2026, 1, 1)}),
            workdays=frozenset({date(2026, 1, 1)}),
        )
    )
    assert len(found) == 2 and all(zh and en for zh, en in found)
    with pytest.raises(ValueError):
        sla.parse_days(["2026-13-01"], "holidays")


# ---- masking -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "电话 138 1234 5678",
        "电话138-1234-5678",
        "电话１３８１２３４５６７８",
        "电话138\u200b1234\u200b5678",
        "电话+86 13812345678",
        "电话١٣٨١٢٣٤٥٦٧٨",
    ],
)
def test_phone_numbers_are_masked_however_they_are_written(text: str) -> None:
    masked = masking.mask(text)
    assert masked.replace(" ", "") == "电话138****5678", masked
    assert masking.kinds(text) == [masking.PersonalData.PHONE]


def test_id_numbers_addresses_and_long_numbers_are_masked_and_dates_are_not() -> None:
    assert masking.mask("身份证11010119900307123X") == "身份证110***********123X"
    assert masking.mask("住岚溪路88号3栋2单元501室") == "住岚溪路**号*栋*单元***室"
    assert masking.mask("座机0571-88886666") == "座机**********66"
    assert masking.mask("2026年3月5日上午9点,共3人") == "2026年3月5日上午9点,共3人"


def test_masked_text_keeps_chinese_punctuation() -> None:
    assert masking.mask("你好，请联系13812345678。") == "你好，请联系138****5678。"


# ---- intake --------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["x\x00y", "反转\u202e文字", "a\ud800b", "\x07铃"])
def test_control_characters_lone_surrogates_and_bidi_overrides_are_refused(bad: str) -> None:
    with pytest.raises(HubError) as e:
        intake.clean("text", bad, multiline=True)
    assert e.value.code == "INVALID_INPUT"


def test_text_is_limited_and_normalised_and_a_resend_has_the_same_fingerprint() -> None:
    with pytest.raises(HubError):
        intake.clean("text", "长" * 5_001)
    one = intake.submission("Cafe\u0301 门口", None, None, None, None, "138", None, True, "A")
    two = intake.submission("Café 门口", None, None, None, None, "138", None, True, "B")
    assert one.text == two.text and one.fingerprint() == two.fingerprint()
    with pytest.raises(HubError):
        intake.submission(
            "图", None, None, [f"u{i}" for i in range(10)], None, None, None, True, None
        )


def test_check_codes_compare_in_constant_time_ignoring_case_and_spaces() -> None:
    code = intake.check_code()
    assert len(code) == 8 and intake.same_code(f" {code.lower()} ", code)
    assert not intake.same_code("ABCDEFGH", code if code != "ABCDEFGH" else "ABCDEFGJ")
    assert not intake.same_code("验证码", code)


# ---- figures -------------------------------------------------------------------------------
def fwd(
    dept: str, status: str, forwarded: int, deadline: int, answered: int | None = None
) -> dict[str, object]:
    return {
        "department": dept,
        "department_name": dept.upper(),
        "status": status,
        "forwarded_at": forwarded,
        "deadline": deadline,
        "answered_at": answered,
    }


def test_figures_count_rates_medians_overdue_and_satisfaction() -> None:
    h = 3_600_000
    questions = [
        {
            "status": "replied",
            "category": "城建",
            "rating": 5,
            "forwards": {
                "001": fwd("a", "answered", 0, 10 * h, 4 * h),
                "002": fwd("b", "rerouted", 0, 10 * h),
            },
        },
        {
            "status": "answered",
            "category": "城建",
            "rating": None,
            "forwards": {"001": fwd("b", "answered", 0, 10 * h, 20 * h)},
        },
        {
            "status": "forwarded",
            "category": "教育",
            "forwards": {"001": fwd("a", "pending", 0, 10 * h)},
        },
        {"status": "rejected", "category": "", "forwards": {}},
    ]
    figs = figures.compute(questions, now=11 * h)
    assert figs.total == {
        "received": 4,
        "screened_out": 1,
        "forwarded": 3,
        "answered": 2,
        "answer_rate": 0.6667,
        "on_time_rate": 0.5,
        "median_hours_to_answer": 12.0,
        "overdue_now": 1,
        "satisfaction": 5.0,
        "rated": 1,
    }
    by = {d["department"]: d for d in figs.by_department}
    assert (
        by["a"]["answered"] == 1 and by["a"]["overdue_now"] == 1 and by["b"]["on_time_rate"] == 0.0
    )
    assert [c["category"] for c in figs.by_category] == ["", "城建", "教育"]


def test_the_csv_export_neutralises_formulas() -> None:
    figs = figures.compute(
        [{"status": "forwarded", "category": "=HYPERLINK(1)", "forwards": {}}], now=0
    )
    text = figures.as_csv(figs)
    assert "'=HYPERLINK(1)" in text and text.splitlines()[0].startswith("scope,key,name,received")


# ---- deadlines and limits ------------------------------------------------------------------
def test_a_reminder_is_due_at_its_time_and_an_escalation_only_after_the_deadline() -> None:
    from hub.wenzheng.deadlines import ESCALATE, REMIND, is_due

    assert is_due(REMIND, 100, 100) and not is_due(REMIND, 100, 99)
    assert not is_due(ESCALATE, 100, 100) and is_due(ESCALATE, 100, 101)


async def test_the_intake_limiter_counts_only_what_it_is_told_and_names_the_limit() -> None:
    from hub.wenzheng.limits import IntakeLimiter, contact_key

    limiter = IntakeLimiter("3/minute", "1/hour")
    phone = contact_key("t", "１３８ 0000 0001", None)
    assert phone == contact_key("t", "+86 138-0000-0001", "别名") == "t:p:13800000001"
    assert contact_key("t", None, " 王女士 ") == "t:n:王女士" and contact_key("t", "", "") is None
    await limiter.check("app", phone)
    await limiter.check("app", phone)  # checking alone uses nothing up
    await limiter.count("app", phone)
    with pytest.raises(HubError) as e:
        await limiter.check("app", phone)
    assert (
        e.value.code == "WENZHENG_RATE_LIMITED"
        and e.value.details["limit"] == "contact"
        and e.value.details["seconds"] >= 1
    )
    for _ in range(2):
        await limiter.count("app", None)
    with pytest.raises(HubError) as e:
        await limiter.check("app", contact_key("t", "13900000000", None))
    assert e.value.details["limit"] == "client"
    await IntakeLimiter("", "").check("app", phone)  # empty notation: no limit
