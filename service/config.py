"""Service configuration: the one place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.errors import ConfigError


class Settings(BaseSettings):
    """All tunables, read from `SUMMARIZER_*` variables (and the openai SDK's own two)."""

    model_config = SettingsConfigDict(env_prefix="SUMMARIZER_", extra="ignore")

    # Which model writes the summary: "mock" (offline, deterministic) or a model name.
    model: str = "mock"
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "SUMMARIZER_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "SUMMARIZER_OPENAI_BASE_URL"),
    )

    # Token budget of one model call: prompt plus reserved completion must fit.
    context_tokens: int = Field(default=16_384, ge=1_024)
    max_output_tokens: int = Field(default=2_048, ge=256)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int = 0

    # Model transport: per-attempt timeout, attempts, a whole-request deadline, concurrency.
    model_timeout_s: float = Field(default=60.0, gt=0)
    model_max_attempts: int = Field(default=3, ge=1, le=10)
    request_deadline_s: float = Field(default=180.0, gt=0)
    max_concurrent_model_calls: int = Field(default=4, ge=1)

    # Input limits (documented in README): beyond them the client gets a 4xx.
    max_articles: int = Field(default=50, ge=1)
    max_article_chars: int = Field(default=200_000, ge=1_000)
    max_body_bytes: int = Field(default=5_000_000, ge=10_000)
    max_sentences_to_verify: int = Field(default=200, ge=1)
    # /verify: one sentence, and all of a request's sentences together (checking costs more
    # than a sentence's length: README, "Limits").
    max_sentence_chars: int = Field(default=2_000, ge=100)
    max_verify_chars: int = Field(default=100_000, ge=1_000)
    # SIGTERM: how long `serve` lets requests in flight finish before it cancels them.
    shutdown_grace_s: float = Field(default=10.0, gt=0)

    # Verification: whether failing sentences are sent back to a real model once.
    repair: bool = True
    # Whether a real model may judge sentences the verifier scores as doubtful (a second
    # opinion from the same model that wrote them: off unless the operator trusts it).
    judge: bool = False

    # Where real-model replies are cached on disk (unset: no cache); the mock is never cached.
    cache_dir: Path | None = None
    cache_ttl_s: float = Field(default=7 * 24 * 3600, gt=0)

    @model_validator(mode="after")
    def _reply_fits_the_window(self) -> Settings:
        # Caught at start-up: otherwise every request would fail on a budget below zero.
        if self.max_output_tokens >= self.context_tokens:
            raise ValueError(
                f"SUMMARIZER_MAX_OUTPUT_TOKENS ({self.max_output_tokens}) must be smaller than "
                f"SUMMARIZER_CONTEXT_TOKENS ({self.context_tokens}): the reply is reserved "
                "inside the model's context window"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment; a bad value is a ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError("; ".join(_setting_problem(e) for e in exc.errors())) from exc


def _setting_problem(error: ErrorDetails) -> str:
    # Named as the operator set it: the variable, not the attribute.
    where = "SUMMARIZER_" + "_".join(str(part) for part in error["loc"]).upper()
    return f"{where}: {error['msg']}" if error["loc"] else error["msg"]
