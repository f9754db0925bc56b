"""Ingest: sentence offsets into the text as submitted, html extraction, input limits."""

from __future__ import annotations

import re
from typing import Any

import pysbd
import pysbd.abbreviation_replacer as rules
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api.mapping import article_input
from service.api.schemas import ArticleIn
from service.config import Settings
from service.domain import ArticleInput, Document
from service.errors import ClientError
from service.ingest.segment import ingest_article, ingest_articles, split_sentences

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def article(text: str, article_id: str = "a1", **fields: Any) -> ArticleInput:
    return ArticleInput(id=article_id, body=text, **fields)


def html_article(html: str, article_id: str = "h1", **fields: Any) -> ArticleInput:
    return ArticleInput(id=article_id, body=html, input_format="html", **fields)


def assert_offsets_sound(doc: Document) -> None:
    """Every sentence is its own slice of the text; together they cover all visible text."""
    previous_end = 0
    covered = [False] * len(doc.text)
    for index, sentence in enumerate(doc.sentences):
        assert sentence.index == index
        assert sentence.article_id == doc.id
        assert previous_end <= sentence.start < sentence.end <= len(doc.text)
        assert doc.text[sentence.start : sentence.end] == sentence.text
        assert not sentence.text[0].isspace() and not sentence.text[-1].isspace()
        assert sentence.text[0] not in INVISIBLE and sentence.text[-1] not in INVISIBLE
        covered[sentence.start : sentence.end] = [True] * (sentence.end - sentence.start)
        previous_end = sentence.end
    lost = [c for c, seen in zip(doc.text, covered, strict=True) if not seen]
    assert all(c.isspace() or c in INVISIBLE for c in lost), lost


PIECES = [
    "He said hi.",
    "He said hi.",
    "Mr. Smith met Dr. Jones in the U.S. capital.",
    "“We will not stop,” she said.",
    "Prices rose 3.5% to $11.6 billion!",
    "Why?",
    "Café résumé naïve — déjà vu…",
    "東京で会談した。",
    "Встреча прошла в Токио.",
    "🇯🇵🤝🇮🇹 leaders met 👩‍💼.",
    "twitter",
    "By Jane Doe",
    "A+",
    ".",
    "home.Half of them left.",
    "Scroll down for video",
]
SEPARATORS = [" ", "  ", "\n", "\r\n", "\n\n", "\r", "\t", "\u00a0", "\u2028", "", " \n ", "\u200b"]


@st.composite
def article_texts(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(PIECES),
                st.sampled_from(SEPARATORS),
                st.text(min_size=1, max_size=30),
            ),
            min_size=1,
            max_size=40,
        )
    )
    text = "".join(parts)
    return text if text.strip() else text + "x"


@settings(max_examples=300, deadline=None)
@given(article_texts())
def test_offsets_hold_for_any_text(text: str) -> None:
    doc = ingest_article(article(text))
    assert doc.text == text
    assert_offsets_sound(doc)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda t: bool(t.strip())))
def test_offsets_hold_for_arbitrary_unicode(text: str) -> None:
    doc = ingest_article(article(text))
    assert doc.text == text
    assert_offsets_sound(doc)


def test_text_is_kept_exactly_as_submitted() -> None:
    text = "  \ufeffLine one.\r\nLine two.  \r\n\r\n\tThird  line!\u00a0 "
    doc = ingest_article(article(text))
    assert doc.text == text
    assert doc.input_format == "text"
    assert [s.text for s in doc.sentences] == ["Line one.", "Line two.", "Third  line!"]


def test_repeated_sentences_get_their_own_offsets() -> None:
    text = "He said hi. He said hi.\nHe said hi. He said hi."
    doc = ingest_article(article(text))
    assert [s.start for s in doc.sentences] == [0, 12, 24, 36]
    assert_offsets_sound(doc)


def test_short_lines_are_units_and_wrapped_lines_are_not() -> None:
    text = (
        "twitter\nfacebook\nJapan and Italy agree on a new partnership\n"
        "Japanese Prime Minister Sanae Takaichi and Italian Prime Minister\n"
        "Giorgia Meloni met in Tokyo on Friday, the ministry of foreign\n"
        "affairs of Japan said in a statement released after the talks.\n"
    )
    texts = [s.text for s in ingest_article(article(text)).sentences]
    assert texts[:3] == ["twitter", "facebook", "Japan and Italy agree on a new partnership"]
    assert texts[3].startswith("Japanese Prime Minister") and texts[3].endswith("the talks.")
    assert len(texts) == 4


def test_a_line_continuing_in_lower_case_is_one_sentence() -> None:
    text = "The leaders agreed to deepen their cooperation\nin defence and trade. Then they ate."
    texts = [s.text for s in ingest_article(article(text)).sentences]
    assert texts == [
        "The leaders agreed to deepen their cooperation\nin defence and trade.",
        "Then they ate.",
    ]


def test_glued_sentences_are_split_but_names_and_domains_are_not() -> None:
    text = "Parents ate at home.Half of them said no. News.Az reports it. Mail Jo.Amos@bbc.co.uk"
    texts = [s.text for s in ingest_article(article(text)).sentences]
    assert texts == [
        "Parents ate at home.",
        "Half of them said no.",
        "News.Az reports it.",
        "Mail Jo.Amos@bbc.co.uk",
    ]


def test_punctuation_only_fragments_join_their_sentence() -> None:
    doc = ingest_article(article("Caliber.az © 2026. .\nNext line here."))
    texts = [s.text for s in doc.sentences]
    assert texts == ["Caliber.az © 2026. .", "Next line here."]


def test_glued_page_furniture_is_cut_out_as_its_own_sentence() -> None:
    text = "It rained. Scroll down for video Gordon Brown, pictured, warned the SNP."
    doc = ingest_article(article(text))
    assert [(s.text, s.boilerplate) for s in doc.sentences] == [
        ("It rained.", False),
        ("Scroll down for video", True),
        ("Gordon Brown, pictured, warned the SNP.", False),
    ]


def test_split_sentences_of_blank_text_is_empty() -> None:
    assert split_sentences(" \n\t\u200b ") == []


def test_metadata_is_carried_over() -> None:
    doc = ingest_article(
        article("A sentence.", title="T", source="S", url="https://x", published_at="2026")
    )
    assert (doc.title, doc.source, doc.url, doc.published_at) == ("T", "S", "https://x", "2026")


PAGE = """<html><head><title>Summit page title</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Japan and Italy deepen ties</h1>
<p>Japanese Prime Minister Sanae Takaichi met Giorgia Meloni in Tokyo on Friday.
They agreed to upgrade relations to a special strategic partnership.</p>
<p>The two leaders also confirmed plans to set up a consultative body on space.</p>
</article><footer>© 2026 Example News. All rights reserved.</footer></body></html>"""


def test_html_is_reduced_to_its_main_text() -> None:
    doc = ingest_article(html_article(PAGE))
    assert doc.input_format == "html"
    assert "Takaichi met Giorgia Meloni" in doc.text
    assert "<p>" not in doc.text and "Home" not in doc.text
    assert doc.title  # from the page when the client gave none
    assert_offsets_sound(doc)
    content = [s.text for s in doc.content_sentences]
    assert "The two leaders also confirmed plans to set up a consultative body on space." in content


def test_html_title_does_not_override_a_given_one() -> None:
    assert ingest_article(html_article(PAGE, title="Mine")).title == "Mine"


def test_html_falls_back_to_plain_text_extraction() -> None:
    doc = ingest_article(html_article("<html><body><div>Just one short line.</div></body></html>"))
    assert doc.text.strip() == "Just one short line."
    assert_offsets_sound(doc)


def test_html_without_text_is_the_clients_fault() -> None:
    with pytest.raises(ClientError) as info:
        ingest_articles(
            [article("Fine text."), html_article("<html><body><img src=x></body></html>")],
            Settings(),
        )
    assert info.value.field == "articles[1].html"


def test_too_many_articles() -> None:
    articles = [article("Text.", f"a{i}") for i in range(4)]
    with pytest.raises(ClientError) as info:
        ingest_articles(articles, Settings(max_articles=3))
    assert info.value.field == "articles"
    assert info.value.status_code == 413


def test_article_too_long_names_its_index_and_field() -> None:
    limits = Settings(max_article_chars=1_000)
    articles = [article("Short.", "a0"), article("x" * 1_001, "a1")]
    with pytest.raises(ClientError) as info:
        ingest_articles(articles, limits)
    assert info.value.field == "articles[1].text"
    with pytest.raises(ClientError) as info:
        ingest_articles([html_article("<p>" + "y" * 1_000 + "</p>")], limits)
    assert info.value.field == "articles[0].html"


def test_article_at_the_limit_is_accepted() -> None:
    docs = ingest_articles([article("x" * 1_000)], Settings(max_article_chars=1_000))
    assert len(docs) == 1


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ClientError) as info:
        ingest_articles([article("One.", "same"), article("Two.", "same")], Settings())
    assert info.value.field == "articles[1].id"


def test_articles_keep_request_order() -> None:
    docs = ingest_articles([article("One.", "b"), article("Two.", "a")], Settings())
    assert [d.id for d in docs] == ["b", "a"]


def test_seed_articles_ingest_soundly(seeds: list[dict[str, Any]]) -> None:
    for seed in seeds:
        doc = ingest_article(article_input(ArticleIn(**seed)))
        assert doc.text == seed["text"]
        assert_offsets_sound(doc)


_ABBREVIATED = st.lists(
    st.sampled_from(
        ["Dr.", "Mr.", "Gen.", "St.", "U.S.", "No.", "p.m.", "Jan.", "etc.", "vs.", "Inc."]
        + ["met", "the", "Smith", "on", "5", "(", "said", "it", "I", "A", ".", "\n"]
    ),
    min_size=1,
    max_size=40,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(_ABBREVIATED)
def test_pysbd_splits_as_it_would_with_every_pattern_compiled_afresh(text: str) -> None:
    # Ingest gives pysbd's abbreviation rules a `re` that compiles each pattern once; the
    # sentences must be exactly those of the standard `re`.
    shim = rules.re
    assert shim is not re  # the shim is installed by importing ingest
    segmenter = pysbd.Segmenter(language="en", clean=False)
    with_shim = segmenter.processor(text).process()
    rules.re = re
    try:
        assert segmenter.processor(text).process() == with_shim
    finally:
        rules.re = shim
