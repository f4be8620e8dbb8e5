"""Chinese text analysis for search: pure functions, the same at index and at query time.

Text is folded (opencc t2s, NFKC, lower case), cut with rjieba's search mode (a word
and its dictionary sub-words), and turned into the extra token streams the engines
index next to the words:

- grams: character bigrams of every CJK run, so any infix (处理 in 待处理, 理事 in
  处理事项) is a phrase of bigrams, whatever the segmenter did with the context;
- pinyin: one syllable and one initial per CJK character (融媒体 → rong mei ti /
  r m t), matched as phrases, so 拼音 queries and initials (rmt) find their words;
- word pinyin: each word's syllables joined (daichuli), for fuzzy matching of
  mistyped pinyin.

Per-tenant dictionaries (place and organisation names) add their words as whole
tokens; synonyms expand queries. The engines turn a `QueryPlan` into their own
queries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from itertools import pairwise

import opencc

# rjieba and pypinyin are imported where text is first cut or spelled, not here: with
# their dictionaries ~0.3 CPU-s that every process importing the hub paid (each CLI
# command, each hub that never indexes a word).

_T2S = opencc.OpenCC("t2s")
# Regional vocabulary: Hong Kong variant characters to OpenCC's standard, then Taiwan
# words to mainland ones (計程車 → 出租车, 網路 → 网络, 軟體 → 软件). Phrase conversion
# can also turn a mainland word written in traditional characters into another word
# (執行 → 运行), so it is an extra reading next to `fold`, never a replacement.
_HK2T = opencc.OpenCC("hk2t")
_TW2SP = opencc.OpenCC("tw2sp")

MAX_QUERY_CHARS = 200


_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
_CJK_ONLY = re.compile(f"[{_CJK_CLASS}]+")


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (the characters segmentation and grams apply to)."""
    return _CJK_ONLY.fullmatch(ch) is not None


@lru_cache(maxsize=200_000)
def all_cjk(text: str) -> bool:
    """True if `text` is non-empty and every character is CJK (regex: fast on hot paths)."""
    return _CJK_ONLY.fullmatch(text) is not None


# ---- folding -------------------------------------------------------------------------


def fold(text: str) -> str:
    """Traditional → simplified, full-width → half-width, lower case. Used on both sides."""
    return _T2S.convert(unicodedata.normalize("NFKC", text)).lower()


def regional(text: str) -> str:
    """`fold` with Taiwan and Hong Kong vocabulary converted to mainland words."""
    return _TW2SP.convert(_HK2T.convert(unicodedata.normalize("NFKC", text))).lower()


@lru_cache(maxsize=65_536)
def fold_char(ch: str) -> str:
    """One character folded to exactly one character (for offset-preserving highlighting)."""
    out = fold(ch)
    return out if len(out) == 1 else ch.lower() if len(ch.lower()) == 1 else ch


def fold_aligned(text: str) -> str:
    """`fold` with the same length as `text`, so offsets carry over to the original.

    Whole-text folding keeps the length almost always (and is fast); if not, fold
    character by character.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(fold_char(c) for c in text)


# ---- dictionaries --------------------------------------------------------------------

DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("融媒体中心", "融媒中心"),
    ("人大", "人民代表大会"),
    ("政协", "政治协商会议"),
    ("医保", "医疗保险"),
    ("高铁", "高速铁路"),
    ("新闻发布会", "发布会"),
    ("公交", "公共汽车", "巴士"),
    # Hong Kong words OpenCC's hk2s leaves alone (it converts characters, not words)
    ("出租车", "的士", "计程车"),
    ("食堂", "饭堂"),
)


@dataclass(frozen=True)
class Lexicon:
    """A tenant's own words (place and organisation names) and synonym groups, folded."""

    words: tuple[str, ...] = ()
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @staticmethod
    def build(
        words: Iterable[str] = (),
        synonym_groups: Iterable[Iterable[str]] = (),
        defaults: bool = True,
    ) -> Lexicon:
        """Fold and index the given words and groups (plus the built-in synonyms)."""
        folded_words = sorted(
            {fold(w).strip() for w in words if w and w.strip()}, key=lambda w: (-len(w), w)
        )
        groups = [*(DEFAULT_SYNONYMS if defaults else ()), *synonym_groups]
        syn: dict[str, set[str]] = {}
        for group in groups:
            members = {fold(w).strip() for w in group if w and w.strip()}
            for m in members:
                syn.setdefault(m, set()).update(members - {m})
        # multi-character synonyms are words too, so a query names them as one unit
        folded_words = sorted(
            {*folded_words, *(w for w in syn if len(w) > 1)}, key=lambda w: (-len(w), w)
        )
        return Lexicon(
            words=tuple(folded_words),
            synonyms={k: tuple(sorted(v)) for k, v in syn.items() if v},
        )


DEFAULT_LEXICON = Lexicon.build()


# ---- segmentation --------------------------------------------------------------------


Token = tuple[str, int, int]  # (text, start, end), as rjieba returns them


def segment(folded: str, lexicon: Lexicon = DEFAULT_LEXICON) -> list[Token]:
    """Search-mode tokens of folded text, plus the lexicon's words where they occur.

    Punctuation and spaces are dropped; offsets are into `folded`. rjieba lists a
    word's sub-words just before the word; lexicon words come last.
    """
    import rjieba

    out: list[Token] = [t for t in rjieba.tokenize(folded, mode="search") if t[0][0].isalnum()]
    for word in lexicon.words:
        at = folded.find(word)
        while at >= 0:
            out.append((word, at, at + len(word)))
            at = folded.find(word, at + 1)
    return out


def words(folded: str, lexicon: Lexicon = DEFAULT_LEXICON) -> list[str]:
    """The word tokens to index (folded input)."""
    return [t[0] for t in segment(folded, lexicon)]


def _span_order(t: Token) -> tuple[int, int]:
    return (t[1], t[1] - t[2])


def maximal(tokens: list[Token]) -> list[Token]:
    """Tokens not inside a longer token, in text order: a partition of the text's words.

    Where a lexicon word overlaps a jieba word, the one starting earlier wins.
    """
    out: list[Token] = []
    for t in sorted(tokens, key=_span_order):
        if out and t[2] <= out[-1][2]:  # inside the previous maximal token
            continue
        if out and t[1] < out[-1][2]:  # overlapping: keep the earlier
            continue
        out.append(t)
    return out


def cjk_runs(folded: str) -> list[str]:
    return _CJK_ONLY.findall(folded)


def grams(folded: str) -> list[str]:
    """Character bigrams of every CJK run (a single-character run gives that character)."""
    out: list[str] = []
    for run in cjk_runs(folded):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(map(str.__add__, run, run[1:]))
    return out


def gram_phrase(word: str) -> list[str]:
    """The bigram phrase that matches `word` (a CJK string of two or more characters)."""
    return [word[i : i + 2] for i in range(len(word) - 1)]


# ---- pinyin --------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def joined_pinyin(word: str) -> str:
    """A word's syllables run together (处理 → chuli)."""
    return "".join(word_syllables(word))


@lru_cache(maxsize=200_000)
def word_syllables(word: str) -> tuple[str, ...]:
    """Toneless syllables of a CJK word, one per character (heteronyms resolved by phrase)."""
    from pypinyin import Style, lazy_pinyin

    # errors: a character without pinyin stays itself (pypinyin accepts a list here)
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors=lambda s: list(s)))  # type: ignore[arg-type,return-value]


def syllables(top: list[Token]) -> list[str]:
    """One syllable per CJK character covered by the maximal tokens, in order."""
    out: list[str] = []
    for text, _, _ in top:
        if all_cjk(text):
            out.extend(word_syllables(text))
        else:
            out.extend(s for c in text if is_cjk(c) for s in word_syllables(c))
    return out


def initials(sylls: Iterable[str]) -> list[str]:
    """First letters of syllables (zhong → z)."""
    return [s[0] for s in sylls if s]


def word_pinyin(tokens: Iterable[str]) -> list[str]:
    """Each CJK word's syllables joined (待处理 → daichuli), for fuzzy pinyin."""
    return [joined_pinyin(t) for t in tokens if len(t) > 1 and all_cjk(t)]


def _strip_tone(s: str) -> str:
    s = unicodedata.normalize("NFD", s).replace("u\u0308", "v")
    return "".join(c for c in s if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def syllable_set() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (ü written v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out: set[str] = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            out.add(_strip_tone(r))
    return frozenset(s for s in out if s.isalpha() and s.isascii())


def split_pinyin(text: str) -> list[str] | None:
    """Split run-together pinyin into syllables (rongmeiti → rong mei ti), fewest pieces.

    None if the text is not pinyin.
    """
    text = text.lower()
    valid = syllable_set()
    n = len(text)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 6), i, -1):
            piece = text[i:j]
            if piece in valid:
                cand = [*best[i], piece]  # type: ignore[misc]
                if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = cand
    return best[n]


@dataclass(frozen=True)
class Analyzed:
    """The token streams of one text, from one segmentation."""

    words: list[str]
    grams: list[str]
    syllables: list[str]
    initials: list[str]
    word_pinyin: list[str]
    # the text's distinct CJK words (and adjacent short pairs), for homophone correction
    vocab: list[str] = field(default_factory=list)


_CLAUSES = re.compile(r"[^\w]+")


def regional_extra(text: str, folded: str) -> str:
    """The clauses whose regional reading differs from the folded one, in that reading.

    Indexed after the text, so 計程車 in a document is found as 出租车 too, while the
    folded reading stays (a mainland word in traditional characters keeps its meaning).
    """
    converted = regional(text)
    if converted == folded:
        return ""
    a, b = _CLAUSES.split(folded), _CLAUSES.split(converted)
    if len(a) != len(b):  # conversion never moves punctuation; if it did, take it all
        return converted
    return " ".join(y for x, y in zip(a, b, strict=True) if x != y)


def analyze(text: str, lexicon: Lexicon = DEFAULT_LEXICON) -> Analyzed:
    """Fold and cut `text` once and derive every stream the index keeps for it."""
    folded = fold(text)
    tokens = segment(folded, lexicon)
    top = maximal(tokens)
    sylls = syllables(top)
    toks = [t[0] for t in tokens]
    gram_list = grams(folded)
    extra = regional_extra(text, folded)
    if extra:
        extra_tokens = segment(extra, lexicon)
        toks += [t[0] for t in extra_tokens]
        gram_list += grams(extra)
        top_extra = maximal(extra_tokens)
    else:
        top_extra = []
    return Analyzed(
        words=toks,
        grams=gram_list,
        syllables=sylls,
        initials=initials(sylls),
        word_pinyin=word_pinyin(toks) + pair_pinyin(top),
        vocab=vocabulary(toks, top + top_extra),
    )


def vocabulary(toks: Iterable[str], top: list[Token]) -> list[str]:
    """Distinct CJK words of two or more characters, plus adjacent pairs of up to four
    characters (消费|券 → 消费券), so a homophone of a compound has a word to become."""
    out = {t for t in toks if len(t) > 1 and all_cjk(t)}
    for a, b in pairwise(top):
        if a[2] == b[1] and len(a[0]) + len(b[0]) <= 4 and all_cjk(a[0]) and all_cjk(b[0]):
            out.add(a[0] + b[0])
    return sorted(out)


def pair_pinyin(top: list[Token]) -> list[str]:
    """Joined pinyin of each two adjacent CJK words (融|媒体 → rongmeiti), so a mistyped
    pinyin spelling of a short compound still has a token to be near."""
    out = []
    for a, b in pairwise(top):
        if a[2] == b[1] and all_cjk(a[0]) and all_cjk(b[0]):
            out.append(joined_pinyin(a[0]) + joined_pinyin(b[0]))
    return out


# ---- queries -------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryUnit:
    """One thing the query asks for: every unit must match somewhere in a document."""

    text: str  # folded
    kind: str  # "cjk", "latin" (letters: also pinyin), "other" (digits, mixed) or "phrase"
    subwords: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    syllables: tuple[str, ...] = ()  # for cjk (homophones) and latin (pinyin) units
    # a question or function word (怎么, 哪里, 吗) or a lone character in a long query:
    # it adds to the score where it matches but is never required
    optional: bool = False


@dataclass(frozen=True)
class QueryPlan:
    units: tuple[QueryUnit, ...]
    # the query's whole CJK runs (before segmentation): what typo tolerance works on
    runs: tuple[QueryUnit, ...] = ()
    # other readings of the same query (its Taiwan / Hong Kong words converted): a
    # story matching any reading matches
    alternatives: tuple[QueryPlan, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.units

    @property
    def required(self) -> tuple[QueryUnit, ...]:
        return tuple(u for u in self.units if not u.optional)

    def needles(self) -> list[str]:
        """Folded strings a highlighter should mark (longest first)."""
        return list(self._needles)

    @cached_property
    def _needles(self) -> tuple[str, ...]:
        # once per plan: a page highlights three fields of twenty stories with them
        out: list[str] = []
        for u in self.units:
            if u.optional:
                continue
            out.append(u.text)
            out.extend(u.synonyms)
            out.extend(s for s in u.subwords if len(s) > 1)
        for alt in self.alternatives:
            out.extend(alt.needles())
        return tuple(sorted(set(out), key=len, reverse=True))


_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')


def _unit_kind(text: str) -> str:
    if all_cjk(text):
        return "cjk"
    if text.isascii() and text.isalpha():
        return "latin"
    return "other"


# Words a question is made of that say nothing about which story answers it. Single
# characters (的, 了, 在, 去, 能 ...) need no list: in a long query every lone character
# is optional (see `_mark_optional`).
QUESTION_WORDS = frozenset(
    (
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "什么",
        "哪里",
        "哪儿",
        "哪些",
        "哪个",
        "哪家",
        "几点",
        "几时",
        "几号",
        "多少",
        "多少钱",
        "多久",
        "多长时间",
        "为什么",
        "为啥",
        "是否",
        "能否",
        "能不能",
        "会不会",
        "可不可以",
        "是不是",
        "有没有",
        "要不要",
        "可以",
        "需要",
        "应该",
        "请问",
        "一下",
        "一共",
        "比较",
        "时候",
        "什么时候",
        "我们",
        "咱们",
        "你们",
        "他们",
        "这个",
        "那个",
        "这些",
        "那些",
        "一些",
        "还是",
        "或者",
        "以及",
        "还有",
        "还能",
        "能够",
        "怎么办",
        "了吗",
        "的话",
        "一般",
        "不会",
        "不能",
        "多大",
    )
)


def _mark_optional(units: list[QueryUnit]) -> list[QueryUnit]:
    """Question words are optional; so is a lone character once the query is long
    (has a question word or two other words), unless nothing else would be left."""
    cjk = [u for u in units if u.kind == "cjk"]
    question = any(u.text in QUESTION_WORDS for u in cjk)
    words = [u for u in cjk if len(u.text) > 1 and u.text not in QUESTION_WORDS]
    long = question or len(words) >= 2

    def optional(u: QueryUnit) -> bool:
        if u.kind != "cjk":
            return False
        return u.text in QUESTION_WORDS or (long and len(u.text) == 1)

    marked = [replace(u, optional=True) if optional(u) else u for u in units]
    if all(u.optional for u in marked):
        return units
    return marked


def plan_query(
    text: str, lexicon: Lexicon = DEFAULT_LEXICON, reading: Callable[[str], str] | None = None
) -> QueryPlan:
    """Fold and cut a query the way documents are cut; quoted parts are exact phrases.

    `reading` replaces `fold` (e.g. `regional`, for the query's regional reading).
    """
    fold = reading or globals()["fold"]
    text = text[:MAX_QUERY_CHARS]
    units: list[QueryUnit] = []
    runs: list[QueryUnit] = []
    for m in _PHRASE.finditer(text):
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        if quoted is not None:
            folded = fold(quoted)
            pieces = [r for r in re.split(r"[^\w]+", folded) if r]
            for r in pieces:
                units.append(
                    QueryUnit(
                        text=r,
                        kind="phrase" if _unit_kind(r) == "cjk" and len(r) > 1 else _unit_kind(r),
                    )
                )
            continue
        folded = fold(m.group(3))
        tokens = segment(folded, lexicon)
        for run in cjk_runs(folded):
            sylls_run = tuple(
                s for t in maximal(segment(run, lexicon)) for s in word_syllables(t[0])
            )
            runs.append(QueryUnit(text=run, kind="cjk", syllables=sylls_run))
        for top_text, top_start, top_end in maximal(tokens):
            subs = tuple(
                sorted(
                    {
                        t[0]
                        for t in tokens
                        if t[1] >= top_start and t[2] <= top_end and t[0] != top_text
                    }
                )
            )
            kind = _unit_kind(top_text)
            sylls: tuple[str, ...] = ()
            if kind == "cjk":
                sylls = word_syllables(top_text)
            elif kind == "latin":
                sylls = tuple(split_pinyin(top_text) or ())
            units.append(
                QueryUnit(
                    text=top_text,
                    kind=kind,
                    subwords=subs,
                    synonyms=lexicon.synonyms.get(top_text, ()),
                    syllables=sylls,
                )
            )
    seen: set[tuple[str, str]] = set()
    unique = []
    for u in units:
        if (u.text, u.kind) not in seen:
            seen.add((u.text, u.kind))
            unique.append(u)
    return QueryPlan(units=tuple(_mark_optional(unique)), runs=tuple(runs))


def one_typo_phrases(word: str) -> list[list[tuple[int, str]]]:
    """Bigram phrases (with offsets) that match `word` with any one character replaced.

    Replacing character i breaks bigrams i-1 and i; the rest keep their positions.
    Only for words of three or more characters (shorter ones would match too much).
    """
    if len(word) < 3:
        return []
    bigrams = gram_phrase(word)
    out = []
    for i in range(len(word)):
        kept = [(k, g) for k, g in enumerate(bigrams) if k not in (i - 1, i)]
        if kept:
            out.append(kept)
    return out


SUGGEST_SEP = "\x01"


def suggestion_keys(word: str) -> list[str]:
    """Index terms under which a folded word is suggested: itself, its pinyin, its initials.

    Each term is `key SUGGEST_SEP word`, so a prefix walk over the terms yields the word.
    """
    keys = {word}
    if all_cjk(word):
        sylls = word_syllables(word)
        keys.add("".join(sylls))
        keys.add("".join(s[0] for s in sylls if s))
    return [f"{k}{SUGGEST_SEP}{word}" for k in sorted(keys)]


def vocab_key(word: str) -> str:
    """The index term of a vocabulary word: its joined pinyin, SUGGEST_SEP, the word."""
    return f"{joined_pinyin(word)}{SUGGEST_SEP}{word}"


def spelling_candidates(plan: QueryPlan) -> list[str]:
    """Query words worth checking for a homophone typo: every required CJK word of two
    or more characters, and a lone character joined to its neighbour (消费|卷)."""
    out: list[str] = []
    units = [u for u in plan.units if u.kind == "cjk"]
    for u in units:
        if len(u.text) > 1 and not u.optional and not u.synonyms and u.text not in out:
            out.append(u.text)
    for a, b in pairwise(units):
        if (len(a.text) == 1) != (len(b.text) == 1) and len(a.text) + len(b.text) <= 3:
            joined = a.text + b.text
            if joined not in out and joined not in QUESTION_WORDS:
                out.append(joined)
    return out[:8]


def likely_spelling(word: str, candidates: Iterable[tuple[str, int]]) -> str | None:
    """The homophone a mistyped word most likely meant: same pinyin (the candidates
    are), at least one character in common (一个字打错), then the most used."""
    best: tuple[int, int, str] | None = None
    for cand, count in candidates:
        if cand == word or count <= 0 or len(cand) != len(word):
            continue
        shared = sum(a == b for a, b in zip(cand, word, strict=True))
        if shared == 0:
            continue
        key = (shared, count, cand)
        if best is None or key > best:
            best = key
    return best[2] if best else None
