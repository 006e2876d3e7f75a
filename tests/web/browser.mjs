// Drives Debian's Chromium through the website chat; prints one JSON line {checks: {name: {ok, detail}}, timings}.
// Usage: node tests/web/browser.mjs '{"webUrl": ..., "exitUrl": ..., "outDir": ..., "chromium": ...}'
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const config = JSON.parse(process.argv[2]);
const checks = {};
const timings = {};
const errors = [];
const REPLY_TIMEOUT = 60000;

function check(name, ok, detail = "") { checks[name] = { ok: Boolean(ok), detail: String(detail).slice(0, 500) }; }

async function connected(page) {
  await page.waitForFunction(() => document.getElementById("chat-status").textContent.startsWith("Connected"),
    null, { timeout: REPLY_TIMEOUT });
}

async function botCount(page) { return page.locator("#chat-log .msg-bot").count(); }

/** Types a message like a person, sends it with Enter, waits for a bot message matching `expected`. */
async function ask(page, text, expected) {
  const started = Date.now();
  await page.locator("#chat-input").fill(text);
  await page.locator("#chat-input").press("Enter");
  await page.locator("#chat-log .msg-bot", { hasText: expected }).first().waitFor({ timeout: REPLY_TIMEOUT });
  timings[text] = Date.now() - started;
}

async function axeSerious(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
  }));
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function desktop(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${config.exitUrl}?before`);
  await page.goto(config.webUrl);
  await connected(page);
  check("connects", true);

  // Keyboard alone: the skip link, then the quick exit, are the first stops; the chat input is reachable.
  const order = [];
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim()));
  }
  check("keyboard_reaches_exit_then_chat",
    order[0] === "Skip to the chat" && order[1] === "quick-exit" && order.includes("chat-input"), order.join(" | "));

  await ask(page, "how do I report domestic abuse", "101");
  check("report_answer_has_101", true, `${timings["how do I report domestic abuse"]} ms`);

  await ask(page, "he's got a knife", "999");
  const banner = page.locator("#emergency");
  await banner.waitFor({ state: "visible", timeout: 20000 })
    .then(() => check("danger_shows_banner", true, `${timings["he's got a knife"]} ms`))
    .catch((error) => check("danger_shows_banner", false, error.message));
  check("banner_has_tel_999", await banner.locator('a[href="tel:999"]').count() === 1);
  const bannerText = await banner.innerText();
  check("banner_has_silent_solution", /55/.test(bannerText) && /cough or tap/i.test(bannerText), bannerText);
  await page.locator("#chat-log .msg-bot", { hasText: /safe/i }).last().waitFor({ timeout: 20000 })
    .then(() => check("turn_continues_after_escalation", true))
    .catch((error) => check("turn_continues_after_escalation", false, error.message));

  await ask(page, "thanks", /./);
  await page.waitForTimeout(500);
  check("banner_stays", await banner.isVisible());
  check("no_cookies", (await context.cookies()).length === 0 && await page.evaluate(() => document.cookie) === "");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(config.outDir, "chat-1280.png"), fullPage: true });
  const axeDesktop = await axeSerious(page);
  check("axe_desktop_no_serious", axeDesktop.length === 0, axeDesktop.join("; "));

  if (await banner.isVisible()) {
    await page.locator("#emergency-dismiss").click();
    check("banner_dismisses", await banner.isHidden());
  }

  // The danger message opened the emergency (issue 13): until the user says they are safe, every reply gets the
  // 999 line and the question again, not the topics. Answer it first.
  await ask(page, "yes", "glad you're safe");
  const reply = page.locator("#chat-log .reply", { hasText: "How to report" });
  const before = await reply.count();
  // The fallback itself is the model's business (tests/e2e); here the intent is forced so the buttons always come.
  await page.locator("#chat-input").fill("/nlu_fallback");
  await page.locator("#chat-input").press("Enter");
  await reply.nth(before).waitFor({ timeout: REPLY_TIMEOUT }).catch(() => {});
  check("fallback_buttons_shown", await reply.count() === before + 1, await botCount(page));
  if (await reply.count()) {
    const bots = await botCount(page);
    await reply.last().click();
    await page.waitForFunction((n) => document.querySelectorAll("#chat-log .msg-bot").length > n, bots,
      { timeout: REPLY_TIMEOUT }).catch(() => {});
    const last = await page.locator("#chat-log .msg-bot").last().innerText();
    const shown = await page.locator("#chat-log .msg-user").last().innerText();
    check("button_sends_payload", /101/.test(last) && shown.includes("How to report"), `${shown} -> ${last}`);
  }

  const storage = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: localStorage.length }));
  check("storage_holds_only_session_id",
    storage.session.length === 1 && storage.session[0] === "yana-chat-session" && storage.local === 0, JSON.stringify(storage));

  await page.reload();
  await connected(page);
  const left = await page.locator("#chat-log li").count();
  check("reload_shows_no_messages", left === 0 && await banner.isHidden(), `${left} messages after reload`);

  await page.locator("#quick-exit").click();
  await page.waitForURL(config.exitUrl, { timeout: 10000 });
  check("quick_exit_button_lands_on_neutral", page.url() === config.exitUrl, page.url());
  check("quick_exit_clears_storage", await page.evaluate(() => sessionStorage.length) === 0);
  await page.goBack();
  check("back_does_not_return_after_button", page.url() === `${config.exitUrl}?before`, page.url());

  await page.goto(config.webUrl);
  await connected(page);
  await page.locator("#chat-input").focus();
  await page.keyboard.press("Escape");
  await page.waitForURL(config.exitUrl, { timeout: 10000 });
  check("escape_lands_on_neutral", page.url() === config.exitUrl, page.url());
  await page.goBack();
  check("back_does_not_return_after_escape", page.url() !== config.webUrl && page.url().startsWith(config.exitUrl), page.url());
  await context.close();
}

async function mobile(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
    deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto(config.webUrl);
  await connected(page);
  await page.screenshot({ path: path.join(config.outDir, "chat-360-start.png") });
  await ask(page, "cant talk he'll hear", "999");
  await page.locator("#emergency").waitFor({ state: "visible", timeout: 20000 })
    .then(() => check("mobile_banner_shows", true)).catch((error) => check("mobile_banner_shows", false, error.message));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check("mobile_no_horizontal_scroll", width <= 360, `scrollWidth ${width}`);
  await page.screenshot({ path: path.join(config.outDir, "chat-360-banner.png") });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(config.outDir, "chat-360.png"), fullPage: true });
  const axeMobile = await axeSerious(page);
  check("axe_mobile_no_serious", axeMobile.length === 0, axeMobile.join("; "));
  await context.close();
}

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
for (const phase of [desktop, mobile]) {
  try {
    await phase(browser);
  } catch (error) {
    errors.push(`${phase.name}: ${error.message}`);
  }
}
await browser.close();
check("screenshots_written", ["chat-1280.png", "chat-360.png"].every((f) => existsSync(path.join(config.outDir, f))));
console.log(JSON.stringify({ checks, timings, errors }));
