/* feedback.html: every 👍/👎 with its question, answer, citations, the conversation before it and
 * the index version that answered; filtered by rating and days, a page at a time, and the same
 * filter exported as CSV (fetched with the staff key, saved from memory: the key never goes in a
 * URL). Text from the server goes in with textContent only. */
(() => {
  "use strict";

  const { el } = window.Facts;
  const { staffFetch, staffJSON, localTime } = window.Staff;
  const PAGE_SIZE = 20;
  const RATINGS = { up: { mark: "👍", label: "有帮助" }, down: { mark: "👎", label: "没帮助" } };

  const $ = (id) => document.getElementById(id);
  const filterForm = $("feedback-filter");
  const list = $("feedback-list");
  const status = $("feedback-status");
  const count = $("feedback-count");
  const prev = $("prev-page");
  const next = $("next-page");
  const pageInfo = $("page-info");
  let offset = 0;
  let total = 0;

  function say(text, kind) {
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  /** The filter as query parameters (only those set). */
  function filterQuery() {
    const q = new URLSearchParams();
    for (const name of ["rating", "since", "until"]) {
      const value = filterForm.elements[name].value;
      if (value) q.set(name, value);
    }
    return q;
  }

  function ratingBadge(rating) {
    const r = RATINGS[rating] || { mark: "?", label: rating };
    return el("span", { className: "badge rating-" + rating },
      el("span", { "aria-hidden": "true", textContent: r.mark + " " }), r.label);
  }

  function labelled(label, ...content) {
    return el("div", { className: "fb-part" }, el("p", { className: "fb-label" }, label), ...content);
  }

  function item(entry) {
    const parts = [
      el("div", { className: "fb-head" }, ratingBadge(entry.rating),
        el("time", { dateTime: entry.created_at, className: "muted" }, localTime(entry.created_at)),
        el("span", { className: "muted fb-version" }, "索引版本 " + (entry.index_version || "未记录"))),
      labelled("问题", el("p", { className: "fb-question" }, entry.question)),
      labelled("回答", el("p", { className: "fb-answer" }, entry.answer)),
    ];
    if (entry.citations && entry.citations.length) {
      parts.push(labelled("出处", el("ul", { className: "fb-citations" }, ...entry.citations.map((c) =>
        el("li", {}, el("span", { className: "fb-cite-n" }, "[" + c.n + "] "),
          el("span", { className: "report-id" }, c.passage_id), c.quote ? "：" + c.quote : "")))));
    }
    if (entry.comment) parts.push(labelled("留言", el("p", {}, entry.comment)));
    if (entry.history && entry.history.length) {
      const turns = entry.history.map((t) => el("li", {},
        el("p", { className: "fb-question" }, "问：" + t.question),
        t.answer ? el("p", { className: "fb-answer" }, "答：" + t.answer) : null));
      parts.push(el("details", { className: "fb-history" },
        el("summary", {}, "之前的对话（" + entry.history.length + " 轮）"),
        el("ol", { className: "fb-turns" }, ...turns)));
    }
    return el("li", { className: "fb-item", "data-rating": entry.rating }, ...parts);
  }

  async function load(focusList) {
    const q = filterQuery();
    if (q.get("since") && q.get("until") && q.get("since") > q.get("until")) {
      say("起始日期不能晚于截止日期。", "error");
      return;
    }
    q.set("limit", String(PAGE_SIZE));
    q.set("offset", String(offset));
    say("正在载入…");
    let page;
    try {
      page = await staffJSON("api/feedback?" + q.toString());
    } catch (error) {
      say(error.message, "error");
      return;
    }
    total = page.count;
    list.replaceChildren(...page.feedback.map(item));
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const current = Math.floor(offset / PAGE_SIZE) + 1;
    count.textContent = total ? "共 " + total + " 条反馈" : "没有符合条件的反馈。";
    pageInfo.textContent = "第 " + current + " / " + pages + " 页";
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE_SIZE >= total;
    say("");
    if (focusList) $("list-title").focus();
  }

  async function exportCsv() {
    const q = filterQuery();
    say("正在导出…");
    try {
      const res = await staffFetch("api/feedback.csv" + (q.toString() ? "?" + q.toString() : ""));
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: "feedback.csv", className: "visually-hidden" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say("已导出 feedback.csv。", "ok");
    } catch (error) {
      say("导出失败：" + error.message, "error");
    }
  }

  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    load(false);
  });
  $("export-csv").addEventListener("click", exportCsv);
  prev.addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); load(true); });
  next.addEventListener("click", () => { if (offset + PAGE_SIZE < total) { offset += PAGE_SIZE; load(true); } });
  document.addEventListener("staff:ready", () => { offset = 0; load(false); });
})();
