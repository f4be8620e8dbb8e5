"""The production engine: Meilisearch through its async Python SDK (RONGHUB_MEILI_URL).

Meilisearch segments Chinese itself, misses traditional-character queries and does
not match infixes, so it never sees raw Chinese to match on. We send it opaque
codes for our own tokens: each CJK bigram becomes one Latin-looking word (`g` + hex),
so a phrase of codes is our bigram phrase (infix, traditional folded away), and the
pinyin fields carry our syllables and joined word pinyin. Original text is stored
for our own highlighter. Every search filters by tenant (and published when public).

Relevance, as far as Meilisearch allows (the contract suite skips the rest, see
`missing`): the head field (title, summary, tags) is searched before the body
(attribute rule); question words are left out of the query, and a long query drops its
most frequent words first (matchingStrategy frequency) instead of requiring them all;
Taiwan / Hong Kong words are indexed in their mainland reading too, and a query whose
first reading finds nothing is tried in its regional one; homophone corrections come
from a `vocab` facet (pinyin → word); recency is the last ranking rule (a tie-breaker).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchCommunicationError
from meilisearch_python_sdk.models.search import SearchParams
from meilisearch_python_sdk.models.settings import MeilisearchSettings, TypoTolerance

from hub.errors import HubError
from hub.search import analysis, highlight
from hub.search.analysis import QueryPlan, QueryUnit
from hub.search.errors import SearchCodes
from hub.search.port import (
    AUDIENCES,
    FACET_FIELDS,
    AnalyzedDocument,
    FacetValue,
    SearchFilter,
    SearchHit,
    SearchPage,
    SearchRequest,
    SortOrder,
    Suggestion,
    audience_of,
)
from hub.store.scope import Scope

CODED = ("grams", "chars", "title_grams")
SEARCHABLE = ["title_grams", "grams", "chars", "words", "py", "pyw"]
# Meilisearch's default order, then recency only where everything else ties
RANKING_RULES = [
    "words",
    "typo",
    "proximity",
    "attribute",
    "sort",
    "exactness",
    "published_at:desc",
]
TASK_TIMEOUT_MS = 60_000


def code(token: str) -> str:
    """A CJK token as one opaque Latin word Meilisearch will not cut (融媒 → g878d5a92)."""
    return "g" + "".join(f"{ord(c):x}" for c in token)


def _key(tenant: str, doc_id: str, audience: str) -> str:
    return hashlib.sha1(f"{tenant}\x00{audience}\x00{doc_id}".encode()).hexdigest()


def to_meili(a: AnalyzedDocument) -> dict[str, Any]:
    d = a.doc
    chars = sorted({c for g in a.text.grams for c in g})
    return {
        "key": _key(d.tenant, d.id, d.audience),
        "tenant": d.tenant,
        "audience": d.audience,
        "id": d.id,
        "title": d.title,
        "summary": d.summary,
        "body": d.body,
        # title, summary and tags: searched before the body (the attribute ranking rule)
        "title_grams": " ".join(code(g) for g in (a.head_grams or a.title.grams)),
        "grams": " ".join(code(g) for g in a.text.grams),
        "chars": " ".join(code(c) for c in chars),
        "words": " ".join(w for w in a.text.words if w.isascii()),
        "py": " ".join(a.text.syllables),
        # joined pinyin and initials of words (融媒体 → rongmeiti, rmt): Meilisearch
        # cannot do our char-level initials phrase, so give it whole-word keys
        "pyw": " ".join([*a.text.word_pinyin, *_word_initials(a.text.words)]),
        "sugg": [k for w in a.suggestions for k in analysis.suggestion_keys(w)],
        "vocab": [analysis.vocab_key(w) for w in a.text.vocab],
        "column": d.column,
        "type": d.type,
        "status": d.status,
        "tags": list(d.tags),
        "account": d.account,
        "channels": list(d.channels),
        "published_at": d.published_at or 0,
        "updated_at": d.updated_at,
    }


def _word_initials(words: Sequence[str]) -> list[str]:
    return sorted(
        {
            "".join(s[0] for s in analysis.word_syllables(w))
            for w in words
            if len(w) > 1 and analysis.all_cjk(w)
        }
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(scope: Scope, f: SearchFilter) -> str:
    """Meilisearch filter syntax; tenant always, published only for public scopes."""
    parts = [f"tenant = {_quote(scope.tenant)}", f"audience = {_quote(audience_of(scope))}"]
    for field, values in (
        ("column", f.columns),
        ("type", f.types),
        ("status", f.statuses),
        ("account", f.accounts),
        ("channels", f.channels),
    ):
        if values:
            parts.append(f"{field} IN [{', '.join(_quote(v) for v in values)}]")
    parts += [f"tags = {_quote(t)}" for t in f.tags]
    time_field = f.time_field if f.time_field in ("published_at", "updated_at") else "published_at"
    if f.since is not None:
        parts.append(f"{time_field} >= {int(f.since)}")
    if f.until is not None:
        parts.append(f"{time_field} < {int(f.until)}")
    return " AND ".join(parts)


def _unit_terms(u: QueryUnit) -> str:
    if u.kind in ("cjk", "phrase"):
        if len(u.text) <= 2:
            return code(u.text)
        return '"' + " ".join(code(g) for g in analysis.gram_phrase(u.text)) + '"'
    return u.text


def query_text(request: SearchRequest, plan: QueryPlan | None = None) -> str:
    """Our plan as a Meilisearch query: its required units (question words left out)."""
    plan = plan or request.plan
    if request.typo_tolerant:
        # homophones: the runs' syllables as phrases; Latin words get Meilisearch's own typos
        parts = [u.text for u in plan.units if u.kind not in ("cjk", "phrase")]
        parts += ['"' + " ".join(r.syllables) + '"' for r in plan.runs if r.syllables]
        return " ".join(parts)
    return " ".join(_unit_terms(u) for u in plan.required)


def matching_strategy(plan: QueryPlan) -> Literal["all", "frequency"]:
    """Short queries need every word; long ones drop their most frequent words first."""
    return "frequency" if len(plan.required) >= 3 else "all"


class MeiliEngine:
    """Meilisearch behind the search port (see module doc)."""

    name = "meilisearch"
    # what this engine cannot do that the embedded one can (the contract suite skips them)
    missing = frozenset(
        {
            "synonyms",  # ours are per tenant and expanded at query time; Meilisearch's are per index
            "one_wrong_character",
            "initials_infix",
            "long_query_ranking",  # matchingStrategy frequency is close, not the same ranking (unmeasured)
            "field_weights",  # the attribute rule orders by field, after words/typo/proximity
        }
    )

    def __init__(self, url: str, key: str | None, index_uid: str = "stories") -> None:
        self.url = url
        self.key = key
        self.index_uid = index_uid
        self._client: AsyncClient | None = None

    async def start(self) -> None:
        self._client = AsyncClient(self.url, self.key, timeout=30)
        try:
            index = await self._client.get_or_create_index(self.index_uid, primary_key="key")
            task = await index.update_settings(
                MeilisearchSettings(
                    searchable_attributes=SEARCHABLE,
                    filterable_attributes=[
                        "tenant",
                        "audience",
                        "sugg",
                        "vocab",
                        *FACET_FIELDS,
                        "published_at",
                        "updated_at",
                    ],
                    sortable_attributes=["published_at", "updated_at"],
                    ranking_rules=RANKING_RULES,
                    typo_tolerance=TypoTolerance(enabled=True, disable_on_attributes=list(CODED)),
                )
            )
            await self._wait(task.task_uid)
        except MeilisearchCommunicationError as exc:
            raise HubError(SearchCodes.SEARCH_UNAVAILABLE) from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise HubError(SearchCodes.SEARCH_UNAVAILABLE)
        return self._client

    def _index(self) -> Any:
        return self.client.index(self.index_uid)

    async def _wait(self, task_uid: int) -> None:
        await self.client.wait_for_task(
            task_uid, timeout_in_ms=TASK_TIMEOUT_MS, raise_for_status=True
        )

    async def upsert(self, docs: Sequence[AnalyzedDocument]) -> None:
        if docs:
            task = await self._index().add_documents([to_meili(a) for a in docs], primary_key="key")
            await self._wait(task.task_uid)

    async def remove(self, tenant: str, ids: Sequence[str]) -> None:
        if ids:
            task = await self._index().delete_documents(
                [_key(tenant, i, a) for i in ids for a in AUDIENCES]
            )
            await self._wait(task.task_uid)

    async def remove_audience(self, tenant: str, ids: Sequence[str], audience: str) -> None:
        if ids:
            task = await self._index().delete_documents([_key(tenant, i, audience) for i in ids])
            await self._wait(task.task_uid)

    async def clear_tenant(self, tenant: str) -> None:
        task = await self._index().delete_documents_by_filter(f"tenant = {_quote(tenant)}")
        await self._wait(task.task_uid)

    async def count(self, tenant: str) -> int:
        res = await self._index().search(
            "", filter=f"tenant = {_quote(tenant)}", hits_per_page=1, page=1
        )
        return int(res.total_hits or 0)

    async def search(self, scope: Scope, request: SearchRequest) -> SearchPage:
        res = await self._search(scope, request, request.plan)
        for (
            alternative
        ) in request.plan.alternatives:  # the regional reading, if the first found nothing
            if res.estimated_total_hits or request.typo_tolerant:
                break
            res = await self._search(scope, request, alternative)
        hits = [
            SearchHit(
                id=h["id"],
                score=0.0,
                highlights=highlight.story_highlights(
                    request.plan, h.get("title", ""), h.get("summary", ""), h.get("body", "")
                )
                if request.highlights
                else [],
            )
            for h in res.hits
        ]
        facets = {
            f: sorted(
                (
                    FacetValue(value=str(v), count=int(n))
                    for v, n in (res.facet_distribution or {}).get(f, {}).items()
                ),
                key=lambda fv: (-fv.count, fv.value),
            )
            for f in FACET_FIELDS
        }
        return SearchPage(
            hits=hits,
            total=int(res.estimated_total_hits or 0),
            facets=facets,
            typo_tolerant=request.typo_tolerant,
        )

    async def _search(self, scope: Scope, request: SearchRequest, plan: QueryPlan) -> Any:
        sort = None if request.sort == SortOrder.RELEVANCE else [f"{request.sort.value}:desc"]
        return await self._index().search(
            query_text(request, plan),
            offset=request.offset,
            limit=request.limit,
            filter=filter_expression(scope, request.filter),
            facets=list(FACET_FIELDS) if request.facets else None,
            sort=sort,
            matching_strategy="all" if request.typo_tolerant else matching_strategy(plan),
            attributes_to_retrieve=["id", "title", "summary", "body"],
        )

    async def spellings(self, scope: Scope, words: Sequence[str]) -> dict[str, str]:
        if not words:
            return {}
        flt = f"tenant = {_quote(scope.tenant)} AND audience = {_quote(audience_of(scope))}"
        # one round trip tells which words no story of the scope uses (usually none)
        counts = await self.client.multi_search(
            [
                SearchParams(
                    index_uid=self.index_uid,
                    query="",
                    filter=f"{flt} AND vocab = {_quote(analysis.vocab_key(w))}",
                    limit=1,
                )
                for w in words
            ]
        )
        unknown = [
            w
            for w, r in zip(words, counts, strict=True)
            if not getattr(r, "estimated_total_hits", 0)
        ]
        out: dict[str, str] = {}
        for word in unknown:
            key = analysis.joined_pinyin(word) + analysis.SUGGEST_SEP
            res = await self._index().facet_search(
                facet_name="vocab", facet_query=key, filter=flt, limit=20
            )
            found = [
                (h.value.split(analysis.SUGGEST_SEP, 1)[1], h.count)
                for h in res.facet_hits
                if h.value.startswith(key)
            ]
            best = analysis.likely_spelling(word, found)
            if best is not None:
                out[word] = best
        return out

    async def suggest(self, scope: Scope, prefix: str, limit: int) -> list[Suggestion]:
        key = analysis.fold(prefix).strip().replace(" ", "")
        if not key:
            return []
        flt = f"tenant = {_quote(scope.tenant)} AND audience = {_quote(audience_of(scope))}"
        res = await self._index().facet_search(
            facet_name="sugg", facet_query=key, filter=flt, limit=limit * 4
        )
        counts: dict[str, int] = {}
        for hit in res.facet_hits:
            term_key, _, word = hit.value.partition(analysis.SUGGEST_SEP)
            if term_key.startswith(key):
                counts[word] = max(counts.get(word, 0), hit.count)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        return [Suggestion(text=w, count=n) for w, n in ranked[:limit]]
