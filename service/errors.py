"""Typed errors, grouped by who must act: the client, the operator, or the model provider.

Anything else raised inside the service is a bug and surfaces as one.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error the API maps to a JSON response."""

    status_code: int = 500
    type: str = "internal_error"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the client."""
        out: dict[str, Any] = {"type": self.type, "detail": self.detail}
        if self.field is not None:
            out["field"] = self.field
        return out


class ConfigError(ServiceError):
    """The operator's configuration cannot work (e.g. a real model with no server to reach).

    Refused at start-up where it can be seen then; at request time a 500, never the client's.
    """

    type = "configuration_error"


class ClientError(ServiceError):
    """The request is at fault: 4xx, naming the offending field where there is one."""

    status_code = 422
    type = "invalid_request"


class PayloadTooLarge(ClientError):
    status_code = 413
    type = "payload_too_large"


class ModelError(ServiceError):
    """The model or its provider is at fault: 502/503/504."""

    status_code = 502
    type = "model_error"


class ModelOutputError(ModelError):
    """The model kept answering with output that does not parse or validate."""

    type = "model_bad_output"

    def __init__(
        self,
        detail: str,
        *,
        last_completion: str | None = None,
        attempts: int = 0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cut_off: bool = False,
    ) -> None:
        super().__init__(detail)
        # The last reply ended at the token limit: a smaller request may fit where this did not.
        self.cut_off = cut_off
        self.last_completion = last_completion
        self.attempts = attempts
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens

    def body(self) -> dict[str, Any]:
        out = super().body()
        out["attempts"] = self.attempts
        return out


class ModelUnavailable(ModelError):
    """The provider refused or could not be reached (after retries)."""

    status_code = 503
    type = "model_unavailable"

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ModelTimeout(ModelError):
    """The request deadline passed while waiting for the model."""

    status_code = 504
    type = "model_timeout"
