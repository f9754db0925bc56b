"""Boilerplate marking: page furniture is marked, real sentences never are."""

from __future__ import annotations

from typing import Any

import pytest

from service.domain import ArticleInput, Document
from service.ingest.furniture import inline_boilerplate_spans, is_navigation_line, mark_boilerplate
from service.ingest.segment import ingest_article, split_sentences


def seed(seeds: list[dict[str, Any]], prefix: str) -> Document:
    (found,) = [s for s in seeds if s["id"].startswith(prefix)]
    return ingest_article(ArticleInput(id=found["id"], body=found["text"]))


def marked(text: str) -> list[tuple[str, bool]]:
    spans = split_sentences(text)
    return [(text[s:e], b) for (s, e), b in zip(spans, mark_boilerplate(text, spans), strict=True)]


def boilerplate(text: str) -> list[str]:
    return [sentence for sentence, b in marked(text) if b]


BODY = (
    "Japanese Prime Minister Sanae Takaichi met Italian Prime Minister Giorgia Meloni in Tokyo.\n"
    "The two leaders agreed to deepen cooperation in defence, trade and space research.\n"
)


def test_seed_004_menu_share_links_and_copyright(seeds: list[dict[str, Any]]) -> None:
    doc = seed(seeds, "004")
    assert [s.text for s in doc.sentences if s.boilerplate] == [
        "twitter",
        "youtube",
        "instagram",
        "facebook",
        "telegram",
        "apple store",
        "play market",
        "night_theme",
        "ru",
        "arm",
        "search",
        "WHAT ARE YOU LOOKING FOR ?",
        "Any use of materials is allowed only if there is a hyperlink to Caliber.az",
        "Caliber.az © 2026. .",
        "WORLD",
        "A+",
        "A-",
        "16 January 2026 11:01",
        "By Aghakazim Guliyev",
        "Caliber.Az",
        "Views: 11",
        "share-lineLiked the story?",
        "Share it on social media!",
        "print",
        "copy link",
        "Ссылка скопирована",
        "WORLD",
        "The most important world news",
        "loading",
    ]
    content = doc.content_sentences
    assert content[0].text == (
        "Japan, Italy unite on Ukraine, advanced defence projects in landmark talks"
    )
    assert content[-1].text.startswith("Separately, European Union Foreign Policy Chief")
    assert len(content) == 14


def test_seed_001_byline_agency_and_email(seeds: list[dict[str, Any]]) -> None:
    doc = seed(seeds, "001")
    assert [s.text for s in doc.sentences if s.boilerplate] == [
        "By Berk Kutay Gokmen and Necva Tastan Sevinc",
        "Anadolu Agency",
        "energy@aa.com.tr",
    ]
    assert doc.content_sentences[0].text.startswith("Japan, Italy agree to enhance collaboration")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", ["(end) mk.mt"]), ("002", []), ("003", ["date 2026-01-16 The Yomiuri Shimbun"])],
)
def test_other_seeds_keep_their_sentences(
    seeds: list[dict[str, Any]], prefix: str, expected: list[str]
) -> None:
    doc = seed(seeds, prefix)
    assert [s.text for s in doc.sentences if s.boilerplate] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "By Friday, the two leaders had agreed to deepen ties.",
        "She said she liked the story and would share it with her family.",
        "Share prices fell 5% on Monday after the announcement.",
        "The search for survivors continued through the night.",
        "NATO said it would respond.",
        "He posted on Twitter that he would resign.",
        "Copyright lawyers said the ruling was unclear.",
        "Views differ on whether the deal will last.",
        "The end of the talks came late on Friday.",
        "Print media reported the meeting widely.",
        "Loading of the ships resumed on Tuesday.",
        "In January 2026, the two leaders met for the first time.",
    ],
)
def test_real_sentences_are_never_marked(sentence: str) -> None:
    assert boilerplate(BODY + sentence + "\n" + BODY) == []
    # ... nor inside a paragraph, nor as the last line of an article.
    assert boilerplate(BODY.replace("\n", " ") + sentence) == []
    assert boilerplate(BODY + sentence) == []


def test_a_flat_paragraph_keeps_every_real_sentence() -> None:
    text = (
        "Gary Locke will be confirmed as manager on Friday. An announcement will be made by the "
        "club on Friday morning. ‘I’d be over the moon to get it,’ said Locke. That’s how "
        "football works. If they play well, your stock rises. ©2015 The Hollywood Reporter. All "
        "rights reserved."
    )
    assert boilerplate(text) == ["©2015 The Hollywood Reporter.", "All rights reserved."]


def test_menu_runs_and_section_labels() -> None:
    text = "Home\nPolitics\nSport\nCulture\n\nBUSINESS\n\n" + BODY
    assert boilerplate(text) == ["Home", "Politics", "Sport", "Culture", "BUSINESS"]


def test_headline_stays_content() -> None:
    text = "Japan and Italy agree to deepen their partnership\n\n" + BODY
    assert boilerplate(text) == []


def test_sign_offs_after_the_last_sentence() -> None:
    text = BODY + "\nReporting by Jane Doe; Editing by John Roe\nReuters\nnews@example.com\n"
    assert boilerplate(text) == [
        "Reporting by Jane Doe; Editing by John Roe",
        "Reuters",
        "news@example.com",
    ]


def test_lines_in_another_script() -> None:
    assert boilerplate(BODY + "Поделиться в соцсетях\n") == ["Поделиться в соцсетях"]
    # A Japanese article's English menu is the foreign line there.
    japanese = "東京で日伊首脳会談が行われた。両首脳は協力の強化で合意した。\nShare\n"
    assert boilerplate(japanese) == ["Share"]


def test_widget_messages_and_counters() -> None:
    text = BODY + "Media playback is not supported on this device\nViews: 1,204\n"
    assert boilerplate(text) == ["Media playback is not supported on this device", "Views: 1,204"]


def test_inline_furniture_spans() -> None:
    text = (
        "He won. Scroll down for video The crowd cheered.Share this withEmailFacebookCopy this link"
    )
    spans = inline_boilerplate_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Scroll down for video",
        "Share this withEmailFacebookCopy this link",
    ]


def test_glued_widget_message_leaves_the_real_sentence() -> None:
    text = "Media playback is not supported on this deviceDel Potro won in four sets. He was happy."
    assert marked(text) == [
        ("Media playback is not supported on this device", True),
        ("Del Potro won in four sets.", False),
        ("He was happy.", False),
    ]


def test_no_sentences_no_marks() -> None:
    assert mark_boilerplate("", []) == []


@pytest.mark.parametrize(
    "line",
    [
        "Home | News | Sport",
        "Home > World > Asia",
        "Home • Politics • Business • Tech",
        "News / Sport / Weather / Video",
        "1 | 2 | 3 | Next",
    ],
)
def test_a_line_of_navigation_is_furniture(line: str) -> None:
    assert is_navigation_line(line)
    assert boilerplate(line + "\n\n" + BODY) == [line]
    # Also after the article, where only sign-offs were marked.
    assert boilerplate(BODY + "\n" + line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        "Japan – Italy – US talks",
        "Live | Japan and Italy agree a minerals pact in Tokyo",
        "Scores: 3 - 2 - 1",
        "He won. | She lost. | Draw.",
        "Japan and Italy agree to deepen their partnership",
    ],
)
def test_separators_inside_a_headline_are_not_navigation(line: str) -> None:
    assert not is_navigation_line(line)
    assert boilerplate(line + "\n\n" + BODY) == []


NAVIGATION_PAGE = (
    "Home | News | Sport | Weather\n\n"
    "Top stories\n"
    "Japan economy grows in third quarter\n"
    "Italy votes on budget next week\n"
    "Leaders meet in Rome for talks\n"
)


def test_a_page_of_pure_navigation_has_no_content_left() -> None:
    assert [b for _, b in marked(NAVIGATION_PAGE)] == [True] * len(marked(NAVIGATION_PAGE))
    # The same titles over an article are its headline and standfirst: content.
    article = "Japan economy grows in third quarter\nExports rose for a fourth month\n\n" + BODY
    assert boilerplate(article) == []


@pytest.mark.parametrize(
    "article",
    [
        {"id": "nav", "text": NAVIGATION_PAGE},
        {"id": "nav", "text": "Home | News | Sport"},
        {
            "id": "nav",
            "html": "<html><body><nav><a href='/'>Home</a> | <a href='/n'>News</a> | "
            "<a href='/s'>Sport</a></nav><ul><li><a href='/a'>Japan economy grows in third "
            "quarter</a></li><li><a href='/b'>Italy votes on budget next week</a></li>"
            "<li><a href='/c'>Leaders meet in Rome for talks</a></li></ul></body></html>",
        },
    ],
)
def test_navigation_alone_is_a_typed_error_not_a_headline(article: dict[str, str]) -> None:
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.config import Settings
    from service.drafting.extractive import ExtractiveModel

    api = TestClient(create_app(Settings(), model=ExtractiveModel()))
    reply = api.post("/summarize", json={"articles": [article]})
    assert reply.status_code == 422, reply.json()
    assert reply.json()["type"] == "invalid_request"
    assert "only page boilerplate" in reply.json()["detail"]
    # Beside a real article it is simply never cited.
    real = {"id": "real", "text": BODY}
    reply = api.post("/summarize", json={"articles": [article, real]})
    assert reply.status_code == 200
    cited = {c["article_id"] for p in reply.json()["summary"]["key_points"] for c in p["citations"]}
    assert cited == {"real"}
    assert reply.json()["summary"]["headline"]["citations"][0]["article_id"] == "real"
