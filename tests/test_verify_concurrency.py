"""One verifier serves concurrent requests: the verdicts are those it gives one at a time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from service.ingest.grouping import group_sentences
from service.verify import Claim, ClaimEvidence, Verdict, Verifier
from tests.test_verify import seed_documents

THREADS = 4


def _claims() -> list[Claim]:
    """Faithful, corrupted, cited, partial and quoted claims over the seed articles."""
    documents = seed_documents()
    claims: list[Claim] = []
    for document in documents:
        for sentence in document.content_sentences[:3]:
            words = sentence.text.split()
            claims.append(Claim(sentence.text))
            claims.append(Claim(" ".join(words[: max(len(words) // 2, 4)]) + "."))
            claims.append(Claim(sentence.text.replace(" not ", " ").replace(" the ", " no ")))
            claims.append(
                Claim(sentence.text, evidence=(ClaimEvidence(document.id, sentence.text[:60]),))
            )
            claims.append(Claim(sentence.text, parts=tuple(w for w in words[:4] if w.istitle())))
            if len(words) > 6:
                claims.append(Claim(" ".join(words[1:6]), kind="quote", speaker=words[0]))
    claims.append(Claim("Bilateral trade stands at $12.6 billion."))
    claims.append(Claim("They aim to deploy the fighter jet by 2030."))
    return claims


def test_concurrent_verdicts_match_sequential_ones() -> None:
    documents = seed_documents()
    groups = group_sentences(documents)
    claims = _claims()
    sequential = [Verifier(documents, groups).verify(c) for c in claims]
    shared = Verifier(documents, groups)
    start = threading.Barrier(THREADS)

    def run(offset: int) -> list[Verdict]:
        # Each thread walks the claims from its own offset, so different claims overlap.
        start.wait()
        order = [*range(offset, len(claims)), *range(offset)]
        found: dict[int, Verdict] = {i: shared.verify(claims[i]) for i in order}
        return [found[i] for i in range(len(claims))]

    with ThreadPoolExecutor(THREADS) as pool:
        offsets = [k * len(claims) // THREADS for k in range(THREADS)]
        results = list(pool.map(run, offsets))
    assert any(v.supported for v in sequential) and any(not v.supported for v in sequential)
    for verdicts in results:
        assert verdicts == sequential
