"""The extractive summariser: deterministic, offline, multi-document (`SUMMARIZER_MODEL=mock`).

Sentences are ranked by centrality across sources (a LexRank-style degree over TF-IDF
cosine), corroboration and position, then chosen greedily without redundancy (MMR). Every
sentence it writes is a verbatim source sentence, with that sentence as its evidence.
`summarise_groups` takes the grouped sources directly (the pipeline's fallback);
`ExtractiveModel` serves the same summary behind the model interface, reading only the prompt
(the blocks of `service.drafting.wire_format`), so it can also be served over the OpenAI wire.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import BaseModel

from service.domain import SentenceGroup
from service.drafting.clauses import forms
from service.drafting.corroboration import Corroboration, figures, key_figure, support_terms
from service.drafting.drafts import (
    DraftEvent,
    DraftQuote,
    DraftSentence,
    Evidence,
    RepairDraft,
    RepairedSentence,
    SummaryDraft,
)
from service.drafting.wire_format import (
    CandidateLine,
    ParsedBlocks,
    SourceLine,
    parse_blocks,
)
from service.errors import ModelOutputError
from service.llm.base import ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from service.text.lexicon import MONTHS, PLACE_KEY, RANKING_STOPWORDS, WEEKDAYS
from service.text.token_count import count_tokens

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_QUOTE_RE = re.compile(r"[“\"]([^“”\"]{12,}?)[”\"]")
_CAP_SEQ_RE = re.compile(
    r"\b([A-Z][a-z]+(?:[-’'][A-Za-z]+)?(?:\s+[A-Z][a-z]+(?:[-’'][A-Za-z]+)?)+)"
)
_MONTHS = "|".join(name.capitalize() for name in sorted(MONTHS, key=len, reverse=True))
_WEEKDAYS = "|".join(day.capitalize() for day in sorted(WEEKDAYS))
_DATE_RE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.? \d{{1,2}}(?:, \d{{4}})?|\d{{1,2}} (?:{_MONTHS})(?: \d{{4}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|(?:on )?(?:{_WEEKDAYS}))\b"
)
_PLACE_RE = re.compile(r"\b(?:in|at) ([A-Z][a-z]+(?: [A-Z][a-z]+)?)")
_SPEECH_VERBS = "said|says|noted|added|stressed|responded|wrote|told|stated|explained|remarked"
_PRONOUNS = ("she", "he")
_TERMINAL = (".", "!", "?", "”", '"', "’", "'", ")")


def _terms(text: str) -> list[str]:
    """Content words, lower-cased and lightly stemmed, for similarity."""
    out = []
    for word in _WORD_RE.findall(text.lower()):
        word = word.replace("’", "'").removesuffix("'s")
        if word in RANKING_STOPWORDS or len(word) < 2:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


@dataclass
class _Line:
    key: str
    article_ids: tuple[str, ...]
    text: str
    evidence: tuple[tuple[str, str], ...]
    position: int  # index of the line within its first article
    words: int
    vector: dict[str, float]
    score: float = 0.0
    central: float = 0.0  # centrality across other articles, in [0, 1]
    # The independent outlets (clusters of copies) estimated to state it.
    outlets: frozenset[int] = frozenset()

    @property
    def title_like(self) -> bool:
        """A headline-shaped line: short, no closing punctuation, not shouting."""
        letters = [c for c in self.text if c.isalpha()]
        shouting = bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        return 5 <= self.words <= 24 and not self.text.endswith(_TERMINAL) and not shouting

    @property
    def sentence_like(self) -> bool:
        """A full sentence fit to be a key point; a short one too where it gives a figure
        ("Officials said 13 people were killed.")."""
        shortest = 5 if figures(self.text) else 6
        return shortest <= self.words <= 80 and self.text.rstrip().endswith(_TERMINAL)

    @property
    def quoted_share(self) -> float:
        inside = sum(len(m.group(1)) for m in _QUOTE_RE.finditer(self.text))
        return inside / max(1, len(self.text))


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


@dataclass(frozen=True)
class _Space:
    """The TF-IDF space of one request's lines."""

    doc_freq: Counter[str]
    total: int

    def vector(self, terms: Sequence[str]) -> dict[str, float]:
        counts = Counter(terms)
        # Plain IDF: a term on (nearly) every line, such as the event's protagonists, tells
        # one fact from another not at all, so it weighs (nearly) nothing.
        vector = {
            t: (1 + math.log(c)) * math.log(self.total / max(1, self.doc_freq[t]))
            for t, c in counts.items()
        }
        vector = {t: v for t, v in vector.items() if v > 0}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}


def _build_lines(items: Sequence[CandidateLine]) -> tuple[list[_Line], Corroboration]:
    """Vectorise lines with TF-IDF over the lines themselves and score their centrality."""
    term_lists = [_terms(item.text) for item in items]
    space = _Space(Counter(term for terms in term_lists for term in set(terms)), len(items))
    positions: Counter[str] = Counter()
    lines: list[_Line] = []
    for item, terms in zip(items, term_lists, strict=True):
        first = item.article_ids[0] if item.article_ids else ""
        lines.append(
            _Line(
                key=item.key,
                article_ids=item.article_ids,
                text=item.text,
                evidence=tuple(item.evidence) or ((first, item.text),),
                position=positions[first],
                words=len(item.text.split()),
                vector=space.vector(terms),
            )
        )
        positions[first] += 1
    corroboration = Corroboration(
        [item.text for item in items], [item.article_ids or ("",) for item in items]
    )
    for line in lines:
        line.outlets = corroboration.outlets(line.text)
    _score(lines)
    return lines, corroboration


def _centrality(lines: list[_Line]) -> None:
    """Each line's summed similarity to the lines of other articles, scaled into [0, 1]."""
    centrality = []
    for i, line in enumerate(lines):
        own = set(line.article_ids)
        centrality.append(
            sum(
                _cosine(line.vector, other.vector)
                for j, other in enumerate(lines)
                if j != i and not own.issuperset(other.article_ids)
            )
        )
    top = max(centrality, default=0.0) or 1.0
    for line, central in zip(lines, centrality, strict=True):
        line.central = central / top


def _score(lines: list[_Line]) -> None:
    """Centrality, corroboration by independent outlets, key figures and lead position."""
    _centrality(lines)
    _rescore(lines)


def _rescore(lines: Sequence[_Line]) -> None:
    most = max((len(line.outlets) for line in lines), default=1)
    for line in lines:
        corroboration = (len(line.outlets) - 1) / max(1, most - 1)
        lead = 1.0 / (1.0 + 0.25 * line.position)
        figure = 1.0 if key_figure(line.text) else 0.0
        line.score = 0.5 * line.central + 0.3 * corroboration + 0.2 * lead + 0.05 * figure


# What a shorter form's detail is worth against one more outlet stating it: a form that
# drops half of the sentence's distinctive words must gain more than one outlet.
DETAIL_WEIGHT = 2.5


def _shared_form(line: _Line, corroboration: Corroboration) -> _Line:
    """The form of a sentence that best trades the outlets stating it against the detail it
    keeps (the whole sentence where no shorter form gains), without a trailing attribution."""
    whole = corroboration.weight(support_terms(line.text)) or 1.0
    best: tuple[float, _Line] | None = None
    for form in forms(line.text):
        outlets = corroboration.outlets(form.text) | line.outlets
        detail = corroboration.weight(support_terms(form.text)) / whole
        value = len(outlets) + DETAIL_WEIGHT * detail
        if best is not None and value <= best[0]:
            continue
        best = (
            value,
            replace(
                line,
                text=form.text,
                evidence=_evidence_of(line, form.quote),
                words=len(form.text.split()),
                vector=_reweigh(line.vector, _terms(form.text)),
                outlets=outlets,
            ),
        )
    return best[1] if best else line


def _evidence_of(line: _Line, quote: str) -> tuple[tuple[str, str], ...]:
    """A shorter form's evidence: the part of a source line it copies; a candidate point
    (a reduce) keeps the evidence it came with, which states all of it."""
    return tuple((aid, quote if given == line.text else given) for aid, given in line.evidence)


def _reweigh(reference: dict[str, float], terms: Sequence[str]) -> dict[str, float]:
    """A shorter form's vector: its parent's weights for the terms it keeps, renormalised."""
    kept = {t: reference[t] for t in set(terms) if t in reference}
    norm = math.sqrt(sum(v * v for v in kept.values())) or 1.0
    return {t: v / norm for t, v in kept.items()}


def _topics(lines: Sequence[_Line], threshold: float) -> list[list[_Line]]:
    """Single-pass clustering: each line joins the topic it is most similar to on average."""
    topics: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: (-line.score, line.key)):
        best, best_sim = None, threshold
        for topic in topics:
            sim = sum(_cosine(line.vector, member.vector) for member in topic) / len(topic)
            if sim > best_sim:
                best, best_sim = topic, sim
        if best is None:
            topics.append([line])
        else:
            best.append(line)
    return topics


def _topic_leads(candidates: list[_Line], said: Sequence[_Line], threshold: float) -> list[_Line]:
    """One line per topic, topics ranked by how many independent outlets report them.

    A fact many outlets report matters more than one outlet's aside; within a topic the
    wording most outlets share speaks for it, the most central among those. Topics the
    headline and event already state are skipped.
    """
    ranked = []
    for topic in _topics(candidates, threshold):
        outlets = frozenset().union(*(line.outlets for line in topic))
        best = max(topic, key=lambda line: (len(line.outlets), line.score))
        if _said(best, said):
            continue
        ranked.append((len(outlets) + sum(line.score for line in topic) / len(topic), best))
    ranked.sort(key=lambda item: (-item[0], item[1].key))
    return [best for _, best in ranked]


def _said(line: _Line, said: Sequence[_Line]) -> bool:
    return any(_cosine(line.vector, s.vector) > 0.5 for s in said)


def _select(
    candidates: list[_Line],
    limit: int,
    said: Sequence[_Line] = (),
    corroboration: Corroboration | None = None,
    threshold: float = 0.15,
) -> list[_Line]:
    """The lead line of each topic, then, when the topics run out, the other lines several
    outlets state, most corroborated first (a topic can hold more than one fact); one point
    per fact: a line that restates a chosen point, the headline or the event is skipped."""
    leads = _topic_leads(candidates, said, threshold)
    rest = sorted(
        (line for line in candidates if all(line is not lead for lead in leads)),
        key=lambda line: (-(len(line.outlets) + line.score), line.key),
    )
    rest = [line for line in rest if len(line.outlets) > 1 and not _said(line, said)]
    chosen: list[_Line] = []
    for line in leads + rest:
        if len(chosen) >= limit:
            break
        if any(line.text == c.text for c in chosen):
            continue
        if corroboration is None or not any(
            _restates(line, c, corroboration) for c in [*said, *chosen]
        ):
            chosen.append(line)
    return chosen


def _restates(line: _Line, other: _Line, corroboration: Corroboration) -> bool:
    """Whether two points tell the same fact: the core of one (any of its forms, the whole
    sentence included) is stated by the other, as an outlet's line would state it."""
    return any(corroboration.states(form.text, other.text) for form in forms(line.text)) or any(
        corroboration.states(form.text, line.text) for form in forms(other.text)
    )


def _draft_sentence(line: _Line) -> DraftSentence:
    return DraftSentence(
        text=line.text,
        evidence=[Evidence(article_id=aid, quote=quote) for aid, quote in line.evidence],
    )


# Titles, and every demonym of the general country table ("Japanese", "Peruvian"): words that
# stand before a name without being part of it.
_TITLE_WORDS = frozenset(
    """prime minister president premier foreign chancellor king queen prince princess secretary
    general chief mr mrs ms dr sir lord minister's state deputy vice senator governor mayor
    """.split()
) | frozenset(form for form, key in PLACE_KEY.items() if form != key)


def _name_pairs(lines: Sequence[_Line]) -> dict[str, set[str]]:
    """Capitalised two-word sequences (titles left out), with the articles that write them."""
    seen: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        for match in _CAP_SEQ_RE.finditer(line.text):
            words = [
                w
                for w in match.group(1).split()
                if w.lower() not in _TITLE_WORDS and w.lower() not in RANKING_STOPWORDS
            ]
            for k in range(len(words) - 1):
                seen[" ".join(words[k : k + 2])].update(line.article_ids)
    return seen


def _words_alone(lines: Sequence[_Line]) -> Counter[str]:
    """How often each word stands without a capitalised word (other than a title) before it."""
    alone: Counter[str] = Counter()
    for line in lines:
        words = line.text.split()
        for k, word in enumerate(words):
            previous = words[k - 1] if k else ""
            if not previous[:1].isupper() or previous.lower() in _TITLE_WORDS:
                alone[word.strip(",.:;”’'\"")] += 1
    return alone


def _known_names(lines: Sequence[_Line]) -> list[str]:
    """Person-like names: capitalised pairs in several articles whose surname recurs alone."""
    seen = _name_pairs(lines)
    alone = _words_alone(lines)
    names = [
        name
        for name, articles in seen.items()
        if len(articles) >= 2 and alone[name.split()[-1]] >= 2 and not re.search(_MONTHS, name)
    ]
    return sorted(names, key=lambda n: (-len(seen[n]), n))


def _speaker_before(text: str, names: Sequence[str]) -> str | None:
    """The last known name (or its surname) written in `text`, as written there."""
    best: tuple[int, str] | None = None
    for name in names:
        for form in (name, name.split()[-1]):
            for match in re.finditer(rf"\b{re.escape(form)}\b", text):
                if best is None or match.end() > best[0]:
                    best = (match.end(), form)
    return best[1] if best else None


def _same_words(a: str, b: str) -> bool:
    """Two quotations that are copies of each other (syndication, light edits)."""
    words_a, words_b = set(_terms(a)), set(_terms(b))
    return len(words_a & words_b) >= 0.8 * max(1, min(len(words_a), len(words_b)))


def _quote_speaker(
    text: str, match: re.Match[str], before: str, names: Sequence[str], last: str | None
) -> str | None:
    """Who a quotation in `text` is given to: a name before it, else "he said" or "said
    Name" after it."""
    speaker = _speaker_before(before, names)
    if speaker is not None:
        return speaker
    after = text[match.end() : match.end() + 80]
    pronoun = re.match(rf"\W*(\w+) ({_SPEECH_VERBS})\b", after)
    if pronoun is not None and pronoun.group(1).lower() in _PRONOUNS:
        return last
    clause = re.match(r"[^.“”\"]*", after)
    if clause is None or not re.search(rf"\b(?:{_SPEECH_VERBS})\b", clause.group(0)):
        return None
    return _speaker_after(clause.group(0), names)


def _speaker_after(clause: str, names: Sequence[str]) -> str | None:
    """The first known name (or its surname) in the clause after a quotation."""
    best: tuple[int, str] | None = None
    for name in names:
        for form in (name, name.split()[-1]):
            found = re.search(rf"\b{re.escape(form)}\b", clause)
            if found and (best is None or found.start() < best[0]):
                best = (found.start(), form)
    return best[1] if best else None


# A capitalised name beside a speech verb ("said Ana Ruiz", "Minister Ana Ruiz told").
_NAME = r"[A-Z][a-z]+(?:[-’'][A-Za-z]+)?(?:\s+[A-Z][a-z]+(?:[-’'][A-Za-z]+)?)+"
_SPEAKER_RES = (
    re.compile(rf"\b(?:{_SPEECH_VERBS})\s+(?:(?:Dr|Mr|Mrs|Ms)\.?\s+)?({_NAME})"),
    re.compile(rf"({_NAME})\s+(?:{_SPEECH_VERBS})\b"),
)


def _speakers(lines: Sequence[_Line]) -> list[str]:
    """Names written beside a speech verb, titles left out: the people a line quotes, even
    when only one article names them."""
    found: dict[str, None] = {}
    for line in lines:
        for pattern in _SPEAKER_RES:
            for match in pattern.finditer(line.text):
                words = [w for w in match.group(1).split() if w.lower() not in _TITLE_WORDS]
                if len(words) >= 2:
                    found.setdefault(" ".join(words[-2:]), None)
    return list(found)


def _line_quotes(
    line: _Line, article: str, names: Sequence[str], last: str | None
) -> list[DraftQuote]:
    """The quotations of six words or more in one line that have a speaker."""
    found = []
    cursor = 0
    for match in _QUOTE_RE.finditer(line.text):
        before = line.text[cursor : match.start()]
        speaker = _quote_speaker(line.text, match, before, names, last)
        cursor = match.end()
        if speaker is None or len(match.group(1).split()) < 6:
            continue
        quote = match.group(1).strip().rstrip(",")
        found.append(DraftQuote(speaker=speaker, quote=quote, article_id=article))
    return found


def _novelty(quote: str, said: frozenset[str]) -> float:
    """The share of a quotation's content words the summary has not said yet."""
    terms = set(_terms(quote))
    return len(terms - said) / len(terms) if terms else 0.0


def _quotes(
    lines: Sequence[_Line], names: Sequence[str], limit: int, said: frozenset[str] = frozenset()
) -> list[DraftQuote]:
    """Verbatim quotations of six words or more, each with the speaker its line names.

    A quotation earns its place by what it adds: ranked by the share of its words the summary
    has not said yet, then by its line's importance.
    """
    found: list[tuple[float, DraftQuote]] = []
    last_speaker: dict[str, str] = {}
    for line in lines:
        article = line.article_ids[0] if line.article_ids else ""
        for quote in _line_quotes(line, article, names, last_speaker.get(article)):
            found.append((_novelty(quote.quote, said) + line.score, quote))
        latest = _speaker_before(line.text, names)
        if latest:
            last_speaker[article] = latest
    found.sort(key=lambda item: -item[0])
    return _several_voices([quote for _, quote in found], limit)


def _several_voices(ranked: Sequence[DraftQuote], limit: int) -> list[DraftQuote]:
    """First one quote per speaker, then fill up: several voices beat one voice repeated."""
    chosen: list[DraftQuote] = []
    for new_voices_only in (True, False):
        for quote in ranked:
            voices = {c.speaker for c in chosen}
            if len(chosen) >= limit or any(_same_words(quote.quote, c.quote) for c in chosen):
                continue
            if not new_voices_only or quote.speaker not in voices:
                chosen.append(quote)
    return chosen


def _event_of(line: _Line, names: Sequence[str]) -> tuple[int, DraftEvent] | None:
    """How many of who (up to two), where and when a sentence names, and the event it
    gives; None where it names none of them."""
    if not line.sentence_like:
        return None
    who = [n for n in names if n in line.text]
    place = next(
        (
            m.group(1)
            for m in _PLACE_RE.finditer(line.text)
            if not re.fullmatch(_MONTHS, m.group(1))
        ),
        None,
    )
    when = _DATE_RE.search(line.text)
    features = min(len(who), 2) + (place is not None) + (when is not None)
    if features < 1:
        return None
    event = DraftEvent(
        text=line.text,
        evidence=_draft_sentence(line).evidence,
        who=who,
        where=place,
        when=when.group(0).removeprefix("on ") if when else None,
    )
    return features, event


def _event(
    lines: Sequence[_Line], names: Sequence[str], headline: _Line | None = None
) -> DraftEvent | None:
    """The sentence that best says who met where and when, with those parts copied out: any
    sentence that names one of them gives an event, the one naming most of them is chosen;
    a headline sentence that names as many of them is that sentence (said once)."""
    best: tuple[float, int, DraftEvent] | None = None
    for line in map(_unattributed, lines):
        found = _event_of(line, names)
        if found is not None and (best is None or found[0] + line.score > best[0]):
            best = (found[0] + line.score, found[0], found[1])
    if best is not None and headline is not None and not headline.title_like:
        found = _event_of(_unattributed(headline), names)
        if found is not None and found[0] >= best[1]:
            return found[1]
    return best[2] if best else None


def _unattributed(line: _Line) -> _Line:
    """The line without a trailing attribution (", the agency reports, citing police.")."""
    whole = forms(line.text)[0]
    if whole.text == line.text:
        return line
    return replace(
        line,
        text=whole.text,
        evidence=_evidence_of(line, whole.quote),
        words=len(whole.text.split()),
    )


def _headline(lines: Sequence[_Line], sentences: Sequence[_Line]) -> _Line:
    """The most central headline-shaped line, else the most central short sentence."""
    titles = [line for line in lines if line.title_like]
    if titles:
        return max(titles, key=lambda line: (line.score, line.key))
    short = [line for line in sentences if line.words <= 40] or sentences or lines
    return max(short, key=lambda line: (line.score, line.key))


def _key_lines(
    lines: Sequence[_Line],
    sentences: Sequence[_Line],
    headline: _Line,
    event: DraftEvent | None,
    limit: int,
    corroboration: Corroboration,
) -> list[_Line]:
    """Key points add outcomes: what the headline and the event sentence said is not repeated.
    Each is the form of its sentence that most independent outlets state."""
    said = [headline] + [
        line for line in lines if event is not None and _unattributed(line).text == event.text
    ]
    pool = [line for line in sentences if line not in said] or list(sentences) or list(lines)
    shared = [_shared_form(line, corroboration) for line in pool]
    _rescore(shared)
    return _select(shared, limit, said, corroboration)


def _given_quotes(quotes: Sequence[SourceLine], limit: int) -> list[DraftQuote]:
    """Candidate quotations (`Speaker: words`), kept in the order given."""
    return [
        DraftQuote(speaker=speaker, quote=words, article_id=q.article_ids[0])
        for q in quotes[:limit]
        for speaker, _, words in [q.text.partition(": ")]
    ]


def summarise_lines(
    items: Sequence[CandidateLine],
    max_points: int,
    max_quotes: int,
    given_quotes: Sequence[SourceLine] = (),
) -> SummaryDraft:
    """The extractive summary of source lines (or of candidate points, in a reduce).

    Quotations come from `given_quotes` when there are any, else from the lines themselves.
    """
    lines, corroboration = _build_lines(items)
    if not lines:
        raise ModelOutputError("there are no source sentences to summarise")
    names = _known_names(lines)
    sentences = [line for line in lines if line.sentence_like and line.quoted_share < 0.5]
    headline = _headline(lines, sentences)
    if not headline.title_like:
        # A sentence for a headline: the form of it the outlets share, as for a key point.
        shared = _shared_form(headline, corroboration)
        headline = _unattributed(headline) if shared.text == headline.text else shared
    event = _event(lines, names, headline)
    key_lines = _key_lines(lines, sentences, headline, event, max_points, corroboration)
    if given_quotes:
        quotes = _given_quotes(given_quotes, max_quotes)
    else:
        said_terms = frozenset(
            term for line in [headline, *key_lines] for term in line.vector
        ) | frozenset(_terms(event.text) if event else ())
        speakers = list(dict.fromkeys([*names, *_speakers(lines)]))
        quotes = _quotes(lines, speakers, max_quotes, said_terms)
    return SummaryDraft(
        headline=_draft_sentence(headline),
        event=event,
        key_points=[_draft_sentence(line) for line in key_lines],
        quotes=quotes,
    )


def summarise_groups(
    groups: Sequence[SentenceGroup], max_points: int, max_quotes: int
) -> SummaryDraft:
    """The extractive summary of a request's grouped source sentences, with no prompt between."""
    return summarise_lines(
        [CandidateLine(g.id, tuple(g.article_ids), g.text) for g in groups], max_points, max_quotes
    )


# A prompt that reaches it over the wire carries its limits in words only: the API's defaults
# then, which the pipeline cuts down to the request's own (the selection ranks, so the first
# few of eight are the few it would have chosen).
_DEFAULT_KEY_POINTS = 8
_DEFAULT_QUOTES = 4


def _summarise_prompt(blocks: ParsedBlocks, request: ModelRequest[OutputT]) -> SummaryDraft:
    """The summary a prompt asks for: of its sources, else of its candidate points."""
    items: list[CandidateLine] = [
        CandidateLine(s.key, s.article_ids, s.text) for s in blocks.sources
    ] or list(blocks.candidates)
    return summarise_lines(
        items,
        _DEFAULT_KEY_POINTS if request.max_key_points is None else request.max_key_points,
        _DEFAULT_QUOTES if request.max_quotes is None else request.max_quotes,
        blocks.quotes,
    )


def _numbered_items(prompt: str) -> list[tuple[int, str]]:
    """`[n] sentence` items listed outside the tagged blocks (the repair prompt)."""
    return [(int(m.group(1)), m.group(2)) for m in re.finditer(r"(?m)^\[(\d+)\] (.+)$", prompt)]


def _closest_line(text: str, lines: Sequence[_Line]) -> tuple[_Line | None, float]:
    terms = _terms(text)
    if not terms:
        return None, 0.0
    best, best_share = None, 0.0
    for line in lines:
        share = sum(1 for t in terms if t in line.vector) / len(terms)
        if share > best_share:
            best, best_share = line, share
    return best, best_share


def repair_items(blocks: ParsedBlocks, prompt: str) -> RepairDraft:
    """Replace each failed sentence by the source sentence that states most of it, if any."""
    lines, _ = _build_lines([CandidateLine(s.key, s.article_ids, s.text) for s in blocks.sources])
    repairs = []
    for index, text in _numbered_items(prompt):
        line, share = _closest_line(text, lines)
        fix = _draft_sentence(line) if line is not None and share >= 0.6 else None
        repairs.append(RepairedSentence(index=index, sentence=fix))
    return RepairDraft(repairs=repairs)


class ExtractiveModel:
    """The extractive summariser behind the model interface; answers from the prompt alone."""

    # The name clients see in `run.model`, and what SUMMARIZER_MODEL selects it by.
    name = "mock"
    profile = ModelProfile(
        offline=True,
        reports_progress=False,
        # Its repairs would be lexical checks of what the verifier already checked.
        can_repair=False,
        # Every sentence it writes is already extractive: a fallback would say the same.
        extractive_fallback=False,
    )

    def __init__(self, context_tokens: int = 16_384) -> None:
        self.context_tokens = context_tokens

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Answer from the prompt and the request's limits; same request, same reply."""
        prompt = "\n".join(m.content for m in request.messages)
        blocks = parse_blocks(prompt)
        output: BaseModel
        if request.output_type is SummaryDraft:
            output = _summarise_prompt(blocks, request)
        elif request.output_type is RepairDraft:
            output = repair_items(blocks, prompt)
        else:
            raise ModelOutputError(
                f"the extractive model cannot produce {request.output_type.__name__}"
            )
        raw = output.model_dump_json()
        usage = Usage(
            calls=1, prompt_tokens=count_tokens(prompt), completion_tokens=count_tokens(raw)
        )
        return ModelReply(
            output=request.output_type.model_validate(output.model_dump()),
            raw=raw,
            model=self.name,
            usage=usage,
        )

    async def aclose(self) -> None:
        """Nothing to release: it holds no connection."""
