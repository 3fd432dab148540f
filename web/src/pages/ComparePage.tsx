import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import type { CompareData, CompareLayer, Id, Job, PredictionChange, Project, Result } from '../api/types';
import { ChartView, COLORS, precisionColor } from '../components/Chart';
import { SortableTable, type Column } from '../components/SortableTable';
import { Card, Empty, ErrorBox, Loading, PrecisionPill, ProgressBar, Stat, Warning, val } from '../components/ui';
import { changeKind, compareSortValue, labelOffsetOf, layerLabel, precisionSummary, type ChangeKind } from '../lib/compare';
import { DASH, fmtBytes, fmtDb, fmtDeltaMs, fmtDropPoints, fmtFps, fmtMs, fmtNumber, fmtPct, fmtRatio, fmtTime, humanize } from '../lib/format';
import { isActive, sortedJobs } from '../lib/jobs';
import { canCompare, defaultComparePair, modelPrecision } from '../lib/projects';
import { filterByAbs, matchesText, parseThreshold } from '../lib/table';
import { href, navigate } from '../lib/router';
import { acceptJob, api, onJobChange, useApp } from '../store';
import { RerunButton } from './ProjectPage';

function isPairJob(j: Job, a: Id, b: Id): boolean {
  return j.type === 'compare' && j.project_id === a && (j.params?.project_b === b || j.params?.project_b === undefined);
}

export function ComparePage({ a: qa, b: qb }: { a?: number; b?: number }) {
  const projects = useApp((s) => s.projects);
  const loaded = useApp((s) => s.projectsLoaded);
  const jobsState = useApp((s) => s.jobs);
  const list = useMemo(() => Object.values(projects).sort((x, y) => x.id - y.id), [projects]);
  const def = useMemo(() => {
    if (qa != null && qb != null) return { a: qa, b: qb };
    if (qb != null) return { a: projects[qb]?.parent_project_id ?? undefined, b: qb };
    if (qa != null) return defaultComparePair(projects[qa], list);
    return defaultComparePair(undefined, list);
  }, [qa, qb, list]);
  const a = def.a;
  const b = def.b;

  const [results, setResults] = useState<Result<CompareData>[] | null>(null);
  const [resErr, setResErr] = useState<unknown>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [limit, setLimit] = useState('');
  const [startErr, setStartErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const loadResults = () => {
    if (a == null || b == null) return;
    setResErr(null);
    api
      .get<Result<CompareData>[]>(`/api/projects/${a}/results?kind=compare`)
      .then((rs) => {
        const mine = (rs ?? []).filter((r) => (r.data?.project_b ?? b) === b && (r.data?.project_a ?? a) === a).sort((x, y) => y.id - x.id);
        setResults(mine);
      })
      .catch((e) => {
        setResErr(e);
        setResults([]);
      });
  };
  useEffect(() => {
    setResults(null);
    setSelected(null);
    loadResults();
  }, [a, b]);
  useEffect(() => onJobChange((j) => a != null && b != null && isPairJob(j, a, b) && j.status === 'done' && loadResults()), [a, b]);

  const jobs = useMemo(() => (a != null && b != null ? sortedJobs(jobsState, (j) => isPairJob(j, a, b)) : []), [jobsState, a, b]);
  const running = jobs.find((j) => isActive(j.status));
  const lastJob = jobs[0];

  const start = async () => {
    if (a == null || b == null) return;
    setStartErr(null);
    const body: Record<string, number> = { project_a: a, project_b: b };
    if (limit.trim()) {
      const n = Number(limit.trim());
      if (!Number.isInteger(n) || n < 1) {
        setStartErr({ message: 'The sample limit must be a whole number, at least 1 (or empty for the whole dataset).', hint: '' });
        return;
      }
      body.limit = n;
    }
    setBusy(true);
    try {
      const job = await api.post<Job>('/api/compare', body);
      acceptJob(job);
    } catch (e) {
      setStartErr(e);
    } finally {
      setBusy(false);
    }
  };

  const pa = a != null ? projects[a] : undefined;
  const pb = b != null ? projects[b] : undefined;
  const noModel = [...new Set([pa, pb])].filter((p): p is Project => !!p && p.model_id == null);
  const ready = canCompare({ a, b }, projects);
  const result = results?.find((r) => r.id === selected) ?? results?.[0] ?? null;

  const pick = (which: 'a' | 'b') => (e: Event) => {
    const v = Number((e.currentTarget as HTMLSelectElement).value);
    navigate(which === 'a' ? href.compare(v, b) : href.compare(a, v));
  };

  return (
    <div class="page" data-testid="compare-page">
      <div class="page-head">
        <div>
          <h1>Compare</h1>
          <p class="muted">A is the reference (usually the FP32 original), B the model under test (usually its INT8 version). Both run on the same samples and settings.</p>
        </div>
      </div>
      {!loaded ? (
        <Loading what="Loading projects" />
      ) : (
        <Card testid="compare-picker">
          <div class="pick-row">
            <ProjectPicker label="A (reference)" value={a} projects={list} onChange={pick('a')} testid="compare-a" />
            <button class="btn btn-ghost swap" title="Swap A and B" onClick={() => navigate(href.compare(b, a))} disabled={a == null || b == null} data-testid="compare-swap">
              ⇄
            </button>
            <ProjectPicker label="B (under test)" value={b} projects={list} onChange={pick('b')} testid="compare-b" />
            <label class="limit">
              Samples
              <input type="number" min={1} placeholder="all" value={limit} onInput={(e) => setLimit(val(e))} data-testid="compare-limit" />
            </label>
            <button class="btn btn-primary" disabled={!ready || busy || !!running} onClick={() => void start()} data-testid="compare-start">
              {results && results.length ? 'Compare again' : 'Compare'}
            </button>
          </div>
          {a != null && a === b && <Warning>Choose two different projects.</Warning>}
          {noModel.length > 0 && <Warning testid="compare-no-model">{noModel.map((p) => `"${p.name}"`).join(' and ')} {noModel.length > 1 ? 'have' : 'has'} no model yet (a calibration still running or failed): choose another project.</Warning>}
          {pa && pb && pa.dataset_id !== pb.dataset_id && <Warning>The projects use different datasets; accuracy is measured on A's dataset with A's usage config.</Warning>}
          <ErrorBox error={startErr} title="The comparison did not start" testid="compare-error" />
          {running && (
            <div class="running-row" data-testid="compare-running">
              <strong>{running.status === 'queued' ? 'Queued' : 'Comparing'}</strong>
              <ProgressBar value={running.progress} label={humanize(running.stage || running.status)} testid="compare-progress" />
            </div>
          )}
          {!running && lastJob && lastJob.status !== 'done' && (!result || lastJob.id > result.job_id) && (
            <ErrorBox error={{ message: lastJob.error ?? `The comparison ${lastJob.status}`, hint: lastJob.hint }} title={`Compare job ${lastJob.id} ${lastJob.status}`} jobId={lastJob.id} testid="compare-job-error">
              <RerunButton job={lastJob} />
            </ErrorBox>
          )}
        </Card>
      )}
      <ErrorBox error={resErr} title="Could not load earlier comparisons" onRetry={loadResults} />
      {a != null && b != null && results === null && !resErr && <Loading what="Loading comparisons" />}
      {results && results.length === 0 && !running && a != null && b != null && a !== b && (
        <Empty>
          <p>These two projects have not been compared yet. Press Compare to measure accuracy, speed and every layer of both.</p>
        </Empty>
      )}
      {results && results.length > 1 && (
        <div class="history-row">
          <label>
            Comparison{' '}
            <select value={result?.id} onChange={(e) => setSelected(Number((e.currentTarget as HTMLSelectElement).value))} data-testid="compare-result-select">
              {results.map((r, i) => (
                <option value={r.id}>
                  #{r.id} · {fmtTime(r.created_at)}
                  {i === 0 ? ' (latest)' : ''}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {result && <CompareReport result={result} pa={pa} pb={pb} />}
    </div>
  );
}

function ProjectPicker({ label, value, projects, onChange, testid }: { label: string; value?: number; projects: Project[]; onChange: (e: Event) => void; testid: string }) {
  return (
    <label class="picker">
      <span class="picker-label">{label}</span>
      <select value={value ?? ''} onChange={onChange} data-testid={testid}>
        {value == null && <option value="">Choose a project…</option>}
        {projects.map((p) => (
          <option value={p.id}>
            {p.parent_project_id != null ? '↳ ' : ''}
            {p.name} · {p.model_id == null ? 'no model' : modelPrecision(p) || '?'}
          </option>
        ))}
      </select>
    </label>
  );
}

function ratioTone(r: number | null | undefined): 'good' | 'bad' | '' {
  if (typeof r !== 'number' || !Number.isFinite(r)) return '';
  return r >= 1.02 ? 'good' : r <= 0.98 ? 'bad' : '';
}

export function CompareReport({ result, pa, pb }: { result: Result<CompareData>; pa?: Project; pb?: Project }) {
  const d = result.data;
  if (!d || !d.a || !d.b) return <ErrorBox error={{ message: 'The comparison result has no report data.', hint: 'Run the comparison again.' }} />;
  const A = d.a;
  const B = d.b;
  const accA = A.accuracy;
  const accB = B.accuracy;
  const drop = d.accuracy;
  const nameA = pa?.name ?? A.path;
  const nameB = pb?.name ?? B.path;

  return (
    <div class="stack" data-testid="compare-report" data-result-id={result.id}>
      <div class="report-head">
        <div class="ab-legend">
          <span class="ab ab-a">A</span> {nameA} <PrecisionPill precision={A.precision} testid="compare-a-precision" />
          <span class="ab ab-b">B</span> {nameB} <PrecisionPill precision={B.precision} testid="compare-b-precision" />
        </div>
        <a class="btn btn-small" href={api.url(`/api/results/${result.id}/report.html`)} target="_blank" rel="noopener" data-testid="compare-html-report">
          HTML report ↗
        </a>
      </div>

      <div class="stats" data-testid="compare-stats">
        <Stat
          label="Top-1 accuracy B vs A"
          testid="compare-top1-drop"
          value={drop?.top1_drop != null ? fmtDropPoints(drop.top1_drop) : 'not measured'}
          tone={drop?.top1_drop != null ? (drop.top1_drop > 0.005 ? 'bad' : drop.top1_drop < 0 ? 'good' : '') : ''}
          sub={accA && accB ? `${fmtPct(accA.top1)} → ${fmtPct(accB.top1)}` : 'no annotated dataset'}
        />
        <Stat label="Throughput" testid="compare-throughput-ratio" value={`${fmtRatio(d.ratios?.throughput)}`} tone={ratioTone(d.ratios?.throughput)} sub={`${fmtFps(A.speed?.throughput_fps)} → ${fmtFps(B.speed?.throughput_fps)} /s`} />
        <Stat label="Latency (median)" testid="compare-latency-ratio" value={`${fmtRatio(d.ratios?.latency)} faster`} tone={ratioTone(d.ratios?.latency)} sub={`${fmtMs(A.speed?.latency_ms?.median)} → ${fmtMs(B.speed?.latency_ms?.median)} ms`} />
        <Stat label="Size on disk" testid="compare-size-ratio" value={`${fmtRatio(d.ratios?.size)} smaller`} tone={ratioTone(d.ratios?.size)} sub={`${fmtBytes(A.file_bytes)} → ${fmtBytes(B.file_bytes)}`} />
      </div>

      <div class="compare-grid">
        <Card title="Summary" testid="compare-summary">
          <table class="table dense summary-table">
            <thead>
              <tr>
                <th />
                <th class="align-right">A</th>
                <th class="align-right">B</th>
                <th class="align-right">B vs A</th>
              </tr>
            </thead>
            <tbody>
              <tr data-testid="summary-top1">
                <td>Accuracy top-1</td>
                <td class="align-right num">{fmtPct(accA?.top1)}</td>
                <td class="align-right num">{fmtPct(accB?.top1)}</td>
                <td class="align-right num">{fmtDropPoints(drop?.top1_drop)}</td>
              </tr>
              <tr data-testid="summary-top5">
                <td>Accuracy top-5</td>
                <td class="align-right num">{fmtPct(accA?.top5)}</td>
                <td class="align-right num">{fmtPct(accB?.top5)}</td>
                <td class="align-right num">{fmtDropPoints(drop?.top5_drop)}</td>
              </tr>
              <tr data-testid="summary-throughput">
                <td>Throughput, samples/s</td>
                <td class="align-right num">{fmtFps(A.speed?.throughput_fps)}</td>
                <td class="align-right num">{fmtFps(B.speed?.throughput_fps)}</td>
                <td class="align-right num">{fmtRatio(d.ratios?.throughput)} higher</td>
              </tr>
              <tr data-testid="summary-latency">
                <td>Latency median, ms</td>
                <td class="align-right num">{fmtMs(A.speed?.latency_ms?.median)}</td>
                <td class="align-right num">{fmtMs(B.speed?.latency_ms?.median)}</td>
                <td class="align-right num">{fmtRatio(d.ratios?.latency)} faster</td>
              </tr>
              <tr>
                <td>Latency p90, ms</td>
                <td class="align-right num">{fmtMs(A.speed?.latency_ms?.p90)}</td>
                <td class="align-right num">{fmtMs(B.speed?.latency_ms?.p90)}</td>
                <td />
              </tr>
              <tr data-testid="summary-size">
                <td>Size on disk</td>
                <td class="align-right num">{fmtBytes(A.file_bytes)}</td>
                <td class="align-right num">{fmtBytes(B.file_bytes)}</td>
                <td class="align-right num">{fmtRatio(d.ratios?.size)} smaller</td>
              </tr>
              <tr data-testid="summary-memory">
                <td>Runtime memory</td>
                <td class="align-right num">{fmtBytes(A.memory_bytes)}</td>
                <td class="align-right num">{fmtBytes(B.memory_bytes)}</td>
                <td class="align-right num">{A.memory_bytes && B.memory_bytes ? fmtRatio(A.memory_bytes / B.memory_bytes) + ' smaller' : DASH}</td>
              </tr>
              <tr data-testid="summary-layers">
                <td>Layers by precision</td>
                <td class="align-right small">{precisionSummary(A.layers_by_precision)}</td>
                <td class="align-right small">{precisionSummary(B.layers_by_precision)}</td>
                <td />
              </tr>
            </tbody>
          </table>
          <p class="muted small">
            Settings: batch {d.settings?.batch ?? '?'}, {d.settings?.threads === 0 ? 'all cores' : `${d.settings?.threads ?? '?'} thread(s)`}, {d.settings?.streams ?? '?'} stream(s); {d.rounds} alternating rounds ({fmtNumber(A.speed?.iterations)} + {fmtNumber(B.speed?.iterations)} requests).
            {d.dataset ? ` Dataset: ${String((d.dataset as { description?: string }).description ?? '')}.` : ''}
          </p>
        </Card>
        <CompareCharts d={d} />
      </div>

      <LayerTable d={d} />
      {d.predictions ? <PredictionDiff d={d} /> : <Card title="Predictions">{d.annotated === false ? 'No dataset: predictions were not compared.' : 'No prediction data.'}</Card>}
    </div>
  );
}

function CompareCharts({ d }: { d: CompareData }) {
  const speed = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: [''],
        datasets: [
          { label: 'A', data: [d.a.speed?.throughput_fps ?? 0], backgroundColor: COLORS.A },
          { label: 'B', data: [d.b.speed?.throughput_fps ?? 0], backgroundColor: COLORS.B },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { position: 'right' } }, scales: { x: { beginAtZero: true } } },
    }),
    [d],
  );
  const latency = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: ['median', 'p90'],
        datasets: [
          { label: 'A', data: [d.a.speed?.latency_ms?.median ?? 0, d.a.speed?.latency_ms?.p90 ?? 0], backgroundColor: COLORS.A },
          { label: 'B', data: [d.b.speed?.latency_ms?.median ?? 0, d.b.speed?.latency_ms?.p90 ?? 0], backgroundColor: COLORS.B },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { position: 'right' } }, scales: { x: { beginAtZero: true } } },
    }),
    [d],
  );
  const precs = [...new Set([...Object.keys(d.a.layers_by_precision ?? {}), ...Object.keys(d.b.layers_by_precision ?? {})])];
  const layers = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: ['A layers', 'B layers', 'A time', 'B time'],
        datasets: precs.map((p, i) => {
          const ta = d.a.profile?.total_ms || 1;
          const tb = d.b.profile?.total_ms || 1;
          const la = Object.values(d.a.layers_by_precision ?? {}).reduce((x, y) => x + y, 0) || 1;
          const lb = Object.values(d.b.layers_by_precision ?? {}).reduce((x, y) => x + y, 0) || 1;
          return {
            label: p,
            data: [
              ((d.a.layers_by_precision?.[p] ?? 0) / la) * 100,
              ((d.b.layers_by_precision?.[p] ?? 0) / lb) * 100,
              ((d.a.profile?.by_precision_ms?.[p] ?? 0) / ta) * 100,
              ((d.b.profile?.by_precision_ms?.[p] ?? 0) / tb) * 100,
            ],
            backgroundColor: precisionColor(p, i),
          };
        }),
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${(c.parsed.x as number).toFixed(1)}%` } } },
        scales: { x: { stacked: true, max: 100, title: { display: true, text: '% of layers / of profiled time' } }, y: { stacked: true } },
      },
    }),
    [d],
  );
  return (
    <Card title="Charts" testid="compare-charts">
      <h4>Throughput, samples/s</h4>
      <ChartView config={speed} height={110} testid="chart-throughput" />
      <h4>Latency, ms</h4>
      <ChartView config={latency} height={150} testid="chart-latency" />
      <h4>Layers and time by runtime precision</h4>
      <ChartView config={layers} height={170} testid="chart-layer-precision" />
    </Card>
  );
}

type LRow = CompareLayer & { i: number };

function LayerTable({ d }: { d: CompareData }) {
  const [threshold, setThreshold] = useState('');
  const [q, setQ] = useState('');
  const [onlyChanged, setOnlyChanged] = useState(false);
  const rows = useMemo(() => {
    const all: LRow[] = (d.layers ?? []).map((l, i) => ({ ...l, i }));
    return filterByAbs(all, (l) => l.delta_ms, parseThreshold(threshold)).filter(
      (l) => matchesText(q, l.op, l.output, ...(l.nodes ?? [])) && (!onlyChanged || (l.a?.precision ?? '') !== (l.b?.precision ?? '')),
    );
  }, [d, threshold, q, onlyChanged]);
  const maxAbs = Math.max(1e-9, ...(d.layers ?? []).map((l) => Math.abs(l.delta_ms || 0)));
  const col = (key: string, label: string, render: Column<LRow>['render'], extra: Partial<Column<LRow>> = {}): Column<LRow> => ({ key, label, render, sort: (l) => compareSortValue(l, key), ...extra });
  const columns: Column<LRow>[] = [
    { key: 'order', label: '#', sort: (l) => l.i, render: (l) => <span class="muted">{l.i + 1}</span>, align: 'right', width: '36px' },
    col('layer', 'Layer (ONNX nodes)', (l) => (
      <span class="layer-name" title={(l.nodes ?? []).join('\n')}>
        {layerLabel(l)}
        {l.note && <span class="note"> {l.note}</span>}
      </span>
    )),
    col('op', 'Op', (l) => l.op),
    col('prec_a', 'A', (l) => <span data-testid="compare-prec-a">{l.a ? <PrecisionPill precision={l.a.precision} testid="compare-prec-a-pill" /> : <span class="muted">–</span>}</span>, { title: "A's runtime precision" }),
    col('prec_b', 'B', (l) => <span data-testid="compare-prec-b">{l.b ? <PrecisionPill precision={l.b.precision} testid="compare-prec-b-pill" /> : <span class="muted">–</span>}</span>, { title: "B's runtime precision" }),
    col('ms_a', 'A ms', (l) => <span class="num" title={l.a?.impl}>{fmtMs(l.a?.ms)}</span>, { align: 'right', defaultDir: 'desc' }),
    col('ms_b', 'B ms', (l) => <span class="num" title={l.b?.impl}>{fmtMs(l.b?.ms)}</span>, { align: 'right', defaultDir: 'desc' }),
    col(
      'delta',
      'B − A ms',
      (l) => (
        <span class={`delta-cell ${l.delta_ms < 0 ? 'good' : l.delta_ms > 0 ? 'bad' : ''}`} data-testid="compare-delta" data-value={l.delta_ms}>
          <span class="delta-bar" style={{ width: `${(Math.abs(l.delta_ms || 0) / maxAbs) * 100}%` }} />
          <span class="num">{fmtDeltaMs(l.delta_ms)}</span>
        </span>
      ),
      { align: 'right', width: '130px' },
    ),
    col('sqnr', 'SQNR dB', (l) => <span class={`num ${l.sqnr_db != null && l.sqnr_db < 20 ? 'bad' : ''}`} title={l.cosine != null ? `cosine ${l.cosine.toFixed(6)}; output ${l.output}` : l.note || undefined} data-testid="compare-sqnr">{fmtDb(l.sqnr_db)}</span>, { align: 'right' }),
  ];
  return (
    <Card
      title={`Per-layer comparison (${rows.length} of ${(d.layers ?? []).length} rows)`}
      testid="compare-layers"
      actions={
        <div class="filters">
          <label class="small nowrap">
            Show layers with |B − A| ≥{' '}
            <input type="number" min={0} step="any" class="w-num" placeholder="0" value={threshold} onInput={(e) => setThreshold(val(e))} data-testid="compare-delta-filter" aria-label="minimum time delta in ms" /> ms
          </label>
          <label class="small nowrap">
            <input type="checkbox" checked={onlyChanged} onChange={() => setOnlyChanged(!onlyChanged)} data-testid="compare-precision-changed" /> precision changed
          </label>
          <input type="search" placeholder="Filter layers" value={q} onInput={(e) => setQ(val(e))} data-testid="compare-text-filter" />
        </div>
      }
    >
      <SortableTable
        columns={columns}
        rows={rows}
        rowKey={(l) => l.i}
        testid="compare-table"
        dense
        rowProps={(l) => ({ 'data-testid': 'compare-row', 'data-prec-a': l.a?.precision ?? '', 'data-prec-b': l.b?.precision ?? '', 'data-delta': l.delta_ms, class: l.note ? 'row-note' : '' } as Record<string, unknown>)}
        empty="No layer changed by at least that much"
      />
      <p class="muted small">Rows in A's execution order; time = median of {d.a.profile?.runs ?? '?'} profiled runs; SQNR of B's output against A's on {d.error_samples} input(s) (higher is closer; "identical" = 200 dB).</p>
    </Card>
  );
}

function PredictionDiff({ d }: { d: CompareData }) {
  const pr = d.predictions!;
  const offset = labelOffsetOf(d);
  const [kind, setKind] = useState<'' | ChangeKind>('');
  const rows = useMemo(() => (pr.changes ?? []).map((c) => ({ ...c, kind: changeKind(c, offset) })).filter((c) => !kind || c.kind === kind), [pr, kind, offset]);
  const columns: Column<PredictionChange & { kind: ChangeKind }>[] = [
    { key: 'index', label: 'Index', sort: (c) => c.index, render: (c) => c.index, align: 'right' },
    { key: 'source', label: 'Sample', sort: (c) => c.source, render: (c) => <span class="mono small">{c.source}</span> },
    { key: 'label', label: 'Label', sort: (c) => c.label, render: (c) => (c.label == null ? '–' : c.label), align: 'right' },
    { key: 'a', label: 'A predicts', sort: (c) => c.pred_a, render: (c) => <span class={c.label != null && c.pred_a === c.label + offset ? 'good' : ''}>{c.pred_a}</span>, align: 'right' },
    { key: 'b', label: 'B predicts', sort: (c) => c.pred_b, render: (c) => <span class={c.label != null && c.pred_b === c.label + offset ? 'good' : ''}>{c.pred_b}</span>, align: 'right' },
    { key: 'kind', label: 'Change', sort: (c) => c.kind, render: (c) => <span class={`pill kind-${c.kind}`} data-testid="change-kind">{c.kind}</span> },
    { key: 'mse', label: 'Output MSE', sort: (c) => c.mse, render: (c) => <span class="num">{c.mse != null ? c.mse.toPrecision(3) : '–'}</span>, align: 'right', defaultDir: 'desc' },
  ];
  return (
    <Card
      title="Prediction diff"
      testid="prediction-diff"
      actions={
        <select value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as ChangeKind | '')} data-testid="prediction-kind-filter">
          <option value="">All changes ({pr.changes?.length ?? 0})</option>
          <option value="fixed">Fixed by B</option>
          <option value="broken">Broken by B</option>
          <option value="changed">Changed, both wrong</option>
        </select>
      }
    >
      <div class="stats compact">
        <Stat label="Samples" value={fmtNumber(pr.samples)} />
        <Stat label="Top-1 changed" value={fmtNumber(pr.changed)} testid="pred-changed" sub={pr.samples ? fmtPct(pr.changed / pr.samples) : undefined} />
        <Stat label="Fixed by B" value={fmtNumber(pr.fixed)} testid="pred-fixed" tone="good" />
        <Stat label="Broken by B" value={fmtNumber(pr.broken)} testid="pred-broken" tone={pr.broken > 0 ? 'bad' : ''} />
        <Stat label="Output MSE" value={pr.mean_mse != null ? pr.mean_mse.toPrecision(3) : '–'} sub={`mean; max ${pr.max_mse != null ? pr.max_mse.toPrecision(3) : '–'}`} />
      </div>
      <SortableTable
        columns={columns}
        rows={rows}
        rowKey={(c) => c.index}
        testid="prediction-table"
        dense
        limit={100}
        rowProps={(c) => ({ 'data-testid': 'prediction-row', 'data-kind': c.kind } as Record<string, unknown>)}
        empty="No sample changed its top-1 prediction"
      />
      {offset ? <p class="muted small">Labels are dataset labels; model class = label + {offset}.</p> : null}
    </Card>
  );
}
