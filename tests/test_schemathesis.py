"""Generated requests against the service's own OpenAPI document, in process with the mock model.

Schemathesis derives requests from the schema (valid ones, and ones the schema forbids) and
checks every answer: no 5xx, a documented status and content type, a body that conforms to
the documented schema, schema-valid requests accepted and schema-violating ones rejected.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from service.api.app import create_app
from service.config import Settings
from service.drafting.extractive import ExtractiveModel

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # Rules JSON Schema cannot state make a schema-valid request the client's typed
            # error: unique ids, a summarisable sentence, citations naming a submitted article
            # (422), a body within the configured limits (413).
            "positive_data_acceptance": {"expected-statuses": ["2xx", "413", "422"]},
            # The service's ways of refusing a request; 413 (over a limit) is one of them.
            "negative_data_rejection": {"expected-statuses": ["400", "413", "415", "422"]},
        }
    }
)
# Small limits keep each generated request cheap; the schema's own limits still apply on top.
APP = create_app(
    settings=Settings(max_articles=5, max_body_bytes=200_000, max_article_chars=20_000),
    model=ExtractiveModel(),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()
