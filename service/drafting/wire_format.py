"""The textual form in which sources and candidate points travel inside a prompt.

One module owns both directions, so the prompt a real model reads and the parser the extractive
model uses can never drift apart. Every item is one line, and text is folded onto that line,
so an article cannot forge a line of its own or close the block it sits in.

Articles travel under short tags (A, B, ... AA: one or two tokens where an id may cost ten),
which the drafter maps back to the ids the client gave (`ArticleTags`). A source sentence is
sent once, tagged with every article that states it; a line without a tag is stated by the
same articles as the line above (a line whose text starts with "[" is always tagged, so no
text can pass for a tag). A syndicated copy's shared sentences are not repeated: the copy is
named in the tags of the lines it shares, and its `copy of` in the article list.

    <articles>
    [A] source=Example Wire | title=... | published=2026-01-16
    [B] source=Other Paper | copy of A
    </articles>
    <source_sentences>
    [A,B] Sentence text as in the article.
    Another sentence both state.
    [A] A sentence only A states.
    </source_sentences>
    <candidate_points>
    [c1 | A] A candidate summary sentence.
      evidence A: a verbatim quote
    [c2 | B] A candidate that is itself a verbatim passage.
      evidence B: =
    </candidate_points>
    <candidate_quotes>
    [q1 | A] Speaker Name: the quoted words
    </candidate_quotes>

The parser also reads the older `[g1 | id, id] text` source lines, with their keys.

The checker prompt's document and claim: the cited passages one per line, the sentence on one
line, neither able to open a label of its own ("Claim:" inside a passage reads "Claim -").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from service.domain import Document, SentenceGroup

BLOCKS = ("articles", "source_sentences", "candidate_points", "candidate_quotes")
_TAG_RE = re.compile(r"<\s*/?\s*(?:" + "|".join(BLOCKS) + r")\b", re.IGNORECASE)
_ITEM_RE = re.compile(r"^\[(?P<key>[^\]|]+?)(?: \| (?P<ids>[^\]]*))?\] ?(?P<text>.*)$")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# An evidence passage that is its candidate's own text, word for word.
SAME_AS_TEXT = "="
_EVIDENCE_RE = re.compile(r"^  evidence (?P<id>\S+): (?P<quote>.*)$")


@lru_cache(maxsize=8_192)
def fold(text: str) -> str:
    """One line of text: whitespace folded, and our block tags defused.

    Kept for the sentences last seen: a request renders each of its sentences several times
    (the plan's counts, then each call), and a repeated set renders them again."""
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


class ArticleTags:
    """Short prompt tags for a request's article ids, and the way back.

    Without tags (`ArticleTags()`), ids travel as they are.
    """

    def __init__(self, article_ids: Sequence[str] = ()) -> None:
        self._tag = {aid: _letters(n) for n, aid in enumerate(dict.fromkeys(article_ids))}
        self._id = {tag: aid for aid, tag in self._tag.items()}

    def tag(self, article_id: str) -> str:
        """The tag an article travels under (its id when it has none)."""
        return self._tag.get(article_id, article_id)

    def joined(self, article_ids: Iterable[str]) -> str:
        """Several articles' tags, comma-separated."""
        return ",".join(self.tag(aid) for aid in article_ids)

    def article_id(self, tag: str) -> str:
        """The article a tag stands for; anything else (an id written out) is kept as given."""
        return self._id.get(tag.strip(), tag)


def _letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: spreadsheet column names."""
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, len(_LETTERS))
        name = _LETTERS[rest] + name
    return name


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


def copies_of_earlier(
    documents: Sequence[ArticleMeta], copies: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Article id -> the earlier articles it copies, for each article that copies one."""
    order = {doc.id: n for n, doc in enumerate(documents)}
    found: dict[str, list[str]] = {}
    for doc in documents:
        earlier = [c for c in copies.get(doc.id, ()) if order.get(c, len(order)) < order[doc.id]]
        if earlier:
            found[doc.id] = earlier
    return found


def render_articles(
    documents: Sequence[ArticleMeta],
    tags: ArticleTags | None = None,
    copies: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The article list: tags with the metadata the client gave, and what each copies.

    A title that is also one of the article's sentences is left out here: the source block
    carries it (known only of a prepared Document: a submitted article lists its title). A copy
    names the earlier article it copies; that one names none.
    """
    tags = tags or ArticleTags()
    earlier_of = copies_of_earlier(documents, copies or {})
    lines = []
    for doc in documents:
        title = doc.title if doc.title and not _title_is_a_sentence(doc, doc.title) else None
        meta = [
            f"{label}={fold(value)}" if label else fold(value)
            for label, value in (
                ("", doc.source),
                ("title", title),
                ("published", doc.published_at),
            )
            if value
        ]
        if doc.id in earlier_of:
            meta.append(f"copy of {tags.joined(earlier_of[doc.id])}")
        lines.append(f"[{tags.tag(doc.id)}] " + " | ".join(meta))
    return _wrap("articles", lines)


def _title_is_a_sentence(doc: ArticleMeta, title: str) -> bool:
    """Whether a prepared document's title is also one of its content sentences."""
    if not isinstance(doc, Document):
        return False
    folded = fold(title)
    return any(fold(s.text) == folded for s in doc.content_sentences)


def render_sources(
    groups: Sequence[SentenceGroup], tags: ArticleTags | None = None, max_chars: int = 1_500
) -> str:
    """Grouped source sentences, each once, tagged with every article that states it.

    The tag is written where it changes; a text that starts with "[" is always tagged.
    """
    tags = tags or ArticleTags()
    lines = []
    previous: str | None = None
    for group in groups:
        text = fold(group.text)
        if len(text) > max_chars:
            text = text[:max_chars].rstrip() + " …"
        tag = tags.joined(group.article_ids)
        if tag != previous or text.startswith("[") or not text:
            lines.append(f"[{tag}] {text}")
        else:
            lines.append(text)
        previous = tag
    return _wrap("source_sentences", lines)


def render_candidates(candidates: Sequence[CandidateLine], tags: ArticleTags | None = None) -> str:
    """Candidate points from map calls, with the evidence each carried; a passage that is the
    candidate's own text is written `=` (most are: it is sent once, not twice)."""
    tags = tags or ArticleTags()
    lines = []
    for cand in candidates:
        text = fold(cand.text)
        lines.append(f"[{cand.key} | {tags.joined(cand.article_ids)}] {text}")
        lines.extend(
            f"  evidence {tags.tag(aid)}: {SAME_AS_TEXT if fold(quote) == text else fold(quote)}"
            for aid, quote in cand.evidence
        )
    return _wrap("candidate_points", lines)


def render_quotes(quotes: Sequence[SourceLine], tags: ArticleTags | None = None) -> str:
    """Candidate quotations: `[key | article] Speaker: words`."""
    tags = tags or ArticleTags()
    return _wrap(
        "candidate_quotes",
        (f"[{q.key} | {tags.joined(q.article_ids)}] {fold(q.text)}" for q in quotes),
    )


def _block_tag(line: str) -> tuple[str, bool] | None:
    """`(block name, opens)` when the line is one of our block tags, else None."""
    stripped = line.strip()
    if not (stripped.startswith("<") and stripped.endswith(">")):
        return None
    name = stripped.strip("</>").strip()
    return (name, not stripped.startswith("</")) if name in BLOCKS else None


def _add_source(parsed: ParsedBlocks, raw: str) -> None:
    """File one source line: tagged (`[A,B] text`, or the older `[g1 | a, b] text`), or
    untagged, stated by the same articles as the line above."""
    item = _ITEM_RE.match(raw)
    key = f"g{len(parsed.sources) + 1}"
    if item is None:
        if not parsed.sources or not raw:
            return
        parsed.sources.append(SourceLine(key, parsed.sources[-1].article_ids, raw))
        return
    if item["ids"] is None:
        ids = _ids(item["key"])
    else:
        key, ids = item["key"].strip(), _ids(item["ids"])
    parsed.sources.append(SourceLine(key, ids, item["text"]))


def _ids(listed: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in listed.split(",") if i.strip())


def _add_item(parsed: ParsedBlocks, block: str, raw: str) -> None:
    """File one line of `block` where it belongs: an item, or evidence of the last candidate."""
    if block == "source_sentences":
        _add_source(parsed, raw)
        return
    evidence = _EVIDENCE_RE.match(raw)
    if evidence and block == "candidate_points" and parsed.candidates:
        last = parsed.candidates[-1]
        quote = last.text if evidence["quote"] == SAME_AS_TEXT else evidence["quote"]
        last.evidence.append((evidence["id"], quote))
        return
    item = _ITEM_RE.match(raw)
    if not item:
        return
    ids = _ids(item["ids"] or "")
    key, text = item["key"].strip(), item["text"]
    if block == "articles":
        parsed.articles.append(SourceLine(key, (key,), text))
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
