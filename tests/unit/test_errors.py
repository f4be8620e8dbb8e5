"""The error catalogue: every code has an editor-facing Chinese and an English text."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string

import pytest

import hub
from hub.errors import ErrorKind, HubError, all_kinds

CJK = re.compile(r"[\u4e00-\u9fff]")


def _import_all_hub_modules() -> None:
    """Subsystems declare their kinds in their own modules: import them all first."""
    for info in pkgutil.walk_packages(hub.__path__, "hub."):
        importlib.import_module(info.name)


_import_all_hub_modules()
KINDS = all_kinds()


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_catalogue_has_the_foundation_codes() -> None:
    codes = {k.code for k in KINDS}
    assert {
        "BAD_REQUEST",
        "INTERNAL",
        "INVALID_INPUT",
        "QUERY_TOO_DEEP",
        "REQUEST_TOO_LARGE",
    } <= codes


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_every_kind_has_chinese_and_english_text(kind: ErrorKind) -> None:
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", kind.code)
    assert kind.zh.strip() and CJK.search(kind.zh), "the Chinese text must be Chinese"
    assert kind.en.strip() and not CJK.search(kind.en)
    assert 400 <= kind.http_status <= 599


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_every_placeholder_gets_filled(kind: ErrorKind) -> None:
    names = _placeholders(kind.zh) | _placeholders(kind.en)
    details = {name: f"<{name}-value>" for name in names}
    err = HubError(kind, **details)
    for text in (err.message_zh, err.message_en):
        assert "{" not in text.replace("{" + "}", ""), text
    for name in _placeholders(kind.zh):
        assert details[name] in err.message_zh
    for name in _placeholders(kind.en):
        assert details[name] in err.message_en
    assert err.as_dict()["details"] == details


def test_a_missing_detail_stays_visible_instead_of_crashing() -> None:
    err = HubError(next(k for k in KINDS if k.code == "QUERY_TOO_DEEP"), depth=12)
    assert "12" in err.message_en and "{limit}" in err.message_en


def test_a_code_cannot_be_declared_twice_with_other_texts() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        ErrorKind("INTERNAL", "别的", "other")
