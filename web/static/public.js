// public.js — the consumer's page: scan with the phone camera (where the browser has a
// barcode detector) or type a code, then see what GET /api/v1/codes/{code} says about it -
// product, producer, licence, batch and inspection report, the public journey, warnings in
// plain words - and file a complaint (POST /api/v1/complaints).
import { $, api, applyWords, chinaTime, codePath, el, errorText, languageSwitch, t, tell, tn, warningFacts, words } from "./common.js";
import { scanner } from "./scan.js";

words(
  {
    title: "产品质量安全追溯查询",
    "code.label": "追溯码",
    "code.placeholder": "扫描或输入产品上的追溯码",
    "code.go": "查询",
    "code.hint": "可以输入条码下方的文字，或粘贴扫码得到的网址。",
    "code.empty": "请先输入或扫描追溯码。",
    "code.looking": "正在查询……",
    "code.unknown": "平台上没有这个追溯码的记录。请核对后重试；若是产品上印的码，可能是假冒标签。",
    "code.bad": "这不是有效的追溯码：{why}",
    "section.product": "产品",
    "section.producer": "生产企业",
    "section.batch": "批次",
    "section.journey": "流向记录",
    "section.verdict": "查询结果",
    "f.name": "名称", "f.category": "类别", "f.type": "类型", "f.model": "规格型号",
    "f.standard": "执行标准", "f.licence": "生产许可证", "f.ccc": "CCC 证书",
    "f.warranty": "保修期", "f.warranty_until": "保修至", "f.uscc": "统一社会信用代码",
    "f.province": "所在地", "f.address": "地址", "f.batch_no": "批号",
    "f.production_date": "生产日期", "f.report": "检验报告", "f.status": "状态", "f.code": "追溯码",
    "months": "{n} 个月",
    "queries.first": "该码共被查询 {count} 次，首次查询于 {first}。",
    "queries.only": "这是该码第一次被查询。",
    "queries.many": "提示：该码已被查询多次，请确认产品来自正规渠道。",
    "ok.genuine": "平台有这件产品的完整记录，未发现风险提示。",
    "journey.none": "暂无公开的流向记录。",
    "journey.truncated": "只显示最近的记录。",
    "journey.voided": "（已更正作废）",
    "journey.via": "随箱 {carton}",
    "journey.by": "{name}",
    "journey.to": "发往 {name}",
    "journey.proof": "账本记录 #{index}",
    "status.issued": "已赋码，未启用", "status.in_circulation": "流通中", "status.sold": "已售出",
    "status.recalled": "已召回", "status.destroyed": "已销毁", "status.unknown": "未知",
    "ev.issue": "赋码", "ev.commission": "激活", "ev.pack": "装箱", "ev.unpack": "拆箱",
    "ev.ship": "发货", "ev.receive": "收货", "ev.retail": "售出", "ev.return": "退货",
    "ev.recall": "召回", "ev.destroy": "销毁", "ev.correct": "更正",
    "w.never_issued": "此码不是平台上的生产企业发放的，标签可能是假冒的。请勿购买或使用，并向市场监管部门举报。",
    "w.product_barcode": "这是产品的商品条码，不是追溯码：它只说明是哪种产品，说明不了这一件的来历。请扫描产品或包装上的追溯码（通常是二维码）。",
    "w.recalled": "该产品已被召回：请停止使用，并联系销售者或生产企业办理退换。",
    "w.destroyed": "该产品已登记为销毁，不应在市场上出售。",
    "w.contents_recalled": "这个包装里有已被召回的产品：请勿销售或使用，并联系销售者或生产企业。",
    "w.contents_destroyed": "这个包装里有已登记为销毁的产品，不应在市场上出售。",
    "w.licence_revoked": "生产企业的生产许可证已被吊销。",
    "w.licence_suspended": "生产企业的生产许可证已被暂停。",
    "w.licence_expired": "生产企业的生产许可证已过有效期。",
    "w.ccc_revoked": "该产品的 CCC 认证证书已被撤销。",
    "w.ccc_suspended": "该产品的 CCC 认证证书已被暂停。",
    "w.ccc_expired": "该产品的 CCC 认证证书已过有效期。",
    "w.serious_violation": "生产企业已被列入严重违法失信名单。",
    "w.warranty_expired": "保修期已过。",
    "complain.title": "投诉举报",
    "complain.hint": "对这件产品的质量或标签有疑问？说明情况，平台转交属地市场监管部门处理。",
    "complain.text": "问题描述",
    "complain.contact": "联系方式（选填）",
    "complain.send": "提交投诉",
    "complain.sent": "投诉已提交，编号 {id}。市场监管部门将依法处理。",
    "complain.limited": "提交过于频繁，请稍后再试。",
    footer: "数据记录在防篡改账本中，每一步都可独立验证。",
  },
  {
    title: "Product quality traceability",
    "code.label": "Trace code",
    "code.placeholder": "Scan or type the code on the product",
    "code.go": "Look up",
    "code.hint": "Type the text under the barcode, or paste the web address a scan gave you.",
    "code.empty": "Type or scan a trace code first.",
    "code.looking": "Looking it up…",
    "code.unknown": "The platform has no record of this code. Check it and try again; if it is printed on the product, the label may be counterfeit.",
    "code.bad": "This is not a valid trace code: {why}",
    "section.product": "Product",
    "section.producer": "Producer",
    "section.batch": "Batch",
    "section.journey": "Journey",
    "section.verdict": "Result",
    "f.name": "Name", "f.category": "Category", "f.type": "Type", "f.model": "Model",
    "f.standard": "Standard", "f.licence": "Production licence", "f.ccc": "CCC certificate",
    "f.warranty": "Warranty", "f.warranty_until": "Warranty until", "f.uscc": "Credit code",
    "f.province": "Province", "f.address": "Address", "f.batch_no": "Batch number",
    "f.production_date": "Production date", "f.report": "Inspection report", "f.status": "Status", "f.code": "Code",
    months: "{n} months",
    "months.one": "{n} month",
    "queries.first": "This code has been looked up {count} times, first on {first}.",
    "queries.only": "This is the first time this code has been looked up.",
    "queries.many": "Note: this code has been looked up many times; make sure the product comes from a proper seller.",
    "ok.genuine": "The platform has this product's records and no warning about it.",
    "journey.none": "No public journey records yet.",
    "journey.truncated": "Only the latest records are shown.",
    "journey.voided": "(corrected, void)",
    "journey.via": "in carton {carton}",
    "journey.by": "{name}",
    "journey.to": "to {name}",
    "journey.proof": "ledger record #{index}",
    "status.issued": "Issued, not in use", "status.in_circulation": "In circulation", "status.sold": "Sold",
    "status.recalled": "Recalled", "status.destroyed": "Destroyed", "status.unknown": "Unknown",
    "ev.issue": "Code issued", "ev.commission": "Commissioned", "ev.pack": "Packed", "ev.unpack": "Unpacked",
    "ev.ship": "Shipped", "ev.receive": "Received", "ev.retail": "Sold", "ev.return": "Returned",
    "ev.recall": "Recalled", "ev.destroy": "Destroyed", "ev.correct": "Correction",
    "w.never_issued": "No producer on the platform issued this code: the label may be counterfeit. Do not buy or use it, and report it.",
    "w.product_barcode": "This is the product's barcode, not a trace code: it says which product this is, not where this one came from. Scan the trace code on the product or its package (usually a QR code).",
    "w.recalled": "This product has been recalled: stop using it and contact the seller or producer.",
    "w.destroyed": "This item was recorded as destroyed: it should not be on sale.",
    "w.contents_recalled": "This package holds recalled products: do not sell or use them; contact the seller or producer.",
    "w.contents_destroyed": "This package holds products recorded as destroyed: they should not be on sale.",
    "w.licence_revoked": "The producer's production licence has been revoked.",
    "w.licence_suspended": "The producer's production licence has been suspended.",
    "w.licence_expired": "The producer's production licence has expired.",
    "w.ccc_revoked": "The product's CCC certificate has been revoked.",
    "w.ccc_suspended": "The product's CCC certificate has been suspended.",
    "w.ccc_expired": "The product's CCC certificate has expired.",
    "w.serious_violation": "The producer is on the list of seriously illegal and dishonest enterprises.",
    "w.warranty_expired": "The warranty has expired.",
    "complain.title": "Complain",
    "complain.hint": "A problem with this product's quality or label? Describe it; the platform passes it to the local market regulator.",
    "complain.text": "What is wrong",
    "complain.contact": "Contact (optional)",
    "complain.send": "Send complaint",
    "complain.sent": "Complaint sent, number {id}. The market regulator will handle it.",
    "complain.limited": "Too many complaints from here; try again in a minute.",
    footer: "Every record is kept in a tamper-evident ledger and can be checked independently.",
  },
);

let view = null; // the last answer, redrawn when the language changes

function facts(rows) {
  const dl = el("dl", { class: "facts" });
  for (const [key, value] of rows)
    if (value !== undefined && value !== null && value !== "")
      dl.append(el("dt", {}, t(key)), el("dd", {}, value));
  return dl;
}

function eventLine(e) {
  const bits = [t("ev." + e.type)];
  if (e.by_name) bits.push("· " + e.by_name);
  if (e.type === "ship" && e.buyer_name) bits.push(t("journey.to", { name: e.buyer_name }));
  if (e.via) bits.push("(" + t("journey.via", { carton: e.via }) + ")");
  if (e.reason) bits.push("— " + e.reason);
  return bits.join(" ");
}

// A product's or a batch's own barcode (GTIN, GTIN + lot) of a known product that was never
// issued as a code is the ordinary barcode on the box, not a counterfeit trace code.
function productBarcode(v, w) {
  return w.kind === "never_issued" && v.product && /^01\/[0-9]{14}(\/10\/[^/]+)?$/.test(v.code);
}

function render(v) {
  const out = $("result");
  out.replaceChildren();
  const warnings = v.warnings.map((w) => (productBarcode(v, w) ? { ...w, kind: "product_barcode" } : w));
  const kinds = warnings.map((w) => w.kind);
  const bad = kinds.some((k) => ["never_issued", "recalled", "contents_recalled", "destroyed", "contents_destroyed", "licence_revoked", "ccc_revoked", "serious_violation"].includes(k));
  const verdict = el("section", { "aria-labelledby": "verdict-title" }, el("h2", { id: "verdict-title" }, t("section.verdict")));
  for (const w of warnings)
    verdict.append(el("div", { class: "alert " + (bad ? "bad" : "warn"), role: "alert", "data-kind": w.kind },
      el("strong", {}, t("w." + w.kind)), warningFacts(w) && el("span", { class: "muted" }, warningFacts(w))));
  if (!warnings.length) verdict.append(el("div", { class: "alert good" }, t("ok.genuine")));
  verdict.append(facts([["f.code", v.code], ["f.status", t("status." + v.status)]]));
  const q = v.queries;
  verdict.append(el("p", { class: "muted", id: "queries" },
    q.count > 1 && q.first ? t("queries.first", { count: q.count, first: chinaTime(q.first) }) : t("queries.only")));
  if (q.count > 20) verdict.append(el("p", { class: "muted" }, t("queries.many")));
  out.append(verdict);

  const p = v.product;
  if (p) {
    out.append(el("section", { class: "card", "aria-labelledby": "product-title" },
      el("h2", { id: "product-title" }, t("section.product")),
      facts([
        ["f.name", p.name], ["f.category", p.catalog_unit_name || p.catalog_unit], ["f.type", p.type],
        ["f.model", p.model], ["f.standard", p.standard], ["f.licence", p.licence_no], ["f.ccc", p.ccc_no],
        ["f.warranty", p.warranty_months ? tn("months", p.warranty_months, { n: p.warranty_months }) : ""],
        ["f.warranty_until", p.warranty_until],
      ])));
  }
  if (v.producer) {
    const pr = v.producer;
    out.append(el("section", { class: "card", "aria-labelledby": "producer-title" },
      el("h2", { id: "producer-title" }, t("section.producer")),
      facts([["f.name", pr.name], ["f.uscc", pr.uscc], ["f.province", pr.province], ["f.address", pr.address]])));
  }
  if (v.batch) {
    const b = v.batch;
    const report = b.inspection_report ? `${b.inspection_report.name} (SHA-256 ${b.inspection_report.sha256.slice(0, 12)}…)` : "";
    out.append(el("section", { class: "card", "aria-labelledby": "batch-title" },
      el("h2", { id: "batch-title" }, t("section.batch")),
      facts([["f.batch_no", b.batch_no], ["f.production_date", b.production_date], ["f.report", report]])));
  }
  const journey = el("section", { class: "card", "aria-labelledby": "journey-title" },
    el("h2", { id: "journey-title" }, t("section.journey")));
  if (!v.events.length) journey.append(el("p", { class: "muted" }, t("journey.none")));
  else {
    const ol = el("ol", { class: "timeline", id: "journey" });
    for (const e of v.events)
      ol.append(el("li", { class: e.corrected_by !== undefined ? "voided" : "", "data-type": e.type },
        el("div", {}, el("strong", {}, eventLine(e)), e.corrected_by !== undefined ? " " + t("journey.voided") : ""),
        el("div", { class: "muted" }, chinaTime(e.time || e.recorded), " · ", t("journey.proof", { index: e.index }))));
    journey.append(ol);
    if (v.events_truncated) journey.append(el("p", { class: "muted" }, t("journey.truncated")));
  }
  out.append(journey);
  $("complain").classList.remove("hidden");
}

let asked = 0; // lookups asked for: only the last one's answer is shown

async function lookUp(code) {
  code = code.trim();
  tell("complain-message", null);
  if (!code) return tell("message", () => t("code.empty"));
  const mine = ++asked;
  // the address names the code looked up, whatever the answer, so a reload or a shared link
  // shows this code and not the one before it
  const u = new URL(location.href);
  u.searchParams.set("code", code);
  history.replaceState(null, "", u);
  view = null;
  $("result").replaceChildren();
  $("complain").classList.add("hidden");
  tell("message", () => t("code.looking"), "good");
  const res = await api("GET", "/api/v1/codes/" + codePath(code));
  if (mine !== asked) return;
  if (res.status === 200) {
    tell("message", null);
    view = res.data;
    render(view);
  } else if (res.status === 404) tell("message", () => t("code.unknown"), "bad");
  else if (res.status === 400) tell("message", () => t("code.bad", { why: res.data?.error?.message || errorText(res) }), "bad");
  else tell("message", () => errorText(res), "bad");
}

async function complain(ev) {
  ev.preventDefault();
  const body = { code: view.code, text: $("complain-text").value.trim() };
  const contact = $("complain-contact").value.trim();
  if (contact) body.contact = contact;
  // one complaint per press: a double click must not file it twice
  const button = $("complain-form").querySelector("button[type=submit]");
  button.disabled = true;
  const res = await api("POST", "/api/v1/complaints", body).finally(() => (button.disabled = false));
  if (res.status === 201) {
    tell("complain-message", () => t("complain.sent", { id: res.data.complaint.id }), "good");
    $("complain-form").reset();
  } else {
    tell("complain-message", () => (res.status === 429 ? t("complain.limited") : errorText(res)), "bad");
  }
}

applyWords();
languageSwitch($("lang"), () => view && render(view));
$("lookup").addEventListener("submit", (e) => {
  e.preventDefault();
  lookUp($("code").value);
});
$("complain-form").addEventListener("submit", complain);
scanner(
  { start: $("scan"), stop: $("scan-stop"), box: $("scanner"), video: $("video") },
  (code) => {
    $("code").value = code;
    lookUp(code);
  },
  (why) => tell("message", () => t("scan.denied", { why }), "warn"),
);
const given = new URLSearchParams(location.search).get("code");
if (given) {
  $("code").value = given;
  lookUp(given);
}
