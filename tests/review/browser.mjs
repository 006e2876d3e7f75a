// Drives Debian's Chromium through the review tool; prints one JSON line {checks: {name: {ok, detail}}}.
// Usage: node tests/review/browser.mjs '{"url": ..., "username": ..., "password": ..., "danger": ..., "plain": ..., "outDir": ...}'
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const config = JSON.parse(process.argv[2]);
const checks = {};

function check(name, ok, detail = "") { checks[name] = { ok: Boolean(ok), detail: String(detail).slice(0, 500) }; }

async function axeSerious(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
  }));
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();

  // Not signed in: pages send you to sign in, the API answers 401.
  await page.goto(`${config.url}/`);
  check("unsigned_page_redirects", new URL(page.url()).pathname === "/signin", page.url());
  const api = await page.request.get(`${config.url}/api/conversations`, { maxRedirects: 0 });
  check("unsigned_api_refused", api.status() === 401, api.status());
  check("signin_page_accessible", (await axeSerious(page)).length === 0, (await axeSerious(page)).join("; "));

  await page.getByLabel("User name").fill(config.username);
  await page.getByLabel("Password").fill(config.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${config.url}/`);
  check("signed_in", (await page.locator("h1").textContent()) === "Conversations");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "review_session");
  check("cookie_httponly_strict", session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));

  await page.getByLabel("Escalated").check();
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/escalated=1/);
  const links = await page.locator("table a").evaluateAll((as) => as.map((a) => decodeURIComponent(a.getAttribute("href"))));
  check("filter_shows_escalated", links.some((h) => h === `/conversations/${config.danger}`), links.join(" "));
  check("filter_hides_plain", !links.some((h) => h === `/conversations/${config.plain}`), links.join(" "));
  check("list_accessible", (await axeSerious(page)).length === 0, (await axeSerious(page)).join("; "));
  await page.screenshot({ path: path.join(config.outDir, "review-list.png"), fullPage: true });

  await page.locator(`table a[href="/conversations/${config.danger}"]`).click();
  await page.waitForURL(/\/conversations\//);
  const text = await page.locator("main").innerText();
  check("transcript_redacted", text.includes("[NAME]") && !text.includes("Wainwright") && !text.includes("07700"), text.slice(0, 400));
  check("transcript_shows_danger", text.includes("immediate_danger") && text.includes("rules: fired"), text.slice(0, 400));
  check("transcript_accessible", (await axeSerious(page)).length === 0, (await axeSerious(page)).join("; "));
  await page.screenshot({ path: path.join(config.outDir, "review-transcript.png"), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByText("Export as test story").click()]);
  const story = readFileSync(await download.path(), "utf8");
  check("export_story", story.includes("stories:") && story.includes("intent: immediate_danger") && !story.includes("Wainwright"),
    story.slice(0, 400));
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify({ checks }));
