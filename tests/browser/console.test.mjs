// console.test.mjs — the enterprise console in headless Chromium: a producer signs in,
// registers a product and a batch, issues codes (a job in parts, with progress), saves a
// label that decodes back to the code, and ships; a seller checks suspect goods and sees why,
// receives, sells, and uploads a ledger file whose bad row is reported and records nothing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { accessibility, counted, ONE_AS_MANY, pageWeight, screenshot, seeded, session } from "./harness.mjs";

const s = session("supply_chain");

// The API as another client sees it (for checking what the page did, and for setting up).
async function http(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) headers["Content-Type"] = "application/json";
  const r = await fetch(s.srv.data.base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: r.status, data: await r.json() };
}
const publicStatus = async (code) => (await http("GET", `/api/v1/codes/${encodeURIComponent(code)}`)).data.status;

async function signIn(token, base = s.srv.data.base) {
  const { page } = s.b;
  await page.goto(base + "/static/qtrace.css"); // same origin, no script: sign out
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(base + "/console");
  await page.getByLabel("单位令牌").fill(token);
  await page.getByRole("button", { name: "登录", exact: true }).click();
}

test("a wrong token or a regulator's is refused with a clear message", async () => {
  const { page } = s.b;
  await signIn("qt_not-a-token");
  await page.locator("#message .alert.bad").waitFor();
  assert.match(await page.locator("#message").innerText(), /令牌不对或已失效/);
  assert.ok(await page.locator("#desk").isHidden());
  await signIn(s.srv.data.tokens.regulator);
  await page.locator("#message .alert.warn").waitFor();
  assert.match(await page.locator("#message").innerText(), /监管看板/);
  assert.equal(await page.locator('#message a[href="/dashboard"]').count(), 1);
  assert.ok(await page.locator("#desk").isHidden());
  assert.deepEqual(await accessibility(page), []);
});

test("a producer registers a product and batch, issues codes, saves a label and ships", async () => {
  const { page } = s.b;
  await signIn(s.srv.data.tokens.producer);
  await page.locator("#desk").waitFor();
  assert.match(await page.locator("#who").innerText(), /producer 有限公司 · 统一社会信用代码 91440300MA5W0001/);
  const tabs = await page.locator("#tabs button").allInnerTexts();
  assert.deepEqual(tabs, ["产品与批次", "赋码与标签", "发货"]);
  assert.match(await page.locator("#product-table").innerText(), /塑料绝缘控制电缆 KVV\s+KVV 4×1.5/);
  // light on a poor connection: under 200 KB as written, and gzipped on the way
  const weight = await pageWeight(page);
  assert.ok(weight.decoded > 30000 && weight.decoded < 200 * 1024, JSON.stringify(weight));
  assert.ok(weight.wire < weight.decoded / 2, JSON.stringify(weight));

  // a new product, then a batch with its inspection report (hashed in the page)
  await page.getByText("登记新产品").click();
  await page.getByLabel("产品名称").fill("聚氯乙烯绝缘电线 BV");
  await page.getByLabel("追溯清单中的产品").selectOption("wire-cable.plastic-control");
  await page.getByLabel("产品类型").fill("电线");
  await page.getByLabel("规格型号").fill("BV 2.5");
  await page.getByLabel("执行标准").fill("GB/T 5023.3-2008");
  await page.getByLabel("生产许可证编号").fill("XK06-014-00123");
  await page.getByRole("button", { name: "登记产品" }).click();
  await page.locator("#message .alert.good").waitFor();
  assert.match(await page.locator("#message").innerText(), /已登记产品“聚氯乙烯绝缘电线 BV”，账本记录 #\d+/);
  assert.match(await page.locator("#product-table").innerText(), /聚氯乙烯绝缘电线 BV/);

  const report = Buffer.from("出厂检验报告：合格 " + Date.now());
  await page.getByText("登记新批次").click();
  await page.getByLabel("批号").fill("BV-2511");
  await page.getByLabel("生产日期").fill("2025-06-01");
  await page.getByLabel("数量", { exact: true }).fill("3000");
  await page.getByLabel(/出厂检验报告/).setInputFiles({ name: "BV-2511 检验.pdf", mimeType: "application/pdf", buffer: report });
  await page.getByRole("button", { name: "登记批次" }).click();
  await page.getByText(/已登记批次 BV-2511/).waitFor();
  assert.match(await page.locator("#batch-table").innerText(), /BV-2511\s+2025-06-01\s+3000\s+BV-2511 检验.pdf/);
  const mine = await http("GET", "/api/v1/products", null, s.srv.data.tokens.producer);
  const product = mine.data.items.find((p) => p.name === "聚氯乙烯绝缘电线 BV");
  const batch = (await http("GET", `/api/v1/products/${product.id}/batches`)).data.items[0];
  assert.equal(batch.inspection_report.sha256, createHash("sha256").update(report).digest("hex"));
  await screenshot(page, "console-producer-batch");
  assert.deepEqual(await accessibility(page), []);

  // 2,500 codes: a job in three parts, each issued and activated
  await page.getByRole("button", { name: "赋码与标签" }).click();
  await page.getByLabel("批次", { exact: true }).selectOption(batch.id);
  await page.getByLabel("数量（一物一码）").fill("2500");
  await page.getByRole("button", { name: "发放追溯码" }).click();
  await page.getByText("已发放 2500 个追溯码并已激活。").waitFor({ timeout: 60000 });
  assert.equal(await page.locator("#issue-progress").evaluate((p) => `${p.value}/${p.max}`), "2500/2500");
  let issued = [];
  for (let after = ""; ; ) {
    const r = await http("GET", `/api/v1/codes?batch=${batch.id}&limit=1000${after}`, null, s.srv.data.tokens.producer);
    issued.push(...r.data.codes);
    if (!r.data.next) break;
    after = `&after=${encodeURIComponent(r.data.next)}`;
  }
  assert.equal(issued.length, 2500);
  assert.equal(await publicStatus(issued[2499]), "in_circulation");
  await page.locator("#code-list li").first().waitFor();
  assert.equal(await page.locator("#code-list li").count(), 50);
  assert.ok(await page.getByRole("button", { name: "更多" }).isVisible());
  assert.match(await page.locator("#sheet-command").innerText(), new RegExp(`qtrace label .*--batch ${batch.id}`));

  // the first code's QR label, saved and read back by a barcode reader
  const code = await page.locator("#code-list li .code").first().innerText();
  assert.equal(code, issued[0]);
  await page.getByRole("button", { name: `SVG 标签：${code}` }).click();
  await page.locator("#label-preview img").waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByText("保存标签文件").click()]);
  assert.match(download.suggestedFilename(), /-qr\.svg$/);
  const dir = mkdtempSync(join(tmpdir(), "qtrace-console-"));
  await download.saveAs(join(dir, "label.svg"));
  assert.match(readFileSync(join(dir, "label.svg"), "utf8"), /^<\?xml|<svg/);
  execFileSync("rsvg-convert", ["-z", "4", "-b", "white", "-o", join(dir, "label.png"), join(dir, "label.svg")]);
  const read = execFileSync("zbarimg", ["--raw", "-q", join(dir, "label.png")], { encoding: "utf8" }).trim();
  assert.equal(read, `${s.srv.data.base}/${code}`);
  await screenshot(page, "console-producer-label");
  assert.deepEqual(await accessibility(page), []);

  // two of them shipped to the shop
  await page.getByRole("button", { name: "发货", exact: true }).click();
  await page.getByLabel(/追溯码（每行一个/).locator("visible=true").fill(`${issued[0]}\n${issued[1]}`);
  await page.getByLabel("购货单位统一社会信用代码").fill(s.srv.data.ids.shop);
  await page.getByLabel("购货单位名称").fill("朝阳五金店");
  await page.getByLabel("购货单位联系方式").fill("010-87654321");
  await page.getByRole("button", { name: "登记发货" }).click();
  await page.getByText("已登记发货 2 件").waitFor();
  const out = await page.locator("#out-table tbody tr").first().innerText(); // newest first
  assert.match(out, /朝阳五金店\s+2\s+在途/);
  const incoming = await http("GET", "/api/v1/shipments?direction=in", null, s.srv.data.tokens.shop);
  const shipment = incoming.data.shipments.find((x) => x.codes.includes(issued[0]));
  assert.deepEqual(shipment.codes, [issued[0], issued[1]]);
  assert.equal(shipment.received, false);
  // the contact was left unticked, so it is sealed: not in the public view
  const view = await http("GET", `/api/v1/codes/${encodeURIComponent(issued[0])}`);
  assert.doesNotMatch(JSON.stringify(view.data), /010-87654321/);
  await screenshot(page, "console-producer-shipped");
  assert.deepEqual(await accessibility(page), []);
  assert.deepEqual(s.b.errors, []);
});

test("a seller checks suspect goods and sees why", async (t) => {
  const { page } = s.b;
  const { codes, ids } = s.srv.data;
  await signIn(s.srv.data.tokens.shop);
  await page.locator("#desk").waitFor();
  assert.deepEqual(await page.locator("#tabs button").allInnerTexts(), ["进货查验", "进货", "销售", "发货", "台账导入"]);
  const before = await Promise.all([codes.sold, codes.fresh, codes.recalled].map(publicStatus));
  await page.getByLabel("供货单位统一社会信用代码").fill(ids.producer);
  await page.locator("#k-codes").fill(`${codes.sold}\n${codes.fresh}\n${codes.recalled}`);
  await page.getByRole("button", { name: "查验", exact: true }).click();
  await page.locator("#check-list").waitFor();
  await screenshot(page, "console-seller-check");
  assert.match(await page.locator("#check-result .alert.bad").innerText(),
    /共查验 3 件：1 件正常，1 件需注意，1 件可疑。[\s\S]*不要收货/);
  const row = (code) => page.locator("#check-list li").filter({ hasText: code });
  assert.equal(await row(codes.sold).getAttribute("data-verdict"), "suspect");
  assert.match(await row(codes.sold).innerText(), /可疑[\s\S]*这件货已经卖给了消费者/);
  assert.equal(await row(codes.sold).locator('[data-kind="sold"]').count(), 1);
  assert.equal(await row(codes.fresh).getAttribute("data-verdict"), "genuine");
  assert.equal(await row(codes.recalled).getAttribute("data-verdict"), "warning");
  assert.match(await row(codes.recalled).innerText(), /该产品已被召回/);
  // the checks are recorded for the regulators; no code changed state
  const checks = await http("GET", "/api/v1/checks", null, s.srv.data.tokens.shop);
  assert.deepEqual(checks.data.checks.map((c) => c.verdict).slice(-3), ["suspect", "genuine", "warning"]);
  assert.deepEqual(await Promise.all([codes.sold, codes.fresh, codes.recalled].map(publicStatus)), before);
  assert.deepEqual(await accessibility(page), []);

  // the results, read in English after a switch of language, say so in English
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  await page.getByRole("button", { name: "English" }).click();
  assert.match(await page.locator("#check-result .alert.bad").innerText(),
    /^Checked 3 items: 1 fine, 1 needs attention, 1 suspect\.\s*Suspect goods: do not take them in/);
  assert.doesNotMatch(await page.locator("body").innerText(), ONE_AS_MANY);
  // (several in need of attention, and one item checked, in the same words)
  assert.deepEqual(await counted(page, [
    ["check.attention", 2, { n: 2 }],
    ["check.summary", 1, { total: 1, genuine: 0, attention: "1 needs attention", suspect: 0 }],
  ]), ["2 need attention", "Checked 1 item: 0 fine, 1 needs attention, 0 suspect."]);
  assert.match(await row(codes.sold).innerText(), /suspect[\s\S]*already sold to a consumer/);
  assert.match(await row(codes.recalled).innerText(), /attention[\s\S]*The product has been recalled/);
  await page.getByRole("button", { name: "中文" }).click();
  assert.match(await page.locator("#check-result .alert.bad").innerText(), /^共查验 3 件/);
  assert.deepEqual(s.b.errors, []);
});

test("a seller receives, sells, and a bad ledger file is reported row by row and records nothing", async () => {
  const { page } = s.b;
  const { codes, ids, tokens } = s.srv.data;
  const shipped = await http("POST", "/api/v1/events", {
    events: [{ type: "ship", codes: [codes.fresh], buyer: { uscc: ids.shop, name: "朝阳五金店" } }],
  }, tokens.producer);
  assert.equal(shipped.status, 201);
  await signIn(tokens.shop);
  await page.locator("#desk").waitFor();

  await page.getByRole("button", { name: "进货", exact: true }).click();
  const id = shipped.data.first_index;
  await page.getByRole("button", { name: `确认收货 #${id}` }).click();
  await page.getByText(`已确认收货：发货单 #${id}，1 件。`).waitFor();
  assert.match(await page.locator("#in-table").innerText(), new RegExp(`#${id}\\s+producer 有限公司\\s+1\\s+已收货`));
  // listed again, the goods received are not among those awaiting receipt; asked for, they are
  await page.getByRole("button", { name: "销售", exact: true }).click();
  await page.getByRole("button", { name: "进货", exact: true }).click();
  await page.getByLabel("也显示已收货、已取消的发货单").check();
  const received = page.locator("#in-table tbody tr").filter({ hasText: `#${id}` });
  await received.waitFor();
  assert.match(await received.innerText(), /已收货/);
  await page.getByLabel("也显示已收货、已取消的发货单").uncheck();
  await received.waitFor({ state: "detached" });
  for (const state of await page.locator("#in-table tbody tr td:last-child").allInnerTexts())
    assert.equal(state, "确认收货");

  await page.getByRole("button", { name: "销售", exact: true }).click();
  await page.locator("#r-codes").fill(codes.fresh);
  await page.getByRole("button", { name: "登记销售" }).click();
  await page.getByText("已登记销售 1 件。").waitFor();
  assert.equal(await publicStatus(codes.fresh), "sold");

  // a ledger with one good row and one unknown code: the bad row is named, nothing recorded
  await page.getByRole("button", { name: "台账导入" }).click();
  const [template] = await Promise.all([page.waitForEvent("download"), page.getByText("下载台账模板").click()]);
  assert.equal(template.suggestedFilename(), "台账模板.csv");
  const head = readFileSync(await template.path(), "utf8");
  assert.match(head, /^\ufeff类型,追溯码,日期/);
  const bad = `${head.trim()}\r\n售出,${codes.at_shop},2026/11/15 10:00,,,,,,\r\n售出,T777777777777777777R,2026/11/15 10:05,,,,,,\r\n`;
  await page.getByLabel("台账文件（CSV）").setInputFiles({ name: "台账.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await page.getByRole("button", { name: "上传台账" }).click();
  await page.locator("#ledger-rows").waitFor();
  await screenshot(page, "console-seller-ledger-refused");
  assert.match(await page.locator("#ledger-status").innerText(), /1 of 2 rows were refused; nothing was recorded。请改正/);
  const rows = await page.locator("#ledger-rows tbody tr").allInnerTexts();
  assert.equal(rows.length, 1);
  assert.match(rows[0], /^3\s[\s\S]*T777777777777777777R[\s\S]*never issued/);
  assert.equal(await publicStatus(codes.at_shop), "in_circulation");
  assert.deepEqual(await accessibility(page), []);

  const good = `${head.trim()}\r\n售出,${codes.at_shop},2026/11/15 10:00,,,,,,\r\n`;
  await page.getByLabel("台账文件（CSV）").setInputFiles({ name: "台账.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await page.getByRole("button", { name: "上传台账" }).click();
  await page.getByText(/台账已记录：1 行，账本记录 #\d+ 起。/).waitFor();
  assert.equal(await page.locator("#ledger-progress").evaluate((p) => p.value === p.max && p.max > 0), true);
  assert.equal(await publicStatus(codes.at_shop), "sold");
  await screenshot(page, "console-seller-ledger");
  assert.deepEqual(await accessibility(page), []);
  assert.deepEqual(s.b.errors, []);
});

test("a label that cannot be made takes the last one's preview away", async (t) => {
  const { page } = s.b;
  const { batch, product, tokens } = s.srv.data;
  await signIn(tokens.producer);
  await page.locator("#desk").waitFor();
  await page.getByRole("button", { name: "赋码与标签" }).click();
  // a product, then one of its batches
  await page.locator("#codes").getByLabel("产品", { exact: true }).selectOption(product);
  await page.getByLabel("批次", { exact: true }).selectOption(batch);
  // the batch's codes come from the server: wait for them (a slow build shows them late)
  await page.locator("#code-list li .code").nth(1).waitFor();
  const [first, second] = await page.locator("#code-list li .code").allInnerTexts();
  await page.getByRole("button", { name: `PNG 标签：${first}` }).click();
  await page.locator("#label-preview img").waitFor();
  assert.match(await page.locator("#label-save").getAttribute("href"), /^blob:/);
  // a digital identity code has no GS1 element string for a GS1-128 symbol: refused
  await page.getByLabel("标签码制").selectOption("gs1-128");
  await page.getByRole("button", { name: `PNG 标签：${second}` }).click();
  await page.locator("#message .alert.bad").waitFor();
  // a Chinese page says what kind of refusal it is in Chinese, then the server's particulars
  const refusal = /a gs1-128 symbol carries a GS1 element string; \S+ is a dic code \(use symbology qr\)/;
  assert.match(await page.locator("#message").innerText(), new RegExp(`^提交的内容有误，请核对：${refusal.source}$`));
  // the first code's label is neither shown nor saveable as if it were the second's
  assert.ok(await page.locator("#label-preview").isHidden());
  assert.equal(await page.locator("#label-img").getAttribute("src"), null);
  assert.equal(await page.locator("#label-save").getAttribute("href"), null);
  await screenshot(page, "console-producer-label-refused");
  assert.deepEqual(await accessibility(page), []);

  // in English, the server's message alone: the refusal shown is worded again on the switch,
  // and so is the next one
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  await page.getByRole("button", { name: "English" }).click();
  assert.match(await page.locator("#message").innerText(), new RegExp(`^${refusal.source}$`));
  await page.getByRole("button", { name: `PNG label: ${second}` }).click();
  await page.locator("#message .alert.bad").waitFor();
  assert.match(await page.locator("#message").innerText(), new RegExp(`^${refusal.source}$`));
  await page.getByRole("button", { name: "中文" }).click();
  assert.deepEqual(s.b.errors, []);
});

test("what the console has said is said again in the language switched to", async (t) => {
  const { page } = s.b;
  const { batch, product, tokens } = s.srv.data;
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  // the status line: a refused token
  await signIn("qt_not-a-token");
  await page.locator("#message .alert.bad").waitFor();
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.locator("#message").innerText(), "The token is wrong or no longer valid. Check it and try again.");
  await page.getByRole("button", { name: "中文" }).click();
  assert.equal(await page.locator("#message").innerText(), "令牌不对或已失效，请核对后重试。");

  // a job's outcome, and a warning on the status line
  await page.getByLabel("单位令牌").fill(tokens.producer);
  await page.getByRole("button", { name: "登录", exact: true }).click();
  await page.locator("#desk").waitFor();
  await page.getByRole("button", { name: "赋码与标签" }).click();
  await page.locator("#codes").getByLabel("产品", { exact: true }).selectOption(product);
  await page.getByLabel("批次", { exact: true }).selectOption(batch);
  await page.getByLabel("数量（一物一码）").fill("1");
  await page.getByRole("button", { name: "发放追溯码" }).click();
  await page.locator("#issue-status").getByText("已发放 1 个追溯码并已激活。").waitFor();
  await page.getByRole("button", { name: "发货", exact: true }).click();
  await page.getByLabel(/追溯码（每行一个/).locator("visible=true").fill("，");
  await page.getByLabel("购货单位统一社会信用代码").fill(s.srv.data.ids.shop);
  await page.getByLabel("购货单位名称").fill("朝阳五金店");
  await page.getByRole("button", { name: "登记发货" }).click();
  await page.locator("#message").getByText("请输入至少一个追溯码。").waitFor();
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.locator("#message").innerText(), "Enter at least one trace code.");
  // one code is one code in English
  assert.equal(await page.locator("#issue-status").innerText(), "Issued 1 code and activated it.");
  await screenshot(page, "console-messages-english");
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "中文" }).click();
  assert.equal(await page.locator("#message").innerText(), "请输入至少一个追溯码。");
  assert.deepEqual(s.b.errors, []);
});

test("a producer finds its products by part of a Chinese name, in the table and both choices", async (t) => {
  const { page } = s.b;
  const { tokens } = s.srv.data;
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  const made = {};
  for (const [name, model] of [["橡套软电缆 YZ", "YZ 3×2.5"], ["橡套软电缆 YC", "YC 3×4"], ["聚氯乙烯护套电缆 RVV", "RVV 2×1"]]) {
    const r = await http("POST", "/api/v1/products", {
      name, model, catalog_unit: "wire-cable.plastic-control", type: "电缆", standard: "GB/T 5013.4-2008",
      licence_no: "XK06-014-00123", schemes: ["dic"],
    }, tokens.producer);
    assert.equal(r.status, 201, JSON.stringify(r.data));
    made[model] = r.data.product.id;
  }
  const searches = []; // what each product list the page asked for searched
  const seen = (r) => new URL(r.url()).pathname === "/api/v1/products" && searches.push(new URL(r.url()).searchParams.get("q"));
  await signIn(tokens.producer);
  await page.locator("#desk").waitFor();
  const rows = page.locator("#product-table tbody tr");
  await rows.filter({ hasText: "RVV 2×1" }).waitFor();
  assert.ok(await rows.count() >= 4);
  page.on("request", seen);
  t.after(() => page.off("request", seen));

  // part of the Chinese name: the two products that hold it, and no other, in the table and
  // in both panes' choices; the server searched
  const all = page.getByRole("button", { name: "全部产品" });
  await page.getByLabel("查找产品").fill("软电缆");
  await page.getByRole("button", { name: "查找", exact: true }).click();
  await all.waitFor();
  const listed = (await rows.allInnerTexts()).sort();
  assert.equal(listed.length, 2);
  assert.match(listed[0], /^橡套软电缆 YC\s+YC 3×4\s/);
  assert.match(listed[1], /^橡套软电缆 YZ\s+YZ 3×2.5\s/);
  const choices = (pane) => page.locator(`#${pane}`).getByLabel("产品", { exact: true }).locator("option").allInnerTexts();
  assert.deepEqual((await choices("products")).sort(), ["橡套软电缆 YC YC 3×4", "橡套软电缆 YZ YZ 3×2.5"]);
  assert.deepEqual(searches, ["软电缆"]);
  assert.ok(await page.getByRole("button", { name: "继续查找更多产品" }).isHidden(), "every product was looked at");
  await screenshot(page, "console-product-search");
  assert.deepEqual(await accessibility(page), []);
  // the codes pane chooses among them too, and says so
  await page.getByRole("button", { name: "赋码与标签" }).click();
  assert.deepEqual((await choices("codes")).sort(), ["橡套软电缆 YC YC 3×4", "橡套软电缆 YZ YZ 3×2.5"]);
  assert.equal(await page.locator("#c-product-note").innerText(),
    "这里只列出查找“软电缆”找到的产品；在“产品与批次”中点“全部产品”可列出全部。");
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.locator("#c-product-note").innerText(),
    "Only the products found for “软电缆” are listed here; “All products” under “Products and batches” lists every one.");
  await page.getByRole("button", { name: "Products and batches" }).click();
  assert.equal(await page.getByLabel("Find products").inputValue(), "软电缆");
  assert.equal(await rows.count(), 2);
  await page.getByRole("button", { name: "中文" }).click();

  // a model typed in full-width letters, as a Chinese keyboard may; then nothing found
  await page.getByLabel("查找产品").fill("ｒｖｖ");
  await page.getByRole("button", { name: "查找", exact: true }).click();
  await rows.filter({ hasText: "RVV 2×1" }).waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await page.locator("#products").getByLabel("产品", { exact: true }).inputValue(), made["RVV 2×1"]);
  await page.getByLabel("查找产品").fill("没有这种产品");
  await page.getByRole("button", { name: "查找", exact: true }).click();
  await page.locator("#product-table caption", { hasText: "没有名称、型号或商品条码含所查文字的产品。" }).waitFor();
  assert.equal(await rows.count(), 0);

  // all of them again
  await all.click();
  await all.waitFor({ state: "hidden" });
  assert.ok(await rows.count() >= 4);
  assert.equal(await page.getByLabel("查找产品").inputValue(), "");
  assert.equal(await page.locator("#c-product-note").innerText(), "");
  assert.deepEqual(searches, ["软电缆", "ｒｖｖ", "没有这种产品", null]);
  assert.deepEqual(s.b.errors, []);
});

// Presses the list's "more" until target is on the page, waiting for each page to come.
async function moreUntil(list, target) {
  const rows = list.locator("tbody tr");
  while (!(await target.count())) {
    const shown = await rows.count();
    await list.getByRole("button", { name: "加载更多" }).click();
    await rows.nth(shown).waitFor();
  }
}

test("past a page of shipments, a seller finds the newest and receives it; its shipper sees it", async (t) => {
  const { page } = s.b;
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  const { product, ids, tokens } = s.srv.data;
  // 201 shipments of one code each to the shop: more than a page, and than the 200 the
  // console once asked for (and all it showed)
  const batch = await http("POST", "/api/v1/batches", {
    product, batch_no: "L2026-MANY", production_date: "2026-11-02", quantity: 201,
    inspection_report: { sha256: "cd".repeat(32), name: "出厂检验.pdf" },
  }, tokens.producer);
  assert.equal(batch.status, 201);
  const issued = await http("POST", "/api/v1/codes",
    { batch: batch.data.batch.id, granularity: "item", scheme: "dic", count: 201 }, tokens.producer);
  assert.equal(issued.status, 201);
  const codes = issued.data.codes;
  const events = [];
  for (let i = 0; i < codes.length; i += 63) events.push({ type: "commission", codes: codes.slice(i, i + 63) });
  const commissions = events.length;
  events.push(...codes.map((c) => ({ type: "ship", codes: [c], buyer: { uscc: ids.shop, name: "朝阳五金店" } })));
  const shipped = await http("POST", "/api/v1/events", { events }, tokens.producer);
  assert.equal(shipped.status, 201);
  const newest = shipped.data.first_index + commissions + codes.length - 1;

  await signIn(tokens.shop);
  await page.locator("#desk").waitFor();
  await page.getByRole("button", { name: "进货", exact: true }).click();
  const receiveNewest = page.getByRole("button", { name: `确认收货 #${newest}` });
  const more = page.locator("#in-list").getByRole("button", { name: "加载更多" });
  await more.waitFor();
  assert.equal(await receiveNewest.count(), 0, "the first page is the oldest shipments");
  await moreUntil(page.locator("#in-list"), receiveNewest);
  await receiveNewest.click();
  await page.getByText(`已确认收货：发货单 #${newest}，1 件。`).waitFor();
  // the row says so where it stands, pages down the list
  const row = page.locator("#in-table tbody tr").filter({ hasText: `#${newest}` });
  assert.match(await row.innerText(), new RegExp(`#${newest}\\s+producer 有限公司\\s+1\\s+已收货`));
  assert.ok(await more.isHidden(), "the last page has no more");
  // a switch of language words the list again where it is: every page shown stays, the row
  // received as it now is, and nothing is asked of the server again
  const rows = page.locator("#in-table tbody tr");
  const listed = await rows.count();
  assert.ok(listed > 100, `past the first page: ${listed} rows`);
  const asked = [];
  const ask = (r) => new URL(r.url()).pathname.startsWith("/api/") && asked.push(r.url());
  page.on("request", ask);
  await page.getByRole("button", { name: "English" }).click();
  await page.locator("#in-table thead th", { hasText: "Shipment" }).waitFor();
  assert.equal(await rows.count(), listed);
  assert.match(await row.innerText(), new RegExp(`#${newest}\\s+producer 有限公司\\s+1\\s+received`));
  assert.equal(await page.getByRole("button", { name: "Confirm receipt #" + (newest - 1) }).count(), 1);
  await page.getByRole("button", { name: "中文" }).click();
  await page.locator("#in-table thead th", { hasText: "发货单号" }).waitFor();
  assert.equal(await rows.count(), listed);
  assert.match(await row.innerText(), new RegExp(`#${newest}\\s+producer 有限公司\\s+1\\s+已收货`));
  page.off("request", ask);
  assert.deepEqual(asked, []);
  const shipment = await http("GET", `/api/v1/shipments/${newest}`, null, tokens.shop);
  assert.equal(shipment.data.received, true);
  assert.equal(await publicStatus(codes.at(-1)), "in_circulation");
  await screenshot(page, "console-seller-many-shipments");
  assert.deepEqual(await accessibility(page), []);

  // the producer's list of what it shipped starts from the newest, and pages back to the first
  await signIn(tokens.producer);
  await page.locator("#desk").waitFor();
  await page.getByRole("button", { name: "发货", exact: true }).click();
  const sent = page.locator("#out-table tbody tr").first();
  await page.locator("#out-list").getByRole("button", { name: "加载更多" }).waitFor();
  assert.match(await sent.innerText(), new RegExp(`#${newest}\\s+朝阳五金店\\s+1\\s+已收货`));
  const first = shipped.data.first_index + commissions;
  const oldest = page.locator("#out-table tbody tr").filter({ hasText: new RegExp(`#${first}\\b`) });
  assert.equal(await oldest.count(), 0, "the first page is the newest shipments");
  await moreUntil(page.locator("#out-list"), oldest);
  assert.deepEqual(s.b.errors, []);
});

test("a producer reaches every product, and every batch of one with a batch a day for years", async (t) => {
  const { page } = s.b;
  // a server of its own: 1,001 products and 1,001 batches of the one on the API's second page
  const big = await seeded("many_batches");
  t.after(() => big.stop());
  const { product, batch, newest, tokens } = big.data;
  await signIn(tokens.bigmaker, big.data.base);
  await page.locator("#desk").waitFor();
  await page.locator("#product-table tbody tr").nth(big.data.products - 1).waitFor();
  assert.equal(await page.locator("#product-table tbody tr").count(), big.data.products);

  // a search that finds every product: a hundred at a time, a hundred more on asking
  const found = page.locator("#product-table tbody tr");
  const more = page.getByRole("button", { name: "继续查找更多产品" });
  await page.getByLabel("查找产品").fill("控制电缆");
  await page.getByRole("button", { name: "查找", exact: true }).click();
  await more.waitFor();
  assert.equal(await found.count(), 100);
  await more.click();
  await found.nth(199).waitFor();
  assert.equal(await found.count(), 200);
  assert.ok(await more.isVisible());
  // one model among them, typed in lower case
  await page.getByLabel("查找产品").fill(product.model.toLowerCase());
  await page.getByRole("button", { name: "查找", exact: true }).click();
  await more.waitFor({ state: "hidden" });
  assert.equal(await found.count(), 1);
  assert.match(await found.first().innerText(), new RegExp(`^塑料绝缘控制电缆 KVV\\s+${product.model}\\s`));
  await page.getByRole("button", { name: "全部产品" }).click();
  await found.nth(big.data.products - 1).waitFor();

  // the batch pane: the product, then its batches newest first a page at a time, to the
  // oldest on the API's last page
  await page.locator("#products").getByLabel("产品", { exact: true }).selectOption(product.id);
  const list = page.locator("#batch-list");
  const rows = list.locator("#batch-table tbody tr");
  await list.getByRole("button", { name: "加载更多" }).waitFor();
  assert.ok(await rows.count() < big.data.batches, "one page at first, not every batch");
  assert.match(await rows.first().innerText(), new RegExp(`^${newest}\\s`));
  const last = rows.filter({ hasText: batch.batch_no });
  await moreUntil(list, last);
  assert.match(await last.innerText(), new RegExp(`^${batch.batch_no}\\s+${batch.production_date}\\s+500\\s+出厂检验`));
  assert.equal(await rows.count(), big.data.batches);
  assert.match(await rows.last().innerText(), new RegExp(`^${batch.batch_no}\\s`));
  assert.deepEqual(await accessibility(page), []); // (no screenshot: a page of 2,000 rows takes seconds)

  // the codes pane: the product, then every one of its batches to choose from, newest first
  await page.getByRole("button", { name: "赋码与标签" }).click();
  await page.locator("#codes").getByLabel("产品", { exact: true }).selectOption(product.id);
  const choice = page.getByLabel("批次", { exact: true });
  await choice.locator(`option[value="${batch.id}"]`).waitFor({ state: "attached" });
  assert.equal(await choice.locator("option").count(), big.data.batches);
  assert.match(await choice.locator("option").first().innerText(), new RegExp(`^${newest} · `));
  assert.match(await choice.locator("option").last().innerText(), new RegExp(`^${batch.batch_no} · `));
  await choice.selectOption(batch.id);
  await page.locator("#code-list").getByText("这个批次还没有追溯码。").waitFor();
  assert.match(await page.locator("#sheet-command").innerText(), new RegExp(`--batch ${batch.id} `));
  assert.deepEqual(await accessibility(page), []);
  assert.deepEqual(s.b.errors, []);
});

test("a list too long to load whole says so, in either language", async (t) => {
  const { page } = s.b;
  const { tokens } = s.srv.data;
  // every page of products answered with a next: the console stops after 100 pages, and says
  // that what it lists is not all
  const products = (url) => url.pathname === "/api/v1/products";
  await page.route(products, async (route) => {
    try {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), next: "P~" } });
    } catch {
      /* the page moved on */
    }
  });
  t.after(async () => {
    await page.goto(s.srv.data.base + "/static/qtrace.css"); // nothing of the console left running
    await page.unroute(products);
  });
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  const listed = (await http("GET", "/api/v1/products", null, tokens.producer)).data.items.length;
  await signIn(tokens.producer);
  const cut = page.locator("#product-cut .alert.warn");
  await cut.waitFor();
  assert.equal(await cut.innerText(), `列表太长，只列出了前 ${listed} 项，其余的没有列出。`);
  assert.equal(await page.locator("#product-table tbody tr").count(), listed);
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await cut.innerText(), `The list is too long: only the first ${listed} are listed, the rest are not.`);
  await page.getByRole("button", { name: "中文" }).click();
  assert.deepEqual(s.b.errors, []);
});
