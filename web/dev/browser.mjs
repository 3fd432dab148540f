// Shared launcher: Debian's chromium driven by playwright-core (installed for the repo's browser
// tests in tests/browser/node_modules; set PLAYWRIGHT_CORE to another copy if needed).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const candidates = [process.env.PLAYWRIGHT_CORE, path.join(here, '..', 'node_modules', 'playwright-core'), path.join(here, '..', '..', 'tests', 'browser', 'node_modules', 'playwright-core')].filter(Boolean);

export async function launch() {
  let pw = null;
  for (const c of candidates) {
    try {
      pw = createRequire(import.meta.url)(c);
      break;
    } catch {
      /* try the next */
    }
  }
  if (!pw) throw new Error(`playwright-core not found (tried ${candidates.join(', ')})`);
  return pw.chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors, page errors and requests that leave the origin. */
export async function newPage(browser, base) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const problems = [];
  const origin = new URL(base).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`external request: ${u}`);
  });
  return { ctx, page, problems };
}
