"""Citations carry UTF-16 offsets that slice the same text a browser's String.slice would."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.api.app import create_app
from service.config import Settings
from service.text.utf16 import utf16_offset


def _utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])), st.data())
def test_utf16_offset_counts_code_units(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert utf16_offset(text, start) == len(text[:start].encode("utf-16-le")) // 2
    assert _utf16_slice(text, utf16_offset(text, start), utf16_offset(text, end)) == text[start:end]


ARTICLE = (
    "🎉🎉 Festival news 🎌. 東京で祭りが開かれた。 "
    "The city council said the harbour festival drew 40,000 visitors on Saturday 🎆. "
    "Organisers 🙌 said the fireworks show over the bay would return next year. "
    "Police said two people were treated for minor injuries near the 𝒮tage."
)


def test_citations_of_a_text_with_emoji_and_japanese_slice_alike_in_utf16() -> None:
    client = TestClient(create_app(Settings()))
    body = {"articles": [{"id": "fest", "text": ARTICLE}]}
    response = client.post("/summarize", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    (text,) = [a["text"] for a in result["articles"]]
    summary = result["summary"]
    sentences = [*summary["key_points"], *summary["quotes"]]
    sentences += [s for s in (summary["headline"], summary["event"]) if s]
    citations = [c for s in sentences for c in s["citations"]]
    assert citations
    astral_before = 0
    for c in citations:
        assert text[c["start"] : c["end"]] == c["text"]
        assert _utf16_slice(text, c["start_utf16"], c["end_utf16"]) == c["text"]
        astral_before = max(astral_before, c["start_utf16"] - c["start"])
    # The emoji before the cited sentences shift their UTF-16 offsets: the test means it.
    assert astral_before > 0
    verified = client.post(
        "/verify",
        json={
            "articles": [{"id": "fest", "text": ARTICLE}],
            "sentences": ["The harbour festival drew 40,000 visitors on Saturday."],
        },
    ).json()
    (result_sentence,) = verified["results"]
    for c in result_sentence["citations"]:
        assert _utf16_slice(text, c["start_utf16"], c["end_utf16"]) == c["text"]


@given(st.text(), st.data())
def test_utf16_offset_counts_a_lone_surrogate_as_one_unit(text: str, data: st.DataObject) -> None:
    # JSON can carry a lone surrogate ("\ud800"): one code unit, as a browser counts it.
    index = data.draw(st.integers(0, len(text)))
    astral = sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)
    assert utf16_offset(text, index) == index + astral
