"""Story URLs from a center's site pattern (hub/domain/permalink.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.domain.permalink import check_pattern, story_url, usable
from hub.errors import HubError

PATTERN = "https://news.example.cn/{column}/{yyyy}{mm}{dd}/{id}.html"


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_the_url_uses_the_column_and_the_china_date_of_publication() -> None:
    # 2026-03-01 20:30 UTC is already 2 March in China
    assert (
        story_url(PATTERN, "01abc", "yaowen", ms(2026, 3, 1, 20, 30), "t")
        == "https://news.example.cn/yaowen/20260302/01abc.html"
    )
    assert (
        story_url(PATTERN, "01abc", None, ms(2026, 3, 1), "t")
        == "https://news.example.cn/news/20260301/01abc.html"
    )
    assert (
        story_url("https://x.cn/{tenant}/{id}", "a b/c", None, 0, "c-1")
        == "https://x.cn/c-1/a%20b%2Fc"
    )


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("https://x.cn/{slug}/{id}", "unknown placeholders slug"),
        ("https://x.cn/{column}.html", "must contain {id}"),
        ("ftp://x.cn/{id}", "absolute http(s)"),
        ("/stories/{id}", "absolute http(s)"),
        ("https://x.cn/{id", "unbalanced"),
        ("https://x.cn/{id!r}", "plain {name}"),
    ],
)
def test_a_pattern_that_cannot_make_unique_public_urls_is_refused(pattern: str, says: str) -> None:
    with pytest.raises(HubError) as caught:
        check_pattern(pattern)
    assert caught.value.code == "INVALID_INPUT" and says in caught.value.message_en
    assert usable(pattern) is None
