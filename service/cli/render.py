"""Human-readable views of the /summarize and /verify bodies (what the CLI prints by default)."""

from __future__ import annotations

import textwrap

from service.api.schemas import EventOut, SentenceOut, SummarizeResponse, VerifyResponse


def _cite(sentence: SentenceOut, sources: dict[str, str]) -> str:
    names = dict.fromkeys(sources.get(c.article_id, c.article_id) for c in sentence.citations)
    return ", ".join(names)


def render_text(response: SummarizeResponse) -> str:
    """A human-readable view of a summary and its verification."""
    sources = {a.id: a.source or a.id for a in response.articles}
    summary = response.summary
    wrap = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="    ")
    lines: list[str] = []
    if summary.headline:
        lines += [summary.headline.text, f"  [{_cite(summary.headline, sources)}]", ""]
    if summary.event:
        lines += _event_lines(summary.event, wrap)
    lines.append("Key points")
    for point in summary.key_points:
        lines.append(wrap.fill(f"- {point.text}"))
        lines.append(f"    [{_cite(point, sources)}; {point.sources} independent]")
    if summary.quotes:
        lines += ["", "Quotes"]
        for quote in summary.quotes:
            lines.append(wrap.fill(f"“{quote.text}” — {quote.speaker} [{_cite(quote, sources)}]"))
    lines += _conflict_lines(response, sources, wrap)
    report, run = response.verification, response.run
    lines += [
        "",
        f"Verification: {report.checked} checked, {report.passed} passed, "
        f"{report.repaired} repaired, {len(report.dropped)} dropped.",
        f"Model: {run.model} ({run.strategy}, {run.calls} call(s), {run.prompt_tokens} prompt + "
        f"{run.completion_tokens} completion tokens)"
        + (f"; FALLBACK to extractive: {run.fallback_reason}" if run.fallback else ""),
    ]
    for item in report.dropped:
        lines.append(wrap.fill(f"dropped {item.field}: {item.text} — {'; '.join(item.reasons)}"))
    return "\n".join(lines)


def _event_lines(event: EventOut, wrap: textwrap.TextWrapper) -> list[str]:
    """The event sentence and its who/where/when (the date resolved, with the sources' words)."""
    when = event.when or ""
    if event.when_stated and event.when_stated != event.when:
        when += f" ({event.when_stated})"
    parts = [
        f"who: {', '.join(event.who)}" if event.who else "",
        f"where: {event.where}" if event.where else "",
        f"when: {when}" if when else "",
    ]
    return ["Event", wrap.fill(event.text), "    " + " | ".join(p for p in parts if p), ""]


def _conflict_lines(
    response: SummarizeResponse, sources: dict[str, str], wrap: textwrap.TextWrapper
) -> list[str]:
    """What the independent sources disagree on, each side with its outlet."""
    if not response.summary.conflicts:
        return []
    lines = ["", "Sources disagree"]
    for conflict in response.summary.conflicts:
        lines.append(f"- {conflict.about}")
        for claim in conflict.claims:
            lines.append(wrap.fill(f"  {_cite(claim, sources)}: {claim.text}"))
    return lines


def render_verify(response: VerifyResponse) -> str:
    """A human-readable view of /verify results."""
    lines = []
    for result in response.results:
        mark = "SUPPORTED" if result.supported else "UNSUPPORTED"
        lines.append(f"{mark} ({result.score:.2f}) {result.text}")
        for c in result.citations:
            lines.append(f"    {c.article_id}[{c.start}:{c.end}] {c.text[:120]}")
        for reason in result.reasons:
            lines.append(f"    - {reason}")
    return "\n".join(lines)
