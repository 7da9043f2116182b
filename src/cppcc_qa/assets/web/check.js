/* 稿件核对: send a draft to /api/check, show each statement highlighted by verdict (colour and a
 * text label) with its evidence one click away. All server and reader text goes in with
 * textContent (see facts.js); the draft is rebuilt from text nodes, never as HTML. */
(() => {
  "use strict";
  const { el, describeFailure, NETWORK_ERROR, evidenceItem, VERDICTS, verdictBadge } = window.Facts;
  const API_CHECK = "api/check";
  const EXPORTS = { md: { path: "api/check.md", name: "稿件核对.md" }, csv: { path: "api/check.csv", name: "稿件核对.csv" } };
  const SAMPLE = "2024年以来，武威市政协共有124名政协委员参与诉前调解，调结案件35件，调解成功72件。" +
    "武威市政协同乌鲁木齐市政协建立友好政协。\n\n平凉市政协建立委员工作室149个，" +
    "协调落实乡村振兴帮扶资金约260万元。平凉市政协组织委员植树3000棵。";

  const $ = (id) => document.getElementById(id);
  const form = $("check-form");
  const draft = $("draft");
  const button = $("check-button");
  const status = $("status");
  const results = $("results");
  const details = $("details");
  const summary = $("summary");
  const view = $("draft-view");
  const list = $("statement-list");
  let checkedText = "";

  function setStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  /** Open the evidence of statement i (and optionally move focus there). */
  function openStatement(i, focus) {
    const item = $("st-" + i);
    if (!item) return;
    for (const node of list.querySelectorAll(".statement-item.current")) node.classList.remove("current");
    for (const node of view.querySelectorAll(".statement.active")) node.classList.remove("active");
    item.classList.add("current");
    const toggle = item.querySelector(".evidence-toggle");
    const evidence = item.querySelector(".evidence-list");
    if (evidence) { evidence.hidden = false; if (toggle) toggle.setAttribute("aria-expanded", "true"); }
    const mark = view.querySelector("[data-statement='" + i + "']");
    if (mark) mark.classList.add("active");
    if (focus) {
      item.scrollIntoView({ block: "nearest" });
      item.focus({ preventScroll: true });
    }
  }

  function statementItem(st, i) {
    const item = el("li", { id: "st-" + i, className: "statement-item", tabIndex: -1 },
      el("div", { className: "statement-head" }, verdictBadge(st.verdict),
        el("span", { className: "statement-text", textContent: st.text })),
      st.verdict === "refuted" && st.expected
        ? el("p", { className: "suggestion" }, "建议改为：", el("strong", { textContent: st.expected }), "（据报告原文）")
        : null,
      el("p", { className: "explanation", textContent: st.explanation }));
    if (st.evidence && st.evidence.length) {
      const evidence = el("ol", { className: "evidence-list", id: "ev-" + i, hidden: true },
        ...st.evidence.map(evidenceItem));
      const toggle = el("button", { type: "button", className: "link-button evidence-toggle",
                                    "aria-expanded": "false", "aria-controls": "ev-" + i,
                                    textContent: "查看报告原文（" + st.evidence.length + "）" });
      toggle.addEventListener("click", () => {
        const open = evidence.hidden;
        evidence.hidden = !open;
        toggle.setAttribute("aria-expanded", String(open));
      });
      item.append(toggle, evidence);
    }
    return item;
  }

  /** The draft as text nodes, each statement a link (to its evidence) carrying its verdict as
   *  colour, line style and a text label. */
  function renderDraft(text, statements) {
    view.replaceChildren();
    let pos = 0;
    statements.forEach((st, i) => {
      if (st.start < pos) return; // overlapping spans are not expected; keep the text intact
      view.append(text.slice(pos, st.start));
      const label = VERDICTS[st.verdict] ? VERDICTS[st.verdict].label : st.verdict;
      const mark = el("a", { href: "#st-" + i, className: "statement v-" + st.verdict, "data-statement": i,
                             "aria-label": label + "：" + text.slice(st.start, st.end) },
        text.slice(st.start, st.end), verdictBadge(st.verdict));
      mark.addEventListener("click", (event) => { event.preventDefault(); openStatement(i, true); });
      view.append(mark);
      pos = st.end;
    });
    view.append(text.slice(pos));
  }

  function render(data) {
    const s = data.summary || {};
    summary.replaceChildren(
      ...["supported", "refuted", "not_found"].map((k) =>
        el("span", { className: "badge badge-" + k }, VERDICTS[k].mark + " " + VERDICTS[k].label + " " + (s[k] || 0))));
    renderDraft(data.text, data.statements);
    list.replaceChildren(...data.statements.map(statementItem));
    results.hidden = false;
    details.hidden = data.statements.length === 0;
    setStatus(data.statements.length ? "" : "稿件中没有找到可以核对的数字或事实。", false);
    $("results-title").focus();
  }

  async function check() {
    const text = draft.value;
    if (!text.trim()) {
      setStatus("请先粘贴稿件。", true);
      draft.focus();
      return;
    }
    button.disabled = true;
    setStatus("正在核对…", false);
    try {
      const res = await fetch(API_CHECK, { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify({ text }) });
      if (!res.ok) { setStatus(await describeFailure(res), true); return; }
      checkedText = text;
      render(await res.json());
    } catch (_) {
      setStatus(NETWORK_ERROR, true);
    } finally {
      button.disabled = false;
    }
  }

  /** Download the checked draft's result in another format (the server writes it, so the CSV's
   *  formula guard is the one of figures.csv). */
  async function exportAs(kind) {
    const target = EXPORTS[kind];
    setStatus("正在导出…", false);
    try {
      const res = await fetch(target.path, { method: "POST", headers: { "Content-Type": "application/json" },
                                             body: JSON.stringify({ text: checkedText }) });
      if (!res.ok) { setStatus(await describeFailure(res), true); return; }
      const url = URL.createObjectURL(await res.blob());
      const link = el("a", { href: url, download: target.name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus("已导出 " + target.name + "。", false);
    } catch (_) {
      setStatus(NETWORK_ERROR, true);
    }
  }

  $("export-md").addEventListener("click", () => exportAs("md"));
  $("export-csv").addEventListener("click", () => exportAs("csv"));
  form.addEventListener("submit", (event) => { event.preventDefault(); check(); });
  $("sample-button").addEventListener("click", () => { draft.value = SAMPLE; draft.focus(); });
})();
