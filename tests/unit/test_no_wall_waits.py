"""Tests wait on conditions, never on the wall clock (#20 item 5).

A `time.sleep` / `asyncio.sleep` in tests/ is polling when it sits in a loop that checks
a condition (the wait ends as soon as the condition holds, on any machine). Anywhere else
it is a guess about how long something takes, which a loaded machine outlasts: move the
hub's clock (the `clock` fixture), drain the worker until idle (`drain_hub`), or wait for
a bus marker (`bus_settled`) instead. The few left are listed below with their reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

# (file under tests/, enclosing function): why this sleep is not a guess about timing.
ALLOWED = {
    # latency a stand-in injects: the slowness is the scenario, nothing waits for it
    ("fakes/base.py", "scripted"): "a stand-in platform's scripted slow answer",
    ("distribution/chaos_channel.py", "deliver"): "the chaos channel's random latency",
    ("distribution/chaos_channel.py", "do_POST"): "the chaos platform's random latency",
    ("media/test_media_http.py", "breaks_off"): "an upload body that stalls, then breaks",
    ("unit/test_shutdown.py", "test_sigterm_unwinds_the_body_and_returns_normally"): (
        "a sleep the signal must interrupt (the test fails if it runs out)"
    ),
    # time kept by something the hub's clock does not drive
    ("unit/test_ratelimit.py", "test_a_refusal_names_the_limit_and_the_wait_and_is_not_counted"): (
        "the `limits` library's window runs on the wall clock; the wait is the one the refusal names"
    ),
    (
        "e2e/test_token_rate_limit.py",
        "test_sign_ins_per_address_are_limited_with_retry_after_and_recover",
    ): ("the `limits` library's window runs on the wall clock; the wait is Retry-After"),
    (
        "planning/test_overdue_restart.py",
        "test_a_deadline_missed_while_the_hub_was_down_is_recorded_after_restart",
    ): ("a hub in another process stays down past a real deadline (its clock is its own)"),
}


def _sleeps(tree: ast.AST) -> list[tuple[ast.Call, str, bool]]:
    """Every sleep call with its enclosing function's name and whether a loop encloses it."""
    found: list[tuple[ast.Call, str, bool]] = []

    def walk(node: ast.AST, function: str, in_loop: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                name = getattr(child, "name", "<lambda>")
                walk(child, name, False)
                continue
            if isinstance(child, ast.Call) and _is_sleep(child):
                found.append((child, function, in_loop))
            walk(child, function, in_loop or isinstance(child, ast.While | ast.For | ast.AsyncFor))

    walk(tree, "<module>", False)
    return found


def _is_sleep(call: ast.Call) -> bool:
    f = call.func
    return (
        isinstance(f, ast.Attribute)
        and f.attr == "sleep"
        and isinstance(f.value, ast.Name)
        and f.value.id in ("time", "asyncio")
    )


def _yields_only(call: ast.Call) -> bool:
    """`sleep(0)`: hands the loop to other tasks, waits for no time."""
    return (
        len(call.args) == 1 and isinstance(call.args[0], ast.Constant) and call.args[0].value == 0
    )


def wall_waits(source: str) -> list[tuple[int, str]]:
    """(line, enclosing function) of each sleep that waits on time rather than a condition."""
    return [
        (call.lineno, function)
        for call, function, in_loop in _sleeps(ast.parse(source))
        if not in_loop and not _yields_only(call)
    ]


def test_the_scan_finds_a_sleep_then_assert_and_passes_polling() -> None:
    guess = "async def t():\n    await go()\n    await asyncio.sleep(0.2)\n    assert done\n"
    until = "async def t():\n    await asyncio.sleep(max(0, due - now()) + 0.1)\n"
    poll = "async def t():\n    while not done():\n        await asyncio.sleep(0.01)\n"
    bounded = "def t():\n    for _ in range(100):\n        if ok():\n            break\n        time.sleep(0.05)\n"
    yields = "async def t():\n    await asyncio.sleep(0)\n"
    assert wall_waits(guess) == [(3, "t")]
    assert wall_waits(until) == [(2, "t")]
    assert wall_waits(poll) == wall_waits(bounded) == wall_waits(yields) == []


def test_no_test_waits_on_the_wall_clock() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        rel = path.relative_to(TESTS).as_posix()
        for line, function in wall_waits(path.read_text(encoding="utf-8")):
            if (rel, function) not in ALLOWED:
                found.append(f"tests/{rel}:{line} in {function}")
    assert not found, (
        "sleeps that guess how long something takes (move the `clock`, drain until idle, "
        "or wait for a condition):\n" + "\n".join(found)
    )
