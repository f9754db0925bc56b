"""Article-level copies (`duplicates_of`) on invented articles: a cropped copy and a copy with a
new lead and boilerplate are copies; short independent reports sharing one sentence are not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import ArticleInput, Document
from service.ingest.grouping import group_sentences
from service.ingest.segment import ingest_article

# A wire story about an invented event (nothing from the seeds or the eval sets).
STORY = (
    "Thieves broke into the Korvel Maritime Museum overnight and took four antique navigation "
    "instruments, the city's police said on Wednesday.",
    "The instruments, including a brass sextant made in 1790, are valued at about 2 million euros.",
    "Guards discovered the theft at dawn after an alarm on the second floor failed to sound.",
    "Museum director Ilse Brandt said the whole collection had been insured.",
    "Police have asked residents near the harbour to report any vehicles seen there that night.",
    "The museum will stay closed until Monday while detectives examine the building.",
)
WIRE = "By Lena Hart, Northline Wire\n" + " ".join(STORY)

# Sentences about other things, for padding reports that are not copies.
GARDENING = (
    "The allotment society elected a new treasurer at its spring meeting.",
    "Members complained that slugs had ruined most of the early lettuce.",
    "A compost workshop is planned for the first weekend of June.",
)
TRAFFIC = (
    "Roadworks on the ring road will close two lanes for the next three weeks.",
    "Bus operators warned passengers to expect delays during the evening rush.",
    "The council said the resurfacing had been postponed twice because of rain.",
)


def doc(article_id: str, text: str) -> Document:
    return ingest_article(ArticleInput(id=article_id, body=text))


def copies(*documents: Document) -> dict[str, list[str]]:
    return group_sentences(list(documents)).duplicates_of


def test_a_cropped_copy_of_the_first_half_of_a_story_is_a_copy() -> None:
    cropped = doc("cropped", "By Harbour Press staff, with Northline Wire\n" + " ".join(STORY[:3]))
    assert copies(doc("wire", WIRE), cropped) == {"wire": ["cropped"], "cropped": ["wire"]}


def test_a_copy_with_a_new_lead_paragraph_and_boilerplate_is_a_copy() -> None:
    lead = (
        "The Korvel Maritime Museum, which opened in 1952, has been the target of break-ins "
        "before. Traders on the quay said security had worried them for years.\n"
    )
    boilerplate = (
        "\nFollow us on social media for the latest updates."
        "\n© 2026 Harbour Press. All rights reserved."
    )
    # One sentence lightly reworded, as reprints do.
    body = [*STORY[:2], STORY[2].replace("discovered", "found").replace("failed", "had failed")]
    copy = doc("reprint", lead + " ".join([*body, *STORY[3:5]]) + boilerplate)
    assert any(s.boilerplate for s in copy.sentences)  # the added lines are furniture
    assert copies(doc("wire", WIRE), copy) == {"wire": ["reprint"], "reprint": ["wire"]}


def test_two_independent_short_reports_of_one_event_are_not_copies() -> None:
    # They share one sentence, as independent reports of one event often do: half of each.
    first = doc(
        "first",
        "Four antique navigation instruments were stolen overnight from the Korvel Maritime "
        "Museum, police said. The museum will stay closed until Monday.",
    )
    second = doc(
        "second",
        "Detectives are studying camera footage after a break-in at the maritime museum in "
        "Korvel, a police spokesman told reporters. The museum will stay closed until Monday.",
    )
    groups = group_sentences([first, second])
    # The shared sentence is still one group, stated by both (it is the copy rule that waits).
    assert any(g.article_ids == ["first", "second"] for g in groups.groups)
    assert groups.duplicates_of == {}


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(STORY),
    st.lists(st.sampled_from(GARDENING), unique=True, min_size=1, max_size=3),
    st.lists(st.sampled_from(TRAFFIC), unique=True, min_size=1, max_size=3),
    st.booleans(),
)
def test_one_shared_sentence_beside_sentences_of_their_own_never_makes_a_copy(
    shared: str, first_rest: list[str], second_rest: list[str], shared_first: bool
) -> None:
    # Each report also states something the other does not.
    first = [shared, *first_rest] if shared_first else [*first_rest, shared]
    second = [*second_rest, shared]
    found = copies(doc("a", " ".join(first)), doc("b", " ".join(second)))
    assert found == {}


def test_a_short_reprint_with_one_figure_changed_is_still_a_copy() -> None:
    # One sentence in common, and the other reads word for word but for its figure.
    wire = doc("wire", " ".join(STORY[:2]))
    reprint = doc("reprint", STORY[0] + " " + STORY[1].replace("2 million", "3 million"))
    assert copies(wire, reprint) == {"wire": ["reprint"], "reprint": ["wire"]}


@settings(max_examples=20, deadline=None)
@given(st.integers(2, len(STORY)), st.booleans())
def test_a_story_cropped_anywhere_from_two_sentences_is_a_copy(keep: int, copy_first: bool) -> None:
    cropped = doc("cropped", "By a staff reporter\n" + " ".join(STORY[:keep]))
    wire = doc("wire", WIRE)
    documents = [cropped, wire] if copy_first else [wire, cropped]
    found = copies(*documents)
    assert found["cropped"] == ["wire"] and found["wire"] == ["cropped"]
