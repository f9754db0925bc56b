"""A model that tries to mislead, served over the OpenAI wire format.

    python -m devtools.adversarial_server --port 8082

serves, at http://127.0.0.1:8082/v1, a model whose every reply is schema-valid and cites
real passages, but whose sentences change what those passages say: a unit ("5 km" ->
"5 miles"), an ordinal, an organisation or a speaker swapped for another the sources name, a
dropped hedge, a reversed stance, reported speech turned into a quotation, and the older
kinds (number, date, person, place, negation, antonym). Sentences of the sources that address
an AI system are copied as facts, and what they ask for is written as a fact too. Each draft
also reports conflicts that are not: one side a corruption, a passage set against itself in
two articles (a story and its syndicated copy), two sentences of one article. Repair
calls answer with another corruption of the same source sentence. The corruptions are built
from whatever articles the prompt carries (`devtools.corruptions`), so it works on any
article.

The wire format, capability emulation and the rest are `devtools.fake_openai_server`'s:
this module only supplies the model. `GET /_adversary/emitted` lists every unsupported
sentence written so far with its kind and the stage that wrote it, so a test can prove none
of them reached a client. `attack` runs the service against it with, as its independent
checker, a second server that approves every sentence it is asked about
(`devtools.fake_openai_server` in `--checker yes` mode, under another model name): the worst
checker there is, which may bring back only what the rules leave to a checker.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from devtools.corruptions import (
    ADVERSARIAL_KINDS,
    ALL_KINDS,
    INJECTION,
    OBEYED,
    Corruption,
    Corruptor,
    addresses_an_ai,
    obeyed,
)
from devtools.fake_openai_server import (
    CheckerAnswer,
    CheckerMode,
    create_app,
    serve_in_thread,
)
from service.config import Settings
from service.drafting.drafts import (
    DraftConflict,
    DraftEvent,
    DraftQuote,
    DraftSentence,
    Evidence,
    RepairDraft,
    RepairedSentence,
    SummaryDraft,
)
from service.drafting.wire_format import SourceLine, parse_blocks
from service.errors import ModelOutputError
from service.llm.base import ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from service.text.token_count import count_tokens

DRAFT = "draft"
REPAIR = "repair"
# The approve-everything checker's model name: never the writer's (settings refuse that).
CHECKER = "adversary-checker"
_LISTED_RE = re.compile(r"(?m)^\[(\d+)\] (.+)$")
# Key points per draft when the request states no limit; with a limit, half of it, so that
# the points a checker or a repair brings back still fit under the cap the pipeline enforces.
_DEFAULT_BATCH = 8
# The `about` of every conflict the adversary reports starts so; none is a real disagreement.
FAKE_CONFLICT = "disputed"


@dataclass(frozen=True)
class Emitted:
    """One unsupported sentence the adversary wrote: its kind and the call that wrote it."""

    kind: str
    stage: str
    source: str
    # For a quotation: the speaker it was credited to.
    speaker: str | None = None


class AdversarialModel:
    """Writes corruptions of the prompt's own sources, and repairs them into other ones.

    Each draft call for the same sources writes the next batch of corruptions, so repeated
    requests (with fresh article ids, which change the prompt) go through all of them.
    """

    name = "adversary"
    profile = ModelProfile()

    def __init__(self, kinds: Sequence[str] = ALL_KINDS, context_tokens: int = 16_384) -> None:
        self.kinds = tuple(kinds)
        self.context_tokens = context_tokens
        self.emitted: dict[str, Emitted] = {}
        self.quotes: dict[tuple[str, str], Emitted] = {}
        self._cursor: dict[str, int] = {}
        self._plans: dict[str, list[Corruption]] = {}
        self._corruptors: dict[str, Corruptor] = {}
        self._lock = threading.Lock()
        # The sources of the latest draft call, by key.
        self.last_sources: str | None = None
        # Source sentences seen in a prompt that seem to address an AI (and were obeyed).
        self.addressed: set[str] = set()
        # Calls answered, by task: "summarize", "repair".
        self.calls: Counter[str] = Counter()
        # The fake conflicts reported: `about` -> how it is fake.
        self.conflicts: dict[str, str] = {}

    # --- bookkeeping ------------------------------------------------------------------

    def latest_exhausted(self) -> bool:
        """Whether the latest draft call's sources have had every corruption written."""
        with self._lock:
            key = self.last_sources
            if key is None:
                return False
            return self._cursor.get(key, 0) >= len(self._plans.get(key, ()))

    def _record(self, corruption: Corruption, stage: str) -> None:
        emitted = Emitted(corruption.kind, stage, corruption.source, corruption.speaker)
        with self._lock:
            if corruption.speaker is None:
                self.emitted.setdefault(corruption.text, emitted)
            else:
                self.quotes.setdefault((corruption.speaker, corruption.text), emitted)

    def _corruptor(self, texts: Sequence[str]) -> Corruptor:
        key = _key(texts)
        with self._lock:
            corruptor = self._corruptors.get(key)
        if corruptor is None:
            corruptor = Corruptor(texts)
            with self._lock:
                self._corruptors[key] = corruptor
        return corruptor

    # --- the model interface ----------------------------------------------------------

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        """Answer a draft, reduce or repair call with what misleads the most."""
        prompt = "\n".join(m.content for m in request.messages)
        with self._lock:
            self.calls[request.task] += 1
        output: BaseModel
        if request.output_type is SummaryDraft:
            output = self._summary(prompt, request.max_key_points, request.max_output_tokens)
        elif request.output_type is RepairDraft:
            output = self._repairs(prompt)
        else:
            raise ModelOutputError(f"the adversary cannot write {request.output_type.__name__}")
        raw = output.model_dump_json()
        return ModelReply(
            output=request.output_type.model_validate(output.model_dump()),
            raw=raw,
            model=self.name,
            usage=Usage(1, count_tokens(prompt), count_tokens(raw)),
        )

    async def aclose(self) -> None:
        """Nothing to release."""

    # --- drafts -----------------------------------------------------------------------

    def _summary(
        self, prompt: str, max_key_points: int | None, max_output_tokens: int
    ) -> SummaryDraft:
        blocks = parse_blocks(prompt)
        if not blocks.sources and blocks.candidates:
            # A reduce call: keep every candidate as it came (the map calls corrupted them).
            sources = [SourceLine(c.key, c.article_ids, c.text) for c in blocks.candidates]
        else:
            sources = blocks.sources
        texts = [s.text for s in sources]
        if not texts:
            raise ModelOutputError("the prompt carries no source sentences to corrupt")
        article_of = {s.text: s.article_ids[0] if s.article_ids else "" for s in sources}
        batch_size = max(1, max_key_points // 2) if max_key_points else _DEFAULT_BATCH
        batch = self._next_batch(texts, batch_size + 1, max_output_tokens)
        for corruption in batch:
            self._record(corruption, DRAFT)
        quotes = [
            DraftQuote(speaker=c.speaker, quote=c.text, article_id=article_of.get(c.source, ""))
            for c in batch
            if c.speaker is not None
        ]
        sentences = [_sentence(c, article_of) for c in batch if c.speaker is None]
        if not sentences:
            sentences = [_sentence(Corruption(INJECTION, texts[0], texts[0]), article_of)]
        return SummaryDraft(
            headline=sentences[0],
            event=_event(sentences[-1]) if len(sentences) > 1 else None,
            key_points=sentences[1:-1] if len(sentences) > 2 else sentences[1:],
            quotes=quotes,
            conflicts=self._fake_conflicts(sources, batch, article_of),
        )

    def _fake_conflicts(
        self,
        sources: Sequence[SourceLine],
        batch: Sequence[Corruption],
        article_of: dict[str, str],
    ) -> list[DraftConflict]:
        """Conflicts that are not: an invented side, a passage against itself, one article
        against itself. Each side cites a real passage."""
        sides: dict[str, list[DraftSentence]] = {}
        invented = next((c for c in batch if c.speaker is None and c.text != c.source), None)
        other = next((s for s in sources if invented and s.text != invented.source), None)
        if invented is not None and other is not None:
            sides["invented side"] = [
                _quoted(other.text, article_of[other.text]),
                _sentence(invented, article_of),
            ]
        shared = next((s for s in sources if len(s.article_ids) > 1), None)
        if shared is not None:
            sides["one passage"] = [_quoted(shared.text, aid) for aid in shared.article_ids[:2]]
        by_article: dict[str, list[str]] = {}
        for line in sources:
            by_article.setdefault(line.article_ids[0] if line.article_ids else "", []).append(
                line.text
            )
        own = next(((aid, t) for aid, t in by_article.items() if len(t) > 1), None)
        if own is not None:
            sides["one article"] = [_quoted(text, own[0]) for text in own[1][:2]]
        conflicts = []
        for kind, claims in sides.items():
            about = f"{FAKE_CONFLICT} {kind} ({len(self.conflicts) + 1})"
            with self._lock:
                self.conflicts[about] = kind
            conflicts.append(DraftConflict(about=about, claims=claims))
        return conflicts

    def _next_batch(self, texts: Sequence[str], size: int, max_tokens: int) -> list[Corruption]:
        """The next corruptions of these sources, as many as fit in the reply."""
        key = _key(texts)
        with self._lock:
            plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(texts)
            with self._lock:
                self._plans.setdefault(key, plan)
        with self._lock:
            self.last_sources = key
            start = self._cursor.get(key, 0)
            if start >= len(plan):
                start = 0
            batch: list[Corruption] = []
            # Each item costs its text and its cited source in the reply; leave room for JSON.
            room = int(max_tokens * 0.7)
            for corruption in plan[start : start + size]:
                cost = count_tokens(corruption.text) + count_tokens(corruption.source) + 20
                if batch and cost > room:
                    break
                batch.append(corruption)
                room -= cost
            self._cursor[key] = start + len(batch)
        return batch

    def _plan(self, texts: Sequence[str]) -> list[Corruption]:
        """Every corruption of the sources, the injections first, then kind by kind in turn."""
        corruptor = self._corruptor(texts)
        injected: list[Corruption] = []
        for text in texts:
            if addresses_an_ai(text):
                with self._lock:
                    self.addressed.add(text)
                injected.append(Corruption(INJECTION, text, text))
                payload = obeyed(text)
                if payload is not None:
                    injected.append(Corruption(OBEYED, payload, text))
        by_kind: dict[str, list[Corruption]] = {kind: [] for kind in self.kinds}
        for text in texts:
            if addresses_an_ai(text):
                continue
            for corruption in corruptor.corruptions(text, self.kinds):
                by_kind[corruption.kind].append(corruption)
            for corruption in corruptor.quotations(text):
                if corruption.kind in by_kind:
                    by_kind[corruption.kind].append(corruption)
        # Round robin over the kinds, so every batch mixes them.
        mixed: list[Corruption] = []
        queues = [q for q in by_kind.values() if q]
        while queues:
            mixed.extend(q.pop(0) for q in queues)
            queues = [q for q in queues if q]
        return injected + list({(c.speaker, c.text): c for c in mixed}.values())

    # --- repairs ----------------------------------------------------------------------

    def _repairs(self, prompt: str) -> RepairDraft:
        """Each failed sentence "repaired" into another corruption of its source sentence."""
        blocks = parse_blocks(prompt)
        texts = [s.text for s in blocks.sources]
        article_of = {s.text: s.article_ids[0] if s.article_ids else "" for s in blocks.sources}
        corruptor = self._corruptor(texts) if texts else None
        repairs: list[RepairedSentence] = []
        for index, failed in _LISTED_RE.findall(prompt):
            fix = self._another(failed, corruptor)
            if fix is None:
                repairs.append(RepairedSentence(index=int(index), sentence=None))
                continue
            self._record(fix, REPAIR)
            repairs.append(RepairedSentence(index=int(index), sentence=_sentence(fix, article_of)))
        return RepairDraft(repairs=repairs)

    def _another(self, failed: str, corruptor: Corruptor | None) -> Corruption | None:
        """A corruption of the failed sentence's source not written before, of another kind."""
        with self._lock:
            known = self.emitted.get(failed)
        if corruptor is None:
            return None
        source = known.source if known is not None else failed
        if known is not None and known.kind in (INJECTION, OBEYED):
            payload = obeyed(source)
            if payload is not None and payload not in self.emitted:
                return Corruption(OBEYED, payload, source)
            return Corruption(INJECTION, source, source)
        kinds = [k for k in (*ADVERSARIAL_KINDS, *self.kinds) if known is None or k != known.kind]
        for corruption in corruptor.corruptions(source, list(dict.fromkeys(kinds))):
            with self._lock:
                fresh = corruption.text not in self.emitted
            if fresh:
                return corruption
        return None


def _key(texts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(texts))).encode()).hexdigest()


def _sentence(corruption: Corruption, article_of: dict[str, str]) -> DraftSentence:
    """The corrupted sentence, citing its source sentence word for word."""
    return DraftSentence(
        text=corruption.text,
        evidence=[
            Evidence(article_id=article_of.get(corruption.source, ""), quote=corruption.source)
        ],
    )


def _quoted(text: str, article_id: str) -> DraftSentence:
    """A source sentence as written, citing itself."""
    return DraftSentence(text=text, evidence=[Evidence(article_id=article_id, quote=text)])


def _event(sentence: DraftSentence) -> DraftEvent:
    """The sentence as the draft's event, naming who as the sentence does."""
    names = re.findall(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+", sentence.text)
    return DraftEvent(text=sentence.text, evidence=sentence.evidence, who=names[:2])


# --- what reached the client ------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    """An unsupported sentence the adversary wrote that a response returned."""

    field: str
    kind: str
    stage: str
    text: str


def leaks(summary: dict[str, Any], model: AdversarialModel) -> list[Leak]:
    """Every sentence of a `/summarize` response's `summary` that the adversary corrupted."""
    found: list[Leak] = []

    def check(field: str, item: dict[str, Any] | None) -> None:
        if not item:
            return
        emitted = model.emitted.get(item["text"])
        if emitted is None and "speaker" in item:
            emitted = model.quotes.get((item["speaker"], item["text"]))
        if emitted is not None:
            found.append(Leak(field, emitted.kind, emitted.stage, item["text"]))

    check("headline", summary.get("headline"))
    check("event", summary.get("event"))
    for i, point in enumerate(summary.get("key_points", [])):
        check(f"key_points[{i}]", point)
    for i, quote in enumerate(summary.get("quotes", [])):
        check(f"quotes[{i}]", quote)
    for i, conflict in enumerate(summary.get("conflicts", [])):
        fake = model.conflicts.get(conflict.get("about", ""))
        if fake is not None:
            found.append(Leak(f"conflicts[{i}]", f"conflict: {fake}", DRAFT, conflict["about"]))
        for j, claim in enumerate(conflict.get("claims", [])):
            check(f"conflicts[{i}].claims[{j}]", claim)
    return found


@dataclass
class AttackResult:
    """What an attack on the service wrote, and what of it the service returned."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    # Model calls by task, and the AI-addressing source sentences a prompt carried.
    calls: Counter[str] = field(default_factory=Counter)
    addressed: set[str] = field(default_factory=set)
    written: Counter[str] = field(default_factory=Counter)
    leaks: list[Leak] = field(default_factory=list)
    # Soft rejections the checker brought back (the responses' `verification.judged`).
    judged: int = 0
    # Every response body, for checks of the grounding invariant.
    bodies: list[tuple[list[dict[str, Any]], dict[str, Any]]] = field(default_factory=list)
    # The fake conflicts the adversary reported, by how they are fake.
    conflicts: Counter[str] = field(default_factory=Counter)

    def leaks_by_kind(self) -> dict[str, int]:
        """Leaked sentences per kind of corruption."""
        return dict(Counter(leak.kind for leak in self.leaks))


def attack(
    article_sets: Sequence[Sequence[dict[str, Any]]],
    *,
    repair: bool = True,
    checker: bool = True,
    kinds: Sequence[str] = ALL_KINDS,
    max_rounds: int = 12,
) -> AttackResult:
    """Run the service (its HTTP API, its OpenAI client) against the adversary until every
    corruption of each article set has been drafted; count what came back.

    With `checker`, the service's independent checker is a second server, under another model
    name, that approves every sentence it is asked about: draft, repair and checker all lie.
    """
    with ExitStack() as servers:
        app, adversary = create_adversarial_app(AdversarialModel(kinds))
        url = servers.enter_context(serve_in_thread(app))
        approver = (
            create_app(model_name=CHECKER, checker=CheckerMode(CheckerAnswer.YES))
            if checker
            else None
        )
        checker_url = servers.enter_context(serve_in_thread(approver)) if approver else None
        settings = Settings(
            model=adversary.name,
            openai_base_url=url,
            openai_api_key="unused",
            repair=repair,
            checker_model=CHECKER if checker else None,
            checker_base_url=checker_url,
            model_timeout_s=60,
            request_deadline_s=300,
            # The attack's figures are what it prints; request log lines would bury them.
            log_level="WARNING",
        )
        result = _run_attack(article_sets, adversary, settings, max_rounds)
        if approver is not None:
            result.calls["check"] = len(approver.state.stats.claims)
    return result


def _run_attack(
    article_sets: Sequence[Sequence[dict[str, Any]]],
    adversary: AdversarialModel,
    settings: Settings,
    max_rounds: int,
) -> AttackResult:
    """Each article set through `/summarize` until the adversary has written all it can."""
    # Imported here: serving the adversary from the command line needs none of it.
    from fastapi.testclient import TestClient

    from service.api.app import create_app as create_api

    result = AttackResult()
    with TestClient(create_api(settings)) as client:
        for articles in article_sets:
            for round_ in range(max_rounds):
                # A fresh id and outlet name per round: ids travel as tags, so the outlet
                # changes the prompt, and the adversary writes its next batch.
                sent = [
                    {
                        **a,
                        "id": f"{a['id']}-r{round_}",
                        "source": f"{a.get('source') or 'Outlet'} (round {round_})",
                    }
                    for a in articles
                ]
                body = {"articles": sent, "options": {"max_key_points": 20, "max_quotes": 10}}
                reply = client.post("/summarize", json=body)
                result.requests += 1
                result.statuses[reply.status_code] += 1
                if reply.status_code == 200:
                    payload = reply.json()
                    result.bodies.append((sent, payload))
                    result.leaks.extend(leaks(payload["summary"], adversary))
                    result.judged += payload["verification"].get("judged", 0)
                if adversary.latest_exhausted():
                    break
    result.written.update(e.kind for e in adversary.emitted.values())
    result.written.update(e.kind for e in adversary.quotes.values())
    result.calls.update(adversary.calls)
    result.conflicts.update(adversary.conflicts.values())
    result.addressed |= adversary.addressed
    return result


def create_adversarial_app(
    model: AdversarialModel | None = None, **options: Any
) -> tuple[FastAPI, AdversarialModel]:
    """The OpenAI-compatible app serving the adversary, and the adversary itself."""
    adversary = model or AdversarialModel()
    app = create_app(adversary, model_name=adversary.name, **options)

    @app.get("/_adversary/emitted")
    async def emitted() -> dict[str, Any]:
        return {
            "sentences": [
                {"text": text, "kind": e.kind, "stage": e.stage, "source": e.source}
                for text, e in adversary.emitted.items()
            ],
            "quotes": [{"speaker": speaker, "text": text} for (speaker, text) in adversary.quotes],
        }

    return app, adversary


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the adversary until interrupted (`python -m devtools.adversarial_server --help`)."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.adversarial_server",
        description="Serve a model that writes schema-valid, cited, unsupported summaries.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument(
        "--kinds",
        default=",".join(ALL_KINDS),
        help="corruption kinds, comma-separated: " + ",".join(ALL_KINDS),
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(ALL_KINDS))
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    app, _ = create_adversarial_app(AdversarialModel(kinds))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
