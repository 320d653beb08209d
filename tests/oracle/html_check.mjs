// Opens a trustscan HTML report in headless Chromium and prints what a reader sees, as JSON:
// every request the page makes, per target the verdict word and the findings rendered, and
// for every link to a finding's code line whether that line was visible before the click and
// after it. The Rust test (crates/trustscan/tests/html_report.rs) compares this with the
// scan's JSON; this script only observes.
//   node tests/oracle/html_check.mjs PLAYWRIGHT_CORE_DIR REPORT.html
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pwDir, report] = process.argv.slice(2);
const { chromium } = createRequire(join(resolve(pwDir), "package.json"))("playwright-core");
const url = pathToFileURL(resolve(report)).href;
const profile = mkdtempSync(join(tmpdir(), "trustscan-chromium-"));

// Without these Chromium waits on the network (component updates, sync, QUIC probes).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  timeout: 60000,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const cspViolations = [];
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(url, { waitUntil: "load" });

  const targets = await page.$$eval("section.target", (sections) =>
    sections.map((s) => ({
      verdict: s.querySelector(".verdict .word")?.textContent ?? null,
      // An entry per line of code; it holds every finding on that line.
      entries: s.querySelectorAll(".finding").length,
      findings: [...s.querySelectorAll(".finding")].reduce(
        (n, f) => n + Number(f.dataset.findings ?? 1),
        0,
      ),
    })),
  );
  // Elements that run or fetch something: the report has none, injected markup would.
  const active = await page.$$eval("script, img, iframe, object, embed, link, [src]", (e) => e.length);

  // Each code link on a freshly loaded page: open the finding's group if it starts closed
  // (as a reader would), click the link, then look at the line it targets.
  const hrefs = await page.$$eval("a.code-link", (as) => as.map((a) => a.getAttribute("href")));
  const links = [];
  for (const href of hrefs) {
    await page.goto(url, { waitUntil: "load" });
    const link = page.locator(`a.code-link[href="${href}"]`);
    const line = page.locator(href);
    const before = await line.isVisible();
    if (!(await link.isVisible())) {
      await link.locator("xpath=ancestor::details[1]/summary").click();
    }
    await link.click();
    await page.waitForFunction((h) => location.hash === h, href);
    const after = await line.isVisible();
    // A pixel of slack: scrolling to a fragment lands on sub-pixel positions.
    const inViewport = await line.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
    });
    links.push({ href, before, after, inViewport });
  }
  console.log(JSON.stringify({ url, requests, cspViolations, active, targets, links }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
