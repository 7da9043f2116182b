/* 报告数字一览: the table of figures, filtered, sorted and paged on the server (the same filter as
 * the CSV download; a column header is a button: click or Enter sorts, again reverses, and the
 * header's aria-sort says the order). All server text goes in with textContent (see facts.js). */
(() => {
  "use strict";
  const { el, describeFailure, NETWORK_ERROR, markedText } = window.Facts;
  const API = { figures: "api/figures", csv: "api/figures.csv", documents: "api/documents", passage: "api/passages/" };
  const DEBOUNCE_MS = 250;
  const PAGE_SIZE = 25;
  const COLUMNS = ["委员会", "事项", "数字", "时段", "出处"];

  const $ = (id) => document.getElementById(id);
  const form = $("filter-form");
  const committee = $("committee");
  const text = $("text");
  const csvLink = $("csv-link");
  const status = $("status");
  const body = $("figures-body");
  const caption = $("figures-caption");
  const prevPage = $("prev-page");
  const nextPage = $("next-page");
  const pageInfo = $("page-info");
  const sortButtons = [...document.querySelectorAll(".sort-button")];
  let timer = 0;
  let requestNo = 0;
  let offset = 0;
  let total = 0;
  let sort = null;
  let order = "asc";

  /** The filter (shared with the CSV link); with `paged`, the sort and page too. */
  function query(paged) {
    const q = new URLSearchParams();
    if (committee.value) q.set("committee", committee.value);
    if (text.value.trim()) q.set("text", text.value.trim());
    if (sort) { q.set("sort", sort); q.set("order", order); }
    if (paged) { q.set("limit", String(PAGE_SIZE)); q.set("offset", String(offset)); }
    const s = q.toString();
    return s ? "?" + s : "";
  }

  function showSort() {
    for (const b of sortButtons) {
      const on = b.dataset.sort === sort;
      b.parentElement.setAttribute("aria-sort", on ? (order === "asc" ? "ascending" : "descending") : "none");
      b.dataset.arrow = on ? (order === "asc" ? "↑" : "↓") : "";
    }
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
        el("td", { "data-label": COLUMNS[0], textContent: f.committee }),
        el("td", { "data-label": COLUMNS[1], textContent: f.measure || "—" }),
        el("td", { "data-label": COLUMNS[2], className: "num", textContent: f.surface }),
        el("td", { "data-label": COLUMNS[3], textContent: f.period || "—" }),
        el("td", { "data-label": COLUMNS[4] }, f.passage_id ? source : "—"));
      source.addEventListener("click", () => showSource(source, row, f));
      body.append(row);
    }
    total = data.total;
    const filtered = committee.value || text.value.trim();
    const shown = data.figures.length ? "，第 " + (data.offset + 1) + "–" + (data.offset + data.figures.length) + " 项" : "";
    caption.textContent = "共 " + data.total + " 项" + (filtered ? "（已筛选）" : "") + shown;
    const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
    pageInfo.textContent = "第 " + (Math.floor(data.offset / PAGE_SIZE) + 1) + " / " + pages + " 页";
    prevPage.disabled = data.offset <= 0;
    nextPage.disabled = data.offset + PAGE_SIZE >= data.total;
  }

  async function load() {
    const mine = ++requestNo;
    csvLink.href = API.csv + query(false);
    setStatus("正在查询…", false);
    try {
      const res = await fetch(API.figures + query(true));
      if (mine !== requestNo) return;
      if (!res.ok) { setStatus(await describeFailure(res), true); return; }
      const data = await res.json();
      if (mine !== requestNo) return;
      render(data);
      setStatus(data.total ? "" : "没有符合条件的数字。", false);
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

  /** A new filter or order starts again at the first page. */
  function reload() { offset = 0; load(); }

  form.addEventListener("submit", (event) => { event.preventDefault(); reload(); });
  committee.addEventListener("change", reload);
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(reload, DEBOUNCE_MS); });
  for (const b of sortButtons) {
    b.addEventListener("click", () => {
      order = sort === b.dataset.sort && order === "asc" ? "desc" : "asc";
      sort = b.dataset.sort;
      showSort();
      reload();
    });
  }
  prevPage.addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); load(); });
  nextPage.addEventListener("click", () => { if (offset + PAGE_SIZE < total) { offset += PAGE_SIZE; load(); } });
  loadCommittees();
  load();
})();
