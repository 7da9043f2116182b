/* Shared helpers of the pages (chat, figures.html, check.html). Plain JS, no build step.
 *
 * Safety rule: text from the server or the reader is only ever put into the page with
 * textContent / createTextNode, never as HTML.
 */
(() => {
  "use strict";

  /** Build an element. `props` are DOM properties (textContent, className, type…) except keys
   *  containing "-" or "role", which become attributes. Children: nodes or plain text. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key.includes("-") || key === "role") node.setAttribute(key, String(value));
      else node[key] = value;
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** A readable sentence for a failed response (the API answers {"error": {"code", "message"}}). */
  async function describeFailure(res) {
    let message = "";
    try {
      const body = await res.json();
      message = (body && body.error && body.error.message) || "";
    } catch (_) { /* not JSON: fall back to the status below */ }
    switch (res.status) {
      case 422: return "提交的内容有误：" + (message || "请修改后再试。");
      case 413: return "内容太长，服务器拒收了。请分段核对。";
      case 429: return "请求太频繁了，请稍等片刻再试。";
      case 503: return "服务暂时不可用（报告索引还没有准备好），请稍后再试。" + (message ? "\n" + message : "");
      default:
        if (res.status >= 500) return "服务器出错了（" + res.status + "），请稍后再试。";
        return "请求失败（" + res.status + "）" + (message ? "：" + message : "。");
    }
  }

  const NETWORK_ERROR = "网络连接失败，没能联系到服务。请检查网络后重试。";

  /** [start, end) of the quote inside the passage text, or null. */
  function quoteRange(citation) {
    const text = citation.text || "";
    const quote = citation.quote || "";
    if (!quote) return null;
    const offset = citation.start - citation.passage_start;
    if (Number.isInteger(offset) && offset >= 0 && text.slice(offset, offset + quote.length) === quote) {
      return [offset, offset + quote.length];
    }
    const found = text.indexOf(quote);
    return found >= 0 ? [found, found + quote.length] : null;
  }

  /** A passage as a <p>, with [start, end) marked (text nodes only). */
  function markedText(text, range, className) {
    const p = el("p", { className });
    if (!range) {
      p.append(text);
      return p;
    }
    p.append(text.slice(0, range[0]), el("mark", { textContent: text.slice(range[0], range[1]) }),
             text.slice(range[1]));
    return p;
  }

  /** One cited passage: where it is from, and its text with the quote marked. */
  function evidenceItem(c) {
    const where = [c.committee, c.title, c.section].filter(Boolean).join(" · ");
    return el("li", { className: "evidence-item" },
      el("p", { className: "evidence-where" }, "[" + c.n + "] " + where),
      markedText(c.text || "", quoteRange(c), "evidence-text"),
      el("p", { className: "evidence-id" }, "段落 " + c.passage_id));
  }

  /** Verdict names shown to readers: a mark and a word, never colour alone. */
  const VERDICTS = {
    supported: { mark: "✓", label: "相符" },
    refuted: { mark: "✗", label: "不符" },
    not_found: { mark: "?", label: "未找到依据" },
  };

  function verdictBadge(verdict) {
    const v = VERDICTS[verdict] || VERDICTS.not_found;
    return el("span", { className: "badge badge-" + verdict },
      el("span", { "aria-hidden": "true", textContent: v.mark + " " }), v.label);
  }

  window.Facts = { el, describeFailure, NETWORK_ERROR, quoteRange, markedText, evidenceItem, VERDICTS,
                   verdictBadge };
})();
