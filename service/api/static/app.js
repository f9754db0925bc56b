/* The evidence viewer: articles in, summary out, every sentence beside its source spans.
 *
 * Article data (text, ids, outlets, titles, URLs, and whatever the service echoes back) only
 * ever enters the page as text: text nodes, textContent and attribute values set through the
 * DOM. Nothing here parses a string as HTML, so an article holding <script> or onerror= shows
 * those characters and runs nothing. Spans are highlighted by their UTF-16 offsets
 * (start_utf16/end_utf16), the unit String.prototype.slice counts in.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  const state = {
    articles: [], // article objects as they will be sent
    version: 0, // bumped whenever the articles change
    pasted: 0,
    summary: null, // {version, body} of the last /summarize
    verify: null, // {version, body} of the last /verify
    sentences: [], // selectable sentences in page order
    selected: -1,
    panes: new Map(), // article id -> {article, text, box, node, marked}
    controller: null,
  };

  class InputError extends Error {}

  class ApiError extends Error {
    constructor(status, body) {
      super(`HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  // --- DOM helpers: strings become text nodes, never markup --------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const outlet = (article) => article.source || article.title || article.id;

  function say(message) {
    $("status").textContent = message;
  }

  function httpUrl(value) {
    try {
      const url = new URL(String(value));
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  // --- The articles to send ------------------------------------------------------------------

  function checkedArticle(raw) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
      throw new InputError("an article must be an object with `id` and `text` or `html`");
    }
    if (typeof raw.id !== "string" || !raw.id.trim()) {
      throw new InputError("an article needs a non-empty string `id`");
    }
    if ((typeof raw.text === "string") === (typeof raw.html === "string")) {
      throw new InputError(`article ${raw.id}: give exactly one of \`text\` or \`html\``);
    }
    return { ...raw };
  }

  function articlesFromJson(value) {
    if (Array.isArray(value)) return value;
    if (value && typeof value === "object" && Array.isArray(value.articles)) return value.articles;
    return [value];
  }

  function addArticles(list, origin) {
    const checked = list.map(checkedArticle);
    let added = 0;
    let replaced = 0;
    for (const article of checked) {
      const at = state.articles.findIndex((a) => a.id === article.id);
      if (at >= 0) {
        state.articles[at] = article;
        replaced += 1;
      } else {
        state.articles.push(article);
        added += 1;
      }
    }
    articlesChanged();
    say(`${origin}: ${plural(added, "article")} added${replaced ? `, ${replaced} replaced` : ""}.`);
  }

  function articlesChanged() {
    state.version += 1;
    clearError();
    renderArticleList();
    // A summary of other articles would point into texts no longer shown.
    $("results").hidden = true;
  }

  function renderArticleList() {
    const list = $("article-list");
    list.replaceChildren(
      ...state.articles.map((article, index) => {
        const format = typeof article.html === "string" ? "HTML" : "text";
        const body = article.html ?? article.text;
        const remove = () => {
          state.articles.splice(index, 1);
          articlesChanged();
        };
        return el(
          "li",
          {},
          el("span", { class: "name" }, outlet(article)),
          el("span", { class: "note" }, ` ${article.id} · ${format} · ${body.length} characters `),
          el("button", { type: "button", "aria-label": `Remove ${article.id}`, onclick: remove }, "Remove"),
        );
      }),
    );
    $("article-empty").hidden = state.articles.length > 0;
  }

  async function articlesFromFiles(files) {
    const found = [];
    for (const file of files) {
      const content = await file.text();
      const dot = file.name.lastIndexOf(".");
      const stem = dot > 0 ? file.name.slice(0, dot) : file.name;
      const extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
      if (extension === "json") {
        let value;
        try {
          value = JSON.parse(content);
        } catch (error) {
          throw new InputError(`${file.name} is not valid JSON: ${error.message}`);
        }
        found.push(...articlesFromJson(value));
      } else if (extension === "html" || extension === "htm") {
        found.push({ id: stem, html: content });
      } else {
        found.push({ id: stem, text: content });
      }
    }
    return found;
  }

  function pastedArticles() {
    const format = $("paste-format").value;
    const body = $("paste-body").value;
    if (!body.trim()) throw new InputError("paste the article into the Article box first");
    if (format === "json") {
      try {
        return articlesFromJson(JSON.parse(body));
      } catch (error) {
        throw new InputError(`the pasted text is not valid JSON: ${error.message}`);
      }
    }
    let id = $("paste-id").value.trim();
    if (!id) {
      do state.pasted += 1;
      while (state.articles.some((a) => a.id === `pasted-${state.pasted}`));
      id = `pasted-${state.pasted}`;
    }
    const article = { id, [format]: body };
    const source = $("paste-source").value.trim();
    const title = $("paste-title").value.trim();
    if (source) article.source = source;
    if (title) article.title = title;
    return [article];
  }

  // --- Talking to the service ----------------------------------------------------------------

  function headers() {
    const sent = { Accept: "application/json" };
    // Read from the field at each request and kept nowhere else: gone when the page closes.
    const key = $("api-key").value.trim();
    if (key) sent.Authorization = `Bearer ${key}`;
    return sent;
  }

  async function answer(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  async function post(path, body, signal) {
    const response = await fetch(path, {
      method: "POST",
      headers: { ...headers(), "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
      cache: "no-store",
    });
    return answer(response);
  }

  function clearError() {
    $("error").replaceChildren();
  }

  function showError(error) {
    if (error && error.name === "AbortError") {
      say("Cancelled.");
      return;
    }
    let message;
    if (error instanceof ApiError) {
      const body = error.body && typeof error.body === "object" ? error.body : {};
      const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? "no detail given");
      message = `${error.status} ${body.type || "error"}: ${detail}${body.field ? ` (field ${body.field})` : ""}`;
      if (error.status === 401) {
        message += ". Enter an API key at the top of the page.";
        $("api-key").focus();
      }
    } else if (error instanceof InputError) {
      message = error.message;
    } else {
      message = `Could not reach the service: ${error && error.message}`;
    }
    $("error").replaceChildren(el("p", {}, message));
    say("");
  }

  function setBusy(busy) {
    $("progress").hidden = !busy;
    $("summarize").disabled = busy;
    $("verify").disabled = busy;
    $("input").setAttribute("aria-busy", busy ? "true" : "false");
  }

  async function run(label, path, body, show) {
    if (state.controller) return;
    clearError();
    const controller = new AbortController();
    state.controller = controller;
    const version = state.version;
    const started = performance.now();
    const tick = () => say(`${label}… ${((performance.now() - started) / 1000).toFixed(1)} s`);
    tick();
    const timer = setInterval(tick, 200);
    setBusy(true);
    try {
      const data = await post(path, body, controller.signal);
      clearInterval(timer);
      say(show(data, version));
    } catch (error) {
      clearInterval(timer);
      showError(error);
    } finally {
      state.controller = null;
      setBusy(false);
    }
  }

  function requireArticles() {
    if (!state.articles.length) throw new InputError("add at least one article first");
  }

  function summarize() {
    try {
      requireArticles();
    } catch (error) {
      showError(error);
      return;
    }
    const options = {
      max_key_points: Number($("max-key-points").value),
      max_quotes: Number($("max-quotes").value),
    };
    const label = `Summarising ${plural(state.articles.length, "article")}`;
    run(label, "/summarize", { articles: state.articles, options }, (body, version) => {
      state.summary = { version, body };
      state.verify = null;
      renderResults();
      const s = body.summary;
      const dropped = body.verification.dropped.length;
      return (
        `Summarised ${plural(body.articles.length, "article")}: ${plural(s.key_points.length, "key point")}, ` +
        `${plural(s.quotes.length, "quote")}, ${plural(s.conflicts.length, "conflict")}; ` +
        `${plural(dropped, "sentence")} dropped by the verifier.`
      );
    });
  }

  function verify() {
    const sentences = $("verify-sentences").value.split("\n").map((line) => line.trim()).filter(Boolean);
    try {
      requireArticles();
      if (!sentences.length) throw new InputError("write at least one sentence to verify, one a line");
    } catch (error) {
      showError(error);
      return;
    }
    const label = `Verifying ${plural(sentences.length, "sentence")}`;
    run(label, "/verify", { articles: state.articles, sentences }, (body, version) => {
      state.verify = { version, body };
      renderResults();
      const supported = body.results.filter((r) => r.supported).length;
      return `Verified ${plural(body.results.length, "sentence")}: ${supported} supported.`;
    });
  }

  async function loadSeeds() {
    clearError();
    try {
      const body = await answer(await fetch("/viewer/seeds.json", { headers: headers() }));
      addArticles(body.articles, "Bundled seeds");
    } catch (error) {
      showError(error);
    }
  }

  // --- Independent sources and copies --------------------------------------------------------

  function sourceGroups(articles) {
    const parent = new Map(articles.map((a) => [a.id, a.id]));
    const root = (id) => {
      while (parent.get(id) !== id) id = parent.get(id);
      return id;
    };
    for (const article of articles) {
      for (const other of article.duplicates_of || []) {
        if (parent.has(other)) parent.set(root(article.id), root(other));
      }
    }
    const members = new Map();
    for (const article of articles) {
      const key = root(article.id);
      if (!members.has(key)) members.set(key, []);
      members.get(key).push(article);
    }
    return new Map(articles.map((a) => [a.id, members.get(root(a.id))]));
  }

  function corroboration(sentence) {
    const groups = sourceGroups([...state.panes.values()].map((p) => p.article));
    const seen = new Set();
    const found = [];
    for (const citation of sentence.citations) {
      const group = groups.get(citation.article_id);
      if (!group || seen.has(group)) continue;
      seen.add(group);
      found.push(group);
    }
    return found;
  }

  function sourcesNote(sentence) {
    const groups = corroboration(sentence);
    const count = sentence.sources ?? groups.length;
    return el(
      "div",
      { class: "corroboration" },
      el("span", { class: "sources-count" }, `${plural(count, "independent source")}`),
      el(
        "ul",
        { class: "outlets", "aria-label": "Outlets cited" },
        groups.map((group) =>
          el(
            "li",
            {},
            group.map(outlet).join(" · "),
            group.length > 1 ? el("span", { class: "copy" }, " (copies of one report, counted once)") : null,
          ),
        ),
      ),
    );
  }

  // --- Sentences -----------------------------------------------------------------------------

  function sentenceBlock(sentence, path, extras) {
    const index = state.sentences.length;
    const metaId = `meta-${index}`;
    const button = el(
      "button",
      { type: "button", class: "pick", "aria-pressed": "false", "aria-describedby": metaId },
      sentence.text,
    );
    const evidence = el("ol", { class: "evidence", hidden: true, "aria-label": "Cited spans" });
    const meta = el(
      "div",
      { class: "meta", id: metaId },
      el("span", { class: "score", title: "the verifier's support score, 0 to 1" }, `score ${sentence.score.toFixed(2)}`),
      extras,
    );
    const block = el("div", { class: "sentence", dataset: { path } }, button, meta, evidence);
    button.addEventListener("click", () => select(index));
    state.sentences.push({ path, sentence, block, button, evidence });
    return block;
  }

  function renderEvidence(entry) {
    entry.evidence.replaceChildren(
      ...entry.sentence.citations.map((citation, index) => {
        const pane = state.panes.get(citation.article_id);
        const name = pane ? outlet(pane.article) : citation.article_id;
        let problem = null;
        if (!pane) problem = "this article is not among the sources shown";
        else if (pane.text === null) problem = "the offsets point into the text extracted from the HTML: summarise to see it";
        else if (pane.text.slice(citation.start_utf16, citation.end_utf16) !== citation.text) {
          problem = "the offsets do not match this article's text";
        }
        const show = () => scrollToCitation(citation.article_id, index);
        return el(
          "li",
          {},
          el("span", { class: "outlet" }, name),
          " ",
          el("q", {}, citation.text),
          problem
            ? el("span", { class: "problem" }, ` ${problem}`)
            : el("button", { type: "button", class: "link", "aria-label": `Show span ${index + 1} in ${name}`, onclick: show }, "Show"),
        );
      }),
    );
  }

  function select(index) {
    if (index < 0 || index >= state.sentences.length) return;
    const previous = state.sentences[state.selected];
    if (previous) {
      previous.block.classList.remove("selected");
      previous.button.setAttribute("aria-pressed", "false");
      previous.evidence.hidden = true;
    }
    state.selected = index;
    const entry = state.sentences[index];
    entry.block.classList.add("selected");
    entry.button.setAttribute("aria-pressed", "true");
    renderEvidence(entry);
    entry.evidence.hidden = false;
    entry.button.focus({ preventScroll: true });
    const column = $("summary");
    if (scrolls(column)) scrollWithin(column, entry.block, column.clientHeight / 3);
    else entry.block.scrollIntoView({ block: "nearest" });
    const cited = highlight(entry.sentence.citations);
    say(
      `Sentence ${index + 1} of ${state.sentences.length}: ` +
        `${plural(entry.sentence.citations.length, "span")} in ${plural(cited, "article")}.`,
    );
  }

  // --- Highlighting by UTF-16 offsets --------------------------------------------------------

  function highlight(citations) {
    const ranges = new Map();
    citations.forEach((citation, index) => {
      if (!ranges.has(citation.article_id)) ranges.set(citation.article_id, []);
      ranges.get(citation.article_id).push({ start: citation.start_utf16, end: citation.end_utf16, index });
    });
    let first = null;
    for (const [id, pane] of state.panes) {
      const own = ranges.get(id) || [];
      if (pane.text === null || (!own.length && !pane.marked)) continue;
      renderText(pane, own);
      const mark = pane.box.querySelector("mark");
      if (mark) {
        scrollWithin(pane.box, mark, Math.min(pane.box.clientHeight / 4, 64));
        first = first || pane.node;
      }
    }
    const column = $("sources");
    if (first && scrolls(column)) scrollWithin(column, first, 8);
    return [...ranges.keys()].filter((id) => state.panes.has(id)).length;
  }

  function renderText(pane, ranges) {
    const text = pane.text;
    const valid = ranges.filter((r) => r.start >= 0 && r.end <= text.length && r.start < r.end);
    const cuts = new Set([0, text.length]);
    for (const r of valid) {
      cuts.add(r.start);
      cuts.add(r.end);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const pieces = document.createDocumentFragment();
    for (let k = 0; k + 1 < points.length; k += 1) {
      const [from, to] = [points[k], points[k + 1]];
      const piece = text.slice(from, to);
      const covering = valid.filter((r) => r.start <= from && r.end >= to).map((r) => r.index);
      // A mark lists every citation covering it: the spans of one sentence may overlap.
      const covered = covering.length ? el("mark", { dataset: { cite: covering.join(" ") } }, piece) : null;
      pieces.append(covered || document.createTextNode(piece));
    }
    pane.box.replaceChildren(pieces);
    pane.marked = valid.length > 0;
  }

  function scrolls(node) {
    const overflow = getComputedStyle(node).overflowY;
    return (overflow === "auto" || overflow === "scroll") && node.scrollHeight > node.clientHeight;
  }

  // Scroll one container only, never the window: the summary stays where the reader is.
  function scrollWithin(container, target, margin) {
    const offset = target.getBoundingClientRect().top - container.getBoundingClientRect().top;
    container.scrollTop += offset - margin;
  }

  function scrollToCitation(articleId, index) {
    const pane = state.panes.get(articleId);
    if (!pane) return;
    const mark = [...pane.box.querySelectorAll("mark")].find((m) => m.dataset.cite.split(" ").includes(String(index)));
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  // --- The results ---------------------------------------------------------------------------

  function current(result) {
    return result && result.version === state.version ? result.body : null;
  }

  function sourceArticles() {
    const summary = current(state.summary);
    if (summary) return summary.articles;
    // /verify does not echo the texts: a text article is its own ground truth; an HTML one
    // is not shown until /summarize has returned its extracted text.
    return state.articles.map((a) => ({
      id: a.id,
      title: a.title,
      source: a.source,
      url: a.url,
      input_format: typeof a.html === "string" ? "html" : "text",
      text: typeof a.text === "string" ? a.text : null,
      duplicates_of: [],
    }));
  }

  function renderResults() {
    state.sentences = [];
    state.selected = -1;
    state.panes = new Map();
    const articles = sourceArticles();
    const byId = new Map(articles.map((a) => [a.id, a]));
    $("sources-body").replaceChildren(...articles.map((article, i) => sourcePane(article, i, byId)));
    const summary = current(state.summary);
    const checked = current(state.verify);
    $("summary-body").replaceChildren(
      ...(summary ? summarySections(summary) : []),
      ...(checked ? [verifySection(checked)] : []),
    );
    $("results").hidden = false;
    $("results").scrollIntoView({ block: "start" });
    $("summary").focus({ preventScroll: true });
  }

  function sourcePane(article, index, byId) {
    const name = outlet(article);
    const headingId = `source-${index}`;
    const box = el("div", { class: "text", tabindex: "0", role: "region", "aria-label": `Text of ${name}` });
    const url = article.url && httpUrl(article.url);
    const link = url ? [" · ", el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "original")] : null;
    const copies = (article.duplicates_of || []).map((id) => (byId.has(id) ? outlet(byId.get(id)) : id));
    const facts = [article.id, article.input_format];
    if (typeof article.sentences === "number") {
      facts.push(`${plural(article.sentences, "sentence")} (${article.boilerplate_sentences} page boilerplate)`);
    }
    const node = el(
      "article",
      { class: "source", dataset: { articleId: article.id }, "aria-labelledby": headingId },
      el("h3", { id: headingId }, name),
      article.title && article.title !== name ? el("p", { class: "title" }, article.title) : null,
      el("p", { class: "note" }, facts.join(" · "), link),
      copies.length ? el("p", { class: "copies" }, `Copies: ${copies.join(", ")} (counted as one source)`) : null,
      box,
    );
    if (article.text === null) {
      box.append(el("span", { class: "problem" }, "HTML article: its extracted text appears once it has been summarised."));
    } else {
      box.append(document.createTextNode(article.text));
    }
    state.panes.set(article.id, { article, text: article.text, box, node, marked: false });
    return node;
  }

  function section(title, ...children) {
    return el("section", { class: "part" }, el("h3", {}, title), children);
  }

  const items = (values, render, props = { class: "points" }) =>
    el("ol", props, values.map((value, i) => el("li", {}, render(value, i))));

  const reasons = (list) => (list.length ? el("ul", { class: "reasons" }, list.map((r) => el("li", {}, r))) : null);

  const outletOf = (id) => (state.panes.has(id) ? outlet(state.panes.get(id).article) : id);

  function eventFacts(event) {
    const fact = (term, value) => (value ? [el("dt", {}, term), el("dd", {}, value)] : null);
    return el(
      "dl",
      { class: "facts" },
      fact("Who", (event.who || []).join(", ")),
      fact("Where", event.where),
      fact("When", event.when),
    );
  }

  function summarySections(body) {
    const s = body.summary;
    const parts = [];
    if (s.headline) {
      parts.push(section("Headline", sentenceBlock(s.headline, "summary.headline", sourcesNote(s.headline))));
    }
    if (s.event) {
      const extras = [sourcesNote(s.event), eventFacts(s.event)];
      parts.push(section("Event", sentenceBlock(s.event, "summary.event", extras)));
    }
    const point = (p, i) => sentenceBlock(p, `summary.key_points.${i}`, sourcesNote(p));
    const none = el("p", { class: "note" }, "No key point survived verification.");
    parts.push(section("Key points", s.key_points.length ? items(s.key_points, point) : none));
    if (s.quotes.length) {
      const speaker = (q) => (q.speaker ? el("span", { class: "speaker" }, `said by ${q.speaker}`) : null);
      const quote = (q, i) => sentenceBlock(q, `summary.quotes.${i}`, [speaker(q), sourcesNote(q)]);
      parts.push(section("Quotes", items(s.quotes, quote)));
    }
    parts.push(conflictSection(s.conflicts), verificationSection(body.verification), runSection(body.run));
    return parts;
  }

  function conflictSection(conflicts) {
    if (!conflicts.length) {
      return section("Sources disagree", el("p", { class: "note" }, "No conflict found between independent sources."));
    }
    const claim = (c, path) => {
      const names = [...new Set(c.citations.map((citation) => outletOf(citation.article_id)))];
      return el("div", { class: "claim" }, el("p", { class: "claim-outlet" }, names.join(", ")), sentenceBlock(c, path, null));
    };
    // The sides of one disagreement next to each other (stacked on a narrow screen).
    const conflict = (c, i) =>
      el(
        "div",
        { class: "conflict" },
        el("h4", {}, c.about),
        el("div", { class: "claims" }, c.claims.map((side, j) => claim(side, `summary.conflicts.${i}.claims.${j}`))),
      );
    return section("Sources disagree", conflicts.map(conflict));
  }

  function verificationSection(v) {
    const counts = [
      `${v.checked} checked`,
      `${v.passed} passed`,
      `${v.judged ?? 0} judged`,
      `${v.repaired} repaired`,
      `${v.dropped.length} dropped`,
    ].join(" · ");
    const one = (d) => [
      el("p", { class: "dropped-text" }, el("span", { class: "field" }, d.field), " ", d.text),
      reasons(d.reasons),
    ];
    const dropped = v.dropped.length
      ? items(v.dropped, one, { class: "dropped", "aria-label": "Dropped sentences" })
      : el("p", { class: "note" }, "Nothing was dropped: every sentence the model wrote was verified.");
    return section("Verification", el("p", { class: "counts" }, counts), el("h4", {}, "Dropped by the verifier"), dropped);
  }

  function runSection(r) {
    const parts = [
      `model ${r.model}`,
      r.strategy,
      plural(r.calls, "call"),
      `${r.prompt_tokens} prompt + ${r.completion_tokens} completion tokens`,
    ];
    if (r.fallback) parts.push(`extractive fallback: ${r.fallback_reason || "yes"}`);
    return section("Run", el("p", { class: "note" }, parts.join(" · ")));
  }

  function verifySection(body) {
    const result = (r, i) =>
      sentenceBlock(r, `results.${i}`, [
        el("span", { class: r.supported ? "verdict good" : "verdict bad" }, r.supported ? "supported" : "not supported"),
        reasons(r.reasons),
      ]);
    return section("Verified sentences", items(body.results, result));
  }

  // --- Keyboard: j / k anywhere, arrows on a sentence -----------------------------------------

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if ($("results").hidden || !state.sentences.length) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("input, textarea, select, [contenteditable]")) return;
    const onSentence = Boolean(target && target.classList.contains("pick"));
    const last = state.sentences.length - 1;
    let next = null;
    if (event.key === "j" || (onSentence && event.key === "ArrowDown")) next = state.selected < 0 ? 0 : Math.min(state.selected + 1, last);
    else if (event.key === "k" || (onSentence && event.key === "ArrowUp")) next = state.selected < 0 ? last : Math.max(state.selected - 1, 0);
    else if (onSentence && event.key === "Home") next = 0;
    else if (onSentence && event.key === "End") next = last;
    if (next === null) return;
    event.preventDefault();
    select(next);
  }

  // --- Wiring ---------------------------------------------------------------------------------

  function start() {
    $("load-seeds").addEventListener("click", loadSeeds);
    $("upload").addEventListener("change", async (event) => {
      const input = event.target;
      try {
        addArticles(await articlesFromFiles([...input.files]), "Uploaded");
      } catch (error) {
        showError(error);
      } finally {
        input.value = "";
      }
    });
    $("clear").addEventListener("click", () => {
      state.articles = [];
      articlesChanged();
      say("All articles removed.");
    });
    $("paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      try {
        addArticles(pastedArticles(), "Pasted");
        $("paste-body").value = "";
        $("paste-id").value = "";
      } catch (error) {
        showError(error);
      }
    });
    $("summarize").addEventListener("click", summarize);
    $("verify").addEventListener("click", verify);
    $("cancel").addEventListener("click", () => state.controller && state.controller.abort());
    document.addEventListener("keydown", onKey);
    renderArticleList();
    document.documentElement.dataset.ready = "true";
  }

  start();
})();
