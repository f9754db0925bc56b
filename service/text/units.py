"""Units that follow a number ("5 km", "a three-day visit", "18 months", "3%").

A number is half a fact: "1.5 kilometres" and "1.5 miles" share the number and differ in
everything else. `unit_mentions` reads each number with the unit written after it, every
spelling of a unit reduced to one canonical name, so a check can compare the two.
Money is not here: currencies and scale words ("billion") are part of the amount that
`service.text.numbers` reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Canonical unit -> its spellings (lower case). Ambiguous abbreviations are left out: "m" is
# also million, "g" a network generation, "l" a letter, "st" a street.
_SPELLINGS: dict[str, str] = {
    "kilometre": "km kms kilometre kilometres kilometer kilometers",
    "mile": "mile miles",
    "metre": "metre metres meter meters",
    "centimetre": "cm centimetre centimetres centimeter centimeters",
    "millimetre": "mm millimetre millimetres millimeter millimeters",
    "foot": "foot feet ft",
    "inch": "inch inches",
    "yard": "yard yards",
    "kilogram": "kg kgs kilo kilos kilogram kilograms kilogramme kilogrammes",
    "gram": "gram grams gramme grammes",
    "tonne": "tonne tonnes ton tons",
    "pound weight": "lb lbs",
    "stone": "stone",
    "litre": "litre litres liter liters",
    "gallon": "gallon gallons",
    "barrel": "barrel barrels",
    "acre": "acre acres",
    "hectare": "hectare hectares",
    "degree": "degree degrees",
    "percent": "percent % pc",
    "point": "point points",
    "mph": "mph",
    "km/h": "kph km/h kmh",
    "second": "seconds secs",
    "minute": "minute minutes mins",
    "hour": "hour hours hrs",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs",
    "decade": "decade decades",
    "century": "century centuries",
    "watt": "watt watts",
    "kilowatt": "kw kilowatt kilowatts",
    "megawatt": "mw megawatt megawatts",
    "gigawatt": "gw gigawatt gigawatts",
    "byte": "byte bytes",
    "megabyte": "mb megabyte megabytes",
    "gigabyte": "gb gigabyte gigabytes",
    "terabyte": "tb terabyte terabytes",
    "calorie": "calorie calories kcal",
    "storey": "storey storeys",
}
UNIT_OF: dict[str, str] = {
    spelling: unit for unit, spellings in _SPELLINGS.items() for spelling in spellings.split()
}
# "per cent" is one unit in two words.
UNIT_OF["per cent"] = "percent"

_SPELLED: dict[str, float] = {
    word: float(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {
    "thirty": 30.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "seventy": 70.0,
    "eighty": 80.0,
    "ninety": 90.0,
    "hundred": 100.0,
    "a hundred": 100.0,
    "a dozen": 12.0,
    "dozen": 12.0,
}
# Vague amounts stand for themselves: "several weeks" is not "several months". Each gets a
# value no number has.
_VAGUE: dict[str, float] = {
    word: -1.0 - at
    for at, word in enumerate(
        "several|a few|few|many|a couple of|a number of|dozens of|hundreds of|thousands of"
        "|millions of".split("|")
    )
}
_SPELLED |= _VAGUE
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "k": 1e3}

_UNIT_ALTERNATIVES = "|".join(re.escape(u) for u in sorted(UNIT_OF, key=len, reverse=True))
_SPELLED_ALTERNATIVES = "|".join(sorted(_SPELLED, key=len, reverse=True))
_MENTION_RE = re.compile(
    rf"(?<![\w.,])(?P<num>\d[\d,]*(?:\.\d+)?|{_SPELLED_ALTERNATIVES})"
    rf"(?:\s*-\s*|\s*)(?:(?P<scale>thousand|million|billion|trillion|bn|k)(?:\s*-\s*|\s+))?"
    rf"(?P<unit>{_UNIT_ALTERNATIVES})(?![\w])"
)


@dataclass(frozen=True)
class UnitMention:
    """A number with the unit written after it; offsets into the text it was read from."""

    value: float
    unit: str
    start: int
    end: int


def _value(number: str, scale: str | None) -> float | None:
    spelled = _SPELLED.get(number)
    if spelled is not None:
        value = spelled
    else:
        try:
            value = float(number.replace(",", ""))
        except ValueError:
            return None
    return value * _SCALES[scale] if scale else value


@lru_cache(maxsize=4096)
def unit_mentions(text: str) -> tuple[UnitMention, ...]:
    """Every number in the text that a unit follows ("5 km", "three-day", "3%")."""
    found: list[UnitMention] = []
    for match in _MENTION_RE.finditer(text.lower()):
        value = _value(match["num"], match["scale"])
        if value is not None:
            found.append(UnitMention(value, UNIT_OF[match["unit"]], match.start(), match.end()))
    return tuple(found)


_COUNT_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")


def count_value(word: str) -> float | None:
    """The value of one word that is a plain count ("14", "1,200", "five"), else None."""
    if _COUNT_RE.fullmatch(word):
        return float(word.replace(",", ""))
    value = _SPELLED.get(word) if " " not in word else None
    return value if value is None or value >= 0 else None


def same_value(a: float, b: float) -> bool:
    """Whether two values are the same number."""
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
