"""Which readers are not people: crawlers, previews and monitors, by user agent.

The app's read counts must count people. A request whose user agent names a crawler,
a link-preview fetcher, an HTTP library or a monitor is not counted; an empty user
agent is not counted either (every real browser and the app's WebView send one).
"""

from __future__ import annotations

import re
from functools import lru_cache

_BOT = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|baiduspider|sogou|360spider|yisouspider|bytespider|petalbot|"
    r"facebookexternalhit|embedly|preview|headless|phantomjs|lighthouse|pingdom|uptime|monitor|"
    r"curl/|wget/|python-requests|python-httpx|aiohttp|go-http-client|java/|okhttp/|libwww|httpclient|scrapy",
    re.IGNORECASE,
)


@lru_cache(
    maxsize=4_096
)  # user agents repeat: the regex runs once per distinct one (it is on the read path)
def is_bot(user_agent: str | None) -> bool:
    """True when the user agent is missing or names something that is not a person."""
    if not user_agent or not user_agent.strip():
        return True
    return _BOT.search(user_agent) is not None
