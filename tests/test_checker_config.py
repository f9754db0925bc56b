"""Checker settings: an independent model or none; never the writer checking itself."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from service.config import Settings, get_settings
from service.errors import ConfigError
from service.llm.checker import OpenAIChecker, StructuredChecker
from service.registry import build_checker

LOCAL = "http://127.0.0.1:8080/v1"


def test_no_checker_unless_one_is_named() -> None:
    assert build_checker(Settings()) is None


def test_a_checker_on_another_server_or_another_model_is_built() -> None:
    other_server = Settings(
        model="writer-7b",
        openai_base_url=LOCAL,
        checker_model="writer-7b",
        checker_base_url="http://127.0.0.1:11434/v1",
    )
    checker = build_checker(other_server)
    assert isinstance(checker, OpenAIChecker)
    assert checker.server_url == "http://127.0.0.1:11434/v1"
    other_model = Settings(
        model="writer-7b", openai_base_url=LOCAL, checker_model="minicheck", checker_base_url=LOCAL
    )
    assert build_checker(other_model) is not None
    structured = Settings(
        checker_model="instruct-8b", checker_base_url=LOCAL, checker_structured=True
    )
    assert isinstance(build_checker(structured), StructuredChecker)
    # The mock writes offline: any checker is another model.
    assert build_checker(Settings(checker_model="mock", checker_base_url=LOCAL)) is not None


@pytest.mark.parametrize("checker_url", [LOCAL, LOCAL + "/", "HTTP://127.0.0.1:8080/v1"])
def test_the_writer_cannot_be_its_own_checker(checker_url: str) -> None:
    with pytest.raises(ValidationError, match="the checker is the writer"):
        Settings(
            model="writer-7b",
            openai_base_url=LOCAL,
            checker_model="writer-7b",
            checker_base_url=checker_url,
        )


def test_both_unset_urls_mean_openai_so_the_same_model_is_refused() -> None:
    with pytest.raises(ValidationError, match="the checker is the writer"):
        Settings(model="gpt-4o-mini", checker_model="gpt-4o-mini", checker_api_key="sk-x")


def test_from_the_environment_it_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUMMARIZER_MODEL", "writer-7b")
    monkeypatch.setenv("OPENAI_BASE_URL", LOCAL)
    monkeypatch.setenv("SUMMARIZER_CHECKER_MODEL", "writer-7b")
    monkeypatch.setenv("SUMMARIZER_CHECKER_BASE_URL", LOCAL)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="a model does not check its own sentences"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_a_checker_needs_a_server_or_a_key() -> None:
    with pytest.raises(ValidationError, match="SUMMARIZER_CHECKER_BASE_URL"):
        Settings(checker_model="minicheck")


def test_the_old_judge_setting_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="service.config"):
        settings = Settings(judge=True)
    assert "SUMMARIZER_JUDGE is deprecated and ignored" in caplog.text
    assert build_checker(settings) is None
