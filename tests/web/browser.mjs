// Drives Debian's Chromium through the website chat; prints one JSON line {checks: {name: {ok, detail}}, figures, ...}.
// Usage: node tests/web/browser.mjs '{"webUrl": ..., "exitUrl": ..., "outDir": ..., "chromium": ..., "pages": [...],
//                                    "phases": ["desktop", "mobile", "slow" | "scripted"]}'
import { existsSync } from "node:fs";
import path from "node:path";
import { desktop } from "./desktop.mjs";
import { chromium, check, results } from "./lib.mjs";
import { mobile } from "./mobile.mjs";
import { scripted } from "./scripted.mjs";
import { slow } from "./slow.mjs";

const PHASES = { desktop, mobile, slow, scripted };
const config = JSON.parse(process.argv[2]);

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
for (const name of config.phases) {
  try {
    await PHASES[name](browser, config);
  } catch (error) {
    results.errors.push(`${name}: ${error.message}`);
  }
}
await browser.close();
if (config.phases.includes("desktop")) {
  check("screenshots_written", ["chat-1280.png", "chat-360.png"].every((f) => existsSync(path.join(config.outDir, f))));
}
console.log(JSON.stringify(results));
