"""Extractive baselines scored beside our system: lead sentences and LexRank (sumy).

Both pick verbatim, non-boilerplate source sentences, one per group of near-duplicates, and
cite every article in the chosen sentence's group, as our system cites every supporting source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import pysbd
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from evals.metrics import CitedSentence
from service.api.schemas import CitationOut
from service.domain import Document, SentenceGroup, SourceGroups, SourceSentence
from service.text.utf16 import utf16_offset

_WORD = re.compile(r"\w+(?:['’]\w+)*")


class SumyTokenizer:
    """sumy's tokenizer interface backed by pysbd, so nothing needs NLTK's punkt download."""

    language = "english"

    def __init__(self) -> None:
        self._segmenter = pysbd.Segmenter(language="en", clean=False)

    def to_sentences(self, text: str) -> tuple[str, ...]:
        """Sentences of a paragraph, stripped, empty ones left out."""
        segments: list[str] = self._segmenter.segment(text)
        return tuple(s.strip() for s in segments if s.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Word tokens (letters, digits, inner apostrophes); punctuation is not a word."""
        return tuple(_WORD.findall(sentence))


def lead(documents: Sequence[Document], groups: SourceGroups, budget: int) -> list[CitedSentence]:
    """First sentences of each article in turn (1st of each, then 2nd of each, ...)."""
    index = _group_index(groups)
    by_article = [_candidates(doc, index) for doc in documents]
    chosen: list[SourceSentence] = []
    seen: set[str] = set()
    depth = 0
    while len(chosen) < budget and any(depth < len(c) for c in by_article):
        for candidates in by_article:
            if depth < len(candidates) and len(chosen) < budget:
                sentence, group_id = candidates[depth]
                if group_id not in seen:
                    seen.add(group_id)
                    chosen.append(sentence)
        depth += 1
    texts = {d.id: d.text for d in documents}
    return [_cite(s, index, texts) for s in chosen]


def lexrank(
    documents: Sequence[Document], groups: SourceGroups, budget: int
) -> list[CitedSentence]:
    """The `budget` most central sentences by LexRank, in source order."""
    if budget <= 0:
        return []
    index = _group_index(groups)
    tokenizer = SumyTokenizer()
    by_text: dict[str, SourceSentence] = {}
    paragraphs = []
    seen: set[str] = set()
    for doc in documents:
        sentences = []
        for sentence, group_id in _candidates(doc, index):
            # sumy's Sentence is keyed by its stripped text, so identical texts must be one.
            key = sentence.text.strip()
            if group_id in seen or key in by_text:
                continue
            seen.add(group_id)
            by_text[key] = sentence
            sentences.append(Sentence(sentence.text, tokenizer))
        if sentences:
            paragraphs.append(Paragraph(sentences))
    if not paragraphs:
        return []
    picked = _lexrank_summarizer()(ObjectDocumentModel(paragraphs), budget)
    texts = {d.id: d.text for d in documents}
    return [_cite(by_text[str(s)], index, texts) for s in picked]


@lru_cache(maxsize=1)
def _lexrank_summarizer() -> LexRankSummarizer:
    # Snowball stemming and sumy's bundled stop-word list: neither needs downloaded data.
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


GroupIndex = dict[tuple[str, int], SentenceGroup]


def _group_index(groups: SourceGroups) -> GroupIndex:
    """Each grouped sentence, by (article id, sentence index), to its group."""
    return {(m.article_id, m.index): g for g in groups.groups for m in g.members}


def _candidates(doc: Document, index: GroupIndex) -> list[tuple[SourceSentence, str]]:
    """Content sentences of one article with the id of their group (their own key if ungrouped)."""
    out = []
    for sentence in doc.content_sentences:
        group = index.get((sentence.article_id, sentence.index))
        group_id = group.id if group else f"{sentence.article_id}#{sentence.index}"
        out.append((sentence, group_id))
    return out


def _cite(sentence: SourceSentence, index: GroupIndex, texts: dict[str, str]) -> CitedSentence:
    """The sentence with one citation per article of its group, its own span first."""
    group = index.get((sentence.article_id, sentence.index))
    members = [sentence, *(group.members if group else ())]
    citations: dict[str, CitationOut] = {}
    for m in members:
        if m.article_id not in citations and not m.boilerplate:
            text = texts[m.article_id]
            citations[m.article_id] = CitationOut(
                article_id=m.article_id,
                start=m.start,
                end=m.end,
                text=m.text,
                start_utf16=utf16_offset(text, m.start),
                end_utf16=utf16_offset(text, m.end),
            )
    return CitedSentence(text=sentence.text, citations=tuple(citations.values()))
