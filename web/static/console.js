// console.js — the enterprise console: a unit signs in with its token; a producer registers
// products and batches, issues codes, saves labels and records shipments; a seller checks
// incoming goods (查验), receives, sells and uploads its ledger file. Only the public HTTP API.
import {
  $, alertBox, api, applyWords, cutText, el, errorText, fetchAll, languageSwitch, pagedList, t, tableHead, tell as keep, tn,
  warningFacts, words,
} from "./common.js";
import { scanner } from "./scan.js";

words(
  {
    title: "企业追溯工作台",
    signout: "退出",
    tabs: "功能",
    progress: "进度",
    "signin.title": "登录",
    "signin.hint": "使用单位注册时平台给出的令牌登录。令牌只保存在本浏览器标签页中，关闭即清除。",
    "signin.token": "单位令牌",
    "signin.go": "登录",
    "signin.checking": "正在登录……",
    "signin.bad": "令牌不对或已失效，请核对后重试。",
    "signin.regulator": "这是监管部门的账户，请使用监管看板：",
    "signin.other": "这个账户不是生产企业或销售者，工作台没有它能做的事。",
    who: "{name} · 统一社会信用代码 {uscc} · {roles}",
    "role.producer": "生产企业",
    "role.seller": "销售者",
    "tab.products": "产品与批次",
    "tab.codes": "赋码与标签",
    "tab.check": "进货查验",
    "tab.receive": "进货",
    "tab.sell": "销售",
    "tab.ship": "发货",
    "tab.ledger": "台账导入",
    "products.title": "产品与批次",
    "products.none": "还没有登记产品。",
    "products.q": "查找产品",
    "products.q.hint": "名称、型号或商品条码的一部分",
    "products.q.go": "查找",
    "products.all": "全部产品",
    "products.more": "继续查找更多产品",
    "products.found.none": "没有名称、型号或商品条码含所查文字的产品。",
    "codes.searched": "这里只列出查找“{q}”找到的产品；在“产品与批次”中点“全部产品”可列出全部。",
    "product.new": "登记新产品",
    "product.save": "登记产品",
    "product.saved": "已登记产品“{name}”，账本记录 #{index}。",
    "batches.title": "批次",
    "batches.none": "这个产品还没有登记批次。",
    "batch.new": "登记新批次",
    "batch.save": "登记批次",
    "batch.saved": "已登记批次 {no}，账本记录 #{index}。",
    "batch.hashing": "正在计算检验报告的摘要……",
    "f.name": "产品名称",
    "f.catalog_unit": "追溯清单中的产品",
    "f.type": "产品类型",
    "f.model": "规格型号",
    "f.standard": "执行标准",
    "f.licence": "生产许可证编号",
    "f.ccc": "CCC 证书编号（16 位数字）",
    "f.warranty": "保修期（月）",
    "f.schemes": "赋码方式",
    "f.gtin": "GTIN（选 GS1 或 Ecode 时必填）",
    "f.product": "产品",
    "f.batch_no": "批号",
    "f.production_date": "生产日期",
    "f.quantity": "数量",
    "f.report": "出厂检验报告（文件只在本机计算摘要，不上传）",
    "f.batch": "批次",
    "f.scheme": "赋码方式",
    "f.count": "数量（一物一码）",
    "f.symbology": "标签码制",
    "f.codes": "追溯码（每行一个，可扫码录入）",
    "f.buyer_uscc": "购货单位统一社会信用代码",
    "f.buyer_name": "购货单位名称",
    "f.buyer_address": "购货单位地址",
    "f.buyer_contact": "购货单位联系方式",
    "f.contact_public": "联系方式公开（不勾选则在账本中加密封存）",
    "f.supplier_uscc": "供货单位统一社会信用代码",
    "f.customer": "顾客（选填，加密封存）",
    "f.sale_public": "公开售出时间",
    "f.ledger_file": "台账文件（CSV）",
    "scheme.dic": "数字身份码",
    "scheme.gs1": "GS1 商品条码",
    "scheme.ecode": "Ecode 物联网标识",
    "scheme.ccc": "CCC 认证码",
    "sym.qr": "二维码（QR）",
    "sym.datamatrix": "GS1 DataMatrix",
    "sym.gs1-128": "GS1-128 条码",
    "col.name": "名称",
    "col.model": "规格型号",
    "col.unit": "清单产品",
    "col.batch_no": "批号",
    "col.date": "生产日期",
    "col.quantity": "数量",
    "col.report": "检验报告",
    "col.shipment": "发货单号",
    "col.to": "购货单位",
    "col.from": "供货单位",
    "col.count": "件数",
    "col.state": "状态",
    "col.row": "行",
    "col.column": "列",
    "col.message": "问题",
    "codes.title": "赋码与标签",
    "codes.commission": "发放后立即激活（可以发货）",
    "codes.issue": "发放追溯码",
    "codes.list": "本批次的追溯码",
    "codes.none": "这个批次还没有追溯码。",
    "codes.sheet": "整批打印（A4 标签纸或标签打印机）请用命令：",
    "codes.no_batch": "请先在“产品与批次”中登记批次。",
    "codes.progress": "已发放 {done} / {total} 个追溯码……",
    "codes.done": "已发放 {total} 个追溯码{activated}。",
    "codes.activated": "并已激活",
    "label.svg": "SVG 标签",
    "label.png": "PNG 标签",
    "label.of": "{kind}：{code}",
    "label.save": "保存标签文件",
    "label.loading": "正在生成标签……",
    "ship.title": "发货",
    "ship.go": "登记发货",
    "ship.out": "已发货",
    "ship.none": "还没有发货记录。",
    "ship.progress": "已登记 {done} / {total} 件……",
    "ship.done": "已登记发货 {total} 件，购货单位收货时确认。",
    "state.received": "已收货",
    "state.cancelled": "已撤销",
    "state.on_way": "在途",
    "check.title": "进货查验",
    "check.hint": "收货前扫一扫：平台核对每件货是否真的来自这家供货单位。查验不改变货物的状态。",
    "check.go": "查验",
    "check.progress": "已查验 {done} / {total} 件……",
    "check.summary": "共查验 {total} 件：{genuine} 件正常，{attention}，{suspect} 件可疑。",
    "check.attention": "{n} 件需注意",
    "check.all_good": "全部正常，可以收货。",
    "check.suspect": "有可疑货物：不要收货，保留货物和单据，向属地市场监管部门报告。",
    "check.warning": "有需注意的货物：先不要上架，联系供货单位核实。",
    "verdict.genuine": "正常",
    "verdict.warning": "需注意",
    "verdict.suspect": "可疑",
    "reason.never_issued": "平台上没有这个追溯码：标签可能是假冒的。",
    "reason.recalled": "该产品已被召回。",
    "reason.destroyed": "该产品已登记为销毁，不应再流通。",
    "reason.contents_recalled": "包装里有已被召回的产品。",
    "reason.contents_destroyed": "包装里有已登记为销毁的产品。",
    "reason.licence_revoked": "生产企业的生产许可证已被吊销。",
    "reason.licence_suspended": "生产企业的生产许可证已被暂停。",
    "reason.licence_expired": "生产企业的生产许可证已过有效期。",
    "reason.ccc_revoked": "CCC 认证证书已被撤销。",
    "reason.ccc_suspended": "CCC 认证证书已被暂停。",
    "reason.ccc_expired": "CCC 认证证书已过有效期。",
    "reason.serious_violation": "生产企业在严重违法失信名单上。",
    "reason.warranty_expired": "保修期已过。",
    "reason.not_commissioned": "生产企业还没有激活这个追溯码。",
    "reason.sold": "这件货已经卖给了消费者，不应再次进货：标签可能被复制。",
    "reason.supplier_not_holder": "账本上这件货不在这家供货单位手里。",
    "reason.received_elsewhere": "这件货已被另一家单位收货。",
    "reason.cloned": "同一个码在多处出现，超出了它的流向：标签可能被复制。",
    "receive.title": "进货",
    "receive.hint": "供货单位登记发货后，货物出现在这里；核对无误后确认收货。",
    "receive.none": "没有发给本单位的货。",
    "receive.none_pending": "没有待收货的发货单。",
    "receive.all": "也显示已收货、已取消的发货单",
    "receive.go": "确认收货",
    "receive.done": "已确认收货：发货单 #{id}，{count} 件。",
    "sell.title": "销售",
    "sell.go": "登记销售",
    "sell.progress": "已登记 {done} / {total} 件……",
    "sell.done": "已登记销售 {total} 件。",
    "ledger.title": "台账导入",
    "ledger.hint": "没有信息系统的经营者可以上传进销台账（CSV，Excel 另存为“CSV UTF-8”）。每一行都会检查；只要有一行不对，整份文件都不记录，并逐行说明原因。",
    "ledger.template": "下载台账模板",
    "ledger.go": "上传台账",
    "ledger.uploading": "正在上传 {done} / {total} KB……",
    "ledger.checking": "已上传，平台正在逐行检查……",
    "ledger.done": "台账已记录：{count} 行，账本记录 #{first} 起。",
    "ledger.refused": "{message}。请改正以下各行后重新上传整份文件：",
    "job.failed": "已完成 {done} / {total}，其余未记录：{why}",
    "codes.empty": "请输入至少一个追溯码。",
    "scan.looking": "请将条码或二维码对准摄像头，每扫到一件就加入列表……",
    footer: "每一条记录都写入防篡改账本，并返回可独立验证的回执。",
  },
  {
    title: "Enterprise console",
    signout: "Sign out",
    tabs: "Tasks",
    progress: "Progress",
    "signin.title": "Sign in",
    "signin.hint": "Sign in with the token the platform gave your unit when it registered. It is kept in this browser tab only and gone when you close it.",
    "signin.token": "Unit token",
    "signin.go": "Sign in",
    "signin.checking": "Signing in…",
    "signin.bad": "The token is wrong or no longer valid. Check it and try again.",
    "signin.regulator": "This is a regulator's account. Use the regulator dashboard:",
    "signin.other": "This account is neither a producer nor a seller; the console has nothing for it.",
    who: "{name} · USCC {uscc} · {roles}",
    "role.producer": "producer",
    "role.seller": "seller",
    "tab.products": "Products and batches",
    "tab.codes": "Codes and labels",
    "tab.check": "Check goods",
    "tab.receive": "Purchases",
    "tab.sell": "Sales",
    "tab.ship": "Shipments",
    "tab.ledger": "Ledger file",
    "products.title": "Products and batches",
    "products.none": "No products registered yet.",
    "products.q": "Find products",
    "products.q.hint": "Part of the name, model or barcode number",
    "products.q.go": "Find",
    "products.all": "All products",
    "products.more": "Find more products",
    "products.found.none": "No product's name, model or barcode number holds what was searched for.",
    "codes.searched": "Only the products found for “{q}” are listed here; “All products” under “Products and batches” lists every one.",
    "product.new": "Register a product",
    "product.save": "Register product",
    "product.saved": "Registered “{name}”, ledger record #{index}.",
    "batches.title": "Batches",
    "batches.none": "This product has no batches yet.",
    "batch.new": "Register a batch",
    "batch.save": "Register batch",
    "batch.saved": "Registered batch {no}, ledger record #{index}.",
    "batch.hashing": "Computing the inspection report's digest…",
    "f.name": "Product name",
    "f.catalog_unit": "Product in the trace catalogue",
    "f.type": "Product type",
    "f.model": "Model / specification",
    "f.standard": "Standard",
    "f.licence": "Production licence number",
    "f.ccc": "CCC certificate number (16 digits)",
    "f.warranty": "Warranty (months)",
    "f.schemes": "Code schemes",
    "f.gtin": "GTIN (required for GS1 or Ecode)",
    "f.product": "Product",
    "f.batch_no": "Batch number",
    "f.production_date": "Production date",
    "f.quantity": "Quantity",
    "f.report": "Inspection report (only its digest is computed here; the file is not uploaded)",
    "f.batch": "Batch",
    "f.scheme": "Code scheme",
    "f.count": "How many (one per item)",
    "f.symbology": "Label symbology",
    "f.codes": "Trace codes (one per line; scanning adds them)",
    "f.buyer_uscc": "Buyer's USCC",
    "f.buyer_name": "Buyer's name",
    "f.buyer_address": "Buyer's address",
    "f.buyer_contact": "Buyer's contact",
    "f.contact_public": "Contact is public (unticked, it is sealed in the ledger)",
    "f.supplier_uscc": "Supplier's USCC",
    "f.customer": "Customer (optional, sealed)",
    "f.sale_public": "Publish the time of sale",
    "f.ledger_file": "Ledger file (CSV)",
    "scheme.dic": "Digital identity code",
    "scheme.gs1": "GS1 barcode",
    "scheme.ecode": "Ecode",
    "scheme.ccc": "CCC code",
    "sym.qr": "QR code",
    "sym.datamatrix": "GS1 DataMatrix",
    "sym.gs1-128": "GS1-128 barcode",
    "col.name": "Name",
    "col.model": "Model",
    "col.unit": "Catalogue product",
    "col.batch_no": "Batch",
    "col.date": "Made on",
    "col.quantity": "Quantity",
    "col.report": "Inspection report",
    "col.shipment": "Shipment",
    "col.to": "Buyer",
    "col.from": "Supplier",
    "col.count": "Items",
    "col.state": "State",
    "col.row": "Row",
    "col.column": "Column",
    "col.message": "Problem",
    "codes.title": "Codes and labels",
    "codes.commission": "Activate them once issued (ready to ship)",
    "codes.issue": "Issue codes",
    "codes.list": "This batch's codes",
    "codes.none": "This batch has no codes yet.",
    "codes.sheet": "To print a whole batch (A4 sheets or a label printer), run:",
    "codes.no_batch": "Register a batch under “Products and batches” first.",
    "codes.progress": "Issued {done} of {total} codes…",
    "codes.progress.one": "Issued {done} of {total} code…",
    "codes.done": "Issued {total} codes{activated}.",
    "codes.done.one": "Issued {total} code{activated}.",
    "codes.activated": " and activated them",
    "codes.activated.one": " and activated it",
    "label.svg": "SVG label",
    "label.png": "PNG label",
    "label.of": "{kind}: {code}",
    "label.save": "Save the label file",
    "label.loading": "Making the label…",
    "ship.title": "Shipments",
    "ship.go": "Record shipment",
    "ship.out": "Shipped",
    "ship.none": "No shipments yet.",
    "ship.progress": "Recorded {done} of {total} items…",
    "ship.progress.one": "Recorded {done} of {total} item…",
    "ship.done": "Recorded the shipment of {total} items; the buyer confirms receipt.",
    "ship.done.one": "Recorded the shipment of {total} item; the buyer confirms receipt.",
    "state.received": "received",
    "state.cancelled": "cancelled",
    "state.on_way": "on its way",
    "check.title": "Check incoming goods",
    "check.hint": "Scan before you take goods in: the platform checks that each item really comes from this supplier. A check changes nothing about the goods.",
    "check.go": "Check",
    "check.progress": "Checked {done} of {total} items…",
    "check.progress.one": "Checked {done} of {total} item…",
    "check.summary": "Checked {total} items: {genuine} fine, {attention}, {suspect} suspect.",
    "check.summary.one": "Checked {total} item: {genuine} fine, {attention}, {suspect} suspect.",
    "check.attention": "{n} need attention",
    "check.attention.one": "{n} needs attention",
    "check.all_good": "All fine: the goods can be taken in.",
    "check.suspect": "Suspect goods: do not take them in; keep the goods and papers and report to the local market regulator.",
    "check.warning": "Some goods need attention: keep them off the shelf and ask the supplier.",
    "verdict.genuine": "fine",
    "verdict.warning": "attention",
    "verdict.suspect": "suspect",
    "reason.never_issued": "The platform has no such code: the label may be counterfeit.",
    "reason.recalled": "The product has been recalled.",
    "reason.destroyed": "The item was recorded as destroyed and must not be on sale.",
    "reason.contents_recalled": "The package holds recalled products.",
    "reason.contents_destroyed": "The package holds products recorded as destroyed.",
    "reason.licence_revoked": "The producer's production licence was revoked.",
    "reason.licence_suspended": "The producer's production licence is suspended.",
    "reason.licence_expired": "The producer's production licence has expired.",
    "reason.ccc_revoked": "The CCC certificate was withdrawn.",
    "reason.ccc_suspended": "The CCC certificate is suspended.",
    "reason.ccc_expired": "The CCC certificate has expired.",
    "reason.serious_violation": "The producer is on the serious-violation list.",
    "reason.warranty_expired": "The warranty has expired.",
    "reason.not_commissioned": "The producer has not activated this code yet.",
    "reason.sold": "This item was already sold to a consumer and cannot be bought in again: the label may be copied.",
    "reason.supplier_not_holder": "By the ledger, this supplier does not hold the item.",
    "reason.received_elsewhere": "Another unit already received this item.",
    "reason.cloned": "The code turns up in more places than its path explains: the label may be copied.",
    "receive.title": "Purchases",
    "receive.hint": "Goods a supplier has shipped to you appear here; confirm receipt once they match.",
    "receive.none": "Nothing has been shipped to you.",
    "receive.none_pending": "No shipments await receipt.",
    "receive.all": "Also show shipments received or cancelled",
    "receive.go": "Confirm receipt",
    "receive.done": "Received shipment #{id}, {count} items.",
    "receive.done.one": "Received shipment #{id}, {count} item.",
    "sell.title": "Sales",
    "sell.go": "Record sale",
    "sell.progress": "Recorded {done} of {total} items…",
    "sell.progress.one": "Recorded {done} of {total} item…",
    "sell.done": "Recorded the sale of {total} items.",
    "sell.done.one": "Recorded the sale of {total} item.",
    "ledger.title": "Ledger file",
    "ledger.hint": "A unit without an IT system can upload its purchase and sales ledger (CSV; in Excel, save as “CSV UTF-8”). Every row is checked; if any row is wrong nothing of the file is recorded, and each failing row says why.",
    "ledger.template": "Download a ledger template",
    "ledger.go": "Upload ledger",
    "ledger.uploading": "Uploading {done} of {total} KB…",
    "ledger.checking": "Uploaded; the platform is checking each row…",
    "ledger.done": "Ledger recorded: {count} rows, from ledger record #{first}.",
    "ledger.done.one": "Ledger recorded: {count} row, ledger record #{first}.",
    "ledger.refused": "{message}. Correct these rows and upload the whole file again:",
    "job.failed": "Done {done} of {total}; the rest was not recorded: {why}",
    "codes.empty": "Enter at least one trace code.",
    "scan.looking": "Point the camera at each barcode or QR code; every one read joins the list…",
    "scan.denied": "The camera could not be opened: {why}. You can type the codes instead.",
    footer: "Every record goes into the tamper-evident ledger and comes back with a receipt anyone can verify.",
  },
);

const TOKEN_KEY = "qtrace.token";
const EVENT_CODES = 63; // codes in one event (the API's bound)
const EVENTS_PER_CALL = 100; // events in one request of a long job, so progress moves
const ISSUE_CALL = 1000; // codes issued per request: the answer lists them all for activation
const CHECK_CALL = 1000; // codes per 查验 request (the API's bound)
const SHIPMENT_PAGE = 100; // shipments a list asks for at a time
const BATCH_PAGE = 100; // batches the batch pane's table asks for at a time
const FOUND = 100; // products a search shows at a time
const TABS = {
  producer: ["products", "codes", "ship"],
  seller: ["check", "receive", "sell", "ship", "ledger"],
};

let token = sessionStorage.getItem(TOKEN_KEY) || "";
let me = null;
let tab = null;
let catalog = [];
let products = []; // the producer's products listed: every one, or those a search found
let searched = ""; // what the products listed were found by ("": none, every product)
let productsNext = null; // where the search goes on, while it has not looked at every product
let productsAsked = 0; // product lists asked for: only the last one's answer is shown
let picked = { product: null, batches: [] }; // the codes pane's product and all its batches
let pickAsked = 0; // products whose batches the codes pane asked for: the last one's are shown
let labelUrl = null;
let labelAsked = 0; // labels asked for: a later one's answer is the one shown
let checked = null; // the 查验 results shown, drawn again in the other language on a switch

const call = (method, path, body) => api(method, path, body, token);

// Most of what the console says is news of work done. words() words it in the page's
// language, again after a switch (common.js's tell); null clears the line.
const tell = (id, words, kind = "good") => keep(id, words, kind);

// Codes typed, pasted or scanned: one per line, or separated by spaces, commas or 、；
function codeList(text) {
  return [...new Set(text.split(/[\s,;，；、]+/).filter(Boolean))];
}

function table(id, head, rows, empty) {
  const tb = $(id);
  if (!rows.length) return tb.replaceChildren(el("caption", { class: "muted", "data-i18n": empty }, t(empty)));
  tb.replaceChildren(tableHead(head), el("tbody", {}, rows.map(tableRow)));
}

const tableRow = (cells) => el("tr", {}, cells.map((c) => el("td", {}, c)));

// A list of path (the answers' key array) as the table id in box, limit rows at a time in the
// API's order with "more" for the later ones: every row can be reached, however many there
// are. row(item) is an item's table row; empty, the key of the words for none.
function pagedTable(box, path, key, id, head, row, empty, limit) {
  const tbody = el("tbody");
  return pagedList({
    box, token, path, key, limit, list: el("div", { class: "scroll" }, el("table", { id }, tableHead(head), tbody)),
    into: tbody, item: row, empty,
  });
}

// The pane's progress bar, the line that says how far it got, and the status line (id
// PANE-status) for how it ended, shown.
function jobBox(pane) {
  const box = $(`${pane}-job`);
  if (!box.firstChild)
    box.append(
      el("progress", { id: `${pane}-progress`, max: "1", value: "0", "data-i18n-label": "progress", "aria-label": t("progress") }),
      el("p", { id: `${pane}-doing`, role: "status", "aria-live": "polite" }),
      el("div", { id: `${pane}-status`, role: "status", "aria-live": "polite" }));
  box.classList.remove("hidden");
  return { bar: box.firstChild, doing: box.children[1] };
}

// How the pane's job ended, words as for tell; null: not yet.
function jobDone(pane, words, kind = "good") {
  jobBox(pane).doing.textContent = "";
  tell(`${pane}-status`, words, kind);
}

// A long job in parts: send(offset, n) for each part of at most `part` of `total`, with the
// pane's progress bar and status line; stops at the first refused part and says how far it
// got (earlier parts are recorded, each part is all or nothing).
async function job(pane, total, part, progressKey, send) {
  const { bar, doing } = jobBox(pane);
  bar.max = total;
  bar.value = 0;
  jobDone(pane, null);
  // no second start while a job runs: the buttons of its section wait
  const buttons = $(`${pane}-job`).closest("section").querySelectorAll("button");
  buttons.forEach((b) => (b.disabled = true));
  let done = 0;
  let failed = null;
  try {
    for (; done < total; ) {
      doing.textContent = tn(progressKey, total, { done, total });
      const n = Math.min(part, total - done);
      const res = await send(done, n);
      if (res.status !== 200 && res.status !== 201) {
        failed = res;
        break;
      }
      done += n;
      bar.value = done;
    }
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
  if (failed) jobDone(pane, () => t("job.failed", { done, total, why: errorText(failed) }), "bad");
  else doing.textContent = "";
  return !failed;
}

// Events of one type over a list of codes, 63 codes an event and 100 events a request.
function eventJob(pane, codes, progressKey, make) {
  return job(pane, codes.length, EVENT_CODES * EVENTS_PER_CALL, progressKey, (at, n) => {
    const events = [];
    for (let i = at; i < at + n; i += EVENT_CODES)
      events.push(make(codes.slice(i, Math.min(i + EVENT_CODES, at + n))));
    return call("POST", "/api/v1/events", { events });
  });
}

// ---- signing in

async function signIn(ev) {
  ev?.preventDefault();
  const given = ev ? $("token").value.trim() : token;
  if (!given) return;
  tell("message", () => t("signin.checking"));
  const res = await api("GET", "/api/v1/units/me", null, given);
  if (res.status !== 200) {
    sessionStorage.removeItem(TOKEN_KEY);
    return tell("message", () => (res.status === 401 ? t("signin.bad") : errorText(res)), "bad");
  }
  const roles = res.data.roles.filter((r) => TABS[r]);
  if (!roles.length) {
    const regulator = res.data.roles.includes("regulator");
    tell("message", () => [t(regulator ? "signin.regulator" : "signin.other"), " ",
      regulator ? el("a", { href: "/dashboard" }, "/dashboard") : ""], "warn");
    return;
  }
  token = given;
  sessionStorage.setItem(TOKEN_KEY, token);
  me = res.data;
  tell("message", null);
  $("token").value = "";
  $("signin").classList.add("hidden");
  $("signout").classList.remove("hidden");
  $("desk").classList.remove("hidden");
  await refresh();
}

async function refresh() {
  drawTabs();
  if (me.roles.includes("producer")) await loadProducts();
  if (me.roles.includes("seller")) await loadIncoming();
  await loadOutgoing();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  token = "";
  me = null;
  location.reload();
}

function drawTabs() {
  const names = [...new Set(me.roles.flatMap((r) => TABS[r] || []))];
  tab = names.includes(tab) ? tab : names[0];
  $("who").textContent = t("who", {
    name: me.name,
    uscc: me.uscc || "",
    roles: me.roles.filter((r) => TABS[r]).map((r) => t(`role.${r}`)).join("、"),
  });
  $("tabs").replaceChildren(
    ...names.map((n) =>
      el("button", { type: "button", class: "tab", "aria-pressed": String(n === tab), onclick: () => show(n) },
        t(`tab.${n}`))),
  );
  for (const pane of document.querySelectorAll(".pane")) pane.classList.toggle("hidden", pane.id !== tab);
}

function show(name) {
  tab = name;
  tell("message", null);
  drawTabs();
}

// ---- producer: products and batches

// The products listed - every one, or with a search those whose name, model or barcode
// number holds it (the server searches, FOUND at a time: a producer of many products has
// far too many to look through by eye) - in the product table and the two panes' product
// choices; after: where a search goes on, its next products added to those found. select:
// the product to show in the batch pane. The codes pane keeps its product, or takes the
// batch pane's; a pane whose product is still chosen keeps what it shows.
async function loadProducts(select, after = null) {
  if (!catalog.length) {
    const c = await call("GET", "/api/v1/catalog");
    if (c.status === 200) catalog = c.data.categories;
    $("p-unit").replaceChildren(
      ...catalog.map((cat) =>
        el("optgroup", { label: cat.name }, cat.units.map((u) => el("option", { value: u.id }, u.name)))),
    );
  }
  const asked = ++productsAsked;
  const q = searched;
  const { items, next, res } = q
    ? await fetchAll(`/api/v1/products?q=${encodeURIComponent(q)}`, "items", token,
      { limit: FOUND, want: FOUND, pages: Infinity, after })
    : await fetchAll("/api/v1/products", "items", token);
  if (asked !== productsAsked) return;
  if (res) return tell("message", () => errorText(res), "bad");
  products = after ? [...products, ...items] : items;
  productsNext = q ? next || null : null;
  tell("product-cut", !q && next && (() => cutText(items.length)), "warn");
  tell("c-product-note", q && (() => t("codes.searched", { q })), "warn");
  $("product-more").classList.toggle("hidden", !productsNext);
  $("product-all").classList.toggle("hidden", !q);
  const units = new Map(catalog.flatMap((c) => c.units).map((u) => [u.id, u.name]));
  table("product-table", ["col.name", "col.model", "col.unit"],
    products.map((p) => [p.name, p.model, units.get(p.catalog_unit) || p.catalog_unit]),
    q ? "products.found.none" : "products.none");
  const shown = [$("b-product").value, $("c-product").value];
  productChoice($("b-product"), select, $("b-product").value);
  productChoice($("c-product"), $("c-product").value, $("b-product").value);
  await Promise.all([
    (!after || $("b-product").value !== shown[0]) && drawBatches(),
    (!after || $("c-product").value !== shown[1]) && productChosen(),
  ]);
}

// The products whose name, model or barcode number holds what was typed; nothing typed: every one.
function findProducts(ev) {
  ev?.preventDefault();
  searched = $("p-q").value.trim();
  return loadProducts();
}

// The products as select's options, the first of ids that is one of them chosen.
function productChoice(select, ...ids) {
  const chosen = ids.find((id) => products.some((p) => p.id === id));
  select.replaceChildren(...products.map((p) => el("option", { value: p.id }, `${p.name} ${p.model}`)));
  if (chosen) select.value = chosen;
}

// The batch pane's product's batches, newest first (the API's production date order),
// BATCH_PAGE at a time: a producer of a batch a day has over a thousand in three years.
function drawBatches() {
  const id = $("b-product").value;
  if (!id) return $("batch-list").replaceChildren();
  return pagedTable($("batch-list"), `/api/v1/products/${id}/batches?order=newest`, "items", "batch-table",
    ["col.batch_no", "col.date", "col.quantity", "col.report"],
    (batch) => tableRow([batch.batch_no, batch.production_date, String(batch.quantity), batch.inspection_report.name]),
    "batches.none", BATCH_PAGE);
}

async function registerProduct(ev) {
  ev.preventDefault();
  const v = (id) => $(id).value.trim();
  const body = {
    name: v("p-name"), catalog_unit: v("p-unit"), type: v("p-type"), model: v("p-model"),
    standard: v("p-standard"),
    schemes: [...document.querySelectorAll('input[name="scheme"]:checked')].map((c) => c.value),
  };
  if (v("p-licence")) body.licence_no = v("p-licence");
  if (v("p-ccc")) body.ccc_no = v("p-ccc");
  if (v("p-warranty")) body.warranty_months = Number(v("p-warranty"));
  if (v("p-gtin")) body.gtin = v("p-gtin");
  const res = await call("POST", "/api/v1/products", body);
  if (res.status !== 201) return tell("message", () => errorText(res), "bad");
  $("product-form").reset();
  // the new product among those listed, whatever was searched for
  $("product-search").reset();
  searched = "";
  await loadProducts(res.data.product.id);
  tell("message", () => t("product.saved", { name: res.data.product.name, index: res.data.receipt.index }));
}

async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function registerBatch(ev) {
  ev.preventDefault();
  const file = $("b-report").files[0];
  tell("message", () => t("batch.hashing"));
  const body = {
    product: $("b-product").value,
    batch_no: $("b-no").value.trim(),
    production_date: $("b-date").value,
    quantity: Number($("b-qty").value),
    inspection_report: { sha256: await sha256Hex(file), name: file.name.slice(0, 200) },
  };
  const res = await call("POST", "/api/v1/batches", body);
  if (res.status !== 201) return tell("message", () => errorText(res), "bad");
  $("batch-form").reset();
  // the batch in its product's table, and chosen in the codes pane: its codes come next
  $("c-product").value = body.product;
  await Promise.all([drawBatches(), productChosen(res.data.batch.id)]);
  tell("message", () => t("batch.saved", { no: res.data.batch.batch_no, index: res.data.receipt.index }));
}

// ---- producer: codes and labels

// The codes pane's product's batches, every one of them (page after page), newest first;
// want: the batch to choose (by default the one chosen). Only the product chosen last has its
// batches shown.
async function productChosen(want = $("c-batch").value) {
  const asked = ++pickAsked;
  const product = products.find((p) => p.id === $("c-product").value) || null;
  picked = { product, batches: [] };
  $("c-batch").replaceChildren();
  tell("c-batch-cut", null);
  batchChosen();
  if (!product) return;
  const { items, next, res } = await fetchAll(`/api/v1/products/${product.id}/batches?order=newest`, "items", token);
  if (asked !== pickAsked) return;
  if (res) return tell("message", () => errorText(res), "bad");
  picked.batches = items;
  tell("c-batch-cut", next && (() => cutText(items.length)), "warn");
  $("c-batch").replaceChildren(
    ...picked.batches.map((b) => el("option", { value: b.id }, `${b.batch_no} · ${b.production_date}`)));
  if (picked.batches.some((b) => b.id === want)) $("c-batch").value = want;
  if (!picked.batches.length && tab === "codes") tell("message", () => t("codes.no_batch"), "warn");
  return batchChosen();
}

function chosenBatch() {
  return picked.batches.find((b) => b.id === $("c-batch").value);
}

// The chosen batch's product's code schemes as options, in the current words, keeping the choice.
function drawSchemes(b = chosenBatch()) {
  const keep = $("c-scheme").value;
  $("c-scheme").replaceChildren(...(b ? picked.product.schemes : []).map((s) => el("option", { value: s }, t(`scheme.${s}`))));
  if ([...$("c-scheme").options].some((o) => o.value === keep)) $("c-scheme").value = keep;
}

function batchChosen() {
  const b = chosenBatch();
  drawSchemes(b);
  $("sheet-command").textContent = b ? `qtrace label --db qtrace.db --batch ${b.id} --out labels/ --sheet a4` : "";
  $("code-list").replaceChildren();
  clearLabel();
  return b ? loadCodes(b) : null;
}

function loadCodes(b) {
  return pagedList({
    box: $("code-list"), path: `/api/v1/codes?batch=${b.id}`, key: "codes", token, limit: 50,
    empty: "codes.none",
    item: (code) =>
      el("li", {},
        el("span", { class: "code" }, code),
        el("span", { class: "row" },
          ["svg", "png"].map((kind) =>
            el("button", {
              type: "button", class: "secondary small", "data-kind": kind,
              "aria-label": t("label.of", { kind: t(`label.${kind}`), code }),
              onclick: () => showLabel(code, kind),
            }, t(`label.${kind}`))))),
  });
}

// No label shown: the preview hidden, its image and save link emptied, so an earlier code's
// label cannot be printed or saved in place of the one asked for.
function clearLabel() {
  $("label-preview").classList.add("hidden");
  $("label-img").removeAttribute("src");
  $("label-save").removeAttribute("href");
  if (labelUrl) URL.revokeObjectURL(labelUrl);
  labelUrl = null;
}

// The label comes with the token (it is for the producer and holder only), so it is fetched
// and shown from a blob rather than linked. Only the label asked for last is shown.
async function showLabel(code, kind) {
  const asked = ++labelAsked;
  clearLabel();
  tell("message", () => t("label.loading"));
  const sym = $("c-symbology").value;
  const path = `/api/v1/codes/${encodeURIComponent(code)}/label.${kind}?symbology=${sym}`;
  let r, blob, data;
  try {
    r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
    if (r.ok) blob = await r.blob();
    else if ((r.headers.get("Content-Type") || "").includes("json")) data = await r.json();
  } catch (e) {
    r = null;
  }
  if (asked !== labelAsked) return;
  if (!r) return tell("message", () => t("err.network"), "bad");
  if (!r.ok) return tell("message", () => errorText({ status: r.status, data }), "bad");
  const name = /filename="?([^";]+)"?/.exec(r.headers.get("Content-Disposition") || "")?.[1] || `label.${kind}`;
  labelUrl = URL.createObjectURL(blob);
  $("label-img").src = labelUrl;
  $("label-img").alt = t("label.of", { kind: t(`label.${kind}`), code });
  $("label-save").href = labelUrl;
  $("label-save").download = name;
  $("label-preview").classList.remove("hidden");
  $("label-preview").scrollIntoView({ block: "nearest" });
  tell("message", null);
}

async function issueCodes(ev) {
  ev.preventDefault();
  const b = chosenBatch();
  if (!b) return tell("message", () => t("codes.no_batch"), "warn");
  const scheme = $("c-scheme").value;
  const total = Number($("c-count").value);
  const commission = $("c-commission").checked;
  const ok = await job("issue", total, ISSUE_CALL, "codes.progress", async (at, n) => {
    const res = await call("POST", "/api/v1/codes", { batch: b.id, granularity: "item", scheme, count: n });
    if (res.status !== 201 || !commission) return res;
    const events = [];
    for (let i = 0; i < res.data.codes.length; i += EVENT_CODES)
      events.push({ type: "commission", codes: res.data.codes.slice(i, i + EVENT_CODES) });
    return call("POST", "/api/v1/events", { events });
  });
  await batchChosen();
  if (ok) {
    jobDone("issue", () => tn("codes.done", total, { total, activated: commission ? tn("codes.activated", total) : "" }));
  }
}

// ---- shipments (producer and seller)

// A unit's shipments (direction "in" or "out"; query "&pending=true" for those still on their
// way, "&order=newest" for the newest first) as the table id in box, SHIPMENT_PAGE at a time in
// shipping order or the reverse (pagedTable).
function shipments(box, direction, query, id, head, row, empty) {
  return pagedTable(box, `/api/v1/shipments?direction=${direction}${query}`, "shipments", id, head, row, empty,
    SHIPMENT_PAGE);
}

// What this unit shipped, newest first: a distributor looks for today's, not last year's.
function loadOutgoing() {
  return shipments($("out-list"), "out", "&order=newest", "out-table", ["col.shipment", "col.to", "col.count", "col.state"],
    (s) => tableRow([`#${s.id}`, s.to_name, String(s.codes.length), shipmentState(s)]),
    "ship.none");
}

function shipmentState(s) {
  return t(s.cancelled ? "state.cancelled" : s.received ? "state.received" : "state.on_way");
}

async function ship(ev) {
  ev.preventDefault();
  const codes = codeList($("s-codes").value);
  if (!codes.length) return tell("message", () => t("codes.empty"), "warn");
  const v = (id) => $(id).value.trim();
  const buyer = { uscc: v("s-uscc"), name: v("s-name") };
  if (v("s-address")) buyer.address = v("s-address");
  if (v("s-contact")) buyer.contact = { value: v("s-contact"), public: $("s-contact-public").checked };
  const ok = await eventJob("ship", codes, "ship.progress", (part) => ({ type: "ship", codes: part, buyer }));
  await loadOutgoing();
  if (ok) {
    jobDone("ship", () => tn("ship.done", codes.length, { total: codes.length }));
    $("s-codes").value = "";
  }
}

// ---- seller: 查验, purchases, sales, ledger file

async function check(ev) {
  ev.preventDefault();
  const codes = codeList($("k-codes").value);
  if (!codes.length) return tell("message", () => t("codes.empty"), "warn");
  const supplier = $("k-supplier").value.trim();
  const results = [];
  $("check-result").replaceChildren();
  checked = null;
  const ok = await job("check", codes.length, CHECK_CALL, "check.progress", async (at, n) => {
    const res = await call("POST", "/api/v1/verify", { supplier, codes: codes.slice(at, at + n) });
    if (res.status === 201) results.push(...res.data.results);
    return res;
  });
  if (ok || results.length) drawChecks(results);
}

function drawChecks(results) {
  checked = results;
  const counts = { genuine: 0, warning: 0, suspect: 0 };
  results.forEach((r) => counts[r.verdict]++);
  const kind = counts.suspect ? "bad" : counts.warning ? "warn" : "good";
  const advice = counts.suspect ? "check.suspect" : counts.warning ? "check.warning" : "check.all_good";
  $("check-result").replaceChildren(
    alertBox(kind, [el("strong", {}, tn("check.summary", results.length,
      { total: results.length, ...counts, attention: tn("check.attention", counts.warning, { n: counts.warning }) })), t(advice)]),
    el("ol", { id: "check-list", class: "checks" },
      results.map((r) =>
        el("li", { "data-verdict": r.verdict },
          el("p", {},
            el("span", { class: `verdict ${r.verdict}` }, t(`verdict.${r.verdict}`)), " ",
            el("span", { class: "code" }, r.code)),
          r.reasons.map((why) =>
            el("p", { "data-kind": why.kind }, t(`reason.${why.kind}`), " ",
              el("span", { class: "muted" }, reasonDetail(why))))))),
  );
}

// What a reason adds to its words: the facts of a platform warning in the reader's language;
// for the check's own findings, the message, which names the units and records involved.
const FINDINGS = ["sold", "supplier_not_holder", "received_elsewhere", "cloned", "not_commissioned"];
function reasonDetail(why) {
  return warningFacts(why) || (FINDINGS.includes(why.kind) ? why.message : "");
}

// What awaits receipt, unless the seller asks for every shipment it was sent: a busy shop
// does not page through months of received goods to find today's.
function loadIncoming() {
  const all = $("in-all").checked;
  return shipments($("in-list"), "in", all ? "" : "&pending=true", "in-table",
    ["col.shipment", "col.from", "col.count", "col.state"], incomingRow, all ? "receive.none" : "receive.none_pending");
}

// A shipment to this unit: its state, or the button that receives it.
function incomingRow(s) {
  const tr = tableRow([
    `#${s.id}`, s.from_name, String(s.codes.length),
    s.received || s.cancelled
      ? shipmentState(s)
      : el("button", {
        type: "button", class: "small", "aria-label": `${t("receive.go")} #${s.id}`,
        onclick: (ev) => receive(s, tr, ev.currentTarget),
      }, t("receive.go")),
  ]);
  return tr;
}

// The row tr is redrawn where it stands (perhaps pages down the list) from the shipment as it
// now is, so the list does not jump back to its first page; the list's kept answer gets it too,
// for a switch of language.
async function receive(s, tr, button) {
  button.disabled = true;
  const res = await call("POST", "/api/v1/events", { events: [{ type: "receive", shipment: s.id, codes: s.codes }] });
  const now = await call("GET", `/api/v1/shipments/${s.id}`);
  if (now.status === 200) tr.replaceWith(incomingRow(Object.assign(s, now.data)));
  else button.disabled = false;
  if (res.status !== 201) tell("receive-status", () => errorText(res), "bad");
  else tell("receive-status", () => tn("receive.done", s.codes.length, { id: s.id, count: s.codes.length }));
}

async function sell(ev) {
  ev.preventDefault();
  const codes = codeList($("r-codes").value);
  if (!codes.length) return tell("message", () => t("codes.empty"), "warn");
  const customer = $("r-customer").value.trim();
  const open = $("r-public").checked;
  const ok = await eventJob("sell", codes, "sell.progress", (part) => {
    const e = { type: "retail", codes: part, public: open };
    if (customer) e.buyer = { name: { value: customer, public: false } };
    return e;
  });
  if (ok) {
    jobDone("sell", () => tn("sell.done", codes.length, { total: codes.length }));
    $("r-codes").value = "";
  }
}

const TEMPLATE =
  "\ufeff类型,追溯码,日期,供货单位统一社会信用代码,供货单位名称,发货单号,购货单位统一社会信用代码,购货单位名称,客户名称\r\n";

// The file goes up with XMLHttpRequest, which reports upload progress (fetch does not).
function uploadLedger(ev) {
  ev.preventDefault();
  const file = $("l-file").files[0];
  const { bar, doing } = jobBox("ledger");
  jobDone("ledger", null);
  $("ledger-result").replaceChildren();
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/v1/events/csv");
  xhr.setRequestHeader("Authorization", `Bearer ${token}`);
  xhr.setRequestHeader("Content-Type", "text/csv; charset=utf-8");
  xhr.setRequestHeader("Accept", "application/json");
  xhr.upload.onprogress = (e) => {
    bar.max = e.total || 1;
    bar.value = e.loaded;
    doing.textContent =
      e.loaded < e.total ? t("ledger.uploading", { done: Math.ceil(e.loaded / 1024), total: Math.ceil(e.total / 1024) })
        : t("ledger.checking");
  };
  xhr.onerror = () => jobDone("ledger", () => t("err.network"), "bad");
  xhr.onload = () => {
    let data = null;
    try {
      data = JSON.parse(xhr.responseText);
    } catch (e) {
      /* not JSON: errorText falls back to the status */
    }
    bar.value = bar.max;
    if (xhr.status === 201) {
      jobDone("ledger", () => tn("ledger.done", data.accepted, { count: data.accepted, first: data.first_index }));
      $("ledger-form").reset();
      loadIncoming();
    } else if (xhr.status === 422 && data?.rows) {
      jobDone("ledger", () => t("ledger.refused", { message: data.error.message }), "bad");
      $("ledger-result").replaceChildren(el("div", { class: "scroll" }, el("table", { id: "ledger-rows" })));
      table("ledger-rows", ["col.row", "col.column", "col.message"],
        data.rows.map((r) => [String(r.row), r.column || "", r.message]), "");
    } else {
      jobDone("ledger", () => errorText({ status: xhr.status, data }), "bad");
    }
  };
  xhr.send(file);
}

// ---- start

applyWords();
// what is shown, drawn again in the other words: the lists stay on the pages they were on
languageSwitch($("lang"), () => {
  if (checked) drawChecks(checked);
  if (me) {
    drawTabs();
    drawSchemes();
  }
});
$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", signOut);
$("product-form").addEventListener("submit", registerProduct);
$("product-search").addEventListener("submit", findProducts);
$("product-all").addEventListener("click", () => {
  $("product-search").reset();
  return findProducts();
});
$("product-more").addEventListener("click", () => loadProducts(undefined, productsNext));
$("batch-form").addEventListener("submit", registerBatch);
$("b-product").addEventListener("change", drawBatches);
$("c-product").addEventListener("change", () => {
  tell("message", null);
  productChosen();
});
$("c-batch").addEventListener("change", batchChosen);
$("issue-form").addEventListener("submit", issueCodes);
$("ship-form").addEventListener("submit", ship);
$("check-form").addEventListener("submit", check);
$("sell-form").addEventListener("submit", sell);
$("in-all").addEventListener("change", loadIncoming);
$("ledger-form").addEventListener("submit", uploadLedger);
$("ledger-template").href = URL.createObjectURL(new Blob([TEMPLATE], { type: "text/csv" }));
scanner(
  { start: $("k-scan"), stop: $("k-scan-stop"), box: $("k-scanner"), video: $("k-video") },
  (code) => {
    const area = $("k-codes");
    if (!codeList(area.value).includes(code)) area.value = (area.value.trim() ? area.value.trim() + "\n" : "") + code;
  },
  (why) => tell("message", () => t("scan.denied", { why }), "warn"),
  true,
);
if (token) signIn();
