// common.js — what every qtrace page shares: the public HTTP API (same origin), words in
// Chinese and English, and DOM building that only ever sets text (never HTML), so nothing a
// producer or consumer typed can run as script.

const LANG_KEY = "qtrace.lang";
let lang = new URLSearchParams(location.search).get("lang") || localStorage.getItem(LANG_KEY) || "zh";
if (lang !== "zh" && lang !== "en") lang = "zh";
const dicts = { zh: {}, en: {} };

export function words(zh, en) {
  Object.assign(dicts.zh, zh);
  Object.assign(dicts.en, en);
}

export function currentLang() {
  return lang;
}

// The words for key in the current language; {name} takes vars.name.
export function t(key, vars = {}) {
  const s = dicts[lang][key] ?? dicts.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? "").toString());
}

// The words for key as count n asks (key.one for one thing in English, where key is for
// several; Chinese has no plural): {name} takes vars.name.
export function tn(key, n, vars = {}) {
  const form = `${key}.${new Intl.PluralRules(lang).select(n)}`;
  return t(form in dicts[lang] ? form : key, vars);
}

// Every element with data-i18n (its text) or data-i18n-label (its aria-label) or
// data-i18n-placeholder, in root.
export function applyWords(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  root.querySelectorAll("[data-i18n]").forEach((e) => (e.textContent = t(e.dataset.i18n)));
  root.querySelectorAll("[data-i18n-label]").forEach((e) => e.setAttribute("aria-label", t(e.dataset.i18nLabel)));
  root.querySelectorAll("[data-i18n-placeholder]").forEach((e) => e.setAttribute("placeholder", t(e.dataset.i18nPlaceholder)));
}

// A button that switches the language, words again what the status lines say (tell) and
// draws again every paged list on the page from the pages it has shown (pagedList), then calls
// redraw.
export function languageSwitch(button, redraw) {
  const show = () => {
    button.textContent = lang === "zh" ? "English" : "中文";
    button.setAttribute("lang", lang === "zh" ? "en" : "zh-CN");
  };
  show();
  button.addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem(LANG_KEY, lang);
    show();
    applyWords();
    for (const [id, [words, kind]] of said) say($(id), words(), kind);
    for (const [box, draw] of shown) if (!draw()) shown.delete(box);
    redraw();
  });
}

// el("p", {class: "x"}, "text", child, ...): text children become text nodes.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export const $ = (id) => document.getElementById(id);

// An alert of kind good, warn or bad (a bad one announced at once) as box's only content;
// empty text clears the box.
export function alertBox(kind, text) {
  return el("div", { class: `alert ${kind}`, role: kind === "bad" ? "alert" : null }, text);
}

export function say(box, text, kind = "warn") {
  box.replaceChildren(text ? alertBox(kind, text) : "");
}

// What the status line of that id says, kept as how to word it - words() gives the text (or
// nodes) in the page's language - so that a switch of language words it again; no words
// clears the line. kind as for say.
const said = new Map();
export function tell(id, words, kind = "warn") {
  if (words) said.set(id, [words, kind]);
  else said.delete(id);
  say($(id), words ? words() : "", kind);
}

// path asking for a page of limit items after `after` (none: the first page).
function pagePath(path, limit, after) {
  const query = new URLSearchParams({ limit });
  if (after) query.set("after", after);
  return path + (path.includes("?") ? "&" : "?") + query;
}

// The paged lists on the page, by their box: how to draw each again in the words switched to
// (false once it is no longer shown).
const shown = new Map();

// A list in box of limit items of path (each made by item from the answer's key array), and
// the next page on "more" for as long as the API gives a next; the words of key empty say
// there are none. problem(res) words a failed request. Resolves when the first page is shown.
// The items go into `into` inside `list` (a list of its own by default; a table and its tbody,
// say), which is hidden while it holds none. answer(data, n) sees each page's whole answer
// (the n-th, from 0) before its items are made (what else the answer carries: a batch trace's
// holders, say). A switch of language makes the pages shown again from the answers kept, so
// the reader stays where the list was; an item changed in place must change its object in the
// answer too (Object.assign), or it is drawn as it was.
export function pagedList({ box, path, key, item, empty, token, limit = 20, problem = errorText,
  list = el("ul", { class: "items" }), into = list, answer = () => {} }) {
  const note = el("div", { role: "status" });
  const more = el("button", { type: "button", class: "secondary hidden", "data-i18n": "more" }, t("more"));
  const pages = [];
  let loading = false;
  let failed = null;
  box.replaceChildren(list, note, more);
  const tellState = () => note.replaceChildren(
    loading ? el("p", { class: "muted" }, t("loading"))
    : failed ? alertBox("bad", problem(failed))
    : into.children.length ? "" : el("p", { class: "muted" }, t(empty)));
  const drawPage = (data, n) => {
    answer(data, n);
    into.append(...data[key].map(item));
    list.classList.toggle("hidden", !into.children.length);
  };
  const load = async (after) => {
    more.disabled = loading = true;
    failed = null;
    tellState();
    const res = await api("GET", pagePath(path, limit, after), null, token);
    more.disabled = loading = false;
    if (res.status !== 200) failed = res;
    else {
      pages.push(res.data);
      drawPage(res.data, pages.length - 1);
      more.classList.toggle("hidden", !res.data.next);
      more.onclick = () => load(res.data.next);
    }
    tellState();
  };
  shown.set(box, () => {
    if (!box.isConnected || !box.contains(list)) return false;
    into.replaceChildren();
    pages.forEach(drawPage);
    tellState();
    return true;
  });
  return load(null);
}

// The pages of path's key array from after on (the start when none), a page of limit at a
// time, for a choice made from all of them: until want items are in or no next follows, at
// most pages pages. {items, next} - next, where the list goes on, only when it stopped before
// its end (cutText says so to people) - or, when a request failed, {res}.
export async function fetchAll(path, key, token, { limit = 1000, pages = 100, want = Infinity, after = null } = {}) {
  const items = [];
  let next = after;
  for (let n = 0; n < pages && items.length < want; n++) {
    const res = await api("GET", pagePath(path, limit, next), null, token);
    if (res.status !== 200) return { res };
    items.push(...res.data[key]);
    if (!(next = res.data.next)) break;
  }
  return { items, next };
}

// What to tell people of a list fetchAll stopped before its end, after n items.
export const cutText = (n) => tn("list.cut", n, { n });

// A table's heading row of word keys; each keeps its key, so a switch of language words it
// again (applyWords).
export const tableHead = (keys) =>
  el("thead", {}, el("tr", {}, keys.map((k) => el("th", { scope: "col", "data-i18n": k }, t(k)))));

// {status, data}: data is the parsed JSON (or null); a network failure is status 0.
export async function api(method, path, body, token, headers = {}) {
  const h = { Accept: "application/json", ...headers };
  if (token) h.Authorization = "Bearer " + token;
  let payload;
  if (body !== undefined && body !== null) {
    if (typeof body === "string") payload = body;
    else {
      h["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  try {
    const r = await fetch(path, { method, headers: h, body: payload });
    const type = r.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await r.json() : null;
    return { status: r.status, data, response: r };
  } catch (e) {
    return { status: 0, data: { error: { code: "network", message: String(e) } } };
  }
}

// The message of an error answer, for people. The server's message is English; a Chinese page
// says first, in Chinese, what kind of refusal it is (the answer's error code), then the
// server's message for its particulars. A code it has no words for: the message alone.
export function errorText(res) {
  if (res.status === 0) return t("err.network");
  const e = res.data?.error;
  if (!e?.message) return t("err.http", { status: res.status });
  const kind = lang === "zh" && dicts.zh[`err.code.${e.code}`];
  return kind ? t("err.kind", { kind, message: e.message }) : e.message;
}

// An RFC 3339 instant as China time, "2026-11-21 14:05".
export function chinaTime(s) {
  const d = new Date(s);
  if (isNaN(d)) return s || "";
  const c = new Date(d.getTime() + 8 * 3600 * 1000);
  return c.toISOString().slice(0, 16).replace("T", " ");
}

// The facts a warning gives beside its English message (licence number, day, reason,
// warranty), in the reader's language; "" when it gives none.
export function warningFacts(w) {
  const parts = [];
  if (w.months !== undefined) parts.push(t("fact.warranty", { months: w.months }));
  if (w.ended) parts.push(t("fact.ended", { ended: w.ended }));
  if (w.number) parts.push(t("fact.number", { number: w.number }));
  if (w.since) parts.push(t("fact.since", { since: w.since }));
  if (w.reason) parts.push(t("fact.reason", { reason: w.reason }));
  if (w.recalled !== undefined) parts.push(tn("fact.recalled", w.items, { n: w.recalled, items: w.items }));
  if (w.destroyed !== undefined) parts.push(tn("fact.destroyed", w.items, { n: w.destroyed, items: w.items }));
  return parts.join(t("fact.sep"));
}

export function codePath(code) {
  return encodeURIComponent(code.trim());
}

words(
  {
    "err.network": "无法连接服务器，请检查网络后重试。",
    more: "加载更多",
    loading: "正在加载……",
    "list.cut": "列表太长，只列出了前 {n} 项，其余的没有列出。",
    "err.http": "请求失败（{status}）",
    "err.kind": "{kind}：{message}",
    // the error codes of docs/openapi.yaml (components.schemas.Error)
    "err.code.invalid": "提交的内容有误，请核对",
    "err.code.malformed_json": "提交的数据格式不对",
    "err.code.not_found": "平台上没有找到",
    "err.code.method_not_allowed": "不支持这项操作",
    "err.code.conflict": "与平台上的记录不符，未作任何更改",
    "err.code.forbidden": "本账户无权进行这项操作",
    "err.code.unauthorized": "令牌不对或已失效，请重新登录",
    "err.code.too_large": "提交的内容过大",
    "err.code.unsupported_media_type": "不支持这种文件类型",
    "err.code.unavailable": "平台暂时无法使用，请稍后重试",
    "err.code.rate_limited": "操作过于频繁，请稍后再试",
    "err.code.internal": "平台内部出错，请稍后重试",
    "fact.warranty": "保修期 {months} 个月",
    "fact.ended": "于 {ended} 到期",
    "fact.number": "证书编号 {number}",
    "fact.since": "日期 {since}",
    "fact.reason": "原因：{reason}",
    "fact.recalled": "包装内 {items} 个码中有 {n} 个已召回",
    "fact.destroyed": "包装内 {items} 个码中有 {n} 个已销毁",
    "fact.sep": "；",
  },
  {
    "err.network": "Cannot reach the server. Check the connection and try again.",
    more: "Load more",
    loading: "Loading…",
    "list.cut": "The list is too long: only the first {n} are listed, the rest are not.",
    "list.cut.one": "The list is too long: only the first {n} is listed, the rest are not.",
    "err.http": "The request failed ({status})",
    "fact.warranty": "{months}-month warranty",
    "fact.ended": "ended on {ended}",
    "fact.number": "number {number}",
    "fact.since": "on {since}",
    "fact.reason": "reason: {reason}",
    "fact.recalled": "{n} of the {items} codes packed in it recalled",
    "fact.recalled.one": "{n} of the {items} code packed in it recalled",
    "fact.destroyed": "{n} of the {items} codes packed in it destroyed",
    "fact.destroyed.one": "{n} of the {items} code packed in it destroyed",
    "fact.sep": "; ",
  },
);
