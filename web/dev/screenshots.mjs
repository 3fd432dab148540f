#!/usr/bin/env node
// Screenshots of every page at 1280x800 for design review:
//   node dev/screenshots.mjs [BASE_URL] [OUT_DIR]     (default http://127.0.0.1:8090, dev/screenshots)
// Run against the mock (node dev/mock-server.mjs --static dist) or a real calibra serve.
import fs from 'node:fs';
import path from 'node:path';
import { launch, newPage } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8090';
const out = process.argv[3] ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'screenshots');
fs.mkdirSync(out, { recursive: true });

const shots = (process.env.SHOTS ?? '').split(',').filter(Boolean);
const pages = [
  ['projects', '#/projects'],
  ['create', '#/create'],
  ['project-performance', '#/projects/1'],
  ['project-optimize', '#/projects/1/optimize'],
  ['project-inference', '#/projects/1/inference'],
  ['project-jobs', '#/projects/1/jobs'],
  ['int8-performance', '#/projects/2'],
  ['int8-optimize', '#/projects/2/optimize'],
  ['generated-optimize', '#/projects/3/optimize'],
  ['calibrate', '#/projects/1/calibrate'],
  ['compare', '#/compare?a=1&b=2'],
  ['job', '#/jobs/7'],
  ['notfound', '#/nope'],
];

const browser = await launch();
const { page, problems } = await newPage(browser, base);
for (const [name, hash] of pages) {
  if (shots.length && !shots.includes(name)) continue;
  await page.goto(`${base}/${hash}`);
  await page.waitForTimeout(900);
  await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: !!process.env.FULL });
  console.log('shot', name);
}
await browser.close();
if (problems.length) {
  console.log('PROBLEMS:\n' + problems.join('\n'));
  process.exit(1);
}
