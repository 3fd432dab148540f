// End-to-end test of the web workbench in headless Chromium (Debian's, via playwright-core)
// against a running `calibra serve --demo` (workbench.sh starts it on a fresh data folder).
//
// The flow (README "Web workbench"): the demo project's baseline; create a project by
// registering a model by server path and a dataset by server path; a third by uploading a
// model and an IDX dataset from the browser (after a refused junk file); a second project on a
// generated dataset whose INT8 button is greyed out with the reason on hover; inference
// settings; the calibrator page (dataset, subset, method, preset, algorithm, settings of the
// INT8 project); calibrate with live progress while 50 API clients poll the server (no errors,
// no lost job); the INT8 project's results with U8 layers; a failing calibration with its
// error, hint and job log; the compare page (charts, accuracy drop, per-layer table with U8,
// delta filter, prediction diff).
//
// Every assertion uses data-testid selectors. Any console error, page error, failed request or
// HTTP error response fails the test. Screenshots (1280x800) go to --artifacts.
//
// Usage: node workbench.mjs --base http://127.0.0.1:PORT --artifacts DIR --inputs DIR --root REPO
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const BASE = args.base;
const ART = args.artifacts;
const INPUTS = args.inputs;
const ROOT = args.root;
if (!BASE || !ART || !INPUTS || !ROOT) {
  console.error('usage: node workbench.mjs --base URL --artifacts DIR --inputs DIR --root REPO');
  process.exit(2);
}
mkdirSync(ART, { recursive: true });
mkdirSync(INPUTS, { recursive: true });

const T = (id) => `[data-testid="${id}"]`;
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
let current = 'start';
let shotNo = 0;
let passed = 0;
function check(cond, what) {
  if (!cond) throw new Error(`${current}: ${what}`);
  passed++;
}
function log(msg) {
  console.log(`[${secs()} s] ${msg}`);
}

// ---- inputs: a small labelled IDX dataset (the first 300 Fashion-MNIST test images) ----
const SMALL = 300;
const FMNIST = '/usr/share/datasets/fashion-mnist';
const smallImages = path.join(INPUTS, 'fmnist-small-images-idx3-ubyte.gz');
{
  const img = gunzipSync(readFileSync(`${FMNIST}/t10k-images-idx3-ubyte.gz`));
  const lab = gunzipSync(readFileSync(`${FMNIST}/t10k-labels-idx1-ubyte.gz`));
  const imgOut = Buffer.from(img.subarray(0, 16 + SMALL * 28 * 28));
  imgOut.writeUInt32BE(SMALL, 4);
  const labOut = Buffer.from(lab.subarray(0, 8 + SMALL));
  labOut.writeUInt32BE(SMALL, 4);
  writeFileSync(smallImages, gzipSync(imgOut));
  writeFileSync(path.join(INPUTS, 'fmnist-small-labels-idx1-ubyte.gz'), gzipSync(labOut));
}
const MODEL_PATH = path.join(ROOT, 'zoo', 'fmnist_mobilenetv2.onnx');

// ---- API helpers (node side) ----
async function api(p) {
  const r = await fetch(BASE + p, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`GET ${p}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitJob(id, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const j = await api(`/api/jobs/${id}`);
    if (['done', 'failed', 'cancelled', 'interrupted'].includes(j.status)) return j;
    if (Date.now() > end) throw new Error(`${current}: job ${id} still ${j.status} after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/**
 * `clients` concurrent loops of GET requests against the API until `until()` resolves (at
 * least `minMs`). Every response must be 2xx with a JSON body (the log: text).
 */
function loadCheck(clients, paths, minMs) {
  // sawRunning: a /api/health answer named `stats.watch` (the calibration job) as running.
  const stats = { requests: 0, errors: [], watch: null, sawRunning: false };
  let stop = false;
  const started = Date.now();
  const loop = async (k) => {
    let i = k;
    while (!stop) {
      const p = paths[i++ % paths.length];
      try {
        const r = await fetch(BASE + p, { headers: { Accept: 'application/json' } });
        const body = await r.text();
        if (!r.ok) stats.errors.push(`${p}: HTTP ${r.status} ${body.slice(0, 200)}`);
        else if (!p.endsWith('/log')) {
          const j = JSON.parse(body);
          if (p === '/api/health' && stats.watch !== null && j.job_running === stats.watch) stats.sawRunning = true;
        }
        stats.requests++;
      } catch (e) {
        stats.errors.push(`${p}: ${e.message}`);
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, k) => loop(k));
  return {
    stats,
    async finish() {
      const left = minMs - (Date.now() - started);
      if (left > 0) await sleep(left);
      stop = true;
      await Promise.all(loops);
      stats.seconds = (Date.now() - started) / 1000;
      return stats;
    },
  };
}

// ---- the browser ----
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
let closing = false;
let failed = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  const origin = new URL(BASE).origin;
  // HTTP errors a step provokes on purpose (a refused form): anything else is a problem.
  const expected = [];
  const isExpected = (status, url) => expected.some((e) => e.status === status && e.re.test(url));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const http = /the server responded with a status of (\d+)/.exec(m.text());
    if (http && isExpected(Number(http[1]), m.location()?.url ?? '')) return;
    problems.push(`console error (${current}): ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error (${current}): ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!closing) problems.push(`request failed (${current}): ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const e = expected.find((x) => x.status === r.status() && x.re.test(r.url()));
    if (e) e.hits++;
    else problems.push(`HTTP ${r.status()} (${current}): ${r.request().method()} ${r.url()}`);
  });
  const expectHttp = (status, re) => {
    const e = { status, re, hits: 0 };
    expected.push(e);
    return e;
  };
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`external request (${current}): ${u}`);
  });

  const shot = async (name, fullPage = false) => {
    const file = path.join(ART, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage });
    return file;
  };
  const step = (name) => {
    current = name;
    log(name);
  };
  const go = async (hash) => {
    await page.evaluate((h) => {
      location.hash = h;
    }, hash);
  };
  const text = (sel) => page.textContent(sel).then((s) => (s ?? '').trim());
  const count = (sel) => page.locator(sel).count();

  // 1. The projects page with the demo project, its baseline queued or running at once.
  step('projects page');
  await page.goto(`${BASE}/`);
  await page.waitForSelector(`${T('conn-status')}[data-conn="open"]`);
  await page.waitForSelector(T('project-row'));
  const demoId = Number(await page.getAttribute(T('project-row'), 'data-project-id'));
  check(demoId > 0, 'the demo project is listed');
  await page.waitForSelector(`${T('project-row')}[data-project-id="${demoId}"] ${T('status-cell')}:is([data-status="running"], [data-status="queued"], [data-status="ready"])`);
  await shot('projects-demo');

  // 2. Create a project: the model by server path, the dataset by server path.
  step('create project (model and dataset by path)');
  await page.click(T('create-project'));
  await page.waitForSelector(T('create-page'));
  await page.click(T('model-mode-path'));
  await page.fill(T('model-path-input'), MODEL_PATH);
  await page.click(T('model-path-submit'));
  await page.waitForSelector(T('selected-model'));
  check((await text(T('selected-model'))).includes('mobilenetv2'), 'the registered model is selected');
  check((await page.getAttribute(T('model-int8'), 'data-possible')) === 'true', 'model info: INT8 possible');
  check((await text(T('model-precision'))) === 'FP32', 'model info: FP32');
  await page.click(T('dataset-mode-path'));
  await page.fill(T('dataset-path-input'), smallImages);
  await page.click(T('dataset-path-submit'));
  await page.waitForSelector(T('selected-dataset'));
  await page.fill(T('project-name'), 'e2e mobilenet');
  await shot('create-project');
  await page.click(T('create-submit'));
  await page.waitForSelector(T('project-page'));
  const pid = Number(await page.getAttribute(T('project-page'), 'data-project-id'));
  check(pid > demoId, 'the new project page opens');
  const modelId = (await api(`/api/projects/${pid}`)).model_id;

  // 3. A project on a generated dataset (the same model, picked from the existing ones).
  step('create project (generated dataset)');
  await page.click(T('nav-projects'));
  await page.click(T('create-project'));
  await page.click(`${T('model-option')}[data-model-id="${modelId}"]`);
  await page.waitForSelector(T('selected-model'));
  await page.click(T('dataset-mode-generated'));
  await page.fill(T('generated-count'), '50');
  await page.click(T('generated-submit'));
  await page.waitForSelector(T('selected-dataset'));
  await page.fill(T('project-name'), 'e2e generated');
  await page.click(T('create-submit'));
  await page.waitForSelector(`${T('project-page')}:not([data-project-id="${pid}"])`);
  const gid = Number(await page.getAttribute(T('project-page'), 'data-project-id'));

  // 3b. Uploads from the browser: a file that is not a model is refused with its own name in
  // the message; then a model and an IDX dataset with its labels, each checked by the server.
  step('create project (model and dataset uploaded)');
  await page.click(T('nav-projects'));
  await page.click(T('create-project'));
  await page.waitForSelector(T('create-page'));
  await page.click(T('model-mode-upload'));
  const junkRefused = expectHttp(400, /\/api\/models$/);
  await page.setInputFiles(T('model-file'), { name: 'holiday-photo.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
  await page.click(T('model-upload-submit'));
  await page.waitForSelector(T('model-error'));
  check(junkRefused.hits === 1, 'the server refused a file that is not a model');
  const junkMsg = await text(T('model-error'));
  check(junkMsg.includes('holiday-photo.onnx') && /ONNX/.test(junkMsg), `the error names the file and says what is wrong: "${junkMsg}"`);
  await shot('upload-refused');
  const uploadModel = path.join(INPUTS, 'uploaded-resnet.onnx');
  writeFileSync(uploadModel, readFileSync(path.join(ROOT, 'zoo', 'fmnist_resnet.onnx')));
  await page.setInputFiles(T('model-file'), uploadModel);
  await page.click(T('model-upload-submit'));
  await page.waitForSelector(T('selected-model'));
  check((await text(T('selected-model'))).includes('uploaded-resnet'), 'the uploaded model is selected');
  check((await text(T('model-precision'))) === 'FP32', 'uploaded model info: FP32');
  await page.click(T('dataset-mode-upload'));
  await page.setInputFiles(T('dataset-file'), smallImages);
  await page.setInputFiles(T('dataset-labels'), path.join(INPUTS, 'fmnist-small-labels-idx1-ubyte.gz'));
  await page.click(T('dataset-upload-submit'));
  await page.waitForSelector(T('selected-dataset'));
  await page.fill(T('project-name'), 'e2e uploads');
  await page.click(T('create-submit'));
  await page.waitForSelector(`${T('project-page')}:not([data-project-id="${gid}"])`);
  const uid = Number(await page.getAttribute(T('project-page'), 'data-project-id'));
  const up = await api(`/api/projects/${uid}`);
  const upModel = await api(`/api/models/${up.model_id}`);
  const upData = await api(`/api/datasets/${up.dataset_id}`);
  check(upModel.origin === 'upload' && up.model_id !== modelId, 'the project uses the uploaded model');
  check(upData.samples === SMALL && upData.annotated === true, `the uploaded dataset has ${SMALL} labelled samples (got ${upData.samples}, annotated ${upData.annotated})`);
  await shot('project-from-uploads');

  // 4. INT8 is greyed out for the generated dataset, with the reason on hover.
  step('INT8 unavailable for a generated dataset');
  await go(`#/projects/${gid}`);
  await page.waitForSelector(`${T('project-page')}[data-project-id="${gid}"]`);
  await page.click(T('tab-optimize'));
  await page.waitForSelector(`${T('int8-button')}[data-available="false"]`);
  check(await page.isDisabled(T('int8-button')), 'the INT8 button is disabled');
  const reason = await text(T('int8-disabled-reason'));
  check(/generated/i.test(reason), `the reason names the generated dataset: "${reason}"`);
  await page.hover(`${T('int8-tooltip')}`);
  check((await page.getAttribute(T('int8-tooltip'), 'data-tooltip')) === reason, 'the hover tooltip carries the reason');
  check((await page.getAttribute(T('int8-button'), 'title')) === reason, 'the button title carries the reason');
  await shot('int8-disabled-generated');

  // 5. The demo baseline: accuracy, latency, throughput, per-layer profile.
  step('demo baseline results');
  await go(`#/projects/${demoId}`);
  await page.waitForSelector(`${T('project-page')}[data-project-id="${demoId}"] ${T('project-status')}[data-status="ready"]`, { timeout: 90000 });
  await page.waitForSelector(T('stat-top1-value'));
  check(/^\d+(\.\d+)?%$/.test(await text(T('stat-top1-value'))), `top-1 is a percentage: ${await text(T('stat-top1-value'))}`);
  check(/\d.* ms$/.test(await text(T('stat-latency-value'))), 'latency in ms');
  check(/\d/.test(await text(T('stat-throughput-value'))), 'throughput shown');
  check((await count(T('profile-row'))) >= 10, 'per-layer profile rows');
  check((await count(T('precision-time-row'))) >= 1, 'time by precision');
  await page.waitForSelector(`${T('chart-precision')} canvas`);
  await shot('demo-baseline', true);

  // 6. The new project's baseline, then its inference settings (shorter speed runs).
  step('project baseline and inference settings');
  await go(`#/projects/${pid}`);
  await page.waitForSelector(`${T('project-status')}[data-status="ready"]`, { timeout: 90000 });
  await page.waitForSelector(T('stat-top1-value'));
  check(/%$/.test(await text(T('stat-top1-value'))), 'top-1 of the new project');
  check((await text(T('stat-top1'))).includes(`/ ${SMALL} samples`), 'accuracy over the registered dataset');
  await page.click(T('tab-inference'));
  await page.fill(T('settings-seconds'), '0.5');
  await page.click(T('settings-save'));
  await page.waitForSelector(`${T('toast-success')}:has-text("settings saved")`);
  check((await api(`/api/projects/${pid}`)).settings.seconds === 0.5, 'settings saved on the server');
  await page.fill(T('sweep-batches'), '1, 4');
  await page.fill(T('sweep-streams'), '1');
  await page.fill(T('sweep-seconds'), '0.2');
  await page.click(T('sweep-start'));
  await page.waitForSelector(T('sweep-result'), { timeout: 60000 });
  check((await count(T('sweep-best'))) === 1 && (await count(T('sweep-row'))) === 1, 'the sweep shows 2 points and its sweet spot');
  await page.waitForSelector(`${T('sweep-chart')} canvas`);
  await shot('inference-settings-sweep', true);

  // Configure Accuracy: the server's refusal lands on the field it is about.
  step('configure accuracy');
  await page.click(T('tab-optimize'));
  await page.click(T('configure-accuracy'));
  await page.waitForSelector(T('accuracy-dialog'));
  const refused = expectHttp(400, /\/usage$/);
  await page.selectOption(T('usage-color'), 'rgb');
  await page.fill(T('usage-mean'), '0.5, 0.5, 0.5');
  await page.fill(T('usage-std'), '0.25, 0.25, 0.25');
  await page.click(T('usage-save'));
  await page.waitForSelector(T('usage-field-color-error'));
  check(refused.hits === 1, 'the server refused an RGB config for a 1-channel model');
  check(/channel/.test(await text(T('usage-field-color-error'))), 'the message is shown at the color field');
  await shot('configure-accuracy-refused');
  await page.keyboard.press('Escape');
  await page.waitForSelector(T('accuracy-dialog'), { state: 'detached' });
  check((await api(`/api/projects/${pid}`)).usage.preprocessing.color === 'gray', 'the usage is unchanged');

  // 7. The calibrator page.
  step('configure calibrator');
  await page.waitForSelector(`${T('int8-button')}[data-available="true"]`);
  await page.click(T('int8-button'));
  await page.waitForSelector(T('calibrate-page'));
  await page.waitForSelector(T('calib-same-dataset-warning'));
  const trainOpt = await page.$eval(T('calib-dataset'), (s) => [...s.options].find((o) => /train/i.test(o.text))?.value);
  check(!!trainOpt, 'Fashion-MNIST train is offered as calibration dataset');
  await page.selectOption(T('calib-dataset'), trainOpt);
  check((await count(T('calib-same-dataset-warning'))) === 0, 'no warning for a separate dataset');
  await page.fill(T('calib-subset'), '100');
  await page.click(T('calib-method-accuracy_aware'));
  await page.waitForSelector(T('calib-max-drop'));
  await page.fill(T('calib-max-drop'), '1');
  await page.click(T('calib-drop-type-relative'));
  await shot('calibrator-accuracy-aware');
  await page.click(T('calib-method-default'));
  check((await count(T('calib-max-drop'))) === 0, 'max drop hidden for Default');
  await page.click(T('calib-preset-performance'));
  await page.selectOption(T('calib-algorithm'), 'minmax');
  await page.fill(T('calib-batch'), '1');
  await page.fill(T('calib-streams'), '1');
  await shot('calibrator');

  // 8. Calibrate: the INT8 row appears under its original with live progress, while 50 API
  //    clients poll the server.
  step('calibrate with 50 concurrent API clients');
  const before = new Set((await api('/api/jobs')).map((j) => j.id));
  const load = loadCheck(50, ['/api/projects', '/api/jobs', `/api/projects/${pid}`, '/api/health', '/api/datasets', '/api/models', '/api/system', `/api/projects/${pid}/results?kind=inference`], 3000);
  // Ids are assigned in creation order and nothing else creates jobs now: the calibration
  // job's id is known before it exists, so the load loops watch for it from the start.
  load.stats.watch = Math.max(0, ...before) + 1;
  // Every progress value the INT8 row shows, recorded in the page (the job may take only a
  // few seconds; the node side is busy with the load loops).
  await page.evaluate((parent) => {
    const seen = [];
    window.__int8Progress = seen;
    const sel = `[data-testid="project-row"][data-parent-id="${parent}"] [data-testid="progress-bar"]`;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll(sel)) {
        const v = Number(el.getAttribute('data-value'));
        if (seen[seen.length - 1] !== v) seen.push(v);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, pid);
  await page.click(T('calibrate-submit'));
  await page.waitForSelector(T('projects-page'));
  const childRow = `${T('project-row')}[data-parent-id="${pid}"]`;
  await page.waitForSelector(childRow);
  await shot('calibrating');
  const childId = Number(await page.getAttribute(childRow, 'data-project-id'));
  const rows = await page.$$eval(T('project-row'), (rs) => rs.map((r) => r.getAttribute('data-project-id')));
  check(rows.indexOf(String(childId)) === rows.indexOf(String(pid)) + 1, 'the INT8 row sits right under its original');
  const calJob = (await api(`/api/jobs?project_id=${childId}`)).find((j) => j.type === 'calibration');
  check(!!calJob && calJob.id === load.stats.watch, 'the calibration job exists');
  const calDone = await waitJob(calJob.id, 120000);
  const stats = await load.finish();
  log(`load: ${stats.requests} requests from 50 clients in ${stats.seconds.toFixed(1)} s, ${stats.errors.length} errors`);
  check(stats.errors.length === 0, `API errors under load: ${stats.errors.slice(0, 5).join('; ')}`);
  check(stats.requests >= 200, `the load check made requests (${stats.requests})`);
  check(stats.sawRunning, 'the load overlapped the running calibration');
  check(calDone.status === 'done', `calibration job ${calJob.id} done (${calDone.status}: ${calDone.error})`);
  await page.waitForSelector(`${childRow} ${T('status-cell')}[data-status="ready"]`, { timeout: 90000 });
  const progress = await page.evaluate(() => window.__int8Progress);
  log(`INT8 row progress: ${progress.join(' → ')} %`);
  check(progress.length > 0, 'the INT8 row showed a progress bar');
  check(progress.some((v) => v > 0 && v < 100), 'the progress moved while the jobs ran');
  const after = await api('/api/jobs');
  for (const id of before) check(after.some((j) => j.id === id), `job ${id} is still listed after the load`);
  const int8Inference = after.find((j) => j.project_id === childId && j.type === 'inference');
  check(int8Inference && int8Inference.status === 'done', 'the INT8 inference job ran after the calibration');
  await shot('calibrated');

  // 9. The INT8 project's results: U8 layers, the calibration report.
  step('INT8 results');
  await page.click(`${childRow} ${T('project-link')}`);
  await page.waitForSelector(`${T('project-page')}[data-project-id="${childId}"]`);
  await page.waitForSelector(T('stat-top1-value'));
  check(/%$/.test(await text(T('stat-top1-value'))), 'INT8 top-1');
  check((await text(T('project-precision'))).includes('INT8'), 'INT8 precision pill');
  check((await count(`${T('profile-row')}[data-precision="U8"]`)) > 0, 'U8 layers in the INT8 profile');
  await page.waitForSelector(T('calibration-summary'));
  check((await text(T('calib-algorithm'))).includes('minmax'), 'the calibration report shows the algorithm');
  check(/U8 \d+/.test(await text(T('calib-layer-counts'))), 'layer counts by precision');
  await shot('int8-results', true);
  await page.click(T('tab-optimize'));
  await page.waitForSelector(`${T('int8-button')}[data-available="false"]`);

  // 10. A calibration that fails (accuracy-aware with no samples left for validation):
  //     the error, the hint and the job log.
  step('calibration failure');
  await go(`#/projects/${pid}/calibrate`);
  await page.waitForSelector(T('calib-subset'));
  await page.fill(T('calib-subset'), String(SMALL));
  await page.click(T('calib-method-accuracy_aware'));
  await page.fill(T('calib-max-drop'), '1');
  // Ids are assigned in creation order and nothing else creates jobs now: the calibration
  // job's id is known before it exists, so the load loops watch for it from the start.
  load.stats.watch = Math.max(0, ...before) + 1;
  await page.click(T('calibrate-submit'));
  await page.waitForSelector(T('projects-page'));
  const failRow = `${T('project-row')}[data-parent-id="${pid}"]:not([data-project-id="${childId}"])`;
  await page.waitForSelector(`${failRow} ${T('status-cell')}[data-status="failed"]`, { timeout: 60000 });
  const failId = Number(await page.getAttribute(failRow, 'data-project-id'));
  check((await count(`${failRow} ${T('row-error')}`)) === 1, 'the failed row shows the error');
  check((await count(`${failRow} ${T('row-compare')}`)) === 0, 'no Compare for the failed INT8 project (it has no model)');
  check((await count(`${childRow}[data-project-id="${childId}"] ${T('row-compare')}`)) === 1, 'Compare for the calibrated one');
  await shot('projects-with-failure');
  await go(`#/projects/${failId}`);
  await page.waitForSelector(T('project-error'));
  check(/validation samples/.test(await text(`${T('project-error')} ${T('error-message')}`)), 'the error message');
  check((await text(`${T('project-error')} ${T('error-hint')}`)).length > 10, 'the hint');
  await page.click(`${T('project-error-log')} summary`);
  await page.waitForFunction((sel) => /failed: .*validation samples/.test(document.querySelector(sel)?.textContent ?? ''), `${T('project-error-log')} pre`);
  check((await count(T('no-model'))) === 1, 'the Performance tab says the calibration made no model');
  check((await count(T('run-inference'))) === 0 && (await count(T('compare-link'))) === 0, 'no Run inference or Compare without a model');
  await shot('calibration-failed');
  await page.click(`${T('project-error')} ${T('job-log-link')}`);
  await page.waitForSelector(T('job-page'));
  await page.waitForFunction((sel) => /failed/.test(document.querySelector(sel)?.textContent ?? ''), `${T('job-log')} pre`);
  await shot('calibration-failed-log');

  // 11. Compare the FP32 project with its INT8 version.
  step('compare');
  await go(`#/projects/${pid}`);
  await page.waitForSelector(T('compare-link'));
  await page.click(T('compare-link'));
  await page.waitForSelector(T('compare-page'));
  check(Number(await page.$eval(T('compare-a'), (s) => s.value)) === pid, 'A is the FP32 project');
  check(Number(await page.$eval(T('compare-b'), (s) => s.value)) === childId, 'B is the calibrated INT8 project (not the failed one)');
  await page.fill(T('compare-limit'), '200');
  await page.click(T('compare-start'));
  await page.waitForSelector(T('compare-progress'));
  await page.waitForSelector(T('compare-report'), { timeout: 120000 });
  check(/pt|0\.00/.test(await text(T('compare-top1-drop-value'))), `accuracy drop shown: ${await text(T('compare-top1-drop-value'))}`);
  check(/%.*→.*%/.test(await text(T('compare-top1-drop'))), 'both accuracies shown');
  for (const c of ['chart-throughput', 'chart-latency', 'chart-layer-precision']) await page.waitForSelector(`${T(c)} canvas`);
  const total = await count(T('compare-row'));
  const u8 = await count(`${T('compare-row')}[data-prec-b="U8"]`);
  check(total > 10 && u8 > 0, `the per-layer table has U8 layers on B (${u8} of ${total})`);
  check((await count(`${T('compare-row')}[data-prec-a="FP32"]`)) > 0, 'FP32 layers on A');
  check((await count(T('compare-sqnr'))) === total, 'an error column');
  await shot('compare', true);
  const deltas = await page.$$eval(T('compare-row'), (rs) => rs.map((r) => Math.abs(Number(r.getAttribute('data-delta')))));
  const thr = [...deltas].sort((x, y) => y - x)[2];
  await page.fill(T('compare-delta-filter'), String(thr));
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [T('compare-row'), deltas.filter((d) => d >= thr).length]);
  check((await count(T('compare-row'))) < total, 'the delta filter hides small deltas');
  await page.fill(T('compare-delta-filter'), '');
  const reportHref = await page.getAttribute(T('compare-html-report'), 'href');
  const report = await page.request.get(new URL(reportHref, BASE).href);
  check(report.ok() && /<html/i.test(await report.text()), 'the HTML report link serves the report');
  await page.locator(T('prediction-diff')).scrollIntoViewIfNeeded();
  check(/\d/.test(await text(T('pred-changed-value'))), 'prediction diff counts');
  await shot('compare-predictions');

  await page.waitForTimeout(300);
  closing = true;
  await ctx.close();
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.message}`);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: path.join(ART, 'failure.png') });
  } catch {
    /* best effort */
  }
} finally {
  closing = true;
  await browser.close();
}
for (const p of problems) console.log(`PROBLEM: ${p}`);
const ok = !failed && problems.length === 0;
console.log(`${passed} checks passed${ok ? '' : ', FAILED'} in ${secs()} s; screenshots in ${ART}`);
process.exit(ok ? 0 : 1);
