"""The anonymous response cache's deadline: a response never outlives its signed URLs."""

from __future__ import annotations

from hub.readcache import Generations, ResponseCache, serve_until


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_response_with_urls_is_served_until_the_margin_before_the_first_expires() -> None:
    assert serve_until(None, 600) is None
    assert serve_until(4_620.0, 600) == 4_020.0


def test_the_cache_stops_serving_an_entry_at_its_deadline() -> None:
    generations = Generations()
    generations.advance("c", 1)
    clock = Clock(1_000.0)
    cache = ResponseCache(generations, max_entries=8, clock=clock)
    with_urls, plain = ResponseCache.key("c", "GET", b"q=1"), ResponseCache.key("c", "GET", b"q=2")
    cache.put(with_urls, 1, b"signed", until=1_010.0)
    cache.put(plain, 1, b"plain")
    clock.now = 1_009.9
    assert cache.get(with_urls) == b"signed"
    clock.now = 1_010.0
    assert cache.get(with_urls) is None  # a fresh answer signs fresh URLs
    assert cache.get(plain) == b"plain"  # no URLs: only a publication ends it
    clock.now = 10**9
    assert cache.get(plain) == b"plain"


def test_a_response_whose_urls_expire_within_the_margin_is_not_kept() -> None:
    generations = Generations()
    generations.advance("c", 1)
    cache = ResponseCache(generations, max_entries=8, clock=Clock(1_000.0))
    key = ResponseCache.key("c", "GET", b"q")
    cache.put(key, 1, b"body", until=999.0)
    assert cache.get(key) is None


def test_a_generation_moving_on_tells_its_listeners_once_per_advance() -> None:
    generations = Generations()
    told: list[str] = []
    generations.on_advance.append(told.append)
    generations.advance("t", 3)  # first seen: nothing cached can be older
    generations.advance("t", 3)
    generations.advance("t", 2)
    assert told == []
    generations.advance("t", 4)
    assert told == ["t"]
