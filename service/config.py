"""Service configuration: the one place that reads the environment."""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args, get_origin

import annotated_types
import limits
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.errors import ConfigError

logger = logging.getLogger(__name__)

# Where the openai SDK sends requests when no base URL is configured.
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


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
    # Set by `serve --workers N` for its processes: the supervisor's socket, from which they
    # take the one bound above for all of them (service.llm.slots). Not for users to set.
    model_call_slots: str | None = None
    # Worker threads computing at once per process (service.pipeline.worker); the rest wait.
    compute_threads: int = Field(default=2, ge=1, le=64)
    # Processes that ingest a large set (service.pipeline.processes); 0 or 1: in the thread.
    ingest_processes: int = Field(default_factory=lambda: min(4, os.cpu_count() or 1), ge=0, le=64)
    # A set of fewer characters is ingested in the thread: sending it would cost more. Two
    # processes, medians over distinct FRANK sets (`python benchmarks/bench_ingest.py`): 2
    # articles (~5k chars) 36 ms in the thread, 31 in them; 5 (~15k) 106 -> 63 ms.
    ingest_pool_min_chars: int = Field(default=4_000, ge=0)

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

    # The independent checker (optional): an OpenAI-compatible model that only judges whether
    # the cited spans support a sentence, never the model that wrote it. It decides the
    # sentences the rules pass with a score below `checker_confirm_below` (1.0: every pass
    # that is not a verbatim copy) and the rules' soft rejections; never a hard veto.
    checker_model: str | None = None
    checker_base_url: str | None = None
    checker_api_key: SecretStr | None = None
    checker_timeout_s: float = Field(default=30.0, gt=0)
    checker_confirm_below: float = Field(default=0.7, ge=0.5, le=1.0)
    # Ask for the JSON verdict with the server's structured output (instruct models); off for
    # models that answer yes or no (MiniCheck), which are asked in plain text.
    checker_structured: bool = False
    # Deprecated and ignored (with a warning): it let the writer judge its own sentences.
    judge: bool = False

    # Where real-model replies are cached on disk (unset: no cache); the mock is never cached.
    cache_dir: Path | None = None
    cache_ttl_s: float = Field(default=7 * 24 * 3600, gt=0)

    # Operating it (README, "Running it for others"). API keys are configured as the SHA-256
    # hex digests of the keys, never the keys: comma-separated here, one a line in the file.
    # No digest anywhere: no key is asked for. /metrics takes only the metrics digests if set.
    api_key_hashes: Annotated[tuple[str, ...], NoDecode] = ()
    api_key_hashes_file: Path | None = None
    metrics_key_hashes: Annotated[tuple[str, ...], NoDecode] = ()
    # Per key (per client address with keys off), e.g. "60/minute;1000/hour"; unset: no limit.
    rate_limit: str | None = None
    # Shared state for several replicas (rate-limit windows); unset: in this process's memory.
    redis_url: str | None = None
    # Jobs and the response cache (README, "Scaling out"): in Redis when redis_url is set,
    # else in this process. A finished job and its result are kept for job_ttl_s.
    job_ttl_s: int = Field(default=86_400, ge=60)
    # In-process jobs: how many run at once, and how many may wait or run before a 503.
    job_concurrency: int = Field(default=2, ge=1)
    job_max_pending: int = Field(default=100, ge=1)
    # `serve --workers N` turns this off without Redis: a job is known only to its process.
    embedded_jobs: bool = True
    # Queued in Redis: a job whose worker went silent for job_heartbeat_s is run again by
    # another worker, up to job_max_attempts runs in all.
    job_heartbeat_s: int = Field(default=20, ge=2)
    job_max_attempts: int = Field(default=3, ge=1, le=10)
    # Identical /summarize requests answered from a cache (bodies up to the byte bound).
    response_cache: bool = True
    response_cache_ttl_s: int = Field(default=86_400, ge=1)
    response_cache_max_bytes: int = Field(default=64_000_000, ge=0)
    # Article sets kept prepared (ingested, grouped, indexed for the verifier) in this process,
    # up to this many characters of article text (about 150 bytes of memory each), least
    # recently used out first; 0: off.
    prepared_cache_chars: int = Field(default=500_000, ge=0)
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("api_key_hashes", "metrics_key_hashes", mode="before")
    @classmethod
    def _digest_list(cls, value: object) -> object:
        return parse_key_digests(value) if isinstance(value, str) else value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            limits.parse_many(value)  # ValueError names the string it could not read
            return value
        return None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected a redis://, rediss:// or unix:// URL")
        return value or None

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

    @model_validator(mode="after")
    def _checker_is_independent(self) -> Settings:
        if self.judge:
            logger.warning(
                "SUMMARIZER_JUDGE is deprecated and ignored: the writer no longer judges its "
                "own sentences; name an independent checker with SUMMARIZER_CHECKER_MODEL"
            )
        if self.checker_model is None:
            return self
        if self.checker_base_url is None and self.checker_api_key is None:
            raise ValueError(
                f"SUMMARIZER_CHECKER_MODEL={self.checker_model!r} needs "
                "SUMMARIZER_CHECKER_BASE_URL (a local OpenAI-compatible server) or "
                "SUMMARIZER_CHECKER_API_KEY (for OpenAI)"
            )
        if self.model == self.checker_model and _same_server(
            self.openai_base_url, self.checker_base_url
        ):
            raise ValueError(
                f"the checker is the writer ({self.checker_model!r} at "
                f"{self.checker_base_url or DEFAULT_OPENAI_BASE_URL}): a model does not check "
                "its own sentences; name another model or server in SUMMARIZER_CHECKER_MODEL "
                "or SUMMARIZER_CHECKER_BASE_URL"
            )
        return self


def _same_server(a: str | None, b: str | None) -> bool:
    """Whether two base URLs name one server (unset: the openai SDK's default)."""
    return _canonical_url(a) == _canonical_url(b)


def _canonical_url(url: str | None) -> str:
    return (url or DEFAULT_OPENAI_BASE_URL).strip().rstrip("/").lower()


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def parse_key_digests(text: str) -> tuple[str, ...]:
    """SHA-256 hex digests separated by commas, spaces or lines; `#` starts a comment."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    digests = tuple(d.lower() for line in lines for d in re.split(r"[\s,]+", line) if d)
    for number, digest in enumerate(digests, start=1):
        if not _SHA256_HEX.fullmatch(digest):
            # Not shown: a key pasted here by mistake must not reach a log.
            raise ValueError(
                f"entry {number} ({len(digest)} characters) is not a SHA-256 hex digest "
                "(64 hex digits): configure the digest of each key, never the key itself"
            )
    return digests


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
_KINDS = {int: "an integer", float: "a number", str: "text", Path: "a path"}


def _setting_problem(error: ErrorDetails) -> str:
    # Named as the operator set it: the variable and its value, then what it accepts.
    if not error["loc"]:
        return error["msg"].removeprefix("Value error, ")
    name = str(error["loc"][0])
    field = Settings.model_fields.get(name)
    variable = _PREFIX + name.upper() if field is not None else name.upper()
    if field is None:
        return f"{variable}: {error['msg']}"
    # A key pasted where its digest belongs must not reach a log: secrets are never echoed.
    secret = "key" in name or SecretStr in (field.annotation, *get_args(field.annotation))
    given = "" if secret else f"={error.get('input')!r}"
    if error["type"] in ("value_error", "assertion_error"):
        # The setting's own validator says what is wrong, and what it wants.
        return f"{variable}{given}: {error['msg'].removeprefix('Value error, ')}"
    return f"{variable}{given} is not accepted: it must be {accepted_values(field)}"


def accepted_values(field: FieldInfo) -> str:
    """What a setting accepts, in words: its kind and its bounds."""
    annotation = field.annotation
    if annotation is bool:
        return _BOOLEAN
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    kind = next((words for t, words in _KINDS.items() if annotation in (t, t | None)), None)
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
