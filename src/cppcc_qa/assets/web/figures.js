/* 报告数字一览: the table of figures, filtered on the server (same filter as the CSV download).
 * All server text goes in with textContent (see facts.js). */
(() => {
  "use strict";
  const { el, describeFailure, NETWORK_ERROR, markedText } = window.Facts;
  const API = { figures: "api/figures", csv: "api/figures.csv", documents: "api/documents", passage: "api/passages/" };
  const DEBOUNCE_MS = 250;

  const $ = (id) => document.getElementById(id);
  const form = $("filter-form");
  const committee = $("committee");
  const text = $("text");
  const csvLink = $("csv-link");
  const status = $("status");
  const body = $("figures-body");
  const caption = $("figures-caption");
  let timer = 0;
  let requestNo = 0;

  function query() {
    const q = new URLSearchParams();
    if (committee.value) q.set("committee", committee.value);
    if (text.value.trim()) q.set("text", text.value.trim());
    const s = q.toString();
    return s ? "?" + s : "";
  }

  function setStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  async function showSource(button, row, figure) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("source-row")) {
      next.remove();
      button.setAttribute("aria-expanded", "false");
      return;
    }
    button.setAttribute("aria-expanded", "true");
    const cell = el("td", { colSpan: 5 }, "正在载入原文…");
    const sourceRow = el("tr", { className: "source-row" }, cell);
    row.after(sourceRow);
    try {
      const res = await fetch(API.passage + encodeURIComponent(figure.passage_id));
      if (!res.ok) { cell.textContent = await describeFailure(res); return; }
      const view = await res.json();
      const passage = view.passage || {};
      const offset = figure.start - passage.start;
      const range = Number.isInteger(offset) && offset >= 0 ? [offset, offset + figure.surface.length] : null;
      cell.replaceChildren(
        el("p", { className: "evidence-where" }, [passage.committee, passage.title, passage.section].filter(Boolean).join(" · ")),
        markedText(passage.text || "", range, "evidence-text"));
    } catch (_) {
      cell.textContent = NETWORK_ERROR;
    }
  }

  function render(data) {
    body.replaceChildren();
    for (const f of data.figures) {
      const source = el("button", { type: "button", className: "link-button", "aria-expanded": "false",
                                    textContent: "查看原文", title: f.passage_id,
                                    "aria-label": "查看原文：" + (f.measure || "") + f.surface });
      const row = el("tr", {},
        el("td", { textContent: f.committee }),
        el("td", { textContent: f.measure || "—" }),
        el("td", { className: "num", textContent: f.surface }),
        el("td", { textContent: f.period || "—" }),
        el("td", {}, f.passage_id ? source : "—"));
      source.addEventListener("click", () => showSource(source, row, f));
      body.append(row);
    }
    caption.textContent = "共 " + data.count + " 项" + (query() ? "（已筛选）" : "");
  }

  async function load() {
    const mine = ++requestNo;
    const q = query();
    csvLink.href = API.csv + q;
    setStatus("正在查询…", false);
    try {
      const res = await fetch(API.figures + q);
      if (mine !== requestNo) return;
      if (!res.ok) { setStatus(await describeFailure(res), true); return; }
      const data = await res.json();
      if (mine !== requestNo) return;
      render(data);
      setStatus(data.count ? "" : "没有符合条件的数字。", false);
    } catch (_) {
      if (mine === requestNo) setStatus(NETWORK_ERROR, true);
    }
  }

  async function loadCommittees() {
    try {
      const res = await fetch(API.documents);
      if (!res.ok) return;
      const data = await res.json();
      const names = [...new Set((data.documents || []).map((d) => d.committee).filter(Boolean))];
      for (const name of names) committee.append(el("option", { value: name, textContent: name }));
    } catch (_) { /* the table still loads; the list stays at 全部 */ }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  committee.addEventListener("change", load);
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, DEBOUNCE_MS); });
  loadCommittees();
  load();
})();
