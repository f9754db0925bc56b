"""Grouping: near-duplicate sentences across a request's articles, and syndicated copies.

Every content sentence lands in exactly one group (most groups have one member), so the
prompt can carry each fact once and name every article that states it. Boilerplate is never
grouped.

Two sentences are near-duplicates when they share most of their distinctive wording: either
rapidfuzz finds the normalised texts nearly equal up to word order, or their content words and
word pairs, weighted by how rare they are in the request, overlap strongly. Weighting by rarity
is what separates a reworded copy ("members of the Group of Seven industrialised nations")
from a merely related sentence that shares the event's names ("President Ana Garcia
and her French counterpart Luc Dupont"). When two articles already share several such
sentences they are treated as copies of one another, and their remaining sentences are paired
at a lower bar, each with its mutually best match: a rewrite of a syndicated story rewords
more than any single threshold could accept across unrelated articles.

The work stays near-linear in the request: sentences that read the same once normalised are
collapsed into one unit before anything is compared (4,000 repeats of a sentence are one
unit, not eight million pairs), and the pairs worth scoring come from MinHash LSH (datasketch)
over each unit's rare content words, never from comparing every unit with every other.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from datasketch import MinHash
from rapidfuzz import fuzz, process

from service.domain import Document, SentenceGroup, SourceGroups, SourceSentence
from service.text.lexicon import (
    CARDINAL_TENS,
    CARDINAL_UNITS,
    ORDINAL_WORDS,
    SCALE_WORDS,
    STOPWORDS,
)
from service.text.normalize import word_key
from service.text.opposition import opposed
from service.text.stemming import american_spelling, stem


@dataclass(frozen=True)
class Calibration:
    """The bars a pair of sentences must clear to be grouped."""

    # A rapidfuzz token-sort ratio (0-100) for near-verbatim copies...
    fuzzy_ratio: float
    # ...a rarity-weighted word overlap (0-1) for reworded ones across articles...
    overlap: float
    # ...a lower overlap for mutually best matches between articles found to be copies...
    copy_overlap: float
    # ...and a near-verbatim bar within one article, where sentences share the story's words.
    same_article_overlap: float


# Fitted on labelled pairs generated from FRANK's 144 articles, never on the seeds
# (evals/grouping_pairs.py): each article beside a syndicated copy of it (byline changed, ending
# cropped, boilerplate added, sentences reworded: function words, clause order, spellings,
# synonyms, a cropped or added clause) and beside the FRANK article most alike in its words,
# with one sentence of the first borrowed into it. Copies are the same; every other pair of
# sentences (of one article, of the copy, of the related article) is different. The errors
# hardly move over wide ranges of each bar, so each is the middle of the range within one error
# of the fewest (5-fold cross-validation: held-out pair precision 0.995, recall 0.946; the five
# folds chose overlap 0.45 to 0.475, copy overlap 0.2 to 0.275). The fuzzy ratio sits at the
# floor. `python -m evals.grouping_pairs` regenerates the set, refits and prints the figures.
CALIBRATION = Calibration(
    fuzzy_ratio=80.0, overlap=0.475, copy_overlap=0.275, same_article_overlap=0.70
)
# The lowest fuzzy ratio a calibration may use: below it rapidfuzz skips the work.
FUZZY_FLOOR = 80.0
# Fewer shared content words than this is too little evidence for anything but an exact repeat.
MIN_SHARED_WORDS = 3
# Two articles are copies when this share of one's content sentences is grouped with the other,
# and at least MIN_COPY_SENTENCES of them are: independent reports of one event often share one
# sentence (a figure, a quote, a stock phrase: "Turnout was 54 percent."), which is half of a
# two-sentence report and all of a one-sentence one. With one sentence in common, the shorter
# article is a copy only when each of its sentences reads near-verbatim like one of the other's
# (the calibration's fuzzy ratio, figures and names aside): a reprint with a changed figure
# still reads so, an independent report's own sentences do not. The bar of two is the one that
# makes articles suspects below.
COPY_SHARE = 0.5
MIN_COPY_SENTENCES = 2
# Articles sharing this many near-duplicates (and this share of the smaller one) are compared
# again at the calibration's copy overlap.
SUSPECT_PAIRS = 2
SUSPECT_SHARE = 0.25
# Words in more sentences than this do not propose candidate pairs (they still count in
# scores): each rare word can then pair at most this many sentences, which keeps candidate
# generation linear in the request's words.
MAX_BLOCKING_DF = 50
# MinHash LSH over the rare words: 32 bands of 2 rows propose a pair of word sets with Jaccard
# similarity 0.3 95% of the time, 0.4 99.6%; on the labelled pairs above it proposes 0.990 of
# the copied pairs that share enough rare words (comparing every pair would propose them all).
LSH_PERMUTATIONS = 64
LSH_BANDS = (32, 2)
LSH_SEED = 1

_QUOTES = str.maketrans({c: None for c in "'\"`‘’‚‛“”„‟«»‹›"})
_DASHES = re.compile(r"[‐‑‒–—―−]")
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f](?=\d{3}\b)")
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Spelled-out cardinals compare with digits ("five" / "5"); "one" is left out, being a pronoun
# as often as a number ("one another").
_NUMBER_WORDS = {
    word: str(int(value))
    for word, value in (CARDINAL_UNITS | CARDINAL_TENS | SCALE_WORDS).items()
    if value >= 2
}
_DIGIT_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
_DETERMINERS = frozenset("the these those both all its their our".split())
_NEGATIONS = frozenset(
    """not no never neither nor without cannot cant dont doesnt didnt isnt wasnt arent werent
    wont wouldnt couldnt shouldnt hasnt havent hadnt""".split()
)


@dataclass(frozen=True)
class _Features:
    normalised: str
    words: frozenset[str]
    shingles: frozenset[str]
    numbers: frozenset[str]
    negated: bool
    # Every word of the sentence, and its capitalised ones past the first (names, mostly).
    tokens: frozenset[str]
    names: frozenset[str]
    # Word keys of every word, for words that oppose the other sentence's ("rose" / "fell").
    keys: frozenset[str]


@dataclass(frozen=True)
class _Unit:
    """One distinct normalised text and every content sentence that reads so, in order."""

    members: tuple[SourceSentence, ...]
    # Each member's position among the request's content sentences.
    positions: tuple[int, ...]
    articles: frozenset[int]
    features: _Features


@dataclass(frozen=True)
class PairScore:
    """How alike two units read: the parts of a score that no calibration changes."""

    # Token-sort ratio (0-100), 0 when under FUZZY_FLOOR or when the names differ.
    ratio: float
    # Rarity-weighted overlap of words and word pairs (0-1), 0 across articles whose names
    # conflict; `same_overlap` is the same within one article, 0 when the names differ there.
    overlap: float
    same_overlap: float
    # Whether some of the two units' sentences sit in different articles, or in the same one.
    across: bool
    within: bool


@dataclass(frozen=True)
class ScoredRequest:
    """A request's units and the scores of its candidate pairs, ready to be calibrated."""

    units: tuple[_Unit, ...]
    scores: dict[tuple[int, int], PairScore]
    sizes: tuple[int, ...]
    article_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Edge:
    score: float
    # Whether the pair passed the within-article bar (so sentences of one article may share
    # the group through it).
    within: bool


def group_sentences(
    documents: Sequence[Document], calibration: Calibration = CALIBRATION
) -> SourceGroups:
    """Group near-duplicate content sentences across (and within) articles; find copies."""
    return group_scored(score_request(documents), calibration)


def normalise(text: str) -> str:
    """Text folded for comparison: case, quotes, dashes, thousands separators and spacing."""
    text = _DASHES.sub("-", text.casefold().translate(_QUOTES))
    return " ".join(_THOUSANDS.sub("", text).split())


def score_request(documents: Sequence[Document]) -> ScoredRequest:
    """Collapse exact repeats into units and score the unit pairs LSH proposes."""
    units = _units(documents)
    frequency: Counter[str] = Counter()
    for unit in units:
        for feature in unit.features.shingles:
            frequency[feature] += len(unit.members)
    total = sum(len(unit.members) for unit in units)
    weights = {f: math.log((total + 1) / (df + 0.5)) for f, df in frequency.items()}
    vocabularies = _Vocabularies([frozenset(_TOKEN.findall(normalise(d.text))) for d in documents])
    mass = [sum(weights[f] for f in unit.features.shingles) for unit in units]
    scores = {}
    for a, b in _candidate_pairs(units, frequency):
        score = _similarity(units[a], units[b], (mass[a], mass[b]), weights, vocabularies)
        if score is not None:
            scores[(a, b)] = score
    return ScoredRequest(
        units=tuple(units),
        scores=scores,
        sizes=tuple(len(doc.content_sentences) for doc in documents),
        article_ids=tuple(doc.id for doc in documents),
    )


def group_scored(scored: ScoredRequest, calibration: Calibration) -> SourceGroups:
    """Groups and copies of a scored request under one calibration."""
    edges = {}
    for pair, score in scored.scores.items():
        edge = _edge(score, calibration)
        if edge is not None:
            edges[pair] = edge
    edges.update(_copy_edges(scored, edges, calibration))
    groups = _cluster(scored.units, edges)
    return SourceGroups(
        groups=groups, duplicates_of=_duplicates_of(scored, groups, calibration.fuzzy_ratio)
    )


def _units(documents: Sequence[Document]) -> list[_Unit]:
    """Content sentences collapsed by normalised text, in order of first appearance."""
    by_text: dict[str, list[tuple[int, int, SourceSentence]]] = {}
    position = 0
    for article, doc in enumerate(documents):
        for sentence in doc.content_sentences:
            by_text.setdefault(normalise(sentence.text), []).append((position, article, sentence))
            position += 1
    return [
        _Unit(
            members=tuple(s for _, _, s in found),
            positions=tuple(p for p, _, _ in found),
            articles=frozenset(a for _, a, _ in found),
            features=_features(found[0][2].text, text),
        )
        for text, found in by_text.items()
    ]


def _features(text: str, normalised: str) -> _Features:
    tokens = _TOKEN.findall(normalised)
    content = [
        stem(american_spelling(t)) for t in tokens if t not in STOPWORDS and t not in _NEGATIONS
    ]
    words = frozenset(content)
    shingles = frozenset(f"{a} {b}" for a, b in zip(content, content[1:], strict=False))
    original = _TOKEN.findall(text)
    names = {w.casefold() for w in original[1:] if w[0].isupper()} - STOPWORDS
    return _Features(
        normalised=normalised,
        words=words,
        shingles=words | shingles,
        numbers=frozenset(_NUMBER.findall(normalised)) | _spelled_numbers(tokens),
        negated=any(t in _NEGATIONS for t in tokens),
        tokens=frozenset(tokens),
        names=frozenset(names),
        keys=frozenset(word_key(t) for t in tokens if t.isalpha()),
    )


def _spelled_numbers(tokens: Sequence[str]) -> set[str]:
    # "the two leaders" refers back to known things rather than stating a count. Ordinals
    # count too, apart from cardinals ("fourth" / "fifth" title, "4th" / "5th").
    cardinals = {
        _NUMBER_WORDS[t]
        for i, t in enumerate(tokens)
        if t in _NUMBER_WORDS and (i == 0 or tokens[i - 1] not in _DETERMINERS)
    }
    ordinals = {f"{ORDINAL_WORDS[t]}th" for t in tokens if t in ORDINAL_WORDS}
    ordinals.update(
        f"{m.group(1)}th" for t in tokens if (m := _DIGIT_ORDINAL.fullmatch(t)) is not None
    )
    return cardinals | ordinals


def _candidate_pairs(units: Sequence[_Unit], frequency: Counter[str]) -> list[tuple[int, int]]:
    """Unit pairs sharing enough rare words, as MinHash LSH over those words proposes them.

    Each unit is looked up before it is added, so a pair comes out once, earlier unit first.
    A unit with too few rare words can share too few and is left out of the index.
    """
    rare = [
        sorted(w for w in unit.features.words if frequency[w] <= MAX_BLOCKING_DF) for unit in units
    ]
    indexed = [i for i, words in enumerate(rare) if len(words) >= MIN_SHARED_WORDS]
    if not indexed:
        return []
    signatures = MinHash.bulk(
        [[w.encode() for w in rare[i]] for i in indexed], num_perm=LSH_PERMUTATIONS, seed=LSH_SEED
    )
    bands, rows = LSH_BANDS
    width = rows * signatures[0].hashvalues.itemsize if signatures else 0
    # The banding of datasketch's MinHashLSH (band b: hash values b*rows to (b+1)*rows, a
    # bucket per exact value), in plain dictionaries: its storage layer took a third of the
    # grouping of a new 5-article set (24 -> 17 ms), for the same pairs (tests/test_grouping.py
    # compares them with MinHashLSH's).
    buckets: dict[tuple[int, bytes], list[int]] = {}
    pairs: list[tuple[int, int]] = []
    for i, signature in zip(indexed, signatures, strict=True):
        raw = signature.hashvalues.tobytes()
        proposed: set[int] = set()
        for band in range(bands):
            bucket = buckets.setdefault((band, raw[band * width : (band + 1) * width]), [])
            proposed.update(bucket)
            bucket.append(i)
        words = frozenset(rare[i])
        for j in sorted(proposed):
            if len(words.intersection(rare[j])) >= MIN_SHARED_WORDS:
                pairs.append((j, i))
    return sorted(pairs)


def _similarity(
    a: _Unit,
    b: _Unit,
    mass: tuple[float, float],
    weights: dict[str, float],
    vocabularies: _Vocabularies,
) -> PairScore | None:
    """The pair's score parts; None when no calibration could group it."""
    fa, fb = a.features, b.features
    # Same words with different numbers or opposite polarity are different facts, however
    # alike they read ("5 killed" / "7 killed"); a number only one side gives is no conflict.
    if (fa.numbers - fb.numbers and fb.numbers - fa.numbers) or fa.negated != fb.negated:
        return None
    # So are the same words with opposed ones in place ("approved" / "rejected",
    # "postponed" / "launched").
    if opposed(fa.keys, fb.keys):
        return None
    if len(fa.words & fb.words) < MIN_SHARED_WORDS:
        return None
    within = bool(a.articles & b.articles)
    across = len(a.articles | b.articles) > 1
    # So are templates with other names in the slots ("Porter wins a free kick" / "Eastman
    # wins a free kick"). A near-verbatim copy keeps its names, and one article keeps its
    # names for one entity; a reworded copy may name it differently ("China" / "Beijing"), so
    # across articles only a name the other articles never mention counts.
    names_differ = _names_conflict(fa, fb, fa.tokens, fb.tokens)
    ratio = 0.0
    if not names_differ:
        ratio = fuzz.token_sort_ratio(fa.normalised, fb.normalised, score_cutoff=FUZZY_FLOOR)
    common = sum(weights[f] for f in fa.shingles & fb.shingles)
    overlap = common / math.sqrt(mass[0] * mass[1]) if mass[0] and mass[1] else 0.0
    conflict = _names_conflict(fa, fb, vocabularies.of(a.articles), vocabularies.of(b.articles))
    return PairScore(
        ratio=ratio,
        overlap=0.0 if conflict else overlap,
        same_overlap=0.0 if names_differ else overlap,
        across=across,
        within=within,
    )


class _Vocabularies:
    """Every word of each article, and of each set of articles an exact repeat appears in."""

    def __init__(self, per_article: Sequence[frozenset[str]]) -> None:
        self.per_article = per_article
        self._unions: dict[frozenset[int], frozenset[str]] = {}

    def of(self, articles: frozenset[int]) -> frozenset[str]:
        """The words of these articles together (a repeat is as lenient as its articles)."""
        if len(articles) == 1:
            return self.per_article[next(iter(articles))]
        if articles not in self._unions:
            self._unions[articles] = frozenset().union(*(self.per_article[i] for i in articles))
        return self._unions[articles]


def _names_conflict(
    a: _Features, b: _Features, a_words: frozenset[str], b_words: frozenset[str]
) -> bool:
    """Whether each sentence names something the other side's words never mention."""
    return bool(a.names - b_words) and bool(b.names - a_words)


def _ratio(score: PairScore, calibration: Calibration) -> float:
    """The fuzzy ratio (0-1) where it clears the calibration's bar, else 0."""
    return score.ratio / 100 if score.ratio >= calibration.fuzzy_ratio else 0.0


def _across(score: PairScore, calibration: Calibration) -> float:
    """The score of the pair's sentences that sit in different articles (0 if none do)."""
    return max(_ratio(score, calibration), score.overlap) if score.across else 0.0


def _edge(score: PairScore, calibration: Calibration) -> _Edge | None:
    """The pair as a near-duplicate edge under the calibration, or None."""
    across = _across(score, calibration)
    within = max(_ratio(score, calibration), score.same_overlap) if score.within else 0.0
    # A verbatim copy up to word order passes anywhere.
    within_passes = within >= min(1.0, calibration.same_article_overlap)
    if within_passes or across >= calibration.overlap:
        return _Edge(max(across, within), within_passes)
    return None


def _copy_edges(
    scored: ScoredRequest, edges: dict[tuple[int, int], _Edge], calibration: Calibration
) -> dict[tuple[int, int], _Edge]:
    """Mutually best matches at the lower bar between articles that already look like copies."""
    suspects = _suspect_copies(scored, edges)
    units = scored.units
    copy_scores: dict[tuple[int, int], tuple[float, list[tuple[int, int]]]] = {}
    for (a, b), score in scored.scores.items():
        across = _across(score, calibration)
        if across < calibration.copy_overlap:
            continue
        pairs = [
            (x, y)
            for x in units[a].articles - units[b].articles
            for y in units[b].articles - units[a].articles
            if (min(x, y), max(x, y)) in suspects
        ]
        if pairs:
            copy_scores[(a, b)] = (across, pairs)
    best = _best_partners(copy_scores)
    return {
        (a, b): _Edge(score, within=False)
        for (a, b), (score, pairs) in copy_scores.items()
        if (a, b) not in edges
        and any(best[(a, y)][1] == b and best[(b, x)][1] == a for x, y in pairs)
    }


def _suspect_copies(
    scored: ScoredRequest, edges: dict[tuple[int, int], _Edge]
) -> set[tuple[int, int]]:
    """Article pairs whose near-duplicate sentences are many, absolutely and for their size."""
    found: Counter[tuple[int, int]] = Counter()
    units = scored.units
    for unit in units:
        # An exact repeat across articles is a near-duplicate of the plainest kind.
        found.update(combinations(sorted(unit.articles), 2))
    for a, b in edges:
        found.update(_article_pairs(units[a].articles, units[b].articles))
    sizes = scored.sizes
    return {
        pair
        for pair, count in found.items()
        if count >= SUSPECT_PAIRS and count >= SUSPECT_SHARE * min(sizes[pair[0]], sizes[pair[1]])
    }


def _article_pairs(first: Iterable[int], second: frozenset[int]) -> set[tuple[int, int]]:
    """Distinct (lower, higher) article pairs with one article from each side."""
    return {(min(x, y), max(x, y)) for x in first for y in second if x != y}


def _best_partners(
    copy_scores: dict[tuple[int, int], tuple[float, list[tuple[int, int]]]],
) -> dict[tuple[int, int], tuple[float, int]]:
    """(unit, other article) -> (score, unit) of its best match there; ties to the first."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for (a, b), (score, pairs) in copy_scores.items():
        for x, y in pairs:
            for mine, theirs, article in ((a, b, y), (b, a, x)):
                current = best.get((mine, article))
                if current is None or (score, -theirs) > (current[0], -current[1]):
                    best[(mine, article)] = (score, theirs)
    return best


def _cluster(units: Sequence[_Unit], edges: dict[tuple[int, int], _Edge]) -> list[SentenceGroup]:
    """Groups in order of first appearance; each unit joins its best earlier match's group.

    A group takes at most one sentence per article besides repeats within that article: a chain
    of pairwise matches (A ~ B, B ~ C) can then never pull many sentences of one article into
    one group. A unit joins whole: all its exact repeats share one group.
    """
    earlier: dict[int, list[tuple[float, int, bool]]] = defaultdict(list)
    for (a, b), edge in edges.items():
        earlier[b].append((edge.score, a, edge.within))
    group_of: list[int] = []
    members: list[list[int]] = []
    articles: list[set[int]] = []
    for i, unit in enumerate(units):
        chosen = None
        for _, j, within in sorted(earlier[i], key=lambda e: (-e[0], e[1])):
            group = group_of[j]
            clash = unit.articles & articles[group]
            # Sentences of an article already in the group may join only through a match in
            # their own article.
            if not clash or (within and clash <= units[j].articles):
                chosen = group
                break
        if chosen is None:
            chosen = len(members)
            members.append([])
            articles.append(set())
        members[chosen].append(i)
        articles[chosen].update(unit.articles)
        group_of.append(chosen)
    return [
        SentenceGroup(id=f"g{n}", members=_in_request_order(units[u] for u in group))
        for n, group in enumerate(members, start=1)
    ]


def _in_request_order(units: Iterable[_Unit]) -> list[SourceSentence]:
    """The units' sentences in request order (the group's first occurrence first)."""
    found = sorted(
        (p, s) for unit in units for p, s in zip(unit.positions, unit.members, strict=True)
    )
    return [s for _, s in found]


def _duplicates_of(
    scored: ScoredRequest, groups: Sequence[SentenceGroup], fuzzy_ratio: float
) -> dict[str, list[str]]:
    """Article id -> the other articles it is a copy of (or that copy it), in request order."""
    shared = _shared_sentences(groups)
    article_ids = scored.article_ids
    size_of = dict(zip(article_ids, scored.sizes, strict=True))
    texts: dict[str, list[str]] = defaultdict(list)
    for unit in scored.units:
        for article in dict.fromkeys(m.article_id for m in unit.members):
            texts[article].append(unit.features.normalised)
    copies: set[tuple[str, str]] = set()
    for (a, b), count in shared.items():
        if count < COPY_SHARE * size_of[a]:
            continue
        if count >= MIN_COPY_SENTENCES or _reads_as_copy(texts[a], texts[b], fuzzy_ratio):
            copies.update({(a, b), (b, a)})
    out: dict[str, list[str]] = {}
    for article in article_ids:
        others = [o for o in article_ids if (article, o) in copies]
        if others:
            out[article] = others
    return out


def _shared_sentences(groups: Sequence[SentenceGroup]) -> Counter[tuple[str, str]]:
    """(article, other) -> how many of the article's sentences share a group with the other."""
    shared: Counter[tuple[str, str]] = Counter()
    for group in groups:
        ids = group.article_ids
        for member in group.members:
            for other in ids:
                if other != member.article_id:
                    shared[(member.article_id, other)] += 1
    return shared


def _reads_as_copy(mine: Sequence[str], theirs: Sequence[str], fuzzy_ratio: float) -> bool:
    """Whether every one of these (few) sentences reads near-verbatim like one of theirs."""
    bar = max(fuzzy_ratio, FUZZY_FLOOR)
    return all(
        process.extractOne(text, theirs, scorer=fuzz.token_sort_ratio, score_cutoff=bar) is not None
        for text in mine
    )
