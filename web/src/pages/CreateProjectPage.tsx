import { useEffect, useMemo, useState } from 'preact/hooks';
import type { BuiltinDataset, Dataset, Model, Project } from '../api/types';
import { Card, ErrorBox, Field, Loading, PrecisionPill, ProgressBar, Segmented, Warning, val } from '../components/ui';
import { fmtBytes, fmtGflops, fmtNumber, fmtParams, fmtShape, fmtTime } from '../lib/format';
import { infoInt8 } from '../lib/projects';
import { href, navigate } from '../lib/router';
import { api, loadBuiltins, notify, putProject, refreshDatasets, refreshJobs, refreshModels, useApp } from '../store';

export function ModelInfoPanel({ model }: { model: Model }) {
  const info = model.info ?? {};
  const int8 = infoInt8(info);
  return (
    <div class="info-panel" data-testid="model-info">
      <dl class="kv">
        <dt>Precision</dt>
        <dd>
          <PrecisionPill precision={info.precision} testid="model-precision" />
        </dd>
        <dt>Inputs</dt>
        <dd>
          {(info.inputs ?? []).map((i) => (
            <div class="mono" data-testid="model-input">
              {i.name}: {i.dtype}
              {fmtShape(i.shape)}
            </div>
          ))}
        </dd>
        <dt>Outputs</dt>
        <dd>
          {(info.outputs ?? []).map((i) => (
            <div class="mono">
              {i.name}: {i.dtype}
              {fmtShape(i.shape)}
            </div>
          ))}
        </dd>
        <dt>Compute</dt>
        <dd data-testid="model-gflops">{fmtGflops(info.gflops)} per sample</dd>
        <dt>Parameters</dt>
        <dd data-testid="model-params">
          {fmtParams(info.parameters)} ({fmtBytes(info.parameter_bytes)})
        </dd>
        <dt>File</dt>
        <dd>
          {fmtBytes(model.bytes || info.file_bytes)}
          {info.producer ? ` · ${info.producer}` : ''}
          {info.opset ? ` · opset ${info.opset}` : ''}
        </dd>
        <dt>Runnable</dt>
        <dd>{info.runnable === false ? <span class="bad">no: unsupported ops {JSON.stringify(info.unsupported)}</span> : 'yes'}</dd>
        <dt>INT8</dt>
        <dd data-testid="model-int8" data-possible={String(int8.possible)}>
          {int8.possible === null ? '–' : int8.possible ? <span class="good">possible: {int8.reason}</span> : <span class="bad">not possible: {int8.reason}</span>}
        </dd>
      </dl>
    </div>
  );
}

/** "fashion-mnist:test" -> "fashion-mnist-test" (for data-testid). */
export const builtinKey = (spec: string) => spec.toLowerCase().replace(/[^a-z0-9]+/g, '-');

type ModelAdd = 'existing' | 'upload' | 'path';
type DatasetAdd = 'existing' | 'upload' | 'path' | 'builtin' | 'generated';

export function CreateProjectPage() {
  const models = useApp((s) => s.models);
  const datasets = useApp((s) => s.datasets);
  const [loadErr, setLoadErr] = useState<unknown>(null);
  const [modelId, setModelId] = useState<number | null>(null);
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const [modelMode, setModelMode] = useState<ModelAdd>('existing');
  const [dsMode, setDsMode] = useState<DatasetAdd>('existing');
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [creating, setCreating] = useState(false);
  const [createErr, setCreateErr] = useState<unknown>(null);

  const load = () => {
    setLoadErr(null);
    Promise.all([refreshModels(), refreshDatasets()]).catch(setLoadErr);
  };
  useEffect(load, []);

  useEffect(() => {
    if (models && models.length === 0) setModelMode('upload');
  }, [models === null]);
  useEffect(() => {
    if (datasets && datasets.length === 0) setDsMode('builtin');
  }, [datasets === null]);

  const model = models?.find((m) => m.id === modelId) ?? null;
  const dataset = datasets?.find((d) => d.id === datasetId) ?? null;
  const defaultName = model && dataset ? `${model.name} on ${dataset.name}` : '';
  useEffect(() => {
    if (!nameTouched) setName(defaultName);
  }, [defaultName]);

  const create = async () => {
    if (!model || !dataset) return;
    setCreating(true);
    setCreateErr(null);
    try {
      const body: Record<string, unknown> = { model_id: model.id, dataset_id: dataset.id };
      if (name.trim()) body.name = name.trim();
      const p = await api.post<Project>('/api/projects', body);
      putProject(p);
      void refreshJobs();
      notify('success', `Project "${p.name}" created; its baseline inference is queued`);
      navigate(href.project(p.id));
    } catch (e) {
      setCreateErr(e);
    } finally {
      setCreating(false);
    }
  };

  if (loadErr) return <ErrorBox error={loadErr} title="Could not load models and datasets" onRetry={load} />;
  if (!models || !datasets) return <Loading what="Loading models and datasets" />;

  return (
    <div class="page" data-testid="create-page">
      <div class="page-head">
        <div>
          <div class="crumbs">
            <a href={href.projects()}>Projects</a> / Create project
          </div>
          <h1>Create project</h1>
          <p class="muted">Pick a model and a dataset. Creating the project starts its baseline inference (accuracy, speed and a per-layer profile).</p>
        </div>
      </div>

      <div class="wizard">
        <Card title={<><span class="step">1</span> Model</>} testid="step-model">
          <Segmented
            name="model-mode"
            value={modelMode}
            onChange={setModelMode}
            testid="model-mode"
            options={[
              { value: 'existing', label: `Existing (${models.length})` },
              { value: 'upload', label: 'Upload .onnx' },
              { value: 'path', label: 'Server path' },
            ]}
          />
          {modelMode === 'existing' && <ModelList models={models} selected={modelId} onSelect={setModelId} />}
          {modelMode === 'upload' && (
            <ModelUpload
              onDone={(m) => {
                setModelId(m.id);
                setModelMode('existing');
              }}
            />
          )}
          {modelMode === 'path' && (
            <ModelPath
              onDone={(m) => {
                setModelId(m.id);
                setModelMode('existing');
              }}
            />
          )}
          {model && (
            <div class="selected-box">
              <h4>
                Selected: <span data-testid="selected-model">{model.name}</span>
              </h4>
              <ModelInfoPanel model={model} />
            </div>
          )}
        </Card>

        <Card title={<><span class="step">2</span> Dataset</>} testid="step-dataset" class={model ? '' : 'disabled-card'}>
          <Segmented
            name="ds-mode"
            value={dsMode}
            onChange={setDsMode}
            testid="dataset-mode"
            options={[
              { value: 'existing', label: `Existing (${datasets.length})` },
              { value: 'builtin', label: 'Built-in' },
              { value: 'upload', label: 'Upload' },
              { value: 'path', label: 'Server path' },
              { value: 'generated', label: 'Generated' },
            ]}
          />
          {dsMode === 'existing' && <DatasetList datasets={datasets} selected={datasetId} onSelect={setDatasetId} />}
          {dsMode !== 'existing' && (
            <DatasetAddForm
              mode={dsMode}
              onDone={(d) => {
                setDatasetId(d.id);
                setDsMode('existing');
              }}
            />
          )}
          {dataset && (
            <div class="selected-box">
              <h4>
                Selected: <span data-testid="selected-dataset">{dataset.name}</span>
              </h4>
              <p class="muted">{dataset.description}</p>
              {!dataset.annotated && <Warning>This dataset has no labels: accuracy will not be measured, only speed.</Warning>}
              {dataset.origin === 'generated' && <Warning>Generated (random) inputs measure speed only; INT8 calibration needs real inputs.</Warning>}
            </div>
          )}
        </Card>

        <Card title={<><span class="step">3</span> Create</>} testid="step-create" class={model && dataset ? '' : 'disabled-card'}>
          <Field label="Project name" help="Default: model on dataset">
            <input
              type="text"
              value={name}
              placeholder={defaultName || 'choose a model and a dataset'}
              onInput={(e) => {
                setName(val(e));
                setNameTouched(true);
              }}
              data-testid="project-name"
            />
          </Field>
          {model && infoInt8(model.info).possible === false && <p class="muted small">INT8 calibration will not be offered for this model: {infoInt8(model.info).reason}</p>}
          <ErrorBox error={createErr} title="The project was not created" />
          <button class="btn btn-primary" disabled={!model || !dataset || creating} onClick={() => void create()} data-testid="create-submit">
            {creating ? 'Creating…' : 'Create project'}
          </button>
        </Card>
      </div>
    </div>
  );
}

function ModelList({ models, selected, onSelect }: { models: Model[]; selected: number | null; onSelect: (id: number) => void }) {
  if (models.length === 0) return <p class="muted">No models yet: upload one or register a path on the server.</p>;
  return (
    <div class="table-wrap pick-list">
      <table class="table dense" data-testid="model-list">
        <thead>
          <tr>
            <th />
            <th>Name</th>
            <th>Precision</th>
            <th>Origin</th>
            <th class="align-right">Size</th>
            <th class="align-right">Compute</th>
            <th>Added</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id} class={selected === m.id ? 'selected' : ''} onClick={() => onSelect(m.id)} data-testid="model-option" data-model-id={m.id}>
              <td>
                <input type="radio" name="model" checked={selected === m.id} onChange={() => onSelect(m.id)} aria-label={m.name} />
              </td>
              <td>{m.name}</td>
              <td>
                <PrecisionPill precision={m.info?.precision} />
              </td>
              <td>{m.origin}</td>
              <td class="align-right num">{fmtBytes(m.bytes)}</td>
              <td class="align-right num">{fmtGflops(m.info?.gflops)}</td>
              <td class="muted">{fmtTime(m.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ModelUpload({ onDone }: { onDone: (m: Model) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const submit = async () => {
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    if (name.trim()) form.append('name', name.trim());
    setErr(null);
    setProgress(0);
    try {
      const m = await api.upload<Model>('/api/models', form, setProgress);
      await refreshModels();
      notify('success', `Model "${m.name}" added`);
      onDone(m);
    } catch (e) {
      setErr(e);
    } finally {
      setProgress(null);
    }
  };
  return (
    <div class="add-form" data-testid="model-upload">
      <Field label="ONNX file">
        <input type="file" accept=".onnx" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} data-testid="model-file" />
      </Field>
      <Field label="Name (optional)">
        <input type="text" value={name} placeholder={file?.name.replace(/\.onnx$/i, '')} onInput={(e) => setName(val(e))} />
      </Field>
      {progress !== null && <ProgressBar value={progress} label="Uploading" testid="upload-progress" />}
      <ErrorBox error={err} title="The model was not added" testid="model-error" />
      <button class="btn btn-primary" disabled={!file || progress !== null} onClick={() => void submit()} data-testid="model-upload-submit">
        Upload and check
      </button>
    </div>
  );
}

function ModelPath({ onDone }: { onDone: (m: Model) => void }) {
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setErr(null);
    try {
      const body: Record<string, string> = { path: path.trim() };
      if (name.trim()) body.name = name.trim();
      const m = await api.post<Model>('/api/models', body);
      await refreshModels();
      notify('success', `Model "${m.name}" registered`);
      onDone(m);
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="add-form" data-testid="model-path">
      <Field label="Path on the server" help="An absolute path to an .onnx file the server can read; it is used in place (not copied).">
        <input type="text" class="mono" value={path} placeholder="/models/resnet18.onnx" onInput={(e) => setPath(val(e))} data-testid="model-path-input" />
      </Field>
      <Field label="Name (optional)">
        <input type="text" value={name} onInput={(e) => setName(val(e))} />
      </Field>
      <ErrorBox error={err} title="The model was not added" testid="model-error" />
      <button class="btn btn-primary" disabled={!path.trim().startsWith('/') || busy} onClick={() => void submit()} data-testid="model-path-submit">
        {busy ? 'Checking…' : 'Register'}
      </button>
    </div>
  );
}

function DatasetList({ datasets, selected, onSelect }: { datasets: Dataset[]; selected: number | null; onSelect: (id: number) => void }) {
  if (datasets.length === 0) return <p class="muted">No datasets yet: add the built-in Fashion-MNIST, upload one, or generate random inputs.</p>;
  return (
    <div class="table-wrap pick-list">
      <table class="table dense" data-testid="dataset-list">
        <thead>
          <tr>
            <th />
            <th>Name</th>
            <th>Kind</th>
            <th class="align-right">Samples</th>
            <th>Labels</th>
            <th>Origin</th>
          </tr>
        </thead>
        <tbody>
          {datasets.map((d) => (
            <tr key={d.id} class={selected === d.id ? 'selected' : ''} onClick={() => onSelect(d.id)} data-testid="dataset-option" data-dataset-id={d.id} title={d.description}>
              <td>
                <input type="radio" name="dataset" checked={selected === d.id} onChange={() => onSelect(d.id)} aria-label={d.name} />
              </td>
              <td>{d.name}</td>
              <td>{d.kind}</td>
              <td class="align-right num">{fmtNumber(d.samples)}</td>
              <td>{d.annotated ? `${d.classes} classes` : <span class="muted">none</span>}</td>
              <td>{d.origin}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DatasetAddForm({ mode, onDone }: { mode: Exclude<DatasetAdd, 'existing'>; onDone: (d: Dataset) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [labels, setLabels] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [count, setCount] = useState('100');
  const [progress, setProgress] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const [builtins, setBuiltins] = useState<BuiltinDataset[] | null>(null);
  useEffect(() => {
    if (mode === 'builtin' && builtins === null) void loadBuiltins().then(setBuiltins);
  }, [mode]);
  const isIdx = useMemo(() => !!file && /idx|ubyte/i.test(file.name) && !/\.(zip|tar|tgz|tar\.gz)$/i.test(file.name), [file]);

  const run = async (fn: () => Promise<Dataset>) => {
    setBusy(true);
    setErr(null);
    try {
      const d = await fn();
      await refreshDatasets();
      notify('success', `Dataset "${d.name}" added: ${fmtNumber(d.samples)} samples`);
      onDone(d);
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const upload = () =>
    run(() => {
      const form = new FormData();
      form.append('file', file!);
      if (labels) form.append('labels', labels);
      if (name.trim()) form.append('name', name.trim());
      setProgress(0);
      return api.upload<Dataset>('/api/datasets', form, setProgress);
    });

  return (
    <div class="add-form" data-testid={`dataset-add-${mode}`}>
      {mode === 'builtin' && (
        <div class="builtin-list">
          <p class="muted">Datasets installed on the server (Debian's Fashion-MNIST: 28×28 gray, 10 classes).</p>
          {builtins === null ? (
            <Loading what="Loading built-in datasets" />
          ) : (
            builtins.map((b) => (
              <button
                class="btn builtin-btn"
                disabled={busy || !b.available}
                title={b.available ? b.description : `${b.description} — not installed on the server`}
                onClick={() => void run(() => api.post<Dataset>('/api/datasets', { spec: b.spec }))}
                data-testid={`builtin-${builtinKey(b.spec)}`}
              >
                <strong>{b.spec}</strong>
                <span class="muted small">{b.available ? b.description : 'not installed'}</span>
              </button>
            ))
          )}
        </div>
      )}
      {mode === 'upload' && (
        <>
          <Field label="Archive or IDX images file" help="A .zip / .tar / .tar.gz / .tgz of an image folder (one sub-folder per class, or images + val.txt), or an IDX images file.">
            <input type="file" accept=".zip,.tar,.gz,.tgz,.idx,.ubyte,application/zip,application/x-tar,application/gzip" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} data-testid="dataset-file" />
          </Field>
          <Field label="IDX labels file (optional)" help={isIdx ? 'The labels that go with the IDX images.' : 'Only for IDX images.'}>
            <input type="file" onChange={(e) => setLabels((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} data-testid="dataset-labels" />
          </Field>
          <Field label="Name (optional)">
            <input type="text" value={name} onInput={(e) => setName(val(e))} />
          </Field>
          {progress !== null && <ProgressBar value={progress} label="Uploading" testid="upload-progress" />}
          <button class="btn btn-primary" disabled={!file || busy} onClick={() => void upload()} data-testid="dataset-upload-submit">
            {busy ? 'Uploading and checking…' : 'Upload and check'}
          </button>
        </>
      )}
      {mode === 'path' && (
        <>
          <Field label="Folder or file on the server" help="An image folder, a folder with val.txt, IDX or CIFAR files; used in place.">
            <input type="text" class="mono" value={path} placeholder="/data/imagenet-val" onInput={(e) => setPath(val(e))} data-testid="dataset-path-input" />
          </Field>
          <button class="btn btn-primary" disabled={!path.trim().startsWith('/') || busy} onClick={() => void run(() => api.post<Dataset>('/api/datasets', { path: path.trim() }))} data-testid="dataset-path-submit">
            {busy ? 'Checking…' : 'Register'}
          </button>
        </>
      )}
      {mode === 'generated' && (
        <>
          <Field label="Number of random samples" help="Seeded random inputs of the model's shape: speed only (no accuracy, no INT8 calibration).">
            <input type="number" min={1} max={100000} value={count} onInput={(e) => setCount(val(e))} data-testid="generated-count" />
          </Field>
          <button
            class="btn btn-primary"
            disabled={busy || !/^\d+$/.test(count) || Number(count) < 1}
            onClick={() => void run(() => api.post<Dataset>('/api/datasets', { generated: Number(count) }))}
            data-testid="generated-submit"
          >
            Add generated dataset
          </button>
        </>
      )}
      <ErrorBox error={err} title="The dataset was not added" testid="dataset-error" />
    </div>
  );
}

