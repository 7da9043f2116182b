/* 政协工作报告问答 — the page. Plain JS, no build step, nothing loaded from elsewhere.
 *
 * Safety rule: text from the server or the reader (questions, answers, passages, titles) is only
 * ever put into the page with textContent / createTextNode, never as HTML.
 */
(() => {
  "use strict";

  const API = { ask: "api/ask", feedback: "api/feedback", health: "api/health", documents: "api/documents",
                examples: "api/examples" };
  const REFUSAL_TITLE = "报告中没有找到相关内容";
  const COPIED_MS = 2000;
  const TOAST_MS = 8000;
  const STORE_KEY = "cppcc-qa.conversations";  // localStorage only: never sent to the server
  const MAX_CONVERSATIONS = 30;                 // oldest dropped first

  const state = {
    history: [],          // finished turns sent as context: [{question, answer}]
    maxTurns: 6,          // replaced by /api/health limits
    maxChars: 1000,
    busy: false,
    turnCount: 0,
    conv: null,           // the open conversation: {id, updated, turns: [{question, response, vote}]}
    documents: [],        // /api/documents, for the refusal's "the reports cover…" and the report list
  };

  const turns = new WeakMap(); // <li class="turn"> -> Turn, for keyboard handling
  const $ = (id) => document.getElementById(id);
  const form = $("ask-form");
  const input = $("question");
  const sendButton = $("send");
  const conversation = $("conversation");
  const welcome = $("welcome");
  const hint = $("composer-hint");
  const serviceStatus = $("service-status");
  const drawer = $("drawer");

  // el() and quoteRange() are shared with the staff pages (facts.js, loaded first).
  const { el, quoteRange } = window.Facts;

  // ------------------------------------------------------------- conversations in localStorage

  const Store = {
    all() {
      try {
        const list = JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
        return Array.isArray(list) ? list.filter((c) => c && c.id && Array.isArray(c.turns)) : [];
      } catch (_) { return []; }
    },
    write(list) {
      list.sort((a, b) => b.updated - a.updated);
      let kept = list.slice(0, MAX_CONVERSATIONS);
      for (;;) {  // when the browser's quota is full, drop the oldest until it fits
        try { localStorage.setItem(STORE_KEY, JSON.stringify(kept)); return true; } catch (_) {
          if (kept.length <= 1) return false;
          kept = kept.slice(0, -1);
        }
      }
    },
    get(id) { return this.all().find((c) => c.id === id) || null; },
    save(conv) {
      if (!conv || !conv.turns.length) return;
      this.write([conv, ...this.all().filter((c) => c.id !== conv.id)]);
    },
    remove(id) { this.write(this.all().filter((c) => c.id !== id)); },
  };

  function newConversation() {
    const id = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
    return { id, updated: Date.now(), turns: [] };
  }

  /** The link that reopens one answer: #c=<conversation>&t=<turn, from 1>. */
  function turnLink(convId, index) {
    return "#c=" + encodeURIComponent(convId) + "&t=" + (index + 1);
  }

  /** reader.html for a citation or passage: the report, opened at the passage, quote marked. */
  function readerLink(docId, passageId, version, start, end) {
    const q = new URLSearchParams({ doc: docId });
    if (passageId) q.set("p", passageId);
    if (version) q.set("v", version);
    if (Number.isInteger(start) && Number.isInteger(end)) { q.set("qs", String(start)); q.set("qe", String(end)); }
    return "reader.html?" + q.toString();
  }

  // ----------------------------------------------------------------------------- undo toast

  let toastTimer = 0;
  let toastUndo = null;
  function toast(text, undo) {
    clearTimeout(toastTimer);
    $("toast-text").textContent = text;
    toastUndo = undo || null;
    $("toast-undo").hidden = !undo;
    $("toast").hidden = false;
    toastTimer = setTimeout(() => { $("toast").hidden = true; toastUndo = null; }, TOAST_MS);
  }
  $("toast-undo").addEventListener("click", () => {
    const undo = toastUndo;
    $("toast").hidden = true;
    toastUndo = null;
    if (undo) undo();
  });

  function prefersReducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // ---------------------------------------------------------------- server-sent events over fetch

  /** Yield {event, data} from a text/event-stream body (any of \r\n, \r, \n line ends). */
  async function* readEvents(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "message";
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        if (!done && m[0] === "\r" && m.index === buffer.length - 1) break; // "\r\n" may be split
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === "") {
          if (data.length) yield { event, data: data.join("\n") };
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // comment / keep-alive ping
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "event") event = val;
        else if (field === "data") data.push(val);
      }
      if (done) {
        if (data.length) yield { event, data: data.join("\n") };
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------- error messages

  async function describeFailure(res) {
    let message = "";
    try {
      const body = await res.json();
      message = (body && body.error && body.error.message) || "";
    } catch (_) { /* not JSON: fall back to the status below */ }
    switch (res.status) {
      case 422: return "问题没能提交：" + (message || "输入有误，请修改后再试。");
      case 413: return "内容太长，服务器拒收了。请缩短问题后再试。";
      case 429: {
        const wait = res.headers.get("Retry-After");
        return "提问太频繁了，请" + (wait ? " " + wait + " 秒后" : "稍等片刻再") + "再试。";
      }
      case 503: return "问答服务暂时不可用（报告索引还没有准备好），请稍后再试。" + (message ? "\n" + message : "");
      default:
        if (res.status >= 500) return "服务器出错了（" + res.status + "），请稍后再试。";
        return "请求失败（" + res.status + "）" + (message ? "：" + message : "。");
    }
  }

  const NETWORK_ERROR = "网络连接失败，没能联系到问答服务。请检查网络后重试。";
  const STREAM_BROKEN = "回答传输中断了，请重试。";

  // ----------------------------------------------------------------------------- citations

  function citationLabel(c) {
    return [c.title, c.section].filter(Boolean).join(" · ");
  }

  // --------------------------------------------------------------------------------- one turn

  class Turn {
    constructor(question, index) {
      this.id = "turn-" + (++state.turnCount);
      this.index = index;          // its place in the conversation (the link names it)
      this.convId = state.conv.id;
      this.question = question;
      this.citations = [];
      this.text = "";
      this.final = null;
      this.openChip = null;

      this.answerText = el("p", { className: "answer-text" });
      this.statusLine = el("p", { className: "answer-status" }, "正在查找报告…");
      this.refusal = el("p", { className: "refusal-title", hidden: true }, REFUSAL_TITLE);
      this.sources = el("div", { className: "sources", hidden: true });
      this.actions = el("div", { className: "answer-actions", hidden: true });
      this.passage = el("aside", {
        className: "passage", id: this.id + "-passage", hidden: true, tabIndex: -1,
        "aria-label": "引用的报告原文",
      });
      this.answer = el("article", { className: "answer pending", "aria-label": "回答" },
        el("div", { className: "answer-main" },
          this.refusal, this.answerText, this.statusLine, this.sources, this.actions),
        this.passage);
      this.node = el("li", { className: "turn", id: this.id },
        el("div", { className: "question" },
          el("span", { className: "visually-hidden" }, "问："),
          el("p", { className: "question-text" }, question)),
        this.answer);
      turns.set(this.node, this);
    }

    setCitations(citations) {
      this.citations = Array.isArray(citations) ? citations : [];
      this.statusLine.textContent = "正在整理回答…";
      this.render();
    }

    appendText(piece) { this.text += piece; this.render(); }

    setText(text) { this.text = text; this.render(); }

    /** Rebuild the answer paragraph: plain text with each [n] turned into a citation chip. */
    render() {
      const parts = [];
      const marker = /\[(\d+)\]/g;
      let last = 0;
      let m;
      while ((m = marker.exec(this.text)) !== null) {
        const citation = this.citations.find((c) => c.n === Number(m[1]));
        if (!citation) continue;
        if (m.index > last) parts.push(document.createTextNode(this.text.slice(last, m.index)));
        parts.push(this.chip(citation));
        last = marker.lastIndex;
      }
      parts.push(document.createTextNode(this.text.slice(last)));
      this.answerText.replaceChildren(...parts);
    }

    chip(citation, withLabel = false) {
      const button = el("button", {
        type: "button", className: withLabel ? "chip chip-source" : "chip",
        "aria-label": "查看出处 " + citation.n + "：" + citationLabel(citation),
        "aria-expanded": "false", "aria-controls": this.passage.id,
        title: citationLabel(citation),
      }, el("span", { className: "chip-n" }, String(citation.n)));
      if (withLabel) button.append(el("span", { className: "chip-label" }, citationLabel(citation)));
      button.dataset.n = String(citation.n);
      button.addEventListener("click", () => this.togglePassage(citation, button));
      return button;
    }

    togglePassage(citation, button) {
      if (this.openChip === button && !this.passage.hidden) {
        this.closePassage();
        return;
      }
      this.showPassage(citation, button);
    }

    showPassage(citation, button) {
      for (const b of this.answer.querySelectorAll(".chip[aria-expanded='true']")) {
        b.setAttribute("aria-expanded", "false");
      }
      button.setAttribute("aria-expanded", "true");
      this.openChip = button;

      const body = el("blockquote", { className: "passage-text" });
      const text = citation.text || "";
      const range = quoteRange(citation);
      if (range) {
        body.append(
          document.createTextNode(text.slice(0, range[0])),
          el("mark", {}, text.slice(range[0], range[1])),
          document.createTextNode(text.slice(range[1])));
      } else {
        body.append(document.createTextNode(text));
      }
      const close = el("button", { type: "button", className: "passage-close", "aria-label": "关闭原文" }, "×");
      close.addEventListener("click", () => this.closePassage(true));
      this.passage.replaceChildren(
        el("div", { className: "passage-head" },
          el("p", { className: "passage-n" }, "出处 [" + citation.n + "]"),
          close),
        el("h3", { className: "passage-title" }, citation.title || "（无标题）"),
        el("p", { className: "passage-meta" }, [citation.body || citation.committee, citation.date, citation.section].filter(Boolean).join(" · ")),
        body,
        this.readerAnchor(citation));
      this.passage.hidden = false;
      this.answer.classList.add("with-passage");
      this.passage.focus({ preventScroll: true });
      const box = this.passage.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        this.passage.scrollIntoView({ block: "nearest", behavior: prefersReducedMotion() ? "auto" : "smooth" });
      }
    }

    closePassage(returnFocus = false) {
      this.passage.hidden = true;
      this.answer.classList.remove("with-passage");
      if (this.openChip) {
        this.openChip.setAttribute("aria-expanded", "false");
        if (returnFocus) this.openChip.focus();
      }
      this.openChip = null;
    }

    readerAnchor(c) {
      const version = this.final ? this.final.index_version : "";
      return el("a", { className: "reader-link", href: readerLink(c.doc_id, c.passage_id, version, c.start, c.end),
                       "aria-label": "查看原文 " + c.n + "：" + citationLabel(c) }, "查看原文");
    }

    finish(response) {
      this.final = response;
      this.citations = response.citations || this.citations;
      this.setText(response.answer || "");
      this.statusLine.remove();
      this.answer.classList.remove("pending");
      if (!response.answerable) {
        this.answer.classList.add("refusal");
        this.refusal.hidden = (response.answer || "").trim().replace(/[。.]$/, "") === REFUSAL_TITLE;
      }
      if (this.citations.length) {
        this.sources.replaceChildren(
          el("h3", { className: "sources-title" }, "出处"),
          el("ul", { className: "source-list" },
            ...this.citations.map((c) => el("li", {}, this.chip(c, true), " ", this.readerAnchor(c)))));
        this.sources.hidden = false;
      }
      if (!response.answerable) this.buildHelp(response);
      this.buildActions();
    }

    /** A refusal's help: what the reports cover, the closest passages (not an answer) and
     *  questions the reports do answer on the topic. */
    buildHelp(response) {
      const main = this.answer.querySelector(".answer-main");
      const help = el("div", { className: "refusal-help" });
      const related = Array.isArray(response.related) ? response.related : [];
      const suggestions = Array.isArray(response.suggestions) ? response.suggestions : [];
      if (!related.length && !suggestions.length) return;
      if (state.documents.length) {
        help.append(el("p", { className: "covers" }, "已收录的报告：" +
          state.documents.map((d) => [d.body || d.committee, d.title].filter(Boolean).join(" ")).join("；") + "。"));
      }
      if (suggestions.length) {
        help.append(el("h3", { className: "help-title" }, "报告能回答的相关问题"),
          el("ul", { className: "suggestions" }, ...suggestions.map((q) => {
            const b = el("button", { type: "button", className: "example suggestion" }, q);
            b.addEventListener("click", () => { if (!state.busy) ask(q); });
            return el("li", {}, b);
          })));
      }
      if (related.length) {
        const version = response.index_version || "";
        help.append(el("h3", { className: "help-title related-title" }, "相关段落（不是答案）"),
          el("p", { className: "related-note" }, "下面的段落与问题有关，但没有回答这个问题，仅供参考。"),
          el("ul", { className: "related-list", "aria-label": "相关段落（不是答案）" }, ...related.map((r) =>
            el("li", { className: "related" },
              el("p", { className: "passage-meta" }, [r.body, r.title, r.section].filter(Boolean).join(" · ")),
              el("p", { className: "related-text" }, r.text),
              el("a", { className: "reader-link", href: readerLink(r.doc_id, r.passage_id, version) }, "查看原文")))));
      }
      main.insertBefore(help, this.actions);
    }

    fail(message, retry) {
      this.statusLine.remove();
      this.answer.classList.remove("pending");
      this.answer.classList.add("failed");
      const box = el("div", { className: "error", role: "alert" },
        el("p", { className: "error-text" }, message));
      if (retry) {
        const again = el("button", { type: "button", className: "retry" }, "重试");
        again.addEventListener("click", () => { this.node.remove(); retry(); });
        box.append(again);
      }
      this.answer.querySelector(".answer-main").append(box);
    }

    buildActions() {
      const note = el("span", { className: "action-note", role: "status" });
      const copy = el("button", { type: "button", className: "action copy", "aria-label": "复制回答" }, "复制");
      copy.addEventListener("click", async () => {
        note.textContent = (await copyText(this.copyable())) ? "已复制" : "复制失败，请手动选择文字复制";
        setTimeout(() => { note.textContent = ""; }, COPIED_MS);
      });
      const up = el("button", { type: "button", className: "action vote", "aria-label": "回答有帮助", "aria-pressed": "false" }, "👍 有用");
      const down = el("button", { type: "button", className: "action vote", "aria-label": "回答没有帮助", "aria-pressed": "false" }, "👎 没用");
      const vote = async (rating, button) => {
        up.disabled = down.disabled = true;
        button.setAttribute("aria-pressed", "true");
        const ok = await this.sendFeedback(rating, note);
        if (!ok) {
          up.disabled = down.disabled = false;
          button.setAttribute("aria-pressed", "false");
        } else {
          this.vote = rating;
          recordVote(this, rating);
        }
      };
      up.addEventListener("click", () => vote("up", up));
      const comment = el("textarea", { className: "comment-input", rows: 2, maxLength: 2000,
                                        id: this.id + "-comment" });
      const sendComment = el("button", { type: "button", className: "action send-comment" }, "发送反馈");
      const cancel = el("button", { type: "button", className: "action" }, "取消");
      const box = el("div", { className: "comment-box", hidden: true },
        el("label", { htmlFor: comment.id, className: "comment-label" }, "哪里不对？（可不填）"),
        comment, el("div", { className: "comment-actions" }, sendComment, cancel));
      down.setAttribute("aria-expanded", "false");
      down.addEventListener("click", () => {
        box.hidden = !box.hidden;
        down.setAttribute("aria-expanded", String(!box.hidden));
        if (!box.hidden) comment.focus();
      });
      cancel.addEventListener("click", () => { box.hidden = true; down.setAttribute("aria-expanded", "false"); down.focus(); });
      sendComment.addEventListener("click", async () => {
        sendComment.disabled = true;
        this.comment = comment.value.trim();
        await vote("down", down);
        sendComment.disabled = false;
        if (down.getAttribute("aria-pressed") === "true") box.hidden = true;
      });
      const link = el("a", { className: "action permalink", href: turnLink(this.convId, this.index),
                             "aria-label": "这条回答的链接" }, "链接");
      this.actions.replaceChildren(copy, up, down, link, note);
      this.actions.after(box);
      this.actions.hidden = false;
      if (this.vote) {  // restored from storage: the vote was sent already
        up.disabled = down.disabled = true;
        (this.vote === "up" ? up : down).setAttribute("aria-pressed", "true");
      }
    }

    copyable() {
      const lines = [this.text];
      if (this.citations.length) {
        lines.push("", "出处：");
        for (const c of this.citations) lines.push("[" + c.n + "] " + citationLabel(c) + "：" + (c.quote || ""));
      }
      return lines.join("\n");
    }

    async sendFeedback(rating, note) {
      const r = this.final;
      const body = {
        question: this.question, answer: r.answer, rating, comment: rating === "down" ? (this.comment || "") : "",
        citations: (r.citations || []).map((c) => ({ n: c.n, passage_id: c.passage_id, quote: c.quote })),
        history: historyBefore(this.convId, this.index), index_version: r.index_version || "",
      };
      try {
        const res = await fetch(API.feedback, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        });
        if (!res.ok) {
          note.textContent = "反馈没有送达：" + (await describeFailure(res));
          return false;
        }
        note.textContent = "谢谢您的反馈！";
        return true;
      } catch (_) {
        note.textContent = "反馈没有送达：" + NETWORK_ERROR;
        return false;
      }
    }
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (_) { /* fall through to the old way */ }
    const area = el("textarea", { value: text, readOnly: true, className: "copy-buffer" });
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
  }

  // ------------------------------------------------------------------------------------ asking

  async function ask(question) {
    state.busy = true;
    sendButton.disabled = true;
    welcome.hidden = true;
    const turn = new Turn(question, state.conv.turns.length);
    conversation.append(turn.node);
    conversation.setAttribute("aria-busy", "true");
    turn.node.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
    try {
      await streamAnswer(turn, question, () => ask(question));
    } finally {
      conversation.setAttribute("aria-busy", "false");
      state.busy = false;
      sendButton.disabled = false;
    }
  }

  async function streamAnswer(turn, question, retry) {
    const history = state.history.slice(-state.maxTurns);
    let res;
    try {
      res = await fetch(API.ask, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question, history, stream: true }),
      });
    } catch (_) {
      turn.fail(NETWORK_ERROR, retry);
      return;
    }
    if (!res.ok) {
      turn.fail(await describeFailure(res), res.status === 422 || res.status === 413 ? null : retry);
      return;
    }
    let final = null;
    try {
      for await (const { event, data } of readEvents(res.body)) {
        const payload = JSON.parse(data);
        if (event === "sources") turn.setCitations(payload);
        else if (event === "delta") turn.appendText(payload.text || "");
        else if (event === "answer") turn.setText(payload.answer || "");
        else if (event === "done") final = payload;
        else if (event === "error") throw new Error((payload.error && payload.error.message) || "error");
      }
    } catch (_) {
      turn.fail(STREAM_BROKEN, retry);
      return;
    }
    if (!final) {
      turn.fail(STREAM_BROKEN, retry);
      return;
    }
    turn.finish(final);
    state.history.push({ question: final.question || question, answer: final.answer || "" });
    const { timings_ms: _timings, ...kept } = final;
    state.conv.turns.push({ question, response: kept });
    state.conv.updated = Date.now();
    Store.save(state.conv);
    renderHistory();
  }

  /** The turns before `index` of a conversation, as /api/ask's history (feedback sends them). */
  function historyBefore(convId, index) {
    const conv = convId === state.conv.id ? state.conv : Store.get(convId);
    const turns = conv ? conv.turns.slice(0, index) : [];
    return turns.slice(-state.maxTurns).map((t) => ({
      question: t.question, answer: ((t.response && t.response.answer) || "").slice(0, 4000) }));
  }

  function recordVote(turn, rating) {
    const conv = turn.convId === state.conv.id ? state.conv : Store.get(turn.convId);
    if (!conv || !conv.turns[turn.index]) return;
    conv.turns[turn.index].vote = rating;
    Store.save(conv);
  }

  // ------------------------------------------------------------------ opening a conversation

  /** Show a stored conversation (or a new one) in the page. */
  function openConversation(conv) {
    state.conv = conv;
    state.history = conv.turns.map((t) => ({ question: t.response.question || t.question, answer: t.response.answer || "" }));
    conversation.replaceChildren();
    conv.turns.forEach((t, i) => {
      const turn = new Turn(t.question, i);
      turn.vote = t.vote || null;
      conversation.append(turn.node);
      turn.finish(t.response);
    });
    welcome.hidden = conv.turns.length > 0;
    renderHistory();
  }

  /** Open the conversation and answer a #c=…&t=… link names: scrolled to, highlighted. */
  function followLink() {
    const m = /^#c=([^&]+)&t=(\d+)$/.exec(location.hash);
    if (!m) return false;
    const conv = Store.get(decodeURIComponent(m[1]));
    if (!conv) {
      toast("这条链接的对话不在这台设备上（对话只保存在打开它的浏览器里）。");
      return false;
    }
    if (state.busy && state.conv.id !== conv.id) {
      toast("上一个问题还在回答中，请稍候再打开这条链接。");
      return true;
    }
    if (!state.conv || state.conv.id !== conv.id) openConversation(conv);
    const node = conversation.children[Number(m[2]) - 1];
    if (!node) return true;
    for (const n of conversation.querySelectorAll(".turn.linked")) n.classList.remove("linked");
    node.classList.add("linked");
    node.tabIndex = -1;
    node.scrollIntoView({ block: "start", behavior: "auto" });
    node.focus({ preventScroll: true });
    return true;
  }

  function submit() {
    const question = input.value.trim();
    if (!question) {
      hint.textContent = "请先输入问题。";
      input.focus();
      return;
    }
    if (question.length > state.maxChars) {
      hint.textContent = "问题太长了：" + question.length + " 字，最多 " + state.maxChars + " 字。";
      return;
    }
    if (state.busy) {
      hint.textContent = "上一个问题还在回答中，请稍候。";
      return;
    }
    hint.textContent = "";
    input.value = "";
    autoGrow();
    ask(question);
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 200) + "px";
  }

  function newChat() {
    const previous = state.conv;
    if (state.busy) {
      hint.textContent = "上一个问题还在回答中，请稍候。";
      return;
    }
    openConversation(newConversation());
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    hint.textContent = "";
    input.focus();
    if (previous && previous.turns.length) {
      toast("已开始新对话，刚才的对话保存在“对话记录”里。", () => openConversation(Store.get(previous.id) || previous));
    }
  }

  // ------------------------------------------------------------- the drawer: history, reports

  let drawerOpener = null;
  function openDrawer(which, opener) {
    const reports = which === "reports";
    $("drawer-title").textContent = reports ? "已收录的报告" : "对话记录";
    $("history-pane").hidden = reports;
    $("reports-pane").hidden = !reports;
    for (const b of [$("open-history"), $("open-reports")]) b.setAttribute("aria-expanded", String(b === opener));
    drawerOpener = opener;
    drawer.hidden = false;
    drawer.focus();
  }
  function closeDrawer() {
    if (drawer.hidden) return;
    drawer.hidden = true;
    for (const b of [$("open-history"), $("open-reports")]) b.setAttribute("aria-expanded", "false");
    if (drawerOpener) drawerOpener.focus();
  }

  function when(ms) {
    return new Date(ms).toLocaleString("zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function renderHistory() {
    const list = Store.all();
    const items = list.map((c) => {
      const current = state.conv && c.id === state.conv.id;
      const open = el("button", { type: "button", className: "history-open",
                                  "aria-current": current ? "true" : null },
        el("span", { className: "history-q" }, c.turns[0].question),
        el("span", { className: "history-meta" }, when(c.updated) + " · " + c.turns.length + " 问"));
      open.addEventListener("click", () => {
        if (state.busy) {  // the answer on its way belongs to the conversation it was asked in
          toast("上一个问题还在回答中，请稍候再打开其他对话。");
          return;
        }
        openConversation(c);
        history.replaceState(null, "", location.pathname + location.search);
        closeDrawer();
        input.focus();
      });
      const del = el("button", { type: "button", className: "history-delete", "aria-label": "删除对话：" + c.turns[0].question }, "删除");
      del.addEventListener("click", () => {
        if (current && state.busy) {
          toast("这段对话正在回答中，请稍候再删除。");
          return;
        }
        Store.remove(c.id);
        if (current) openConversation(newConversation());
        renderHistory();
        ($("history-list").querySelector("button") || $("drawer-close")).focus();
        toast("已删除一段对话。", () => { Store.save(c); if (current) openConversation(c); renderHistory(); });
      });
      return el("li", { className: "history-item" }, open, del);
    });
    $("history-list").replaceChildren(...(items.length ? items : [el("li", { className: "history-empty" }, "还没有保存的对话。")]));
  }

  // ------------------------------------------------------------------------------ start-up

  async function checkService() {
    try {
      const res = await fetch(API.health);
      if (res.ok) {
        const health = await res.json();
        if (health.limits) {
          state.maxTurns = health.limits.max_history_turns ?? state.maxTurns;
          state.maxChars = health.limits.max_question_chars ?? state.maxChars;
        }
        serviceStatus.hidden = true;
        loadDocuments();
        loadExamples();
        return;
      }
      serviceStatus.textContent = await describeFailure(res);
    } catch (_) {
      serviceStatus.textContent = NETWORK_ERROR;
    }
    serviceStatus.hidden = false;
  }

  function documentItem(d) {
    return el("li", { className: "document" },
      el("a", { href: readerLink(d.doc_id), className: "doc-link" },
        el("span", { className: "doc-committee" }, d.body || d.committee || ""), " ",
        el("span", { className: "doc-title" }, d.title || d.doc_id)),
      d.date ? el("span", { className: "doc-date" }, " · " + d.date) : null);
  }

  async function loadDocuments() {
    try {
      const res = await fetch(API.documents);
      if (!res.ok) return;
      const { documents } = await res.json();
      if (!Array.isArray(documents) || !documents.length) return;
      state.documents = documents;
      $("document-list").replaceChildren(...documents.map(documentItem));
      $("report-list").replaceChildren(...documents.map(documentItem));
      $("documents").hidden = false;
    } catch (_) { /* the list is a nicety; asking still works */ }
  }

  async function loadExamples() {
    const list = $("examples");
    try {
      const res = await fetch(API.examples);
      const examples = res.ok ? (await res.json()).examples : [];
      list.replaceChildren(...(examples || []).map((q) => {
        const b = el("button", { type: "button", className: "example" }, q);
        b.addEventListener("click", () => {
          if (state.busy) return;
          input.value = q;
          submit();
        });
        return el("li", {}, b);
      }));
      list.hidden = !list.children.length;
    } catch (_) {
      list.hidden = true;  // asking still works without examples
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  input.addEventListener("keydown", (e) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate does nothing.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    const left = state.maxChars - input.value.trim().length;
    hint.textContent = left < 0 ? "问题太长了，请删去 " + (-left) + " 字。" : left < 50 ? "还可输入 " + left + " 字。" : "";
  });
  $("new-chat").addEventListener("click", newChat);
  $("open-history").addEventListener("click", (e) => openDrawer("history", e.currentTarget));
  $("open-reports").addEventListener("click", (e) => openDrawer("reports", e.currentTarget));
  $("drawer-close").addEventListener("click", closeDrawer);
  document.addEventListener("click", (e) => {  // a click beside the drawer closes it
    if (drawer.hidden || e.composedPath().some((n) => n === drawer || (n.matches && n.matches(".tool, #toast")))) return;
    closeDrawer();
  });
  window.addEventListener("hashchange", followLink);
  window.addEventListener("storage", (e) => { if (e.key === STORE_KEY) renderHistory(); });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (!drawer.hidden) { closeDrawer(); return; }
    const node = e.target.closest && e.target.closest(".turn");
    const turn = node && turns.get(node);
    if (turn && !turn.passage.hidden) turn.closePassage(true);
  });

  // reopen what was open (the newest conversation), or what a link names
  if (!followLink()) {
    const latest = Store.all()[0];
    openConversation(latest || newConversation());
  }
  checkService();
})();
