"""The llama.cpp launcher's command line: every usable core, not llama-cpp-python's half."""

from __future__ import annotations

import os
from pathlib import Path

from devtools.local_llama import MODEL_ALIAS, server_command, usable_cores


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_server_uses_every_usable_core_for_the_prompt_and_generation() -> None:
    command = server_command(Path("model.gguf"))
    assert usable_cores() == len(os.sched_getaffinity(0)) >= 1
    assert option(command, "--n_threads") == str(usable_cores())
    assert option(command, "--n_threads_batch") == str(usable_cores())
    assert option(command, "--model_alias") == MODEL_ALIAS


def test_threads_can_be_chosen() -> None:
    command = server_command(Path("model.gguf"), n_threads=3)
    assert option(command, "--n_threads") == option(command, "--n_threads_batch") == "3"
