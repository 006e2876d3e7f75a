// Helpers shared by the browser-test phases: results, waiting for the chat, axe, slow network, live-region recording.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
export const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const REPLY_TIMEOUT = 60000;
export const results = { checks: {}, timings: {}, figures: {}, errors: [] };

export const PHONE = { isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
// Chrome DevTools' throttling of a slow mobile connection: 400 kbit/s both ways, 400 ms latency.
export const SLOW_NETWORK = { offline: false, latency: 400, downloadThroughput: 400000 / 8, uploadThroughput: 400000 / 8 };

export function check(name, ok, detail = "") {
  results.checks[name] = { ok: Boolean(ok), detail: String(detail).slice(0, 800) };
}

export function figure(name, value) { results.figures[name] = value; }

export const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export async function connected(page, timeout = REPLY_TIMEOUT) {
  await page.waitForFunction(() => document.getElementById("chat-status").textContent.startsWith("Connected"),
    null, { timeout });
}

/** Types a message like a person, sends it with Enter, waits for a bot message matching `expected`. */
export async function ask(page, text, expected) {
  const started = Date.now();
  await page.locator("#chat-input").fill(text);
  await page.locator("#chat-input").press("Enter");
  await page.locator("#chat-log .msg-bot", { hasText: expected }).first().waitFor({ timeout: REPLY_TIMEOUT });
  results.timings[text] = Date.now() - started;
}

export async function axeSerious(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
  }));
  return result.violations.filter((v) => ["serious", "critical"].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Throttles this page's network as Chrome DevTools does (CDP Network.emulateNetworkConditions). */
export async function slowNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK);
  return cdp;
}

/** Holds back the page's external scripts until `release()` is called: "before the scripts load", made certain. */
export async function holdScripts(page) {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  await page.route(/\.js(\?.*)?$/, async (route) => { await gate; await route.continue().catch(() => {}); });
  return { release };
}

/** Waits for the first paint of something (First Contentful Paint); returns its time in ms after navigation start. */
export async function firstPaint(page) {
  const handle = await page.waitForFunction(() => {
    const paint = performance.getEntriesByType("paint").find((entry) => entry.name === "first-contentful-paint");
    return paint ? paint.startTime : null;
  }, null, { timeout: REPLY_TIMEOUT, polling: 20 });
  return Math.round(await handle.jsonValue());
}

/** Whether the page's own scripts (chat.js) have started. */
export async function scriptsStarted(page) { return page.evaluate(() => Boolean(window.yanaChat)); }

/** Height and edges of an element, in CSS pixels, or null when it is not displayed. */
export async function box(page, selector) {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel);
    if (!element || !element.getClientRects().length) { return null; }
    const rect = element.getBoundingClientRect();
    return { top: rect.top, bottom: rect.bottom, height: Math.round(rect.height * 10) / 10 };
  }, selector);
}

/** Checks that the banner stays within 20% of the viewport; records its height. */
export async function bannerWithin(page, name) {
  const viewport = page.viewportSize();
  const banner = await box(page, "#emergency");
  const height = banner ? banner.height : null;
  const share = height === null ? null : Math.round((height / viewport.height) * 1000) / 10;
  figure(name, { px: height, percent: share, viewport: `${viewport.width}x${viewport.height}` });
  check(name, height !== null && height <= viewport.height * 0.2,
    `${height} px = ${share}% of ${viewport.width}x${viewport.height}`);
}

/** Checks that the chat input is fully on screen, below the sticky masthead and banner. */
export async function inputUncovered(page, name) {
  const measure = () => {
    const input = document.getElementById("chat-input").getBoundingClientRect();
    const top = document.querySelector(".top").getBoundingClientRect();
    const found = { input: [Math.round(input.top), Math.round(input.bottom)], topBottom: Math.round(top.bottom),
      viewport: window.innerHeight };
    return { ...found, ok: found.input[0] >= found.topBottom && found.input[1] <= found.viewport };
  };
  // The page moves the input on the resize event, which the browser dispatches with the next frame: allow it a second.
  await page.waitForFunction(`(${measure})().ok`, null, { timeout: 1000 }).catch(() => {});
  const { ok, ...found } = await page.evaluate(measure);
  check(name, ok, JSON.stringify(found));
}

/**
 * Records what screen readers are given: changes to live regions (aria-live, role alert/status/log), grouped by
 * animation frame, as the accessibility tree is updated once per frame. An atomic region is announced whole;
 * otherwise only the nodes added in that frame. An announcement counts as lost ("cut") when its region is
 * overwritten, or its nodes removed, within READ_MS: too soon for a screen reader to have said it.
 */
export const READ_MS = 1000;

export async function recordAnnouncements(page) {
  await page.evaluate(() => {
    window.announced = [];
    if (window.removedAt) { return; }  // already recording in this page: start a fresh list only
    const removedAt = new WeakMap();
    const regions = [];
    const live = (node) => {
      const element = node.nodeType === 1 ? node : node.parentElement;
      return element && element.closest('[aria-live]:not([aria-live="off"]), [role="alert"], [role="status"], [role="log"]');
    };
    const politeness = (region) => region.getAttribute("aria-live")
      || (region.getAttribute("role") === "alert" ? "assertive" : "polite");
    const atomic = (region) => region.getAttribute("aria-atomic") === "true"
      || (["alert", "status"].includes(region.getAttribute("role")) && region.getAttribute("aria-atomic") !== "false");
    let frame = new Map();
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      frame.forEach((added, region) => {
        if (!regions.includes(region)) { regions.push(region); }
        const nodes = added.filter((node) => region.contains(node));
        const whole = atomic(region);
        const text = whole ? region.textContent : nodes.map((node) => node.textContent).join(" ");
        if (text.trim()) {
          window.announced.push({ t: Math.round(performance.now()), politeness: politeness(region), text: text.trim(),
            region: regions.indexOf(region), atomic: whole, nodes });
        }
      });
      frame = new Map();
    };
    window.removedAt = removedAt;
    new MutationObserver((mutations) => {
      const now = performance.now();
      mutations.forEach((mutation) => {
        mutation.removedNodes.forEach((node) => { if (!removedAt.has(node)) { removedAt.set(node, now); } });
        const region = live(mutation.target);
        if (!region) { return; }
        if (!frame.has(region)) { frame.set(region, []); }
        frame.get(region).push(...(mutation.type === "characterData" ? [mutation.target] : mutation.addedNodes));
      });
      if (!scheduled) { scheduled = true; requestAnimationFrame(flush); }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** What was announced, each entry marked `cut` when it was overwritten or removed too soon to be read. */
export async function announcements(page) {
  return page.evaluate((readMs) => window.announced.map((entry, i) => {
    const next = window.announced.slice(i + 1).find((other) => other.region === entry.region);
    const overwritten = entry.atomic && next && next.t - entry.t < readMs;
    const removed = !entry.atomic && entry.nodes.some((node) => window.removedAt.has(node)
      && window.removedAt.get(node) - entry.t < readMs);
    return { t: entry.t, politeness: entry.politeness, text: entry.text, cut: Boolean(overwritten || removed) };
  }), READ_MS);
}

/**
 * Checks how the bot messages `texts` (in the order sent) were announced: each on its own, none merged with another;
 * with `assertive` (a text), that one first and in an assertive region, and the others politely.
 */
export async function checkAnnounced(page, prefix, texts, assertive = null) {
  const said = await announcements(page);
  const mentions = (entry, text) => entry.text.includes(text);
  const relevant = said.filter((entry) => !entry.cut && texts.some((text) => mentions(entry, text)));
  const summary = said.filter((entry) => texts.some((text) => mentions(entry, text)))
    .map((e) => `${e.t} ${e.politeness}${e.cut ? " (cut)" : ""}: ${e.text.slice(0, 60)}`).join(" | ");
  const merged = relevant.filter((entry) => texts.filter((text) => mentions(entry, text)).length > 1);
  check(`${prefix}_each_message_announced_alone`,
    merged.length === 0 && texts.every((text) => relevant.some((entry) => mentions(entry, text))), summary);
  if (assertive) {
    const first = relevant[0];
    check(`${prefix}_999_in_assertive_region`,
      relevant.some((entry) => entry.politeness === "assertive" && mentions(entry, assertive)), summary);
    check(`${prefix}_999_announced_first`,
      Boolean(first) && first.politeness === "assertive" && mentions(first, assertive), summary);
    check(`${prefix}_rest_polite`, relevant.filter((entry) => !mentions(entry, assertive))
      .every((entry) => entry.politeness === "polite"), summary);
  }
}

/** Words of `a` that appear in `b` as a run of four or more: the banner must not repeat the bot's text. */
export function sharedRuns(a, b, size = 4) {
  const words = (text) => text.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").split(/\s+/).filter(Boolean);
  const theirs = new Set();
  const other = words(b);
  for (let i = 0; i + size <= other.length; i += 1) { theirs.add(other.slice(i, i + size).join(" ")); }
  const ours = words(a);
  const shared = [];
  for (let i = 0; i + size <= ours.length; i += 1) {
    const run = ours.slice(i, i + size).join(" ");
    if (theirs.has(run)) { shared.push(run); }
  }
  return shared;
}
