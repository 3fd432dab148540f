#!/usr/bin/env node
// ONNX Runtime (CPU, onnxruntime-node) as a peer for Calibra, with the same two
// verbs as Calibra's CLI so that compare_ort.sh can drive both the same way:
//
//   node ort_bench.js run   MODEL -i NAME=FILE.npy ... -o OUTDIR [-t THREADS]
//       Runs once and writes OUTDIR/<output_name>.npy (like `calibra run`).
//   node ort_bench.js bench MODEL [-t THREADS] [-n ITERS] [--warmup W] [--json]
//       Warm-up runs, then ITERS timed inferences; prints latency statistics in
//       the shape of `calibra bench --json` (latency_ms.median etc.).
//
// Session settings (the same for both verbs): intraOpNumThreads = THREADS,
// interOpNumThreads = 1, graphOptimizationLevel 'all', executionMode
// 'sequential', CPU execution provider. ORT uses its own thread pool, not
// OpenMP, so OMP_WAIT_POLICY does not affect it; its worker threads spin while
// waiting for work unless --spin 0 is given.
//
// Only onnxruntime-node is needed (installed into bench/node_modules by
// compare_ort.sh); .npy files are read and written here (little-endian, C order).
'use strict';

const fs = require('fs');
const path = require('path');

const USAGE = `Usage:
  node ort_bench.js run   MODEL -i NAME=FILE.npy [-i ...] -o OUTDIR [-t THREADS] [--spin 0|1]
  node ort_bench.js bench MODEL [-t THREADS] [-n ITERS] [--warmup W] [-b BATCH]
                              [-i NAME=FILE.npy ...] [--seed S] [--spin 0|1] [--json]

run    runs MODEL once on the given inputs and writes OUTDIR/<output>.npy
bench  times ITERS inferences (default 50) after W warm-up runs (default 2) and
       prints JSON: {"latency_ms": {"median", "mean", "min", "max", "p90", "p99"}, ...}.
       Without -i, inputs are seeded random normals of the model's shape with
       dynamic dimensions set to BATCH (default 1).
Options:
  -t, --threads N   intra-op threads (default 1); inter-op threads are always 1
  --spin 0|1        let ORT's idle worker threads spin (ORT's default: 1)
  -h, --help        this text`;

function fail(msg) {
  process.stderr.write(`ort_bench: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const a = { verb: null, model: null, inputs: [], outDir: null, threads: 1, iterations: 50,
              warmup: 2, batch: 1, seed: 42, spin: null, json: false };
  const need = (i) => { if (i + 1 >= argv.length) fail(`${argv[i]} needs a value`); return argv[i + 1]; };
  const int = (s, name, min) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < min) fail(`${name} must be an integer >= ${min}, got '${s}'`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '-h' || x === '--help') { console.log(USAGE); process.exit(0); }
    else if (x === '-i' || x === '--input') a.inputs.push(need(i++));
    else if (x === '-o' || x === '--output-dir') a.outDir = need(i++);
    else if (x === '-t' || x === '--threads') a.threads = int(need(i++), 'threads', 1);
    else if (x === '-n' || x === '--iterations') a.iterations = int(need(i++), 'iterations', 1);
    else if (x === '--warmup') a.warmup = int(need(i++), 'warmup', 0);
    else if (x === '-b' || x === '--batch') a.batch = int(need(i++), 'batch', 1);
    else if (x === '--seed') a.seed = int(need(i++), 'seed', 0);
    else if (x === '--spin') a.spin = int(need(i++), 'spin', 0) ? 1 : 0;
    else if (x === '--json') a.json = true;
    else if (x.startsWith('-')) fail(`unknown option ${x}\n${USAGE}`);
    else if (!a.verb) a.verb = x;
    else if (!a.model) a.model = x;
    else fail(`unexpected argument ${x}`);
  }
  if (a.verb !== 'run' && a.verb !== 'bench') fail(`first argument must be 'run' or 'bench'\n${USAGE}`);
  if (!a.model) fail('MODEL is required');
  if (a.verb === 'run' && (!a.outDir || a.inputs.length === 0)) fail('run needs -i NAME=FILE.npy and -o OUTDIR');
  return a;
}

// ---- .npy (format versions 1-3, little-endian, C order) ---------------------

const NPY_TYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array], '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(`${file}: cannot parse header ${header}`);
  if (fortran[1] === 'True') fail(`${file}: Fortran-order arrays are not supported`);
  const t = NPY_TYPES[descr[1]];
  if (!t) fail(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((p, d) => p * d, 1);
  const off = hstart + hlen;
  const bytes = buf.subarray(off, off + count * t[1].BYTES_PER_ELEMENT);
  // Copy into an aligned buffer: the data offset is not always a multiple of 8.
  const data = new t[1](count);
  new Uint8Array(data.buffer).set(bytes);
  return { type: t[0], data, dims };
}

function writeNpy(file, tensor) {
  const entry = Object.entries(NPY_TYPES).find(([, v]) => v[0] === tensor.type);
  if (!entry) fail(`cannot write output of type ${tensor.type}`);
  const dims = tensor.dims.map(Number);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${entry[0]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that magic + length + header + '\n' is a multiple of 64.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const d = tensor.data;
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(d.buffer, d.byteOffset, d.byteLength)]));
}

// ---- inputs -------------------------------------------------------------

function fileInputs(ort, specs) {
  const feeds = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`input must be NAME=FILE.npy, got '${spec}'`);
    const a = readNpy(spec.slice(eq + 1));
    feeds[spec.slice(0, eq)] = new ort.Tensor(a.type, a.data, a.dims);
  }
  return feeds;
}

// Seeded standard normals (mulberry32 + Box-Muller): timing does not depend on
// the values, but NaNs or denormals would, so use sane data.
function randomInputs(ort, session, batch, seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const feeds = {};
  for (const m of session.inputMetadata) {
    if (!m.isTensor || m.type !== 'float32') fail(`input ${m.name}: only float32 tensors get random data; pass -i`);
    const dims = m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : batch));
    const n = dims.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
    feeds[m.name] = new ort.Tensor('float32', data, dims);
  }
  return feeds;
}

function stats(ms) {
  const v = [...ms].sort((x, y) => x - y);
  const n = v.length;
  const pct = (p) => v[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  return {
    min: v[0], max: v[n - 1],
    mean: v.reduce((p, x) => p + x, 0) / n,
    median: n % 2 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]),
    p90: pct(90), p99: pct(99),
  };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail(`onnxruntime-node is not installed: run 'cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci' (${e.message})`);
  }
  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  if (a.spin !== null) options.extra = { session: { intra_op: { allow_spinning: String(a.spin) } } };
  const session = await ort.InferenceSession.create(a.model, options);

  if (a.verb === 'run') {
    const out = await session.run(fileInputs(ort, a.inputs));
    fs.mkdirSync(a.outDir, { recursive: true });
    for (const [name, t] of Object.entries(out)) writeNpy(path.join(a.outDir, `${name}.npy`), t);
    return;
  }

  const feeds = a.inputs.length ? fileInputs(ort, a.inputs) : randomInputs(ort, session, a.batch, a.seed);
  const batch = Number(Object.values(feeds)[0].dims[0]) || 1;
  for (let i = 0; i < a.warmup; i++) await session.run(feeds);
  const lat = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < a.iterations; i++) {
    const s = process.hrtime.bigint();
    await session.run(feeds);
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const dur = Number(process.hrtime.bigint() - t0) / 1e9;
  const r = {
    runtime: `onnxruntime-node ${ort.env.versions.node || ''}`.trim(),
    model: a.model,
    batch,
    threads: a.threads,
    inter_op_threads: 1,
    intra_op_spinning: a.spin === null ? 'default' : a.spin,
    warmup: a.warmup,
    iterations: a.iterations,
    duration_s: dur,
    latency_ms: stats(lat),
    throughput_fps: (a.iterations * batch) / dur,
  };
  if (a.json) {
    console.log(JSON.stringify(r, null, 2));
  } else {
    const l = r.latency_ms;
    console.log(`${a.model}: ${a.threads} thread(s), batch ${batch}, ${a.iterations} runs: ` +
      `median ${l.median.toFixed(3)} ms (min ${l.min.toFixed(3)}, p90 ${l.p90.toFixed(3)}), ` +
      `${r.throughput_fps.toFixed(1)} inferences/s`);
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
