// harness.mjs — what the browser tests share: a seeded qtrace server (seed.py), Debian's
// chromium driven by playwright-core, a screenshot of every test into the test output, and
// accessibility basics checked on the page as rendered (every control named, text contrast
// of at least 4.5:1, nothing wider than the window at 360 px).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const QTRACE = process.env.QTRACE || join(here, "..", "..", "build", "qtrace");
const OUT = process.env.QT_BROWSER_OUT || join(here, "..", "..", "build", "browser");
const CHROMIUM = process.env.QT_CHROMIUM || "/usr/bin/chromium";

// A server with scenario written into it: {data, stop()}.
export async function seeded(scenario) {
  const child = spawn("/usr/bin/python3", [join(here, "seed.py"), QTRACE, scenario], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`seed.py ${scenario} exited with ${code}`)));
  });
  const data = JSON.parse(first);
  return {
    data,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin.end();
      }),
  };
}

// A test file's seeded server and browser, made before its tests and stopped after them:
// the returned object's srv and b are set once the tests run.
export function session(scenario, width, height) {
  const s = {};
  before(async () => {
    s.srv = await seeded(scenario);
    s.b = await browse(width, height);
  });
  after(async () => {
    await s.b?.browser.close();
    await s.srv?.stop();
  });
  return s;
}

// A phone-sized page (360 px wide unless told) in a fresh browser context.
export async function browse(width = 360, height = 780) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width, height }, locale: "zh-CN" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // An API error is an answer the page shows (the tests check what it says); the browser's
  // own "Failed to load resource" line for it is not a fault. A page, script or style that
  // fails to load is.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && !new URL(r.url()).pathname.startsWith("/api/") &&
    errors.push(`${r.status()} ${r.url()}`));
  // (a request cut short by the test moving to another page is not a fault either)
  page.on("requestfailed", (r) => r.failure()?.errorText !== "net::ERR_ABORTED" &&
    errors.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
  return { browser, page, errors };
}

export async function screenshot(page, name) {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Problems with the basics, as a list of strings (empty when there are none).
export async function accessibility(page) {
  return page.evaluate(() => {
    const problems = [];
    const visible = (e) => {
      const s = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      return s.display !== "none" && s.visibility !== "hidden" && r.width > 0 && r.height > 0;
    };
    const named = (e) => {
      if (e.getAttribute("aria-label")?.trim()) return true;
      const by = e.getAttribute("aria-labelledby");
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
      if (e.labels && [...e.labels].some((l) => l.textContent.trim())) return true;
      if (e.tagName === "BUTTON" || e.tagName === "A") return e.textContent.trim() !== "";
      return false;
    };
    for (const e of document.querySelectorAll("input, select, textarea, button, a[href], video"))
      if (visible(e) && !named(e)) problems.push(`unnamed control: ${e.outerHTML.slice(0, 80)}`);

    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (e) => {
      for (; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (!n.textContent.trim() || !e || !visible(e)) continue;
      const fg = rgb(getComputedStyle(e).color).slice(0, 3);
      const [a, b] = [lum(fg), lum(background(e))].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5: "${n.textContent.trim().slice(0, 40)}"`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
    return problems;
  });
}

// What the page says for each [key, n, vars] of calls in the language it shows: common.js's tn
// (the one module the page loaded, so with the page's own words).
export function counted(page, calls) {
  return page.evaluate(async (calls) => {
    const { tn } = await import("/static/common.js");
    return calls.map(([key, n, vars]) => tn(key, n, vars));
  }, calls);
}

// English that takes the plural for one thing ("1 items"), wherever it is on the page.
export const ONE_AS_MANY = /\b1 (codes|items|units|bodies|inspection bodies|warnings|recalls|complaints|months|rows|times|are)\b/;

// What the page and everything it loaded but images weigh: {decoded} as written, {wire} as
// sent (gzipped where the server gzips). Counted from the page's own performance entries.
export async function pageWeight(page) {
  return page.evaluate(() =>
    [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
      .filter((e) => e.initiatorType !== "img")
      .reduce((w, e) => ({ decoded: w.decoded + e.decodedBodySize, wire: w.wire + e.encodedBodySize }),
        { decoded: 0, wire: 0 }));
}
