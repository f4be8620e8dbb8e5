"""The HTTP caching rules of anonymous GraphQL reads (hub/rest/http_cache.py)."""

from __future__ import annotations

from hub.rest.http_cache import PRIVATE, etag_for, etag_matches, public_cache_control


def test_the_etag_changes_with_the_generation_and_with_the_bytes() -> None:
    assert etag_for(3, b"{}") == etag_for(3, b"{}")
    assert etag_for(4, b"{}") != etag_for(3, b"{}")
    assert etag_for(3, b'{"a":1}') != etag_for(3, b"{}")


def test_if_none_match_lists_weak_tags_and_the_star_match() -> None:
    tag = etag_for(1, b"x")
    assert etag_matches(tag, tag)
    assert etag_matches(f'"other", W/{tag}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"other"', tag)
    assert not etag_matches(None, tag)


def test_max_age_stops_short_of_the_signed_urls_deadline() -> None:
    assert (
        public_cache_control(30, 60, None, 1_000.0, 600)
        == "public, max-age=30, stale-while-revalidate=60"
    )
    assert (
        public_cache_control(30, 900, 1_010.0, 1_000.0, 600)
        == "public, max-age=10, stale-while-revalidate=600"
    )
    assert public_cache_control(30, 60, 1_000.0, 1_000.0, 600) == PRIVATE
