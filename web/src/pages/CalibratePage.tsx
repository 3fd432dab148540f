import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { BuiltinDataset, CalibrateBody, CalibrateResponse, Dataset } from '../api/types';
import { AccuracyDialog } from '../components/AccuracyDialog';
import { Card, ErrorBox, Field, Loading, PrecisionPill, Segmented, Warning, val } from '../components/ui';
import { fmtNumber } from '../lib/format';
import { formToSettings, settingsFieldFromError, settingsToForm, type SettingsField, type SettingsForm } from '../lib/settings';
import { href, navigate } from '../lib/router';
import { usageSummary } from '../lib/usage';
import { modelPrecision } from '../lib/projects';
import { acceptJob, api, linkJob, loadBuiltins, notify, putProject, refreshDatasets, refreshProjects, useApp } from '../store';
import { Int8Button } from './OptimizeTab';
import { SettingsFields } from './InferenceTab';
import { useProject } from './ProjectPage';

type CalField = 'dataset' | 'subset' | 'max_drop' | 'algorithm' | 'preset' | 'method';

export const SAME_DATASET_WARNING = 'calibrating on the validation set makes its accuracy optimistic';

/** Which calibrate form field a server message is about. */
export function calibrateFieldFromError(message: string): CalField | SettingsField | null {
  const m = message.toLowerCase();
  if (/subset/.test(m)) return 'subset';
  if (/max[-_ ]drop|drop[-_ ]type|accuracy-aware|validation samples/.test(m)) return 'max_drop';
  if (/algorithm/.test(m)) return 'algorithm';
  if (/preset/.test(m)) return 'preset';
  if (/dataset/.test(m)) return 'dataset';
  return settingsFieldFromError(message);
}

export function CalibratePage({ id }: { id: number }) {
  const { project: p, error, reload } = useProject(id);
  const datasets = useApp((s) => s.datasets);
  const system = useApp((s) => s.system);
  const cores = system?.threads_max ?? system?.cores ?? 0;

  const [datasetId, setDatasetId] = useState<number | null>(null);
  // A built-in spec not registered yet; it is added (POST /api/datasets) when calibrating.
  const [builtinSpec, setBuiltinSpec] = useState<string | null>(null);
  const [builtins, setBuiltins] = useState<BuiltinDataset[]>([]);
  const [subsetMode, setSubsetMode] = useState<'count' | 'percent'>('count');
  const [subset, setSubset] = useState('300');
  const [subsetPct, setSubsetPct] = useState('10');
  const [method, setMethod] = useState<'default' | 'accuracy_aware'>('default');
  const [maxDrop, setMaxDrop] = useState('0.5');
  const [dropType, setDropType] = useState<'absolute' | 'relative'>('absolute');
  const [preset, setPreset] = useState<'performance' | 'mixed'>('performance');
  const [algorithm, setAlgorithm] = useState<CalibrateBody['algorithm']>('percentile');
  const [settings, setSettings] = useState<Partial<SettingsForm>>(() => settingsToForm(null));
  const [errors, setErrors] = useState<Partial<Record<CalField | SettingsField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [showUsage, setShowUsage] = useState(false);

  useEffect(() => {
    refreshDatasets().catch(setGeneral);
    void loadBuiltins().then(setBuiltins);
  }, []);
  // The project's values, once per project (a later re-run would wipe what the user typed).
  const initFor = useRef<number | null>(null);
  useEffect(() => {
    if (p && initFor.current !== p.id) {
      initFor.current = p.id;
      setDatasetId((d) => d ?? p.dataset_id);
      const f = settingsToForm(p.settings);
      setSettings({ batch: f.batch, threads: f.threads, streams: f.streams });
    }
  }, [p?.id]);

  if (error) return <ErrorBox error={error} title={`Could not load project ${id}`} onRetry={reload} />;
  if (!p || initFor.current !== p.id) return <Loading what="Loading the project" />;

  const calDs = builtinSpec ? null : datasets?.find((d) => d.id === datasetId) ?? (datasetId === p.dataset_id ? p.dataset : null);
  const same = !builtinSpec && datasetId != null && datasetId === p.dataset_id;
  const registered = new Set((datasets ?? []).map((d) => d.spec));
  const extraBuiltins = builtins.filter((b) => b.available && !registered.has(b.spec));

  if (!p.int8?.available) {
    return (
      <div class="page" data-testid="calibrate-page">
        <div class="crumbs">
          <a href={href.projects()}>Projects</a> / <a href={href.project(p.id, 'optimize')}>{p.name}</a> / INT8 calibration
        </div>
        <h1>Configure INT8 calibration</h1>
        <Card title="INT8 calibration is not available for this project">
          <Int8Button project={p} />
        </Card>
      </div>
    );
  }

  const submit = async () => {
    setGeneral(null);
    const errs: Partial<Record<CalField | SettingsField, string>> = {};
    const body: CalibrateBody = { method, preset, algorithm, settings: {} };
    if (datasetId == null && !builtinSpec) errs.dataset = 'choose a calibration dataset';
    else if (datasetId != null) body.dataset_id = datasetId;
    if (calDs?.origin === 'generated') errs.dataset = 'a generated dataset cannot be used for INT8 calibration';
    if (subsetMode === 'count') {
      const t = subset.trim();
      if (!/^\d+$/.test(t) || Number(t) < 1) errs.subset = 'a whole number of samples, at least 1';
      else if (calDs && calDs.samples > 0 && Number(t) > calDs.samples) errs.subset = `the dataset has only ${fmtNumber(calDs.samples)} samples`;
      else body.subset = Number(t);
    } else {
      const v = Number(subsetPct.trim());
      if (!subsetPct.trim() || !Number.isFinite(v) || v <= 0 || v > 100) errs.subset = 'a percentage above 0 and at most 100';
      else body.subset_percent = v;
    }
    if (method === 'accuracy_aware') {
      const v = Number(maxDrop.trim());
      if (!maxDrop.trim() || !Number.isFinite(v) || v <= 0) errs.max_drop = 'a drop above 0';
      else if (dropType === 'relative' && v >= 100) errs.max_drop = 'a relative drop is a percentage below 100';
      else {
        body.max_drop = v;
        body.drop_type = dropType;
      }
      if (calDs && !calDs.annotated) errs.max_drop = 'accuracy-aware calibration needs an annotated dataset';
    }
    const st = formToSettings(settings, cores);
    Object.assign(errs, st.errors);
    if (st.settings) body.settings = st.settings;
    setErrors(errs);
    if (Object.keys(errs).length) return;

    setBusy(true);
    try {
      if (builtinSpec) {
        const d = await api.post<Dataset>('/api/datasets', { spec: builtinSpec });
        body.dataset_id = d.id;
        setDatasetId(d.id);
        setBuiltinSpec(null);
        void refreshDatasets();
      }
      const res = await api.post<CalibrateResponse>(`/api/projects/${p.id}/calibrate`, body);
      if (res?.project) {
        putProject(res.project);
        if (res.job) linkJob(res.job.id, res.project.id);
      }
      acceptJob(res?.job);
      void refreshProjects();
      if (res?.warning) notify('warning', `Calibration started, but ${res.warning}`);
      else notify('info', `Calibration started (job ${res?.job?.id ?? '?'})`);
      navigate(href.projects(res?.project?.id));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        const f = calibrateFieldFromError(e.message);
        if (f) {
          setErrors({ [f]: e.message + (e.hint ? ` — ${e.hint}` : '') });
          return;
        }
      }
      setGeneral(e);
    } finally {
      setBusy(false);
    }
  };

  const subsetHelp = calDs ? `of ${fmtNumber(calDs.samples)} samples; spread across classes, seeded` : undefined;

  return (
    <div class="page" data-testid="calibrate-page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <a href={href.projects()}>Projects</a> / <a href={href.project(p.id, 'optimize')}>{p.name}</a> / INT8 calibration
          </div>
          <h1 class="title-row">
            Configure INT8 calibration <PrecisionPill precision={modelPrecision(p)} />
          </h1>
          <p class="muted">
            Model <strong>{p.model?.name}</strong>; the INT8 model becomes a new project under "{p.name}", validated on <strong>{p.dataset?.name}</strong>.
          </p>
        </div>
      </div>

      <div class="calib-grid">
        <div class="stack">
          <Card title="Calibration dataset" testid="calib-dataset-card">
            <Field label="Dataset" error={errors.dataset} testid="calib-field-dataset">
              <select
                value={builtinSpec ? `spec:${builtinSpec}` : datasetId ?? ''}
                onChange={(e) => {
                  const v = (e.currentTarget as HTMLSelectElement).value;
                  if (v.startsWith('spec:')) {
                    setBuiltinSpec(v.slice(5));
                    setDatasetId(null);
                  } else {
                    setBuiltinSpec(null);
                    setDatasetId(Number(v));
                  }
                }}
                data-testid="calib-dataset"
              >
                {(datasets ?? (p.dataset ? [p.dataset] : [])).map((d) => (
                  <option value={d.id} disabled={d.origin === 'generated'}>
                    {d.name} ({fmtNumber(d.samples)} samples{d.annotated ? '' : ', no labels'}){d.id === p.dataset_id ? ' — validation set' : ''}
                    {d.origin === 'generated' ? ' — generated, not usable' : ''}
                  </option>
                ))}
                {extraBuiltins.map((b) => (
                  <option value={`spec:${b.spec}`}>{b.spec} (built-in, added when you calibrate)</option>
                ))}
              </select>
            </Field>
            {same && (
              <Warning testid="calib-same-dataset-warning">
                This is the project's validation dataset: {SAME_DATASET_WARNING}. Prefer a separate set (e.g. Fashion-MNIST train for a test-set project).
              </Warning>
            )}
            <Field label="Subset size" error={errors.subset} testid="calib-field-subset" help={subsetHelp}>
              <div class="inline-inputs">
                <Segmented
                  name="subset-mode"
                  value={subsetMode}
                  onChange={setSubsetMode}
                  testid="calib-subset-mode"
                  options={[
                    { value: 'count', label: 'Samples' },
                    { value: 'percent', label: 'Percent' },
                  ]}
                />
                {subsetMode === 'count' ? (
                  <input type="number" min={1} class="w-num" value={subset} onInput={(e) => setSubset(val(e))} data-testid="calib-subset" aria-label="subset samples" />
                ) : (
                  <>
                    <input type="number" min={0.1} max={100} step="any" class="w-num" value={subsetPct} onInput={(e) => setSubsetPct(val(e))} data-testid="calib-subset-percent" aria-label="subset percent" />%
                  </>
                )}
              </div>
            </Field>
          </Card>

          <Card title="Method" testid="calib-method-card">
            <Field label="Optimization method" error={errors.method} testid="calib-field-method">
              <Segmented
                name="method"
                value={method}
                onChange={setMethod}
                testid="calib-method"
                options={[
                  { value: 'default', label: 'Default', title: 'Quantize every eligible layer' },
                  { value: 'accuracy_aware', label: 'AccuracyAware', title: 'Return the worst layers to FP32 until the accuracy drop is within a bound' },
                ]}
              />
            </Field>
            {method === 'accuracy_aware' && (
              <Field label="Maximum accuracy drop" error={errors.max_drop} testid="calib-field-max-drop" help={dropType === 'absolute' ? 'top-1 percentage points' : '% of the FP32 top-1'}>
                <div class="inline-inputs">
                  <input type="number" min={0} step="any" class="w-num" value={maxDrop} onInput={(e) => setMaxDrop(val(e))} data-testid="calib-max-drop" aria-label="max drop" />
                  <Segmented
                    name="drop-type"
                    value={dropType}
                    onChange={setDropType}
                    testid="calib-drop-type"
                    options={[
                      { value: 'absolute', label: 'Absolute' },
                      { value: 'relative', label: 'Relative' },
                    ]}
                  />
                </div>
              </Field>
            )}
            <Field label="Preset" error={errors.preset} testid="calib-field-preset" help={preset === 'performance' ? 'symmetric activations: fastest' : 'asymmetric activations where ranges are unbalanced: more accurate'}>
              <Segmented
                name="preset"
                value={preset}
                onChange={setPreset}
                testid="calib-preset"
                options={[
                  { value: 'performance', label: 'Performance' },
                  { value: 'mixed', label: 'Mixed' },
                ]}
              />
            </Field>
            <Field label="Range algorithm" error={errors.algorithm} testid="calib-field-algorithm" help="percentile (99.99) measured best on the zoo; auto tries each per tensor">
              <select value={algorithm} onChange={(e) => setAlgorithm((e.currentTarget as HTMLSelectElement).value as CalibrateBody['algorithm'])} data-testid="calib-algorithm">
                <option value="percentile">percentile (default)</option>
                <option value="minmax">minmax</option>
                <option value="kl">kl</option>
                <option value="mse">mse</option>
                <option value="auto">auto</option>
              </select>
            </Field>
          </Card>
        </div>

        <div class="stack">
          <Card title="Accuracy configuration" testid="calib-usage-card" actions={<button class="btn btn-small" onClick={() => setShowUsage(true)} data-testid="configure-accuracy">Configure accuracy</button>}>
            <p class="usage-summary" data-testid="usage-summary">
              {usageSummary(p.usage)}
            </p>
            <p class="muted small">Calibration statistics and the accuracy check use this preprocessing.</p>
          </Card>
          <Card title="Inference settings of the INT8 project" testid="calib-settings-card">
            <SettingsFields prefix="calib" form={settings} errors={errors} cores={cores} fields={['batch', 'threads', 'streams']} onChange={(k, v) => setSettings((s) => ({ ...s, [k]: v }))} />
          </Card>
          <Card testid="calib-submit-card">
            <ErrorBox error={general} title="Calibration did not start" testid="calibrate-error" />
            <div class="row-between">
              <a class="btn btn-ghost" href={href.project(p.id, 'optimize')}>
                Cancel
              </a>
              <button class="btn btn-primary btn-large" disabled={busy} onClick={() => void submit()} data-testid="calibrate-submit">
                {busy ? 'Starting…' : 'Calibrate'}
              </button>
            </div>
          </Card>
        </div>
      </div>
      {showUsage && <AccuracyDialog project={p} onClose={() => setShowUsage(false)} />}
    </div>
  );
}
