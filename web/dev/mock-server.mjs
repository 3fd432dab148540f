#!/usr/bin/env node
// A mock of `calibra serve` (docs/API.md) for developing the web front end without the C++
// server: plain node http, state in memory, seeded from real CLI outputs in dev/fixtures/,
// jobs that progress through their stages over a few seconds and report over SSE.
//
//   node dev/mock-server.mjs [--port 8090] [--static dist] [--token TOKEN] [--speed 1]
//                            [--fail calibration,compare,...] [--calib-job-on child|parent] [--empty]
//
// --static DIR   also serve the built front end from DIR at / (as calibra serve does)
// --token T      require `Authorization: Bearer T` or `?token=T` on /api/ (not /api/health)
// --speed X      job durations are divided by X (2 = twice as fast)
// --fail TYPES   jobs of these types fail (with an error and a hint) half way through
// --calib-job-on file calibration jobs under the INT8 child (default) or under the parent
// --empty        start with no models, datasets or projects
// A calibration with "subset": 13 always fails (a deterministic failure for UI tests).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (name) => JSON.parse(fs.readFileSync(path.join(here, 'fixtures', name), 'utf8'));

// ---------------- options ----------------
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf('--' + name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
};
const PORT = Number(opt('port', process.env.PORT ?? 8090));
const STATIC = opt('static', null);
const TOKEN = opt('token', process.env.MOCK_TOKEN ?? null);
const SPEED = Number(opt('speed', 1)) || 1;
const FAIL = new Set(String(opt('fail', '') || '').split(',').filter(Boolean));
const CALIB_ON = opt('calib-job-on', 'child');
const EMPTY = !!opt('empty', false);
const CORES = 2;

// ---------------- fixtures ----------------
const F = {
  infoResnet: fx('info_resnet.json'),
  infoMbv2: fx('info_mbv2.json'),
  infoR8: fx('info_r8.json'),
  benchResnet: fx('bench_resnet.json'),
  benchR8: fx('bench_r8.json'),
  benchMbv2: fx('bench_mbv2.json'),
  evalResnet: fx('eval_resnet.json'),
  evalR8: fx('eval_r8.json'),
  calib: fx('calib_report.json'),
  sweep: fx('sweep.json'),
  compare: fx('compare_full.json'),
};

// ---------------- state ----------------
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const ago = (s) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const clone = (x) => JSON.parse(JSON.stringify(x));
const S = { models: [], datasets: [], projects: [], jobs: [], results: [], logs: new Map(), seq: { model: 0, dataset: 0, project: 0, job: 0, result: 0 } };
const nextId = (k) => ++S.seq[k];

const DEFAULT_SETTINGS = { batch: 1, threads: 0, streams: 1, seconds: 5, iterations: 0, warmup: 2 };
const GRAY_USAGE = { task: 'classification', preprocessing: { color: 'gray', resize: { mode: 'none' }, crop: null, divide: 255, mean: [0.286], std: [0.353], layout: 'NCHW' }, label_offset: 0, metrics: ['top1', 'top5'] };

function addModel(m) {
  const model = { id: nextId('model'), parent_model_id: null, sha256: 'f'.repeat(64), created_at: now(), ...m };
  model.path = model.path ?? `/data/models/${model.id}/model.onnx`;
  S.models.push(model);
  return model;
}
function addDataset(d) {
  const ds = { id: nextId('dataset'), bytes: 0, created_at: now(), ...d };
  S.datasets.push(ds);
  return ds;
}
function addProject(p) {
  const pr = { id: nextId('project'), parent_project_id: null, created_at: now(), usage: clone(GRAY_USAGE), settings: { ...DEFAULT_SETTINGS }, ...p };
  S.projects.push(pr);
  return pr;
}
function addResult(job, kind, data) {
  const r = { id: nextId('result'), job_id: job.id, project_id: job.project_id, kind, created_at: now(), data };
  S.results.push(r);
  return r;
}
function addJob(project_id, type, params, extra = {}) {
  const j = { id: nextId('job'), project_id, type, params, status: 'queued', stage: '', progress: 0, error: null, hint: null, created_at: now(), started_at: null, finished_at: null, result_id: null, ...extra };
  S.jobs.push(j);
  log(j, `job ${j.id} (${type}) created with ${JSON.stringify(params)}`);
  return j;
}
function log(j, line) {
  const l = S.logs.get(j.id) ?? [];
  l.push(`[${now()}] ${line}`);
  S.logs.set(j.id, l);
}

function inferenceData(project, { accuracy = true } = {}) {
  const model = S.models.find((m) => m.id === project.model_id);
  const ds = S.datasets.find((d) => d.id === project.dataset_id);
  const int8 = model?.origin === 'calibrated';
  const bench = clone(model?.name?.includes('mobilenet') ? F.benchMbv2 : int8 ? F.benchR8 : F.benchResnet);
  const profile = bench.profile;
  delete bench.profile;
  const s = project.settings;
  bench.batch = s.batch;
  bench.streams = s.streams;
  bench.threads = s.threads || CORES;
  // Scale the measured speed a little with batch and streams so settings visibly matter.
  const f = Math.min(3, 1 + Math.log2(s.batch) * 0.25) * Math.min(1.8, 1 + (s.streams - 1) * 0.7);
  bench.throughput_fps = Math.round(bench.throughput_fps * f * 100) / 100;
  bench.latency_ms = Object.fromEntries(Object.entries(bench.latency_ms).map(([k, v]) => [k, (v * s.batch) / Math.min(3, 1 + Math.log2(s.batch) * 0.25)]));
  let acc = null;
  if (accuracy && ds?.annotated) {
    acc = clone(int8 ? F.evalR8 : F.evalResnet);
    acc.samples = ds.samples;
    acc.top1 = int8 ? F.compare.b.accuracy.top1 : F.compare.a.accuracy.top1;
    acc.top5 = int8 ? F.compare.b.accuracy.top5 : F.compare.a.accuracy.top5;
    acc.correct_top1 = Math.round(acc.top1 * ds.samples);
    acc.correct_top5 = Math.round(acc.top5 * ds.samples);
    acc.usage = project.usage;
  }
  return { accuracy: acc, speed: bench, profile, settings: { ...project.settings } };
}

function seed() {
  const dTest = addDataset({ name: 'Fashion-MNIST test', origin: 'builtin', spec: 'fashion-mnist:test', kind: 'idx', samples: 10000, annotated: true, classes: 10, description: 'Fashion-MNIST test set: 10000 images 28x28 gray (IDX), 10 classes' });
  const dTrain = addDataset({ name: 'Fashion-MNIST train', origin: 'builtin', spec: 'fashion-mnist:train', kind: 'idx', samples: 60000, annotated: true, classes: 10, description: 'Fashion-MNIST train set: 60000 images 28x28 gray (IDX), 10 classes' });
  const dGen = addDataset({ name: 'Generated (100)', origin: 'generated', spec: 'generated:100', kind: 'generated', samples: 100, annotated: false, classes: 0, description: '100 seeded random inputs of the model shape (speed only)' });
  const mRes = addModel({ name: 'fmnist_resnet', origin: 'demo', bytes: 717228, info: F.infoResnet });
  const mMb = addModel({ name: 'fmnist_mobilenetv2', origin: 'demo', bytes: F.infoMbv2.file_bytes ?? 400000, info: F.infoMbv2 });

  const p1 = addProject({ name: 'fmnist_resnet on Fashion-MNIST test', model_id: mRes.id, dataset_id: dTest.id, created_at: ago(3600) });
  const j1 = addJob(p1.id, 'inference', {}, { status: 'done', stage: '', progress: 1, created_at: ago(3590), started_at: ago(3590), finished_at: ago(3560) });
  j1.result_id = addResult(j1, 'inference', inferenceData(p1)).id;

  const mR8 = addModel({ name: 'fmnist_resnet INT8 (percentile)', origin: 'calibrated', parent_model_id: mRes.id, bytes: 212800, info: F.infoR8, created_at: ago(3000) });
  const p2 = addProject({ name: 'fmnist_resnet INT8 (percentile)', model_id: mR8.id, dataset_id: dTest.id, parent_project_id: p1.id, created_at: ago(3010) });
  const calParams = { dataset_id: dTrain.id, subset: 300, method: 'default', preset: 'performance', algorithm: 'percentile', settings: { batch: 1, threads: 0, streams: 1 } };
  const j2 = addJob(p2.id, 'calibration', calParams, { status: 'done', progress: 1, created_at: ago(3010), started_at: ago(3010), finished_at: ago(2990) });
  j2.result_id = addResult(j2, 'calibration', { ...clone(F.calib), dataset: 'fashion-mnist:train', subset: 300, int8_project_id: p2.id, int8_model_id: mR8.id }).id;
  const j3 = addJob(p2.id, 'inference', {}, { status: 'done', progress: 1, created_at: ago(2990), started_at: ago(2990), finished_at: ago(2960) });
  j3.result_id = addResult(j3, 'inference', inferenceData(p2)).id;
  const j4 = addJob(p1.id, 'compare', { project_a: p1.id, project_b: p2.id }, { status: 'done', progress: 1, created_at: ago(2900), started_at: ago(2900), finished_at: ago(2850) });
  j4.result_id = addResult(j4, 'compare', { ...clone(F.compare), project_a: p1.id, project_b: p2.id }).id;
  const j5 = addJob(p1.id, 'sweep', { batches: [1, 2, 4, 8], streams: [1, 2], max_latency_ms: 1, seconds: 1 }, { status: 'done', progress: 1, created_at: ago(2800), started_at: ago(2800), finished_at: ago(2780) });
  j5.result_id = addResult(j5, 'sweep', clone(F.sweep)).id;

  const p3 = addProject({ name: 'fmnist_mobilenetv2 on Generated (100)', model_id: mMb.id, dataset_id: dGen.id, created_at: ago(1800) });
  const j6 = addJob(p3.id, 'inference', {}, { status: 'done', progress: 1, created_at: ago(1790), started_at: ago(1790), finished_at: ago(1780) });
  j6.result_id = addResult(j6, 'inference', inferenceData(p3, { accuracy: false })).id;
  const j7 = addJob(p3.id, 'sweep', { batches: [1, 64], streams: [1, 4], max_latency_ms: 0, seconds: 1 }, { status: 'failed', stage: 'point 3/4', progress: 0.5, created_at: ago(1700), started_at: ago(1700), finished_at: ago(1690), error: '4 streams need at least 4 threads (one per stream)', hint: 'fewer streams, or more threads (up to the cores)' });
  log(j7, 'sweep point batch 64 x 4 streams refused');
  log(j7, 'error: 4 streams need at least 4 threads (one per stream)');
}
if (!EMPTY) seed();

// ---------------- views ----------------
function int8Of(p, model, ds) {
  if (p.parent_project_id != null) return { available: false, reason: 'this project is itself a calibrated (INT8) project; calibrate its original FP32 project instead' };
  if (!model) return { available: false, reason: 'the project has no model yet' };
  if (model.info?.precision !== 'FP32') return { available: false, reason: `the model is ${model.info?.precision}; INT8 calibration needs the original FP32 model` };
  if (ds?.origin === 'generated') return { available: false, reason: 'the dataset is generated; INT8 calibration needs real inputs' };
  if (model.info?.int8 && !model.info.int8.possible) return { available: false, reason: model.info.int8.reason };
  return { available: true, reason: '' };
}
function latestResult(pid, kind) {
  return S.results.filter((r) => r.project_id === pid && r.kind === kind).sort((a, b) => b.id - a.id)[0] ?? null;
}
/** GET /api/projects sends summaries of the latest results, as calibra serve does. */
function summaryOf(r) {
  if (!r) return null;
  if (r.kind === 'inference') return { id: r.id, created_at: r.created_at, top1: r.data.accuracy?.top1 ?? null, throughput_fps: r.data.speed?.throughput_fps ?? null, latency_ms: r.data.speed?.latency_ms?.median ?? null };
  return { id: r.id, created_at: r.created_at };
}
function projectListView(p) {
  const v = projectView(p);
  return { ...v, latest: { baseline: summaryOf(v.latest.baseline), calibration: summaryOf(v.latest.calibration), sweep: summaryOf(v.latest.sweep) } };
}
function projectView(p) {
  const model = S.models.find((m) => m.id === p.model_id) ?? null;
  const ds = S.datasets.find((d) => d.id === p.dataset_id) ?? null;
  const jobs = S.jobs.filter((j) => j.project_id === p.id && j.type !== 'compare').sort((a, b) => b.id - a.id);
  const latest = jobs[0];
  const status = !latest ? 'new' : latest.status === 'done' ? 'ready' : latest.status;
  return {
    ...p,
    model,
    dataset: ds,
    int8: int8Of(p, model, ds),
    status,
    latest_job: latest ?? null,
    latest: { baseline: latestResult(p.id, 'inference'), calibration: latestResult(p.id, 'calibration'), sweep: latestResult(p.id, 'sweep') },
    children: S.projects.filter((c) => c.parent_project_id === p.id).map((c) => c.id),
  };
}

// ---------------- HTTP helpers ----------------
class HttpError extends Error {
  constructor(status, message, hint = '') {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}
const E = (status, message, hint) => new HttpError(status, message, hint);
function send(res, status, body, type = 'application/json') {
  const data = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'Content-Type': type + (type.startsWith('text/') || type === 'application/json' ? '; charset=utf-8' : ''), 'Cache-Control': 'no-store' });
  res.end(status === 204 ? undefined : data);
}
function readBody(req, limit = 50 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (c) => {
      n += c.length;
      if (n > limit) {
        reject(E(413, 'the upload is larger than 50 MiB', 'use a smaller file or register it by path'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
async function readJson(req) {
  const buf = await readBody(req);
  if (!buf.length) return {};
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw E(400, 'the request body is not valid JSON', 'send a JSON object');
  }
}
/** Minimal multipart parsing: field names, file names and sizes. */
function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (!m) throw E(400, 'expected multipart/form-data with a boundary');
  const boundary = '--' + (m[1] ?? m[2]);
  const text = buf.toString('latin1');
  const parts = text.split(boundary).slice(1, -1);
  const out = {};
  for (const part of parts) {
    const [head, ...rest] = part.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n').replace(/\r\n$/, '');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (!name) continue;
    out[name] = filename !== undefined ? { filename, size: Buffer.byteLength(body, 'latin1'), head: body.slice(0, 16) } : Buffer.from(body, 'latin1').toString('utf8');
  }
  return out;
}
const byId = (list, id, what) => {
  const x = list.find((e) => e.id === Number(id));
  if (!x) throw E(404, `no ${what} with id ${id}`, '');
  return x;
};

// ---------------- events ----------------
const clients = new Set();
const lastSent = new Map();
function emit(j, force = false) {
  const t = Date.now();
  if (!force && t - (lastSent.get(j.id) ?? 0) < 250) return;
  lastSent.set(j.id, t);
  const msg = `event: job\ndata: ${JSON.stringify(j)}\n\n`;
  for (const c of clients) c.write(msg);
}
setInterval(() => {
  for (const c of clients) c.write(': keep-alive\n\n');
}, 15000).unref();

// ---------------- job runner ----------------
const STAGES = {
  inference: { seconds: 4, stages: [['accuracy', 0.6], ['speed', 0.85], ['profile', 1]] },
  calibration: { seconds: 8, stages: [['statistics', 0.45], ['quantize', 0.55], ['speed check', 0.75], ['layer errors', 1]] },
  compare: { seconds: 7, stages: [['accuracy', 0.4], ['speed', 0.7], ['profile', 0.85], ['layer errors', 1]] },
  sweep: { seconds: 5, stages: [] },
};
let running = null;
function pump() {
  if (running) return;
  const next = S.jobs.filter((j) => j.status === 'queued').sort((a, b) => a.id - b.id)[0];
  if (!next) return;
  running = next;
  next.status = 'running';
  next.started_at = now();
  log(next, `started`);
  emit(next, true);
  const spec = STAGES[next.type] ?? STAGES.inference;
  const total = (spec.seconds * 1000) / SPEED;
  const t0 = Date.now();
  const failAt = FAIL.has(next.type) || (next.type === 'calibration' && next.params?.subset === 13) ? 0.5 : 2;
  let lastStage = '';
  const timer = setInterval(() => {
    if (next.status !== 'running') {
      clearInterval(timer);
      running = null;
      pump();
      return;
    }
    const p = Math.min(1, (Date.now() - t0) / total);
    next.progress = Math.round(p * 1000) / 1000;
    if (next.type === 'sweep') {
      const n = (next.params.batches?.length ?? 1) * (next.params.streams?.length ?? 1);
      next.stage = `point ${Math.min(n, Math.floor(p * n) + 1)}/${n}`;
    } else {
      next.stage = (spec.stages.find(([, end]) => p <= end) ?? spec.stages[spec.stages.length - 1])[0];
    }
    if (next.stage !== lastStage) {
      log(next, `stage ${next.stage}`);
      lastStage = next.stage;
    }
    if (p >= failAt) {
      clearInterval(timer);
      fail(next);
      running = null;
      pump();
      return;
    }
    if (p >= 1) {
      clearInterval(timer);
      finish(next);
      running = null;
      pump();
      return;
    }
    emit(next);
  }, 100);
}
function fail(j) {
  j.status = 'failed';
  j.finished_at = now();
  const msgs = {
    calibration: ['accuracy-aware calibration needs at least 100 validation samples', 'use a larger dataset or a smaller --subset'],
    compare: ['model B: the model uses 1 unsupported op(s): NonMaxSuppression (node \'nms\')', 'replace them in the model, or run it elsewhere'],
    inference: ["the dataset's images have different sizes; set resize (and crop) in the usage config", 'add resize (and crop) to the usage config'],
    sweep: ['No point meets the latency bound', 'raise the bound; the lowest latency measured is printed'],
  };
  [j.error, j.hint] = msgs[j.type] ?? ['internal error', ''];
  log(j, `error: ${j.error}`);
  emit(j, true);
}
function finish(j) {
  j.status = 'done';
  j.progress = 1;
  j.finished_at = now();
  j.stage = '';
  const p = S.projects.find((x) => x.id === j.project_id);
  if (j.type === 'inference' && p) {
    const ds = S.datasets.find((d) => d.id === p.dataset_id);
    j.result_id = addResult(j, 'inference', inferenceData(p, { accuracy: !!ds?.annotated })).id;
  } else if (j.type === 'calibration') {
    const child = S.projects.find((x) => x.id === j.params._child);
    const parent = S.projects.find((x) => x.id === child?.parent_project_id);
    const pm = S.models.find((m) => m.id === parent?.model_id);
    const m = addModel({ name: child.name, origin: 'calibrated', parent_model_id: pm?.id ?? null, bytes: 212800, info: F.infoR8 });
    child.model_id = m.id;
    const rep = { ...clone(F.calib), int8_project_id: child.id, int8_model_id: m.id };
    rep.scheme = { ...rep.scheme, algorithm: j.params.algorithm ?? 'percentile', preset: j.params.preset ?? 'performance' };
    rep.subset = j.params.subset ?? Math.round(((j.params.subset_percent ?? 10) / 100) * (S.datasets.find((d) => d.id === j.params.dataset_id)?.samples ?? 0));
    rep.dataset = S.datasets.find((d) => d.id === j.params.dataset_id)?.spec ?? rep.dataset;
    const r = { id: nextId('result'), job_id: j.id, project_id: child.id, kind: 'calibration', created_at: now(), data: rep };
    S.results.push(r);
    j.result_id = r.id;
    log(j, `INT8 model ${m.id} registered; queueing inference of project ${child.id}`);
    emit(j, true);
    const inf = addJob(child.id, 'inference', {});
    emit(inf, true);
    return;
  } else if (j.type === 'compare') {
    const data = { ...clone(F.compare), project_a: j.params.project_a, project_b: j.params.project_b };
    if (j.params.limit) data.predictions.samples = j.params.limit;
    j.result_id = addResult(j, 'compare', data).id;
  } else if (j.type === 'sweep') {
    const pts = [];
    const base = F.sweep.points[1];
    for (const s of j.params.streams) for (const b of j.params.batches) {
      const f = Math.min(3, 1 + Math.log2(b) * 0.3) * Math.min(1.8, 1 + (s - 1) * 0.7);
      const lat = base.latency_ms.median * b * (s > 1 ? 1.15 : 1) / Math.min(3, 1 + Math.log2(b) * 0.3);
      pts.push({ ...clone(base), batch: b, streams: s, threads: CORES, threads_per_stream: Math.max(1, CORES / s), throughput_fps: base.throughput_fps * f, latency_ms: { ...base.latency_ms, median: lat, p90: lat * 1.08, p99: lat * 1.4, mean: lat * 1.05 } });
    }
    const bound = j.params.max_latency_ms || 0;
    let best = -1;
    pts.forEach((pt, i) => {
      if (bound > 0 && pt.latency_ms.median > bound) return;
      if (best < 0 || pt.throughput_fps > pts[best].throughput_fps) best = i;
    });
    j.result_id = addResult(j, 'sweep', { model: F.sweep.model, points: pts, best: best < 0 ? null : best, max_latency_ms: bound }).id;
  }
  log(j, `done; result ${j.result_id}`);
  emit(j, true);
}
setInterval(pump, 200).unref();

// ---------------- validation ----------------
const USAGE_KEYS = ['task', 'preprocessing', 'label_offset', 'metrics'];
const PP_KEYS = ['color', 'resize', 'crop', 'divide', 'mean', 'std', 'layout'];
function validateUsage(u, p) {
  if (!u || typeof u !== 'object') throw E(400, 'the usage config must be a JSON object');
  for (const k of Object.keys(u)) if (!USAGE_KEYS.includes(k)) throw E(400, `unknown field '${k}'`, 'fix the config (fields: task, preprocessing, label_offset, metrics)');
  const pp = u.preprocessing ?? {};
  for (const k of Object.keys(pp)) if (!PP_KEYS.includes(k)) throw E(400, `preprocessing: unknown field '${k}'`, 'fix the config');
  const model = S.models.find((m) => m.id === p.model_id);
  const ch = model?.info?.inputs?.[0]?.shape?.[1];
  const want = pp.color === 'gray' ? 1 : 3;
  if (typeof ch === 'number' && ch !== want) throw E(400, `the model takes ${ch} channel(s) but preprocessing color is '${pp.color}'`, "set color to 'gray' (1 channel) or 'rgb'/'bgr' (3)");
  if (!Array.isArray(pp.mean) || pp.mean.some((x) => typeof x !== 'number')) throw E(400, 'preprocessing.mean: has the wrong type', 'a list of numbers, one per channel');
  if (pp.mean.length !== want) throw E(400, `preprocessing.mean: needs ${want} value(s) for ${pp.color}, got ${pp.mean.length}`, 'one value per channel');
  if (!Array.isArray(pp.std) || pp.std.length !== want) throw E(400, `preprocessing.std: needs ${want} value(s) for ${pp.color}`, 'one value per channel');
  if (pp.resize?.mode === 'exact' && (pp.resize.height !== 28 || pp.resize.width !== 28) && !pp.crop) throw E(400, `the preprocessed image is ${pp.resize.width}x${pp.resize.height}x${want} but the model takes 28x28x${ch}`, 'fix resize/crop in the usage config');
  if (pp.crop && (pp.crop.height !== 28 || pp.crop.width !== 28)) throw E(400, `the preprocessed image is ${pp.crop.width}x${pp.crop.height}x${want} but the model takes 28x28x${ch}`, 'fix resize/crop in the usage config');
  if (u.label_offset != null && u.label_offset !== 0) throw E(400, `the model predicts 10 classes but the dataset has 10 (label_offset ${u.label_offset})`, 'check label_offset');
}
const SETTINGS_KEYS = Object.keys(DEFAULT_SETTINGS);
function validateSettings(s) {
  for (const k of Object.keys(s)) if (!SETTINGS_KEYS.includes(k)) throw E(400, `inference settings: unknown field '${k}'`, 'fields: batch, threads, streams, seconds, iterations, warmup');
  const v = { ...DEFAULT_SETTINGS, ...s };
  if (!(v.batch >= 1)) throw E(400, 'batch must be at least 1', 'fix the value');
  if (v.threads > CORES) throw E(400, `${v.threads} threads is more than this machine's ${CORES} cores`, `use ${CORES} or fewer (0 = all cores)`);
  const t = v.threads || CORES;
  if (v.streams < 1 || v.streams > t) throw E(400, `${v.streams} streams need at least ${v.streams} threads (one per stream)`, 'fewer streams, or more threads (up to the cores)');
  if (v.seconds < 0 || v.iterations < 0) throw E(400, 'time and iterations must not be negative', 'fix the value');
  return v;
}

// ---------------- routes ----------------
async function api(req, res, url) {
  const m = req.method;
  const p = url.pathname;
  let g;
  if (p === '/api/health') return send(res, 200, { status: 'ok', version: '0.0.0-mock', jobs_queued: S.jobs.filter((j) => j.status === 'queued').length, job_running: running?.id ?? null });
  if (TOKEN) {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${TOKEN}` && url.searchParams.get('token') !== TOKEN) throw E(401, 'a token is required', 'open the address calibra serve printed (it ends in #token=...)');
  }
  if (p === '/api/openapi.json') return send(res, 200, { openapi: '3.0.3', info: { title: 'Calibra workbench (mock)', version: '0' }, paths: {} });
  if (p === '/api/system') return send(res, 200, { cores: CORES, isa: 'avx2', vnni: false, threads_max: CORES });
  if (p === '/api/events') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    for (const j of S.jobs.filter((x) => x.status === 'queued' || x.status === 'running')) res.write(`event: job\ndata: ${JSON.stringify(j)}\n\n`);
    clients.add(res);
    req.on('close', () => clients.delete(res));
    return;
  }
  // models
  if (p === '/api/models' && m === 'GET') return send(res, 200, [...S.models].sort((a, b) => b.id - a.id));
  if (p === '/api/models' && m === 'POST') {
    const ct = req.headers['content-type'] ?? '';
    if (ct.startsWith('multipart/')) {
      const form = parseMultipart(await readBody(req), ct);
      const f = form.file;
      if (!f?.filename) throw E(400, "the upload has no 'file' part", 'choose an .onnx file');
      if (!f.size) throw E(400, 'the file is empty; it is not an ONNX model', 're-export or re-download');
      if (!/\.onnx$/i.test(f.filename)) throw E(400, `not an ONNX model: protobuf parsing failed (${f.filename})`, 're-export or re-download the model');
      const name = (form.name || f.filename.replace(/\.onnx$/i, '')).trim();
      const info = name.includes('mobilenet') ? F.infoMbv2 : name.includes('int8') ? F.infoR8 : F.infoResnet;
      return send(res, 201, addModel({ name, origin: 'upload', bytes: f.size, info: clone(info) }));
    }
    const b = await readJson(req);
    if (typeof b.path !== 'string' || !b.path.startsWith('/')) throw E(400, 'give an absolute "path" to an .onnx file', '');
    if (!fs.existsSync(b.path)) throw E(400, `file '${b.path}' does not exist`, 'check the path');
    if (fs.statSync(b.path).isDirectory()) throw E(400, `'${b.path}' is a folder, not a file`, 'give the .onnx file');
    const name = b.name || path.basename(b.path).replace(/\.onnx$/i, '');
    const info = name.includes('mobilenet') ? F.infoMbv2 : name.includes('int8') || name.includes('r8') ? F.infoR8 : F.infoResnet;
    return send(res, 201, addModel({ name, origin: 'path', path: b.path, bytes: fs.statSync(b.path).size, info: clone(info) }));
  }
  if ((g = /^\/api\/models\/(\d+)$/.exec(p))) {
    const model = byId(S.models, g[1], 'model');
    if (m === 'GET') return send(res, 200, model);
    if (m === 'DELETE') {
      const used = S.projects.find((x) => x.model_id === model.id);
      if (used) throw E(409, `the model is used by project ${used.id}; delete that project first`, '');
      S.models = S.models.filter((x) => x !== model);
      return send(res, 204, null);
    }
  }
  // datasets
  if (p === '/api/datasets' && m === 'GET') return send(res, 200, [...S.datasets].sort((a, b) => b.id - a.id));
  if (p === '/api/datasets' && m === 'POST') {
    const ct = req.headers['content-type'] ?? '';
    if (ct.startsWith('multipart/')) {
      const form = parseMultipart(await readBody(req), ct);
      const f = form.file;
      if (!f?.filename) throw E(400, "the upload has no 'file' part", 'choose an archive or IDX file');
      const idx = /idx|ubyte/i.test(f.filename);
      if (!idx && !/\.(zip|tar|tgz|tar\.gz)$/i.test(f.filename)) throw E(400, `'${f.filename}' is not a .zip, .tar, .tar.gz or .tgz archive nor an IDX file`, 'upload an archive of an image folder, or IDX files');
      const name = form.name || f.filename.replace(/\.(zip|tar|tgz|tar\.gz|gz)$/i, '');
      return send(res, 201, addDataset({ name, origin: 'upload', spec: `/data/datasets/${S.seq.dataset + 1}`, kind: idx ? 'idx' : 'folder', samples: 120, annotated: idx ? !!form.labels : true, classes: idx && !form.labels ? 0 : 10, description: `${name}: 120 images, 10 classes (mock)`, bytes: f.size }));
    }
    const b = await readJson(req);
    if (b.spec) {
      const known = { 'fashion-mnist:test': 10000, 'fashion-mnist:train': 60000, 'fashion-mnist': 10000 };
      if (!(b.spec in known)) throw E(400, `dataset '${b.spec}' does not exist (give a folder, an IDX file, cifar:..., fashion-mnist[:train|:test] or generated[:N])`, 'see the dataset table');
      const ex = S.datasets.find((d) => d.spec === b.spec);
      if (ex) return send(res, 201, ex);
      const split = b.spec.endsWith('train') ? 'train' : 'test';
      return send(res, 201, addDataset({ name: `Fashion-MNIST ${split}`, origin: 'builtin', spec: b.spec, kind: 'idx', samples: known[b.spec], annotated: true, classes: 10, description: `Fashion-MNIST ${split} set: ${known[b.spec]} images 28x28 gray (IDX), 10 classes` }));
    }
    if (b.path) {
      if (!fs.existsSync(b.path)) throw E(400, `dataset '${b.path}' does not exist (give a folder, an IDX file, ...)`, 'check the path');
      return send(res, 201, addDataset({ name: path.basename(b.path), origin: 'path', spec: b.path, kind: 'folder', samples: 50, annotated: true, classes: 10, description: `${b.path}: 50 images (mock)` }));
    }
    if (b.generated !== undefined) {
      const n = Number(b.generated);
      if (!Number.isInteger(n) || n < 1) throw E(400, 'generated needs a positive number of samples', '');
      return send(res, 201, addDataset({ name: `Generated (${n})`, origin: 'generated', spec: `generated:${n}`, kind: 'generated', samples: n, annotated: false, classes: 0, description: `${n} seeded random inputs of the model shape (speed only)` }));
    }
    throw E(400, 'give a file, or JSON {"spec"}, {"path"} or {"generated"}', '');
  }
  if (p === '/api/datasets/builtin' && m === 'GET') {
    return send(res, 200, [
      { spec: 'fashion-mnist:test', description: 'Fashion-MNIST test set: 10000 images 28x28 gray (IDX), 10 classes', available: true },
      { spec: 'fashion-mnist:train', description: 'Fashion-MNIST train set: 60000 images 28x28 gray (IDX), 10 classes', available: true },
    ]);
  }
  if ((g = /^\/api\/datasets\/(\d+)$/.exec(p))) {
    const ds = byId(S.datasets, g[1], 'dataset');
    if (m === 'GET') return send(res, 200, ds);
    if (m === 'DELETE') {
      const used = S.projects.find((x) => x.dataset_id === ds.id);
      if (used) throw E(409, `the dataset is used by project ${used.id}; delete that project first`, '');
      S.datasets = S.datasets.filter((x) => x !== ds);
      return send(res, 204, null);
    }
  }
  // projects
  if (p === '/api/projects' && m === 'GET') return send(res, 200, [...S.projects].sort((a, b) => b.id - a.id).map(projectListView));
  if (p === '/api/projects' && m === 'POST') {
    const b = await readJson(req);
    const model = byId(S.models, b.model_id, 'model');
    const ds = byId(S.datasets, b.dataset_id, 'dataset');
    const settings = b.settings ? validateSettings(b.settings) : { ...DEFAULT_SETTINGS };
    const pr = addProject({ name: b.name || `${model.name} on ${ds.name}`, model_id: model.id, dataset_id: ds.id, settings, usage: b.usage ?? clone(GRAY_USAGE) });
    const j = addJob(pr.id, 'inference', {});
    emit(j, true);
    return send(res, 201, projectView(pr));
  }
  if ((g = /^\/api\/projects\/(\d+)(?:\/(\w+))?$/.exec(p))) {
    const pr = byId(S.projects, g[1], 'project');
    const sub = g[2];
    if (!sub && m === 'GET') return send(res, 200, projectView(pr));
    if (!sub && m === 'DELETE') {
      const busy = S.jobs.find((j) => j.project_id === pr.id && (j.status === 'running' || j.status === 'queued'));
      if (busy) throw E(409, `job ${busy.id} of this project is queued or running; cancel it first`, '');
      for (const c of S.projects) if (c.parent_project_id === pr.id) c.parent_project_id = null;
      S.projects = S.projects.filter((x) => x !== pr);
      S.results = S.results.filter((r) => r.project_id !== pr.id);
      S.jobs = S.jobs.filter((j) => j.project_id !== pr.id);
      return send(res, 204, null);
    }
    if (sub === 'usage' && m === 'PUT') {
      const u = await readJson(req);
      validateUsage(u, pr);
      pr.usage = u;
      return send(res, 200, projectView(pr));
    }
    if (sub === 'settings' && m === 'PUT') {
      pr.settings = validateSettings(await readJson(req));
      return send(res, 200, projectView(pr));
    }
    if (sub === 'inference' && m === 'POST') {
      await readJson(req);
      if (pr.model_id == null) throw E(409, 'the project has no model yet (its calibration has not finished)', 'wait for the calibration');
      const j = addJob(pr.id, 'inference', {});
      emit(j, true);
      return send(res, 202, j);
    }
    if (sub === 'sweep' && m === 'POST') {
      const b = await readJson(req);
      if (!Array.isArray(b.batches) || b.batches.length === 0) throw E(400, 'the sweep needs at least one batch size', 'e.g. --batches 1,2,4');
      if (!Array.isArray(b.streams) || b.streams.length === 0) throw E(400, 'the sweep needs at least one stream count', '');
      if (b.streams.some((s) => s > CORES)) throw E(400, `${Math.max(...b.streams)} streams need at least ${Math.max(...b.streams)} threads (one per stream)`, 'fewer streams, or more threads (up to the cores)');
      const j = addJob(pr.id, 'sweep', b);
      emit(j, true);
      return send(res, 202, j);
    }
    if (sub === 'calibrate' && m === 'POST') {
      const b = await readJson(req);
      const view = projectView(pr);
      if (!view.int8.available) throw E(409, view.int8.reason, '');
      const dsId = b.dataset_id ?? pr.dataset_id;
      const ds = byId(S.datasets, dsId, 'dataset');
      if (ds.origin === 'generated') throw E(409, 'a generated dataset cannot be used for INT8 calibration', 'use real inputs');
      if (b.subset !== undefined && b.subset_percent !== undefined) throw E(400, 'give subset or subset_percent, not both', '');
      if (b.subset !== undefined && !(Number.isInteger(b.subset) && b.subset > 0)) throw E(400, '--subset must be a positive count or a percentage', 'e.g. --subset 300 or --subset 10%');
      if (b.subset_percent !== undefined && !(b.subset_percent > 0 && b.subset_percent <= 100)) throw E(400, '--subset must be a positive count or a percentage', 'e.g. --subset 300 or --subset 10%');
      if (!['minmax', 'percentile', 'kl', 'mse', 'auto'].includes(b.algorithm ?? 'percentile')) throw E(400, `unknown algorithm '${b.algorithm}'`, 'minmax, percentile, kl, mse or auto');
      if (b.method === 'accuracy_aware' && !ds.annotated) throw E(400, 'accuracy-aware calibration (--max-drop) needs an annotated dataset', 'use labelled data or drop --max-drop');
      const settings = validateSettings({ ...pr.settings, ...(b.settings ?? {}) });
      const algo = b.algorithm ?? 'percentile';
      const n = S.projects.filter((c) => c.parent_project_id === pr.id).length;
      const model = S.models.find((x) => x.id === pr.model_id);
      const child = addProject({ name: `${model?.name ?? pr.name} INT8 (${algo}${n ? ` #${n + 1}` : ''})`, model_id: null, dataset_id: pr.dataset_id, parent_project_id: pr.id, usage: clone(pr.usage), settings });
      const j = addJob(CALIB_ON === 'parent' ? pr.id : child.id, 'calibration', { ...b, dataset_id: dsId });
      Object.defineProperty(j.params, '_child', { value: child.id, enumerable: false });
      emit(j, true);
      const out = { job: j, project: projectView(child) };
      if (dsId === pr.dataset_id) out.warning = 'calibrating on the validation set makes its accuracy optimistic';
      return send(res, 202, out);
    }
    if (sub === 'results' && m === 'GET') {
      const kind = url.searchParams.get('kind');
      return send(res, 200, S.results.filter((r) => r.project_id === pr.id && (!kind || r.kind === kind)).sort((a, b) => b.id - a.id));
    }
  }
  if (p === '/api/compare' && m === 'POST') {
    const b = await readJson(req);
    const pa = byId(S.projects, b.project_a, 'project');
    const pb = byId(S.projects, b.project_b, 'project');
    if (pa.id === pb.id) throw E(400, 'compare two different projects', '');
    if (pa.model_id == null || pb.model_id == null) throw E(409, 'both projects need a model (is a calibration still running?)', 'wait for the calibration to finish');
    const j = addJob(pa.id, 'compare', { project_a: pa.id, project_b: pb.id, ...(b.limit ? { limit: b.limit } : {}) });
    emit(j, true);
    return send(res, 202, j);
  }
  // jobs
  if (p === '/api/jobs' && m === 'GET') {
    const pid = url.searchParams.get('project_id');
    const st = url.searchParams.get('status');
    return send(res, 200, S.jobs.filter((j) => (!pid || j.project_id === Number(pid)) && (!st || j.status === st)).sort((a, b) => b.id - a.id));
  }
  if ((g = /^\/api\/jobs\/(\d+)(?:\/(\w+))?$/.exec(p))) {
    const j = byId(S.jobs, g[1], 'job');
    const sub = g[2];
    if (!sub && m === 'GET') return send(res, 200, j);
    if (sub === 'log' && m === 'GET') return send(res, 200, (S.logs.get(j.id) ?? []).join('\n') + '\n', 'text/plain');
    if (sub === 'cancel' && m === 'POST') {
      if (j.status !== 'queued' && j.status !== 'running') throw E(409, `job ${j.id} is already ${j.status}`, '');
      j.status = 'cancelled';
      j.finished_at = now();
      j.error = null;
      log(j, 'cancelled');
      emit(j, true);
      return send(res, 200, j);
    }
    if (sub === 'rerun' && m === 'POST') {
      if (!['failed', 'cancelled', 'interrupted'].includes(j.status)) throw E(409, `job ${j.id} is ${j.status}; only failed, cancelled or interrupted jobs can be re-run`, '');
      const n = addJob(j.project_id, j.type, j.params);
      if (j.params._child) Object.defineProperty(n.params, '_child', { value: j.params._child, enumerable: false });
      emit(n, true);
      return send(res, 202, n);
    }
  }
  if ((g = /^\/api\/results\/(\d+)(?:\/(report\.html))?$/.exec(p))) {
    const r = byId(S.results, g[1], 'result');
    if (!g[2]) return send(res, 200, r);
    if (r.kind !== 'compare') throw E(404, `result ${r.id} is a ${r.kind} result; only compare results have an HTML report`, '');
    const d = r.data;
    const html = `<!doctype html><meta charset="utf-8"><title>Calibra compare (mock)</title><body style="font-family:sans-serif;padding:20px"><h1>Compare report (mock)</h1><p>A ${d.a.precision} ${d.a.speed.throughput_fps.toFixed(1)}/s, B ${d.b.precision} ${d.b.speed.throughput_fps.toFixed(1)}/s (${d.ratios.throughput.toFixed(2)}x)</p><p>The real server sends calibra compare --html here.</p><script type="application/json" id="report-data">${JSON.stringify(d).replace(/</g, '\\u003c')}</script>`;
    return send(res, 200, html, 'text/html');
  }
  throw E(404, `no API endpoint ${m} ${p}`, 'see docs/API.md');
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.map': 'application/json' };
function serveStatic(req, res, url) {
  if (!STATIC) return send(res, 404, 'The mock serves only /api (start it with --static dist to serve the built app).', 'text/plain');
  const root = path.resolve(STATIC);
  let file = path.resolve(root, '.' + decodeURIComponent(url.pathname));
  if (!file.startsWith(root)) return send(res, 403, 'forbidden', 'text/plain');
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  if (!fs.existsSync(file)) return send(res, 404, `no ${file}; run npm run build first`, 'text/plain');
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host ?? 'localhost'}`);
  try {
    if (url.pathname.startsWith('/api/')) await api(req, res, url);
    else serveStatic(req, res, url);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    if (status === 500) console.error(e);
    if (!res.headersSent) send(res, status, { error: { status, message: e.message, hint: e.hint ?? '' } });
  }
});
server.listen(PORT, '127.0.0.1', () => {
  console.log(`mock calibra serve on http://127.0.0.1:${PORT}/ ${STATIC ? `(static ${STATIC})` : '(API only)'}${TOKEN ? ` token ${TOKEN}` : ''}${FAIL.size ? ` failing ${[...FAIL].join(',')}` : ''}`);
});
