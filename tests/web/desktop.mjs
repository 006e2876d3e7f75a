// Desktop (1280x900) against the real bot: a conversation, the banner, buttons, storage, quick exit, keyboard, axe.
import path from "node:path";
import {
  REPLY_TIMEOUT, ask, axeSerious, box, check, connected, inputUncovered, results, sharedRuns,
} from "./lib.mjs";

async function botCount(page) { return page.locator("#chat-log .msg-bot").count(); }

export async function desktop(browser, config) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => { if (message.type() === "error") { problems.push(message.text()); } });
  page.on("pageerror", (error) => problems.push(error.message));
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
  check("report_answer_has_101", true, `${results.timings["how do I report domestic abuse"]} ms`);

  await ask(page, "he's got a knife", "999");
  const banner = page.locator("#emergency");
  await banner.waitFor({ state: "visible", timeout: 20000 })
    .then(() => check("danger_shows_banner", true, `${results.timings["he's got a knife"]} ms`))
    .catch((error) => check("danger_shows_banner", false, error.message));
  check("banner_has_tel_999", await banner.locator('a[href="tel:999"]').count() === 1);
  await page.locator("#chat-log .msg-bot", { hasText: /safe/i }).last().waitFor({ timeout: 20000 })
    .then(() => check("turn_continues_after_escalation", true))
    .catch((error) => check("turn_continues_after_escalation", false, error.message));
  const bannerText = await banner.innerText();
  const botText = (await page.locator("#chat-log .msg-bot").allInnerTexts()).join(" ");
  const repeated = sharedRuns(bannerText, botText);
  check("banner_does_not_repeat_bot_text", repeated.length === 0, `${bannerText} | shared: ${repeated.join(", ")}`);
  await inputUncovered(page, "desktop_banner_leaves_input_uncovered");

  await ask(page, "thanks", /./);
  await page.waitForTimeout(500);
  check("banner_stays", await banner.isVisible());
  check("no_cookies", (await context.cookies()).length === 0 && await page.evaluate(() => document.cookie) === "");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(config.outDir, "chat-1280.png"), fullPage: true });
  const axeDesktop = await axeSerious(page);
  check("axe_desktop_no_serious", axeDesktop.length === 0, axeDesktop.join("; "));

  // Collapsing keeps the call link and gives the room back; it can be expanded again.
  const toggle = page.locator("#emergency-toggle");
  if (await toggle.count()) {
    const open = await box(page, "#emergency");
    await toggle.click();
    const closed = await box(page, "#emergency");
    check("banner_collapses", await toggle.getAttribute("aria-expanded") === "false" && closed.height < open.height
      && await banner.locator('a[href="tel:999"]').isVisible(), `${open.height} -> ${closed.height} px`);
    await toggle.click();
    check("banner_expands_again", await toggle.getAttribute("aria-expanded") === "true");
  } else {
    check("banner_collapses", false, "no #emergency-toggle");
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

  // Esc leaves from every page of the demo site, not only the chat page.
  const stayed = [];
  for (const name of config.pages) {
    await page.goto(`${config.exitUrl}?before`);
    await page.goto(new URL(`${name}?visit`, config.webUrl).href);
    await page.keyboard.press("Escape");
    await page.waitForURL(config.exitUrl, { timeout: 5000 }).catch(() => stayed.push(name));
  }
  check("escape_works_on_every_page", stayed.length === 0, `no exit from: ${stayed.join(", ")}`);
  check("no_console_errors", problems.length === 0, problems.join(" | "));
  await context.close();
}
