// A phone (360x740) against the real bot: a danger message raises the banner; screenshots and axe.
import path from "node:path";
import { PHONE, ask, axeSerious, check, connected } from "./lib.mjs";

export async function mobile(browser, config) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, ...PHONE });
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
