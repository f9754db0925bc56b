"""Shorter forms of a source sentence: the same fact without its trailing detail.

Outlets tell one fact with different details ("agreed to strengthen supply chains, as the two
countries move closer" against "agreed to strengthen supply chains"), so the whole sentence of
one outlet is seldom supported by another's; its core often is. A form is the sentence cut at a
clause boundary (a comma before a clause opener, or a subordinator such as "amid"), copied
verbatim up to the cut, so several outlets can be cited for it. A trailing attribution ("...,
the agency reports, citing officials.") says who told it, not what happened: it is always cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.text.lexicon import REPORTING_VERBS, STOPWORDS

_REPORTING = "|".join(sorted(REPORTING_VERBS | {"reported", "reports", "reporting"}))
# A last comma segment that only names who told the story: ", according to X", ", citing X",
# ", X said (on Friday | in a statement ...)" with no other clause in it.
_ATTRIBUTION_TAIL = re.compile(
    rf",\s+(?:according to [^,]+|citing [^,]+|(?:[^,]{{0,60}}?\s)?(?:{_REPORTING})"
    rf"(?:\s+(?:on|in|at|during|via|through|following|after|to)\b[^,]*)?)\s*[.!]?\s*$"
)
# Words that open a trailing clause after a comma: what follows is detail, not the fact.
_CLAUSE_OPENERS = frozenset(
    """including as amid while which noting highlighting saying adding following after marking
    with in to so citing whereas although though because where when who""".split()
)
# Subordinators that open a trailing clause even without a comma before them.
_BARE_OPENERS = re.compile(r"\s(?:amid|while|including|following|as (?=the |they |both |its ))")
# A short aside between commas: a relative clause or an apposition (", members of the
# group,", ", who arrived on Thursday,").
_ASIDE_OPENERS = "who|which|whose|where|both|a|an|the|members|each|all|now|then"
_ASIDE = re.compile(rf", (?:{_ASIDE_OPENERS}) [^,.;:“”\"]{{3,80}}, ")
# A relative pronoun after a comma opens an aside when another comma closes it: no cut there.
_RELATIVE = frozenset("who which whose where when".split())
MIN_WORDS = 6
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|us|our|Our|my|My|me)\b")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def unquoted(text: str) -> str:
    """The text with its quotations blanked out."""
    return _QUOTED.sub(" ", text)


@dataclass(frozen=True)
class Form:
    """A shorter form of a sentence: `text` to write, `quote` the verbatim span it comes from
    (the sentence up to the cut, an aside left out of `text` included)."""

    text: str
    quote: str


def _balanced(text: str) -> bool:
    """No quotation or bracket left open by a cut."""
    return (
        text.count("“") == text.count("”")
        and text.count('"') % 2 == 0
        and text.count("(") == text.count(")")
    )


def _sentence(prefix: str) -> str:
    """The prefix written as a sentence: trailing punctuation tidied, a full stop added."""
    body = prefix.rstrip(" ,;:—-")
    return body if body.endswith((".", "!", "?")) else body + "."


def _fit(prefix: str) -> bool:
    words = prefix.split()
    if len(words) < MIN_WORDS or not _balanced(prefix):
        return False
    last = words[-1].strip(",;:")
    # A function word cannot end a sentence; a name that spells one can ("in May").
    return not (last.islower() and last in STOPWORDS)


def strip_attribution(text: str) -> str:
    """The sentence without trailing attribution segments (", X reports, citing Y."); kept
    where the sentence speaks in the first person: then the attribution says who speaks."""
    if _FIRST_PERSON.search(unquoted(text)):
        return text
    body = text
    while True:
        match = _ATTRIBUTION_TAIL.search(body)
        if match is None or not _fit(body[: match.start()]):
            return body
        body = body[: match.start()]


def _without_aside(text: str) -> str:
    """The text without its first short aside between commas (", members of the group,"):
    one that opens in lower case and is not an item of a list."""
    for match in _ASIDE.finditer(text):
        before = text[: match.start()]
        after = text[match.end() :]
        last = before.split()[-1] if before.split() else ""
        dangling = last.islower() and last in STOPWORDS
        if after.startswith(("and ", "or ")) or dangling or not _balanced(before):
            continue
        shorter = before + " " + after
        if _fit(shorter):
            return shorter
    return text


def forms(text: str) -> list[Form]:
    """The sentence and its shorter forms, longest first; the first is the whole sentence
    (without an attribution tail, which no form keeps)."""
    core = strip_attribution(text)
    whole = text if core == text else _sentence(core)
    ends: set[int] = {m.start() for m in _BARE_OPENERS.finditer(core)}
    ends.update(m.start() for m in re.finditer(r" [—–] ", core))
    for match in re.finditer(r",\s+(\w+)", core):
        opener = match.group(1).lower()
        if opener in _RELATIVE and "," in core[match.end() :]:
            continue
        # A clause opener, or a participle (", ending years of delays").
        if opener in _CLAUSE_OPENERS or (opener.endswith("ing") and len(opener) > 5):
            ends.add(match.start())
    found = [Form(whole, core)]
    for end in sorted(ends, reverse=True):
        prefix = core[:end].rstrip(" ,;:")
        if _fit(prefix):
            found.append(Form(_sentence(prefix), prefix))
    for form in list(found):
        shorter = _without_aside(form.text)
        if shorter != form.text:
            found.append(Form(shorter, form.quote))
    unique: dict[str, Form] = {}
    for form in found:
        unique.setdefault(form.text, form)
    return list(unique.values())
