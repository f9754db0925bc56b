"""The summarize prompt carries each passage once: far fewer tokens than the articles whole."""

from __future__ import annotations

from typing import Any

from benchmarks.bench_prompt_tokens import RecordingModel, figures
from service.api.mapping import summarize_request
from service.api.schemas import ArticleIn, SummarizeRequest
from service.config import Settings

WIRE = (
    "The regional council approved a 4.2 billion euro expansion of the northern harbour on "
    "Tuesday after a four-hour debate. The plan adds six deep-water berths and a rail link to "
    "the container terminal. Harbour director Elena Marsh said the first ships could use the "
    "new berths in 2029. Environmental groups said they would challenge the decision in court, "
    "citing the loss of tidal wetlands. The council said 1,200 construction jobs would be "
    "created over five years. Shipping firms have long complained that the harbour cannot take "
    "the largest vessels. The vote passed by 31 to 14, with two abstentions."
)
INDEPENDENT = [
    "Councillors backed the harbour expansion by 31 votes to 14 on Tuesday evening. Opponents "
    "warned that dredging would destroy wetlands used by migrating birds. Elena Marsh, who runs "
    "the harbour, promised a study of the tidal flats before work begins.",
    "The northern harbour will get six new berths under a plan approved on Tuesday. Local "
    "hauliers welcomed the rail link, which they said would take 400 lorries a day off the "
    "coast road. Construction is due to start next spring.",
]


def _articles() -> list[dict[str, Any]]:
    copies = [
        {"id": "wire-7731", "source": "Coastal Wire", "text": WIRE},
        # A copy under another byline, its ending cropped.
        {
            "id": "gazette-20260113-a",
            "source": "Harbour Gazette",
            "text": "By Staff Reporter. " + WIRE.rsplit(" The vote", 1)[0],
        },
        {"id": "daily-88412", "source": "Evening Daily", "text": WIRE},
    ]
    independent = [
        {"id": f"report-{n}", "source": f"Paper {n}", "text": text}
        for n, text in enumerate(INDEPENDENT)
    ]
    return copies + independent


def test_the_prompt_is_under_three_quarters_of_the_articles_sent_whole() -> None:
    found = figures(_articles())
    assert found.prompt < 0.75 * found.whole_same_instruction, found
    assert found.prompt < found.whole_before


async def test_a_syndicated_passage_is_sent_once_and_its_copies_are_named() -> None:
    model = RecordingModel()
    request = SummarizeRequest(articles=[ArticleIn.model_validate(a) for a in _articles()])
    response = await summarize_request(request, model=model, settings=Settings())
    prompt = "\n".join(m.content for m in model.requests[0].messages)
    assert prompt.count("Harbour director Elena Marsh said the first ships") == 1
    assert "copy of A" in prompt
    # No client id travels: the tags do, and every citation came back to the client's ids.
    assert not any(a["id"] in prompt for a in _articles())
    ids = {a["id"] for a in _articles()}
    cited = [c.article_id for p in response.summary.key_points for c in p.citations]
    assert cited and set(cited) <= ids
