"""The evidence viewer in a real browser: Debian's chromium, driven by Playwright for Python.

Each test serves the real app with uvicorn on a free port (in a thread of this process) and
drives the page as a reader would. No browser is ever downloaded: Playwright is pointed at
the system's chromium, and the tests skip, saying so, only when there is none.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Dialog, Page, Route, sync_playwright

from devtools.processes import free_port
from service.api.app import create_app
from service.config import Settings
from service.drafting.drafts import SummaryDraft
from service.llm.base import Model, ModelProfile, ModelReply, ModelRequest, OutputT, Usage
from tests.conftest import REPO
from tests.ops_support import logging_restored
from tests.test_pipeline import LIES, TRUE_POINT

# The tests save their screenshots in build/screenshots (ignored by git, so a run on another
# machine's fonts leaves the checkout clean); VIEWER_SCREENSHOTS=docs/screenshots refreshes
# the ones the README shows.
SCREENSHOTS = REPO / os.environ.get("VIEWER_SCREENSHOTS", "build/screenshots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
KEY = "viewer-browser-key-Tq3Vn8Rw1Lx6Pz0M"
NO_CHROMIUM = (
    "no chromium found (looked for chromium, chromium-browser, /usr/bin/chromium): "
    "`apt-get install -y chromium` (scripts/test.sh does where apt-get is available); "
    "these tests never download a browser"
)

# Emoji (astral, ZWJ sequences, a variation selector) and Japanese before and inside the
# cited sentences, so that UTF-16 offsets differ from code-point offsets.
EMOJI_ARTICLES = [
    {
        "id": "harbour-a",
        "source": "Harbour Daily 🌊",
        "text": "🎉🎉 The city council of 横浜 (Yokohama) approved a new harbour park on "
        "Monday 👍. "
        "The park will cost 3 billion yen and open in April 2027 🚀. "
        "市長は「公園は市民のためのものです」と述べた。 "
        "The mayor said the park would add 4 hectares of green space 🌳🌳. "
        "Residents 👩‍👩‍👧 welcomed the plan, the council said.",
    },
    {
        "id": "harbour-b",
        "source": "Bay Observer 📰",
        "text": "Yokohama 横浜市 council members voted 30 to 5 on Monday to approve the harbour "
        "park 🏞️. The park is expected to cost 3 billion yen 💴, officials said. "
        "公園は2027年4月に開園する予定です。 "
        "Construction will begin in the autumn, the mayor said 🙂.",
    },
]

# Every way an article's fields could smuggle markup in: none of it may run.
XSS = "window.__xss = (window.__xss || []).concat"
XSS_ARTICLES = [
    {
        "id": "hostile-text",
        "source": f"<img src=x onerror=\"{XSS}('source')\">",
        "title": f"<script>{XSS}('title')</script>",
        "url": f"javascript:{XSS}('url')",
        "text": "The museum reopened on Tuesday after a two-year renovation. "
        f"<script>{XSS}('script'); alert('script')</script> "
        f"Visitors saw <img src=x onerror=\"{XSS}('img'); alert('img')\"> the new east wing. "
        f"<svg onload=\"{XSS}('svg')\"></svg> The renovation cost 12 million euros, the "
        "museum said.",
    },
    {
        "id": "hostile-html",
        "html": "<html><body><article><h1>Museum reopens</h1>"
        "<p>The museum reopened on Tuesday after a two-year renovation, its director said.</p>"
        f"<script>{XSS}('html-script')</script>"
        f"<p>The renovation cost 12 million euros. <img src=x onerror=\"{XSS}('html-img')\"></p>"
        "<p>&lt;script&gt;alert('escaped')&lt;/script&gt; was printed on a banner.</p>"
        "</article></body></html>",
    },
]

MARKS_JS = """() => {
  const found = {};
  for (const pane of document.querySelectorAll("#sources-body article.source")) {
    for (const mark of pane.querySelectorAll("mark")) {
      for (const index of mark.dataset.cite.split(" ")) {
        const id = pane.dataset.articleId;
        found[id] = found[id] || {};
        found[id][index] = (found[id][index] || "") + mark.textContent;
      }
    }
  }
  return found;
}"""

# The articles whose first highlighted span is outside its own scrolled text box.
UNSCROLLED_JS = """() => [...document.querySelectorAll("#sources-body article.source")]
  .filter((pane) => pane.querySelector("mark"))
  .filter((pane) => {
    const box = pane.querySelector(".text").getBoundingClientRect();
    const mark = pane.querySelector("mark").getBoundingClientRect();
    return !(mark.top < box.bottom && mark.bottom > box.top);
  })
  .map((pane) => pane.dataset.articleId)"""

# Whether the first article with a highlight is in view in the (scrolling) sources column.
FIRST_CITED_IN_VIEW_JS = """() => {
  const column = document.getElementById("sources").getBoundingClientRect();
  const pane = [...document.querySelectorAll("#sources-body article.source")]
    .find((p) => p.querySelector("mark"));
  if (!pane) return null;
  const top = pane.getBoundingClientRect().top;
  return top >= column.top - 1 && top < column.bottom;
}"""

UNNAMED_CONTROLS_JS = """() => {
  const text = (id) => document.getElementById(id)?.textContent || "";
  return [...document.querySelectorAll("button, input, select, textarea, a[href]")]
    .filter((node) => !node.closest("[hidden]"))
    .filter((node) => {
      const labelled = (node.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      const name = (node.getAttribute("aria-label") || "").trim()
        || labelled.map(text).join("").trim()
        || [...(node.labels || [])].map((l) => l.textContent).join("").trim()
        || (node.matches("button, a") ? node.textContent.trim() : "");
      return !name;
    })
    .map((node) => node.outerHTML.slice(0, 80));
}"""

MARKUP_IN_PAGE_JS = """() => document.querySelectorAll(
  "main script, main img, main svg, main iframe, main object, main embed, main [onerror], "
  + "main [onload], a[href^='javascript']").length"""


def chromium_path() -> str | None:
    """The system's chromium, if there is one."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return next(
        (p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app behind a real uvicorn server on 127.0.0.1; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"viewer-server-{port}", daemon=True)
    with logging_restored():
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The app as a newcomer runs it: the default (mock) model, no keys."""
    with serving(create_app(Settings(model="mock"))) as base:
        yield base


class Watched:
    """A page and what it did that it must not: script errors, dialogs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@contextmanager
def opened(browser: Browser, base: str, viewport: dict[str, int] = DESKTOP) -> Iterator[Watched]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    try:
        watched = Watched(context.new_page())
        watched.page.goto(base + "/")
        watched.page.wait_for_selector("html[data-ready=true]")
        yield watched
        assert watched.errors == [], watched.errors
    finally:
        context.close()


def summarise(page: Page) -> dict[str, Any]:
    """Click Summarise; the exact body the page received, once it has been shown."""
    with page.expect_response(lambda r: r.url.endswith("/summarize")) as answer:
        page.get_by_role("button", name="Summarise", exact=True).click()
    assert answer.value.status == 200, answer.value.text()
    page.wait_for_selector("#results:not([hidden])")
    body: dict[str, Any] = answer.value.json()
    return body


def load_seeds(page: Page) -> None:
    page.get_by_role("button", name="Load the bundled seeds").click()
    page.wait_for_selector("#article-list li >> nth=4")


def open_details(page: Page, summary: str) -> None:
    """Unfold a `<details>` by clicking its summary, unless it is open already."""
    toggle = page.locator("details > summary", has_text=summary)
    if toggle.locator("xpath=..").get_attribute("open") is None:
        toggle.click()


def paste(page: Page, article: dict[str, Any]) -> None:
    open_details(page, "Paste an article")
    page.get_by_label("Format").select_option("json")
    page.get_by_label("Article", exact=True).fill(json.dumps(article, ensure_ascii=False))
    page.get_by_role("button", name="Add the article").click()


def cited_paths(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every object with `text` and `citations` under `node`, with its dotted path."""
    if isinstance(node, dict):
        here = [(path, node)] if "text" in node and "citations" in node else []
        return here + [p for k, v in node.items() for p in cited_paths(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in cited_paths(v, f"{path}.{i}")]
    return []


def expected_marks(sentence: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for index, citation in enumerate(sentence["citations"]):
        found.setdefault(citation["article_id"], {})[str(index)] = citation["text"]
    return found


def pick(page: Page, path: str) -> None:
    page.locator(f'[data-path="{path}"] > .pick').click()


def assert_every_citation_highlights(page: Page, root: dict[str, Any], name: str) -> int:
    """Select each sentence; its highlights must be exactly its citations' texts, in view."""
    sentences = cited_paths(root, name)
    assert sentences
    for path, sentence in sentences:
        pick(page, path)
        assert page.locator(f'[data-path="{path}"] > .pick').get_attribute("aria-pressed") == "true"
        assert page.evaluate(MARKS_JS) == expected_marks(sentence), path
        assert page.evaluate(UNSCROLLED_JS) == [], path
    return len(sentences)


def test_every_citation_of_every_seed_sentence_highlights_exactly(
    browser: Browser, url: str
) -> None:
    with opened(browser, url) as watched:
        page = watched.page
        load_seeds(page)
        body = summarise(page)
        count = assert_every_citation_highlights(page, body["summary"], "summary")
        assert count == len(page.locator("[data-path] > .pick").all())
        outlets = {a["id"]: a["source"] or a["title"] or a["id"] for a in body["articles"]}
        for i, point in enumerate(body["summary"]["key_points"]):
            block = page.locator(f'[data-path="summary.key_points.{i}"]')
            assert block.locator(".score").text_content() == f"score {point['score']:.2f}"
            noun = "source" if point["sources"] == 1 else "sources"
            count_text = f"{point['sources']} independent {noun}"
            assert block.locator(".sources-count").text_content() == count_text
            shown = block.locator(".outlets").text_content() or ""
            cited = {c["article_id"] for c in point["citations"]}
            copies = {d for a in body["articles"] if a["id"] in cited for d in a["duplicates_of"]}
            assert all(outlets[a] in shown for a in cited | copies), (shown, cited, copies)
        # Syndication is named on the copies' own panes as well.
        for article in body["articles"]:
            pane = page.locator(f'article.source[data-article-id="{article["id"]}"]')
            for other in article["duplicates_of"]:
                assert outlets[other] in (pane.locator(".copies").text_content() or "")
        assert_conflicts_side_by_side(page, body)
        assert page.locator(".counts").text_content() == (
            f"{body['verification']['checked']} checked · {body['verification']['passed']} passed"
            f" · 0 judged · 0 repaired · 0 dropped"
        )
        # Summary and sources side by side; the first cited article is scrolled into view.
        summary_box, sources_box = (
            page.locator("#summary").bounding_box(),
            page.locator("#sources").bounding_box(),
        )
        assert (
            summary_box
            and sources_box
            and sources_box["x"] >= summary_box["x"] + summary_box["width"]
        )
        widest = max(
            range(len(body["summary"]["key_points"])),
            key=lambda i: len(body["summary"]["key_points"][i]["citations"]),
        )
        pick(page, f"summary.key_points.{widest}")
        assert page.evaluate(FIRST_CITED_IN_VIEW_JS) is True
        assert page.evaluate(UNNAMED_CONTROLS_JS) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "viewer-desktop.png"))


def assert_conflicts_side_by_side(page: Page, body: dict[str, Any]) -> None:
    conflicts = body["summary"]["conflicts"]
    assert conflicts, "the seeds hold a conflict: this test needs one to look at"
    shown = page.locator(".conflict")
    assert shown.count() == len(conflicts)
    for i, conflict in enumerate(conflicts):
        assert shown.nth(i).locator("h4").text_content() == conflict["about"]
        boxes = [c.bounding_box() for c in shown.nth(i).locator(".claim").all()]
        assert len(boxes) == len(conflict["claims"]) and all(boxes)
        tops = {round(b["y"]) for b in boxes if b}
        lefts = [b["x"] for b in boxes if b]
        assert len(tops) == 1 and len(set(lefts)) == len(lefts), boxes


def test_emoji_and_japanese_highlight_exactly(browser: Browser, url: str) -> None:
    with opened(browser, url) as watched:
        page = watched.page
        for article in EMOJI_ARTICLES:
            paste(page, article)
        body = summarise(page)
        citations = [c for _, s in cited_paths(body["summary"], "") for c in s["citations"]]
        # Only a test where UTF-16 and code-point offsets differ can tell them apart.
        assert any(c["start_utf16"] != c["start"] for c in citations)
        assert any(any(ord(ch) > 0x3000 for ch in c["text"]) for c in citations)
        assert_every_citation_highlights(page, body["summary"], "summary")
        # /verify on the same articles: sentences written elsewhere, found and shown alike.
        open_details(page, "Verify sentences written elsewhere")
        page.get_by_label("Sentences, one a line").fill(
            "Residents 👩‍👩‍👧 welcomed the plan.\n公園は2027年4月に開園する予定です。\n"
            "The park will cost 3 billion yen, officials said."
        )
        with page.expect_response(lambda r: r.url.endswith("/verify")) as answer:
            page.get_by_role("button", name="Verify against the articles").click()
        checked = answer.value.json()
        page.wait_for_selector('[data-path="results.2"]')
        assert_every_citation_highlights(page, checked["results"], "results")
        for i, result in enumerate(checked["results"]):
            block = page.locator(f'[data-path="results.{i}"]')
            verdict = "supported" if result["supported"] else "not supported"
            assert block.locator(".verdict").text_content() == verdict
            assert block.locator(".reasons li").all_text_contents() == result["reasons"]


def test_hostile_articles_run_nothing(browser: Browser, url: str, tmp_path: Path) -> None:
    with opened(browser, url) as watched:
        page = watched.page
        upload = tmp_path / "hostile.json"
        upload.write_text(json.dumps({"articles": XSS_ARTICLES}), encoding="utf-8")
        page.get_by_label("Upload files").set_input_files(str(upload))
        page.wait_for_selector("#article-list li >> nth=1")
        body = summarise(page)
        assert_every_citation_highlights(page, body["summary"], "summary")
        open_details(page, "Verify sentences written elsewhere")
        page.get_by_label("Sentences, one a line").fill(f"<img src=x onerror=\"{XSS}('verify')\">")
        page.get_by_role("button", name="Verify against the articles").click()
        page.wait_for_selector('[data-path="results.0"]')
        for pane in page.locator("#sources .text").all():
            pane.hover()
        page.wait_for_timeout(200)
        assert page.evaluate("window.__xss") is None
        assert watched.dialogs == []
        assert page.evaluate(MARKUP_IN_PAGE_JS) == 0
        # Shown, as the characters they are.
        sources = page.locator("#sources-body").text_content() or ""
        assert "<script>window.__xss" in sources and "onerror=" in sources
        assert "<img src=x onerror=" in (page.locator("#article-list").text_content() or "")
        hostile_html = next(a for a in body["articles"] if a["id"] == "hostile-html")
        assert "<script>alert('escaped')</script>" in hostile_html["text"]
        assert "<script>alert('escaped')</script>" in sources


def test_keyboard_moves_to_the_next_and_previous_sentence(browser: Browser, url: str) -> None:
    with opened(browser, url) as watched:
        page = watched.page
        load_seeds(page)
        body = summarise(page)
        order = [p for p, _ in cited_paths(body["summary"], "summary")]
        shown = page.locator("[data-path]").evaluate_all(
            "(nodes) => nodes.map((n) => n.dataset.path)"
        )
        by_path = dict(cited_paths(body["summary"], "summary"))

        def selected() -> str:
            path: str = page.evaluate("document.activeElement.parentElement.dataset.path")
            assert (
                page.locator(f'[data-path="{path}"] > .pick').get_attribute("aria-pressed")
                == "true"
            )
            assert page.locator(".sentence.selected").count() == 1
            assert page.evaluate(MARKS_JS) == expected_marks(by_path[path])
            return path

        assert sorted(shown) == sorted(order)
        page.keyboard.press("j")
        assert selected() == shown[0]
        page.keyboard.press("j")
        page.keyboard.press("j")
        assert selected() == shown[2]
        page.keyboard.press("k")
        assert selected() == shown[1]
        page.keyboard.press("ArrowDown")
        assert selected() == shown[2]
        page.keyboard.press("End")
        assert selected() == shown[-1]
        page.keyboard.press("j")
        assert selected() == shown[-1]
        page.keyboard.press("Home")
        assert selected() == shown[0]
        page.keyboard.press("ArrowUp")
        assert selected() == shown[0]
        # Typing in a field types; it does not move the selection.
        open_details(page, "Verify sentences written elsewhere")
        page.get_by_label("Sentences, one a line").press("j")
        assert page.get_by_label("Sentences, one a line").input_value() == "j"
        assert (
            page.locator(f'[data-path="{shown[0]}"] > .pick').get_attribute("aria-pressed")
            == "true"
        )


def test_a_phone_gets_one_column_and_no_sideways_scroll(browser: Browser, url: str) -> None:
    with opened(browser, url, PHONE) as watched:
        page = watched.page
        overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        assert page.evaluate(overflow) <= 0
        load_seeds(page)
        body = summarise(page)
        assert page.evaluate(overflow) <= 0
        summary_box, sources_box = (
            page.locator("#summary").bounding_box(),
            page.locator("#sources").bounding_box(),
        )
        assert summary_box and sources_box
        assert sources_box["y"] >= summary_box["y"] + summary_box["height"]
        assert sources_box["width"] <= PHONE["width"] and summary_box["width"] <= PHONE["width"]
        points = body["summary"]["key_points"]
        widest = max(range(len(points)), key=lambda i: len(points[i]["citations"]))
        pick(page, f"summary.key_points.{widest}")
        # The spans are listed under the sentence too, where a phone reader is.
        evidence = page.locator(f'[data-path="summary.key_points.{widest}"] .evidence q')
        assert evidence.all_text_contents() == [c["text"] for c in points[widest]["citations"]]
        assert page.evaluate(overflow) <= 0
        assert page.evaluate(UNNAMED_CONTROLS_JS) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "viewer-phone.png"))
        # And each has a way down to its place in the source.
        first = points[widest]["citations"][0]
        outlets = {a["id"]: a["source"] or a["title"] or a["id"] for a in body["articles"]}
        page.get_by_role("button", name=f"Show span 1 in {outlets[first['article_id']]}").click()
        mark = page.locator(f'article.source[data-article-id="{first["article_id"]}"] mark').first
        page.wait_for_function(
            "(m) => m.getBoundingClientRect().top >= 0", arg=mark.element_handle()
        )
        box = mark.bounding_box()
        assert box and 0 <= box["y"] < PHONE["height"]


def test_progress_shows_while_the_service_works_and_can_be_cancelled(
    browser: Browser, url: str
) -> None:
    with opened(browser, url) as watched:
        page = watched.page
        load_seeds(page)
        held: list[Route] = []
        page.route("**/summarize", lambda route: held.append(route))
        summarise_button = page.get_by_role("button", name="Summarise", exact=True)
        summarise_button.click()
        page.wait_for_selector("#progress:not([hidden])")
        assert (page.locator("#status").text_content() or "").startswith("Summarising 5 articles…")
        assert summarise_button.is_disabled()
        assert page.locator("#input").get_attribute("aria-busy") == "true"
        page.get_by_role("button", name="Cancel").click()
        page.wait_for_selector("#progress", state="hidden")
        assert page.locator("#status").text_content() == "Cancelled."
        assert page.locator("#results").is_hidden()
        held.pop().abort()
        # Held again, then let through: the progress gives way to the summary.
        summarise_button.click()
        page.wait_for_selector("#progress:not([hidden])")
        held.pop().continue_()
        page.wait_for_selector("#results:not([hidden])")
        assert page.locator("#progress").is_hidden() and summarise_button.is_enabled()
        assert (page.locator("#status").text_content() or "").startswith("Summarised 5 articles")


class LyingModel:
    """A model that writes one true key point and some false ones: the verifier drops those."""

    name = "lying"
    profile = ModelProfile(offline=True, can_repair=False, extractive_fallback=False)
    context_tokens = 16_384

    async def execute(self, request: ModelRequest[OutputT]) -> ModelReply[OutputT]:
        draft = SummaryDraft(headline=TRUE_POINT, key_points=[TRUE_POINT, *LIES[:3]])
        output = request.output_type.model_validate(draft.model_dump())
        usage = Usage(calls=1, prompt_tokens=100, completion_tokens=50)
        return ModelReply(output=output, raw=draft.model_dump_json(), model=self.name, usage=usage)

    async def aclose(self) -> None:
        """Nothing to release."""


def test_dropped_sentences_are_listed_with_their_reasons(browser: Browser) -> None:
    model: Model = LyingModel()
    with serving(create_app(Settings(), model=model)) as base, opened(browser, base) as watched:
        page = watched.page
        load_seeds(page)
        body = summarise(page)
        dropped = body["verification"]["dropped"]
        assert {d["text"] for d in dropped} == {lie.text for lie in LIES[:3]}
        shown = page.locator(".dropped > li")
        assert shown.count() == len(dropped)
        for i, sentence in enumerate(dropped):
            item = shown.nth(i)
            assert (
                item.locator(".dropped-text").text_content()
                == f"{sentence['field']} {sentence['text']}"
            )
            assert item.locator(".reasons li").all_text_contents() == sentence["reasons"]
        assert_every_citation_highlights(page, body["summary"], "summary")


def test_a_key_is_asked_for_sent_and_never_stored(browser: Browser) -> None:
    import hashlib

    settings = Settings(model="mock", api_key_hashes=(hashlib.sha256(KEY.encode()).hexdigest(),))
    with serving(create_app(settings)) as base, opened(browser, base) as watched:
        page = watched.page
        load_seeds(page)
        page.get_by_role("button", name="Summarise", exact=True).click()
        alert = page.get_by_role("alert")
        alert.get_by_text("401 unauthorized").wait_for()
        assert page.evaluate("document.activeElement.id") == "api-key"
        page.get_by_label("API key").fill(KEY)
        with page.expect_request(lambda r: r.url.endswith("/summarize")) as sent:
            summarise(page)
        assert sent.value.headers["authorization"] == f"Bearer {KEY}"
        assert (alert.text_content() or "") == ""
        stored = "[localStorage.length, sessionStorage.length, document.cookie]"
        assert page.evaluate(stored) == [0, 0, ""]
        page.reload()
        page.wait_for_selector("html[data-ready=true]")
        assert page.get_by_label("API key").input_value() == ""
