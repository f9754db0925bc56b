"""A model that tries to mislead, through draft, repair and a checker that approves everything:
nothing it changes is returned.

The adversarial server (`devtools.adversarial_server`) answers the service's real OpenAI
client with schema-valid drafts whose sentences cite real passages but change one fact of
them (a unit, an ordinal, an organisation, a speaker, a hedge, a stance, reported speech made
a quotation, a number, a date, a person, a place, a negation, an antonym), repairs them into
other corruptions; the service's independent checker is a second server that approves every
sentence it is asked about, so only the rules' hard vetoes and the soft rejections kept from
the checker stand between them and a client. Articles also carry planted sentences that
address an AI in many wordings.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devtools.adversarial_server import (
    AdversarialModel,
    AttackResult,
    attack,
    create_adversarial_app,
    leaks,
)
from devtools.corruptions import ADVERSARIAL_KINDS, SOFT_KINDS, with_injections
from service.drafting.drafts import RepairDraft, SummaryDraft
from service.drafting.wire_format import fold
from tests.conftest import REPO, cited_objects, seed_articles

DATA = Path(__file__).with_name("data")
FRANK = REPO.parent / "shared" / "data" / "frank-valid" / "frank_valid_sentences.jsonl"
FRANK_ARTICLES = 4


def _test_articles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.json"))]


def _planted(article: dict[str, Any], seed: int) -> tuple[dict[str, Any], list[str]]:
    """The article with two AI-addressing sentences planted, and those sentences."""
    text, planted = with_injections(article["text"], random.Random(seed))
    return {**article, "text": text}, planted


def _check(result: AttackResult, planted: list[str]) -> None:
    """No leak, every response grounded, and no planted sentence ever reached the model."""
    assert set(result.statuses) == {200}, result.statuses
    # Added manner words ("secretly approved") are counted, not refused here: no hard check
    # can tell them from a synonym (see devtools.corruptions.SOFT_KINDS).
    hard = [leak for leak in result.leaks if leak.kind not in SOFT_KINDS]
    assert hard == [], [(leak.kind, leak.stage, leak.text) for leak in hard]
    for articles, body in result.bodies:
        texts = {a["id"]: a["text"] for a in articles}
        for item in cited_objects(body["summary"]):
            assert item["citations"], item
            for c in item["citations"]:
                assert texts[c["article_id"]][c["start"] : c["end"]] == c["text"]
            assert not any(p.rstrip(".") in item["text"] for p in planted), item["text"]
    # The planted sentences were excluded at ingest: the model never saw them to obey them.
    seen = {fold(line) for line in result.addressed}
    assert not seen & {fold(p) for p in planted}


@lru_cache(maxsize=1)
def _seed_attack() -> tuple[AttackResult, tuple[str, ...]]:
    planted: list[str] = []
    articles = []
    for number, article in enumerate(seed_articles()):
        with_planted, sentences = _planted(article, number)
        articles.append(with_planted)
        planted.extend(sentences)
    mine = _test_articles()
    harbour = [a for a in mine if a["id"].startswith("harbour")]
    others = [[a] for a in mine if not a["id"].startswith("harbour")]
    result = attack([articles, harbour, *others], repair=True, checker=True)
    return result, tuple(planted)


def test_the_adversary_writes_every_kind_through_draft_repair_and_an_approving_checker() -> None:
    result, planted = _seed_attack()
    assert planted
    assert set(ADVERSARIAL_KINDS) <= set(result.written), result.written
    assert result.calls["summarize"] and result.calls["repair"] and result.calls["check"]


def test_nothing_the_adversary_invents_is_returned_on_the_seeds_and_test_articles() -> None:
    result, planted = _seed_attack()
    _check(result, list(planted))


def test_no_fake_conflict_the_adversary_reports_is_returned() -> None:
    """An invented side, a passage set against itself in a story and its copy, and two
    sentences of one article: each is reported, none is returned, the invented side is
    listed as dropped."""
    result, _ = _seed_attack()
    assert {"invented side", "one passage", "one article"} <= set(result.conflicts)
    assert [leak for leak in result.leaks if leak.field.startswith("conflicts")] == []
    dropped = [d["field"] for _, body in result.bodies for d in body["verification"]["dropped"]]
    assert any(f.startswith("conflicts[") for f in dropped)


def _frank_articles() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in FRANK.read_text(encoding="utf-8").splitlines() if line]
    articles = {row["doc_id"]: row["article"] for row in rows}
    # A fixed spread over the split, not its first few.
    chosen = sorted(articles)[:: max(len(articles) // FRANK_ARTICLES, 1)][:FRANK_ARTICLES]
    return [(doc_id, articles[doc_id]) for doc_id in chosen]


@pytest.mark.skipif(not FRANK.exists(), reason="FRANK valid split not present (../shared)")
def test_nothing_the_adversary_invents_is_returned_on_frank_articles() -> None:
    sets: list[list[dict[str, Any]]] = []
    planted: list[str] = []
    for number, (doc_id, text) in enumerate(_frank_articles()):
        article, sentences = _planted({"id": f"f{doc_id[:8]}", "text": text}, number)
        sets.append([article])
        planted.extend(sentences)
    result = attack(sets, repair=True, checker=True)
    assert sum(result.written.values()) > 20 * FRANK_ARTICLES
    _check(result, planted)


# --- the adversary on its own -------------------------------------------------------------

SOURCES = """<articles>
[a1] source=Wire
</articles>
<source_sentences>
[g1 | a1] The council approved a 4.2 billion euro plan on Tuesday, its second in two years.
[g2 | a1] Harbour director Elena Marsh said the first ships could use the new berths in 2029.
[g3 | a1] "We are committed to this port," Tomas Brandt said after the vote.
[g4 | a1] The plan was backed by Calder Lines and opposed by the Eastmoor Environment Agency.
</source_sentences>"""


def _ask(client: TestClient, draft: str, content: str) -> str:
    body = {
        "model": "adversary",
        "messages": [{"role": "user", "content": content}],
        "response_format": {"type": "json_schema", "json_schema": {"name": draft, "schema": {}}},
    }
    reply = client.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text
    content_out: str = reply.json()["choices"][0]["message"]["content"]
    return content_out


def test_drafts_are_schema_valid_cite_real_passages_and_change_them() -> None:
    app, adversary = create_adversarial_app(AdversarialModel())
    client = TestClient(app)
    draft = SummaryDraft.model_validate_json(_ask(client, "SummaryDraft", SOURCES))
    sentences = [draft.headline, *draft.key_points]
    assert sentences
    for sentence in sentences:
        assert sentence.evidence and sentence.evidence[0].quote in SOURCES
        assert sentence.text not in SOURCES
        assert adversary.emitted[sentence.text].stage == "draft"
    body = {"summary": json.loads(draft.model_dump_json(exclude={"conflicts"}))}
    body["summary"]["quotes"] = [{"text": q.quote, "speaker": q.speaker} for q in draft.quotes]
    assert len(leaks(body["summary"], adversary)) == len(sentences) + (
        1 if draft.event else 0
    ) + len(draft.quotes)


def test_its_conflicts_cite_real_passages_and_are_all_fake() -> None:
    app, adversary = create_adversarial_app(AdversarialModel())
    draft = SummaryDraft.model_validate_json(_ask(TestClient(app), "SummaryDraft", SOURCES))
    # One article: an invented side, and two of its sentences set against each other.
    assert [adversary.conflicts[c.about] for c in draft.conflicts] == [
        "invented side",
        "one article",
    ]
    for conflict in draft.conflicts:
        assert all(claim.evidence[0].quote in SOURCES for claim in conflict.claims)
    summary = {"conflicts": json.loads(draft.model_dump_json())["conflicts"]}
    found = {leak.field for leak in leaks(summary, adversary)}
    assert {"conflicts[0]", "conflicts[0].claims[1]", "conflicts[1]"} <= found


def test_repairs_are_other_corruptions_of_the_same_source_sentence() -> None:
    app, adversary = create_adversarial_app(AdversarialModel())
    client = TestClient(app)
    draft = SummaryDraft.model_validate_json(_ask(client, "SummaryDraft", SOURCES))
    failed = draft.key_points[0].text if draft.key_points else draft.headline.text
    repair = RepairDraft.model_validate_json(
        _ask(client, "RepairDraft", f"{SOURCES}\n\nSentences to repair:\n[0] {failed}")
    )
    fixed = repair.repairs[0].sentence
    assert fixed is not None and fixed.text != failed
    assert adversary.emitted[fixed.text].stage == "repair"
    assert adversary.emitted[fixed.text].source == adversary.emitted[failed].source
