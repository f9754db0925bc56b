"""The llama.cpp launcher's command line: every free core, not llama-cpp-python's half."""

from __future__ import annotations

import os
from pathlib import Path

from devtools.local_llama import (
    MODEL_ALIAS,
    default_threads,
    free_cores,
    server_command,
    usable_cores,
)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_an_idle_machine_gives_the_server_every_usable_core() -> None:
    assert usable_cores() == len(os.sched_getaffinity(0)) >= 1
    assert free_cores(16, 0.2) == 16
    assert free_cores(2, 0.0) == 2
    # llama-cpp-python's own default would be half of them.
    assert free_cores(16, 0.2) > 16 // 2


def test_busy_cores_are_left_out_but_one_thread_always_runs() -> None:
    # ggml's threads meet after every layer: one waiting for a busy core stalls the rest.
    assert free_cores(16, 6.4) == 10
    assert free_cores(2, 1.0) == 1
    assert free_cores(2, 7.0) == 1


def test_the_command_reads_and_generates_with_the_same_threads() -> None:
    command = server_command(Path("model.gguf"))
    threads = int(option(command, "--n_threads"))
    assert 1 <= threads <= usable_cores()
    assert option(command, "--n_threads_batch") == str(threads)
    assert 1 <= default_threads() <= usable_cores()
    assert option(command, "--model_alias") == MODEL_ALIAS


def test_threads_can_be_chosen() -> None:
    command = server_command(Path("model.gguf"), n_threads=3)
    assert option(command, "--n_threads") == option(command, "--n_threads_batch") == "3"
