"""From stored stories to what the engines index: plain text, then analysed streams."""

from __future__ import annotations

from hub.domain.html import html_to_text
from hub.search import analysis
from hub.search.analysis import Lexicon
from hub.search.port import AnalyzedDocument, SearchDocument
from hub.store.documents import StoryDoc

MAX_SUGGESTIONS_PER_DOC = 24


def search_document(story: StoryDoc, audience: str = "newsroom") -> SearchDocument:
    """The searchable view of a story: plain body text, flattened facets, ms times.

    Give the newsroom head with "newsroom", the public read model's copy with "public".
    """
    return SearchDocument(
        audience=audience,
        tenant=story.tenant,
        id=story.id,
        title=story.title,
        summary=" ".join(p for p in (story.subtitle, story.summary) if p),
        body=html_to_text(story.body) if story.body else "",
        tags=tuple(story.tags),
        column=story.column_id,
        type=str(story.type.value if hasattr(story.type, "value") else story.type),
        status=str(story.status.value if hasattr(story.status, "value") else story.status),
        account=getattr(story, "account_id", None),
        channels=tuple(getattr(story, "channels", ()) or ()),
        published_at=story.published_at,
        updated_at=story.updated_at,
    )


def analyze_document(doc: SearchDocument, lexicon: Lexicon) -> AnalyzedDocument:
    """Cut the title and the full text once each; pick the words to suggest."""
    title = analysis.analyze(doc.title, lexicon)
    full = " \n".join(p for p in (doc.title, doc.summary, " ".join(doc.tags), doc.body) if p)
    text = analysis.analyze(full, lexicon)
    head = " \n".join(p for p in (doc.title, doc.summary, " ".join(doc.tags)) if p)
    folded_head = analysis.fold(head)
    head_grams = analysis.grams(folded_head) + analysis.grams(
        analysis.regional_extra(head, folded_head)
    )
    picked: list[str] = []
    for w in [*(analysis.fold(t) for t in doc.tags), *title.words]:
        if len(w) > 1 and w not in picked:
            picked.append(w)
    return AnalyzedDocument(
        doc=doc,
        title=title,
        text=text,
        suggestions=tuple(picked[:MAX_SUGGESTIONS_PER_DOC]),
        head_grams=head_grams,
    )
