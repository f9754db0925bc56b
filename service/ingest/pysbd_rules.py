"""pysbd's English rules as ingest runs them: the same sentences, with less work.

Two changes, both giving exactly the text pysbd's own code gives (tests/test_ingest.py and
tests/test_ingest_pysbd.py compare them): its abbreviation rules see a `re` that compiles
each pattern once, and its English abbreviation replacer is one that finds each abbreviation
once per paragraph. Importing this module installs both, for every pysbd segmenter of the
process; ingest splits sentences with `SEGMENTER`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pysbd
import pysbd.abbreviation_replacer


class _PatternsCompiledOnce:
    """The `re` that pysbd's abbreviation rules see: the same functions, each pattern compiled
    once. Those rules build two or three patterns for each of their 188 abbreviations found in
    a text, more than `re`'s own cache of 512 keeps, so it compiled most of them again for every
    paragraph: half of ingest's time (5 new articles: prepare 470 -> ~240 ms)."""

    IGNORECASE = re.IGNORECASE
    escape = staticmethod(re.escape)

    @staticmethod
    @functools.lru_cache(maxsize=8192)
    def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
        return re.compile(pattern, flags)

    def sub(self, pattern: str, repl: Any, string: str, count: int = 0, flags: int = 0) -> str:
        return self._compiled(pattern, flags).sub(repl, string, count)

    def findall(self, pattern: str, string: str, flags: int = 0) -> list[Any]:
        return self._compiled(pattern, flags).findall(string)


_RE = _PatternsCompiledOnce()
pysbd.abbreviation_replacer.re = _RE

# Characters that `re.IGNORECASE` matches to an ASCII letter but `str.lower()` does not turn
# into it (dotless i, long s, the dotted capital I, the Kelvin sign): where a text has one,
# the abbreviation scan takes pysbd's own path.
_CASE_FOLD_ODDITIES = frozenset("\u0131\u017f\u0130\u212a")
ENGLISH = pysbd.languages.LANGUAGE_CODES["en"]


class AbbreviationsFoundOnce(ENGLISH.AbbreviationReplacer):  # type: ignore[misc,name-defined]
    """pysbd's English abbreviation replacer, giving the same text with less work.

    For each of its 188 abbreviations that occurs anywhere in a paragraph, pysbd scans the
    paragraph twice with regular expressions: for the abbreviation at the start of a word (no
    boundary after it: "al" is found in "also"), and for the character after a pattern that
    reads a literal "{al} " (so finds nothing in real text). Then it rewrites the whole
    paragraph once per occurrence found. Most short abbreviations start some word, so nearly
    every paragraph ran nearly 400 scans and a rewrite per occurrence: most of the time ingest
    spends on a new set.

    Here the word starts are read once: the letters and digits after each space, against the
    abbreviations without a dot (those with one keep pysbd's scan, whose dot matches any
    character). The second scan runs only where its literal occurs. And a rewrite is made
    once per spelling and case of the next character: it turns the periods it matches into
    "∯", and no rewrite can make a period match again, so pysbd's repeats change nothing.
    A rewrite needs a period right after the spelling, so a spelling with none is skipped.
    tests/test_ingest_pysbd.py compares both on real and generated text.
    """

    def search_for_abbreviations_in_string(self, text: str) -> str:
        if not _CASE_FOLD_ODDITIES.isdisjoint(text):
            return super().search_for_abbreviations_in_string(text)  # type: ignore[no-any-return]
        lowered = text.lower()
        at_word_starts: dict[str, dict[str, None]] | None = None
        for abbr in self.lang.Abbreviation.ABBREVIATIONS:
            stripped = abbr.strip()
            if stripped not in lowered:
                continue
            if "." in stripped or "{" + stripped + "} " in text:
                text = self._scan(text, stripped)
                continue
            if at_word_starts is None:
                at_word_starts = _abbreviations_at_word_starts(text, lowered)
            for spelling in at_word_starts.get(stripped, ()):
                # Every rewrite replaces a period right after this spelling: none to make
                # where the text has no such period.
                if spelling + "." not in text:
                    continue
                # No character follows a "{abbr} " the text lacks: pysbd's `char` is "".
                text = self.scan_for_replacements(text, spelling, 0, [])
        return text

    def _scan(self, text: str, stripped: str) -> str:
        """pysbd's own scan for one abbreviation, its repeated rewrites made once."""
        found = _RE.findall(rf"(?:^|\s|\r|\n){stripped}", text, flags=re.IGNORECASE)
        following = _RE.findall(r"(?<={" + re.escape(stripped) + "} ).{1}", text) if found else []
        made: set[tuple[str, bool]] = set()
        for index, match in enumerate(found):
            char = following[index] if index < len(following) else ""
            rewrite = (match.strip(), str(char).isupper())
            if rewrite not in made:
                made.add(rewrite)
                text = self.scan_for_replacements(text, match, index, following)
        return text


_WORD_START = re.compile(r"(?<!\S)[^\W_]+")


def _abbreviations_at_word_starts(text: str, lowered: str) -> dict[str, dict[str, None]]:
    """Each dotless abbreviation that starts a word of the text -> its spellings there, in the
    order they occur (pysbd's first scan: the abbreviation after a space or at the start, any
    case, whatever follows). `lowered` is `text.lower()`, of the same length."""
    found: dict[str, dict[str, None]] = {}
    for word in _WORD_START.finditer(lowered):
        start, letters = word.start(), word.group()
        for length in range(1, min(len(letters), _LONGEST_DOTLESS) + 1):
            if letters[:length] in _DOTLESS:
                found.setdefault(letters[:length], {})[text[start : start + length]] = None
    return found


_DOTLESS = frozenset(a.strip() for a in ENGLISH.Abbreviation.ABBREVIATIONS if "." not in a)
_LONGEST_DOTLESS = max(len(a) for a in _DOTLESS)


ENGLISH.AbbreviationReplacer = AbbreviationsFoundOnce


# Shared by every thread: `processor()` makes a new Processor for each text, and the segmenter
# itself keeps no text (only `segment()`, not used here, stores one on it).
SEGMENTER = pysbd.Segmenter(language="en", clean=False)
