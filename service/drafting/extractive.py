"""The `mock` model: a deterministic, offline, extractive multi-document summariser.

It implements the same interface as a real model and reads only the prompt (the source
blocks of `service.drafting.wire_format`), so it can also be served over the OpenAI wire format.
Sentences are ranked by centrality across sources (a LexRank-style degree over TF-IDF
cosine), corroboration and position, then chosen greedily without redundancy (MMR). Every
sentence it writes is a verbatim source sentence, with that sentence as its evidence.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from service.drafting.drafts import (
    DraftEvent,
    DraftQuote,
    DraftSentence,
    Evidence,
    JudgeDraft,
    Judgement,
    RepairDraft,
    RepairedSentence,
    SummaryDraft,
)
from service.drafting.wire_format import (
    CandidateLine,
    ParsedBlocks,
    parse_blocks,
    parse_judge_items,
)
from service.errors import ModelOutputError
from service.llm.base import ModelReply, ModelRequest, OutputT, Usage
from service.text.lexicon import MONTHS, RANKING_STOPWORDS, WEEKDAYS
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

    @property
    def title_like(self) -> bool:
        """A headline-shaped line: short, no closing punctuation, not shouting."""
        letters = [c for c in self.text if c.isalpha()]
        shouting = bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        return 5 <= self.words <= 24 and not self.text.endswith(_TERMINAL) and not shouting

    @property
    def sentence_like(self) -> bool:
        """A full sentence fit to be a key point."""
        return 8 <= self.words <= 80 and self.text.rstrip().endswith(_TERMINAL)

    @property
    def quoted_share(self) -> float:
        inside = sum(len(m.group(1)) for m in _QUOTE_RE.finditer(self.text))
        return inside / max(1, len(self.text))


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _build_lines(items: Sequence[CandidateLine]) -> list[_Line]:
    """Vectorise lines with TF-IDF over the lines themselves and score their centrality."""
    term_lists = [_terms(item.text) for item in items]
    doc_freq = Counter(term for terms in term_lists for term in set(terms))
    total = len(items)
    positions: Counter[str] = Counter()
    lines: list[_Line] = []
    for item, terms in zip(items, term_lists, strict=True):
        counts = Counter(terms)
        # Plain IDF: a term on (nearly) every line, such as the event's protagonists, tells
        # one fact from another not at all, so it weighs (nearly) nothing.
        vector = {t: (1 + math.log(c)) * math.log(total / doc_freq[t]) for t, c in counts.items()}
        vector = {t: v for t, v in vector.items() if v > 0}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        first = item.article_ids[0] if item.article_ids else ""
        lines.append(
            _Line(
                key=item.key,
                article_ids=item.article_ids,
                text=item.text,
                evidence=tuple(item.evidence) or ((first, item.text),),
                position=positions[first],
                words=len(item.text.split()),
                vector={t: v / norm for t, v in vector.items()},
            )
        )
        positions[first] += 1
    _score(lines)
    return lines


def _score(lines: list[_Line]) -> None:
    """Centrality across other articles, corroboration and lead position, each in [0, 1]."""
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
    most_sources = max((len(line.article_ids) for line in lines), default=1)
    for line, central in zip(lines, centrality, strict=True):
        corroboration = (len(line.article_ids) - 1) / max(1, most_sources - 1)
        lead = 1.0 / (1.0 + 0.25 * line.position)
        line.score = 0.6 * central / top + 0.2 * corroboration + 0.2 * lead


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


def _select(
    candidates: list[_Line], limit: int, said: Sequence[_Line] = (), threshold: float = 0.15
) -> list[_Line]:
    """One line per topic, topics ranked by how many articles report them.

    A fact many outlets report matters more than one outlet's aside; within a topic the most
    central line speaks for it. Topics the headline and event already state are skipped.
    """
    ranked = []
    for topic in _topics(candidates, threshold):
        articles = {aid for line in topic for aid in line.article_ids}
        best = topic[0]
        if any(_cosine(best.vector, s.vector) > 0.5 for s in said):
            continue
        ranked.append((len(articles) + sum(line.score for line in topic) / len(topic), best))
    ranked.sort(key=lambda item: (-item[0], item[1].key))
    return [line for _, line in ranked[:limit]]


def _draft_sentence(line: _Line) -> DraftSentence:
    return DraftSentence(
        text=line.text,
        evidence=[Evidence(article_id=aid, quote=quote) for aid, quote in line.evidence],
    )


_TITLE_WORDS = frozenset(
    """prime minister president premier foreign chancellor king queen prince princess secretary
    general chief mr mrs ms dr sir lord minister's state deputy vice senator governor mayor
    japanese italian american british chinese russian french german european""".split()
)


def _known_names(lines: Sequence[_Line]) -> list[str]:
    """Person-like names: capitalised pairs in several articles whose surname recurs alone."""
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
    alone: Counter[str] = Counter()
    for line in lines:
        words = line.text.split()
        for k, word in enumerate(words):
            previous = words[k - 1] if k else ""
            if not previous[:1].isupper() or previous.lower() in _TITLE_WORDS:
                alone[word.strip(",.:;”’'\"")] += 1
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
        cursor = 0
        for match in _QUOTE_RE.finditer(line.text):
            words = match.group(1).split()
            before = line.text[cursor : match.start()]
            after = line.text[match.end() : match.end() + 40]
            speaker = _speaker_before(before, names)
            if speaker is None:
                pronoun = re.match(rf"\W*(\w+) ({_SPEECH_VERBS})\b", after)
                if pronoun and pronoun.group(1).lower() in _PRONOUNS:
                    speaker = last_speaker.get(article)
                elif pronoun:
                    speaker = _speaker_before(pronoun.group(1), names)
            cursor = match.end()
            if speaker is None or len(words) < 6:
                continue
            quote = match.group(1).strip().rstrip(",")
            terms = set(_terms(quote))
            novelty = len(terms - said) / len(terms) if terms else 0.0
            found.append(
                (novelty + line.score, DraftQuote(speaker=speaker, quote=quote, article_id=article))
            )
        latest = _speaker_before(line.text, names)
        if latest:
            last_speaker[article] = latest
    found.sort(key=lambda item: -item[0])
    chosen: list[DraftQuote] = []
    # First one quote per speaker, then fill up: several voices beat one voice repeated.
    for new_voices_only in (True, False):
        for _, quote in found:
            voices = {c.speaker for c in chosen}
            if len(chosen) >= limit or any(_same_words(quote.quote, c.quote) for c in chosen):
                continue
            if not new_voices_only or quote.speaker not in voices:
                chosen.append(quote)
    return chosen


def _event(lines: Sequence[_Line], names: Sequence[str]) -> DraftEvent | None:
    """The sentence that best says who met where and when, with those parts copied out."""
    best: tuple[float, DraftEvent] | None = None
    for line in lines:
        if not line.sentence_like:
            continue
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
        if features < 3:
            continue
        value = features + line.score
        if best is None or value > best[0]:
            best = (
                value,
                DraftEvent(
                    text=line.text,
                    evidence=_draft_sentence(line).evidence,
                    who=who,
                    where=place,
                    when=when.group(0).removeprefix("on ") if when else None,
                ),
            )
    return best[1] if best else None


def _limits(prompt: str) -> tuple[int, int]:
    """The key-point and quote limits stated in the prompt."""
    points = re.search(r"at most (\d+) (?:sentences|\"key_points\")", prompt)
    quotes = re.search(r"at most (\d+) (?:verbatim quotations|\"quotes\")", prompt)
    return (int(points.group(1)) if points else 8, int(quotes.group(1)) if quotes else 4)


def summarise_blocks(blocks: ParsedBlocks, max_points: int, max_quotes: int) -> SummaryDraft:
    """The extractive summary of the sources (or of candidate points, in a reduce call)."""
    items: list[CandidateLine] = [
        CandidateLine(s.key, s.article_ids, s.text) for s in blocks.sources
    ] or list(blocks.candidates)
    lines = _build_lines(items)
    if not lines:
        raise ModelOutputError("the prompt carries no source sentences to summarise")
    names = _known_names(lines)
    sentences = [line for line in lines if line.sentence_like and line.quoted_share < 0.5]
    titles = [line for line in lines if line.title_like]
    headline = max(titles, key=lambda line: (line.score, line.key), default=None)
    if headline is None:
        short = [line for line in sentences if line.words <= 40] or sentences or lines
        headline = max(short, key=lambda line: (line.score, line.key))
    event = _event(lines, names)
    # Key points add outcomes: what the headline and the event sentence said is not repeated.
    said = [headline] + [line for line in lines if event is not None and line.text == event.text]
    pool = [line for line in sentences if line not in said] or sentences or lines
    key_lines = _select(pool, max_points, said)
    if blocks.quotes:
        quotes = [
            DraftQuote(speaker=speaker, quote=words, article_id=q.article_ids[0])
            for q in blocks.quotes[:max_quotes]
            for speaker, _, words in [q.text.partition(": ")]
        ]
    else:
        said_terms = frozenset(
            term for line in [headline, *key_lines] for term in line.vector
        ) | frozenset(_terms(event.text) if event else ())
        quotes = _quotes(lines, names, max_quotes, said_terms)
    return SummaryDraft(
        headline=_draft_sentence(headline),
        event=event,
        key_points=[_draft_sentence(line) for line in key_lines],
        quotes=quotes,
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
    lines = _build_lines([CandidateLine(s.key, s.article_ids, s.text) for s in blocks.sources])
    repairs = []
    for index, text in _numbered_items(prompt):
        line, share = _closest_line(text, lines)
        fix = _draft_sentence(line) if line is not None and share >= 0.6 else None
        repairs.append(RepairedSentence(index=index, sentence=fix))
    return RepairDraft(repairs=repairs)


def judge_items(prompt: str) -> JudgeDraft:
    """A strict lexical judge: supported only when the passages hold every content word."""
    judgements = []
    for item in parse_judge_items(prompt):
        terms = _terms(item.sentence)
        held = {t for _, passage in item.passages for t in _terms(passage)}
        share = sum(t in held for t in terms) / len(terms) if terms else 0.0
        judgements.append(
            Judgement(
                index=item.index,
                supported=share >= 0.999,
                reason=f"the passages hold {share:.0%} of the sentence's content words",
            )
        )
    return JudgeDraft(judgements=judgements)


class MockModel:
    """Deterministic extractive model behind the real model interface."""

    name = "mock"
    is_extractive_mock = True

    def __init__(self, context_tokens: int = 16_384) -> None:
        self.context_tokens = context_tokens

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Answer from the prompt alone; same prompt, same reply."""
        prompt = "\n".join(m.content for m in request.messages)
        blocks = parse_blocks(prompt)
        output: BaseModel
        if request.output_type is SummaryDraft:
            output = summarise_blocks(blocks, *_limits(prompt))
        elif request.output_type is RepairDraft:
            output = repair_items(blocks, prompt)
        elif request.output_type is JudgeDraft:
            output = judge_items(prompt)
        else:
            raise ModelOutputError(f"the mock model cannot produce {request.output_type.__name__}")
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
