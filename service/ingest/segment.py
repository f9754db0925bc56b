"""Ingest: submitted articles become Documents with sentence offsets and boilerplate marks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import trafilatura

from service.config import Settings
from service.domain import ArticleInput, Document, SourceSentence, first_repeated
from service.errors import ClientError, PayloadTooLarge
from service.ingest.furniture import Span, inline_boilerplate_spans, mark_boilerplate
from service.ingest.pysbd_rules import SEGMENTER

_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Invisible characters trimmed from sentence edges along with whitespace.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_ENDS_UNIT = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
# "home.Half of parents": a lower-case word, terminal punctuation and a capitalised word with no
# space, as left by scrapers that drop paragraph breaks. pysbd does not split these.
_GLUED = re.compile(r"(?<![\w.@/-])[a-z]{2,}[.!?][\"'”’)]?(?=[A-Z][a-z]|[AI]\s)")

# A line shorter than this that does not end a sentence is a unit of its own (menu item,
# headline, byline), never the first half of a wrapped sentence.
_MIN_WRAPPED_LINE = 30
# Fixed-width wrapping (e-mail, wire copy) uses narrow columns; wider lines are paragraphs.
_MAX_WRAP_WIDTH = 100
_MIN_FULL_LINES = 2
_FULL_LINE_SHARE = 0.75
# Longer blocks are given to pysbd in windows (see _sentence_starts).
_PYSBD_WHOLE = 10_000
_PYSBD_WINDOW = 5_000
_SPACE_RUN = re.compile(r"\s+")
# Every character pysbd's English rules may end a sentence at (its boundary regex also ends
# sentences at closing brackets and quotes).
_SENTENCE_END = re.compile("[.!?…。．！？ȸȹ☉☈☇☄)）」\"'”]")


def ingest_articles(
    articles: Sequence[ArticleInput],
    settings: Settings,
    before_each: Callable[[], None] | None = None,
) -> list[Document]:
    """Ingest a request's articles in order, enforcing the configured input limits.

    `before_each` runs before every article: the pipeline's check that its caller is still
    there (it raises to stop), so a large set ingested in a thread stops within an article.
    """
    check_input_limits(articles, settings)
    documents = []
    for i, article in enumerate(articles):
        if before_each is not None:
            before_each()
        try:
            documents.append(ingest_article(article))
        except ClientError as e:
            # ingest_article cannot know the article's position; the client needs it.
            where = f"articles[{i}]" + (f".{e.field}" if e.field else "")
            raise ClientError(e.detail, field=where) from e
    return documents


def check_input_limits(articles: Sequence[ArticleInput], settings: Settings) -> None:
    """Refuse more articles or longer ones than configured, and a repeated article id."""
    if len(articles) > settings.max_articles:
        raise PayloadTooLarge(
            f"{len(articles)} articles given; at most {settings.max_articles} are accepted",
            field="articles",
        )
    repeated = first_repeated(a.id for a in articles)
    for i, article in enumerate(articles):
        if i == repeated:
            raise ClientError(f"duplicate article id {article.id!r}", field=f"articles[{i}].id")
        if len(article.body) > settings.max_article_chars:
            raise PayloadTooLarge(
                f"article {article.id!r} has {len(article.body)} characters; "
                f"at most {settings.max_article_chars} are accepted",
                field=f"articles[{i}].{article.input_format}",
            )


def ingest_article(article: ArticleInput) -> Document:
    """One article as a Document: its text, sentences with offsets, and boilerplate marks."""
    title = article.title
    text = article.body
    if article.input_format == "html":
        text = extract_html(article.body)
        if not text.strip():
            raise ClientError(
                f"no text could be extracted from the html of {article.id!r}", field="html"
            )
        title = title or _html_title(article.body)
    spans = split_sentences(text)
    marks = mark_boilerplate(text, spans)
    sentences = [
        SourceSentence(
            article_id=article.id,
            index=i,
            start=start,
            end=end,
            text=text[start:end],
            boilerplate=boilerplate,
        )
        for i, ((start, end), boilerplate) in enumerate(zip(spans, marks, strict=True))
    ]
    return Document(
        id=article.id,
        text=text,
        sentences=sentences,
        input_format=article.input_format,
        title=title,
        source=article.source,
        url=article.url,
        published_at=article.published_at,
    )


def extract_html(html: str) -> str:
    """The main text of an html page, empty when it has none."""
    text = trafilatura.extract(html, include_comments=False, favor_recall=True)
    if not text or not text.strip():
        # extract gives up on pages it cannot find an article in; take all their text instead.
        text = trafilatura.html2txt(html)
    return text or ""


def _html_title(html: str) -> str | None:
    metadata = trafilatura.extract_metadata(html)
    return metadata.title if metadata is not None and metadata.title else None


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of `text`: ordered, disjoint, non-empty and trimmed of whitespace."""
    cuts = _inline_cuts(text)
    spans: list[Span] = []
    for block_start, block_end, wrapped in _blocks(text):
        block_spans: list[Span] = []
        for start, end in _block_pieces(text, block_start, block_end, wrapped, cuts):
            trimmed = _trim(text, start, end)
            if trimmed is None:
                continue
            # A piece without letters or digits ("." after "© 2026.") belongs to the sentence
            # it trails; alone it would be an unciteable fragment.
            if block_spans and not any(c.isalnum() for c in text[trimmed[0] : trimmed[1]]):
                block_spans[-1] = (block_spans[-1][0], trimmed[1])
            else:
                block_spans.append(trimmed)
        spans.extend(block_spans)
    return spans


def _blocks(text: str) -> Iterator[tuple[int, int, list[Span]]]:
    """Units of text that hard line breaks separate, with the soft (wrapping) breaks inside."""
    lines = _lines(text)
    paragraph: list[Span] = []
    for line in [*lines, None]:
        if line is not None and text[line[0] : line[1]].strip():
            paragraph.append(line)
            continue
        yield from _paragraph_blocks(text, paragraph)
        paragraph = []


def _lines(text: str) -> list[Span]:
    lines = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append((start, match.start()))
        start = match.end()
    lines.append((start, len(text)))
    return lines


def _paragraph_blocks(text: str, lines: list[Span]) -> Iterator[tuple[int, int, list[Span]]]:
    """Split a paragraph (no blank lines) at every line break that ends a unit."""
    if not lines:
        return
    stripped = [text[s:e].strip() for s, e in lines]
    width = max(len(s) for s in stripped)
    # Wrapped text fills most of its longer lines to the column; one long line above a stack of
    # short ones (a notice over menu items) is not wrapped.
    long_lines = [len(s) for s in stripped[:-1] if len(s) >= _MIN_WRAPPED_LINE]
    full = sum(1 for n in long_lines if n >= _FULL_LINE_SHARE * width)
    fixed_width = (
        width <= _MAX_WRAP_WIDTH and full >= _MIN_FULL_LINES and 2 * full >= len(long_lines)
    )
    block_start = lines[0][0]
    soft: list[Span] = []
    for i in range(len(lines) - 1):
        if _soft_break(stripped[i], stripped[i + 1], width if fixed_width else None):
            soft.append((lines[i][1], lines[i + 1][0]))
        else:
            yield block_start, lines[i][1], soft
            block_start, soft = lines[i + 1][0], []
    yield block_start, lines[-1][1], soft


def _soft_break(line: str, following: str, width: int | None) -> bool:
    """Whether a single line break only wraps a sentence that continues on the next line."""
    if _ENDS_UNIT.search(line) or len(line) < _MIN_WRAPPED_LINE:
        return False
    if following[0].islower():
        return True
    # In fixed-width text a line breaks early only where the next word would not have fitted.
    first_word = following.split(maxsplit=1)[0]
    return width is not None and len(line) + 1 + len(first_word) > width


def _block_pieces(
    text: str, start: int, end: int, soft_breaks: list[Span], cuts: list[int]
) -> Iterator[Span]:
    """Consecutive pieces tiling text[start:end], cut where a sentence starts."""
    block = text[start:end]
    if soft_breaks:
        # Same-length substitution keeps offsets valid while pysbd sees one running text.
        chars = list(block)
        for s, e in soft_breaks:
            chars[s - start : e - start] = " " * (e - s)
        block = "".join(chars)
    bounds = set(_sentence_starts(block))
    bounds.update(m.end() for m in _GLUED.finditer(block))
    bounds.update(c - start for c in cuts if start < c < end)
    bounds.add(0)
    ordered = sorted(b for b in bounds if 0 <= b < len(block))
    for a, b in zip(ordered, [*ordered[1:], len(block)], strict=True):
        yield start + a, start + b


def _sentence_starts(block: str) -> list[int]:
    """Where sentences start in `block`, by pysbd, one bounded window at a time.

    pysbd's time grows with the square of its input (a 200,000-character paragraph takes over a
    minute), so past _PYSBD_WHOLE characters it reads _PYSBD_WINDOW at a time; the last sentence
    of each window, which may run past the window's edge, is read again at the start of the next.
    """
    last_alnum = len(block)
    while last_alnum and not block[last_alnum - 1].isalnum():
        last_alnum -= 1
    if not _SENTENCE_END.search(block, 0, max(last_alnum - 1, 0)):
        # Nothing pysbd could split at before the last letter or digit (a menu item, a
        # headline, a one-sentence paragraph): skip its fixed cost. A split after it could only
        # start a piece without letters or digits, which joins the sentence before it anyway.
        return [0]
    if len(block) <= _PYSBD_WHOLE:
        return _pysbd_starts(block)
    starts: list[int] = []
    pos = 0
    while True:
        window = block[pos : pos + _PYSBD_WINDOW]
        found = [pos + s for s in _pysbd_starts(window)]
        if pos + len(window) >= len(block):
            return starts + found
        if len(found) > 1:
            starts.extend(found[:-1])
            pos = found[-1]
            continue
        # A whole window without a sentence boundary: cut after its last space (or anywhere)
        # so that the next window makes progress.
        starts.extend(found)
        spaces = [m.end() for m in _SPACE_RUN.finditer(window) if 0 < m.end() < len(window)]
        pos += spaces[-1] if spaces else len(window)
        starts.append(pos)


def _pysbd_starts(block: str) -> list[int]:
    """Where pysbd starts sentences in `block`, each found in the text after the previous one.

    pysbd's own offsets (`char_span`) come from a regular expression compiled for every
    sentence, a third of its time, and can land on an earlier copy of a repeated sentence; its
    sentences are searched for here instead, forward from the previous one's end, and one not
    found (a sentence pysbd altered) is dropped: its text stays in the previous sentence rather
    than getting a wrong offset.
    """
    starts = []
    cursor = 0
    for sentence in SEGMENTER.processor(block).process():
        core = sentence.strip()
        found = block.find(core, cursor) if core else -1
        if found < 0:
            continue
        starts.append(found)
        cursor = found + len(core)
    return starts


def _inline_cuts(text: str) -> list[int]:
    return sorted({i for span in inline_boilerplate_spans(text) for i in span})


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
        end -= 1
    return (start, end) if start < end else None
