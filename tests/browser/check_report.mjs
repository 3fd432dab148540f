// Opens a `calibra compare --html` report in headless Chromium (Debian's, via playwright-core)
// and checks: no console errors or page errors; the page's script ran (body[data-ready]);
// every number shown (data-key / data-value) equals the JSON report's value at that path;
// the embedded JSON equals the JSON report; sorting and the time-delta filter work.
// Usage: node check_report.mjs REPORT.html REPORT.json
// Ends with "N passed, N failed" and exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [htmlPath, jsonPath] = process.argv.slice(2);
if (!htmlPath || !jsonPath) {
  console.error('usage: node check_report.mjs REPORT.html REPORT.json');
  process.exit(2);
}
const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}
function at(obj, key) {
  return key.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push('network request: ' + r.url()); });
  await page.goto(pathToFileURL(htmlPath).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10000 });
  check(true, 'page script ran');

  // Numbers shown = JSON numbers (compared as numbers, not text).
  const cells = await page.$$eval('[data-key][data-value]', (els) => els.map((e) => [e.getAttribute('data-key'), e.getAttribute('data-value')]));
  check(cells.length > 20, `the page shows numbers (found ${cells.length})`);
  let mismatches = 0;
  for (const [key, value] of cells) {
    const want = at(report, key);
    if (typeof want !== 'number' || Number(value) !== want) {
      mismatches++;
      if (mismatches <= 5) console.log(`  ${key}: page ${value}, JSON ${JSON.stringify(want)}`);
    }
  }
  check(mismatches === 0, `${mismatches} of ${cells.length} numbers differ from the JSON`);

  // The embedded data is the report.
  const embedded = JSON.parse(await page.$eval('#report-data', (e) => e.textContent));
  check(JSON.stringify(embedded) === JSON.stringify(report), 'embedded JSON equals the JSON report');

  // Charts are there (inline SVG).
  const charts = await page.$$eval('figure svg', (s) => s.length);
  check(charts >= 4, `charts rendered (${charts})`);

  // Sorting: click "A ms" twice -> descending by A's time.
  const layerCount = report.layers.length;
  const rowsShown = await page.$$eval('#layers tbody tr', (r) => r.length);
  check(rowsShown === layerCount, `layer table has every layer (${rowsShown} of ${layerCount})`);
  const header = page.locator('#layers th').nth(5);  // "A ms"
  const aTimes = () => page.$$eval('#layers tbody tr', (rows) => rows.map((r) => parseFloat(r.cells[5].getAttribute('data-value'))).filter((v) => !isNaN(v)));
  await header.click();
  const up = await aTimes();
  check(up.length > 1 && up.every((v, i) => i === 0 || up[i - 1] <= v), 'first click on "A ms" sorts ascending');
  await header.click();
  const down = await aTimes();
  check(down.every((v, i) => i === 0 || down[i - 1] >= v), 'second click sorts descending');

  // Filter: a threshold above every |delta| hides every row; 0 shows them all.
  const maxDelta = Math.max(...report.layers.map((l) => Math.abs(l.delta_ms)));
  await page.fill('#min-delta', String(maxDelta * 2 + 1));
  const visible = await page.$$eval('#layers tbody tr', (rows) => rows.filter((r) => r.style.display !== 'none').length);
  check(visible === 0, `filter hides rows under the threshold (${visible} visible)`);
  await page.fill('#min-delta', '0');
  const all = await page.$$eval('#layers tbody tr', (rows) => rows.filter((r) => r.style.display !== 'none').length);
  check(all === layerCount, 'filter 0 shows every row');

  if (report.predictions && report.predictions.changed > 0) {
    const changes = await page.$$eval('#changes tbody tr', (r) => r.length);
    check(changes === report.predictions.changed, `every changed prediction is listed (${changes})`);
  }
  check(problems.length === 0, 'no console errors, page errors or network requests:\n  ' + problems.join('\n  '));
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
