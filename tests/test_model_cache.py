"""The reply cache: same request served from disk, anything that shapes the reply is in the key."""

from __future__ import annotations

from pathlib import Path

from service.drafting.drafts import RepairDraft, RepairedSentence
from service.llm.base import ChatMessage, ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from service.llm.cache import CachedModel


class CountingModel:
    """A fake model implementing the real interface; counts the calls it answers."""

    name = "counting"
    profile = ModelProfile()
    context_tokens = 4_096

    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        self.calls += 1
        draft = RepairDraft(repairs=[RepairedSentence(index=self.calls, sentence=None)])
        output = request.output_type.model_validate(draft.model_dump())
        return ModelReply(
            output=output,
            raw=draft.model_dump_json(),
            model=self.name,
            usage=Usage(calls=1, prompt_tokens=10, completion_tokens=5),
        )

    async def aclose(self) -> None:
        self.closed = True


def _request(seed: int = 0, text: str = "repair this") -> ModelRequest[RepairDraft]:
    return ModelRequest("repair", [ChatMessage("user", text)], RepairDraft, seed=seed)


async def test_repeated_request_is_served_from_disk(tmp_path: Path) -> None:
    inner = CountingModel()
    model = CachedModel(inner, tmp_path)
    first = await model.execute(_request())
    second = await model.execute(_request())
    assert inner.calls == 1
    assert second.output == first.output
    assert second.usage.calls == 0 and second.usage.prompt_tokens == 0
    # A new process (new wrapper) over the same folder still hits.
    again = await CachedModel(CountingModel(), tmp_path).execute(_request())
    assert again.output == first.output


async def test_seed_and_messages_are_part_of_the_key(tmp_path: Path) -> None:
    inner = CountingModel()
    model = CachedModel(inner, tmp_path)
    await model.execute(_request())
    await model.execute(_request(seed=1))
    await model.execute(_request(text="repair that"))
    assert inner.calls == 3


async def test_closing_the_cache_closes_the_model(tmp_path: Path) -> None:
    inner = CountingModel()
    await CachedModel(inner, tmp_path).aclose()
    assert inner.closed
