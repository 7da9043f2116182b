/* reports.html: the indexed reports; add (with upload progress, then "indexing" until the new
 * index version serves), replace, remove. Text from the server goes in with textContent only. */
(() => {
  "use strict";

  const { el } = window.Facts;
  const { staffJSON, failureText, chinesePart, localTime, confirmInPage } = window.Staff;
  const API = { documents: "api/documents", health: "api/health" };
  const POLL_MS = 500;          // how often the health check is asked for the new index version
  const POLL_LIMIT_MS = 60_000;  // then the page says the version has not come yet
  const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;  // the shapes the server takes; it checks the date is real

  const $ = (id) => document.getElementById(id);
  const form = $("upload-form");
  const submit = $("upload-submit");
  const progressBox = $("upload-progress-box");
  const progress = $("upload-progress");
  const stage = $("upload-stage");
  const uploadStatus = $("upload-status");
  const uploadConfirm = $("upload-confirm");
  const removeConfirm = $("remove-confirm");
  const tbody = $("reports-body");
  const caption = $("reports-caption");
  const listStatus = $("reports-status");
  let reports = [];

  function say(node, text, kind) {
    node.textContent = text;
    node.className = "status" + (kind ? " " + kind : "");
  }

  // ---------------------------------------------------------------------------------- the list
  function cell(label, ...content) {
    return el("td", { "data-label": label }, ...content);
  }

  function row(doc) {
    const remove = el("button", { type: "button", className: "button small danger-outline",
                                  textContent: "删除", "aria-label": "删除《" + doc.title + "》" });
    remove.addEventListener("click", () => askRemove(doc, remove));
    return el("tr", { "data-doc-id": doc.doc_id },
      cell("标题", el("div", {}, el("span", { className: "report-title" }, doc.title || doc.doc_id),
                       el("span", { className: "report-id" }, doc.doc_id))),
      cell("发布机关", doc.body || doc.committee || "—"),
      cell("日期", doc.date || "—"),
      cell("段落", String(doc.chunks)),
      cell("收录时间", localTime(doc.added) || "—"),
      cell("来源文件", el("span", { className: "report-source" }, doc.source)),
      cell("操作", remove));
  }

  async function loadReports() {
    try {
      const res = await fetch(API.documents);
      if (!res.ok) {
        let message = "";
        try { message = (await res.json()).error.message; } catch (_) { /* status only */ }
        throw new Error(failureText(res.status, message));
      }
      reports = (await res.json()).documents;
    } catch (error) {
      caption.textContent = "报告列表没能载入。";
      say(listStatus, error.message.startsWith("Failed") ? failureText(0, "") : error.message, "error");
      return;
    }
    tbody.replaceChildren(...reports.map(row));
    caption.textContent = "共 " + reports.length + " 份报告";
  }

  // --------------------------------------------------------------------------------- removing
  async function askRemove(doc, button) {
    const yes = await confirmInPage(removeConfirm, {
      text: "确定删除《" + (doc.title || doc.doc_id) + "》（" + doc.source + "）吗？删除后问答将不再引用它。",
      confirm: "确认删除", danger: true }, button);
    if (!yes) return;
    say(listStatus, "正在删除《" + doc.title + "》…");
    try {
      const update = await staffJSON(API.documents + "/" + encodeURIComponent(doc.doc_id), { method: "DELETE" });
      await waitForVersion(update.index_version, listStatus);
      say(listStatus, "已删除《" + doc.title + "》。", "ok");
      await loadReports();
      $("reports-title").focus();
    } catch (error) {
      say(listStatus, "删除失败：" + error.message, "error");
    }
  }

  // -------------------------------------------------------------------------------- uploading
  /** POST the form with XMLHttpRequest (fetch cannot report upload progress). */
  function send(data) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", API.documents);
      xhr.setRequestHeader("X-API-Key", window.Staff.key.get());
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) progress.value = Math.round(100 * event.loaded / event.total);
      });
      xhr.upload.addEventListener("load", () => {  // every byte sent: the server reads and indexes now
        stage.textContent = "正在建立索引…";
        progress.removeAttribute("value");
      });
      xhr.addEventListener("load", () => resolve({ status: xhr.status, body: xhr.response }));
      xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
      xhr.addEventListener("timeout", () => resolve({ status: 408, body: null }));
      xhr.send(data);
    });
  }

  /** Ask /api/health until it serves `version` (the one an update wrote). */
  async function waitForVersion(version, statusNode) {
    if (!version) return;
    const until = Date.now() + POLL_LIMIT_MS;
    while (Date.now() < until) {
      try {
        const res = await fetch(API.health);
        if (res.ok && (await res.json()).index_version === version) return;
      } catch (_) { /* the server may be switching: ask again */ }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    say(statusNode, "新的索引版本还没有生效，请稍后刷新页面查看。", "error");
    throw new Error("新的索引版本还没有生效。");
  }

  /** The indexed report a refused upload would replace: by file name, else as the server names it. */
  function replacedBy(files, message) {
    const names = new Set(files.map((f) => f.name));
    const byName = reports.find((d) => names.has(d.source));
    if (byName) return byName;
    const named = /indexed report (\S+) \(“(.*?)”\)/.exec(message || "");
    return named ? (reports.find((d) => d.doc_id === named[1]) || { doc_id: named[1], title: named[2], source: "" })
                 : null;
  }

  const CHANGE_WORDS = { added: "已收录", replaced: "已替换", unchanged: "内容未变，无需收录", removed: "已删除" };

  function summary(update) {
    return update.changes.map((c) => {
      const doc = reports.find((d) => d.doc_id === c.doc_id);
      const what = doc ? "《" + doc.title + "》" : c.doc_id;
      if (c.status === "replaced") return c.source + "：已替换《" + (c.previous_title || c.previous_id) + "》，现为" + what;
      return c.source + "：" + (CHANGE_WORDS[c.status] || c.status) + (c.status === "added" ? what : "");
    }).join("\n");
  }

  async function upload(replace) {
    const files = [...$("upload-files").files];
    uploadConfirm.hidden = true;
    if (!files.length) {
      say(uploadStatus, "请先选择要上传的报告文件。", "error");
      $("upload-files").focus();
      return;
    }
    const date = form.elements.date.value.trim();
    if (date && !DATE.test(date)) {
      say(uploadStatus, "日期格式应为 2024、2024-03 或 2024-03-05。", "error");
      form.elements.date.focus();
      return;
    }
    const data = new FormData();
    for (const f of files) data.append("files", f, f.name);
    for (const name of ["body", "title", "date", "kind"]) {
      const value = form.elements[name].value.trim();
      if (value) data.append(name, value);
    }
    if (replace) data.append("replace", "true");
    submit.disabled = true;
    say(uploadStatus, "");
    progressBox.hidden = false;
    stage.textContent = "上传中";
    progress.value = 0;
    try {
      const { status, body } = await send(data);
      if (status === 200 && body) {
        stage.textContent = "正在启用新的索引…";
        await waitForVersion(body.index_version, uploadStatus);
        progressBox.hidden = true;
        await loadReports();
        say(uploadStatus, summary(body), "ok");
        form.reset();
        return;
      }
      progressBox.hidden = true;
      const message = (body && body.error && body.error.message) || "";
      if (status === 409) return offerReplace(files, message);
      if (status === 401 || status === 403) {
        window.Staff.staffFetch("api/feedback?limit=1").catch(() => {});  // shows the sign-in with why
      }
      say(uploadStatus, "上传失败（" + files.map((f) => f.name).join("、") + "）：" + failureText(status, message),
          "error");
    } catch (error) {
      progressBox.hidden = true;
      say(uploadStatus, "上传失败：" + error.message, "error");
    } finally {
      submit.disabled = false;
    }
  }

  async function offerReplace(files, message) {
    const old = replacedBy(files, message);
    const what = old ? "《" + (old.title || old.doc_id) + "》" + (old.source ? "（" + old.source + "）" : "")
                     : "一份同名的已收录报告";
    say(uploadStatus, chinesePart(message) + "。", "error");
    const yes = await confirmInPage(uploadConfirm, {
      text: "已收录" + what + "，与所选文件同名或编号相同。要用新文件替换它吗？", confirm: "替换" }, submit);
    if (yes) await upload(true);
    else say(uploadStatus, "未上传：已收录的报告保持不变。");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    upload($("upload-replace").checked);
  });

  document.addEventListener("staff:ready", loadReports);
})();
