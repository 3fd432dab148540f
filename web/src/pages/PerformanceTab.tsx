import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import type { CalibrationData, CalibrationLayer, InferenceData, Job, Project, ProfileLayer, Result } from '../api/types';
import { ChartView, COLORS, precisionColor } from '../components/Chart';
import { SortableTable, type Column } from '../components/SortableTable';
import { Card, Empty, ErrorBox, Loading, PrecisionPill, ProgressBar, ShareBar, Stat, val, Warning } from '../components/ui';
import { fmtBytes, fmtDb, fmtFps, fmtMs, fmtNumber, fmtPct, fmtSeconds, fmtShape, fmtTime, humanize } from '../lib/format';
import { activeJob, isInt8Project, latestJob, liveStatus, noModelMessage } from '../lib/projects';
import { matchesText } from '../lib/table';
import { precisionSummary } from '../lib/compare';
import { api, onJobChange, useApp } from '../store';
import { RerunButton, runInference } from './ProjectPage';

export function profileLayers(d: InferenceData | null | undefined): ProfileLayer[] {
  const p = d?.profile;
  return (p?.layers ?? p?.rows ?? []) as ProfileLayer[];
}

export function PerformanceTab({ project: p, jobs }: { project: Project; jobs: Job[] }) {
  const links = useApp((s) => s.links);
  const running = activeJob(p, jobs, 'inference', links);
  const last = latestJob(p, jobs, 'inference', links);
  const [history, setHistory] = useState<Result<InferenceData>[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);

  const loadHistory = () => {
    api
      .get<Result<InferenceData>[]>(`/api/projects/${p.id}/results?kind=inference`)
      .then((r) => setHistory(r ?? []))
      .catch(() => setHistory(null));
  };
  useEffect(loadHistory, [p.id, p.latest?.baseline?.id]);
  useEffect(() => onJobChange((j) => j.project_id === p.id && j.status === 'done' && loadHistory()), [p.id]);

  const latest = p.latest?.baseline ?? null;
  // A list summary of the latest result (no data) is replaced by the whole result when we have it.
  const latestFull = latest && latest.data ? latest : latest ? history?.find((r) => r.id === latest.id) ?? null : null;
  const result: Result<InferenceData> | null = (selected != null ? history?.find((r) => r.id === selected) : null) ?? latestFull;
  const waiting = !!latest && !result;
  const int8 = isInt8Project(p);

  return (
    <div class="stack" data-testid="performance-tab">
      {running && (
        <Card testid="inference-running">
          <div class="running-row">
            <strong>{running.status === 'queued' ? 'Inference queued' : 'Inference running'}</strong>
            <ProgressBar value={running.progress} label={humanize(running.stage || running.status)} testid="inference-progress" />
          </div>
          <p class="muted small">Accuracy on the dataset, then speed, then the per-layer profile. {result ? 'The results below are from the previous run.' : ''}</p>
        </Card>
      )}
      {!running && !result && !waiting && last && last.status !== 'done' && (
        <ErrorBox error={{ message: last.error ?? `The inference job ${last.status}`, hint: last.hint }} title={`Inference job ${last.id} ${last.status}`} jobId={last.id} testid="inference-error">
          <RerunButton job={last} />
        </ErrorBox>
      )}
      {waiting && <Loading what="Loading the latest result" />}
      {!result && !waiting && !running && (!last || last.status === 'done') && (
        <Empty>
          {p.model_id == null ? (
            <p data-testid="no-model">{noModelMessage(liveStatus(p, jobs, links).status)}</p>
          ) : (
            <>
              <p>No inference results yet.</p>
              <button class="btn btn-primary" onClick={() => void runInference(p)}>
                Run inference
              </button>
            </>
          )}
        </Empty>
      )}
      {result && (
        <>
          {history && history.length > 1 && (
            <div class="history-row">
              <label>
                Result{' '}
                <select value={result.id} onChange={(e) => setSelected(Number((e.currentTarget as HTMLSelectElement).value))} data-testid="result-select">
                  {history.map((r, i) => (
                    <option value={r.id}>
                      #{r.id} · {fmtTime(r.created_at)}
                      {i === 0 ? ' (latest)' : ''} · batch {r.data?.speed?.batch ?? r.data?.settings?.batch ?? '?'}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          )}
          <InferenceResultView project={p} result={result} middle={int8 ? <CalibrationSummary project={p} /> : null} />
        </>
      )}
      {int8 && !result && <CalibrationSummary project={p} />}
    </div>
  );
}

export function InferenceResultView({ project: p, result, middle }: { project: Project; result: Result<InferenceData>; middle?: ComponentChildren }) {
  const d = result.data ?? ({} as InferenceData);
  const acc = d.accuracy;
  const speed = d.speed;
  const layers = profileLayers(d);
  return (
    <>
      <div class="stats" data-testid="inference-stats">
        <Stat
          label="Accuracy top-1"
          testid="stat-top1"
          value={acc && acc.top1 != null ? fmtPct(acc.top1) : <span class="muted">{p.dataset?.annotated === false || acc === null ? 'not measured' : '–'}</span>}
          sub={acc ? `${fmtNumber(acc.correct_top1)} / ${fmtNumber(acc.samples)} samples` : p.dataset?.annotated === false ? 'the dataset has no labels' : undefined}
        />
        <Stat label="Accuracy top-5" testid="stat-top5" value={acc && acc.top5 != null ? fmtPct(acc.top5) : <span class="muted">–</span>} sub={acc?.correct_top5 != null ? `${fmtNumber(acc.correct_top5)} correct` : undefined} />
        <Stat label="Latency median" testid="stat-latency" value={speed ? `${fmtMs(speed.latency_ms?.median)} ms` : '–'} sub={speed ? `p90 ${fmtMs(speed.latency_ms?.p90)} ms · p99 ${fmtMs(speed.latency_ms?.p99)} ms` : undefined} />
        <Stat label="Throughput" testid="stat-throughput" value={speed ? `${fmtFps(speed.throughput_fps)}` : '–'} sub="samples per second" />
        <Stat
          label="Settings"
          testid="stat-settings"
          value={speed ? `batch ${speed.batch}` : '–'}
          sub={speed ? `${speed.threads} thread(s), ${speed.streams} stream(s); ${fmtNumber(speed.iterations)} runs in ${fmtSeconds(speed.duration_s)}` : undefined}
        />
        <Stat
          label="Memory"
          testid="stat-memory"
          value={speed?.memory ? fmtBytes((speed.memory.activation_arena_bytes ?? 0) + (speed.memory.scratchpad_bytes ?? 0)) : '–'}
          sub={speed?.memory ? `arena ${fmtBytes(speed.memory.activation_arena_bytes)} + scratch ${fmtBytes(speed.memory.scratchpad_bytes)} per stream` : undefined}
        />
      </div>
      {d.profile ? <PerformanceSummary data={d} /> : <Warning>This result has no per-layer profile.</Warning>}
      {middle}
      {layers.length > 0 && <ProfileTable layers={layers} profile={d.profile!} />}
      <p class="muted small">
        Result #{result.id} of job {result.job_id}, {fmtTime(result.created_at)}.
      </p>
    </>
  );
}

function entries(h: Record<string, number> | undefined): [string, number][] {
  return Object.entries(h ?? {}).filter(([, v]) => Number.isFinite(v));
}

export function PerformanceSummary({ data }: { data: InferenceData }) {
  const prof = data.profile!;
  const byPrec = entries(prof.by_precision_ms).sort((a, b) => b[1] - a[1]);
  const byOp = entries(prof.by_op_ms).sort((a, b) => b[1] - a[1]);
  const layersByPrec = prof.layers_by_precision ?? countBy(profileLayers(data), (l) => l.precision);

  const precChart = useMemo<ChartConfiguration>(
    () => ({
      type: 'doughnut',
      data: {
        labels: byPrec.map(([k]) => k),
        datasets: [{ data: byPrec.map(([, v]) => v), backgroundColor: byPrec.map(([k], i) => precisionColor(k, i)), borderWidth: 1 }],
      },
      options: {
        cutout: '55%',
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => `${c.label}: ${fmtMs(c.parsed as number)} ms` } },
        },
      },
    }),
    [data],
  );
  const opChart = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: byOp.map(([k]) => k),
        datasets: [{ label: 'ms', data: byOp.map(([, v]) => v), backgroundColor: COLORS.B }],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${fmtMs(c.parsed.x as number)} ms` } } },
        scales: { x: { title: { display: true, text: 'time per inference, ms' } } },
      },
    }),
    [data],
  );
  const total = byPrec.reduce((a, [, v]) => a + v, 0);
  return (
    <Card title="Performance summary" testid="performance-summary">
      <div class="summary-grid">
        <div>
          <h4>Time by precision</h4>
          <div class="prec-summary">
          <ChartView config={precChart} height={150} testid="chart-precision" />
          <table class="table dense mini">
            <tbody>
              {byPrec.map(([k, v]) => (
                <tr data-testid="precision-time-row">
                  <td>
                    <PrecisionPill precision={k} />
                  </td>
                  <td class="align-right num">{fmtMs(v)} ms</td>
                  <td class="align-right num">{total ? fmtPct(v / total, 1) : '–'}</td>
                  <td class="align-right muted">{layersByPrec[k] ?? 0} layers</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </div>
        <div>
          <h4>Time by op type</h4>
          <ChartView config={opChart} height={Math.max(160, 26 * byOp.length + 50)} testid="chart-ops" />
        </div>
      </div>
      <p class="muted small">
        Median of {prof.runs ?? '?'} profiled runs: {fmtMs(prof.layers_ms ?? total)} ms in layers, {fmtMs(prof.total_ms)} ms per profiled inference
        {prof.unprofiled_ms != null ? `, ${fmtMs(prof.unprofiled_ms)} ms unprofiled` : ''}
        {prof.profiling_overhead != null ? ` (profiling overhead ${fmtPct(prof.profiling_overhead, 1)})` : ''}.
      </p>
    </Card>
  );
}

function countBy<T>(rows: T[], key: (r: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

export function ProfileTable({ layers, profile }: { layers: ProfileLayer[]; profile: { total_ms?: number } }) {
  const [q, setQ] = useState('');
  const [prec, setPrec] = useState('');
  const precs = useMemo(() => [...new Set(layers.map((l) => l.precision))].sort(), [layers]);
  const rows = useMemo(() => layers.map((l, i) => ({ ...l, order: i })).filter((l) => (!prec || l.precision === prec) && matchesText(q, l.name, l.op, l.impl, ...(l.origins ?? []))), [layers, q, prec]);
  const columns: Column<ProfileLayer & { order: number }>[] = [
    { key: 'order', label: '#', sort: (l) => l.order, render: (l) => <span class="muted">{l.order + 1}</span>, align: 'right', width: '40px' },
    {
      key: 'name',
      label: 'Layer',
      sort: (l) => l.name,
      render: (l) => (
        <span class="layer-name" title={(l.origins ?? []).join('\n') || l.name}>
          {l.name}
          {(l.origins?.length ?? 0) > 1 && <span class="muted"> +{l.origins!.length - 1}</span>}
        </span>
      ),
    },
    { key: 'op', label: 'Op', sort: (l) => l.op, render: (l) => l.op },
    { key: 'precision', label: 'Precision', sort: (l) => l.precision, render: (l) => <PrecisionPill precision={l.precision} testid="layer-precision" /> },
    { key: 'impl', label: 'Implementation', sort: (l) => l.impl, render: (l) => <span class="mono small">{l.impl}</span> },
    { key: 'shape', label: 'Output shape', render: (l) => <span class="mono small" title={l.layout}>{fmtShape(l.shape)}</span> },
    { key: 'ms', label: 'Time, ms', sort: (l) => l.ms, render: (l) => <span class="num">{fmtMs(l.ms)}</span>, align: 'right', defaultDir: 'desc' },
    { key: 'share', label: 'Share', sort: (l) => l.share, render: (l) => <ShareBar value={l.share} />, align: 'right', defaultDir: 'desc', width: '130px' },
  ];
  return (
    <Card
      title={`Per-layer profile (${layers.length} layers)`}
      testid="profile-card"
      actions={
        <div class="filters">
          <select value={prec} onChange={(e) => setPrec((e.currentTarget as HTMLSelectElement).value)} data-testid="profile-precision-filter">
            <option value="">All precisions</option>
            {precs.map((x) => (
              <option value={x}>{x}</option>
            ))}
          </select>
          <input type="search" placeholder="Filter layers" value={q} onInput={(e) => setQ(val(e))} data-testid="profile-filter" />
        </div>
      }
    >
      <SortableTable
        columns={columns}
        rows={rows}
        rowKey={(l) => l.order}
        testid="profile-table"
        dense
        rowProps={(l) => ({ 'data-testid': 'profile-row', 'data-precision': l.precision } as Record<string, unknown>)}
        empty="No layer matches the filter"
      />
      {profile.total_ms != null && <p class="muted small">Share = layer time / sum of layer times. Reorders are the layout conversions the engine inserted.</p>}
    </Card>
  );
}

export function CalibrationSummary({ project: p }: { project: Project }) {
  const cal = p.latest?.calibration;
  if (cal && !cal.data) return <Loading what="Loading the calibration report" />;
  if (!cal) {
    return (
      <Card title="Calibration" testid="calibration-summary">
        <p class="muted">{p.status === 'failed' || p.status === 'cancelled' || p.status === 'interrupted' ? `No calibration report: the calibration ${p.status === 'failed' ? 'failed' : 'was ' + p.status}.` : p.status === 'running' || p.status === 'queued' ? 'No calibration report yet: the calibration is in progress.' : 'No calibration report yet.'}</p>
      </Card>
    );
  }
  return <CalibrationReport result={cal} />;
}

export function CalibrationReport({ result }: { result: Result<CalibrationData> }) {
  const d = result.data ?? ({} as CalibrationData);
  const layers = d.layers ?? [];
  const counts = d.layer_counts ?? countBy(layers, (l) => l.precision);
  const withErr = layers.filter((l) => l.error_vs_fp32 && l.error_vs_fp32.sqnr_db != null);
  const [all, setAll] = useState(withErr.length < 3);
  const rows = all ? layers : layers.filter((l) => l.error_vs_fp32 || l.precision === 'FP32' || l.reason || l.fp32_reason);
  const scheme = d.scheme ?? {};
  const columns: Column<CalibrationLayer & { order: number }>[] = [
    { key: 'node', label: 'Layer', sort: (l) => l.node, render: (l) => <span class="layer-name">{l.node}</span> },
    { key: 'op', label: 'Op', sort: (l) => l.op, render: (l) => l.op },
    { key: 'precision', label: 'Precision', sort: (l) => l.precision, render: (l) => <PrecisionPill precision={l.precision} testid="calib-precision" /> },
    { key: 'weights', label: 'Weights', render: (l) => <span class="small">{l.weights ?? ''}</span> },
    { key: 'sqnr', label: 'SQNR, dB', sort: (l) => l.error_vs_fp32?.sqnr_db ?? null, render: (l) => <span class="num">{fmtDb(l.error_vs_fp32?.sqnr_db)}</span>, align: 'right' },
    { key: 'cos', label: 'Cosine', sort: (l) => l.error_vs_fp32?.cosine ?? null, render: (l) => <span class="num">{l.error_vs_fp32?.cosine != null ? l.error_vs_fp32.cosine.toFixed(5) : '–'}</span>, align: 'right' },
    { key: 'reason', label: 'FP32 reason', render: (l) => <span class="small muted">{l.fp32_reason ?? l.reason ?? ''}</span> },
  ];
  return (
    <Card title="Calibration report" testid="calibration-summary">
      <div class="stats">
        <Stat label="Algorithm" value={scheme.algorithm ?? '–'} testid="calib-algorithm" sub={scheme.preset ? `${scheme.preset} preset` : undefined} />
        <Stat label="Weights" value={scheme.weight_bits ? `${scheme.weight_bits}-bit` : '–'} sub={`${scheme.per_channel_weights ? 'per-channel' : 'per-tensor'}${scheme.bias_correction ? ', bias correction' : ''}${scheme.isa ? `, ${scheme.isa}` : ''}`} />
        <Stat label="Subset" value={d.subset != null ? `${fmtNumber(d.subset)} samples` : '–'} sub={d.dataset ? String(d.dataset) : undefined} />
        <Stat label="Layers by precision" value={<span data-testid="calib-layer-counts">{precisionSummary(counts)}</span>} />
        {(d.fp32_top1 != null || d.int8_top1 != null) && <Stat label="Validation top-1" value={`${fmtPct(d.fp32_top1)} → ${fmtPct(d.int8_top1)}`} sub={d.validation_samples ? `${fmtNumber(d.validation_samples)} samples` : undefined} />}
        <Stat label="Time" value={fmtSeconds(d.stage_seconds?.total)} sub={Object.entries(d.stage_seconds ?? {}).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${fmtSeconds(v)}`).join(', ')} />
      </div>
      <div class="precision-bar" data-testid="calib-precision-bar">
        {Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => (
            <span class={`seg-${k.toLowerCase()}`} style={{ flex: n }} title={`${k}: ${n} layers`}>
              {k} {n}
            </span>
          ))}
      </div>
      <div class="row-between">
        <h4>Per-layer error against FP32 {withErr.length ? `(${withErr.length} measured)` : ''}</h4>
        <label class="small">
          <input type="checkbox" checked={all} onChange={() => setAll(!all)} /> show all {layers.length} layers
        </label>
      </div>
      <SortableTable
        columns={columns}
        rows={rows.map((l, i) => ({ ...l, order: i }))}
        rowKey={(l) => l.order}
        testid="calibration-table"
        dense
        limit={12}
        rowProps={(l) => ({ 'data-testid': 'calibration-row', 'data-precision': l.precision } as Record<string, unknown>)}
        empty="No layer has an error measurement; tick 'show all' to list every layer"
      />
    </Card>
  );
}
