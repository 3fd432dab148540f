#!/usr/bin/env node
// End-to-end walk through the workbench in headless Chromium against the mock server
// (or any server given as BASE): token from the URL fragment, create a project, live progress,
// settings and usage validation, the INT8 button, calibration (success and failure), compare,
// cancel and re-run. Every step uses data-testid selectors.
//
//   node dev/mock-server.mjs --static dist --port 8091 --speed 4 --token t0ken &
//   node dev/e2e.mjs http://127.0.0.1:8091 t0ken
import { launch, newPage } from './browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8091';
const token = process.argv[3] ?? '';
const T = (id) => `[data-testid="${id}"]`;
let step = '';
const ok = (cond, msg) => {
  if (!cond) throw new Error(`${step}: ${msg}`);
};

const browser = await launch();
const { page, problems } = await newPage(browser, base);
page.setDefaultTimeout(20000);
try {
  step = 'open with token';
  await page.goto(`${base}/${token ? `#token=${token}` : ''}`);
  await page.waitForSelector(T('project-row'));
  ok(!page.url().includes('token='), 'the token stays in the address bar');
  await page.waitForSelector(`${T('conn-status')}[data-conn="open"]`);
  const rows = await page.$$eval(T('project-row'), (rs) => rs.map((r) => ({ id: r.dataset.projectId, parent: r.dataset.parentId })));
  ok(rows.length >= 3, `expected 3 seeded projects, got ${rows.length}`);
  const child = rows.find((r) => r.parent);
  ok(child && rows.findIndex((r) => r.id === child.parent) === rows.indexOf(child) - 1, 'INT8 child sits under its parent');

  step = 'create project';
  await page.click(T('create-project'));
  await page.click(`${T('model-option')}:has-text("fmnist_resnet"):not(:has-text("INT8"))`);
  await page.waitForSelector(T('model-info'));
  ok((await page.textContent(T('model-int8'))).includes('possible'), 'model info shows INT8 possible');
  await page.click(T('dataset-mode-builtin'));
  await page.click(T('builtin-fashion-mnist-test'));
  await page.waitForSelector(T('selected-dataset'));
  await page.fill(T('project-name'), 'e2e resnet');
  await page.click(T('create-submit'));
  await page.waitForSelector(T('project-page'));
  const pid = Number(await page.getAttribute(T('project-page'), 'data-project-id'));
  await page.waitForSelector(`${T('project-status')}[data-status="running"], ${T('project-status')}[data-status="queued"]`);
  await page.waitForSelector(T('inference-progress'));
  await page.waitForSelector(`${T('project-status')}[data-status="ready"]`);
  await page.waitForSelector(T('stat-top1-value'));
  ok(/%/.test(await page.textContent(T('stat-top1-value'))), 'top-1 shown');
  ok((await page.$$(T('profile-row'))).length > 10, 'profile rows');

  step = 'settings validation';
  await page.click(T('tab-inference'));
  await page.fill(T('settings-batch'), '0');
  await page.click(T('settings-save'));
  await page.waitForSelector(T('settings-field-batch-error'));
  await page.fill(T('settings-batch'), '2');
  await page.click(T('settings-save'));
  await page.waitForSelector(T('toast-success'));

  step = 'usage dialog server error';
  await page.click(T('tab-optimize'));
  await page.click(T('configure-accuracy'));
  await page.selectOption(T('usage-color'), 'rgb');
  await page.fill(T('usage-mean'), '0.5, 0.5, 0.5');
  await page.fill(T('usage-std'), '0.2, 0.2, 0.2');
  await page.click(T('usage-save'));
  await page.waitForSelector(T('usage-field-color-error'));
  ok((await page.textContent(T('usage-field-color-error'))).includes('channel'), 'server message next to the color field');
  await page.selectOption(T('usage-color'), 'gray');
  await page.fill(T('usage-mean'), '0.286');
  await page.fill(T('usage-std'), '0.353');
  await page.click(T('usage-save'));
  await page.waitForSelector(T('accuracy-dialog'), { state: 'detached' });

  step = 'INT8 unavailable on a generated dataset';
  const gen = await page.evaluate(async () => {
    const t = sessionStorage.getItem('calibra.token');
    const r = await fetch('/api/projects', { headers: t ? { Authorization: `Bearer ${t}` } : {} });
    return (await r.json()).find((p) => p.dataset?.origin === 'generated')?.id;
  });
  await page.goto(`${base}/#/projects/${gen}/optimize`);
  await page.waitForSelector(`${T('int8-button')}[data-available="false"]`);
  ok(await page.isDisabled(T('int8-button')), 'INT8 button disabled');
  ok((await page.textContent(T('int8-disabled-reason'))).includes('generated'), 'reason shown');

  step = 'calibrate';
  await page.goto(`${base}/#/projects/${pid}/optimize`);
  await page.click(T('int8-button'));
  await page.waitForSelector(T('calibrate-page'));
  await page.waitForSelector(T('calib-same-dataset-warning'));
  const trainId = await page.$eval(T('calib-dataset'), (s) => [...s.options].find((o) => o.text.includes('train'))?.value);
  await page.selectOption(T('calib-dataset'), trainId);
  ok(!(await page.$(T('calib-same-dataset-warning'))), 'warning gone for another dataset');
  await page.fill(T('calib-subset'), '200');
  await page.click(T('calib-method-accuracy_aware'));
  await page.fill(T('calib-max-drop'), '0');
  await page.click(T('calibrate-submit'));
  await page.waitForSelector(T('calib-field-max-drop-error'));
  await page.fill(T('calib-max-drop'), '1');
  await page.selectOption(T('calib-algorithm'), 'kl');
  await page.click(T('calibrate-submit'));
  await page.waitForSelector(T('projects-page'));
  const childRow = `${T('project-row')}[data-parent-id="${pid}"]`;
  await page.waitForSelector(`${childRow} ${T('progress-bar')}`);
  await page.waitForSelector(`${childRow} ${T('status-cell')}[data-status="ready"]`, { timeout: 30000 });
  const childId = Number(await page.getAttribute(childRow, 'data-project-id'));

  step = 'INT8 project page';
  await page.goto(`${base}/#/projects/${childId}`);
  await page.waitForSelector(T('calibration-summary'));
  ok((await page.textContent(T('calib-algorithm'))).includes('kl'), 'calibration report algorithm');
  ok((await page.$$(`${T('profile-row')}[data-precision="U8"]`)).length > 0, 'U8 layers in the profile');
  await page.click(T('tab-optimize'));
  ok(await page.isDisabled(T('int8-button')), 'INT8 button disabled on a child');

  step = 'calibration failure';
  await page.goto(`${base}/#/projects/${pid}/calibrate`);
  await page.fill(T('calib-subset'), '13');
  await page.click(T('calibrate-submit'));
  await page.waitForSelector(T('projects-page'));
  await page.waitForSelector(`${T('project-row')}[data-parent-id="${pid}"] ${T('status-cell')}[data-status="failed"]`, { timeout: 30000 });
  const failedId = await page.$$eval(`${T('project-row')}[data-parent-id="${pid}"]`, (rs) => rs.find((r) => r.querySelector('[data-status="failed"]'))?.dataset.projectId);
  await page.goto(`${base}/#/projects/${failedId}`);
  await page.waitForSelector(T('project-error'));
  ok((await page.textContent(`${T('project-error')} ${T('error-hint')}`)).length > 3, 'hint shown');
  await page.click(`${T('project-error')} ${T('job-log-link')}`);
  await page.waitForSelector(T('job-page'));
  await page.waitForFunction(() => document.querySelector('[data-testid="job-log"] pre')?.textContent?.includes('error'));
  await page.waitForSelector(T('job-rerun'));

  step = 'compare';
  await page.goto(`${base}/#/compare?b=${childId}`);
  ok((await page.$eval(T('compare-a'), (s) => s.value)) === String(pid), 'A defaults to the parent');
  await page.click(T('compare-start'));
  await page.waitForSelector(T('compare-progress'));
  await page.waitForSelector(T('compare-report'), { timeout: 30000 });
  const all = (await page.$$(T('compare-row'))).length;
  ok(all >= 15, `compare rows: ${all}`);
  ok((await page.$$(`${T('compare-row')}[data-prec-a="FP32"][data-prec-b="U8"]`)).length > 5, 'FP32 -> U8 rows');
  await page.fill(T('compare-delta-filter'), '0.005');
  const deltas = await page.$$eval(T('compare-row'), (rs) => rs.map((r) => Number(r.dataset.delta)));
  ok(deltas.length > 0 && deltas.length < all && deltas.every((d) => Math.abs(d) >= 0.005), 'delta filter');
  await page.click(T('compare-table-th-delta'));
  const sorted = await page.$$eval(T('compare-row'), (rs) => rs.map((r) => Number(r.dataset.delta)));
  ok(sorted.every((d, i) => i === 0 || sorted[i - 1] <= d), 'sorted by delta');
  ok((await page.$$(T('prediction-row'))).length > 0, 'prediction diff rows');
  const href = await page.getAttribute(T('compare-html-report'), 'href');
  ok(href.includes('/report.html') && (!token || href.includes('token=')), 'report link');

  step = 'cancel and re-run';
  await page.goto(`${base}/#/projects/${pid}/jobs`);
  await page.waitForSelector(T('jobs-table'));
  await page.click(T('run-inference'));
  await page.waitForSelector(`${T('job-row')}[data-status="running"] ${T('job-cancel')}, ${T('job-row')}[data-status="queued"] ${T('job-cancel')}`);
  await page.click(T('job-cancel'));
  await page.waitForSelector(`${T('job-row')}[data-status="cancelled"] ${T('job-rerun')}`);
  await page.click(`${T('job-row')}[data-status="cancelled"] ${T('job-rerun')}`);
  await page.waitForSelector(`${T('job-row')}[data-status="running"], ${T('job-row')}[data-status="queued"]`);
  await page.click(T('job-log-toggle'));
  await page.waitForSelector(T('job-log'));

  step = 'api error page';
  await page.goto(`${base}/#/projects/9999`);
  await page.waitForSelector(T('error-box'));
  ok((await page.textContent(T('error-message'))).length > 3, 'error message for a missing project');

  console.log('e2e: all steps passed');
} catch (e) {
  console.error('e2e FAILED at', e.message);
  await page.screenshot({ path: '/tmp/e2e-failure.png', fullPage: true }).catch(() => {});
  process.exitCode = 1;
}
await browser.close();
const real = problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|404|409)/.test(p));
if (real.length) {
  console.error('browser problems:\n' + real.join('\n'));
  process.exitCode = 1;
}
