"""How fast the local SmolLM2 model reads a prompt and generates, by thread count (needs the
`local-llm` extra).

    python -m benchmarks.bench_local_threads                  # 1 thread, then every usable core
    python -m benchmarks.bench_local_threads --threads 1 2 4 --prompt-tokens 3200 --generate 64

The prompt is the seed articles' text, cut to --prompt-tokens, as one summary call reads it;
generation is greedy, one token at a time, as the server answers. The machine's load average is
printed with each figure: ggml's threads meet after every layer, so on a busy machine more
threads than free cores is slower, not faster (the launcher's default leaves busy cores out).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from devtools.local_llama import CONTEXT_TOKENS, default_threads, load_llama, usable_cores

REPO = Path(__file__).resolve().parent.parent


def measure(threads: int, prompt_tokens: int, generate: int) -> str:
    """One line: prompt tokens a second and generated tokens a second with `threads`."""
    llm = load_llama(n_ctx=CONTEXT_TOKENS, n_threads=threads)
    text = "\n\n".join(
        json.loads(path.read_text(encoding="utf-8"))["text"]
        for path in sorted((REPO / "seeds").glob("*.json"))
    )
    tokens = llm.tokenize(text.encode("utf-8"))[:prompt_tokens]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    llm.eval(tokens)
    read_s = time.monotonic() - started
    started = time.monotonic()
    for _ in range(generate):
        llm.eval([llm.sample(temp=0.0)])
    generate_s = time.monotonic() - started
    return (
        f"threads={threads}: prompt {len(tokens)} tokens in {read_s:.1f}s "
        f"({len(tokens) / read_s:.0f} tok/s); {generate} generated in {generate_s:.1f}s "
        f"({generate / generate_s:.1f} tok/s); load average {load_before:.1f} on "
        f"{usable_cores()} cores"
    )


def main() -> None:
    """Print one line of figures per thread count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=sorted({1, usable_cores()}))
    parser.add_argument("--prompt-tokens", type=int, default=3_200)
    parser.add_argument("--generate", type=int, default=64)
    args = parser.parse_args()
    print(f"launcher default now: {default_threads()} thread(s) of {usable_cores()} cores")
    for threads in args.threads:
        print(measure(threads, args.prompt_tokens, args.generate), flush=True)


if __name__ == "__main__":
    main()
