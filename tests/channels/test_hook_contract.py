"""Every hook is documented and tested; hook implementations match their specs."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from ronghub_sdk import HOOK_NAMES, hookspecs

TESTS = Path(__file__).resolve().parents[1]


def declared_coverage() -> dict[str, list[str]]:
    """hook name -> tests that declare `@covers(...)` it, read from the test sources."""
    found: dict[str, list[str]] = {}
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "covers":
                    for arg in deco.args:
                        if isinstance(arg, ast.Constant):
                            found.setdefault(arg.value, []).append(f"{path.name}::{node.name}")
    return found


def test_hook_names_list_every_hookspec_in_the_module() -> None:
    specs = {
        n
        for n, f in vars(hookspecs).items()
        if inspect.isfunction(f) and hasattr(f, "ronghub_spec")
    }
    assert specs == set(HOOK_NAMES)


def test_every_hookspec_has_a_docstring() -> None:
    undocumented = [
        n for n in HOOK_NAMES if len((getattr(hookspecs, n).__doc__ or "").strip()) < 40
    ]
    assert undocumented == []


def test_every_hookspec_is_exercised_by_a_test() -> None:
    coverage = declared_coverage()
    untested = [n for n in HOOK_NAMES if not coverage.get(n)]
    assert untested == [], f"hooks without a test declaring @covers: {untested}"
