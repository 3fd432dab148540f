#!/usr/bin/env node
// Load test of the workbench API (docs/RELIABILITY.md): many concurrent clients for a while
// against `calibra serve` while a calibration runs. Node >= 20, no packages (global fetch).
//
//   node scripts/load_test.mjs [--calibra build/calibra] [--clients 200] [--seconds 60]
//   node scripts/load_test.mjs --url http://127.0.0.1:8080 [--token T]      (a running server)
//   node scripts/load_test.mjs --clients 50 --seconds 5                       (short, for tests)
//
// Without --url it starts `calibra serve` on a free port with a fresh data folder, and stops it
// at the end. It registers zoo/fmnist_resnet.onnx and the built-in fashion-mnist:test set (or,
// when that is not installed, the demo model on a generated set without calibration), makes a
// project (its baseline job is queued) and starts a calibration (another whenever one ends,
// so one runs or waits during the whole load), then runs the clients. Each
// client loops: GET list and detail endpoints, polls the calibration job, and now and then
// creates a small generated dataset and deletes it again. At the end it waits for every job,
// and checks that none was lost or failed and that every created dataset was deleted.
//
// Prints requests, errors (any network error or unexpected HTTP status), requests/s and
// p50/p90/p99/max latency, per endpoint kind and overall, and a last line
// "load: PASS ..." or "load: FAIL ..."; exits 1 on failure. --json FILE writes the numbers.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = { clients: 200, seconds: 60, calibra: join(repo, "build/calibra"), url: "", token: "", json: "", sse: 2 };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, "");
  if (k === "help" || k === "h") {
    console.log("usage: node scripts/load_test.mjs [--calibra PATH | --url URL [--token T]] [--clients N] [--seconds S] [--sse N] [--json FILE]");
    process.exit(0);
  }
  if (!(k in args)) {
    console.error(`load: unknown option --${k} (see --help)`);
    process.exit(2);
  }
  const v = process.argv[++i];
  args[k] = typeof args[k] === "number" ? Number(v) : v;
}
if (!(args.clients > 0) || !(args.seconds > 0)) {
  console.error("load: --clients and --seconds must be positive numbers");
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

// ---------------------------------------------------------------- the server
let server = null;
let dataDir = "";
let base = args.url.replace(/\/$/, "");
async function startServer() {
  if (!existsSync(args.calibra)) throw new Error(`${args.calibra} does not exist: build first, or pass --calibra / --url`);
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "calibra-load-"));
  server = spawn(args.calibra, ["serve", "--port", String(port), "--data", dataDir, "--allow-path", repo], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr.on("data", (d) => (stderr += d));
  server.on("exit", (code, sig) => {
    if (!stopping) console.error(`load: calibra serve exited (code ${code}, signal ${sig}) ${stderr.trim()}`);
  });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {}
    if (server.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`calibra serve did not start: ${stderr.trim()}`);
}
let stopping = false;
async function stopServer() {
  if (!server) return;
  stopping = true;
  const exited = new Promise((r) => server.once("exit", (code) => r(code)));
  server.kill("SIGTERM");
  const code = await Promise.race([exited, sleep(20000).then(() => "timeout")]);
  if (code === "timeout") server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  return code;
}

const headers = (json) => ({
  ...(json ? { "Content-Type": "application/json" } : {}),
  ...(args.token ? { Authorization: `Bearer ${args.token}` } : {}),
});
async function api(method, path, body) {
  const r = await fetch(base + path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {}
  return { status: r.status, data, text };
}
async function must(method, path, body, want) {
  const r = await api(method, path, body);
  if (r.status !== want) throw new Error(`${method} ${path}: HTTP ${r.status} (want ${want}): ${r.text.slice(0, 300)}`);
  return r.data;
}

// ---------------------------------------------------------------- statistics
const stats = new Map(); // kind -> {lat: [], errors, samples: []}
function record(kind, ms, ok, what) {
  let s = stats.get(kind);
  if (!s) stats.set(kind, (s = { lat: [], errors: 0, samples: [] }));
  s.lat.push(ms);
  if (!ok) {
    s.errors++;
    if (s.samples.length < 5) s.samples.push(what);
  }
}
const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);
function summarise(lat) {
  const s = Float64Array.from(lat).sort();
  return { requests: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.length ? s[s.length - 1] : 0 };
}

// ---------------------------------------------------------------- the run
async function main() {
  if (!base) await startServer();
  console.log(`load: ${base}, ${args.clients} clients for ${args.seconds} s`);
  await must("GET", "/api/health", undefined, 200);
  const jobsBefore = (await must("GET", "/api/jobs", undefined, 200)).length;
  const datasetsBefore = (await must("GET", "/api/datasets", undefined, 200)).length;

  // A project and a calibration (the real dataset when installed).
  const builtin = await must("GET", "/api/datasets/builtin", undefined, 200);
  const fmnist = builtin.find((b) => b.spec === "fashion-mnist:test" && b.available);
  const model = await must("POST", "/api/models", { path: join(repo, fmnist ? "zoo/fmnist_resnet.onnx" : "demo/demo_cnn.onnx") }, 201);
  const dataset = await must("POST", "/api/datasets", fmnist ? { spec: "fashion-mnist:test" } : { generated: 200 }, 201);
  const project = await must(
    "POST",
    "/api/projects",
    { model_id: model.id, dataset_id: dataset.id, name: "load test", settings: { threads: 1, iterations: 50, seconds: 0 } },
    201,
  );
  let created = 1; // the baseline job
  let calJob = null;
  const calJobs = [];
  const calibrate = async () => {
    const cal = await must("POST", `/api/projects/${project.id}/calibrate`, { subset: 1000 }, 202);
    calJob = cal.job.id;
    calJobs.push(calJob);
    created += 2; // the calibration and, after it, the INT8 project's inference
  };
  if (project.int8.available) await calibrate();
  else console.log(`load: no calibration (${project.int8.reason})`);

  // Event streams: job events while the load runs.
  const sse = { events: 0, errors: 0 };
  const sseAbort = new AbortController();
  const sseTasks = [];
  for (let i = 0; i < args.sse; i++)
    sseTasks.push(
      (async () => {
        try {
          const r = await fetch(`${base}/api/events${args.token ? `?token=${args.token}` : ""}`, { signal: sseAbort.signal });
          if (r.status !== 200) return void sse.errors++;
          const dec = new TextDecoder();
          for await (const chunk of r.body) sse.events += (dec.decode(chunk).match(/^event: job$/gm) || []).length;
        } catch (e) {
          if (e.name !== "AbortError") sse.errors++;
        }
      })(),
    );

  const t0 = performance.now();
  const end = t0 + args.seconds * 1000;
  let madeDatasets = 0,
    deletedDatasets = 0;
  const kinds = [
    ["health", () => ["GET", "/api/health"]],
    ["projects", () => ["GET", "/api/projects"]],
    ["project", () => ["GET", `/api/projects/${project.id}`]],
    ["jobs", () => ["GET", "/api/jobs"]],
    ["job poll", () => ["GET", `/api/jobs/${calJob ?? 1}`]],
    ["models", () => ["GET", "/api/models"]],
    ["model", () => ["GET", `/api/models/${model.id}`]],
    ["datasets", () => ["GET", "/api/datasets"]],
    ["results", () => ["GET", `/api/projects/${project.id}/results`]],
    ["system", () => ["GET", "/api/system"]],
  ];
  async function client(c) {
    let i = c;
    while (performance.now() < end) {
      i++;
      if (i % 25 === 0) {
        // Create a small thing and delete it again.
        let t = performance.now();
        let r = await api("POST", "/api/datasets", { generated: 10 }).catch((e) => ({ status: 0, text: String(e.cause ?? e) }));
        record("POST dataset", performance.now() - t, r.status === 201, `${r.status} ${r.text?.slice(0, 120)}`);
        if (r.status !== 201) continue;
        madeDatasets++;
        t = performance.now();
        const d = await api("DELETE", `/api/datasets/${r.data.id}`).catch((e) => ({ status: 0, text: String(e.cause ?? e) }));
        record("DELETE dataset", performance.now() - t, d.status === 204, `${d.status} ${d.text?.slice(0, 120)}`);
        if (d.status === 204) deletedDatasets++;
        continue;
      }
      const [kind, f] = kinds[i % kinds.length];
      const [method, path] = f();
      const t = performance.now();
      let ok = false,
        what = "";
      try {
        const r = await fetch(base + path, { method, headers: headers(false) });
        await r.arrayBuffer();
        ok = r.status === 200;
        what = `HTTP ${r.status} ${path}`;
      } catch (e) {
        what = `${path}: ${e.cause?.code ?? e.message}`;
      }
      record(kind, performance.now() - t, ok, what);
    }
  }
  // A calibration runs during the whole load: when one is done (and the INT8 inference it
  // queues has started), the next is started. One progress line every 10 s.
  const watcher = (async () => {
    let lastLine = t0;
    while (performance.now() < end && calJob) {
      await sleep(250);
      const j = (await api("GET", `/api/jobs/${calJob}`).catch(() => null))?.data;
      if (performance.now() - lastLine >= 10000) {
        lastLine = performance.now();
        console.log(`load: ${((lastLine - t0) / 1000).toFixed(0)} s: calibration job ${calJob} ${j?.status} ${j?.stage ?? ""} ${((j?.progress ?? 0) * 100).toFixed(0)}%, ${calJobs.length} calibration(s) started`);
      }
      if (j && j.status !== "queued" && j.status !== "running" && performance.now() < end) await calibrate();
    }
  })();
  await Promise.all(Array.from({ length: args.clients }, (_, c) => client(c)));
  const elapsed = (performance.now() - t0) / 1000;
  await watcher;
  sseAbort.abort();
  await Promise.all(sseTasks);

  // No job lost: every job we caused exists and ends done.
  const failures = [];
  const deadline = performance.now() + 600000;
  let jobs = [];
  for (;;) {
    jobs = await must("GET", "/api/jobs", undefined, 200); // newest first: ours lead
    const ours = jobs.length - jobsBefore;
    const open = jobs.filter((j) => j.status === "queued" || j.status === "running");
    if ((ours >= created && open.length === 0) || performance.now() > deadline) break;
    await sleep(200);
  }
  const ours = jobs.slice(0, jobs.length - jobsBefore);
  if (ours.length !== created) failures.push(`${ours.length} jobs exist, ${created} were created`);
  for (const j of ours) if (j.status !== "done") failures.push(`job ${j.id} (${j.type}) is ${j.status}: ${j.error ?? ""}`);
  for (const id of calJobs) if (!ours.some((j) => j.id === id && j.status === "done")) failures.push(`calibration job ${id} did not finish`);
  const calDone = calJobs.map((id) => ours.find((j) => j.id === id)).filter(Boolean);
  const datasetsAfter = (await must("GET", "/api/datasets", undefined, 200)).length;
  if (datasetsAfter !== datasetsBefore + 1) failures.push(`${datasetsAfter} datasets, want ${datasetsBefore + 1} (created ${madeDatasets}, deleted ${deletedDatasets})`);
  if (madeDatasets !== deletedDatasets) failures.push(`created ${madeDatasets} datasets but deleted ${deletedDatasets}`);

  // Report.
  const all = [];
  let errors = 0;
  console.log("kind              requests  errors   p50 ms   p90 ms   p99 ms   max ms");
  const out = { clients: args.clients, seconds: elapsed, kinds: {} };
  for (const [kind, s] of [...stats.entries()].sort()) {
    const m = summarise(s.lat);
    all.push(...s.lat);
    errors += s.errors;
    out.kinds[kind] = { ...m, errors: s.errors };
    console.log(
      `${kind.padEnd(16)} ${String(m.requests).padStart(9)} ${String(s.errors).padStart(7)} ${m.p50.toFixed(1).padStart(8)} ${m.p90.toFixed(1).padStart(8)} ${m.p99.toFixed(1).padStart(8)} ${m.max.toFixed(1).padStart(8)}`,
    );
    for (const w of s.samples) console.log(`    error: ${w}`);
  }
  const total = summarise(all);
  Object.assign(out, total, { errors, rps: total.requests / elapsed, sse_events: sse.events, sse_errors: sse.errors, failures });
  out.calibrations = calDone.map((j) => ({ id: j.id, status: j.status, started_at: j.started_at, finished_at: j.finished_at }));
  console.log(
    `all              ${String(total.requests).padStart(9)} ${String(errors).padStart(7)} ${total.p50.toFixed(1).padStart(8)} ${total.p90.toFixed(1).padStart(8)} ${total.p99.toFixed(1).padStart(8)} ${total.max.toFixed(1).padStart(8)}`,
  );
  console.log(`load: ${(total.requests / elapsed).toFixed(0)} requests/s over ${elapsed.toFixed(1)} s; ${sse.events} job events on ${args.sse} event streams (${sse.errors} stream errors)`);
  for (const j of calDone) console.log(`load: calibration job ${j.id}: ${j.status} (started ${j.started_at}, finished ${j.finished_at})`);
  if (sse.errors) failures.push(`${sse.errors} event streams failed`);
  if (errors) failures.push(`${errors} requests failed`);
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 1));
  const code = await stopServer();
  if (server && code !== 0) failures.push(`calibra serve exited with ${code} on SIGTERM`);
  const line = `${total.requests} requests, ${errors} errors, p50 ${total.p50.toFixed(1)} ms, p99 ${total.p99.toFixed(1)} ms, max ${total.max.toFixed(1)} ms, ${ours.length} jobs (${calJobs.length} calibrations)`;
  if (failures.length) {
    for (const f of failures) console.log(`load: ${f}`);
    console.log(`load: FAIL ${line}`);
    process.exit(1);
  }
  console.log(`load: PASS ${line}, none lost or failed`);
}

main().catch(async (e) => {
  console.error(`load: FAIL ${e.message}`);
  await stopServer().catch(() => {});
  process.exit(1);
});
