"""Settings: a bad value names the variable, what was given and what is accepted; a setting that
has no effect is warned about."""

from __future__ import annotations

import pytest

from service.config import Settings, get_settings, setting_variables, startup_warnings
from service.errors import ConfigError


def refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as caught:
            get_settings()
    finally:
        get_settings.cache_clear()
    return caught.value.detail


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("SUMMARIZER_CONTEXT_TOKENS", "abc", "an integer, at least 1024"),
        ("SUMMARIZER_CONTEXT_TOKENS", "1000", "an integer, at least 1024"),
        ("SUMMARIZER_REPAIR", "maybe", "true or false (also 1/0, yes/no, on/off)"),
        ("SUMMARIZER_TEMPERATURE", "5", "a number, at least 0.0 and at most 2.0"),
        ("SUMMARIZER_MODEL_TIMEOUT_S", "0", "a number, more than 0"),
    ],
)
def test_a_bad_value_names_the_variable_the_value_and_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepted: str
) -> None:
    detail = refused(monkeypatch, variable, value)
    assert detail == f"{variable}={value!r} is not accepted: it must be {accepted}"
    # The attribute's name is not what the operator set.
    assert variable.removeprefix("SUMMARIZER_").lower() not in detail


def test_every_setting_is_read_from_a_listed_variable() -> None:
    variables = setting_variables()
    assert "SUMMARIZER_CONTEXT_TOKENS" in variables and "OPENAI_BASE_URL" in variables
    assert len(variables) == len(set(variables)) > len(Settings.model_fields)


@pytest.mark.parametrize(
    ("misspelt", "meant"),
    [
        ("SUMMARIZER_CONTEXT_TOKEN", "SUMMARIZER_CONTEXT_TOKENS"),
        ("SUMMARIZER_MODLE", "SUMMARIZER_MODEL"),
        ("SUMMARIZER_DEADLINE", "SUMMARIZER_REQUEST_DEADLINE_S"),
        ("summarizer_max_article", "SUMMARIZER_MAX_ARTICLES"),
    ],
)
def test_a_misspelt_variable_is_warned_about_with_the_closest_name(
    misspelt: str, meant: str
) -> None:
    (warning,) = startup_warnings(Settings(), {misspelt: "1", "HOME": "/root"})
    assert warning == f"{misspelt} is not a setting and is ignored; did you mean {meant}?"


def test_known_variables_and_other_programs_variables_are_not_warned_about() -> None:
    environ = {name: "1" for name in setting_variables()} | {"PATH": "/bin", "SUMMARY": "x"}
    assert startup_warnings(Settings(), environ) == []
    # Nothing is close to this one: warned about, without a guess.
    assert startup_warnings(Settings(), {"SUMMARIZER_XYZZY": "1"}) == [
        "SUMMARIZER_XYZZY is not a setting and is ignored"
    ]


def test_the_mock_with_a_server_url_says_the_server_is_not_used() -> None:
    settings = Settings(model="mock", openai_base_url="http://127.0.0.1:8081/v1")
    (warning,) = startup_warnings(settings, {})
    assert "in-process" in warning and "http://127.0.0.1:8081/v1" in warning
    assert "SUMMARIZER_MODEL" in warning
    assert startup_warnings(Settings(model="mock"), {}) == []
    served = Settings(model="mock-server", openai_base_url="http://127.0.0.1:8081/v1")
    assert startup_warnings(served, {}) == []


def test_a_choice_lists_its_choices_and_a_validator_speaks_for_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert refused(monkeypatch, "SUMMARIZER_LOG_FORMAT", "xml") == (
        "SUMMARIZER_LOG_FORMAT='xml' is not accepted: it must be one of json, text"
    )
    monkeypatch.delenv("SUMMARIZER_LOG_FORMAT")
    assert refused(monkeypatch, "SUMMARIZER_REDIS_URL", "http://cache:6379") == (
        "SUMMARIZER_REDIS_URL='http://cache:6379': expected a redis://, rediss:// or unix:// URL"
    )


def test_a_key_set_by_mistake_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    pasted = "sk-live-0123456789abcdef"
    detail = refused(monkeypatch, "SUMMARIZER_API_KEY_HASHES", pasted)
    assert detail.startswith("SUMMARIZER_API_KEY_HASHES: ") and pasted not in detail
