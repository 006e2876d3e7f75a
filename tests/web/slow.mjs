// A phone (360x780) on Chrome's slow-connection emulation, against the real bot: the quick exit works at first paint,
// and a message sent before the chat connects is queued visibly, sent once, and breaks nothing.
import path from "node:path";
import {
  PHONE, REPLY_TIMEOUT, check, connected, figure, firstPaint, holdScripts, scriptsStarted, slowNetwork,
} from "./lib.mjs";

async function slowPage(browser, { hold }) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, ...PHONE });
  const page = await context.newPage();
  await slowNetwork(page);
  const gate = hold ? await holdScripts(page) : null;
  return { context, page, gate };
}

/** Counts the messages the page really sent to Rasa (socket.io `user_uttered` packets), by text. */
function countSent(page) {
  const sent = {};
  page.on("request", (request) => {
    const body = request.method() === "POST" && request.url().includes("/socket.io/") ? request.postData() || "" : "";
    for (const match of body.matchAll(/\["user_uttered",(\{.*?\})\]/g)) {
      const { message } = JSON.parse(match[1]);
      sent[message] = (sent[message] || 0) + 1;
    }
  });
  return sent;
}

/** Nothing held: when the page first paints, when its scripts have run and when the chat connects. */
async function timeline(browser, config) {
  const { context, page } = await slowPage(browser, { hold: false });
  await page.goto(config.webUrl, { waitUntil: "commit" });
  const paint = await firstPaint(page);
  await connected(page);
  const times = await page.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const scripts = performance.getEntriesByType("resource").filter((entry) => entry.initiatorType === "script")
      .map((entry) => `${new URL(entry.name).pathname} ${Math.round(entry.responseEnd)} ms`);
    return { scriptsRun: Math.round(navigation.domContentLoadedEventStart), connected: Math.round(performance.now()),
      scripts };
  });
  figure("slow_timeline", { firstPaint: paint, ...times });
  await context.close();
  return times;
}

/** Presses Esc (or clicks the link) as soon as the page has painted; returns when and whether it left. */
async function exitAtFirstPaint(browser, config, { hold, how }) {
  const { context, page } = await slowPage(browser, { hold });
  await page.goto(`${config.exitUrl}?before`, { waitUntil: "commit" });
  await page.waitForLoadState("load");
  await page.goto(config.webUrl, { waitUntil: "commit" });
  const paint = await firstPaint(page);
  const early = !(await scriptsStarted(page));
  const pressedAt = await page.evaluate(() => Math.round(performance.now()));
  const started = Date.now();
  if (how === "Esc") { await page.keyboard.press("Escape"); } else { await page.locator("#quick-exit").click(); }
  const left = await page.waitForURL(config.exitUrl, { timeout: 10000, waitUntil: "commit" }).then(() => true, () => false);
  const result = { firstPaint: paint, pressedAt, landedAt: pressedAt + (Date.now() - started), scriptsHadRun: !early };
  let back = null;
  if (left) {
    await page.waitForLoadState("load").catch(() => {});
    await page.goBack({ waitUntil: "commit" }).catch(() => {});
    back = page.url();
  }
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await context.close();
  return { ...result, left, early, back };
}

/** Enter and the Send button before the scripts load: queued visibly, then sent once each when connected. */
async function earlyMessages(browser, config) {
  const { context, page, gate } = await slowPage(browser, { hold: true });
  const sent = countSent(page);
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(config.webUrl, { waitUntil: "commit" });
  await firstPaint(page);
  const early = !(await scriptsStarted(page));
  const first = "how do I report domestic abuse";
  const second = "thanks";
  await page.locator("#chat-input").fill(first);
  await page.locator("#chat-input").press("Enter");
  await page.locator("#chat-input").fill(second);
  await page.locator("#chat-send").click();
  await page.waitForTimeout(1000);
  const queued = await page.evaluate(() => ({
    url: location.href,
    input: document.getElementById("chat-input").value,
    bubbles: [...document.querySelectorAll("#chat-log .msg-user")].map((item) => item.textContent.trim()),
  }));
  const visible = queued.url === config.webUrl && queued.input === "" && queued.bubbles.length === 2
    && queued.bubbles[0].includes(first) && queued.bubbles.every((text) => /sending…/.test(text));
  check("early_message_queued_visibly", early && visible, `scripts had run: ${!early}; ${JSON.stringify(queued)}`);
  await page.locator("#chat-log .msg-user").last().scrollIntoViewIfNeeded().catch(() => {});
  await page.screenshot({ path: path.join(config.outDir, "chat-360-sending.png") });

  const released = Date.now();
  gate.release();
  const connects = await connected(page).then(() => true, () => false);
  check("early_message_page_still_connects", connects, `${Date.now() - released} ms after the scripts were let through`);
  const answered = await page.locator("#chat-log .msg-bot", { hasText: "101" }).first()
    .waitFor({ timeout: REPLY_TIMEOUT }).then(() => true, () => false);
  await page.waitForFunction(() => !document.querySelector("#chat-log .sending"), null, { timeout: 20000 }).catch(() => {});
  await page.waitForTimeout(2000);
  const after = await page.locator("#chat-log .msg-user").allInnerTexts();
  check("early_message_sent_once_when_connected",
    answered && sent[first] === 1 && sent[second] === 1 && after.length === 2 && after.every((t) => !/sending/.test(t)),
    `answered: ${answered}; sent: ${JSON.stringify(sent)}; bubbles: ${after.join(" | ")}`);
  check("early_message_no_page_errors", errors.length === 0, errors.join(" | "));
  await page.locator("#quick-exit").click();
  check("quick_exit_works_after_early_message",
    await page.waitForURL(config.exitUrl, { timeout: 10000, waitUntil: "commit" }).then(() => true, () => false), page.url());
  await context.close();
}

/** The scripts have run but the chat has not connected yet (Rasa held back): the message waits, visibly, then goes. */
async function beforeConnect(browser, config) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, ...PHONE });
  const page = await context.newPage();
  const sent = countSent(page);
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  await page.route(/\/socket\.io\//, async (route) => { await gate; await route.continue().catch(() => {}); });
  await page.goto(config.webUrl);
  await page.waitForFunction(() => Boolean(window.yanaChat), null, { timeout: 10000 }).catch(() => {});
  await page.locator("#chat-input").fill("how do I report domestic abuse");
  await page.locator("#chat-input").press("Enter");
  const marker = await page.locator("#chat-log .msg-user .sending").count();
  release();
  await connected(page);
  const answered = await page.locator("#chat-log .msg-bot", { hasText: "101" }).first()
    .waitFor({ timeout: REPLY_TIMEOUT }).then(() => true, () => false);
  const left = await page.locator("#chat-log .msg-user .sending").count();
  check("message_before_connect_waits_visibly_then_goes",
    marker === 1 && answered && left === 0 && sent["how do I report domestic abuse"] === 1,
    `marker ${marker}, answered ${answered}, markers left ${left}, sent ${JSON.stringify(sent)}`);
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await context.close();
}

export async function slow(browser, config) {
  const times = await timeline(browser, config);
  // As a person would, on the throttled connection alone: Esc the moment the page shows.
  const natural = await exitAtFirstPaint(browser, config, { hold: false, how: "Esc" });
  figure("slow_esc_at_first_paint", { ...natural, scriptsRun: times.scriptsRun });
  // Made certain: the scripts held back until the page has gone.
  for (const how of ["Esc", "click"]) {
    const held = await exitAtFirstPaint(browser, config, { hold: true, how });
    figure(`slow_${how.toLowerCase()}_scripts_held`, held);
    check(`quick_exit_${how.toLowerCase()}_at_first_paint`, held.early && held.left,
      `scripts had run: ${!held.early}; left: ${held.left}; first paint ${held.firstPaint} ms, landed ${held.landedAt} ms`);
    check(`quick_exit_${how.toLowerCase()}_at_first_paint_back_does_not_return`,
      held.left && held.back === `${config.exitUrl}?before`, held.back);
  }
  await earlyMessages(browser, config);
  await beforeConnect(browser, config);
}
