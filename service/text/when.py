"""Relative dates resolved against an article's date: "Friday" in an article published on
Friday 16 January 2026 is 2026-01-16; "January 16" in it is 2026-01-16 too."""

from __future__ import annotations

import re
from datetime import date, timedelta

from service.text.lexicon import MONTHS, WEEKDAYS

_WEEKDAY_INDEX = {
    day: i
    for i, day in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\b")
_MONTH_DAY = re.compile(r"\b([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def publication_date(published_at: str | None) -> date | None:
    """The calendar date of an ISO `published_at` ("2026-01-16" or "2026-01-16T11:01")."""
    if not published_at:
        return None
    match = _ISO_DATE.match(published_at.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def resolve_when(expression: str, published: date) -> str | None:
    """The ISO date an expression names, read in an article published on `published`; None
    where it names no single day ("this week", "in March")."""
    words = expression.lower()
    if words.strip() in ("today", "on today"):
        return published.isoformat()
    if "yesterday" in words:
        return (published - timedelta(days=1)).isoformat()
    explicit = _explicit_date(expression, published)
    if explicit is not None:
        return explicit
    days = [w for w in re.findall(r"[a-z]+", words) if w in WEEKDAYS]
    if len(days) != 1 or "next" in words:
        return None
    # News reports a day that has come: the latest such weekday on or before the article.
    back = (published.weekday() - _WEEKDAY_INDEX[days[0]]) % 7
    return (published - timedelta(days=back)).isoformat()


def _explicit_date(expression: str, published: date) -> str | None:
    """ "16 January" / "January 16" (the article's year unless one is given)."""
    year_match = _YEAR.search(expression)
    year = int(year_match[0]) if year_match else published.year
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for match in pattern.finditer(expression):
            month = _month_number(match[month_group])
            if month is None:
                continue
            try:
                return date(year, month, int(match[day_group])).isoformat()
            except ValueError:
                return None
    return None


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower())
