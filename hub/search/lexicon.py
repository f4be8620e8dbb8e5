"""Per-tenant search dictionaries: place and organisation names, and synonym groups.

Stored one document per tenant (`_id` = tenant). Words change how text is cut, so a
tenant's stories should be reindexed after its dictionary changes (`ronghub reindex
--tenant`); synonyms apply at query time and take effect at once.
"""

from __future__ import annotations

import time

from pydantic import Field

from hub.search.analysis import Lexicon
from hub.store.documents import TenantDocument

CACHE_SECONDS = 30.0


class SearchLexiconDoc(TenantDocument):
    """A tenant's own search words (地名, 机构名) and synonym groups."""

    words: list[str] = Field(default_factory=list)
    synonyms: list[list[str]] = Field(default_factory=list)

    class Settings:
        name = "search_lexicons"


class Lexicons:
    """Loads and caches each tenant's Lexicon (built-in synonyms always included)."""

    def __init__(self, use_store: bool = True) -> None:
        self.use_store = use_store
        self._cache: dict[str, tuple[float, Lexicon]] = {}

    async def get(self, tenant: str) -> Lexicon:
        """The tenant's lexicon, from the cache if it is fresh."""
        hit = self._cache.get(tenant)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        doc = (
            await SearchLexiconDoc.find_one({"_id": tenant, "tenant": tenant})
            if self.use_store
            else None
        )
        lexicon = Lexicon.build(doc.words, doc.synonyms) if doc else Lexicon.build()
        self._cache[tenant] = (time.monotonic(), lexicon)
        return lexicon

    async def put(self, tenant: str, words: list[str], synonyms: list[list[str]]) -> Lexicon:
        """Replace the tenant's dictionary; it is used from now on in this process."""
        lexicon = Lexicon.build(words, synonyms)
        if self.use_store:
            doc = SearchLexiconDoc(id=tenant, tenant=tenant, words=words, synonyms=synonyms)
            await doc.save()
        self._cache[tenant] = (time.monotonic(), lexicon)
        return lexicon
