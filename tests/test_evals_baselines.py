"""Baselines: lead and LexRank over hand-made documents, and sumy's tokenizer adapter."""

from __future__ import annotations

from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from evals.baselines import SumyTokenizer, lead, lexrank
from service.domain import Document, SentenceGroup, SourceGroups, SourceSentence


def make_document(
    article_id: str, sentences: list[str], boilerplate: frozenset[int] = frozenset()
) -> Document:
    """A document whose text is its sentences joined by spaces, with exact offsets."""
    spans = []
    offset = 0
    for index, text in enumerate(sentences):
        spans.append(
            SourceSentence(
                article_id, index, offset, offset + len(text), text, index in boilerplate
            )
        )
        offset += len(text) + 1
    return Document(id=article_id, text=" ".join(sentences), sentences=spans)


def singleton_groups(
    documents: list[Document], merge: tuple[tuple[str, int, str, int], ...] = ()
) -> SourceGroups:
    """One group per sentence, except pairs (article, index, article, index) merged as copies."""
    by_key = {(s.article_id, s.index): s for d in documents for s in d.sentences}
    merged = {(a, i): (b, j) for a, i, b, j in merge}
    absorbed = set(merged.values())
    groups: list[SentenceGroup] = []
    for key, sentence in by_key.items():
        if key in absorbed:
            continue
        members = [sentence] + ([by_key[merged[key]]] if key in merged else [])
        groups.append(SentenceGroup(f"g{len(groups)}", members))
    return SourceGroups(groups)


A = make_document(
    "a", ["Share this page", "Alpha one.", "Alpha two.", "Alpha three."], frozenset({0})
)
B = make_document("b", ["Beta one.", "Beta two."])
C = make_document("c", ["Alpha one.", "Gamma two."])


def test_lead_takes_first_sentences_in_turn_skipping_boilerplate() -> None:
    picked = lead([A, B], singleton_groups([A, B]), budget=3)
    assert [s.text for s in picked] == ["Alpha one.", "Beta one.", "Alpha two."]


def test_lead_skips_copies_and_cites_every_article_of_the_group() -> None:
    groups = singleton_groups([A, C], merge=(("a", 1, "c", 0),))
    picked = lead([A, C], groups, budget=3)
    assert [s.text for s in picked] == ["Alpha one.", "Alpha two.", "Gamma two."]
    first = picked[0]
    assert [(c.article_id, c.start, c.end) for c in first.citations] == [
        ("a", 16, 26),
        ("c", 0, 10),
    ]
    for citation in first.citations:
        document = A if citation.article_id == "a" else C
        assert document.text[citation.start : citation.end] == citation.text


def test_lead_stops_when_sources_run_out() -> None:
    assert len(lead([B], singleton_groups([B]), budget=10)) == 2
    assert lead([B], singleton_groups([B]), budget=0) == []


SUMMIT = make_document(
    "s",
    [
        "Japan and Italy agreed a special strategic partnership in Tokyo.",
        "The weather was mild.",
        "Japan and Italy will build a fighter jet with Britain.",
        "Japan and Italy agreed to secure critical minerals.",
        "A band played.",
    ],
)


def english_lexrank() -> LexRankSummarizer:
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def test_lexrank_picks_what_sumy_picks_in_source_order_with_citations() -> None:
    picked = lexrank([SUMMIT], singleton_groups([SUMMIT]), budget=3)
    parser = PlaintextParser.from_string(SUMMIT.text, SumyTokenizer())
    expected = [str(s) for s in english_lexrank()(parser.document, 3)]
    assert [s.text for s in picked] == expected
    for sentence in picked:
        (citation,) = sentence.citations
        assert SUMMIT.text[citation.start : citation.end] == sentence.text


def test_lexrank_is_deterministic_and_never_repeats_a_group() -> None:
    copy = make_document("t", ["Japan and Italy agreed a special strategic partnership in Tokyo."])
    groups = singleton_groups([SUMMIT, copy], merge=(("s", 0, "t", 0),))
    first = lexrank([SUMMIT, copy], groups, budget=5)
    assert first == lexrank([SUMMIT, copy], groups, budget=5)
    texts = [s.text for s in first]
    assert len(texts) == len(set(texts)) == 5


def test_lexrank_with_nothing_to_rank_returns_nothing() -> None:
    only_boilerplate = make_document("z", ["Menu"], frozenset({0}))
    assert lexrank([only_boilerplate], singleton_groups([only_boilerplate]), budget=3) == []
    assert lexrank([SUMMIT], singleton_groups([SUMMIT]), budget=0) == []


def test_sumy_tokenizer_splits_sentences_and_words_without_nltk_data() -> None:
    tokenizer = SumyTokenizer()
    text = "Mr. Smith met Ms. Jones in Tokyo. They agreed on $11.6 billion of trade! Why?"
    assert tokenizer.to_sentences(text) == (
        "Mr. Smith met Ms. Jones in Tokyo.",
        "They agreed on $11.6 billion of trade!",
        "Why?",
    )
    assert tokenizer.to_words("Japan's third-largest partner, in 2035.") == (
        "Japan's",
        "third",
        "largest",
        "partner",
        "in",
        "2035",
    )


def test_sumy_parses_plain_text_with_our_tokenizer() -> None:
    parser = PlaintextParser.from_string(SUMMIT.text, SumyTokenizer())
    assert [str(s) for s in parser.document.sentences] == [s.text for s in SUMMIT.sentences]
