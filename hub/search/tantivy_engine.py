"""The embedded engine: one tantivy index on disk under RONGHUB_DATA_DIR/search.

Only one IndexWriter may exist per index directory (tantivy holds a lock file), so
this engine owns the only one: every write goes through `_write`, under a thread
lock, and ends with a commit and a reader reload, so an awaited write is searchable.
tantivy calls block, so they run in worker threads.

With several API workers (RONGHUB_API_WORKERS) only the primary one writes; the others
open the index with `writer=False` and follow it: before each read they look at the
index's meta.json (one stat) and reload when a commit changed it, so an awaited write
in the primary is searchable from any worker.

Fields hold our own token streams joined by spaces (tantivy's whitespace tokenizer
keeps them as they are): words, bigrams and pinyin from hub/search/analysis.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from hub.errors import HubError
from hub.search import analysis, highlight
from hub.search.analysis import QueryPlan, QueryUnit
from hub.search.errors import SearchCodes
from hub.search.port import (
    AUDIENCES,
    FACET_FIELDS,
    AnalyzedDocument,
    FacetValue,
    Highlight,
    SearchHit,
    SearchPage,
    SearchRequest,
    SortOrder,
    Suggestion,
    audience_of,
)
from hub.store.scope import Scope

# 2: audience (newsroom / public); 3: head (title + summary bigrams), vocab (homophone
# correction), regional readings in words and grams; 4: pyi holds initial pairs (乡村振兴:
# xc cz zx), not single initials; 5: documents sorted by tenant and audience (`SORTED_BY`).
# A new version opens a new directory and the hub rebuilds it from the store (see
# `needs_rebuild`).
SCHEMA_VERSION = 5
WS = "whitespace"
FACET_SIZE = 30
MAX_BOOSTED = 8  # runs and word pairs boosted (a pasted paragraph must not cost more)
# neighbouring word pairs of a long query boosted for closeness, the first ones: each is a
# sloppy phrase over the bigrams of every matching story, the costliest boost (with none a
# judged Taiwan-wording query lost its first place; one kept it)
MAX_PROXIMITY = 2
PROXIMITY_SLOP = 4  # characters allowed between two neighbouring query words
WORD_MATCHED = 5.0  # score for each word of a long query a story matches
# Each segment keeps its documents sorted by tenant and audience, so a scope's documents
# are one run of neighbouring document numbers: a query inside one scope skips the others'
# postings (skip lists) instead of reading them. tantivy fills a union (a word's
# alternatives) a window of 4,096 documents at a time, every alternative on every document
# of the window: with the scopes interleaved, a search in a scope holding one document in
# seven read and scored the other six too. Set when an index is created, never after.
SORTED_BY = "within"
TIE = 1e-4  # scores this close are a tie, broken by recency
SPELLED_CACHE = 4_096  # homophone lookups kept per index generation


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in ("key", "tenant", "id", "audience"):
        sb.add_text_field(name, stored=name == "id", tokenizer_name="raw", index_option="basic")
    # "tenant/audience": what the index is sorted by, and a scope's filter in one term
    sb.add_text_field(SORTED_BY, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("title_w", "words", "grams", "head", "py", "pyi"):
        sb.add_text_field(name, tokenizer_name=WS, index_option="position")
    sb.add_text_field("pyw", tokenizer_name=WS, index_option="freq")
    sb.add_text_field("sugg", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("vocab", tokenizer_name="raw", index_option="basic")
    for name in FACET_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("published_at", "updated_at"):
        sb.add_integer_field(name, stored=True, indexed=True, fast=True)
    sb.add_bytes_field("display", stored=True)  # original title/summary/body for highlights
    return sb.build()


_REGEXES: OrderedDict[str, Query] = OrderedDict()
REGEX_CACHE = 2_048  # characters


def _char_regex(schema: tantivy.Schema, char: str) -> Query:
    # every engine's schema is `build_schema()`'s (the same field numbers), so one cache
    # serves them all; tantivy queries are immutable, shared by the queries built on them
    found = _REGEXES.get(char)
    if found is None:
        c = re.escape(char)
        found = Query.regex_query(schema, "grams", f"{c}.|.{c}|{c}")
        _REGEXES[char] = found
        if len(_REGEXES) > REGEX_CACHE:
            _REGEXES.popitem(last=False)
    return found


def initial_pairs(initials: Sequence[str]) -> list[str]:
    """Each two neighbouring initials (x c z x → xc cz zx). Initials typed as a query are
    a phrase of these pairs, which matches exactly where the phrase of single initials
    would: two dozen letters are in every story, hundreds of times, so that phrase
    read every position of every story; a pair is in fewer stories, fewer times."""
    return [a + b for a, b in pairwise(initials)]


def _join(tokens: Sequence[str]) -> str:
    return " ".join(t.replace(" ", "_") for t in tokens)


def _within(tenant: str, audience: str) -> str:
    return f"{tenant}/{audience}"


def _key(tenant: str, doc_id: str, audience: str) -> str:
    return f"{tenant}/{audience}/{doc_id}"


def to_tantivy(a: AnalyzedDocument) -> tantivy.Document:
    d = a.doc
    doc = tantivy.Document()
    doc.add_text("key", _key(d.tenant, d.id, d.audience))
    doc.add_text("tenant", d.tenant)
    doc.add_text("audience", d.audience)
    doc.add_text("id", d.id)
    doc.add_text(SORTED_BY, _within(d.tenant, d.audience))
    doc.add_text("title_w", _join(a.title.words))
    doc.add_text("words", _join(a.text.words))
    doc.add_text("grams", _join(a.text.grams))
    doc.add_text("py", _join(a.text.syllables))
    doc.add_text("pyi", _join(initial_pairs(a.text.initials)))
    doc.add_text("pyw", _join(a.text.word_pinyin))
    doc.add_text("head", _join(a.head_grams))
    for word in a.text.vocab:
        doc.add_text("vocab", analysis.vocab_key(word))
    for word in a.suggestions:
        for term in analysis.suggestion_keys(word):
            doc.add_text("sugg", term)
    for name, values in (
        ("column", [d.column] if d.column else []),
        ("type", [d.type]),
        ("status", [d.status]),
        ("tags", list(d.tags)),
        ("account", [d.account] if d.account else []),
        ("channels", list(d.channels)),
    ):
        for v in values:
            doc.add_text(name, v)
    doc.add_integer("published_at", d.published_at or 0)
    doc.add_integer("updated_at", d.updated_at)
    doc.add_bytes("display", json.dumps([d.title, d.summary, d.body], ensure_ascii=False).encode())
    return doc


class QueryBuilder:
    """Turns a scope, filters and a QueryPlan into one tantivy query.

    `within` (the scope's filters) is joined to every costly part of the text query
    (phrases, regexes, fuzzy terms): see `narrow`.
    """

    def __init__(self, schema: tantivy.Schema, within: Query | None = None) -> None:
        self.schema = schema
        self.within = within

    def narrow(self, q: Query) -> Query:
        """`q` only inside `within`, scoring as `q` does.

        tantivy fills a union (several alternatives, or several optional boosts) a
        window of 4,096 documents at a time, evaluating every alternative on every
        document of the window, whatever the filters beside the union: a phrase over
        the bigrams was checked in every tenant and audience. Joined to the filters,
        the phrase is only checked where they match (the filters drive the intersection).
        """
        if self.within is None:
            return q
        return Query.boolean_query(
            [(Occur.Must, q), (Occur.Must, Query.const_score_query(self.within, 0.0))]
        )

    def term(self, field: str, value: str) -> Query:
        return Query.term_query(self.schema, field, value)

    def phrase(self, field: str, words: Sequence[str | tuple[int, str]], slop: int = 0) -> Query:
        # a one-term phrase panics inside tantivy: use a term query instead
        if len(words) == 1:
            w = words[0]
            return self.term(field, w if isinstance(w, str) else w[1])
        return self.narrow(Query.phrase_query(self.schema, field, list(words), slop=slop))

    def any_of(self, queries: Sequence[Query]) -> Query:
        return (
            queries[0]
            if len(queries) == 1
            else Query.boolean_query([(Occur.Should, q) for q in queries])
        )

    def scope_term(self, scope: Scope) -> Query:
        """The scope's documents (its tenant and audience): one term."""
        return self.term(SORTED_BY, _within(scope.tenant, audience_of(scope)))

    def scope_filter(self, scope: Scope, request: SearchRequest) -> list[Query]:
        f = request.filter
        out = [self.scope_term(scope)]
        for field, values in (
            ("column", f.columns),
            ("type", f.types),
            ("status", f.statuses),
            ("account", f.accounts),
            ("channels", f.channels),
        ):
            if values:
                out.append(Query.term_set_query(self.schema, field, list(values)))
        out.extend(self.term("tags", t) for t in f.tags)
        if f.since is not None or f.until is not None:
            field = (
                f.time_field if f.time_field in ("published_at", "updated_at") else "published_at"
            )
            out.append(
                Query.range_query(
                    self.schema,
                    field,
                    tantivy.FieldType.Integer,
                    lower_bound=f.since,
                    upper_bound=f.until,
                    include_upper=f.until is None,
                )
            )
        return out

    def cjk_word(self, text: str) -> list[Query]:
        """A CJK word as a whole token or as an infix anywhere; the title and summary
        (head) count more than the body."""
        alts = [
            Query.boost_query(self.term("title_w", text), 3.0),
            Query.boost_query(self.term("words", text), 2.0),
        ]
        if len(text) > 1:
            grams = analysis.gram_phrase(text)
            alts.append(self.phrase("grams", grams))
            alts.append(Query.boost_query(self.phrase("head", grams), 2.0))
        else:
            alts.append(self.narrow(self.char_in_grams(text)))
        return alts

    def char_in_grams(self, char: str) -> Query:
        """The bigrams holding one character (or the character alone): a regex, compiled
        once per character (compiling it costs more than many a search)."""
        return _char_regex(self.schema, char)

    def unit(self, u: QueryUnit, tolerant: bool) -> Query:
        alts: list[Query] = []
        if u.kind == "phrase":
            alts.append(self.phrase("grams", analysis.gram_phrase(u.text)))
            alts.append(Query.boost_query(self.phrase("head", analysis.gram_phrase(u.text)), 2.0))
        elif u.kind == "cjk":
            alts += self.cjk_word(u.text)
            for s in u.synonyms:
                alts += self.cjk_word(s) if analysis.all_cjk(s) else [self.term("words", s)]
        else:
            alts += [
                Query.boost_query(self.term("title_w", u.text), 3.0),
                Query.boost_query(self.term("words", u.text), 2.0),
            ]
            if u.kind == "latin":
                alts.append(self.term("pyw", u.text))
                if u.syllables:
                    alts.append(self.phrase("py", list(u.syllables)))
                if 2 <= len(u.text) <= 12:
                    pairs = initial_pairs(list(u.text))
                    alts.append(Query.boost_query(self.phrase("pyi", pairs), 0.5))
                if tolerant and len(u.text) >= 4:
                    alts.append(
                        Query.boost_query(
                            self.narrow(Query.fuzzy_term_query(self.schema, "pyw", u.text, 1)), 0.5
                        )
                    )
                    alts.append(
                        Query.boost_query(
                            self.narrow(Query.fuzzy_term_query(self.schema, "words", u.text, 1)),
                            0.5,
                        )
                    )
        return self.any_of(alts)

    def optional_unit(self, u: QueryUnit) -> Query:
        """A question word or lone character: a little score where it is a word of the
        story, never required (no infix regex: it would cost more than it tells)."""
        return Query.boost_query(
            self.any_of([self.term("title_w", u.text), self.term("words", u.text)]), 0.2
        )

    def run(self, r: QueryUnit) -> Query:
        """A whole CJK run of the query, tolerating a homophone or one wrong character."""
        alts = self.cjk_word(r.text)
        if len(r.syllables) > 1:
            alts.append(Query.boost_query(self.phrase("py", list(r.syllables)), 0.5))
        alts += [
            Query.boost_query(self.phrase("grams", p), 0.3)
            for p in analysis.one_typo_phrases(r.text)
        ]
        return self.any_of(alts)

    def relaxed(self, plan: QueryPlan) -> Query | None:
        """Every required word, each also matched by one of its parts (手艺人 by 手艺)."""
        words = [u for u in plan.required if u.kind == "cjk" and u.subwords]
        if not words or len(plan.required) > MAX_BOOSTED:  # a pasted paragraph is no compound typo
            return None
        parts = []
        for u in plan.required:
            alts = [self.unit(u, True)]
            alts += [
                Query.boost_query(self.any_of(self.cjk_word(s)), 0.5)
                for s in u.subwords
                if len(s) > 1
            ]
            parts.append(self.any_of(alts))
        return Query.boolean_query([(Occur.Must, p) for p in parts])

    def boosts(self, plan: QueryPlan) -> list[Query]:
        """What ranks a story above another that matches as well: the query's whole runs
        as phrases (a name as a whole above its parts; in the head above the body), and
        each two neighbouring words close together (proximity)."""
        out: list[Query] = []
        single = {u.text for u in plan.units}
        # a short query already requires all its words: the body-wide phrase and proximity
        # boosts (the costly ones, on the bigrams of every story) are for long queries
        long = len(plan.required) > 2
        for r in plan.runs[:MAX_BOOSTED]:
            if (
                len(r.text) >= 3 and r.text not in single
            ):  # a one-word run: the word's own phrase is there
                grams = analysis.gram_phrase(r.text)
                if long:
                    out.append(Query.boost_query(self.phrase("grams", grams), 2.0))
                out.append(Query.boost_query(self.phrase("head", grams), 3.0))
        if not long:
            return out
        words = [
            u
            for u in plan.units
            if u.kind in ("cjk", "phrase") and not u.optional and len(u.text) > 1
        ]
        for a, b in list(pairwise(words))[:MAX_PROXIMITY]:
            ga, gb = analysis.gram_phrase(a.text), analysis.gram_phrase(b.text)
            terms: list[str | tuple[int, str]] = [
                *enumerate(ga),
                *((len(a.text) + i, g) for i, g in enumerate(gb)),
            ]
            out.append(Query.boost_query(self.phrase("grams", terms, slop=PROXIMITY_SLOP), 1.0))
        return out

    def strict(self, plan: QueryPlan) -> Query | None:
        """Every word of a short query must match; in a long one (three or more words
        besides question words) most must, and the ranking sorts out the rest."""
        required = [self.unit(u, False) for u in plan.required]
        if not required:
            return None
        if len(required) <= 2:
            core = Query.boolean_query([(Occur.Must, q) for q in required])
        else:
            # a story matching more of the words ranks first (a fixed amount per word
            # matched), whatever the weights of the words it matches; the fixed amount
            # comes from the all-documents query beside the word (the word's own query
            # there would be evaluated twice)
            matched = Query.const_score_query(Query.all_query(), WORD_MATCHED)
            core = Query.boolean_query(
                [
                    (
                        Occur.Should,
                        Query.boolean_query([(Occur.Must, self.narrow(q)), (Occur.Must, matched)]),
                    )
                    for q in required
                ],
                minimum_number_should_match=max(1, len(required) - 2),
            )
        extra = [
            self.optional_unit(u) for u in plan.units if u.optional and u.kind == "cjk"
        ] + self.boosts(plan)
        if not extra:
            return core
        return Query.boolean_query([(Occur.Must, core), *((Occur.Should, q) for q in extra)])

    def text(self, request: SearchRequest) -> Query | None:
        plan = request.plan
        if plan.empty:
            return None
        if request.typo_tolerant:
            parts = [self.unit(u, True) for u in plan.units if u.kind != "cjk"]
            parts += [self.run(r) for r in plan.runs]
            tolerant = Query.boolean_query([(Occur.Must, p) for p in parts])
            relaxed = self.relaxed(plan)
            return self.any_of([tolerant, relaxed] if relaxed is not None else [tolerant])
        readings = [
            q for q in (self.strict(p) for p in (plan, *plan.alternatives)) if q is not None
        ]
        if not readings:
            return None
        # the best reading counts, not their sum (a story in both would count twice)
        return readings[0] if len(readings) == 1 else Query.disjunction_max_query(readings)

    def unit_matches(self, u: QueryUnit) -> Query:
        """The stories `unit(u, False)` matches, found with fewer alternatives (for
        counting, not ranking): a CJK word's whole-word tokens (title_w, words) and its
        head phrase are all inside the text it is a phrase of in the bigrams, so the
        bigram phrase alone (or a lone character's regex) finds the same stories."""
        if u.kind == "phrase":
            return self.phrase("grams", analysis.gram_phrase(u.text))
        if u.kind != "cjk":
            return self.unit(u, False)
        alts: list[Query] = []
        for w in (u.text, *u.synonyms):
            if not analysis.all_cjk(w):
                alts.append(self.term("words", w))
            elif len(w) > 1:
                alts.append(self.phrase("grams", analysis.gram_phrase(w)))
            else:
                alts.append(self.narrow(self.char_in_grams(w)))
        return self.any_of(alts)

    def strict_matches(self, plan: QueryPlan) -> Query | None:
        """What `strict(plan)` matches, without its scoring parts: the optional words and
        the boosts (optional clauses beside required ones) never change which stories
        match, so they are left out."""
        required = [self.unit_matches(u) for u in plan.required]
        if not required:
            return None
        if len(required) <= 2:
            return Query.boolean_query([(Occur.Must, q) for q in required])
        return Query.boolean_query(
            [(Occur.Should, self.narrow(q)) for q in required],
            minimum_number_should_match=max(1, len(required) - 2),
        )

    def matches(self, scope: Scope, request: SearchRequest) -> Query:
        """The stories `build(scope, request)` finds, built to be cheap to count (facets):
        the same stories, no meaningful scores."""
        filters = self.scope_filter(scope, request)
        within = Query.boolean_query([(Occur.Must, q) for q in filters])
        plan = request.plan
        if plan.empty:
            return within
        if request.typo_tolerant:  # the rare second pass: counted as it is searched
            return self.build(scope, request)
        narrowed = QueryBuilder(self.schema, within)
        readings = [
            q
            for q in (narrowed.strict_matches(p) for p in (plan, *plan.alternatives))
            if q is not None
        ]
        if not readings:
            return within
        text = narrowed.any_of(readings)
        return Query.boolean_query([(Occur.Must, text), (Occur.Must, within)])

    def build(self, scope: Scope, request: SearchRequest) -> Query:
        filters = self.scope_filter(scope, request)
        within = Query.boolean_query([(Occur.Must, q) for q in filters])
        text = QueryBuilder(self.schema, within).text(request)
        # filters score nothing: relevance comes from the text part only
        clauses = [(Occur.Must, Query.const_score_query(within, 0.0))]
        if text is not None:
            clauses.insert(0, (Occur.Must, text))
        return Query.boolean_query(clauses)


def _absent(searcher: Any, u: QueryUnit) -> bool:
    """True if no indexed story can hold this CJK word or phrase, nor any of its synonyms:
    one of its bigrams is in no document (deleted ones included). Other units: False."""
    if u.kind not in ("cjk", "phrase"):
        return False
    for w in (u.text, *u.synonyms):
        if not analysis.all_cjk(w):
            if searcher.doc_freq("words", w) > 0:
                return False
        elif len(w) < 2 or all(searcher.doc_freq("grams", g) > 0 for g in analysis.gram_phrase(w)):
            return False
    return True


def _outdone(searcher: Any, r: QueryPlan, o: QueryPlan) -> bool:
    """True if reading `r` can neither match a story `o` does not, nor score one higher:
    it is `o` word for word (and run for run) but where its own word is in no story."""
    if len(r.units) != len(o.units) or len(r.runs) != len(o.runs):
        return False
    absent = [a for a, b in zip(r.units, o.units, strict=True) if a != b]
    if not all(a.optional is False and _absent(searcher, a) for a in absent):
        return False
    # a run of its own holds one of those words, so none of its boosts can match either
    return all(
        a == b or any(w.text in a.text for w in absent) for a, b in zip(r.runs, o.runs, strict=True)
    )


def live_readings(searcher: Any, plan: QueryPlan) -> QueryPlan:
    """`plan` without a second reading that cannot change what it finds (two term
    lookups per word of its own): 網路直播 農產品 is read 网路 and 网络, and a story with
    网络 is found by the second reading only. The readings are asked together as their
    best (a disjunction max), so one outdone by the other adds cost, never a story or
    a point of score."""
    if len(plan.alternatives) != 1:
        return plan
    first, second = replace(plan, alternatives=()), plan.alternatives[0]
    if _outdone(searcher, first, second):
        return second
    if _outdone(searcher, second, first):
        return first
    return plan


class TantivyEngine:
    """The default, embedded engine (see module doc)."""

    name = "tantivy"

    def __init__(self, directory: Path, heap_bytes: int = 50_000_000, writer: bool = True) -> None:
        self.root = directory
        self.directory = directory / f"tantivy-v{SCHEMA_VERSION}"
        # an index of an older version sits beside a new, empty one: the hub rebuilds
        # this one from the store, then removes the old (hub/search/rebuild.py)
        self.needs_rebuild = False
        self.heap_bytes = heap_bytes
        self.schema = build_schema()
        self.queries = QueryBuilder(self.schema)
        self._index: tantivy.Index | None = None
        self._writer: Any = None
        self._lock = threading.Lock()
        self.writes = writer  # False: a follower, which reads what the writer commits
        self._meta = self.directory / "meta.json"
        # meta.json's (inode, mtime, size) last loaded: tantivy replaces the file at a commit
        self._committed: tuple[int, int, int] | None = None
        # moves on at every reload (a commit here, or one the writer made): what was
        # looked up in the index before is forgotten then
        self.generation = 0
        # homophone corrections looked up: (tenant, audience, word) -> fix or None
        self._spelled: dict[tuple[str, str, str], str | None] = {}
        self._spelled_at = 0

    # ---- lifecycle -----------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.to_thread(self._open)

    @property
    def rebuild_marker(self) -> Path:
        # beside the index directory, not in it (tantivy owns that directory's files)
        return self.root / f"tantivy-v{SCHEMA_VERSION}.rebuild"

    def _open(self) -> None:
        if not self.writes:
            self._open_followed()
            return
        if not self.directory.exists() and self.stale_directories():
            # written before the new index exists: a rebuild cut short is redone next start
            self.root.mkdir(parents=True, exist_ok=True)
            self.rebuild_marker.write_text(
                "index of an older schema version found; rebuilding from the store\n"
            )
        self.needs_rebuild = self.rebuild_marker.exists()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(
            self.schema, path=str(self.directory), reuse=True, sort_by_field=SORTED_BY
        )
        try:
            self._writer = self._index.writer(heap_size=self.heap_bytes, num_threads=1)
        except ValueError as exc:
            if "LockBusy" in str(exc):
                raise HubError(SearchCodes.SEARCH_INDEX_BUSY) from exc
            raise

    def stale_directories(self) -> list[Path]:
        """Index directories of other schema versions."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob("tantivy-v*") if p.is_dir() and p != self.directory)

    async def forget_stale(self) -> None:
        """Remove the older versions' directories (after the rebuild)."""

        def run() -> None:
            for p in self.stale_directories():
                shutil.rmtree(p, ignore_errors=True)

            self.rebuild_marker.unlink(missing_ok=True)

        await asyncio.to_thread(run)
        self.needs_rebuild = False

    async def close(self) -> None:
        def _close() -> None:
            with self._lock:
                if self._writer is not None:
                    self._writer.wait_merging_threads()  # also releases the lock file
                    self._writer = None

        await asyncio.to_thread(_close)

    def _open_followed(self) -> None:
        """A follower opens the index once the writer has made it, and never makes the
        directory itself: the writer decides from its absence that an older index needs
        a rebuild."""
        if self._index is None and self._meta.exists():
            self._index = tantivy.Index(self.schema, path=str(self.directory), reuse=True)

    @property
    def index(self) -> tantivy.Index:
        if self._index is None and not self.writes:
            self._open_followed()
        if self._index is None:
            raise HubError(SearchCodes.SEARCH_UNAVAILABLE)
        if not self.writes:
            self._follow(self._index)
        return self._index

    def _follow(self, index: tantivy.Index) -> None:
        """A follower reloads when the writer committed since it last looked (tantivy's own
        reader also reloads within about half a second of a commit: a change this look
        could miss, two commits in one clock tick of the same size, is not missed for long)."""
        try:
            stat = self._meta.stat()
        except FileNotFoundError:  # the writer has not created the index yet
            return
        committed = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if committed != self._committed:
            self._committed = committed
            index.reload()
            self.generation += 1

    # ---- writes (the only writer) --------------------------------------------------
    def _write(self, fn: Any) -> None:
        with self._lock:
            if self._writer is None:
                raise HubError(SearchCodes.SEARCH_UNAVAILABLE)
            fn(self._writer)
            self._writer.commit()
            self.index.reload()
            self.generation += 1

    async def upsert(self, docs: Sequence[AnalyzedDocument]) -> None:
        built = [(_key(a.doc.tenant, a.doc.id, a.doc.audience), to_tantivy(a)) for a in docs]

        def apply(w: Any) -> None:
            for key, doc in built:
                w.delete_documents_by_term("key", key)
                w.add_document(doc)

        if built:
            await asyncio.to_thread(self._write, apply)

    async def remove(self, tenant: str, ids: Sequence[str]) -> None:
        def apply(w: Any) -> None:
            for i in ids:
                for audience in AUDIENCES:
                    w.delete_documents_by_term("key", _key(tenant, i, audience))

        if ids:
            await asyncio.to_thread(self._write, apply)

    async def remove_audience(self, tenant: str, ids: Sequence[str], audience: str) -> None:
        def apply(w: Any) -> None:
            for i in ids:
                w.delete_documents_by_term("key", _key(tenant, i, audience))

        if ids:
            await asyncio.to_thread(self._write, apply)

    async def clear_tenant(self, tenant: str) -> None:
        await asyncio.to_thread(self._write, lambda w: w.delete_documents_by_term("tenant", tenant))

    # ---- reads ---------------------------------------------------------------------
    async def count(self, tenant: str) -> int:
        def run() -> int:
            # a limit of 0 panics in tantivy's top-docs collector: one hit, and the count
            found = self.index.searcher().search(self.queries.term("tenant", tenant), 1, count=True)
            return int(getattr(found, "count", 0) or 0)

        return await asyncio.to_thread(run)

    async def search(self, scope: Scope, request: SearchRequest) -> SearchPage:
        return await asyncio.to_thread(self._search, scope, request)

    def _search(self, scope: Scope, request: SearchRequest) -> SearchPage:
        searcher = self.index.searcher()
        searched = (  # the typo-tolerant pass reads the first reading only: left as it is
            request
            if request.typo_tolerant
            else replace(request, plan=live_readings(searcher, request.plan))
        )
        kwargs: dict[str, Any] = {"offset": request.offset, "count": True}
        matches: Query | None = None
        if request.sort == SortOrder.RELEVANCE:
            query = self.queries.build(scope, searched)
        else:
            # ordered by a time, not by score (the hit's score is its time): the stories
            # the query finds are all that counts, found without the ranking's parts
            query = matches = self.queries.matches(scope, searched)
            kwargs["order_by_field"] = request.sort.value
        result = searcher.search(query, request.limit, **kwargs)
        found = [(float(score), searcher.doc(address).to_dict()) for score, address in result.hits]
        if request.sort == SortOrder.RELEVANCE:
            # recency only breaks ties: equal scores, newest first
            found.sort(key=lambda f: (-round(f[0] / TIE), -int(f[1]["published_at"][0])))
        hits = []
        for score, stored in found:
            marks: list[Highlight] = []
            if request.highlights:
                title, summary, body = json.loads(stored["display"][0])
                marks = highlight.story_highlights(request.plan, title, summary, body)
            hits.append(SearchHit(id=stored["id"][0], score=score, highlights=marks))
        if request.facets:
            facets = self._facets(
                searcher, matches if matches is not None else self.queries.matches(scope, searched)
            )
        else:
            facets = {}
        total = int(getattr(result, "count", 0) or 0)  # the stubs lack `count`; it is there
        return SearchPage(
            hits=hits, total=total, facets=facets, typo_tolerant=request.typo_tolerant
        )

    @staticmethod
    def _facets(searcher: Any, query: Query) -> dict[str, list[FacetValue]]:
        spec = {f: {"terms": {"field": f, "size": FACET_SIZE}} for f in FACET_FIELDS}
        raw = searcher.aggregate(query, spec)
        return {
            f: [
                FacetValue(value=str(b["key"]), count=int(b["doc_count"]))
                for b in raw.get(f, {}).get("buckets", [])
            ]
            for f in FACET_FIELDS
        }

    async def suggest(self, scope: Scope, prefix: str, limit: int) -> list[Suggestion]:
        return await asyncio.to_thread(self._suggest, scope, prefix, limit)

    async def spellings(self, scope: Scope, words: Sequence[str]) -> dict[str, str]:
        # a term dictionary lookup per word (microseconds): no worker thread unless a word
        # is unknown, which is rare
        searcher = self.index.searcher()
        unknown = [
            w
            for w in words
            if searcher.doc_freq("words", w) == 0
            and searcher.doc_freq("vocab", analysis.vocab_key(w)) == 0
        ]
        if not unknown:
            return {}
        # the scope's vocabulary walk costs milliseconds at 100,000 stories: its answer is
        # kept until the index changes (the same typos come back: 防讯, 疫描)
        generation = self.generation
        if self._spelled_at != generation or len(self._spelled) > SPELLED_CACHE:
            self._spelled = {}
            self._spelled_at = generation
        audience = audience_of(scope)
        known = self._spelled
        missing = [w for w in unknown if (scope.tenant, audience, w) not in known]
        if missing:
            found = await asyncio.to_thread(self._spellings, scope, missing)
            if self.generation == generation:  # else looked up in an older index: not kept
                for w in missing:
                    known[(scope.tenant, audience, w)] = found.get(w)
            else:
                return found | {
                    w: fix
                    for w in unknown
                    if (fix := known.get((scope.tenant, audience, w))) is not None
                }
        return {
            w: fix for w in unknown if (fix := known.get((scope.tenant, audience, w))) is not None
        }

    def _spellings(self, scope: Scope, unknown: Sequence[str]) -> dict[str, str]:
        searcher = self.index.searcher()
        flt = self.queries.scope_term(scope)
        out: dict[str, str] = {}
        for word in unknown:
            key = analysis.joined_pinyin(word) + analysis.SUGGEST_SEP
            terms = searcher.terms_with_prefix("vocab", key, filter_query=flt, limit=20)
            best = analysis.likely_spelling(
                word, ((t.split(analysis.SUGGEST_SEP, 1)[1], n) for t, n in terms)
            )
            if best is not None:
                out[word] = best
        return out

    def _suggest(self, scope: Scope, prefix: str, limit: int) -> list[Suggestion]:
        key = analysis.fold(prefix).strip().replace(" ", "")
        if not key:
            return []
        flt = self.queries.scope_term(scope)
        terms = self.index.searcher().terms_with_prefix(
            "sugg", key, filter_query=flt, limit=limit * 4
        )
        counts: dict[str, int] = {}
        for term, n in terms:
            if n <= 0:
                continue
            word = term.split(analysis.SUGGEST_SEP, 1)[-1]
            counts[word] = max(counts.get(word, 0), n)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))
        return [Suggestion(text=w, count=n) for w, n in ranked[:limit]]
