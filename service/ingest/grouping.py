"""Grouping: near-duplicate sentences across a request's articles, and syndicated copies.

Every content sentence lands in exactly one group (most groups have one member), so the
prompt can carry each fact once and name every article that states it. Boilerplate is never
grouped.

Two sentences are near-duplicates when they share most of their distinctive wording: either
rapidfuzz finds the normalised texts nearly equal up to word order, or their content words and
word pairs, weighted by how rare they are in the request, overlap strongly. Weighting by rarity
is what separates a reworded copy ("members of the Group of Seven industrialised nations")
from a merely related sentence that shares the event's names ("Prime Minister Sanae Takaichi
and her Italian counterpart Giorgia Meloni"). When two articles already share several such
sentences they are treated as copies of one another, and their remaining sentences are paired
at a lower bar, each with its mutually best match: a rewrite of a syndicated story rewords
more than any single threshold could accept across unrelated articles.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from service.domain import Document, SentenceGroup, SourceGroups, SourceSentence
from service.text.lexicon import CARDINAL_TENS, CARDINAL_UNITS, SCALE_WORDS, STOPWORDS

# Similarity bars (calibrated on the seed articles and checked against FRANK, see
# benchmarks/bench_ingest.py): a rapidfuzz token-sort ratio for near-verbatim copies...
FUZZY_RATIO = 90.0
# ...a rarity-weighted word overlap for reworded ones...
OVERLAP = 0.40
# ...a lower overlap for mutually best matches between articles found to be copies...
COPY_OVERLAP = 0.25
# ...and a near-verbatim bar within one article, where sentences share the story's words.
SAME_ARTICLE_OVERLAP = 0.70
# Fewer shared content words than this is too little evidence for anything but an exact repeat.
MIN_SHARED_WORDS = 3
# Two articles are copies when this share of one's content sentences is grouped with the other.
COPY_SHARE = 0.5
# Articles sharing this many near-duplicates (and this share of the smaller one) are compared
# again at COPY_OVERLAP.
SUSPECT_PAIRS = 2
SUSPECT_SHARE = 0.25
# Words in more sentences than this do not propose candidate pairs (they still count in scores):
# it keeps candidate generation near-linear on big requests.
MAX_BLOCKING_DF = 50

_QUOTES = str.maketrans({c: None for c in "'\"`‘’‚‛“”„‟«»‹›"})
_DASHES = re.compile(r"[‐‑‒–—―−]")
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f](?=\d{3}\b)")
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_BRITISH_ISE = re.compile(r"is(e|ed|es|ing|ation|ations)$")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ed", "es", "s", "ly")
# Spelled-out cardinals compare with digits ("five" / "5"); "one" is left out, being a pronoun
# as often as a number ("one another").
_NUMBER_WORDS = {
    word: str(int(value))
    for word, value in (CARDINAL_UNITS | CARDINAL_TENS | SCALE_WORDS).items()
    if value >= 2
}
_DETERMINERS = frozenset("the these those both all its their our".split())
_NEGATIONS = frozenset(
    """not no never neither nor without cannot cant dont doesnt didnt isnt wasnt arent werent
    wont wouldnt couldnt shouldnt hasnt havent hadnt""".split()
)


@dataclass(frozen=True)
class _Features:
    sentence: SourceSentence
    article: int
    normalised: str
    words: frozenset[str]
    shingles: frozenset[str]
    numbers: frozenset[str]
    negated: bool
    # Every word of the sentence, and its capitalised ones past the first (names, mostly).
    tokens: frozenset[str]
    names: frozenset[str]


def group_sentences(documents: Sequence[Document]) -> SourceGroups:
    """Group near-duplicate content sentences across (and within) articles; find copies."""
    features = [
        _features(sentence, article)
        for article, doc in enumerate(documents)
        for sentence in doc.content_sentences
    ]
    vocabularies = [frozenset(_TOKEN.findall(normalise(doc.text))) for doc in documents]
    weights = _rarity_weights(features)
    scores = _candidate_scores(features, weights, vocabularies)
    edges = {
        pair: score for pair, score in scores.items() if _is_near_duplicate(features, pair, score)
    }
    edges.update(_copy_edges(features, scores, edges, documents))
    groups = _cluster(features, edges)
    return SourceGroups(groups=groups, duplicates_of=_duplicates_of(documents, groups))


def normalise(text: str) -> str:
    """Text folded for comparison: case, quotes, dashes, thousands separators and spacing."""
    text = _DASHES.sub("-", text.casefold().translate(_QUOTES))
    return " ".join(_THOUSANDS.sub("", text).split())


def _features(sentence: SourceSentence, article: int) -> _Features:
    normalised = normalise(sentence.text)
    tokens = _TOKEN.findall(normalised)
    content = [_fold(t) for t in tokens if t not in STOPWORDS and t not in _NEGATIONS]
    words = frozenset(content)
    shingles = frozenset(f"{a} {b}" for a, b in zip(content, content[1:], strict=False))
    original = _TOKEN.findall(sentence.text)
    names = {w.casefold() for w in original[1:] if w[0].isupper()} - STOPWORDS
    return _Features(
        sentence=sentence,
        article=article,
        normalised=normalised,
        words=words,
        shingles=words | shingles,
        numbers=frozenset(_NUMBER.findall(normalised)) | _spelled_numbers(tokens),
        negated=any(t in _NEGATIONS for t in tokens),
        tokens=frozenset(tokens),
        names=frozenset(names),
    )


def _spelled_numbers(tokens: Sequence[str]) -> set[str]:
    # "the two leaders" refers back to known things rather than stating a count.
    return {
        _NUMBER_WORDS[t]
        for i, t in enumerate(tokens)
        if t in _NUMBER_WORDS and (i == 0 or tokens[i - 1] not in _DETERMINERS)
    }


@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    """A crude stem that also folds British and American spellings (organise/organize)."""
    word = _BRITISH_ISE.sub(r"iz\1", word)
    if word.endswith("ence"):
        word = word[:-4] + "ense"
    elif len(word) >= 6 and word.endswith("our"):
        word = word[:-3] + "or"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _rarity_weights(features: Sequence[_Features]) -> dict[str, float]:
    """Inverse sentence frequency of each word and word pair within the request."""
    frequency = Counter(f for feat in features for f in feat.shingles)
    n = len(features)
    return {f: math.log((n + 1) / (df + 0.5)) for f, df in frequency.items()}


def _candidate_scores(
    features: Sequence[_Features],
    weights: dict[str, float],
    vocabularies: Sequence[frozenset[str]],
) -> dict[tuple[int, int], float]:
    """Scores of the sentence pairs worth comparing: exact repeats and those sharing rare words."""
    pairs = _exact_repeat_pairs(features) | _shared_word_pairs(features)
    mass = [sum(weights[f] for f in feat.shingles) for feat in features]
    scores = {}
    for a, b in sorted(pairs):
        a_vocabulary = vocabularies[features[a].article]
        b_vocabulary = vocabularies[features[b].article]
        scores[(a, b)] = _similarity(
            features[a], features[b], mass[a], mass[b], weights, (a_vocabulary, b_vocabulary)
        )
    return scores


def _exact_repeat_pairs(features: Sequence[_Features]) -> set[tuple[int, int]]:
    """Pairs of sentences whose normalised text is the same."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, feat in enumerate(features):
        by_text[feat.normalised].append(i)
    return {(a, b) for same in by_text.values() for k, a in enumerate(same) for b in same[k + 1 :]}


def _shared_word_pairs(features: Sequence[_Features]) -> set[tuple[int, int]]:
    """Pairs sharing enough words that are rare in the request (blocking on common ones is slow)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, feat in enumerate(features):
        for word in feat.words:
            postings[word].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for ids in postings.values():
        if 1 < len(ids) <= MAX_BLOCKING_DF:
            shared.update((a, b) for k, a in enumerate(ids) for b in ids[k + 1 :])
    return {pair for pair, count in shared.items() if count >= MIN_SHARED_WORDS}


def _similarity(
    a: _Features,
    b: _Features,
    mass_a: float,
    mass_b: float,
    weights: dict[str, float],
    vocabularies: tuple[frozenset[str], frozenset[str]],
) -> float:
    """1.0 for an exact repeat, else the better of the fuzzy ratio and the weighted overlap."""
    if a.normalised == b.normalised:
        return 1.0
    # Same words with different numbers or opposite polarity are different facts, however
    # alike they read ("5 killed" / "7 killed"); a number only one side gives is no conflict.
    if (a.numbers - b.numbers and b.numbers - a.numbers) or a.negated != b.negated:
        return 0.0
    if len(a.words & b.words) < MIN_SHARED_WORDS:
        return 0.0
    # So are templates with other names in the slots ("Porter wins a free kick" / "Eastman
    # wins a free kick"). A near-verbatim copy keeps its names, and one article keeps its
    # names for one entity; a reworded copy may name it differently ("China" / "Beijing"), so
    # across articles only a name the other article never mentions counts.
    names_differ = _names_conflict(a, b, a.tokens, b.tokens)
    if names_differ and a.article == b.article:
        return 0.0
    ratio = 0.0
    if not names_differ:
        ratio = fuzz.token_sort_ratio(a.normalised, b.normalised, score_cutoff=FUZZY_RATIO) / 100
    if _names_conflict(a, b, vocabularies[0], vocabularies[1]):
        return ratio
    common = sum(weights[f] for f in a.shingles & b.shingles)
    overlap = common / math.sqrt(mass_a * mass_b) if mass_a and mass_b else 0.0
    return max(ratio, overlap)


def _names_conflict(
    a: _Features, b: _Features, a_words: frozenset[str], b_words: frozenset[str]
) -> bool:
    """Whether each sentence names something the other side's words never mention."""
    return bool(a.names - b_words) and bool(b.names - a_words)


def _is_near_duplicate(features: Sequence[_Features], pair: tuple[int, int], score: float) -> bool:
    a, b = features[pair[0]], features[pair[1]]
    if score >= 1.0:
        return True
    if a.article == b.article:
        return score >= SAME_ARTICLE_OVERLAP
    return score >= OVERLAP


def _copy_edges(
    features: Sequence[_Features],
    scores: dict[tuple[int, int], float],
    edges: dict[tuple[int, int], float],
    documents: Sequence[Document],
) -> dict[tuple[int, int], float]:
    """Mutually best matches at the lower bar between articles that already look like copies."""
    suspects = _suspect_copies(features, edges, documents)
    copy_scores = {
        (a, b): score
        for (a, b), score in scores.items()
        if score >= COPY_OVERLAP and (features[a].article, features[b].article) in suspects
    }
    best = _best_partners(features, copy_scores)
    return {
        (a, b): score
        for (a, b), score in copy_scores.items()
        if (a, b) not in edges
        and best[(a, features[b].article)][1] == b
        and best[(b, features[a].article)][1] == a
    }


def _suspect_copies(
    features: Sequence[_Features],
    edges: dict[tuple[int, int], float],
    documents: Sequence[Document],
) -> set[tuple[int, int]]:
    """Article pairs whose near-duplicate sentences are many, absolutely and for their size."""
    found: Counter[tuple[int, int]] = Counter()
    for a, b in edges:
        pair = (features[a].article, features[b].article)
        if pair[0] != pair[1]:
            found[pair] += 1
    sizes = [len(doc.content_sentences) for doc in documents]
    return {
        pair
        for pair, count in found.items()
        if count >= SUSPECT_PAIRS and count >= SUSPECT_SHARE * min(sizes[pair[0]], sizes[pair[1]])
    }


def _best_partners(
    features: Sequence[_Features], scores: dict[tuple[int, int], float]
) -> dict[tuple[int, int], tuple[float, int]]:
    """(sentence, other article) -> (score, sentence) of its best match there; ties to the first."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for (a, b), score in scores.items():
        for mine, theirs, article in ((a, b, features[b].article), (b, a, features[a].article)):
            current = best.get((mine, article))
            if current is None or (score, -theirs) > (current[0], -current[1]):
                best[(mine, article)] = (score, theirs)
    return best


def _cluster(
    features: Sequence[_Features], edges: dict[tuple[int, int], float]
) -> list[SentenceGroup]:
    """Groups in order of first appearance; each sentence joins its best earlier match's group.

    A group takes at most one sentence per article besides repeats within that article: a chain
    of pairwise matches (A ~ B, B ~ C) can then never pull many sentences of one article into
    one group.
    """
    earlier: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for (a, b), score in edges.items():
        earlier[b].append((score, a))
    group_of: list[int] = []
    members: list[list[int]] = []
    for i, feat in enumerate(features):
        chosen = None
        for _, j in sorted(earlier[i], key=lambda e: (-e[0], e[1])):
            group = group_of[j]
            same_article = features[j].article == feat.article
            if same_article or all(features[m].article != feat.article for m in members[group]):
                chosen = group
                break
        if chosen is None:
            chosen = len(members)
            members.append([])
        members[chosen].append(i)
        group_of.append(chosen)
    return [
        SentenceGroup(id=f"g{n}", members=[features[m].sentence for m in group])
        for n, group in enumerate(members, start=1)
    ]


def _duplicates_of(
    documents: Sequence[Document], groups: Sequence[SentenceGroup]
) -> dict[str, list[str]]:
    """Article id -> the other articles it is a copy of (or that copy it), in request order."""
    shared: Counter[tuple[str, str]] = Counter()
    for group in groups:
        ids = group.article_ids
        for member in group.members:
            for other in ids:
                if other != member.article_id:
                    shared[(member.article_id, other)] += 1
    sizes = {doc.id: len(doc.content_sentences) for doc in documents}
    copies: set[tuple[str, str]] = set()
    for (a, b), count in shared.items():
        if count >= COPY_SHARE * sizes[a]:
            copies.update({(a, b), (b, a)})
    out: dict[str, list[str]] = {}
    for doc in documents:
        others = [o.id for o in documents if (doc.id, o.id) in copies]
        if others:
            out[doc.id] = others
    return out
