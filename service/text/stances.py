"""Words that take a side, grouped by what they take a side on, each group with two sides.

"The council backed the plan" and "the council opposed the plan" differ in one word that no
list of synonyms or dictionary antonyms pairs ("back" has no antonym in WordNet), yet they
say opposite things. Each group below is a question a sentence can answer two ways (for or
against, true or not, allowed or not, up or down, won or lost, in or out, more or less); a
word of one side where the sources use a word of the other, about the same thing, is a
contradiction. Words are given in base forms; `side_of` knows their inflections. Nouns that
more often name a group than a stance ("the opposition") are left out.
"""

from __future__ import annotations

import re
from functools import lru_cache

# (group, words on one side, words on the other side)
STANCE_GROUPS: tuple[tuple[str, str, str], ...] = (
    (
        "attitude",
        """support supportive back endorse endorsement favour favor favourable favorable
        approve approval welcome praise applaud hail commend accept acceptance agree
        agreement embrace champion""",
        """oppose reject rejection refuse refusal decline condemn condemnation
        criticise criticize criticism denounce slam veto dismiss protest resist against""",
    ),
    (
        "truth",
        "confirm confirmation admit acknowledge affirm concede",
        "deny denial refute dispute contradict",
    ),
    (
        "permission",
        "allow permit authorise authorize legalise legalize",
        "ban forbid forbade forbidden prohibit outlaw",
    ),
    (
        "direction",
        "rise rose risen increase grow grew grown climb gain jump soar surge boost raise",
        "fall fell fallen decrease shrink shrank shrunk drop slump plunge cut reduce",
    ),
    ("outcome", "win won succeed success victory", "lose lost fail failure defeat"),
    ("membership", "join", "leave left quit"),
    (
        "degree",
        """large larger largest big bigger biggest high higher highest early earlier earliest
        full major strong stronger strongest best better""",
        """small smaller smallest little low lower lowest late later latest partial minor
        weak weaker weakest worst worse""",
    ),
)

_VOWELS = "aeiou"


def _forms(base: str) -> set[str]:
    """The base word and its regular inflections (over-generating is harmless here)."""
    forms = {base, base + "s", base + "es", base + "ed", base + "ing", base + "d"}
    if base.endswith("e"):
        forms |= {base[:-1] + "ing", base + "d"}
    if base.endswith("y") and base[-2:-1] not in _VOWELS:
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    if re.fullmatch(r".*[^aeiou][aeiou][bdgmnprt]", base):
        # "ban" -> "banned", "drop" -> "dropping".
        forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


@lru_cache(maxsize=1)
def _sides() -> dict[str, tuple[str, int]]:
    sides: dict[str, tuple[str, int]] = {}
    for group, first, second in STANCE_GROUPS:
        for side, words in ((1, first), (-1, second)):
            for word in words.split():
                for form in _forms(word):
                    sides.setdefault(form, (group, side))
    return sides


def side_of(word: str) -> tuple[str, int] | None:
    """(group, +1 or -1) of a lower-case word that takes a side; None for any other word."""
    return _sides().get(word)
