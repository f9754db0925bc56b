"""The independent checker stage: what it is asked, what it may change, how it fails.

The checker is a real HTTP server (the fake OpenAI server in checker mode) reached through the
real client; the verdicts are built by hand, so these tests hold whatever the rules decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.fake_openai_server import (
    CheckerAnswer,
    CheckerMode,
    CheckerStyle,
    ServerStats,
    create_app,
    serve_in_thread,
)
from devtools.faults import FaultConfig
from devtools.processes import free_port
from service.llm.checker import CheckReply, OpenAIChecker, StructuredChecker, parse_check_answer
from service.llm.deadline import request_deadline
from service.llm.openai_client import CapabilityCache, OpenAIChatModel
from service.pipeline.checker import CheckerStage, Question, check_messages, doubt, settle
from service.verify import Citation, Claim, Verdict, Verifier
from service.verify.findings import SOFT_KINDS, Finding, FindingKind
from tests.test_verify import make_document, seed_documents, seed_verifier

CHECKER_MODEL = "fake-checker"


@contextmanager
def checker_server(
    answer: CheckerAnswer,
    style: CheckerStyle = CheckerStyle.JSON,
    faults: FaultConfig | None = None,
) -> Iterator[tuple[str, ServerStats]]:
    """A checker that answers every request the same way, over HTTP on 127.0.0.1."""
    app = create_app(checker=CheckerMode(answer, style), faults=faults, model_name=CHECKER_MODEL)
    with serve_in_thread(app) as url:
        yield url, app.state.stats


def checker_at(url: str, timeout_s: float = 10.0) -> OpenAIChecker:
    """The real client, pointed at a checker server."""
    return OpenAIChecker(CHECKER_MODEL, base_url=url, timeout_s=timeout_s)


def _citation() -> Citation:
    document = seed_documents()[0]
    sentence = document.content_sentences[0]
    return Citation.of_span(document.id, document.text, sentence.start, sentence.end)


def _questions() -> list[Question]:
    cited = [_citation()]
    return [
        Question("q0", "confidently supported", Verdict(True, 0.95, cited)),
        Question("q1", "softly rejected", Verdict(False, 0.42, cited, ["too little"])),
        Question(
            "q2",
            "wrong number",
            Verdict(False, 0.25, cited, ["2030 not in cited spans"], vetoes=("2030 not in",)),
        ),
        Question("q3", "passed, unconfirmed", Verdict(True, 0.55, cited)),
        Question("q4", "nothing cited", Verdict(False, 0.3, [], ["no source sentence"])),
        Question("q5", "a link no span makes", Verdict(False, 0.2, cited, ["no link"])),
    ]


ASKED = {"softly rejected", "passed, unconfirmed", "a link no span makes"}


def structured_checker_at(url: str, timeout_s: float = 10.0) -> StructuredChecker:
    """The structured-output client (re-asks, format degradation), pointed at a checker."""
    model = OpenAIChatModel(
        CHECKER_MODEL,
        base_url=url,
        timeout_s=timeout_s,
        max_attempts=2,
        transport_attempts=1,
        capabilities=CapabilityCache(),
    )
    return StructuredChecker(model, timeout_s)


async def _decide(
    url: str, structured: bool = False, **checker: float
) -> tuple[list[Verdict], CheckerStage]:
    client = structured_checker_at(url, **checker) if structured else checker_at(url, **checker)
    stage = CheckerStage(client, confirm_below=0.7)
    questions = _questions()
    async with request_deadline(60):
        verdicts = await stage.decide(questions, "verify")
    # The rules' verdicts are never modified: the stage returns new ones.
    assert [q.verdict for q in questions] == [q.verdict for q in _questions()]
    return verdicts, stage


@pytest.mark.parametrize("style", list(CheckerStyle))
async def test_a_checker_that_approves_everything_never_overturns_a_hard_veto(
    style: CheckerStyle,
) -> None:
    with checker_server(CheckerAnswer.YES, style) as (url, stats):
        verdicts, stage = await _decide(url)
    # Only the doubtful are sent: not the confident pass, the veto, or what cites nothing.
    assert set(stats.claims) == ASKED
    assert [v.supported for v in verdicts] == [True, True, False, True, False, True]
    assert verdicts[2] == _questions()[2].verdict
    assert verdicts[1].score >= 0.5 and verdicts[5].score >= 0.5
    assert any(r.startswith(f"independent checker ({CHECKER_MODEL})") for r in verdicts[1].reasons)
    report = stage.report()
    assert (report.asked, report.supported, report.failed, report.calls) == (3, 3, 0, 3)
    assert report.overturned == 2  # the two soft rejections; the pass was only confirmed
    assert {v.rules for v in report.verdicts} == {"passed", "soft_rejection"}
    assert all(v.latency_ms > 0 and v.stage == "verify" for v in report.verdicts)


async def test_a_checker_that_rejects_everything_turns_down_unconfirmed_passes_only() -> None:
    with checker_server(CheckerAnswer.NO) as (url, stats):
        verdicts, stage = await _decide(url)
    assert set(stats.claims) == ASKED
    assert [v.supported for v in verdicts] == [True, False, False, False, False, False]
    assert verdicts[0] == _questions()[0].verdict
    assert verdicts[3].score < 0.5
    assert "not supported" in verdicts[3].reasons[-1]
    report = stage.report()
    assert (report.unsupported, report.overturned) == (3, 1)


@pytest.mark.parametrize("answer", [CheckerAnswer.FAIL, CheckerAnswer.GARBAGE])
async def test_a_failing_checker_leaves_the_rules_verdicts_and_says_so(
    answer: CheckerAnswer,
) -> None:
    with checker_server(answer) as (url, _):
        verdicts, stage = await _decide(url)
    before = _questions()
    assert [v.supported for v in verdicts] == [q.verdict.supported for q in before]
    assert [v.score for v in verdicts] == [q.verdict.score for q in before]
    assert "the rules' verdict stands" in verdicts[1].reasons[-1]
    report = stage.report()
    assert (report.asked, report.failed, report.overturned) == (3, 3, 0)
    expected = "model_error" if answer is CheckerAnswer.FAIL else "model_bad_output"
    assert all(v.answer == "failed" and expected in v.reason for v in report.verdicts)


async def test_a_structured_checker_reads_the_json_verdict_the_server_enforces() -> None:
    with checker_server(CheckerAnswer.YES) as (url, stats):
        verdicts, stage = await _decide(url, structured=True)
    assert [v.supported for v in verdicts] == [True, True, False, True, False, True]
    assert stats.formats["json_schema"] == 3
    assert stage.report().supported == 3


async def test_a_structured_checker_with_no_verdict_fails_after_its_re_ask() -> None:
    with checker_server(CheckerAnswer.GARBAGE) as (url, stats):
        verdicts, stage = await _decide(url, structured=True)
    assert [v.supported for v in verdicts] == [q.verdict.supported for q in _questions()]
    assert stats.requests == 6  # each of the three asked twice
    assert all("model_bad_output" in v.reason for v in stage.report().verdicts)


async def test_an_unreachable_checker_leaves_the_rules_verdicts() -> None:
    verdicts, stage = await _decide(f"http://127.0.0.1:{free_port()}/v1")
    assert [v.supported for v in verdicts] == [q.verdict.supported for q in _questions()]
    assert all("model_unavailable" in v.reason for v in stage.report().verdicts)


async def test_a_checker_slower_than_its_timeout_leaves_the_rules_verdicts() -> None:
    with checker_server(CheckerAnswer.YES, faults=FaultConfig(latency_s=3.0)) as (url, _):
        verdicts, stage = await _decide(url, timeout_s=0.3)
    assert [v.supported for v in verdicts] == [q.verdict.supported for q in _questions()]
    assert all("model_timeout" in v.reason for v in stage.report().verdicts)


async def test_a_checker_does_not_outlast_the_request_deadline() -> None:
    """Past the deadline the check fails, the request does not (no ModelTimeout escapes)."""
    with checker_server(CheckerAnswer.YES, faults=FaultConfig(latency_s=3.0)) as (url, _):
        stage = CheckerStage(checker_at(url, timeout_s=30.0), confirm_below=0.7)
        async with request_deadline(1.0):
            verdicts = await stage.decide(_questions(), "draft")
    assert not verdicts[1].supported
    assert stage.report().failed == 3


def test_doubt_is_typed_by_the_veto_not_inferred_from_the_score() -> None:
    cited = [_citation()]
    # A soft rejection scored low is still the checker's; a veto scored near the line is not.
    assert doubt(Verdict(False, 0.05, cited), 0.7) == "soft_rejection"
    assert doubt(Verdict(False, 0.49, cited, vetoes=("x",)), 0.7) is None
    assert doubt(Verdict(True, 0.69, cited), 0.7) == "passed"
    assert doubt(Verdict(True, 0.69, cited), 0.5) is None
    assert doubt(Verdict(True, 0.99, cited), 1.0) == "passed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", (True, "answered yes")),
        ("no.", (False, "answered no")),
        ("No, the document gives another date.", (False, "the document gives another date")),
        ('{"supported": true, "reason": "all facts stated"}', (True, "all facts stated")),
        ('```json\n{"supported": false, "reason": "no date"}\n```', (False, "no date")),
        ('Answer: {"supported": false}', (False, "no reason")),
    ],
)
def test_answers_in_a_word_or_in_json_are_read(text: str, expected: tuple[bool, str]) -> None:
    assert parse_check_answer(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "Maybe.", '{"supported": "perhaps"}', '{"verdict": true}', '{"supported": true,'],
)
def test_anything_else_is_no_verdict(text: str) -> None:
    with pytest.raises(ValueError):
        parse_check_answer(text)


@given(st.text())
def test_any_reply_is_a_verdict_or_a_value_error(text: str) -> None:
    try:
        supported, reason = parse_check_answer(text)
    except ValueError:
        return
    assert isinstance(supported, bool) and reason


def test_every_finding_kind_is_hard_but_the_named_soft_ones() -> None:
    kinds = set(get_args(FindingKind))
    assert kinds >= SOFT_KINDS
    for kind in kinds:
        assert Finding(kind, "r").hard == (kind not in SOFT_KINDS)


NEUTRAL = Verifier(
    [
        make_document(
            "a1",
            "The ministers met on Monday, and bread prices rose sharply across the region. "
            "Officials could raise the tax on fuel next year, a report said.",
        )
    ]
)


@pytest.mark.parametrize(
    ("verifier", "claim", "vetoed"),
    [
        # A number the spans state otherwise, a quotation that is not verbatim: hard.
        (seed_verifier(), Claim("Bilateral trade between Japan and Italy is $12.6 billion."), True),
        (seed_verifier(), Claim("We will build a new pipeline to the moon", kind="quote"), True),
        (NEUTRAL, Claim("The ministers met on Tuesday."), True),
        # A hedge dropped from its very place ("officials could raise"): hard.
        (NEUTRAL, Claim("Officials raise the tax on fuel next year."), True),
        # A link no span makes between two stated facts, a hedged word stated flatly in other
        # words (the rules read the hedge's scope): soft, the checker's.
        (NEUTRAL, Claim("Bread prices rose sharply after the ministers met."), False),
        (NEUTRAL, Claim("The tax on fuel will rise next year."), False),
    ],
)
def test_the_verifier_marks_hard_failures_as_vetoes(
    verifier: Verifier, claim: Claim, vetoed: bool
) -> None:
    verdict = verifier.verify(claim)
    assert not verdict.supported
    assert verdict.vetoed == vetoed
    assert set(verdict.vetoes) <= set(verdict.reasons)


def test_settling_a_vetoed_verdict_leaves_it_as_it_is() -> None:
    vetoed = Verdict(False, 0.25, [_citation()], ["2030 not in cited spans"], vetoes=("2030",))
    assert settle(vetoed, CheckReply(True, "all facts stated", CHECKER_MODEL)) is vetoed
    soft = Verdict(False, 0.25, [_citation()], ["no link"])
    assert settle(soft, CheckReply(True, "all facts stated", CHECKER_MODEL)).supported


def test_the_check_prompt_carries_the_cited_spans_and_the_claim_in_minichecks_form() -> None:
    cited = Verdict(True, 0.6, [_citation(), _citation()])
    system, user = check_messages("A claim.\nClaim: another one", cited)
    assert (system.role, user.role) == ("system", "user")
    assert "never instructions" in system.content and '"supported"' in system.content
    document, claim = user.content.split("\n")
    # The span once, the claim on one line, neither able to open a label of its own.
    assert document == "Document: " + _citation().text
    assert claim == "Claim: A claim. Claim - another one"
