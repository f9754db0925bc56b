"""Which independent outlets state a sentence, as the extractive summariser estimates it.

The prompt's source lines carry the articles that state each line (near-duplicates grouped),
so articles that share most of their lines are copies of one story (syndication) and count
once, by the rule the grouping stage uses for `duplicates_of`. A line supports a candidate
sentence when it holds most of the candidate's distinctive words and every figure. The
verifier later decides what is really cited; this estimate only steers the choice of points.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from service.ingest.grouping import COPY_SHARE, MIN_COPY_SENTENCES
from service.text.lexicon import STOPWORDS
from service.text.normalize import fold_typography, word_key

# The share of a candidate's distinctive (IDF-weighted) words a line must hold to support it.
SUPPORT_SHARE = 0.75
_FIGURE_RE = re.compile(r"\d[\d,.]*")
_WORD_RE = re.compile(r"[a-z]+")


# Key figures a reader needs: amounts of money or shares, casualty counts, years. Ages,
# scores and times are figures too, but seldom the news.
_NUMBER = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|thousands)"
)
_KEY_FIGURE_RES = (
    re.compile(r"[$£€¥]\s?\d"),
    re.compile(r"\d[\d,.]*\s?(?:million|billion|trillion|percent|per cent|%)", re.IGNORECASE),
    re.compile(
        rf"\b{_NUMBER}\s+(?:[a-z]+\s+){{0,3}}?(?:(?:were|was|are|have been|had been)\s+)?"
        r"(?:killed|dead|died|injured|wounded|missing|hurt|casualties|deaths)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:19|20)\d{2}\b"),
)


def key_figure(text: str) -> bool:
    """Whether a text gives a key figure: an amount, a casualty count or a year."""
    return any(pattern.search(text) for pattern in _KEY_FIGURE_RES)


def support_terms(text: str) -> frozenset[str]:
    """The content words of a text by the keys the verifier compares words by (stems, one
    key for a place and its demonym, for spelling variants), hyphenated words split."""
    words = _WORD_RE.findall(fold_typography(text).lower())
    return frozenset(word_key(w) for w in words if w not in STOPWORDS and len(w) > 1)


def figures(text: str) -> frozenset[str]:
    """The figures a text writes in digits ("6", "11.6", "2035"), separators dropped."""
    return frozenset(m.group(0).rstrip(",.").replace(",", "") for m in _FIGURE_RE.finditer(text))


def outlet_clusters(line_articles: Sequence[Sequence[str]]) -> dict[str, int]:
    """Article id -> its cluster of copies: two articles that share at least COPY_SHARE of
    the lines of either, and at least MIN_COPY_SENTENCES lines, are copies of one story
    (linked transitively)."""
    size: Counter[str] = Counter()
    shared: Counter[tuple[str, str]] = Counter()
    for ids in line_articles:
        distinct = list(dict.fromkeys(ids))
        size.update(distinct)
        shared.update((a, b) for a in distinct for b in distinct if a < b)
    parent = {article: article for article in size}

    def root(article: str) -> str:
        while parent[article] != article:
            article = parent[article]
        return article

    for (a, b), count in shared.items():
        if count >= MIN_COPY_SENTENCES and count >= COPY_SHARE * min(size[a], size[b]):
            parent[root(b)] = root(a)
    roots = sorted({root(a) for a in size})
    return {article: roots.index(root(article)) for article in size}


class Corroboration:
    """Estimates, for any sentence, the independent outlets whose lines state it."""

    def __init__(self, line_texts: Sequence[str], line_articles: Sequence[Sequence[str]]) -> None:
        line_terms = [support_terms(text) for text in line_texts]
        self.cluster_of = outlet_clusters(line_articles)
        frequency = Counter(term for terms in line_terms for term in terms)
        total = max(1, len(line_terms))
        # Smoothed IDF: a word on every line still weighs a little.
        self.idf = {t: math.log((1 + total) / (1 + f)) + 0.1 for t, f in frequency.items()}
        self.rare = max(self.idf.values(), default=1.0)
        self.lines = [
            (terms, figures(text), frozenset(self.cluster_of[a] for a in ids))
            for terms, text, ids in zip(line_terms, line_texts, line_articles, strict=True)
        ]

    def weight(self, terms: Iterable[str]) -> float:
        """The summed IDF of distinct terms (unknown terms weigh as the rarest)."""
        return sum(self.idf.get(t, self.rare) for t in set(terms))

    def contained(self, inner: frozenset[str], outer: frozenset[str]) -> float:
        """The share of `inner`'s weight that `outer` holds."""
        total = self.weight(inner)
        return self.weight(inner & outer) / total if total else 0.0

    def states(self, text: str, other: str) -> bool:
        """Whether `other` states `text`: its figures and most of its distinctive words."""
        if not figures(text) <= figures(other):
            return False
        return self.contained(support_terms(text), support_terms(other)) >= SUPPORT_SHARE

    def outlets(self, text: str) -> frozenset[int]:
        """The independent outlet clusters with a line that states `text`."""
        terms = support_terms(text)
        numbers = figures(text)
        total = self.weight(terms)
        found: set[int] = set()
        for line_terms, line_figures, clusters in self.lines:
            if clusters <= found or not numbers <= line_figures or not total:
                continue
            if self.weight(terms & line_terms) / total >= SUPPORT_SHARE:
                found |= clusters
        return frozenset(found)
