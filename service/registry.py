"""Choosing the model (and the optional checker) from configuration; is the model reachable."""

from __future__ import annotations

import asyncio

import openai

from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.llm.base import Model
from service.llm.cache import CachedModel
from service.llm.checker import Checker, OpenAIChecker, StructuredChecker


def build_model(settings: Settings) -> Model:
    """`mock` (the default: the extractive model) or an OpenAI-compatible server's model."""
    if settings.model == "mock":
        return ExtractiveModel(context_tokens=settings.context_tokens)
    from service.llm.openai_client import build_openai_model

    model: Model = build_openai_model(settings)
    if settings.cache_dir is not None:
        model = CachedModel(model, settings.cache_dir, settings.cache_ttl_s)
    return model


def build_checker(settings: Settings) -> Checker | None:
    """The independent checker `SUMMARIZER_CHECKER_*` name, or None where none is configured.

    Settings have already refused a checker that is the writer (same server, same model).
    """
    if settings.checker_model is None:
        return None
    key = settings.checker_api_key.get_secret_value() if settings.checker_api_key else None
    if settings.checker_structured:
        from service.llm.openai_client import OpenAIChatModel

        model = OpenAIChatModel(
            settings.checker_model,
            base_url=settings.checker_base_url,
            api_key=key,
            timeout_s=settings.checker_timeout_s,
            max_attempts=2,
            transport_attempts=2,
            max_concurrent_calls=settings.max_concurrent_model_calls,
        )
        return StructuredChecker(model, settings.checker_timeout_s)
    return OpenAIChecker(
        settings.checker_model,
        base_url=settings.checker_base_url,
        api_key=key,
        timeout_s=settings.checker_timeout_s,
        max_concurrent_calls=settings.max_concurrent_model_calls,
    )


async def check_ready(model: Model, settings: Settings, timeout_s: float = 5.0) -> tuple[bool, str]:
    """Whether the configured model can be reached now, with a human reason."""
    if model.profile.offline:
        return True, f"{model.name} model (offline)"
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused"
    client = openai.AsyncOpenAI(
        api_key=key, base_url=settings.openai_base_url, max_retries=0, timeout=timeout_s
    )
    try:
        async with asyncio.timeout(timeout_s):
            await client.models.list()
    except (openai.OpenAIError, TimeoutError) as exc:
        return False, f"model server unreachable: {type(exc).__name__}: {exc}"
    finally:
        await client.close()
    return True, f"model server reachable ({settings.openai_base_url or 'api.openai.com'})"
