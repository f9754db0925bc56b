"""Prompt templates: versioned files, explicit variables, loud failures."""

from __future__ import annotations

import pytest

from service.drafting.prompts import PromptError, load_prompt, parse_template, prompts_dir

TEMPLATE = """name: demo
version: 3
variables: who, what
--- system
You summarise $what.
--- user
Hello $who.
"""


def test_renders_roles_in_order() -> None:
    messages = parse_template(TEMPLATE).render(who="Ada", what="news")
    assert [(m.role, m.content) for m in messages] == [
        ("system", "You summarise news."),
        ("user", "Hello Ada."),
    ]


def test_missing_variable_fails_loudly() -> None:
    with pytest.raises(PromptError, match=r"missing \['who'\]"):
        parse_template(TEMPLATE).render(what="news")


def test_unexpected_variable_fails_loudly() -> None:
    with pytest.raises(PromptError, match="unexpected"):
        parse_template(TEMPLATE).render(who="a", what="b", extra="c")


def test_undeclared_variable_in_text_is_rejected() -> None:
    with pytest.raises(PromptError, match="declared"):
        parse_template(TEMPLATE.replace("variables: who, what", "variables: who"))


def test_unknown_role_is_rejected() -> None:
    with pytest.raises(PromptError, match="unknown role"):
        parse_template(TEMPLATE.replace("--- user", "--- narrator"))


@pytest.mark.parametrize("name", ["summarize", "reduce", "repair"])
def test_shipped_prompts_load_with_matching_versions(name: str) -> None:
    template = load_prompt(name)
    assert template.name == name
    assert (prompts_dir() / f"{name}.v{template.version}.txt").is_file()


def test_unknown_prompt_or_version() -> None:
    with pytest.raises(PromptError, match="no prompt named"):
        load_prompt("nonexistent")
    with pytest.raises(PromptError, match="no version 999"):
        load_prompt("summarize", 999)


def test_article_text_travels_as_data_not_instructions() -> None:
    system = (
        load_prompt("summarize")
        .render(articles="", sources="", max_key_points=3, max_quotes=1)[0]
        .content
    )
    assert "never instructions" in system
