"""Prompt tokens and model calls for the same articles: the service, everything in one prompt
("stuff"), and LangChain's map_reduce summarisation chain, all against the same model server.

    python -m benchmarks.bench_tokens                         # seeds; 40 FRANK at 16k and 8k
    python -m benchmarks.bench_tokens --large 80 --windows 32768 16384 8192
    python -m benchmarks.bench_tokens --quick                 # a tiny run, for the tests

Every count is the model server's (`devtools.fake_openai_server`, its record of calls: how
many, and the prompt tokens of each, counted with tiktoken's cl100k_base, the service's
encoding), so the three approaches are measured by one ruler:

- service: `POST /summarize` through the app in process (the response cache off), its model
  `mock-server` reached over HTTP through the `openai` SDK, with `SUMMARIZER_CONTEXT_TOKENS` set
  to the window; its own `run.prompt_tokens` is printed beside, as a check;
- stuff: LangChain's "stuff" prompt ("Write a concise summary of the following: ...") around
  every article whole, counted, not sent: one call if it fits the window with the reply's
  2,048 tokens, none possible otherwise;
- LangChain map_reduce: `load_summarize_chain(chain_type="map_reduce")` (langchain-classic)
  over the articles joined and split into window-sized chunks (the reply's room left free),
  run by `benchmarks/langchain_map_reduce.py` in its own virtual environment,
  `.cache/langchain-venv`, which this benchmark creates from the pinned
  `benchmarks/langchain-requirements.txt` when it is missing (pip, from the configured index).
  If it cannot be built, the table says so and the other columns still print.

"x text" divides the prompt tokens by the tokens of the articles' text alone. The targets:
the service sends fewer prompt tokens than both others, and makes one call whenever the set
fits the window.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.harness import REPO, MockServer, frank_articles, seed_articles, table
from devtools.fake_openai_server import MODEL_NAME, create_app, serve_in_thread
from service.api.app import create_app as create_api
from service.config import Settings
from service.text.token_count import ENCODING_FILE, count_tokens

MAX_OUTPUT = 2_048
REQUIREMENTS = REPO / "benchmarks" / "langchain-requirements.txt"
LANGCHAIN_VENV = REPO / ".cache" / "langchain-venv"
LANGCHAIN_SCRIPT = REPO / "benchmarks" / "langchain_map_reduce.py"
# tiktoken's cache file name for cl100k_base: the SHA-1 of the URL it would download it from.
TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
STUFF_PROMPT = 'Write a concise summary of the following:\n\n\n"{text}"\n\n\nCONCISE SUMMARY:'


def langchain_python(build: bool) -> tuple[Path | None, str]:
    """The LangChain environment's python (built if missing and `build`), or why there is none."""
    python = LANGCHAIN_VENV / "bin" / "python"
    stamp = LANGCHAIN_VENV / "requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python, "ready"
    if not build:
        return None, f"{LANGCHAIN_VENV} is not built (run without --no-build)"
    print(f"building {LANGCHAIN_VENV} from {REQUIREMENTS.name} ...", flush=True)
    shutil.rmtree(LANGCHAIN_VENV, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(LANGCHAIN_VENV)],
        [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return None, f"cannot build the LangChain environment: {done.stderr.strip()[-300:]}"
    stamp.write_text(wanted)
    return python, "built"


def run_langchain(
    python: Path, model: MockServer, texts: list[str], window: int
) -> tuple[dict[str, Any] | None, str]:
    """The server's count of LangChain's calls for `texts`, or why it failed."""
    with tempfile.TemporaryDirectory(prefix="bench-langchain-") as work:
        cache = Path(work) / "tiktoken"
        cache.mkdir()
        # tiktoken finds the encoding in its cache and never downloads it.
        shutil.copy(ENCODING_FILE, cache / hashlib.sha1(TIKTOKEN_URL.encode()).hexdigest())
        job = Path(work) / "job.json"
        job.write_text(
            json.dumps(
                {
                    "texts": texts,
                    "window": window,
                    "max_output": MAX_OUTPUT,
                    "base_url": model.url,
                    "model": MODEL_NAME,
                }
            )
        )
        model.reset()
        done = subprocess.run(
            [str(python), str(LANGCHAIN_SCRIPT), str(job)],
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
            env={**os.environ, "TIKTOKEN_CACHE_DIR": str(cache)},
        )
    if done.returncode != 0:
        return None, f"LangChain failed: {done.stderr.strip()[-300:]}"
    return model.stats(), f"{json.loads(done.stdout.splitlines()[-1])['chunks']} chunks"


def run_service(model: MockServer, articles: list[dict[str, Any]], window: int) -> dict[str, Any]:
    """The server's count of the service's calls for one /summarize, and the response's run."""
    settings = Settings(
        model=MODEL_NAME,
        openai_base_url=model.url,
        context_tokens=window,
        max_output_tokens=MAX_OUTPUT,
        max_articles=max(50, len(articles)),
        response_cache=False,
        log_level="WARNING",
    )
    with TestClient(create_api(settings=settings)) as client:
        model.reset()
        response = client.post("/summarize", json={"articles": articles})
        if response.status_code != 200:
            raise SystemExit(f"/summarize answered {response.status_code}: {response.text[:300]}")
        return {**model.stats(), "run": response.json()["run"]}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=40, help="FRANK articles in the large set")
    parser.add_argument("--windows", type=int, nargs="+", default=[16_384, 8_192])
    parser.add_argument("--no-build", action="store_true", help="never build the LangChain venv")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    args = parser.parse_args()
    if args.quick:
        args.large, args.windows = 4, [4_096]
    workloads = [("seeds", seed_articles(), 16_384)]
    frank = frank_articles(args.large)
    workloads += [(f"FRANK {args.large}", frank, window) for window in args.windows]
    python, status = langchain_python(build=not args.no_build)
    rows: list[list[object]] = []
    verdicts = []
    with serve_in_thread(create_app()) as url:
        model = MockServer(url)
        for name, articles, window in workloads:
            texts = [a["text"] for a in articles]
            text_tokens = sum(count_tokens(t) for t in texts)
            stuff = count_tokens(STUFF_PROMPT.format(text="\n\n".join(texts)))
            fits = stuff + MAX_OUTPUT <= window
            service = run_service(model, articles, window)
            label = [name, f"{window // 1024}k", text_tokens]
            own = service["run"]["prompt_tokens"]
            rows.append(
                [*label, "service", len(service["calls"]), service["prompt_tokens"]]
                + [f"{service['prompt_tokens'] / text_tokens:.2f}", f"run says {own:,}"]
            )
            rows.append(
                [*label, "stuff", 1 if fits else "-", stuff, f"{stuff / text_tokens:.2f}"]
                + ["fits" if fits else "does not fit the window"]
            )
            lang: dict[str, Any] | None = None
            if python is not None:
                lang, note = run_langchain(python, model, texts, window)
            else:
                note = status
            if lang is None:
                rows.append([*label, "LangChain map_reduce", "-", "-", "-", note])
            else:
                rows.append(
                    [*label, "LangChain map_reduce", len(lang["calls"]), lang["prompt_tokens"]]
                    + [f"{lang['prompt_tokens'] / text_tokens:.2f}", note]
                )
            others = [stuff] + ([lang["prompt_tokens"]] if lang else [])
            fewest = service["prompt_tokens"] < min(others)
            one_call = len(service["calls"]) == 1 or not fits
            verdicts.append(
                f"{name} at {window // 1024}k: fewer prompt tokens than "
                f"{'both' if lang else 'stuff'}: {'yes' if fewest else 'no'}; "
                f"one call when the set fits: {'yes' if one_call else 'no'}"
            )
    header = ["input", "window", "text tokens", "approach", "calls", "prompt tokens"]
    print(table([*header, "x text", "note"], rows))
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
