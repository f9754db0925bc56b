"""Service configuration: the one place that reads the environment."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import annotated_types
from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
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


_PREFIX = "SUMMARIZER_"
_BOOLEAN = "true or false (also 1/0, yes/no, on/off)"
# A name held inside another counts as meant only from this length ("S" is in every name).
_MIN_HELD = 4
_KINDS = {int: "an integer", float: "a number", str: "text", Path: "a folder path"}


def _setting_problem(error: ErrorDetails) -> str:
    # Named as the operator set it: the variable and its value, then what it accepts.
    if not error["loc"]:
        return error["msg"]
    name = str(error["loc"][0])
    field = Settings.model_fields.get(name)
    variable = _PREFIX + name.upper() if field is not None else name.upper()
    if field is None:
        return f"{variable}: {error['msg']}"
    secret = field.annotation in (SecretStr, SecretStr | None)
    given = "(hidden)" if secret else repr(error.get("input"))
    return f"{variable}={given} is not accepted: it must be {accepted_values(field)}"


def accepted_values(field: FieldInfo) -> str:
    """What a setting accepts, in words: its kind and its bounds."""
    if field.annotation is bool:
        return _BOOLEAN
    kind = next((words for t, words in _KINDS.items() if field.annotation in (t, t | None)), None)
    bounds = []
    for limit in field.metadata:
        if isinstance(limit, annotated_types.Ge):
            bounds.append(f"at least {limit.ge}")
        elif isinstance(limit, annotated_types.Gt):
            bounds.append(f"more than {limit.gt}")
        elif isinstance(limit, annotated_types.Le):
            bounds.append(f"at most {limit.le}")
        elif isinstance(limit, annotated_types.Lt):
            bounds.append(f"less than {limit.lt}")
    words = kind or "a value of the right kind"
    return f"{words}, {' and '.join(bounds)}" if bounds else words


def setting_variables() -> list[str]:
    """Every environment variable the settings read."""
    names = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names += [str(choice) for choice in alias.choices]
        else:
            names.append(_PREFIX + name.upper())
    return names


def _closest(name: str, known: Iterable[str]) -> str | None:
    """The known name a misspelt one most likely meant: one holding the other, else the most
    alike (`CONTEXT_TOKEN` -> `CONTEXT_TOKENS`, `DEADLINE` -> `REQUEST_DEADLINE_S`)."""
    names = list(known)
    holding = [k for k in names if (name in k or k in name) and min(len(name), len(k)) >= _MIN_HELD]
    if holding:
        return min(holding, key=lambda k: abs(len(k) - len(name)))
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return close[0] if close else None


def startup_warnings(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Settings that are set but have no effect: misspelt variables, a server the mock ignores."""
    env = os.environ if environ is None else environ
    known = setting_variables()
    # Compared without the shared prefix, which would make every name look alike.
    suffixes: dict[str, str] = {}
    for name in known:
        # The first spelling wins: the openai SDK's own `OPENAI_BASE_URL` over our alias of it.
        suffixes.setdefault(name.removeprefix(_PREFIX), name)
    warnings = []
    for variable in sorted(env):
        upper = variable.upper()
        if not upper.startswith(_PREFIX) or upper in known:
            continue
        meant = _closest(upper.removeprefix(_PREFIX), suffixes)
        hint = f"; did you mean {suffixes[meant]}?" if meant else ""
        warnings.append(f"{variable} is not a setting and is ignored{hint}")
    if settings.model == "mock" and settings.openai_base_url:
        warnings.append(
            f"SUMMARIZER_MODEL is mock, so the in-process extractive model answers and "
            f"OPENAI_BASE_URL ({settings.openai_base_url}) is not used; to use that server, set "
            "SUMMARIZER_MODEL to the name of a model it serves (GET /v1/models lists them)"
        )
    return warnings
