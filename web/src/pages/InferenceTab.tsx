import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import { ApiError } from '../api/client';
import type { Job, Project, Settings, SweepData, SweepPoint } from '../api/types';
import { ChartView, COLORS } from '../components/Chart';
import { SortableTable, type Column } from '../components/SortableTable';
import { Card, ErrorBox, Field, ProgressBar, Warning, val } from '../components/ui';
import { fmtBytes, fmtFps, fmtMs, fmtTime, humanize } from '../lib/format';
import { activeJob, latestJob } from '../lib/projects';
import { formToSettings, settingsFieldFromError, settingsToForm, type SettingsField, type SettingsForm } from '../lib/settings';
import { bestIndex, parseIntList } from '../lib/sweep';
import { acceptJob, api, notify, notifyError, putProject, useApp } from '../store';
import { RerunButton } from './ProjectPage';

export function SettingsFields({ form, errors, onChange, fields, cores, prefix = 'settings' }: { form: Partial<SettingsForm>; errors: Partial<Record<SettingsField, string>>; onChange: (k: SettingsField, v: string) => void; fields: SettingsField[]; cores: number; prefix?: string }) {
  const meta: Record<SettingsField, { label: string; help: string; min: number; step?: string }> = {
    batch: { label: 'Batch', help: 'samples per inference request', min: 1 },
    threads: { label: 'Threads', help: cores ? `0 = all ${cores} cores` : '0 = all cores', min: 0 },
    streams: { label: 'Streams', help: 'requests in flight (threads are split among them)', min: 1 },
    seconds: { label: 'Time, s', help: 'how long to measure', min: 0, step: 'any' },
    iterations: { label: 'Iterations', help: '> 0 replaces the time', min: 0 },
    warmup: { label: 'Warm-up', help: 'runs before measuring', min: 0 },
  };
  return (
    <div class="form-grid cols-3">
      {fields.map((k) => (
        <Field label={meta[k].label} help={meta[k].help} error={errors[k]} testid={`${prefix}-field-${k}`}>
          <input type="number" min={meta[k].min} max={k === 'threads' && cores ? cores : undefined} step={meta[k].step ?? '1'} value={form[k] ?? ''} onInput={(e) => onChange(k, val(e))} data-testid={`${prefix}-${k}`} />
        </Field>
      ))}
    </div>
  );
}

export function InferenceTab({ project: p, jobs }: { project: Project; jobs: Job[] }) {
  const system = useApp((s) => s.system);
  const links = useApp((s) => s.links);
  const cores = system?.threads_max ?? system?.cores ?? 0;
  const [form, setForm] = useState<SettingsForm>(() => settingsToForm(p.settings));
  const [errors, setErrors] = useState<Partial<Record<SettingsField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const saved = settingsToForm(p.settings);
  const dirty = (Object.keys(form) as SettingsField[]).some((k) => form[k] !== saved[k]);
  const running = activeJob(p, jobs, 'inference', links);

  // Another project in the same component: its settings. Not on mount (useState did that),
  // where a late effect would wipe what the user typed in the first moments.
  const shownId = useRef(p.id);
  useEffect(() => {
    if (shownId.current === p.id) return;
    shownId.current = p.id;
    setForm(settingsToForm(p.settings));
  }, [p.id]);

  const save = async (): Promise<boolean> => {
    setGeneral(null);
    const { settings, errors: errs } = formToSettings(form, cores);
    setErrors(errs);
    if (!settings) return false;
    try {
      const np = await api.put<Project>(`/api/projects/${p.id}/settings`, { ...p.settings, ...settings });
      if (np && typeof np === 'object' && 'id' in np) {
        putProject(np);
        setForm(settingsToForm(np.settings));
      }
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        const f = settingsFieldFromError(e.message);
        if (f) {
          setErrors({ [f]: e.message + (e.hint ? ` — ${e.hint}` : '') });
          return false;
        }
      }
      setGeneral(e);
      return false;
    }
  };

  const saveOnly = async () => {
    setBusy(true);
    if (await save()) notify('success', 'Inference settings saved');
    setBusy(false);
  };

  const saveAndRun = async () => {
    setBusy(true);
    try {
      if (dirty && !(await save())) return;
      const job = await api.post<Job>(`/api/projects/${p.id}/inference`, {});
      acceptJob(job);
      notify('info', `Inference queued (job ${job.id}); results appear on the Performance tab`);
    } catch (e) {
      setGeneral(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="stack" data-testid="inference-tab">
      <Card title="Inference settings" testid="settings-card">
        <p class="muted small">Used by "Run inference" for this project. {system ? `This machine: ${system.cores} cores, ${system.isa}${system.vnni ? ' with VNNI' : ', no VNNI'}.` : ''}</p>
        <SettingsFields form={form} errors={errors} cores={cores} fields={['batch', 'threads', 'streams', 'seconds', 'iterations', 'warmup']} onChange={(k, v) => setForm((f) => ({ ...f, [k]: v }))} />
        <ErrorBox error={general} title="The settings were not applied" testid="settings-error" />
        <div class="row-start">
          <button class="btn" disabled={busy || !dirty} onClick={() => void saveOnly()} data-testid="settings-save">
            Save
          </button>
          <button class="btn btn-primary" disabled={busy || p.model_id == null} onClick={() => void saveAndRun()} data-testid="settings-run">
            {dirty ? 'Save and run inference' : 'Run inference'}
          </button>
          {running && <ProgressBar value={running.progress} label={humanize(running.stage || running.status)} testid="inference-progress" />}
        </div>
      </Card>
      <SweepCard project={p} jobs={jobs} cores={cores} />
    </div>
  );
}

function SweepCard({ project: p, jobs, cores }: { project: Project; jobs: Job[]; cores: number }) {
  const links = useApp((s) => s.links);
  const [batches, setBatches] = useState('1, 2, 4, 8, 16');
  const [streams, setStreams] = useState(cores === 1 ? '1' : '1, 2');
  useEffect(() => {
    if (cores === 1) setStreams((s) => (s === '1, 2' ? '1' : s));
  }, [cores]);
  const [maxLat, setMaxLat] = useState('0');
  const [seconds, setSeconds] = useState('1');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const running = activeJob(p, jobs, 'sweep', links);
  const last = latestJob(p, jobs, 'sweep', links);
  const sweep = p.latest?.sweep?.data ? p.latest.sweep : null;

  const start = async () => {
    setGeneral(null);
    const errs: Record<string, string> = {};
    let b: number[] = [];
    let s: number[] = [];
    try {
      b = parseIntList(batches, 'batch');
    } catch (e) {
      errs.batches = (e as Error).message;
    }
    try {
      s = parseIntList(streams, 'stream count', 1, cores || 1024);
    } catch (e) {
      errs.streams = (e as Error).message;
    }
    const ml = Number(maxLat.trim() || '0');
    if (!Number.isFinite(ml) || ml < 0) errs.max = 'a latency in ms (0 = no bound)';
    const sec = Number(seconds.trim());
    if (!Number.isFinite(sec) || sec <= 0) errs.seconds = 'seconds per point, above 0';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const job = await api.post<Job>(`/api/projects/${p.id}/sweep`, { batches: b, streams: s, max_latency_ms: ml, seconds: sec });
      acceptJob(job);
      notify('info', `Sweep queued (job ${job.id}): ${b.length * s.length} points`);
    } catch (e) {
      setGeneral(e);
    } finally {
      setBusy(false);
    }
  };

  const applyBest = async (pt: SweepPoint) => {
    try {
      const np = await api.put<Project>(`/api/projects/${p.id}/settings`, { ...p.settings, batch: pt.batch, streams: pt.streams, threads: p.settings?.threads ?? 0 } as Settings);
      if (np && 'id' in np) putProject(np);
      notify('success', `Settings set to batch ${pt.batch}, ${pt.streams} stream(s)`);
    } catch (e) {
      notifyError(e, 'Could not apply the settings');
    }
  };

  return (
    <Card title="Dense inference sweep (batch × streams)" testid="sweep-card">
      <p class="muted small">Measures every batch × streams combination and picks the best throughput within the latency bound.</p>
      <div class="form-grid cols-4">
        <Field label="Batches" error={errors.batches} testid="sweep-field-batches" help="comma separated">
          <input type="text" value={batches} onInput={(e) => setBatches(val(e))} data-testid="sweep-batches" />
        </Field>
        <Field label="Streams" error={errors.streams} testid="sweep-field-streams" help={cores ? `up to ${cores}` : undefined}>
          <input type="text" value={streams} onInput={(e) => setStreams(val(e))} data-testid="sweep-streams" />
        </Field>
        <Field label="Max latency, ms" error={errors.max} testid="sweep-field-max" help="0 = no bound">
          <input type="number" min={0} step="any" value={maxLat} onInput={(e) => setMaxLat(val(e))} data-testid="sweep-max-latency" />
        </Field>
        <Field label="Seconds per point" error={errors.seconds} testid="sweep-field-seconds">
          <input type="number" min={0.1} step="any" value={seconds} onInput={(e) => setSeconds(val(e))} data-testid="sweep-seconds" />
        </Field>
      </div>
      <ErrorBox error={general} title="The sweep did not start" testid="sweep-error" />
      <div class="row-start">
        <button class="btn btn-primary" disabled={busy || !!running || p.model_id == null} onClick={() => void start()} data-testid="sweep-start">
          Run sweep
        </button>
        {running && <ProgressBar value={running.progress} label={humanize(running.stage || running.status)} testid="sweep-progress" />}
      </div>
      {!running && last && last.status !== 'done' && (
        <ErrorBox error={{ message: last.error ?? `The sweep ${last.status}`, hint: last.hint }} title={`Sweep job ${last.id} ${last.status}`} jobId={last.id} testid="sweep-job-error">
          <RerunButton job={last} />
        </ErrorBox>
      )}
      {sweep && <SweepResult data={sweep.data} created={sweep.created_at} onApply={applyBest} />}
    </Card>
  );
}

type Row = SweepPoint & { i: number };

export function SweepResult({ data, created, onApply }: { data: SweepData; created?: string; onApply?: (p: SweepPoint) => void }) {
  const points = data.points ?? [];
  const bound = data.max_latency_ms ?? 0;
  const best = bestIndex(points, data.best, data.max_latency_ms);
  const streamsSet = [...new Set(points.map((p) => p.streams))].sort((a, b) => a - b);
  const palette = [COLORS.B, '#f97316', '#10b981', '#8b5cf6'];
  const lats = points.map((p) => p.latency_ms?.median).filter((x): x is number => typeof x === 'number' && x > 0);
  const logX = lats.length > 1 && Math.max(...lats) / Math.min(...lats) > 20;
  const chart = useMemo<ChartConfiguration>(
    () => ({
      type: 'scatter',
      data: {
        datasets: [
          ...streamsSet.map((s, k) => ({
            type: 'line' as const,
            label: `${s} stream(s)`,
            data: points.filter((p) => p.streams === s).sort((a, b) => a.batch - b.batch).map((p) => ({ x: p.latency_ms?.median, y: p.throughput_fps, batch: p.batch })),
            borderColor: palette[k % palette.length],
            backgroundColor: palette[k % palette.length],
            pointRadius: 4,
            showLine: true,
            tension: 0,
          })),
          ...(best >= 0
            ? [{ type: 'scatter' as const, label: 'sweet spot', data: [{ x: points[best].latency_ms?.median, y: points[best].throughput_fps }], pointRadius: 9, pointStyle: 'star', borderColor: '#dc2626', backgroundColor: '#dc2626', borderWidth: 2 }]
            : []),
        ],
      },
      options: {
        plugins: {
          tooltip: {
            callbacks: {
              label: (c) => {
                const raw = c.raw as { x: number; y: number; batch?: number };
                return `${c.dataset.label}${raw.batch ? `, batch ${raw.batch}` : ''}: ${fmtFps(raw.y)}/s at ${fmtMs(raw.x)} ms`;
              },
            },
          },
        },
        scales: {
          x: { type: logX ? 'logarithmic' : 'linear', title: { display: true, text: `median latency, ms${logX ? ' (log scale)' : ''}` } },
          y: { type: 'linear', title: { display: true, text: 'throughput, samples/s' }, beginAtZero: true },
        },
      },
    }),
    [data],
  );
  const columns: Column<Row>[] = [
    { key: 'batch', label: 'Batch', sort: (r) => r.batch, render: (r) => r.batch, align: 'right' },
    { key: 'streams', label: 'Streams', sort: (r) => r.streams, render: (r) => r.streams, align: 'right' },
    { key: 'threads', label: 'Threads', sort: (r) => r.threads, render: (r) => `${r.threads} (${r.threads_per_stream ?? '?'}/stream)`, align: 'right' },
    { key: 'fps', label: 'Throughput /s', sort: (r) => r.throughput_fps, render: (r) => <span class="num">{fmtFps(r.throughput_fps)}</span>, align: 'right', defaultDir: 'desc' },
    { key: 'median', label: 'Median ms', sort: (r) => r.latency_ms?.median, render: (r) => <span class="num">{fmtMs(r.latency_ms?.median)}</span>, align: 'right' },
    { key: 'p90', label: 'p90 ms', sort: (r) => r.latency_ms?.p90, render: (r) => <span class="num">{fmtMs(r.latency_ms?.p90)}</span>, align: 'right' },
    { key: 'mem', label: 'Arena', sort: (r) => r.memory?.activation_arena_bytes, render: (r) => fmtBytes(r.memory?.activation_arena_bytes), align: 'right' },
    {
      key: 'best',
      label: '',
      render: (r) =>
        r.i === best ? (
          <span class="best-badge">
            sweet spot{' '}
            {onApply && (
              <button class="btn btn-small" onClick={() => onApply(r)} data-testid="sweep-apply">
                Use these settings
              </button>
            )}
          </span>
        ) : null,
    },
  ];
  return (
    <div class="sweep-result" data-testid="sweep-result">
      {best < 0 && bound > 0 && <Warning>No point meets the latency bound of {bound} ms: raise the bound.</Warning>}
      <div class="sweep-grid">
        <ChartView config={chart} height={260} testid="sweep-chart" />
        <div>
          {best >= 0 && (
            <div class="sweet" data-testid="sweep-sweet-spot">
              <div class="stat-label">Sweet spot</div>
              <div class="stat-value">
                batch {points[best].batch} · {points[best].streams} stream(s)
              </div>
              <div class="stat-sub">
                {fmtFps(points[best].throughput_fps)}/s at {fmtMs(points[best].latency_ms?.median)} ms median
                {bound > 0 ? ` (bound ${bound} ms)` : ''}
              </div>
            </div>
          )}
          {created && <p class="muted small">Measured {fmtTime(created)}.</p>}
        </div>
      </div>
      <SortableTable
        columns={columns}
        rows={points.map((p, i) => ({ ...p, i }))}
        rowKey={(r) => r.i}
        testid="sweep-table"
        dense
        rowProps={(r) => ({ class: r.i === best ? 'best-row' : '', 'data-testid': r.i === best ? 'sweep-best' : 'sweep-row' } as Record<string, unknown>)}
      />
    </div>
  );
}
