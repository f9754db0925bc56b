"""LangChain's map_reduce summarisation chain over one set of articles, for bench_tokens.

Run by the LangChain virtual environment's python (benchmarks/langchain-requirements.txt), never
imported by the service's: `python benchmarks/langchain_map_reduce.py JOB.json` where the job
holds `texts`, `window`, `max_output`, `base_url` and `model`. The articles are joined and split
into chunks that fit the window beside the map prompt and the reply (tiktoken's cl100k_base,
the service's encoding); `load_summarize_chain(chain_type="map_reduce")` maps each chunk, then
combines the partial summaries, collapsing them first if they exceed the window. It prints one
JSON line: the chunk count and the final summary. The calls and their prompt tokens are counted
by the model server, not here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from langchain_classic.chains.summarize import (  # type: ignore[import-not-found]
    load_summarize_chain,
)
from langchain_core.documents import Document  # type: ignore[import-not-found]
from langchain_openai import ChatOpenAI  # type: ignore[import-not-found]
from langchain_text_splitters import (  # type: ignore[import-not-found]
    RecursiveCharacterTextSplitter,
)

# Room left in each chunk for the map prompt's own words ("Write a concise summary of ...").
PROMPT_ROOM = 64


def main() -> None:
    """Summarise the job's articles; print the chunk count and the summary as JSON."""
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    window, max_output = job["window"], job["max_output"]
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base",
        chunk_size=window - max_output - PROMPT_ROOM,
        chunk_overlap=0,
    )
    chunks = splitter.split_documents([Document(page_content="\n\n".join(job["texts"]))])
    llm = ChatOpenAI(
        model=job["model"],
        base_url=job["base_url"],
        api_key="unused",
        temperature=0,
        max_tokens=max_output,
        max_retries=0,
    )
    chain = load_summarize_chain(llm, chain_type="map_reduce", token_max=window - max_output)
    result = chain.invoke({"input_documents": chunks})
    print(json.dumps({"chunks": len(chunks), "summary": result["output_text"]}))


if __name__ == "__main__":
    main()
