// A phone against the real bot: 360x420 (a 360x780 screen with the keyboard open), a danger message, the banner and
// the screen-reader announcements, then the keyboard closed (360x780); screenshots and axe.
import path from "node:path";
import {
  PHONE, ask, axeSerious, bannerWithin, check, checkAnnounced, connected, inputUncovered, recordAnnouncements,
} from "./lib.mjs";

export async function mobile(browser, config) {
  const context = await browser.newContext({ viewport: { width: 360, height: 420 }, ...PHONE });
  const page = await context.newPage();
  await page.goto(config.webUrl);
  await connected(page);
  await page.screenshot({ path: path.join(config.outDir, "chat-360-start.png") });
  await recordAnnouncements(page);
  // As in Safari, which has no scroll anchoring: the page itself must keep the input in view as the banner appears.
  await page.evaluate(() => {
    [document.documentElement, document.body].forEach((element) => { element.style.overflowAnchor = "none"; });
  });
  await page.locator("#chat-input").focus();
  // Typing at the bottom edge of what the keyboard leaves, where a growing banner would push the input out of view.
  await page.evaluate(() => document.getElementById("chat-input").scrollIntoView({ block: "end" }));
  await ask(page, "cant talk he'll hear", "999");
  await page.locator("#emergency").waitFor({ state: "visible", timeout: 20000 })
    .then(() => check("mobile_banner_shows", true)).catch((error) => check("mobile_banner_shows", false, error.message));
  await page.locator("#chat-log .msg-bot", { hasText: /safe/i }).last().waitFor({ timeout: 20000 }).catch(() => {});
  await page.waitForTimeout(2500);

  // The keyboard is open: the banner takes at most a fifth of what is left, and the input stays in view.
  await bannerWithin(page, "banner_within_20pct_at_360x420");
  await inputUncovered(page, "input_uncovered_at_360x420");
  await page.screenshot({ path: path.join(config.outDir, "chat-360x420-banner.png") });

  const bot = await page.locator("#chat-log .msg-bot .text").allInnerTexts();
  const danger = bot.find((text) => /999/.test(text));
  check("real_bot_sent_999", Boolean(danger), bot.join(" | "));
  await checkAnnounced(page, "real_bot", bot, danger || "999");

  await page.setViewportSize({ width: 360, height: 780 });
  await page.waitForTimeout(300);
  await bannerWithin(page, "banner_within_20pct_at_360x780");
  await inputUncovered(page, "input_uncovered_at_360x780");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check("mobile_no_horizontal_scroll", width <= 360, `scrollWidth ${width}`);
  await page.screenshot({ path: path.join(config.outDir, "chat-360-banner.png") });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(config.outDir, "chat-360.png"), fullPage: true });
  const axeMobile = await axeSerious(page);
  check("axe_mobile_no_serious", axeMobile.length === 0, axeMobile.join("; "));
  await context.close();
}
