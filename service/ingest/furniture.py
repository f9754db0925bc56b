"""Page boilerplate: which sentences of an article are menus, share links, sign-offs, not news.

The rules are deliberately conservative. A real sentence wrongly marked here can never be
summarised or cited, while a stray menu item left unmarked only costs a little prompt space, so
every rule either matches a narrow, well-known page-furniture pattern or applies only to short
fragments that stand alone on their line.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Span = tuple[int, int]

_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
# A sentence "ends" with terminal punctuation, possibly inside closing quotes or brackets.
_TERMINAL_END = re.compile(r"[.!?…][\"'”’»)\]]*$")

# Any rule matching a longer sentence than this is ignored: a long sentence that merely contains
# a boilerplate phrase is more likely real text glued to it than furniture.
_MAX_PATTERN_WORDS = 30

_COPYRIGHT = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\s*(?:©\s*)?\d{4}|\ball rights reserved\b"
    r"|\bmay not be (?:re)?published\b"
    r"|\b(?:use|reproduction|copying|reprint\w*) of (?:the |our |these |any )?"
    r"(?:materials?|content)\b"
    r".{0,60}\b(?:allowed|permitted|prohibited|forbidden)\b"
    r"|\bhyperlink to\b",
    re.IGNORECASE,
)

_SHARE = re.compile(
    # No word boundary in front: scraped share widgets glue it to an icon name ("share-lineLiked").
    r"liked (?:the|this) (?:story|article|post)\?$"
    r"|\bshare (?:it|this)(?: \w+)? (?:on|via|with) (?:social media|facebook|twitter|your friends)"
    r"|\bshare this with"
    r"|^share(?: this| it)?(?: (?:article|story|page|post))?\W*$"
    r"|^(?:print|e-?mail|tweet|pin)(?: this)?(?: (?:article|story|page))?\W*$"
    r"|\bcopy (?:the |this )?link\b|\blink copied\b"
    r"|\bfollow us on\b"
    r"|\b(?:subscribe|sign up) (?:to|for) (?:our|the) .{0,60}\bnewsletter\b"
    r"|\bclick here\b"
    r"|^read more\b"
    r"|\bscroll down for (?:the )?video\b",
    re.IGNORECASE,
)

# Status messages of embedded players and comment widgets.
_WIDGET_MESSAGE = re.compile(
    r"\bmedia playback is (?:not |un)supported\b|\bnot currently accepting comments\b"
    r"|\bcomments are (?:now )?closed\b|\byour browser does not support\b"
    r"|\b(?:please )?enable javascript\b|\bthis video (?:is not available|can ?not be played)\b",
    re.IGNORECASE,
)

_SEARCH_BOX = re.compile(
    r"\bwhat are you looking for\b|\btype (?:here )?to search\b|^search(?: for| here| news)?\W*$",
    re.IGNORECASE,
)

_COUNTER = re.compile(
    r"^(?:views?|reads?|comments?|likes?|shares?|hits)\s*[:\-]?\s*\d[\d.,\s]*[kKmM]?\W*$",
    re.IGNORECASE,
)

_CONTACT = re.compile(
    r"^(?:(?:e-?mail|contact|tel|phone)\s*:?\s*)?"
    r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+)\W*$",
    re.IGNORECASE,
)

# Wire-service end markers: "(end)", "[END]", "-- END --".
_END_MARKER = re.compile(
    r"^(?:[(\[]\s*end\s*[)\]]|-+\s*end\s*-+|end)(?:\s+\S+){0,2}$", re.IGNORECASE
)

# Interface words that are never news when they make up a whole short fragment.
_UI_WORDS = re.compile(
    r"^(?:(?:twitter|x|facebook|instagram|youtube|telegram|whatsapp|linkedin|pinterest|tiktok"
    r"|reddit|vk|vkontakte|threads|rss|e-?mail|print|share|search|menu|log ?in|sign ?in|sign ?up"
    r"|subscribe|loading|advertisement|home|close|comments?|copy link|apple store|app store"
    r"|google play|play market|play store|back to top|next|previous|more)\W*\s*){1,4}$",
    re.IGNORECASE,
)
# Font-size buttons ("A+", "A-") and similar one-glyph controls.
_FONT_BUTTON = re.compile(r"^[Aa]\s*[+\-−]$")

_BYLINE = re.compile(
    r"^(?:by|written by|report(?:ing|ed) by|edited by|words by|text by|story by|compiled by"
    r"|photos? by)\s+(?P<names>.+)$",
    re.IGNORECASE,
)
_NAME_CONNECTORS = frozenset(
    {"and", "&", "de", "da", "del", "der", "van", "von", "bin", "al", "la", "le", "in", "by"}
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}:\d{2}\b"
    rf"|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b|\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b",
    re.IGNORECASE,
)

# Scripts are folded into families so that a Japanese text mixing kana and kanji is one script.
_SCRIPT_FAMILY = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "CJK": "CJK", "HANGUL": "HANGUL"}
_DOMINANT_SCRIPT_SHARE = 0.7
_FOREIGN_SCRIPT_SHARE = 0.8

# Navigation on one line: items between separators ("Home | News | Sport", "Home > World").
# Symbols that only separate need two of them; dashes and slashes, which also join words in
# headlines ("Japan – Italy talks", "24/7"), need three and spaces around them.
_NAV_SEPARATORS = re.compile(r"\s*[|•·›»>▪◦●⋅]\s*|\s+(?:[/\\~–—-]|::)\s+|\t+|\s{3,}")
_NAV_SYMBOLS = frozenset("|•·›»>▪◦●⋅")
_NAV_ITEM_WORDS = 4
_NAV_ITEM_CHARS = 32
# A page with no prose at all: runs of this many short unpunctuated lines are a link list.
_LINK_RUN = 3

# Sentence shapes used by the positional rules.
_SHORT_LINE_WORDS = 3
_SHORT_LINE_CHARS = 30
_MENU_RUN = 3
_TAIL_WORDS = 6
_PROSE_WORDS = 6
_PROSE_WORDS_UNPUNCTUATED = 15


@dataclass(frozen=True)
class _Sentence:
    text: str
    words: int
    alone_on_line: bool
    # Indices of the hard lines the sentence starts and ends on.
    line: int
    last_line: int
    terminal: bool
    # The text of each hard line the sentence spans.
    line_texts: tuple[str, ...]


def mark_boilerplate(text: str, spans: Sequence[Span]) -> list[bool]:
    """Whether each sentence span of `text` is page boilerplate rather than article content."""
    sentences = _describe(text, spans)
    body_script = _dominant_script(text)
    marks = [_is_boilerplate_alone(s, body_script) for s in sentences]
    _mark_menu_runs(sentences, marks)
    _mark_outside_prose(sentences, marks)
    _mark_link_lists(sentences, marks)
    return marks


def inline_boilerplate_spans(text: str) -> list[Span]:
    """Spans of furniture phrases glued into running text, which ingest cuts out as sentences."""
    return [m.span() for m in _INLINE.finditer(text)]


# Phrases that scraped news pages glue into the running text without a sentence boundary
# ("Scroll down for video Gordon Brown said ..."); cutting them out keeps the real sentence.
_INLINE = re.compile(
    r"\bScroll down for (?:the )?video\b"
    r"|\bMedia playback is (?:not |un)supported on (?:this|your) device"
    r"|\bShare this with(?:\s*(?:E-?mail|Facebook|Messenger|Twitter|Pinterest|WhatsApp|LinkedIn"
    r"|Copy this link))+",
    re.IGNORECASE,
)


def _describe(text: str, spans: Sequence[Span]) -> list[_Sentence]:
    breaks = list(_LINE_BREAK.finditer(text))
    line_starts = [0] + [m.end() for m in breaks]
    line_ends = [m.start() for m in breaks] + [len(text)]
    out: list[_Sentence] = []
    for start, end in spans:
        first_line = bisect_right(line_starts, start) - 1
        last_line = bisect_right(line_starts, max(start, end - 1)) - 1
        sentence = text[start:end]
        alone = (
            not text[line_starts[first_line] : start].strip()
            and not text[end : line_ends[last_line]].strip()
        )
        out.append(
            _Sentence(
                text=sentence,
                words=len(_WORD.findall(sentence)),
                alone_on_line=alone,
                line=first_line,
                last_line=last_line,
                terminal=bool(_TERMINAL_END.search(sentence)),
                line_texts=tuple(_LINE_BREAK.split(sentence)),
            )
        )
    return out


def _is_boilerplate_alone(sentence: _Sentence, body_script: str | None) -> bool:
    """Rules that judge one sentence by itself."""
    text = sentence.text.strip()
    if not any(map(str.isalpha, text)):
        return True
    if body_script is not None and _is_foreign_script(text, body_script):
        return True
    if _matches_furniture_pattern(text, sentence.words):
        return True
    # Labels, bylines and datelines read like text when they run on into a sentence.
    return sentence.alone_on_line and (
        _is_section_label(sentence)
        or _is_byline(text)
        or _is_dateline(sentence)
        or is_navigation_line(text)
    )


def is_navigation_line(text: str) -> bool:
    """Whether a line is only short items between separators: a menu or a breadcrumb trail."""
    separators = [m.group().strip() for m in _NAV_SEPARATORS.finditer(text.strip())]
    items = [item.strip() for item in _NAV_SEPARATORS.split(text.strip())]
    needed = 2 if separators and all(sep in _NAV_SYMBOLS for sep in separators) else 3
    if len(separators) < needed or len(set(separators)) > 1:
        return False
    return all(
        item
        and len(item) <= _NAV_ITEM_CHARS
        and len(_WORD.findall(item)) <= _NAV_ITEM_WORDS
        and not _TERMINAL_END.search(item)
        for item in items
    )


def _matches_furniture_pattern(text: str, words: int) -> bool:
    """Whether the text holds a furniture phrase or is wholly a counter, contact or control."""
    if words <= _MAX_PATTERN_WORDS and (
        _COPYRIGHT.search(text)
        or _SHARE.search(text)
        or _SEARCH_BOX.search(text)
        or _WIDGET_MESSAGE.search(text)
    ):
        return True
    return bool(
        _COUNTER.match(text)
        or _CONTACT.match(text)
        or _END_MARKER.match(text)
        or _UI_WORDS.match(text)
        or _FONT_BUTTON.match(text)
    )


def _is_section_label(sentence: _Sentence) -> bool:
    letters = [c for c in sentence.text if c.isalpha()]
    return (
        sentence.words <= _SHORT_LINE_WORDS
        and len(letters) >= 2
        and not sentence.terminal
        and all(not c.islower() for c in letters)
    )


def _is_byline(text: str) -> bool:
    match = _BYLINE.match(text)
    if match is None or text.endswith(("!", "?")):
        return False
    words = match.group("names").replace(";", " ").replace(",", " ").split()
    if not words or len(words) > 12:
        return False
    # A name list is capitalised words and connectors ("By Ann Lee and Bo Kim"), which tells a
    # byline from a sentence that happens to start with "By" ("By Friday, the talks had ...").
    named = [w for w in words if w[0].isupper() or w.lower() in _NAME_CONNECTORS]
    return len(named) == len(words) and any(w[0].isupper() for w in words)


def _is_dateline(sentence: _Sentence) -> bool:
    # A timestamp line carries no reported fact; the article's date travels as metadata.
    if sentence.terminal or sentence.words > 8 or not _DATE.search(sentence.text):
        return False
    remainder = _DATE.sub(" ", sentence.text)
    lower_words = [w for w in _WORD.findall(remainder) if w[0].islower()]
    return len(lower_words) <= 2


def _mark_menu_runs(sentences: Sequence[_Sentence], marks: list[bool]) -> None:
    """Runs of short unpunctuated lines are navigation, whatever the words are."""
    run: list[int] = []
    for i, sentence in enumerate([*sentences, None]):
        # Blank lines may separate the items: scraped menus often come out one per paragraph.
        if sentence is not None and _is_short_line(sentence):
            run.append(i)
            continue
        if len(run) >= _MENU_RUN:
            for j in run:
                marks[j] = True
        run = []


def _mark_outside_prose(sentences: Sequence[_Sentence], marks: list[bool]) -> None:
    """Short unpunctuated lines before the first or after the last prose sentence are furniture.

    After the prose only sign-offs follow (outlet names, taglines); before it, short labels. A
    longer line before the prose is the headline and stays content.
    """
    prose = [i for i, s in enumerate(sentences) if _is_prose(s) and not marks[i]]
    if not prose:
        return
    first, last = prose[0], prose[-1]
    for i, sentence in enumerate(sentences):
        if not sentence.alone_on_line or sentence.terminal:
            continue
        after = i > last and sentence.words <= _TAIL_WORDS
        before = i < first and sentence.words <= _SHORT_LINE_WORDS
        if after or before:
            marks[i] = True


def _mark_link_lists(sentences: Sequence[_Sentence], marks: list[bool]) -> None:
    """On a page with no prose at all, runs of unpunctuated lines are lists of links.

    Only there: beside prose the same shape may be a headline over a standfirst, or a list
    of facts, which must stay content.
    """
    if any(_is_prose(s) and not marks[i] and not _is_line_list(s) for i, s in enumerate(sentences)):
        return
    run: list[int] = []
    lines = 0
    for i, sentence in enumerate([*sentences, None]):
        if sentence is not None and sentence.alone_on_line and not sentence.terminal:
            run.append(i)
            lines += sentence.last_line - sentence.line + 1
            continue
        if lines >= _LINK_RUN:
            for j in run:
                marks[j] = True
        run, lines = [], 0


def _is_line_list(sentence: _Sentence) -> bool:
    """Lines read as one wrapped sentence that are really a list: each starts a new item.

    Titles of equal length look like text wrapped at a narrow column; wrapped prose ends in
    punctuation and continues lines with lower-case words.
    """
    if sentence.terminal or len(sentence.line_texts) < 2:
        return False
    return all(
        line.strip()[:1].isupper() or line.strip()[:1].isdigit() for line in sentence.line_texts
    )


def _is_short_line(sentence: _Sentence) -> bool:
    return (
        sentence.alone_on_line
        and not sentence.terminal
        and sentence.words <= _SHORT_LINE_WORDS
        and len(sentence.text.strip()) <= _SHORT_LINE_CHARS
    )


def _is_prose(sentence: _Sentence) -> bool:
    if sentence.terminal:
        return sentence.words >= _PROSE_WORDS
    return sentence.words >= _PROSE_WORDS_UNPUNCTUATED


@lru_cache(maxsize=16_384)
def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    family = name.split(" ", 1)[0] if name else "UNKNOWN"
    return _SCRIPT_FAMILY.get(family, family)


def _dominant_script(text: str) -> str | None:
    """The script most of the text's letters are in, if one clearly dominates."""
    # Scripts are summed over distinct characters, in order of first appearance: the same
    # counts (and the same tie order) as one lookup per character, in a fraction of the time.
    counts: Counter[str] = Counter()
    for char, times in Counter(text).items():
        script = _script(char)
        if script is not None:
            counts[script] += times
    if not counts:
        return None
    script, count = counts.most_common(1)[0]
    return script if count >= _DOMINANT_SCRIPT_SHARE * sum(counts.values()) else None


def _is_foreign_script(text: str, body_script: str) -> bool:
    scripts = [s for s in map(_script, text) if s is not None]
    if len(scripts) < 3:
        return False
    foreign = sum(1 for s in scripts if s != body_script)
    return foreign >= _FOREIGN_SCRIPT_SHARE * len(scripts)
