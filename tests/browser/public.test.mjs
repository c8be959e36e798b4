// public.test.mjs — the consumer's page in headless Chromium at 360 px: a code typed in shows
// its product, producer and public journey; a recalled code shows the recall warning in
// plain words, and so does a carton holding recalled goods; an unknown code says so, a
// product's own barcode that it is not a trace code; the address names the code last looked
// up; a complaint is filed, once for a double click; Chinese and English, messages included.
import assert from "node:assert/strict";
import { test } from "node:test";
import { accessibility, counted, ONE_AS_MANY, pageWeight, screenshot, session } from "./harness.mjs";

const s = session("supply_chain");

async function lookUp(code) {
  const { page } = s.b;
  await page.goto(s.srv.data.base + "/");
  await page.getByLabel("追溯码").fill(code);
  await page.getByRole("button", { name: "查询" }).click();
}

test("a consumer sees the product and its journey", async () => {
  const { page } = s.b;
  await lookUp(s.srv.data.codes.sold);
  await page.locator("#journey").waitFor();
  await screenshot(page, "public-journey");
  const product = await page.locator("#product-title + dl").innerText();
  assert.match(product, /塑料绝缘控制电缆 KVV/);
  assert.match(product, /XK06-014-00123/);
  assert.match(product, /GB\/T 9330-2020/);
  assert.match(await page.locator("#producer-title + dl").innerText(), /91440300MA5W0001/);
  const steps = await page.locator("#journey li").evaluateAll((lis) => lis.map((li) => li.dataset.type));
  assert.deepEqual(steps, ["issue", "commission", "ship", "receive", "retail"]);
  assert.match(await page.locator("#journey").innerText(), /朝阳五金店/);
  assert.match(await page.locator(".alert.good").innerText(), /未发现风险提示/);
  assert.equal(await page.getByText("已售出").count(), 1);
  // what was sealed (the buyer's contact) is nowhere on the page
  assert.doesNotMatch(await page.content(), /010-12345678/);
  assert.deepEqual(await accessibility(page), []);
  assert.deepEqual(s.b.errors, []);
  // fast on a poor connection: the page and all it loads (no images here) under 200 KB
  const { decoded } = await pageWeight(page);
  assert.ok(decoded > 10000 && decoded < 200 * 1024, `${decoded} bytes`);
});

test("a recalled code shows the recall in plain words", async () => {
  const { page } = s.b;
  await lookUp(s.srv.data.codes.recalled);
  const alert = page.locator('[data-kind="recalled"]');
  await alert.waitFor();
  await screenshot(page, "public-recalled");
  assert.match(await alert.innerText(), /该产品已被召回：请停止使用/);
  // the recall's reason, in the page's language: not the platform's English message
  assert.match(await alert.innerText(), /原因：绝缘层厚度不合格/);
  assert.doesNotMatch(await alert.innerText(), /recalled/);
  assert.match(await page.locator("#journey").innerText(), /召回 · producer 有限公司 — 绝缘层厚度不合格/);
  assert.equal(await page.locator(".alert.good").count(), 0);
  assert.deepEqual(await accessibility(page), []);
});

test("a carton of recalled goods warns of them", async () => {
  const { page } = s.b;
  const { base, tokens, codes } = s.srv.data;
  const carton = "(00)006901234000000032";
  const post = (events) => fetch(`${base}/api/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tokens.producer}`, "Content-Type": "application/json" },
    body: JSON.stringify({ events }),
  }).then((r) => assert.equal(r.status, 201));
  await post([{ type: "pack", parent: carton, codes: [codes.spare] }]);
  await post([{ type: "recall", codes: [codes.spare], reason: "护套开裂" }]);
  await lookUp(carton);
  const alert = page.locator('[data-kind="contents_recalled"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /这个包装里有已被召回的产品/);
  assert.match(await alert.innerText(), /包装内 1 个码中有 1 个已召回/);
  assert.equal(await page.locator(".alert.bad").count(), 1);
  assert.equal(await page.locator(".alert.good").count(), 0);
});

test("an unknown code says it may be counterfeit; bad text says why", async () => {
  const { page } = s.b;
  await lookUp("T777777777777777777R"); // a valid digital identity id nobody issued
  await page.locator("#message .alert.bad").waitFor();
  assert.match(await page.locator("#message").innerText(), /没有这个追溯码的记录|假冒/);
  await lookUp("not a code at all");
  await page.locator("#message .alert.bad").waitFor();
  assert.match(await page.locator("#message").innerText(), /不是有效的追溯码/);
});

test("the address names the code last looked up, found or not", async () => {
  const { page } = s.b;
  const code = () => new URL(page.url()).searchParams.get("code");
  await lookUp(s.srv.data.codes.sold);
  await page.locator("#journey").waitFor();
  assert.equal(code(), s.srv.data.codes.sold);
  // then, on the same page, a code nobody issued and text that is no code at all
  for (const [typed, says] of [["T777777777777777777R", /没有这个追溯码的记录/], ["not a code at all", /不是有效的追溯码/]]) {
    await page.getByLabel("追溯码").fill(typed);
    await page.getByRole("button", { name: "查询" }).click();
    await page.locator("#message .alert.bad").waitFor();
    assert.equal(code(), typed);
    // a reload (or the link shared) shows what was looked up, not the code found before
    await page.reload();
    await page.locator("#message .alert.bad").waitFor();
    assert.match(await page.locator("#message").innerText(), says);
    assert.equal(await page.locator("#result").innerText(), "");
    assert.equal(await page.getByLabel("追溯码").inputValue(), typed);
  }
  assert.deepEqual(s.b.errors, []);
});

test("a product's own barcode is not taken for a counterfeit trace code", async () => {
  const { page } = s.b;
  await lookUp("06901234567892"); // the GTIN on the box of a registered product
  await page.locator("#result .alert.warn[data-kind=product_barcode]").waitFor();
  assert.match(await page.locator("#result").innerText(), /这是产品的商品条码，不是追溯码/);
  assert.equal(await page.locator("#result .alert.bad").count(), 0);
});

test("a double click files one complaint", async () => {
  const { page } = s.b;
  await lookUp(s.srv.data.codes.at_shop);
  await page.locator("#complain").waitFor();
  await page.getByLabel("问题描述").fill("插头发热");
  let posts = 0;
  const count = (req) => {
    if (req.method() === "POST" && req.url().endsWith("/api/v1/complaints")) posts++;
  };
  page.on("request", count);
  await page.getByRole("button", { name: "提交投诉" }).dblclick();
  await page.locator("#complain-message .alert.good").waitFor();
  page.off("request", count);
  assert.equal(posts, 1);
});

test("a complaint is filed from the page", async () => {
  const { page } = s.b;
  await lookUp(s.srv.data.codes.at_shop);
  await page.locator("#complain").waitFor();
  await page.getByLabel("问题描述").fill("绝缘层一捏就裂");
  await page.getByRole("button", { name: "提交投诉" }).click();
  await page.locator("#complain-message .alert.good").waitFor();
  assert.match(await page.locator("#complain-message").innerText(), /投诉已提交，编号 C[0-9a-f]{16}/);
  await screenshot(page, "public-complaint");
});

test("what the page says follows a switch of language", async (t) => {
  const { page } = s.b;
  const message = (box, text) => page.locator(`#${box} .alert`, { hasText: text });
  // the language is kept in localStorage: Chinese again for the tests after, however this ends
  t.after(() => page.evaluate(() => localStorage.setItem("qtrace.lang", "zh")));
  await lookUp("T777777777777777777R");
  await message("message", "平台上没有这个追溯码的记录").waitFor();
  await page.getByRole("button", { name: "English" }).click();
  await message("message", "The platform has no record of this code").waitFor();
  assert.doesNotMatch(await page.locator("#message").innerText(), /[\u4e00-\u9fff]/);
  await page.getByRole("button", { name: "中文" }).click();
  await message("message", "平台上没有这个追溯码的记录").waitFor();

  // the complaint's answer too
  await lookUp(s.srv.data.codes.at_shop);
  await page.locator("#complain").waitFor();
  await page.getByLabel("问题描述").fill("标签字迹模糊");
  await page.getByRole("button", { name: "提交投诉" }).click();
  const id = (await message("complain-message", "投诉已提交").innerText()).match(/C[0-9a-f]{16}/)[0];
  await page.getByRole("button", { name: "English" }).click();
  await message("complain-message", `Complaint sent, number ${id}.`).waitFor();
  await page.getByRole("button", { name: "中文" }).click();
  await message("complain-message", `投诉已提交，编号 ${id}。`).waitFor();
  assert.deepEqual(s.b.errors, []);
});

test("English on request, and a link with ?code= opens the code", async () => {
  const { page } = s.b;
  await page.goto(`${s.srv.data.base}/?code=${encodeURIComponent(s.srv.data.codes.recalled)}`);
  await page.locator('[data-kind="recalled"]').waitFor();
  await page.getByRole("button", { name: "English" }).click();
  await page.locator('[data-kind="recalled"] strong', { hasText: "This product has been recalled" }).waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
  assert.match(await page.locator("h1").innerText(), /Product quality traceability/);
  await screenshot(page, "public-english");
  assert.deepEqual(await accessibility(page), []);
  await page.getByRole("button", { name: "中文" }).click(); // back, for the tests after
});

test("English counts agree with their number: one month, or several", async (t) => {
  const { page } = s.b;
  t.after(async () => {
    await page.unroute(view);
    await page.evaluate(() => localStorage.setItem("qtrace.lang", "zh"));
  });
  // the seeded warranty of 24 months; then the same view with a warranty of one month
  let months = null;
  const view = (url) => url.pathname.startsWith("/api/v1/codes/");
  await page.route(view, async (route) => {
    const res = await route.fetch();
    const json = await res.json();
    if (months && json.product) json.product.warranty_months = months;
    await route.fulfill({ response: res, json });
  });
  await page.goto(`${s.srv.data.base}/?lang=en&code=${encodeURIComponent(s.srv.data.codes.fresh)}`);
  const product = page.locator("#product-title + dl");
  await product.getByText("24 months").waitFor();
  months = 1;
  await page.goto(`${s.srv.data.base}/?lang=en&code=${encodeURIComponent(s.srv.data.codes.fresh)}`);
  await product.getByText("1 month", { exact: true }).waitFor();
  assert.doesNotMatch(await page.locator("body").innerText(), ONE_AS_MANY);
  // the words a carton's contents and a cut list are counted in
  assert.deepEqual(await counted(page, [
    ["months", 1, { n: 1 }], ["months", 2, { n: 2 }],
    ["fact.recalled", 1, { n: 1, items: 1 }], ["fact.recalled", 2, { n: 1, items: 2 }],
    ["fact.destroyed", 1, { n: 1, items: 1 }], ["fact.destroyed", 3, { n: 2, items: 3 }],
    ["list.cut", 1, { n: 1 }], ["list.cut", 1000, { n: 1000 }],
  ]), [
    "1 month", "2 months",
    "1 of the 1 code packed in it recalled", "1 of the 2 codes packed in it recalled",
    "1 of the 1 code packed in it destroyed", "2 of the 3 codes packed in it destroyed",
    "The list is too long: only the first 1 is listed, the rest are not.",
    "The list is too long: only the first 1000 are listed, the rest are not.",
  ]);
  assert.deepEqual(s.b.errors, []);
});
