"""Labelled syndication pairs from FRANK's articles, and the grouping calibration fitted on them.

    python -m evals.grouping_pairs            # generate, fit by 5-fold CV, print the figures
    python -m evals.grouping_pairs --write evals/runs/grouping_pairs.jsonl   # also save the set

The seeds are never used here. Each of FRANK's 144 articles (`evals/data/frank_valid.jsonl`,
news from CNN/Daily Mail and the BBC) becomes one request of three articles:

- the article itself;
- a syndicated copy of it, as an outlet reprinting a wire story makes one: the byline changed,
  the ending cropped, boilerplate added (share links, a copyright line), and about half of its
  sentences lightly reworded: function words edited ("has said" / "said", "that" dropped),
  clauses reordered around a comma, British and American spellings swapped, small numbers
  spelled out, a trailing attribution or a word dropped. A few sentences get a different
  number instead: the same frame stating another fact, which must not be grouped. A third of
  the copies repeat one reworded sentence later on, a near-duplicate within one article;
- the other FRANK article most alike in its words: related text on the same topic (sport,
  crime, politics), never a copy.

A pair of sentences is labelled the same when both stand for one original sentence (the same
normalised text, or a copy of it); every other pair of content sentences in the request is
labelled different: other sentences of the same article, and sentences of the related article.
Grouping is scored by pairs (precision, recall, F1 of "grouped together") and by articles
(does `duplicates_of` pair exactly the article and its copy).

The calibration (`service.ingest.grouping.Calibration`) is chosen from a grid by F1 on four
folds of articles and scored on the fifth, five times; the figures printed for the shipped
calibration are then in-sample. The generator is deterministic (seed 0).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, product
from pathlib import Path

from service.domain import ArticleInput, Document, SourceGroups, SourceSentence
from service.ingest.grouping import (
    CALIBRATION,
    MAX_BLOCKING_DF,
    MIN_SHARED_WORDS,
    Calibration,
    ScoredRequest,
    group_scored,
    normalise,
    score_request,
)
from service.ingest.segment import ingest_article

FRANK_FILE = Path(__file__).with_name("data") / "frank_valid.jsonl"
SEED = 0
FOLDS = 5
REWORD_SHARE = 0.5
NUMBER_CHANGE_SHARE = 0.05
REWRITE_SHARE = 0.25
REPEAT_SHARE = 1 / 3
BORROW_SHARE = 2 / 3
# The label of a sentence whose pairs are not scored (a fusion of two sentences).
UNSCORED = "unscored"
# A copy sentence takes the label of what was written where at least this share of it lies.
MOSTLY = 0.8

GRID = {
    "fuzzy_ratio": (80.0, 85.0, 90.0, 95.0),
    "overlap": (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60),
    "copy_overlap": (0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35),
    "same_article_overlap": (0.60, 0.70, 0.80, 0.90, 1.0),
}

_BOILERPLATE = (
    "Follow us on Facebook and Twitter for the latest news.",
    "© 2024 Example Media Group. All rights reserved.",
    "Share this article: Facebook | Twitter | Email",
    "Sign up for our daily newsletter.",
)
_DESCRIPTIONS = ("The two sides", "Officials", "The group", "The pair", "Its leaders")
_BYLINES = ("By Staff Reporter, Wire Desk", "By Our Correspondent", "By Agency Staff")

# (pattern, replacement) edits of function words a sub-editor makes.
_FUNCTION_EDITS = (
    (r"\bhas said\b", "said"),
    (r"\bsaid that\b", "said"),
    (r"\bsays\b", "said"),
    (r"\bwill\b", "would"),
    (r"\bis\b", "was"),
    (r"\bare\b", "were"),
    (r"\bin order to\b", "to"),
    (r"\bthe\b", "this"),
    (r"\bhas\b", "had"),
    (r"\bbut\b", "though"),
    (r"\bhowever\b", "but"),
    (r"\bon (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", r"\1"),
)
_SPELLINGS = (
    ("ise", "ize"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("our", "or"),
    ("ence", "ense"),
    ("tre", "ter"),
)
_SMALL_NUMBERS = {
    str(n): w for n, w in enumerate("zero one two three four five six seven eight nine ten".split())
}
_TRAILING_ATTRIBUTION = re.compile(
    r",\s+(?:he|she|they|police|officials|the \w+|[A-Z]\w+(?: [A-Z]\w+)?)"
    r" (?:said|says|added|told [\w ]+)\.$"
)
_WORD = re.compile(r"[A-Za-z]+")
# Words a sub-editor cuts without changing the fact (besides adverbs in -ly).
_MODIFIERS = frozenset(
    "also now still just already very even new former senior recent young major".split()
)


SYNONYMS_FILE = Path(__file__).with_name("data") / "wordnet_synonyms.txt"
_WORDNET_FILES = {
    "a": ("index.adj", "data.adj"),
    "v": ("index.verb", "data.verb"),
    "n": ("index.noun", "data.noun"),
}


def build_synonyms(wordnet: Path, words: Iterable[str]) -> dict[str, list[str]]:
    """Each word's synonyms in its most frequent WordNet sense (single-word lemmas only)."""
    wanted = set(words)
    found: dict[str, list[str]] = {}
    for index_name, data_name in _WORDNET_FILES.values():
        offsets = {}
        for line in (wordnet / index_name).read_text("utf-8").splitlines():
            fields = line.split()
            if line.startswith(" ") or not fields or fields[0] not in wanted:
                continue
            offsets[fields[0]] = int(fields[-int(fields[2])])
        with (wordnet / data_name).open("rb") as data:
            for word, offset in sorted(offsets.items()):
                data.seek(offset)
                fields = data.readline().decode("utf-8").split()
                count = int(fields[3], 16)
                lemmas = [fields[4 + 2 * k].split("(")[0].lower() for k in range(count)]
                others = [w for w in lemmas if w != word and w.isalpha()]
                if others and word not in found:
                    found[word] = others
    return found


def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, list[str]]:
    """The vendored synonym list: a word, then its synonyms, a line (comments start with #)."""
    table = {}
    for line in path.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            word, *others = line.split()
            table[word] = others
    return table


@dataclass(frozen=True)
class Request:
    """One generated request: its documents and a label for each content sentence."""

    name: str
    fold: int
    documents: list[Document]
    # (article id, sentence index) -> label; two sentences are the same when labels are equal.
    labels: dict[tuple[str, int], str]
    copies: frozenset[tuple[str, str]]


@dataclass
class Counts:
    """Pair and article outcomes summed over requests."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_within: int = 0
    articles_right: int = 0
    requests: int = 0

    def add(self, other: Counts) -> None:
        """Add another request's counts to these."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.fp_within += other.fp_within
        self.articles_right += other.articles_right
        self.requests += other.requests

    def metrics(self) -> dict[str, float]:
        """Pair precision, recall and F1, and the share of requests whose copies are exact."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        exact = self.articles_right / self.requests if self.requests else 1.0
        return {"precision": precision, "recall": recall, "f1": f1, "copies_exact": exact}


# --- the set ---------------------------------------------------------------------------


def load_articles(path: Path = FRANK_FILE) -> list[ArticleInput]:
    """FRANK's articles, one per row, with short ids."""
    articles = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        for article in row["articles"]:
            articles.append(ArticleInput(id=article["id"][:10], body=article["text"]))
    return articles


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _function_edit(text: str, rng: random.Random) -> str:
    edits = [(p, r) for p, r in _FUNCTION_EDITS if re.search(p, text)]
    if not edits:
        return text
    pattern, replacement = rng.choice(edits)
    return re.sub(pattern, replacement, text, count=1)


def _reorder_clauses(text: str, rng: random.Random) -> str:
    """ "A, B." as "B, a." where both sides are long enough to be clauses."""
    body = text.rstrip(".")
    cuts = [m.start() for m in re.finditer(r", ", body)]
    cuts = [c for c in cuts if len(body[:c].split()) >= 4 and len(body[c + 2 :].split()) >= 4]
    if not cuts or '"' in text or "“" in text:
        return text
    cut = rng.choice(cuts)
    first, second = body[:cut], body[cut + 2 :]
    if not first[:2].isupper():
        first = first[:1].lower() + first[1:]
    return f"{_capitalise(second)}, {first}."


def _respell(text: str, rng: random.Random) -> str:
    words = []
    for british, american in _SPELLINGS:
        for m in re.finditer(rf"\b[a-z]{{3,}}(?:{british}|{american})\b", text):
            words.append((m, british, american))
    if not words:
        return text
    match, british, american = rng.choice(words)
    word = match.group()
    other = (
        word[: -len(british)] + american
        if word.endswith(british)
        else word[: -len(american)] + british
    )
    return text[: match.start()] + other + text[match.end() :]


def _spell_number(text: str, rng: random.Random) -> str:
    found = list(re.finditer(r"(?<![\d.,:])\b([0-9]|10)\b(?![.,:]\d)", text))
    if not found:
        return text
    m = rng.choice(found)
    return text[: m.start()] + _SMALL_NUMBERS[m.group()] + text[m.end() :]


def _drop_attribution(text: str, rng: random.Random) -> str:
    return _TRAILING_ATTRIBUTION.sub(".", text)


def _drop_modifier(text: str, rng: random.Random) -> str:
    words = [
        m
        for m in _WORD.finditer(text)
        if m.start() > 0 and (m.group() in _MODIFIERS or m.group().endswith("ly"))
    ]
    if not words:
        return text
    m = rng.choice(words)
    return (text[: m.start()] + text[m.end() :].lstrip(" ")).replace("  ", " ")


def _paraphrase(text: str, rng: random.Random) -> str:
    """One to three words replaced by a synonym (WordNet's most frequent sense)."""
    synonyms = _synonyms()
    found = [m for m in _WORD.finditer(text) if m.start() > 0 and m.group() in synonyms]
    for m in sorted(
        rng.sample(found, min(len(found), rng.randint(1, 3))), key=lambda m: -m.start()
    ):
        text = text[: m.start()] + rng.choice(synonyms[m.group()]) + text[m.end() :]
    return text


def _generic_subject(text: str, rng: random.Random) -> str:
    """A leading name ("Tokyo and Rome", "Prime Minister Jane Doe") as a description."""
    m = re.match(r"(?:[A-Z][\w'-]+ ){1,4}(?=[a-z])", text)
    if m is None or len(m.group().split()) < 2:
        return text
    return rng.choice(_DESCRIPTIONS) + " " + text[m.end() :]


_synonym_table: dict[str, list[str]] = {}


def _synonyms() -> dict[str, list[str]]:
    if not _synonym_table:
        _synonym_table.update(load_synonyms())
    return _synonym_table


_HEAVY = (_function_edit, _reorder_clauses, _paraphrase, _generic_subject, _drop_modifier)


def rewrite_heavily(text: str, rng: random.Random) -> str:
    """Three to five edits, synonyms and a described subject among them: another outlet's."""
    for _ in range(rng.randint(3, 5)):
        text = rng.choice(_HEAVY)(text, rng)
    return text


_REWORDINGS = (
    _function_edit,
    _reorder_clauses,
    _respell,
    _spell_number,
    _drop_attribution,
    _drop_modifier,
)


def reword(text: str, rng: random.Random) -> str:
    """One to three light edits of a sentence (a sub-editor's, not a new sentence)."""
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(_REWORDINGS)(text, rng)
    return text


def change_number(text: str, rng: random.Random) -> str | None:
    """The same sentence stating another number, or None when it states none."""
    found = list(re.finditer(r"\b\d+\b", text))
    if not found:
        return None
    m = rng.choice(found)
    return text[: m.start()] + str(int(m.group()) + rng.randint(1, 9)) + text[m.end() :]


@dataclass
class _Copy:
    text: str = ""
    # (start, end) in the copy's text -> label of the sentence written there.
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def write(self, text: str, label: str | None = None) -> None:
        start = len(self.text)
        self.text += text
        if label is not None:
            self.spans.append((start, len(self.text), label))


def syndicate(original: Document, rng: random.Random) -> tuple[str, list[tuple[int, int, str]]]:
    """A syndicated copy of the article, and the label of each sentence span written."""
    out = _Copy()
    out.write(rng.choice(_BYLINES) + "\n\n")
    content = [s for s in original.sentences if not s.boilerplate]
    keep = max(2, math.ceil(len(content) * rng.uniform(0.6, 1.0)))
    kept = content[:keep]
    repeat_at = rng.randrange(len(kept)) if rng.random() < REPEAT_SHARE else None
    previous_end = kept[0].start if kept else 0
    skip = False
    for n, sentence in enumerate(kept):
        if skip:
            skip = False
            continue
        out.write(original.text[previous_end : sentence.start] if n else "")
        label: str | None = normalise(sentence.text)
        text = sentence.text
        roll = rng.random()
        if roll < NUMBER_CHANGE_SHARE and (changed := change_number(text, rng)) is not None:
            text, label = changed, f"changed:{original.id}:{sentence.index}"
        elif roll < NUMBER_CHANGE_SHARE + REWORD_SHARE:
            text = reword(text, rng)
        elif roll < NUMBER_CHANGE_SHARE + REWORD_SHARE + REWRITE_SHARE:
            text, label, skip = _rewrite(kept, n, rng)
        out.write(text, label or UNSCORED)
        previous_end = kept[n + 1].end if skip else sentence.end
    if repeat_at is not None:
        repeated = kept[repeat_at]
        out.write("\n\n")
        out.write(reword(repeated.text, rng), normalise(repeated.text))
    for line in rng.sample(_BOILERPLATE, 2):
        out.write("\n\n")
        out.write(line, f"boilerplate:{line}")
    return out.text, out.spans


def _rewrite(
    kept: Sequence[SourceSentence], n: int, rng: random.Random
) -> tuple[str, str | None, bool]:
    """A heavier rewrite of sentence n: (text, label or None when unscored, next consumed).

    Another outlet's rewrite (synonyms, a described subject, several edits), a detail added
    from elsewhere in the story, a last clause cropped, or the sentence fused with the next
    one: a fusion states two facts, so it is the same as neither and different from neither,
    and its pairs are not scored.
    """
    sentence = kept[n]
    body = sentence.text.rstrip(" .")
    others = [s for s in kept if s is not sentence and len(s.text.split()) >= 8]
    choices = ("heavy", "heavy", "detail", "crop", "fuse")
    choice = rng.choice(choices if n + 1 < len(kept) else choices[:-1])
    if choice == "heavy":
        return rewrite_heavily(sentence.text, rng), normalise(sentence.text), False
    if choice == "fuse":
        following = kept[n + 1].text
        return f"{body}, while {following[:1].lower()}{following[1:]}", None, True
    if choice == "crop" and ", " in body and len(body.rsplit(", ", 1)[0].split()) >= 6:
        return body.rsplit(", ", 1)[0] + ".", normalise(sentence.text), False
    if not others:
        return sentence.text, normalise(sentence.text), False
    words = rng.choice(others).text.rstrip(" .").split()
    start = rng.randrange(max(1, len(words) - 6))
    detail = " ".join(words[start : start + rng.randint(4, 7)])
    return f"{body}, {detail}.", normalise(sentence.text), False


def quote_into(
    related: Document, original: Document, rng: random.Random
) -> tuple[str, list[tuple[int, int, str]]]:
    """The related article, most often with one sentence of the original borrowed into it.

    An independent report that quotes one paragraph of the wire: the one pair of sentences
    the two articles share must be grouped although the articles are not copies.
    """
    spans = [(s.start, s.end, normalise(s.text)) for s in related.sentences]
    donors = [s for s in original.content_sentences if len(s.text.split()) >= 8]
    content = related.content_sentences
    if not donors or not content or rng.random() >= BORROW_SHARE:
        return related.text, spans
    donor = rng.choice(donors)
    borrowed = rng.choice((donor.text, reword(donor.text, rng), rewrite_heavily(donor.text, rng)))
    at = rng.choice(content).end
    inserted = f" {borrowed}"
    shift = len(inserted)
    text = related.text[:at] + inserted + related.text[at:]
    moved = [(a + shift, b + shift, label) if a >= at else (a, b, label) for a, b, label in spans]
    return text, [*moved, (at + 1, at + shift, normalise(donor.text))]


def _label_copy(
    copy: Document, spans: Sequence[tuple[int, int, str]]
) -> dict[tuple[str, int], str]:
    """Each copy sentence's label: that of the span it overlaps most (its own when none).

    Where the copy's sentences are split differently from what was written (a lost full stop
    glues two), a sentence and a written span that mostly coincide share the label; a sentence
    that coincides with none is left unscored rather than guessed.
    """
    labels = {}
    for sentence in copy.sentences:
        overlaps = [
            (min(end, sentence.end) - max(start, sentence.start), end - start, label)
            for start, end, label in spans
            if start < sentence.end and sentence.start < end
        ]
        size, written, label = max(overlaps, default=(0, 0, f"new:{copy.id}:{sentence.index}"))
        if overlaps and size < MOSTLY * max(written, sentence.end - sentence.start):
            label = UNSCORED
        labels[(copy.id, sentence.index)] = label
    return labels


def _content_words(document: Document) -> Counter[str]:
    return Counter(w for w in _WORD.findall(document.text.lower()) if len(w) > 3)


def _most_related(documents: Sequence[Document]) -> list[int]:
    """For each article, the other article whose words are most alike (cosine of counts)."""
    vectors = [_content_words(d) for d in documents]
    norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vectors]
    related = []
    for i, vec in enumerate(vectors):
        best = max(
            (j for j in range(len(documents)) if j != i),
            key=lambda j: sum(c * vectors[j].get(w, 0) for w, c in vec.items()) / norms[j],
        )
        related.append(best)
    return related


def build_requests(articles: Sequence[ArticleInput], seed: int = SEED) -> list[Request]:
    """One request per article: it, its syndicated copy, and its most related other article."""
    originals = [ingest_article(a) for a in articles]
    related = _most_related(originals)
    folds = list(range(len(originals)))
    random.Random(seed).shuffle(folds)
    requests = []
    for i, original in enumerate(originals):
        rng = random.Random(f"{seed}:{original.id}")
        text, copy_spans = syndicate(original, rng)
        copy = ingest_article(ArticleInput(id=f"{original.id}-copy", body=text))
        text, spans = quote_into(originals[related[i]], original, rng)
        other = ingest_article(ArticleInput(id=f"{originals[related[i]].id}-related", body=text))
        labels = {(original.id, s.index): normalise(s.text) for s in original.sentences}
        labels |= _label_copy(copy, copy_spans)
        labels |= _label_copy(other, spans)
        requests.append(
            Request(
                name=original.id,
                fold=folds[i] % FOLDS,
                documents=[original, copy, other],
                labels=labels,
                copies=frozenset({(original.id, copy.id), (copy.id, original.id)}),
            )
        )
    return requests


# --- scoring ---------------------------------------------------------------------------


def _pairs_within(counts: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def score_groups(request: Request, groups: SourceGroups) -> Counts:
    """Pair outcomes of one grouping against the request's labels, counted group by group."""
    labels = request.labels
    content = [(s.article_id, s.index) for d in request.documents for s in d.content_sentences]
    scored = [key for key in content if labels[key] != UNSCORED]
    same_pairs = _pairs_within(Counter(labels[key] for key in scored).values())
    counts = Counts(requests=1)
    for group in groups.groups:
        keys = [k for m in group.members if labels[k := (m.article_id, m.index)] != UNSCORED]
        right = _pairs_within(Counter(labels[k] for k in keys).values())
        counts.tp += right
        counts.fp += _pairs_within([len(keys)]) - right
        within = _pairs_within(Counter(k[0] for k in keys).values())
        within_right = _pairs_within(Counter((k[0], labels[k]) for k in keys).values())
        counts.fp_within += within - within_right
    counts.fn = same_pairs - counts.tp
    found = {(a, b) for a, others in groups.duplicates_of.items() for b in others}
    counts.articles_right = int(found == request.copies)
    return counts


def candidate_recall(request: Request, scored: ScoredRequest) -> tuple[int, int, int]:
    """Same-labelled unit pairs: (scored, sharing enough rare words to be proposed, all).

    The middle figure is what comparing every pair of units would propose; the first is what
    MinHash LSH proposed and the hard rules (numbers, negation) let through.
    """
    units = scored.units
    frequency: Counter[str] = Counter()
    for unit in units:
        frequency.update({w: len(unit.members) for w in unit.features.words})
    rare = [{w for w in u.features.words if frequency[w] <= MAX_BLOCKING_DF} for u in units]
    label = [request.labels[(u.members[0].article_id, u.members[0].index)] for u in units]
    wanted = [
        (a, b) for a, b in combinations(range(len(units)), 2) if label[a] == label[b] != UNSCORED
    ]
    blocked = [(a, b) for a, b in wanted if len(rare[a] & rare[b]) >= MIN_SHARED_WORDS]
    return sum(p in scored.scores for p in blocked), len(blocked), len(wanted)


def calibrations() -> list[Calibration]:
    """Every calibration of the grid, in a fixed order."""
    return [Calibration(*values) for values in product(*GRID.values())]


def evaluate(
    scored: Sequence[tuple[Request, ScoredRequest]], candidates: Sequence[Calibration]
) -> dict[Calibration, list[Counts]]:
    """Each calibration's counts on each request (requests in the given order)."""
    return {
        calibration: [score_groups(r, group_scored(s, calibration)) for r, s in scored]
        for calibration in candidates
    }


def _total(counts: Sequence[Counts], keep: Iterable[int]) -> Counts:
    total = Counts()
    for i in keep:
        total.add(counts[i])
    return total


def cross_validate(
    scored: Sequence[tuple[Request, ScoredRequest]], table: dict[Calibration, list[Counts]]
) -> tuple[Counts, list[Calibration]]:
    """Held-out counts summed over folds, and the calibration each fold's training chose."""
    held_out = Counts()
    chosen = []
    for fold in range(FOLDS):
        train = [i for i, (r, _) in enumerate(scored) if r.fold != fold]
        test = [scored[i] for i, (r, _) in enumerate(scored) if r.fold == fold]
        calibration = fit(table, train)
        chosen.append(calibration)
        held_out.add(_total(evaluate(test, [calibration])[calibration], range(len(test))))
    return held_out, chosen


def _errors(counts: Counts) -> int:
    return counts.fp + counts.fn


def fit(table: dict[Calibration, list[Counts]], keep: Sequence[int]) -> Calibration:
    """The middle of the plateau of fewest pair errors (false merges plus missed pairs).

    The grid point with the fewest errors is found first (ties go to the earlier one). The
    errors hardly move over wide ranges of each bar, and a point at the edge of such a
    plateau is one pair away from a change: each bar is set to the middle of the run of grid
    values around the best point (the others held there) that make at most one error more.
    """
    errors = {c: _errors(_total(counts, keep)) for c, counts in table.items()}
    best = min(calibrations(), key=lambda c: errors[c])
    middle = {}
    for name, values in GRID.items():
        at = values.index(getattr(best, name))
        near = [
            i
            for i in range(len(values))
            if errors[replace(best, **{name: values[i]})] <= errors[best] + 1
        ]
        low = high = at
        while low - 1 in near:
            low -= 1
        while high + 1 in near:
            high += 1
        middle[name] = round((values[low] + values[high]) / 2, 4)
    return Calibration(**middle)


def _line(name: str, counts: Counts) -> str:
    m = counts.metrics()
    return (
        f"{name:<34} precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}"
        f"  within-article false merges {counts.fp_within}  copies exact {m['copies_exact']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the set, cross-validate the grid, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frank", type=Path, default=FRANK_FILE)
    parser.add_argument("--write", type=Path, help="save the generated requests as JSONL")
    parser.add_argument(
        "--build-synonyms",
        type=Path,
        metavar="WORDNET_DIR",
        help="rebuild the vendored synonym list from WordNet's dict files, e.g. /usr/share/wordnet",
    )
    args = parser.parse_args(argv)
    if args.build_synonyms:
        write_synonyms(args.build_synonyms, load_articles(args.frank))
    requests = build_requests(load_articles(args.frank))
    if args.write:
        write_requests(requests, args.write)
    scored = [(r, score_request(r.documents)) for r in requests]
    recalls = [candidate_recall(r, s) for r, s in scored]
    found, blocked, wanted = (sum(r[k] for r in recalls) for k in range(3))
    sentences = sum(len(r.labels) for r in requests)
    print(f"{len(requests)} requests, {sentences} sentences, {wanted} same-labelled unit pairs")
    print(
        f"candidates: {blocked} share {MIN_SHARED_WORDS}+ rare words; LSH proposed and scored "
        f"{found} of them ({found / blocked:.3f})"
    )
    table = evaluate(scored, calibrations())
    held_out, chosen = cross_validate(scored, table)
    print(_line("5-fold CV, held-out folds", held_out))
    for fold, calibration in enumerate(chosen):
        print(f"  fold {fold} chose {calibration}")
    everything = range(len(requests))
    best = fit(table, list(everything))
    extra = evaluate(scored, [best, CALIBRATION])
    print(_line("fitted on all (in-sample)", _total(extra[best], everything)))
    print(f"  fitted on all: {best}")
    print(_line("shipped CALIBRATION (in-sample)", _total(extra[CALIBRATION], everything)))
    return 0


def write_synonyms(wordnet: Path, articles: Sequence[ArticleInput]) -> None:
    """Vendor the synonyms of every lower-case word of the articles (so runs need no WordNet)."""
    words = {w for a in articles for w in _WORD.findall(a.body) if w.islower() and len(w) > 3}
    table = build_synonyms(wordnet, words)
    header = (
        "# Synonyms from WordNet 3.0 (Debian's wordnet-base dict files): for each lower-case\n"
        "# word of FRANK's articles, the other single-word lemmas of its most frequent sense,\n"
        "# adjectives first, then verbs, then nouns. Built by\n"
        "# `python -m evals.grouping_pairs --build-synonyms /usr/share/wordnet`; used only to\n"
        "# generate reworded copies for evals/grouping_pairs.py.\n"
    )
    lines = [" ".join([w, *table[w]]) for w in sorted(table)]
    SYNONYMS_FILE.write_text(header + "\n".join(lines) + "\n", "utf-8")


def write_requests(requests: Sequence[Request], path: Path) -> None:
    """The generated set as JSONL: the articles and every content sentence's label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for r in requests:
            row = {
                "name": r.name,
                "fold": r.fold,
                "articles": [{"id": d.id, "text": d.text} for d in r.documents],
                "labels": [
                    {
                        "article_id": s.article_id,
                        "index": s.index,
                        "label": r.labels[(s.article_id, s.index)],
                    }
                    for d in r.documents
                    for s in d.content_sentences
                ],
                "copies": sorted(map(list, r.copies)),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
