"""Property tests: whatever the text and the quote, every span the verifier returns is real."""

from __future__ import annotations

import string
from collections.abc import Sequence

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from service.domain import Document
from service.text.normalize import fold_typography, normalize, skeleton
from service.verify import Citation, Claim, ClaimEvidence, Verifier
from service.verify.align import Side
from service.verify.analysis import (
    Repetition,
    TextFacts,
    _said_again_at_once,
    _surface,
    analyse,
    is_content_word,
)
from service.verify.resolve import DocumentText, Needle, resolve_quote
from tests.test_verify import make_document

WORDS = st.text(alphabet=string.ascii_letters + "’'“”\"-–—é0123456789.,", min_size=1, max_size=9)
SENTENCES = st.lists(WORDS, min_size=3, max_size=12).map(lambda ws: " ".join(ws) + ".")
TEXTS = st.lists(SENTENCES, min_size=1, max_size=6).map(lambda ss: "  \n".join(ss))


def _assert_slices(document: Document, citations: Sequence[Citation]) -> None:
    for citation in citations:
        assert document.text[citation.start : citation.end] == citation.text
        assert citation.article_id == document.id


def _typographic_variant(text: str, flip: int) -> str:
    """The same words with quotes, dashes, case and spacing changed as a model might."""
    variant = text.replace("’", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    if flip % 2:
        variant = variant.upper()
    if flip % 3 == 0:
        variant = "  ".join(variant.split(" "))
    return variant


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.data())
def test_resolved_quotes_slice_exactly(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    flip = data.draw(st.integers(0, 5))
    document = Document(id="a", text=text, sentences=[])
    quote = _typographic_variant(text[start:end], flip)
    span = resolve_quote(DocumentText(document), quote)
    if span is not None:
        assert 0 <= span.start < span.end <= len(text)
        assert span.article_id == "a"
    # Folded once for many articles, a quote resolves as it does folded each time.
    assert resolve_quote(DocumentText(document), Needle.of(quote)) == span


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.data())
def test_every_citation_slices_the_document(text: str, data: st.DataObject) -> None:
    document = make_document("a", text)
    verifier = Verifier([document])
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    claims = [
        Claim(quote),
        Claim(quote, evidence=(ClaimEvidence(article_id="a", quote=quote),)),
        Claim(quote, evidence=(ClaimEvidence(article_id="a", start=start, end=end),)),
        Claim(quote, kind="quote", speaker=data.draw(WORDS)),
        Claim(data.draw(SENTENCES)),
    ]
    for claim in claims:
        verdict = verifier.verify(claim)
        assert 0.0 <= verdict.score <= 1.0
        _assert_slices(document, verdict.citations)
        boilerplate = {(s.start, s.end) for s in document.sentences if s.boilerplate}
        assert all((c.start, c.end) not in boilerplate for c in verdict.citations)


@given(st.text(max_size=200))
def test_normal_forms_map_back_inside_the_text(text: str) -> None:
    for form in (normalize(text), skeleton(text)):
        assert len(form.origin) == len(form.text)
        for i in range(len(form.text)):
            start, end = form.to_original(i, i + 1)
            assert 0 <= start < end <= len(text)


def _char_lowered(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def _normal_by_characters(text: str) -> tuple[str, tuple[int, ...]]:
    """normalize's definition, one character at a time: whitespace runs become one space
    (at the run's last character), none at either end; each character lowered alone."""
    out: list[str] = []
    origin: list[int] = []
    pending = False
    for index, char in enumerate(fold_typography(text)):
        if char.isspace():
            pending = bool(out)
            continue
        if pending:
            out.append(" ")
            origin.append(index - 1)
            pending = False
        out.append(_char_lowered(char))
        origin.append(index)
    return "".join(out), tuple(origin)


def _skeleton_by_characters(text: str) -> tuple[str, tuple[int, ...]]:
    """skeleton's definition: letters and digits lowered alone, and points between digits."""
    kept = [
        (_char_lowered(char), index)
        for index, char in enumerate(text)
        if char.isalnum()
        or (char == "." and 0 < index < len(text) - 1)
        and text[index - 1].isdigit()
        and text[index + 1].isdigit()
    ]
    return "".join(c for c, _ in kept), tuple(i for _, i in kept)


# Whitespace of every kind, digits of every kind, cased letters that lower to two code points
# or by context (final sigma), points and underscores.
_AWKWARD = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \t\n\u00a0\u2009\u3000.._,'’“İΣσßΑ²٣0123456789aZ"),
        st.characters(),
    ),
    max_size=60,
)


@given(st.one_of(_AWKWARD, st.text(alphabet="19. ,", max_size=12)))
@example("7 9.")  # a point at the very end is not between digits
def test_normal_forms_are_their_per_character_definitions(text: str) -> None:
    # Both forms read runs whole for speed: they must equal the definitions exactly.
    for form, definition in (
        (normalize(text), _normal_by_characters(text)),
        (skeleton(text), _skeleton_by_characters(text)),
    ):
        assert (form.text, form.origin) == definition


NAMES = st.sampled_from(["Okafor", "Lindqvist", "Louis Jordan", "Frank Jordan", "Lagos", "Norway"])
TOKENS = st.one_of(
    NAMES,
    st.sampled_from(["hosted", "met", "first", "last", "found", "and", "was", "by", "the"]),
    st.integers(1, 99).map(str),
    st.sampled_from([",", ", and"]),
)
NAMED_SENTENCES = st.builds(
    lambda opening, ts: opening + " ".join(ts).replace(" ,", ",") + ".",
    st.sampled_from(["The ", "On Friday ", ""]),
    st.lists(TOKENS, min_size=3, max_size=14),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(NAMED_SENTENCES, min_size=1, max_size=4))
def test_a_sentence_never_contradicts_itself(sentences: list[str]) -> None:
    """A source sentence copied as a claim binds every neighbour as the source does."""
    verifier = Verifier([make_document("a", " ".join(sentences))])
    index = verifier.index
    for unit in index.units:
        facts = analyse(unit.sentence.text, index.known_names, index.vocabulary)
        claim = Side.of(facts.items, facts.tokens, facts.prepared)
        binding = index.binder.bind(claim, [index.sides[unit.index]])
        assert binding.conflicts == []
        assert binding.bound == binding.pairs
        assert index.glued_names(facts) == []


LOOP_WORDS = st.sampled_from("the visit to Norway Okafor began a three-day and of it".split())


@given(st.lists(LOOP_WORDS, min_size=0, max_size=30))
@settings(max_examples=300, deadline=None)
def test_a_loop_found_is_really_said_twice(words: list[str]) -> None:
    facts = analyse(" ".join(words))
    found = facts.repetition
    if found is None:
        return
    # The text itself repeats the stretch as closely as reported, and the surface is its own.
    assert found.said_in(facts.keys)
    assert found.surface in facts.prepared
    assert len(found.stretch) >= 2


def _loop_by_every_length(facts: TextFacts, content: list[bool]) -> Repetition | None:
    """The plain scan `_said_again_at_once` must agree with: every start, every length from
    the shortest, every gap from none."""
    keys = facts.keys
    for at in range(len(keys)):
        for length in range(3, (len(keys) - at) // 2 + 1):
            for gap in range(3):
                again = at + length + gap
                if again + length > len(keys):
                    break
                if not any(content[at : at + length]):
                    continue
                if keys[again : again + length] == keys[at : at + length]:
                    surface = _surface(facts, again, again + length - 1)
                    return Repetition(tuple(keys[at : at + length]), surface, length + gap)
    return None


# Few words, so that stretches repeat often, at every distance; and a stretch said twice
# with a few words between, inside others.
_WORD = st.sampled_from("the talks took place and in Rome Rome said".split())
_RUN = st.lists(_WORD, max_size=8)
LOOPING = st.one_of(
    st.lists(_WORD, max_size=30),
    st.tuples(_RUN, _RUN, st.lists(_WORD, max_size=3), _RUN).map(
        lambda p: p[0] + p[1] + p[2] + p[1] + p[3]
    ),
)


@settings(max_examples=400, deadline=None)
@example(words="has taken the limits off and has taken the limits off".split())
@example(words="the talks the talks took the talks the talks".split())
@given(words=LOOPING)
def test_a_loop_found_from_each_word_is_the_one_every_length_and_gap_finds(
    words: list[str],
) -> None:
    facts = analyse(" ".join(words) + ".")
    content = [is_content_word(t.word) for t in facts.tokens]
    assert _said_again_at_once(facts, content) == _loop_by_every_length(facts, content)
