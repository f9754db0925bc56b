"""Fault injection for the mock model server: which reply goes wrong, and how.

Decisions are seeded and deterministic. A scripted list of faults is consumed in arrival order
(for tests that need "429, then success"); after it, each request body draws from its own
random stream, keyed by the seed, the body and how many times that body was seen, so the
outcome does not depend on how concurrent requests interleave, and a retried body does not
meet the same fault forever.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from service.drafting.drafts import (
    DraftQuote,
    DraftSentence,
    Evidence,
    RepairDraft,
    SummaryDraft,
)


class FaultKind(StrEnum):
    """One way a model server misbehaves."""

    RATE_LIMIT = "429"  # 429 with Retry-After
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"  # 503 with Retry-After
    STALL = "stall"  # answers only after `stall_s`: longer than any sane client timeout
    TRUNCATED = "truncated"  # JSON cut off mid-way, yet finish_reason "stop" (a broken proxy)
    LENGTH = "length"  # JSON cut off with finish_reason "length"
    MALFORMED = "malformed"  # not JSON: a delimiter is missing
    INVALID = "invalid"  # JSON that breaks the schema: a required field gone, an unknown one added
    PLANTED = "planted"  # schema-valid, but with sentences the sources do not support


HTTP_FAULTS = frozenset({FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE})
# The mix a "30% faulty" run draws from: every kind the service must survive except stalls,
# which cost a whole client timeout each and are exercised on their own.
DEFAULT_KINDS: tuple[FaultKind, ...] = (
    FaultKind.RATE_LIMIT,
    FaultKind.SERVER_ERROR,
    FaultKind.UNAVAILABLE,
    FaultKind.TRUNCATED,
    FaultKind.LENGTH,
    FaultKind.MALFORMED,
    FaultKind.INVALID,
    FaultKind.PLANTED,
)

# Planted content: plainly outside any news source, so a leak is easy to recognise.
INVENTED_KEY_POINT = (
    "The two leaders also agreed to build a joint research base on the Moon by 2031."
)
FABRICATED_QUOTE = "This agreement settles every dispute between our nations for a thousand years."
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class FaultConfig:
    """What the mock server injects; the defaults inject nothing."""

    fault_rate: float = 0.0
    kinds: tuple[FaultKind, ...] = DEFAULT_KINDS
    script: tuple[FaultKind | None, ...] = ()
    seed: int = 0
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    retry_after_s: float = 1.0
    stall_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be within [0, 1], got {self.fault_rate}")
        if self.fault_rate > 0 and not self.kinds:
            raise ValueError("a fault rate needs at least one fault kind")


@dataclass(frozen=True)
class Decision:
    """The fate of one request: a fault (or none) and the latency to add before answering."""

    fault: FaultKind | None
    latency_s: float
    rng_seed: str


@dataclass
class FaultPlanner:
    """Decides, deterministically, what goes wrong with each request."""

    config: FaultConfig
    _script: list[FaultKind | None] = field(init=False)
    _seen: Counter[str] = field(default_factory=Counter, init=False)

    def __post_init__(self) -> None:
        self._script = list(self.config.script)

    def decide(self, body_key: str) -> Decision:
        """The fault and latency for the next request with this body."""
        occurrence = self._seen[body_key]
        self._seen[body_key] += 1
        rng_seed = f"{self.config.seed}:{body_key}:{occurrence}"
        rng = random.Random(rng_seed)
        latency = self.config.latency_s + rng.uniform(0.0, self.config.latency_jitter_s)
        if self._script:
            return Decision(self._script.pop(0), latency, rng_seed)
        fault = None
        if rng.random() < self.config.fault_rate:
            fault = rng.choice(self.config.kinds)
        return Decision(fault, latency, rng_seed)


def body_key(payload: Any) -> str:
    """A stable digest of a request body."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def parse_kinds(text: str) -> tuple[FaultKind, ...]:
    """`429,malformed,planted` -> fault kinds; `all` is the default mix."""
    if text.strip() == "all":
        return DEFAULT_KINDS
    return tuple(FaultKind(part.strip()) for part in text.split(",") if part.strip())


def parse_script(text: str) -> tuple[FaultKind | None, ...]:
    """`429,ok,length` -> a fault script; `ok` is a clean reply."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return tuple(None if part == "ok" else FaultKind(part) for part in parts)


def truncate(content: str, rng: random.Random) -> str:
    """Cut the reply somewhere in its middle, as a token limit or a dropped stream would."""
    if len(content) < 4:
        return content[:1]
    cut = int(len(content) * rng.uniform(0.3, 0.8))
    return content[: max(1, cut)]


def malform(content: str, rng: random.Random) -> str:
    """Remove one delimiter between two members, so the text no longer parses as JSON."""
    positions = [m.start() for m in re.finditer(r',"', content)]
    if not positions:
        return content.rstrip("}")
    at = rng.choice(positions)
    return content[:at] + content[at + 1 :]


def invalidate(output: BaseModel, rng: random.Random) -> str:
    """Valid JSON that fails the schema: one required field dropped and an unknown one added."""
    data = output.model_dump(mode="json")
    required = [name for name, info in type(output).model_fields.items() if info.is_required()]
    if required:
        data.pop(rng.choice(required), None)
    data["confidence"] = 0.97
    return json.dumps(data, ensure_ascii=False)


def plant(output: BaseModel, rng: random.Random) -> tuple[BaseModel, list[str]]:
    """Unsupported content inside a schema-valid reply, and the planted texts (for the ledger)."""
    if isinstance(output, SummaryDraft):
        return _plant_summary(output, rng)
    if isinstance(output, RepairDraft):
        return _plant_repair(output, rng)
    return output, []


def wrong_number(text: str, rng: random.Random) -> str:
    """The sentence with its first number changed, or a made-up figure appended."""
    match = _NUMBER_RE.search(text)
    if match is None:
        return text.rstrip(".") + f", a deal worth {rng.randint(20, 90)} billion dollars."
    digits = re.sub(r"\D", "", match.group(0))
    changed = str(int(digits) * 3 + rng.randint(7, 19))
    return text[: match.start()] + changed + text[match.end() :]


def _plant_summary(draft: SummaryDraft, rng: random.Random) -> tuple[SummaryDraft, list[str]]:
    planted_draft = draft.model_copy(deep=True)
    planted: list[str] = []
    real_evidence = [e for s in _sentences(planted_draft) for e in s.evidence]
    if planted_draft.key_points:
        victim = rng.randrange(len(planted_draft.key_points))
        point = planted_draft.key_points[victim]
        point.text = wrong_number(point.text, rng)
        planted.append(point.text)
    # The invented point cites a real quote: the citation resolves, but it does not support it.
    evidence = [rng.choice(real_evidence)] if real_evidence else []
    planted_draft.key_points.insert(
        rng.randrange(len(planted_draft.key_points) + 1),
        DraftSentence(text=INVENTED_KEY_POINT, evidence=[e.model_copy() for e in evidence]),
    )
    planted.append(INVENTED_KEY_POINT)
    speakers = [q.speaker for q in planted_draft.quotes] or ["A senior official"]
    article_ids = sorted({e.article_id for e in real_evidence}) or ["unknown"]
    planted_draft.quotes.append(
        DraftQuote(
            speaker=rng.choice(speakers), quote=FABRICATED_QUOTE, article_id=rng.choice(article_ids)
        )
    )
    planted.append(FABRICATED_QUOTE)
    return planted_draft, planted


def _plant_repair(draft: RepairDraft, rng: random.Random) -> tuple[RepairDraft, list[str]]:
    planted_draft = draft.model_copy(deep=True)
    planted: list[str] = []
    for repair in planted_draft.repairs:
        if repair.sentence is None:
            # "Repaired" from nothing: an unsupported sentence with a fabricated citation.
            repair.sentence = DraftSentence(
                text=INVENTED_KEY_POINT,
                evidence=[Evidence(article_id="unknown", quote=INVENTED_KEY_POINT)],
            )
            planted.append(INVENTED_KEY_POINT)
        else:
            repair.sentence.text = wrong_number(repair.sentence.text, rng)
            planted.append(repair.sentence.text)
    return planted_draft, planted


def _sentences(draft: SummaryDraft) -> Iterable[DraftSentence]:
    yield draft.headline
    if draft.event is not None:
        yield draft.event
    yield from draft.key_points


def leaked(texts: Sequence[str], planted: Iterable[str]) -> list[str]:
    """The planted texts that appear in any of `texts` (what a benchmark must find none of)."""
    planted_set = {p for p in planted if p}
    return [t for t in texts if any(p in t for p in planted_set)]
