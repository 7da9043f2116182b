/* 政协工作报告问答 — the report reader: one report in full, its sections as headings, opened at
 * a cited passage with the quote marked when a citation's link names them.
 *
 * URL: reader.html?doc=<doc_id>[&p=<passage_id>][&v=<index_version>][&qs=<start>&qe=<end>]
 * (qs/qe: the quote's offsets in the report's text). Text goes in with textContent only.
 */
(() => {
  "use strict";

  const { el, describeFailure, NETWORK_ERROR } = window.Facts;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const docId = params.get("doc") || "";
  const target = params.get("p") || "";
  const version = params.get("v") || "";
  const qs = Number.parseInt(params.get("qs") || "", 10);
  const qe = Number.parseInt(params.get("qe") || "", 10);
  const hasQuote = Number.isInteger(qs) && Number.isInteger(qe) && qe > qs;
  const status = $("reader-status");

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
    status.hidden = !text;
  }

  /** The passage's text as nodes, the part inside the quote's [qs, qe) marked. */
  function passageNodes(p) {
    if (!hasQuote || qe <= p.start || qs >= p.end) return [document.createTextNode(p.text)];
    const a = Math.max(qs, p.start) - p.start;
    const b = Math.min(qe, p.end) - p.start;
    return [document.createTextNode(p.text.slice(0, a)), el("mark", {}, p.text.slice(a, b)),
            document.createTextNode(p.text.slice(b))];
  }

  function render(data) {
    const d = data.document;
    document.title = (d.title || d.doc_id) + " · 报告原文";
    $("report-title").textContent = d.title || d.doc_id;
    $("report-meta").textContent = [d.body || d.committee, d.kind, d.date].filter(Boolean).join(" · ");
    $("report-version").textContent = version && version !== data.index_version ? "" :
      (version ? "（回答所依据的索引版本 " + data.index_version + "）" : "");
    const body = $("report-body");
    const toc = [];
    let section = null;
    let sectionNo = 0;
    let found = null;
    for (const p of data.passages) {
      if (p.section !== section) {
        section = p.section;
        if (section) {
          const id = "section-" + (++sectionNo);
          body.append(el("h3", { className: "report-section", id }, section));
          toc.push([id, section]);
        }
      }
      if (!p.text.trim()) continue;
      const para = el("p", { className: "report-passage", id: "p-" + p.passage_id }, ...passageNodes(p));
      para.dataset.passage = p.passage_id;
      if (p.passage_id === target) {
        para.classList.add("target");
        para.tabIndex = -1;
        found = para;
      }
      body.append(para);
    }
    if (toc.length) {
      $("toc-list").replaceChildren(...toc.map(([id, text]) => el("li", {}, el("a", { href: "#" + id }, text))));
      $("report-toc").hidden = false;
    }
    $("report").hidden = false;
    if (target && !found) {
      say("这段引文在报告的当前版本里找不到了，下面是报告全文。");
    } else {
      say("");
    }
    const focus = found || $("report");
    focus.scrollIntoView({ block: found ? "center" : "start" });
    focus.focus({ preventScroll: true });
  }

  async function load(withVersion) {
    if (!docId) {
      say("没有指明要打开哪份报告。请从问答页的报告列表或回答的出处打开。", true);
      return;
    }
    const url = "api/documents/" + encodeURIComponent(docId) + (withVersion && version ? "?version=" + encodeURIComponent(version) : "");
    let res;
    try {
      res = await fetch(url);
    } catch (_) {
      say(NETWORK_ERROR, true);
      return;
    }
    if (res.status === 404 && withVersion && version) {
      // the answer's index version is no longer kept: open the report as it is now
      await load(false);
      if (!$("report").hidden) say("回答所依据的报告版本已不再保留，下面是报告的当前版本。");
      return;
    }
    if (!res.ok) {
      say(res.status === 404 ? "没有找到这份报告（它可能已被移除）。" : await describeFailure(res), true);
      return;
    }
    render(await res.json());
  }

  load(true);
})();
