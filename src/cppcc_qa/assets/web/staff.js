/* The staff console's shared part (reports.html, feedback.html): the staff key, kept for this
 * browser session only (sessionStorage, never localStorage, never in a URL), the sign-in form,
 * requests that carry the key, and server messages shown in one language.
 *
 * A page marks its sign-in form #staff-signin and what needs the key #staff-area; it listens
 * for the "staff:ready" event on document, fired once the key is accepted.
 */
(() => {
  "use strict";

  const KEY_NAME = "cppcc-qa-staff-key";
  const CHECK_URL = "api/feedback?limit=1";  // the cheapest staff route: says whether the key is right

  /** The Chinese part of a server message "中文。(English.)": what comes before the first
   *  bracket, when that holds Chinese; the whole message otherwise. */
  function chinesePart(message) {
    const text = String(message || "").trim();
    const cut = text.search(/[（(]/);
    const head = cut > 0 ? text.slice(0, cut).trim() : "";
    return /[\u4e00-\u9fff]/.test(head) ? head.replace(/[：:，,。]$/, "") : text;
  }

  /** A sentence for a failed staff request: status first, then the server's Chinese words. */
  function failureText(status, message) {
    const said = message ? chinesePart(message) + "。" : "";
    switch (status) {
      case 401: return "请先输入员工密钥。";
      case 403: return "员工密钥不正确，请重新输入。";
      case 404: return said || "未找到。";
      case 408: return "上传超时，请检查网络后重试。";
      case 409: return said || "将替换已有报告。";
      case 413: return said || "文件过大，超过了上传上限。";
      case 415: return said || "不支持的文件类型，请上传 .md .txt .pdf .docx .html 文件。";
      case 422: return said || "提交的内容有误，请修改后再试。";
      case 429: return "请求太频繁了，请稍等片刻再试。";
      case 503: return (said ? said.slice(0, -1) : "服务暂时不可用") + "，请稍后再试。";
      case 0: return "网络连接失败，没能联系到服务。请检查网络后重试。";
      default: return "请求失败（" + status + "）" + (said ? "：" + said : "。");
    }
  }

  /** {code, message} of an error response body ({"error": {...}}), or empties. */
  function errorOf(body) {
    const err = body && body.error;
    return { code: (err && err.code) || "", message: (err && err.message) || "" };
  }

  const key = {
    get: () => sessionStorage.getItem(KEY_NAME) || "",
    set: (value) => sessionStorage.setItem(KEY_NAME, value),
    clear: () => sessionStorage.removeItem(KEY_NAME),
  };

  class StaffError extends Error {
    constructor(status, code, message) {
      super(failureText(status, message));
      this.status = status;
      this.code = code;
      this.serverMessage = message;
    }
  }

  /** fetch with the staff key; a 401/403 signs out and shows the form with the reason. */
  async function staffFetch(url, options = {}) {
    const headers = new Headers(options.headers || {});
    headers.set("X-API-Key", key.get());
    let res;
    try {
      res = await fetch(url, { ...options, headers });
    } catch (_) {
      throw new StaffError(0, "network", "");
    }
    if (res.ok) return res;
    let body = null;
    try { body = await res.json(); } catch (_) { /* not JSON: the status says it */ }
    const { code, message } = errorOf(body);
    const error = new StaffError(res.status, code, message);
    if (res.status === 401 || res.status === 403) signOut(error.message);
    throw error;
  }

  async function staffJSON(url, options) {
    return (await staffFetch(url, options)).json();
  }

  // -------------------------------------------------------------------------- sign-in form
  let form, area, note, signoutButton;

  function show(signedIn, message, kind = "error") {
    form.hidden = signedIn;
    area.hidden = !signedIn;
    signoutButton.hidden = !signedIn;
    note.textContent = message || "";
    note.className = "status " + kind;
    note.hidden = !message;
  }

  function signOut(message, kind) {
    key.clear();
    show(false, message, kind);
    form.querySelector("input").value = "";
    form.querySelector("input").focus();
  }

  function ready(fromForm) {
    show(true, "");
    if (fromForm) area.querySelector("h2, [tabindex='-1']")?.focus();
    document.dispatchEvent(new CustomEvent("staff:ready"));
  }

  async function signIn(value, fromForm) {
    key.set(value);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await staffFetch(CHECK_URL);
      ready(fromForm);
    } catch (error) {
      if (error.status >= 500) {  // the key passed; the feedback store is down: the pages say so
        ready(fromForm);
      } else if (error.status === 404) {
        key.clear();
        show(false, "员工功能未开启：服务器没有设置员工密钥（CPPCC_QA_STAFF_API_KEY）。");
      } else if (error.status !== 401 && error.status !== 403) {
        key.clear();
        show(false, error.message);
      }
    } finally {
      button.disabled = false;
    }
  }

  function setUp() {
    form = document.getElementById("staff-signin");
    area = document.getElementById("staff-area");
    note = document.getElementById("staff-signin-note");
    signoutButton = document.getElementById("staff-signout");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = form.querySelector("input").value.trim();
      if (!value) {
        show(false, "请输入员工密钥。");
        return;
      }
      signIn(value, true);
    });
    signoutButton.addEventListener("click", () => signOut("已退出。再次使用请重新输入员工密钥。", "ok"));
    if (key.get()) signIn(key.get(), false);
    else show(false, "");
  }

  /** "2026-12-02T14:05:09+00:00" as local "2026-12-02 22:05". */
  function localTime(iso) {
    if (!iso) return "";
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + " "
      + pad(when.getHours()) + ":" + pad(when.getMinutes());
  }

  /** An in-page confirmation (never window.confirm) inside `host`: resolves true or false.
   *  Focus goes to the confirming button; Escape or 取消 cancels; focus returns to `returnTo`. */
  function confirmInPage(host, { text, confirm, danger = false }, returnTo) {
    const el = window.Facts.el;
    return new Promise((resolve) => {
      host.replaceChildren();
      const yes = el("button", { type: "button", className: "button " + (danger ? "danger" : "primary"),
                                 textContent: confirm });
      const no = el("button", { type: "button", className: "button", textContent: "取消" });
      const box = el("div", { className: "confirm", role: "alertdialog", "aria-modal": "false",
                              "aria-label": confirm },
        el("p", { className: "confirm-text" }, text), el("div", { className: "actions" }, yes, no));
      host.append(box);
      host.hidden = false;
      const done = (answer) => {
        host.hidden = true;
        host.replaceChildren();
        if (!answer && returnTo && returnTo.isConnected) returnTo.focus();
        resolve(answer);
      };
      yes.addEventListener("click", () => done(true));
      no.addEventListener("click", () => done(false));
      box.addEventListener("keydown", (event) => {
        if (event.key === "Escape") { event.preventDefault(); done(false); }
      });
      yes.focus();
    });
  }

  window.Staff = { chinesePart, failureText, staffFetch, staffJSON, StaffError, localTime, confirmInPage,
                   key: { get: key.get } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
