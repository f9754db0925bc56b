"""The llama.cpp launcher's command line: every free core, not llama-cpp-python's half."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.local_llama import (
    MODEL_ALIAS,
    default_threads,
    free_cores,
    local_model_installed,
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


@pytest.mark.skipif(not local_model_installed(), reason="the local-llm extra is not installed")
def test_the_self_test_reads_a_prompt_of_several_tokens_in_a_process_of_its_own() -> None:
    # A llama.cpp built for CPU features this machine does not grant dies here with SIGSEGV
    # (status -11), which is what scripts/test.sh looks for before it rebuilds the wheel.
    done = subprocess.run(
        [sys.executable, "-m", "devtools.local_llama", "--self-test", "--n-threads", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    figures = re.fullmatch(
        r"llama\.cpp read a (\d+)-token prompt and generated in \d+ ms\n", done.stdout
    )
    assert figures is not None, done.stdout
    assert int(figures.group(1)) > 1
