"""Choosing the model from configuration, and asking whether it is reachable."""

from __future__ import annotations

import asyncio

import openai

from service.config import Settings
from service.drafting.extractive import ExtractiveModel
from service.llm.base import Model
from service.llm.cache import CachedModel


def build_model(settings: Settings) -> Model:
    """`mock` (the default: the extractive model) or an OpenAI-compatible server's model."""
    if settings.model == "mock":
        return ExtractiveModel(context_tokens=settings.context_tokens)
    from service.llm.openai_client import build_openai_model

    model: Model = build_openai_model(settings)
    if settings.cache_dir is not None:
        model = CachedModel(model, settings.cache_dir, settings.cache_ttl_s)
    return model


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
