"""message_zh is Chinese and message_en English, for every code and every call that raises one.

Three walks: every registered kind's two templates; the placeholders both templates
share (they must carry language-neutral values: ids, numbers, names, codes); and every
`HubError(...)`/`invalid(...)` call in hub/ and plugins/, whose literal texts must fit the
template they fill (no Chinese in what reaches message_en, no English prose in what
reaches message_zh). A few doors that fill messages at run time are checked end to end
in tests/unit/test_http_conformance.py.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from pathlib import Path
from typing import Any

import pytest

import hub
import plugins
from hub.errors import Codes, ErrorKind, HubError, all_kinds

ROOT = Path(__file__).parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# three English words in a row is prose, not an identifier (application/json, wechat-cover)
ENGLISH = re.compile(r"[A-Za-z][A-Za-z']+(?: [A-Za-z][A-Za-z']+){2,}")

# Values a placeholder may carry in both texts: they read the same in either language.
NEUTRAL = {
    "after",
    "allow",
    "allowed",
    "approved",
    "assignees",
    "channel",
    "client_id",
    "content_type",
    "cost",
    "count",
    "current",
    "deadline",
    "depth",
    "detected",
    "done",
    "entry",
    "expected",
    "extension",
    "field",
    "format",
    "formats",
    "grant_type",
    "holder",
    "hook",
    "id",
    "key",
    "known",
    "label",
    "lead",
    "length",
    "limit",
    "loaded",
    "media_kind",
    "megapixels",
    "method",
    "offset",
    "other",
    "proofreader",
    "received",
    "ref",
    "reported",
    "required",
    "revision",
    "role",
    "scope",
    "seconds",
    "signed_stage",
    "size",
    "stage",
    "status",
    "story",
    "submitted",
    "subscription_id",
    "target",
    "tenant",
    "title",
    "topic",
    "topics",
    "until",
    "url",
    "user",
    "column",
    "found",
    "department",
    "document_id",
    "external_id",
    "metric",
    "version",
    "serving",  # WORKERS_STARTING: counts of API processes
    "workers",
}


def _import_everything() -> None:
    for package in (hub, plugins):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)


_import_everything()
KINDS = all_kinds()


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _without_placeholders(template: str) -> str:
    """The template's own words: placeholders and the `ronghub …` commands it quotes left out."""
    text = "".join(literal for literal, *_ in string.Formatter().parse(template))
    return re.sub(r"ronghub(?: [a-z][a-z-]*)+", "", text)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_each_template_is_in_its_own_language(kind: ErrorKind) -> None:
    zh, en = _without_placeholders(kind.zh), _without_placeholders(kind.en)
    assert CJK.search(zh), f"{kind.code}: message_zh has no Chinese: {kind.zh}"
    assert not ENGLISH.search(zh), f"{kind.code}: message_zh has English prose: {kind.zh}"
    assert not CJK.search(en), f"{kind.code}: message_en has Chinese: {kind.en}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_placeholders_both_texts_share_carry_language_neutral_values(kind: ErrorKind) -> None:
    shared = _placeholders(kind.zh) & _placeholders(kind.en)
    assert shared <= NEUTRAL, (
        f"{kind.code}: {sorted(shared - NEUTRAL)} fill both texts; free text needs a _zh/_en pair"
    )


# ---- every call that raises an error ------------------------------------------------------


def _literal_text(node: ast.expr) -> str | None:
    """The constant text of a str literal or f-string (its formatted parts left out)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _calls() -> list[tuple[str, int, ErrorKind, dict[str, ast.expr]]]:
    """(file, line, kind, keyword -> value) of every HubError/invalid call whose kind resolves."""
    found: list[tuple[str, int, ErrorKind, dict[str, ast.expr]]] = []
    for package in ("hub", "plugins"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            namespace: dict[str, Any] | None = None
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = (
                    node.func.attr
                    if isinstance(node.func, ast.Attribute)
                    else getattr(node.func, "id", "")
                )
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name == "invalid" and len(node.args) + len(node.keywords) >= 3:
                    args = dict(zip(("field", "reason_zh", "reason_en"), node.args, strict=False))
                    args |= {k.arg: k.value for k in node.keywords if k.arg}
                    found.append((where, node.lineno, Codes.INVALID_INPUT, args))
                if name != "HubError" or not node.args:
                    continue
                if namespace is None:
                    namespace = vars(importlib.import_module(_module_name(path)))
                try:
                    kind = eval(
                        compile(ast.Expression(node.args[0]), where, "eval"), dict(namespace)
                    )
                except Exception:
                    continue  # a local variable: its values are checked where they are made
                if isinstance(kind, ErrorKind):
                    found.append(
                        (where, node.lineno, kind, {k.arg: k.value for k in node.keywords if k.arg})
                    )
    return found


CALLS = _calls()


def test_the_walk_finds_the_raising_calls() -> None:
    assert len(CALLS) > 250, len(CALLS)
    assert {kind.code for _, _, kind, _ in CALLS} >= {
        "BAD_REQUEST",
        "NOT_FOUND",
        "INVALID_INPUT",
        "FORBIDDEN",
    }


def test_every_literal_a_call_fills_in_is_in_the_language_of_its_text() -> None:
    wrong: list[str] = []
    for where, _, kind, args in CALLS:
        in_zh, in_en = _placeholders(kind.zh), _placeholders(kind.en)
        for name, value in args.items():
            text = _literal_text(value)
            if text is None:
                continue
            if name in in_en and CJK.search(text):
                wrong.append(
                    f"{where} {kind.code}.{name} reaches message_en with Chinese: {text!r}"
                )
            if name in in_zh and ENGLISH.search(text):
                wrong.append(
                    f"{where} {kind.code}.{name} reaches message_zh with English: {text!r}"
                )
    assert not wrong, "\n".join(wrong)


def test_a_malformed_request_reads_in_one_language_per_text() -> None:
    err = HubError(Codes.BAD_REQUEST, reason_zh="缺少 query 字段", reason_en="missing 'query'")
    assert err.message_zh == "请求格式不正确:缺少 query 字段"
    assert err.message_en == "Malformed request: missing 'query'"
