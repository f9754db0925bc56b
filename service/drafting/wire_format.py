"""The textual form in which sources and candidate points travel inside a prompt.

One module owns both directions, so the prompt a real model reads and the parser the extractive
model uses can never drift apart. Every item is one line, and text is folded onto that line,
so an article cannot forge a line of its own or close the block it sits in.

    <articles>
    [000_abc] source=Example Wire | title=... | published=2026-01-16
    </articles>
    <source_sentences>
    [g1 | 000_abc, 002_def] Sentence text as in the article.
    </source_sentences>
    <candidate_points>
    [c1 | 000_abc] A candidate summary sentence.
      evidence 000_abc: a verbatim quote
    </candidate_points>
    <candidate_quotes>
    [q1 | 000_abc] Speaker Name: the quoted words
    </candidate_quotes>

The checker prompt's document and claim: the cited passages one per line, the sentence on one
line, neither able to open a label of its own ("Claim:" inside a passage reads "Claim -").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from service.domain import SentenceGroup

BLOCKS = ("articles", "source_sentences", "candidate_points", "candidate_quotes")
_TAG_RE = re.compile(r"<\s*/?\s*(?:" + "|".join(BLOCKS) + r")\b", re.IGNORECASE)
_ITEM_RE = re.compile(r"^\[(?P<key>[^\]|]+?)(?: \| (?P<ids>[^\]]*))?\] ?(?P<text>.*)$")
_EVIDENCE_RE = re.compile(r"^  evidence (?P<id>\S+): (?P<quote>.*)$")


def fold(text: str) -> str:
    """One line of text: whitespace folded, and our block tags defused."""
    one_line = " ".join(text.split())
    return _TAG_RE.sub(lambda m: "‹" + m.group(0)[1:], one_line)


@dataclass(frozen=True)
class SourceLine:
    key: str
    article_ids: tuple[str, ...]
    text: str


@dataclass
class CandidateLine:
    key: str
    article_ids: tuple[str, ...]
    text: str
    evidence: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ParsedBlocks:
    articles: list[SourceLine] = field(default_factory=list)
    sources: list[SourceLine] = field(default_factory=list)
    candidates: list[CandidateLine] = field(default_factory=list)
    quotes: list[SourceLine] = field(default_factory=list)


def _wrap(name: str, lines: Iterable[str]) -> str:
    return "\n".join([f"<{name}>", *lines, f"</{name}>"])


class ArticleMeta(Protocol):
    """What the article list shows of an article (a submitted one, or its Document)."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def published_at(self) -> str | None: ...


def render_articles(documents: Sequence[ArticleMeta]) -> str:
    """The article list: ids with the metadata the client gave."""
    lines = []
    for doc in documents:
        meta = [
            f"{label}={fold(value)}"
            for label, value in (
                ("source", doc.source),
                ("title", doc.title),
                ("published", doc.published_at),
            )
            if value
        ]
        lines.append(f"[{doc.id}] " + " | ".join(meta))
    return _wrap("articles", lines)


def render_sources(groups: Sequence[SentenceGroup], max_chars: int = 1_500) -> str:
    """Grouped source sentences, each fact once with every article that states it."""
    lines = []
    for group in groups:
        text = fold(group.text)
        if len(text) > max_chars:
            text = text[:max_chars].rstrip() + " …"
        lines.append(f"[{group.id} | {', '.join(group.article_ids)}] {text}")
    return _wrap("source_sentences", lines)


def render_candidates(candidates: Sequence[CandidateLine]) -> str:
    """Candidate points from map calls, with the evidence each carried."""
    lines = []
    for cand in candidates:
        lines.append(f"[{cand.key} | {', '.join(cand.article_ids)}] {fold(cand.text)}")
        lines.extend(f"  evidence {aid}: {fold(quote)}" for aid, quote in cand.evidence)
    return _wrap("candidate_points", lines)


def render_quotes(quotes: Sequence[SourceLine]) -> str:
    """Candidate quotations: `[key | article] Speaker: words`."""
    return _wrap(
        "candidate_quotes",
        (f"[{q.key} | {', '.join(q.article_ids)}] {fold(q.text)}" for q in quotes),
    )


def _block_tag(line: str) -> tuple[str, bool] | None:
    """`(block name, opens)` when the line is one of our block tags, else None."""
    stripped = line.strip()
    if not (stripped.startswith("<") and stripped.endswith(">")):
        return None
    name = stripped.strip("</>").strip()
    return (name, not stripped.startswith("</")) if name in BLOCKS else None


def _add_item(parsed: ParsedBlocks, block: str, raw: str) -> None:
    """File one line of `block` where it belongs: an item, or evidence of the last candidate."""
    evidence = _EVIDENCE_RE.match(raw)
    if evidence and block == "candidate_points" and parsed.candidates:
        parsed.candidates[-1].evidence.append((evidence["id"], evidence["quote"]))
        return
    item = _ITEM_RE.match(raw)
    if not item:
        return
    ids = tuple(i.strip() for i in (item["ids"] or "").split(",") if i.strip())
    key, text = item["key"].strip(), item["text"]
    if block == "articles":
        parsed.articles.append(SourceLine(key, (key,), text))
    elif block == "source_sentences":
        parsed.sources.append(SourceLine(key, ids, text))
    elif block == "candidate_points":
        parsed.candidates.append(CandidateLine(key, ids, text))
    else:
        parsed.quotes.append(SourceLine(key, ids, text))


def parse_blocks(prompt: str) -> ParsedBlocks:
    """Read back every block found in a prompt (the extractive model's view of its input)."""
    parsed = ParsedBlocks()
    current: str | None = None
    for raw in prompt.splitlines():
        tag = _block_tag(raw)
        if tag is not None:
            name, opens = tag
            current = name if opens else None
        elif current is not None:
            _add_item(parsed, current, raw)
    return parsed


_CHECK_LABEL_RE = re.compile(r"(document|claim)\s*:", re.IGNORECASE)


def check_text(text: str) -> str:
    """One line of a checker prompt: folded, with its own labels defused."""
    return _CHECK_LABEL_RE.sub(lambda m: f"{m.group(1)} -", fold(text))


def check_document(passages: Iterable[str]) -> str:
    """The checker prompt's document: each distinct passage on its own line, in order."""
    return "\n".join(dict.fromkeys(line for p in passages if (line := check_text(p))))
