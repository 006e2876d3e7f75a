// A phone (360x780) against the scripted stand-in for Rasa (scripted_rasa.py): the "check" escalation of issue 13,
// an escalation after the banner was collapsed, a burst of messages, and links. Replies as in the real channel.
import path from "node:path";
import {
  PHONE, ask, axeSerious, bannerWithin, check, checkAnnounced, connected, inputUncovered, recordAnnouncements,
  sharedRuns,
} from "./lib.mjs";

const CHECK = "If you or someone else is in danger now, call 999.";
const ASK = "Are you in danger right now?";
const SELF = "If you're in immediate danger, call 999 now.";
const CHECKIN = "This chat can't send help.";

export async function scripted(browser, config) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, ...PHONE });
  const page = await context.newPage();
  await page.goto(config.webUrl);
  await connected(page);
  const banner = page.locator("#emergency");

  // "check": a short 999 line, then a question with buttons. A lighter banner; the 999 line said first, alone.
  await recordAnnouncements(page);
  await ask(page, "check", ASK);
  await page.locator("#chat-log .reply", { hasText: "No, not right now" }).waitFor({ timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(2500);
  check("check_raises_banner", await banner.isVisible());
  check("check_banner_is_lighter", await banner.getAttribute("data-kind") === "check", await banner.getAttribute("data-kind"));
  check("check_buttons_shown", await page.locator("#chat-log .reply").count() === 2);
  await checkAnnounced(page, "check", [CHECK, ASK], CHECK);
  const repeated = sharedRuns(await banner.innerText(), `${CHECK} ${ASK}`);
  check("check_banner_does_not_repeat_bot_text", repeated.length === 0, repeated.join(", "));
  await bannerWithin(page, "check_banner_within_20pct_at_360x780");
  await page.screenshot({ path: path.join(config.outDir, "chat-360-check-banner.png") });
  const axeCheck = await axeSerious(page);
  check("axe_check_banner_no_serious", axeCheck.length === 0, axeCheck.join("; "));
  await page.setViewportSize({ width: 360, height: 420 });
  await page.locator("#chat-input").focus();
  await bannerWithin(page, "check_banner_within_20pct_at_360x420");
  await inputUncovered(page, "check_input_uncovered_at_360x420");

  // A full escalation after the banner was collapsed: it comes back expanded, as the full banner.
  await page.locator("#emergency-toggle").click().catch(() => {});
  await recordAnnouncements(page);
  await ask(page, "knife", "immediate danger");
  await page.locator("#chat-log .msg-bot", { hasText: CHECKIN }).waitFor({ timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(2500);
  check("escalation_reexpands_collapsed_banner",
    await banner.getAttribute("data-kind") === "self" && await page.locator("#emergency-toggle").getAttribute("aria-expanded") === "true",
    `${await banner.getAttribute("data-kind")} ${await page.locator("#emergency-toggle").getAttribute("aria-expanded")}`);
  await checkAnnounced(page, "self", [SELF, CHECKIN], SELF);
  await bannerWithin(page, "self_banner_within_20pct_at_360x420");
  await inputUncovered(page, "self_input_uncovered_at_360x420");
  await page.screenshot({ path: path.join(config.outDir, "chat-360x420-scripted-banner.png") });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.waitForTimeout(300);
  await bannerWithin(page, "self_banner_within_20pct_at_360x780");
  await page.screenshot({ path: path.join(config.outDir, "chat-360-scripted-banner.png") });
  await page.locator("#emergency-toggle").click().catch(() => {});
  await page.screenshot({ path: path.join(config.outDir, "chat-360-banner-collapsed.png") });
  const axeCollapsed = await axeSerious(page);
  check("axe_collapsed_banner_no_serious", axeCollapsed.length === 0, axeCollapsed.join("; "));

  // Three messages in one burst: three announcements, none swallowed.
  await recordAnnouncements(page);
  await ask(page, "burst", "Third of three.");
  await page.waitForTimeout(2500);
  await checkAnnounced(page, "burst", ["First of three.", "Second of three.", "Third of three."]);

  // Links open in a new tab, without telling the site where the visitor came from; the chat stays.
  await ask(page, "link", "more advice");
  const link = page.locator("#chat-log .msg-bot a").last();
  const rel = ((await link.getAttribute("rel")) || "").split(/\s+/);
  check("chat_link_new_tab_noopener_noreferrer",
    await link.getAttribute("target") === "_blank" && rel.includes("noopener") && rel.includes("noreferrer"),
    `target=${await link.getAttribute("target")} rel=${rel.join(" ")}`);
  await context.route("https://www.derbyshire.police.uk/**", (route) => route.fulfill({ body: "advice", contentType: "text/plain" }));
  const [opened] = await Promise.all([context.waitForEvent("page", { timeout: 5000 }).catch(() => null), link.click()]);
  check("chat_link_keeps_chat_open", opened !== null && page.url() === config.webUrl
    && await page.locator("#chat-log .msg-bot").count() > 0, `new tab: ${opened ? opened.url() : "none"}; chat: ${page.url()}`);
  await context.close();
}
