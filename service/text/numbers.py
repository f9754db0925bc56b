"""Numbers, amounts, ordinals, years and dates, read however they are written.

"$11.6 billion", "11.6bn" and "US$ 11.6 billion" are one quantity; "160th" and "one hundred and
sixtieth" are one ordinal; "Jan 16", "16 January" and "2026-01-16" are one date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from service.text.lexicon import (
    CARDINAL_TENS,
    CARDINAL_UNITS,
    CURRENCY_SIGNS,
    CURRENCY_WORDS,
    MONTHS,
    ORDINAL_SCALE_WORDS,
    ORDINAL_WORDS,
    SCALE_ABBREVIATIONS,
    SCALE_WORDS,
    WEEKDAYS,
)

Kind = Literal["cardinal", "ordinal", "percent", "money", "year"]


@dataclass(frozen=True)
class Quantity:
    """A number as the text states it; `value` has its scale word applied."""

    value: float
    mantissa: float
    scaled: bool
    kind: Kind
    currency: str | None
    text: str


@dataclass(frozen=True)
class DateMention:
    """A month, with its day when the text gives one."""

    month: int
    day: int | None
    text: str


@dataclass
class NumericFacts:
    """Everything numeric one text states."""

    quantities: list[Quantity] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    weekdays: set[str] = field(default_factory=set)


# Scale words and abbreviations that follow a written number ("11.6bn", "3 million").
_SCALES = {word: value for word, value in SCALE_WORDS.items() if value > 100} | SCALE_ABBREVIATIONS
_CURRENCIES = CURRENCY_SIGNS | CURRENCY_WORDS
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

_NUMBER_RE = re.compile(
    r"(?<![\w.$£€¥])"
    r"(?:(?P<cur>us\$|usd|eur|gbp|jpy|[$£€¥])\s*)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<ord>st|nd|rd|th|s)\b|\s*(?P<clock>am|pm|a\.m\.|p\.m\.)(?![a-z])"
    r"|(?P<short>bn|mn|mln|tn|m|k|b)\b"
    r"|\s*-?\s*(?P<long>trillion|billion|million|thousand)\b)?"
    r"(?:\s*(?P<pct>%|percent\b|per\s+cent\b)"
    r"|\s+(?P<curword>dollars?|pounds?|euros?|yen|yuan|rupees?)\b)?"
    r"(?![a-z\d])"
)
_ISO_DATE_RE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_MONTH_DAY_RE = re.compile(
    rf"\b(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![.,]?\d)"
)
_DAY_MONTH_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_ALT})\b"
)
_MONTH_RE = re.compile(rf"\b(?P<mon>{_MONTH_ALT})\b(?P<dot>\.)?")
# Month words that are also ordinary words: months only when capitalised mid-sentence.
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jan", "jun", "aug", "sep", "oct", "dec"})

_NUMBER_WORD_RE = re.compile(r"[a-z]+")


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


# Words that may follow "and" inside a spelled-out number ("one hundred and sixtieth").
_AFTER_AND = frozenset(CARDINAL_UNITS) | frozenset(CARDINAL_TENS) | frozenset(ORDINAL_WORDS)


@dataclass
class _SpelledNumber:
    """A spelled-out number read word by word: what it adds up to so far and where it ends."""

    start: int
    end: int
    total: float = 0.0
    current: float = 0.0
    ordinal: bool = False
    used: int = 0

    def add(self, word: str) -> bool:
        """Take one more number word; False when the word is not part of the number."""
        if word in CARDINAL_UNITS or word in CARDINAL_TENS:
            self.current += CARDINAL_UNITS.get(word, 0) + CARDINAL_TENS.get(word, 0)
        elif word in ORDINAL_WORDS:
            self.current += ORDINAL_WORDS[word]
            self.ordinal = True
        elif word in SCALE_WORDS and self.used:
            self._scale(SCALE_WORDS[word])
        elif word in ORDINAL_SCALE_WORDS and self.used:
            self._scale(ORDINAL_SCALE_WORDS[word])
            self.ordinal = True
        else:
            return False
        self.used += 1
        return True

    def _scale(self, scale: float) -> None:
        # "hundred" multiplies the group it ends; a larger scale closes the group.
        if scale == 100:
            self.current *= 100
        else:
            self.total += self.current * scale
            self.current = 0.0

    def quantity(self, text: str) -> Quantity | None:
        """The number read, unless it is a lone "one" (mostly a pronoun: "one of them")."""
        value = self.total + self.current
        surface = text[self.start : self.end]
        if self.used == 1 and surface == "one":
            return None
        kind: Kind = "ordinal" if self.ordinal else "cardinal"
        return Quantity(value, value, False, kind, None, surface)


def _read_spelled(
    text: str, words: Sequence[tuple[str, int, int]], index: int
) -> tuple[_SpelledNumber, int]:
    """Read number words from `index` on; the reading and the index of the first word after."""
    reading = _SpelledNumber(start=words[index][1], end=words[index][1])
    cursor = index
    while cursor < len(words):
        word, word_start, word_end = words[cursor]
        if reading.used and text[reading.end : word_start].strip(" -") != "":
            break
        if word == "and" and reading.used and cursor + 1 < len(words):
            if words[cursor + 1][0] not in _AFTER_AND:
                break
        elif not reading.add(word):
            break
        reading.end = word_end
        cursor += 1
        if reading.ordinal:
            break
    return reading, cursor


def _word_numbers(text: str) -> list[Quantity]:
    """Numbers spelled out in words ("three", "one hundred and sixtieth")."""
    found: list[Quantity] = []
    words = [(m.group(), m.start(), m.end()) for m in _NUMBER_WORD_RE.finditer(text)]
    index = 0
    while index < len(words):
        reading, after = _read_spelled(text, words, index)
        if not reading.used:
            index += 1
            continue
        quantity = reading.quantity(text)
        if quantity is not None:
            found.append(quantity)
        index = after
    return found


def _inside(position: int, consumed: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in consumed)


def _iso_dates(text: str, facts: NumericFacts, consumed: list[tuple[int, int]]) -> None:
    """ "2026-01-16": a date, and its year as a quantity."""
    for match in _ISO_DATE_RE.finditer(text):
        month, day = int(match["m"]), int(match["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            facts.dates.append(DateMention(month, day, match.group()))
            year = float(match["y"])
            facts.quantities.append(Quantity(year, year, False, "year", None, match["y"]))
            consumed.append(match.span())


def _day_dates(text: str, facts: NumericFacts, consumed: list[tuple[int, int]]) -> None:
    """ "Jan 16" and "16 January"."""
    for pattern in (_MONTH_DAY_RE, _DAY_MONTH_RE):
        for match in pattern.finditer(text):
            if _inside(match.start(), consumed):
                continue
            day = int(match["d"])
            if 1 <= day <= 31:
                facts.dates.append(DateMention(MONTHS[match["mon"]], day, match.group()))
                consumed.append(match.span())


def _is_month(prepared: str, match: re.Match[str]) -> bool:
    """Whether a month word means the month ("May" mid-sentence, not "may" or "Mar.")."""
    name = match["mon"]
    if name not in _AMBIGUOUS_MONTHS and (len(name) > 4 or match["dot"]):
        return True
    before = prepared[: match.start()].rstrip()
    capitalised = prepared[match.start()].isupper()
    initial = not before or before[-1] in ".!?\"'"
    return capitalised and not initial


def _months(prepared: str, text: str, facts: NumericFacts, consumed: list[tuple[int, int]]) -> None:
    """Months named without a day."""
    for match in _MONTH_RE.finditer(text):
        if not _inside(match.start(), consumed) and _is_month(prepared, match):
            facts.dates.append(DateMention(MONTHS[match["mon"]], None, match.group()))


def _amount_kind(match: re.Match[str], scaled: bool, mantissa: float, currency: str | None) -> Kind:
    """What a written number is: a percentage, money, an ordinal, a year or a plain count."""
    if match["pct"]:
        return "percent"
    if currency:
        return "money"
    if match["ord"] in ("st", "nd", "rd", "th"):
        return "ordinal"
    digits = match["num"]
    if not scaled and "," not in digits and "." not in digits and 1000 <= mantissa <= 2999:
        return "year"
    return "cardinal"


def _amount(match: re.Match[str]) -> Quantity:
    """The quantity one match of the number pattern states."""
    mantissa = float(match["num"].replace(",", ""))
    scale_word = match["short"] or match["long"]
    scale = _SCALES[scale_word] if scale_word else 1.0
    currency = _CURRENCIES.get(match["cur"] or match["curword"] or "")
    kind = _amount_kind(match, scale_word is not None, mantissa, currency)
    return Quantity(
        mantissa * scale, mantissa, scale_word is not None, kind, currency, match.group()
    )


def extract_numbers(prepared: str) -> NumericFacts:
    """Every quantity, date and weekday stated in a (prepared, any-case) text."""
    text = prepared.lower()
    facts = NumericFacts()
    # Spans read as dates: their digits are not quantities of their own.
    consumed: list[tuple[int, int]] = []
    _iso_dates(text, facts, consumed)
    _day_dates(text, facts, consumed)
    _months(prepared, text, facts, consumed)
    facts.quantities.extend(
        _amount(match)
        for match in _NUMBER_RE.finditer(text)
        if not _inside(match.start(), consumed)
    )
    facts.quantities.extend(_word_numbers(text))
    facts.weekdays = {w for w in WEEKDAYS if w in text}
    return facts


def quantity_supported(claim: Quantity, source: NumericFacts) -> bool:
    """Whether the source states this quantity (any spelling, same scale and currency)."""
    for quantity in source.quantities:
        same = _close(claim.value, quantity.value) or (
            # "11.6" alone is a less specific mention of "11.6 billion".
            not claim.scaled and _close(claim.value, quantity.mantissa)
        )
        if not same:
            continue
        if claim.currency and quantity.currency and claim.currency != quantity.currency:
            continue
        if claim.kind == "percent" and quantity.kind not in ("percent", "cardinal"):
            continue
        return True
    if claim.kind in ("cardinal", "ordinal") and claim.value.is_integer():
        return any(d.day is not None and d.day == int(claim.value) for d in source.dates)
    return False


def date_supported(claim: DateMention, source: NumericFacts) -> bool:
    """Whether the source names this month (and day, when the claim gives one)."""
    return any(
        d.month == claim.month and (claim.day is None or d.day == claim.day) for d in source.dates
    )
