// dashboard.test.mjs — the regulator's dashboard in headless Chromium, on the regulator_desk
// scenario: the overview's figures are the seeded ones; a regulator opens a recall and follows
// its progress as the holder reports returns; every list shows what was seeded, its products,
// batches, producers and units by name with their ids, in both languages; a wrong token or a
// non-regulator gets a plain error and nothing else. At 360 px and at 1280 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { accessibility, browse, counted, ONE_AS_MANY, pageWeight, screenshot, seeded } from "./harness.mjs";

let srv, phone, wide;
before(async () => {
  srv = await seeded("regulator_desk");
  phone = await browse();
  wide = await browse(1280, 900);
});
after(async () => {
  await phone?.browser.close();
  await wide?.browser.close();
  await srv?.stop();
});

async function signIn(page, token) {
  await page.goto(srv.data.base + "/dashboard");
  await page.getByLabel("监管账户令牌").fill(token);
  await page.getByRole("button", { name: "登录" }).click();
}

// Opens the recall the form names, for reason; its id, once its impact report shows.
async function openRecall(page, reason) {
  await page.getByLabel("召回原因").fill(reason);
  await page.getByRole("button", { name: "发起召回" }).click();
  const report = page.locator("#recall-report");
  await report.waitFor();
  return report.getAttribute("data-id");
}

// The rows of a table as arrays of cell texts, in order.
function cells(page, selector) {
  return page.locator(selector + " tbody tr").evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
}

// The rows of a table as arrays of cell texts, keyed by the first cell.
async function rows(page, selector) {
  return Object.fromEntries((await cells(page, selector)).map((r) => [r[0], r.slice(1)]));
}

test("the overview shows the jurisdiction's real figures", async () => {
  const { page, errors } = wide;
  await signIn(page, srv.data.tokens.regulator);
  await page.locator("#table-category").waitFor({ state: "attached" });
  await page.locator("#table-events").waitFor({ state: "attached" });
  await screenshot(page, "dashboard-overview");
  assert.match(await page.locator("#who").innerText(), /广东省市场监督管理局 · 辖区：44/);
  // ten codes of the one cable product: six in the first batch, four in the second
  const codes = String(6 + srv.data.open_batch_codes.length);
  const byCategory = await rows(page, "#table-category");
  assert.deepEqual(byCategory["电线电缆"], [codes, "1"]);
  assert.deepEqual(byCategory["安全帽"], ["0", "0"]);
  // the province's one producer (the Beijing shop is outside Guangdong's jurisdiction)
  assert.deepEqual(await rows(page, "#table-region"), { 广东省: [codes, "1", "1", "1", "0"] });
  // three shipped to the shop from the first batch and two from the second; the rest at home
  assert.deepEqual(await rows(page, "#table-flow"), { 有流向记录: ["5"], 仍在生产企业: ["5"], 已赋码未激活: ["0"] });
  const events = Object.values(await rows(page, "#table-events")).map(([n]) => Number(n));
  assert.equal(events.length, 30);
  assert.ok(events.at(-1) > 0, "today's flow records are counted");
  assert.match(await page.locator("#chart-category").getAttribute("aria-label"), /电线电缆 追溯码 10，产品 1/);
  assert.match(await page.locator("#figures").innerText(), /50%（5 \/ 10 件已激活产品有流向记录）/);
  assert.match(await page.locator("#figures").innerText(), /风险预警 1 条 · 召回 0 起 · 投诉 1 件/);
  assert.equal(await page.locator(".charts canvas").count(), 4);
  // the chart library makes the page 316 KB as written; gzipped it goes in under 120 KB
  const weight = await pageWeight(page);
  assert.ok(weight.decoded > 200 * 1024 && weight.wire < 120 * 1024, JSON.stringify(weight));
  assert.deepEqual(await accessibility(page), []);
  assert.deepEqual(errors, []);
});

test("a regulator opens a recall and follows its progress", async () => {
  const { page, errors } = phone;
  const { open_batch: batch, open_batch_codes: codes, tokens } = srv.data;
  await signIn(page, tokens.regulator);
  await page.locator("#recalls-list .muted", { hasText: "辖区内暂无召回" }).waitFor();
  await page.getByLabel("召回范围").selectOption("batch");
  await page.getByLabel("批次或产品编号").fill(batch);
  const id = await openRecall(page, "绝缘层厚度不合格，存在漏电风险");
  assert.match(await page.locator("#recall-form-message").innerText(), new RegExp(`已发起召回 ${id}，涉及 4 件产品`));
  const totals = async () => Object.fromEntries(await page.locator("#recall-totals > div").evaluateAll((ds) =>
    ds.map((d) => [d.dataset.key, Number(d.querySelector("dd").textContent)])));
  assert.deepEqual(await totals(), { found: codes.length, sold: 0, returned: 0, destroyed: 0, outstanding: 4 });
  // two with the producer, two with the shop that received them
  const holders = await rows(page, "#recall-holders");
  assert.deepEqual(holders["producer 有限公司"], ["生产", "广东省（440300）", "2", "0", "0", "2"]);
  assert.deepEqual(holders["shop 有限公司"], ["流通", "北京市（110105）", "2", "0", "0", "2"]);
  assert.match(await page.locator("#recall-progress-text").innerText(), /已退回或销毁 0 \/ 4 件/);
  // the list names the batch, its product and the producer, each beside its id
  const listed = page.locator(`#recalls-list li[data-id="${id}"]`);
  await listed.waitFor();
  assert.match(await listed.innerText(), new RegExp(`批次 L2026-12 · 塑料绝缘控制电缆 KVV（${batch}）`));
  assert.match(await listed.innerText(), new RegExp(`producer 有限公司（${srv.data.ids.producer}）`));
  await screenshot(page, "dashboard-recall-opened");

  // the shop reports what it got back, as its own client would
  const res = await fetch(`${srv.data.base}/api/v1/recalls/${id}/progress`, {
    method: "POST",
    headers: { Authorization: "Bearer " + tokens.shop, "Content-Type": "application/json" },
    body: JSON.stringify({ codes: codes.slice(0, 2), action: "returned" }),
  });
  assert.equal(res.status, 200, await res.text());
  await page.getByRole("button", { name: "刷新进度" }).click();
  await page.locator("#recall-progress-text", { hasText: "已退回或销毁 2 / 4 件（50%）" }).waitFor();
  assert.equal(await page.locator("#recall-progress").evaluate((p) => [p.value, p.max].join("/")), "2/4");
  assert.deepEqual(await totals(), { found: 4, sold: 0, returned: 2, destroyed: 0, outstanding: 2 });
  assert.deepEqual((await rows(page, "#recall-holders"))["shop 有限公司"], ["流通", "北京市（110105）", "2", "2", "0", "0"]);
  await screenshot(page, "dashboard-recall-progress");
  assert.deepEqual(await accessibility(page), []);

  // and closes it with a note
  await page.getByLabel("结案说明").fill("已全部召回处理");
  await page.getByRole("button", { name: "结束召回" }).click();
  await page.locator("#recall-report .alert.good", { hasText: "召回已结束" }).waitFor();
  assert.match(await page.locator("#recall-report").innerText(), /已全部召回处理/);
  assert.deepEqual(errors, []);
});

test("warnings, samplings, complaints, draws and announcements list what was seeded", async () => {
  const { page, errors } = wide;
  const { ids, product, batch } = srv.data;
  const maker = `producer 有限公司（${ids.producer}）`;
  const cable = `塑料绝缘控制电缆 KVV（${product}）`;
  // the complaint acknowledged by the regulator, as its own client would
  const moved = await fetch(`${srv.data.base}/api/v1/complaints/${srv.data.complaint}`, {
    method: "POST",
    headers: { Authorization: "Bearer " + srv.data.tokens.regulator, "Content-Type": "application/json" },
    body: JSON.stringify({ state: "acknowledged", note: "已联系生产企业" }),
  });
  assert.equal(moved.status, 200, await moved.text());
  await page.goto(srv.data.base + "/dashboard"); // signed in still: the tab kept the token
  const warning = page.locator('#warnings-list li[data-rule="two_failed_samplings"]');
  await warning.waitFor();
  assert.match(await warning.innerText(), /两年内两次以上监督抽查不合格/);
  assert.match(await warning.innerText(), new RegExp(`生产企业\\s*${maker}`)); // the subject by name
  assert.match(await warning.innerText(), new RegExp(`产品\\s*${cable}`));
  assert.match(await warning.innerText(), /广东省（440300）/); // the region by name, then code
  // two samplings of one product and batch, each named
  for (const id of srv.data.samplings) {
    const text = await page.locator(`#samplings-list li[data-id="${id}"]`).innerText();
    assert.match(text, /不合格[\s\S]*绝缘厚度/);
    assert.match(text, new RegExp(`产品\\s*${cable}[\\s\\S]*批次\\s*L2026-11（${batch}）[\\s\\S]*生产企业\\s*${maker}`));
  }
  const complaint = await page.locator(`#complaints-list li[data-id="${srv.data.complaint}"]`).innerText();
  assert.match(complaint, /电缆外皮开裂，担心漏电/);
  assert.match(complaint, new RegExp(`产品\\s*塑料绝缘控制电缆 KVV[\\s\\S]*批号\\s*L2026-11[\\s\\S]*生产企业\\s*${maker}`));
  // its history names the regulator who moved it beside its id
  assert.match(complaint, /处理记录\s*\d{4}-\d\d-\d\d \d\d:\d\d 广东省市场监督管理局（regulator-\w+）：已确认，已联系生产企业/);
  const draw = page.locator(`#draws-list li[data-index="${srv.data.draw}"]`);
  assert.match(await draw.innerText(), new RegExp(srv.data.draw_seed));
  assert.match(await draw.innerText(), new RegExp(`qtrace draw verify --db qtrace.db --draw ${srv.data.draw}`));
  assert.match(await draw.innerText(), /抽取单位\s*广东省市场监督管理局（regulator-/);
  assert.match(await draw.innerText(), new RegExp(`抽中的检查对象\\s*${maker}`)); // Guangdong's one unit
  assert.match(await draw.innerText(), /抽中的检查机构\s*国家电线电缆质量检验检测中心（inspection-/);
  assert.match(await page.locator(`#announcements-list li[data-id="${srv.data.announcement}"]`).innerText(),
    /关于开展电线电缆产品质量监督抽查的通告/);
  assert.equal(await page.locator('#announcements-list li[data-kind="draw"]').count(), 1);
  await screenshot(page, "dashboard-lists");
  assert.deepEqual(await accessibility(page), []);

  // the regulator acknowledges the warning; the open filter then finds none
  await warning.getByLabel("处理说明").fill("已安排现场检查");
  await warning.getByRole("button", { name: "确认收到" }).click();
  await page.locator('#warnings-list li[data-rule="two_failed_samplings"] .alert.good').waitFor();
  assert.match(await page.locator('#warnings-list li[data-rule="two_failed_samplings"]').innerText(),
    /处理记录\s*\d{4}-\d\d-\d\d \d\d:\d\d 广东省市场监督管理局（regulator-\w+）：已确认，已安排现场检查/);
  await page.getByRole("button", { name: "筛选" }).click();
  await page.locator("#warnings-list .muted", { hasText: "没有符合条件的风险预警" }).waitFor();

  await page.getByRole("button", { name: "English" }).click();
  await page.locator("#warnings-title", { hasText: "Risk warnings" }).waitFor();
  await page.locator("#table-category").waitFor({ state: "attached" });
  // the names in English words, once the lists are drawn again in them
  const sampling = page.locator(`#samplings-list li[data-id="${srv.data.samplings[0]}"]`, { hasText: "Items tested" });
  assert.match(await sampling.innerText(),
    new RegExp(`Product\\s*塑料绝缘控制电缆 KVV \\(${product}\\)[\\s\\S]*Batch\\s*L2026-11 \\(${batch}\\)[\\s\\S]*Producer\\s*producer 有限公司 \\(${ids.producer}\\)`));
  assert.match(await page.locator(`#complaints-list li[data-id="${srv.data.complaint}"]`, { hasText: "Batch number" }).innerText(),
    /Product\s*塑料绝缘控制电缆 KVV[\s\S]*Batch number\s*L2026-11/);
  assert.match(await page.locator(`#draws-list li[data-index="${srv.data.draw}"]`, { hasText: "Bodies drawn" }).innerText(),
    /Bodies drawn\s*国家电线电缆质量检验检测中心 \(inspection-/);
  assert.match(await page.locator("#chart-category").getAttribute("aria-label"), /Trace codes by category: 电线电缆 Codes 10/);
  await screenshot(page, "dashboard-english");
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "中文" }).click(); // back, for the tests after
  assert.deepEqual(errors, []);
});

test("a wrong token or a non-regulator gets a plain error and nothing else", async () => {
  const { page, errors } = phone;
  await page.goto(srv.data.base + "/dashboard");
  await page.getByRole("button", { name: "退出登录" }).click(); // the tab still held the last token
  await page.getByLabel("监管账户令牌").fill("not-a-token");
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("#message .alert.bad").waitFor();
  assert.match(await page.locator("#message").innerText(), /令牌无效/);
  assert.ok(await page.locator("#desk").isHidden());
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await screenshot(page, "dashboard-wrong-token");
  assert.deepEqual(await accessibility(page), []);

  await page.getByLabel("监管账户令牌").fill(srv.data.tokens.producer);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("#message .alert.bad", { hasText: "不是监管部门账户" }).waitFor();
  assert.ok(await page.locator("#desk").isHidden());
  assert.equal(await page.locator("#overview-body *").count(), 0);
  // the failed sign-ins are answered 401 and refused in words, not as script errors
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
});

// Signs in with token whatever the tab held before. The tab's storage is cleared on a page of
// the same origin that runs no script: on the dashboard itself, a sign-in still under way with
// the old token (slow under the sanitizers) could store it again after the clear.
async function signInAfresh(page, token) {
  await page.goto(srv.data.base + "/static/qtrace.css");
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, token);
}

// An API answer as the regulator (or who) sees it.
async function asked(path, who = "regulator") {
  const res = await fetch(srv.data.base + path, { headers: { Authorization: "Bearer " + srv.data.tokens[who] } });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  return JSON.parse(body);
}

const texts = (locator) => locator.evaluateAll((es) => es.map((e) => e.textContent.trim()));

test("a regulator traces a scanned code both ways and follows its batch forward", async () => {
  const { page, errors } = wide;
  const { codes, batch, ids } = srv.data;
  await signInAfresh(page, srv.data.tokens.regulator);
  // the code as its QR label carries it: a resolver URL of any host
  await page.getByLabel("追溯码", { exact: true }).fill(`https://id.example.com/${codes.sold}`);
  await page.getByRole("button", { name: "查询", exact: true }).click();
  const card = page.locator("#trace-card");
  await card.waitFor();
  const api = await asked(`/api/v1/trace/${encodeURIComponent(codes.sold)}?direction=both`);
  assert.equal(await card.getAttribute("data-code"), codes.sold);
  assert.match(await card.innerText(), /已售出/);
  assert.match(await card.innerText(), /塑料绝缘控制电缆 KVV（KVV 4×1.5）/);
  assert.match(await card.innerText(), new RegExp(`producer 有限公司（${ids.producer}）`));
  assert.match(await card.innerText(), /批号 L2026-11，2026-11-01 生产/);
  // the holders by name, from the producer to the shop, each hand-over with its ledger record
  const holders = await cells(page, "#trace-holders");
  assert.deepEqual(holders.map((h) => h[0]), ["producer 有限公司", "shop 有限公司"]);
  assert.deepEqual(holders.map((h) => h[2]), ["生产赋码", "签收"]);
  assert.match(holders[0][3], new RegExp(`（账本 #${api.holders[0].since.index}）$`));
  assert.match(holders[0][4], new RegExp(`（账本 #${api.holders[0].until.index}）$`));
  assert.match(holders[1][3], new RegExp(`（账本 #${api.holders[1].since.index}）$`));
  assert.equal(holders[1][4], "至今");
  // every record in ledger order, each unit by name
  const steps = await cells(page, "#trace-steps");
  assert.deepEqual(steps.map((s) => s[0]), api.steps.map((s) => "#" + s.index));
  assert.deepEqual(steps.map((s) => s[2]), ["赋码", "激活", "发货", "收货", "销售给消费者"]);
  assert.deepEqual(steps.map((s) => s[3]), ["producer 有限公司", "producer 有限公司", "producer 有限公司", "shop 有限公司", "shop 有限公司"]);
  assert.match(steps[2][4], /producer 有限公司 → shop 有限公司（发货记录 #\d+）/);
  await screenshot(page, "dashboard-trace");
  assert.deepEqual(await accessibility(page), []);

  // the batch forward: who holds how many of it, and where each item is
  await page.getByRole("button", { name: "查看批次 L2026-11 的全部去向" }).click();
  await page.locator("#trace-batch-items tbody tr").first().waitFor();
  assert.equal(await page.locator("#trace-batch-card").getAttribute("data-batch"), batch);
  assert.match(await page.locator("#trace-batch-card").innerText(), /共 6 件，在 2 家单位/);
  assert.deepEqual(await rows(page, "#trace-batch-holders"), {
    "shop 有限公司": ["北京市（110105）", "3", "在库 2；已售出 1"],
    "producer 有限公司": ["广东省（440300）", "3", "在库 2；已召回 1"],
  });
  const items = await rows(page, "#trace-batch-items");
  assert.equal(Object.keys(items).length, 6);
  assert.deepEqual(items[codes.sold], ["shop 有限公司", "已售出", ""]);
  assert.deepEqual(items[codes.recalled], ["producer 有限公司", "已召回", ""]);
  await screenshot(page, "dashboard-trace-batch");
  assert.deepEqual(await accessibility(page), []);

  // in English, the same trace in English words
  await page.getByRole("button", { name: "English" }).click();
  await page.locator("#trace-title", { hasText: "Trace" }).waitFor();
  await page.locator("#trace-card h3", { hasText: "Trace code" }).waitFor();
  assert.deepEqual(await texts(page.locator("#trace-holders thead th")), ["Holder", "Region", "How it got it", "From", "Until"]);
  assert.deepEqual(await texts(page.locator("#trace-holders tbody td:nth-child(3)")), ["Issued (producer)", "Received"]);
  assert.match(await page.locator("#trace-holders tbody tr:first-child td:nth-child(4)").innerText(), /\(ledger #\d+\)$/);
  await page.locator("#trace-batch-holders", { hasText: "In stock 2; Sold 1" }).waitFor();
  await page.getByRole("button", { name: "中文" }).click();
  await page.locator("#trace-holders thead th", { hasText: "持有单位" }).waitFor();
  assert.deepEqual(errors, []);
});

test("an unknown, unreadable or out-of-jurisdiction code and a server error are said in plain words", async () => {
  const { page, errors } = phone;
  const { codes, tokens } = srv.data;
  await signInAfresh(page, tokens.regulator);
  const message = page.locator("#trace-message .alert.bad");
  const trace = async (code) => { // in either language
    await page.locator("#trace-code").fill(code);
    await page.locator("#trace-form button[type=submit]").click();
  };
  // well formed, but nobody issued it
  await trace("(01)06901234567892(21)NOSUCH1");
  await message.filter({ hasText: "平台上没有这个追溯码" }).waitFor();
  assert.match(await message.innerText(), /可能为假冒/);
  assert.equal(await page.locator("#trace-card").count(), 0);
  await screenshot(page, "dashboard-trace-unknown");
  assert.deepEqual(await accessibility(page), []);
  // not a code at all
  await trace("hello");
  await message.filter({ hasText: "无法识别“hello”" }).waitFor();
  // the server failing: its refusal in Chinese words, with its message
  await page.route("**/api/v1/trace/**", (route) => route.fulfill({
    status: 500, contentType: "application/json",
    body: JSON.stringify({ error: { code: "internal", message: "database disk image is malformed" } }) }));
  await trace(codes.sold);
  await message.filter({ hasText: "平台内部出错，请稍后重试：database disk image is malformed" }).waitFor();
  await page.unroute("**/api/v1/trace/**");

  // Beijing's regulator: the shop's goods are its own to trace, goods that never left the
  // Guangdong producer are not
  await page.getByRole("button", { name: "退出登录" }).click();
  await signIn(page, tokens.regulator_bj);
  await trace(codes.at_shop);
  await page.locator("#trace-card").waitFor();
  await trace(codes.fresh);
  await message.filter({ hasText: "不在本辖区" }).waitFor();
  assert.equal(await page.locator("#trace-card").count(), 0);
  await page.getByRole("button", { name: "English" }).click();
  await message.filter({ hasText: "is in this jurisdiction, so this account may not see its trace" }).waitFor();
  await trace("hello");
  await message.filter({ hasText: "“hello” is not a trace code the platform can read" }).waitFor();
  await screenshot(page, "dashboard-trace-english");
  await page.getByRole("button", { name: "中文" }).click();
  await page.getByRole("button", { name: "退出登录" }).click();
  assert.deepEqual(errors, []);
});

test("a recall started from a scanned code opens a recall of that code's batch", async () => {
  const { page, errors } = phone;
  const { codes, batch, product, ids, tokens } = srv.data;
  await signInAfresh(page, tokens.regulator);
  // the bare digital identity code, as a reader gives it
  await page.getByLabel("产品上的追溯码").fill(codes.fresh.slice(2));
  await page.getByRole("button", { name: "按追溯码查找" }).click();
  const pick = page.locator("#recall-pick");
  await pick.waitFor();
  assert.equal(await pick.getAttribute("data-id"), batch);
  assert.equal(await page.getByLabel("批次或产品编号").inputValue(), batch);
  assert.equal(await page.getByLabel("召回范围").inputValue(), "batch");
  assert.match(await pick.innerText(), /塑料绝缘控制电缆 KVV（KVV 4×1.5）/);
  assert.match(await pick.innerText(), new RegExp(`producer 有限公司（${ids.producer}）`));
  assert.match(await pick.innerText(), /批号 L2026-11，2026-11-01 生产/);
  await screenshot(page, "dashboard-recall-from-code");
  assert.deepEqual(await accessibility(page), []);
  // the whole product instead, and back to the batch
  await page.getByLabel("召回范围").selectOption("product");
  await pick.and(page.locator('[data-scope="product"]')).waitFor();
  assert.equal(await page.getByLabel("批次或产品编号").inputValue(), product);
  assert.match(await pick.innerText(), /该产品全部批次/);
  await page.getByLabel("召回范围").selectOption("batch");
  await pick.and(page.locator('[data-scope="batch"]')).waitFor();
  assert.equal(await page.getByLabel("批次或产品编号").inputValue(), batch);

  const id = await openRecall(page, "导体电阻不合格");
  assert.equal((await asked(`/api/v1/recalls/${id}`)).recall.batch, batch);
  assert.match(await page.locator("#recall-form-message").innerText(), new RegExp(`已发起召回 ${id}，涉及 6 件产品`));
  assert.equal(await page.locator("#recall-report-scope").innerText(), `批次 L2026-11 · 塑料绝缘控制电缆 KVV（${batch}）`);
  assert.equal(await page.locator("#recall-report-producer").innerText(), `producer 有限公司（${ids.producer}）`);
  assert.equal(await page.locator("#recall-confirm").innerText(), ""); // the form is clear for the next
  assert.equal(await page.getByLabel("产品上的追溯码").inputValue(), "");

  // a recall of listed codes, opened by another client: the list names the product they are of
  const res = await fetch(`${srv.data.base}/api/v1/recalls`, {
    method: "POST",
    headers: { Authorization: "Bearer " + tokens.regulator, "Content-Type": "application/json" },
    body: JSON.stringify({ codes: [codes.at_shop], reason: "标识不清" }),
  });
  const opened = await res.text();
  assert.equal(res.status, 201, opened);
  const byCodes = JSON.parse(opened).recall.id;
  await page.reload();
  const listed = page.locator(`#recalls-list li[data-id="${byCodes}"]`);
  await listed.waitFor();
  assert.match(await listed.innerText(), new RegExp(`范围\\s*追溯码 ${codes.at_shop} · 塑料绝缘控制电缆 KVV`));
  assert.deepEqual(errors, []);
});

test("a recall started from a product picked by name and a batch by its number", async () => {
  const { page, errors } = wide;
  const { open_batch: batch, product, ids, tokens } = srv.data;
  await signInAfresh(page, tokens.regulator);
  const find = page.locator("#recall-find-message");
  await page.getByLabel("产品名称").fill("安全帽");
  await page.getByRole("button", { name: "查找产品" }).click();
  await find.locator(".alert.warn", { hasText: "辖区内没有名称、型号或商品条码含“安全帽”的产品" }).waitFor();
  assert.ok(await page.getByLabel("批号").isHidden());

  await page.getByLabel("产品名称").fill("kvv"); // the model, in any case
  await page.getByRole("button", { name: "查找产品" }).click();
  await page.getByLabel("批号").locator("option", { hasText: "L2026-12" }).waitFor({ state: "attached" });
  assert.deepEqual(await texts(page.getByLabel("产品", { exact: true }).locator("option")), ["塑料绝缘控制电缆 KVV（KVV 4×1.5）"]);
  assert.deepEqual(await texts(page.getByLabel("批号").locator("option")),
    ["请选择批号", "L2026-12（2026-11-05 生产，4 件）", "L2026-11（2026-11-01 生产，6 件）", "全部批次（召回整个产品）"]);
  await page.getByLabel("批号").selectOption({ label: "L2026-12（2026-11-05 生产，4 件）" });
  const pick = page.locator(`#recall-pick[data-id="${batch}"]`);
  await pick.waitFor();
  assert.equal(await page.getByLabel("批次或产品编号").inputValue(), batch);
  assert.match(await pick.innerText(), /批号 L2026-12，2026-11-05 生产/);
  assert.match(await pick.innerText(), new RegExp(`producer 有限公司（${ids.producer}）`));
  await screenshot(page, "dashboard-recall-by-name");
  assert.deepEqual(await accessibility(page), []);
  const id = await openRecall(page, "护套老化试验不合格");
  assert.equal((await asked(`/api/v1/recalls/${id}`)).recall.batch, batch);

  // an id typed in is shown for what it is too; one the platform does not know is said so
  await page.getByLabel("召回范围").selectOption("product");
  await page.getByLabel("批次或产品编号").fill(product);
  await page.getByLabel("召回原因").focus();
  await page.locator(`#recall-pick[data-id="${product}"]`).waitFor();
  assert.match(await page.locator("#recall-pick").innerText(), /塑料绝缘控制电缆 KVV[\s\S]*producer 有限公司[\s\S]*该产品全部批次/);
  await page.getByLabel("召回范围").selectOption("batch");
  await page.getByLabel("批次或产品编号").fill("B0000000000000000");
  await page.getByLabel("召回原因").focus();
  await page.locator("#recall-confirm .alert.bad", { hasText: "平台上没有编号为 B0000000000000000 的批次" }).waitFor();

  // a recall opened elsewhere shows its batch by number and product by name once looked up
  await page.reload();
  await page.locator(`#recalls-list li[data-id="${id}"]`).getByRole("button", { name: "查看影响评估" }).click();
  await page.locator("#recall-report-scope", { hasText: `批次 L2026-12 · 塑料绝缘控制电缆 KVV（${batch}）` }).waitFor();
  assert.equal(await page.locator("#recall-report-producer").innerText(), `producer 有限公司（${ids.producer}）`);
  assert.deepEqual(errors, []);
});

test("a code read by the camera is traced, and found for a recall, as one typed would be", async (t) => {
  const { codes, batch, tokens } = srv.data;
  const page = await phone.page.context().newPage(); // a tab of its own: the camera is faked in it
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  t.after(() => page.close());
  // Chromium on Linux has no barcode reader and the test machine no camera: a canvas stands in
  // for the camera, and the reader reads whatever code the test holds up (window.shown)
  await page.addInitScript(() => {
    window.BarcodeDetector = class {
      async detect() {
        return window.shown ? [{ rawValue: window.shown }] : [];
      }
    };
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 64, height: 64 });
      const paint = () => canvas.getContext("2d").fillRect(0, 0, 64, 64);
      setInterval(paint, 50);
      paint();
      return canvas.captureStream(20);
    };
  });
  await signIn(page, tokens.regulator);
  await page.locator("#desk").waitFor();
  const show = (code) => page.evaluate((c) => (window.shown = c), code);

  // at 360 px each code input and its camera button share a line, inside the window
  assert.equal(page.viewportSize().width, 360);
  for (const form of ["trace", "recall"]) {
    const input = await page.locator(`#${form}-code`).boundingBox();
    const button = await page.locator(`#${form}-scan`).boundingBox();
    assert.ok(input && button, `${form}: the input and its scan button are shown`);
    assert.ok(button.y < input.y + input.height && input.y < button.y + button.height,
      `${form}: the scan button is on the input's line: ${JSON.stringify({ input, button })}`);
    assert.ok(button.x >= input.x + input.width && button.x + button.width <= 360,
      `${form}: the scan button is beside the input, inside the window: ${JSON.stringify({ input, button })}`);
    assert.ok(input.width >= 120, `${form}: room to read the code typed: ${input.width}px`);
  }

  // tracing: the code read goes into the form and is traced at once; the camera stops
  await show(`https://id.example.com/${codes.sold}`);
  await page.locator("#trace-form").getByRole("button", { name: "扫码" }).click();
  await page.locator(`#trace-card[data-code="${codes.sold}"]`).waitFor();
  assert.equal(await page.getByLabel("追溯码", { exact: true }).inputValue(), `https://id.example.com/${codes.sold}`);
  assert.ok(await page.locator("#trace-scanner").isHidden());

  // a recall's goods, from the code read on one of them
  await show(codes.fresh.slice(2));
  await page.locator("#recall-by-code").getByRole("button", { name: "扫码" }).click();
  await page.locator(`#recall-pick[data-id="${batch}"]`).waitFor();
  assert.equal(await page.getByLabel("产品上的追溯码").inputValue(), codes.fresh.slice(2));
  await screenshot(page, "dashboard-scan");
  assert.deepEqual(await accessibility(page), []);

  // a camera that cannot be opened is said so, in words
  await page.evaluate(() => (navigator.mediaDevices.getUserMedia = async () => {
    throw new DOMException("Permission denied", "NotAllowedError");
  }));
  await page.locator("#trace-form").getByRole("button", { name: "扫码" }).click();
  await page.locator("#trace-message .alert.warn", { hasText: "无法打开摄像头：Permission denied。也可以直接输入追溯码。" }).waitFor();
  assert.deepEqual(errors, []);
});

test("a product is found by name on the server, a hundred at a time, its batches newest first", async (t) => {
  const { page, errors } = wide;
  // a server of its own: a producer of 1,001 products, and 1,001 batches of one of them
  const big = await seeded("many_batches");
  t.after(() => big.stop());
  const { product, batch, newest, tokens } = big.data;
  const searches = []; // what each product list the page asked for searched
  const seen = (r) => new URL(r.url()).pathname === "/api/v1/products" && searches.push(new URL(r.url()).searchParams.get("q"));
  page.on("request", seen);
  t.after(() => page.off("request", seen));
  await page.goto(big.data.base + "/static/qtrace.css");
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(big.data.base + "/dashboard");
  await page.getByLabel("监管账户令牌").fill(tokens.regulator);
  await page.getByRole("button", { name: "登录" }).click();
  await page.locator("#desk").waitFor();

  // the one product of a model, typed in lower case; its batches newest first, to the oldest
  await page.getByLabel("产品名称").fill(product.model.toLowerCase());
  await page.getByRole("button", { name: "查找产品" }).click();
  const batches = page.getByLabel("批号").locator("option");
  await page.getByLabel("批号").locator(`option[value="${batch.id}"]`).waitFor({ state: "attached" });
  const products = page.getByLabel("产品", { exact: true }).locator("option");
  assert.deepEqual(await texts(products), [`塑料绝缘控制电缆 KVV（${product.model}）`]);
  const listed = await texts(batches);
  assert.equal(listed.length, big.data.batches + 2); // with "choose" and "all batches"
  assert.match(listed[1], new RegExp(`^${newest}（`));
  assert.match(listed.at(-2), new RegExp(`^${batch.batch_no}（`));
  const more = page.getByRole("button", { name: "继续查找更多产品" });
  assert.ok(await more.isHidden(), "every product was looked at");

  // every product is a KVV: a hundred shown, a hundred more on asking
  await page.getByLabel("产品名称").fill("KVV");
  await page.getByRole("button", { name: "查找产品" }).click();
  await more.waitFor();
  assert.equal(await products.count(), 100);
  await screenshot(page, "dashboard-recall-search");
  assert.deepEqual(await accessibility(page), []);
  await more.click();
  await products.nth(199).waitFor({ state: "attached" });
  assert.equal(await products.count(), 200);
  assert.ok(await more.isVisible());
  // the server searched: no product list was asked for whole
  assert.ok(searches.length >= 3 && searches.every(Boolean), JSON.stringify(searches));
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("button", { name: "Find more products" }).waitFor();
  await page.getByRole("button", { name: "中文" }).click();
  assert.deepEqual(errors, []);
});

test("a switch of language words the lists again on the pages they were on", async (t) => {
  const { page, errors } = phone;
  const { tokens, announcement } = srv.data;
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  // more announcements than a page: the seeded one goes to the second
  for (let i = 0; i < 25; i++) {
    const res = await fetch(`${srv.data.base}/api/v1/announcements`, {
      method: "POST",
      headers: { Authorization: "Bearer " + tokens.regulator, "Content-Type": "application/json" },
      body: JSON.stringify({ title: `抽查结果通报 ${i + 1}`, body: "详见附件。", kind: "other" }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await signInAfresh(page, tokens.regulator);
  const list = page.locator("#announcements-list");
  const items = list.locator("li");
  const seeded = list.locator(`li[data-id="${announcement}"]`);
  await items.first().waitFor();
  assert.equal(await seeded.count(), 0, "the first page is the newest");
  await list.getByRole("button", { name: "加载更多" }).click();
  await seeded.waitFor();
  const ids = () => items.evaluateAll((lis) => lis.map((li) => li.dataset.id));
  const before = await ids();
  assert.ok(before.length > 20, `two pages shown: ${before.length}`);

  await page.getByRole("button", { name: "English" }).click();
  await page.locator("#announcements-title", { hasText: "Announcements" }).waitFor();
  // the same two pages, in English words, not the first page again
  await seeded.locator(".status", { hasText: "Notice" }).waitFor();
  assert.deepEqual(await ids(), before);
  assert.equal(await list.locator(".status", { hasText: "公告" }).count(), 0);
  const more = list.locator("button", { hasText: /加载更多|Load more/ });
  if (await more.isVisible()) assert.equal(await more.innerText(), "Load more");
  await screenshot(page, "dashboard-english-page-two");
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "中文" }).click();
  await seeded.locator(".status", { hasText: "公告" }).waitFor();
  assert.deepEqual(await ids(), before);
  assert.deepEqual(errors, []);
});

test("English counts agree with their number: one thing, or several", async (t) => {
  const { page, errors } = phone;
  // the stats answer with the counts of `counts` put in (earlier tests open recalls)
  let counts = { warnings: 1, recalls: 1, complaints: 1, commissioned: 10, units: 5 };
  const stats = (url) => url.pathname === "/api/v1/stats";
  await page.route(stats, async (route) => {
    const res = await route.fetch();
    const json = await res.json();
    for (const k of ["warnings", "recalls", "complaints"]) json[k] = { ...json[k], open: counts[k] };
    Object.assign(json.codes, { flowed: 1, commissioned: counts.commissioned });
    Object.assign(json.catalog, { with_codes: 1, units: counts.units });
    await route.fulfill({ response: res, json });
  });
  t.after(async () => {
    await page.unroute(stats);
    await page.evaluate(() => localStorage.setItem("qtrace.lang", "zh"));
  });
  await signInAfresh(page, srv.data.tokens.regulator);
  await page.locator("#figures").waitFor();
  await page.getByRole("button", { name: "English" }).click();
  // one of each open; ten commissioned items, five catalogue units; the seeded draw of one
  // unit and one body
  const figures = page.locator("#figures");
  await figures.getByText("1 warning · 1 recall · 1 complaint open").waitFor();
  assert.match(await figures.innerText(), /\(1 of 10 commissioned items have a flow record\)/);
  assert.match(await figures.innerText(), /1 of 5 catalogue units have coded products/);
  const draw = page.locator(`#draws-list li[data-index="${srv.data.draw}"]`);
  await draw.getByText("1 unit to inspect, 1 inspection body").waitFor();
  assert.doesNotMatch(await page.locator("body").innerText(), ONE_AS_MANY);
  // several of each, and one commissioned item of one catalogue unit
  counts = { warnings: 2, recalls: 1, complaints: 3, commissioned: 1, units: 1 };
  await page.reload();
  await figures.getByText("2 warnings · 1 recall · 3 complaints open").waitFor();
  assert.match(await figures.innerText(), /\(1 of 1 commissioned item has a flow record\)/);
  assert.match(await figures.innerText(), /1 of 1 catalogue unit has coded products/);
  assert.doesNotMatch(await page.locator("body").innerText(), ONE_AS_MANY);
  assert.deepEqual(await accessibility(page), []);
  // the words of what is counted elsewhere on the desk, for one and for several
  const one = (key, vars) => [[key, 1, vars(1)], [key, 2, vars(2)]];
  assert.deepEqual(await counted(page, [
    ...one("trace.items", (n) => ({ n })),
    ...one("tb.items", (n) => ({ n })),
    ...one("tb.holders", (n) => ({ n })),
    ...one("recall.batch.item", (quantity) => ({ no: "L1", date: "2026-11-01", quantity })),
    ...one("recall.opened", (found) => ({ id: "R1", found })),
    ...one("s.trace.value", (holders) => ({ holders })),
    ...one("d.count.units", (n) => ({ n })),
    ...one("d.count.bodies", (n) => ({ n })),
  ]), [
    "Packed inside (1 item)", "Packed inside (2 items)",
    "1 item", "2 items",
    "1 unit", "2 units",
    "L1 (made on 2026-11-01, 1 item)", "L1 (made on 2026-11-01, 2 items)",
    "Recall R1 opened; it affects 1 item.", "Recall R1 opened; it affects 2 items.",
    "1 unit holds the batch", "2 units hold the batch",
    "1 unit", "2 units",
    "1 inspection body", "2 inspection bodies",
  ]);
  await page.getByRole("button", { name: "中文" }).click();
  await figures.getByText("风险预警 2 条 · 召回 1 起 · 投诉 3 件").waitFor();
  assert.deepEqual(errors, []);
});
