import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import type { Project } from '../api/types';
import { fmtShape } from '../lib/format';
import { fieldFromServerError, formToUsage, usageToForm, type UsageField, type UsageForm } from '../lib/usage';
import { api, notify, putProject } from '../store';
import { ErrorBox, Field, Modal, val } from './ui';

const fid = (f: UsageField) => `usage-field-${f.replace('preprocessing.', '').replace('_', '-')}`;

/** "Configure Accuracy": edits the project's model usage, saved with PUT /api/projects/{id}/usage. */
export function AccuracyDialog({ project: p, onClose, onSaved }: { project: Project; onClose: () => void; onSaved?: (p: Project) => void }) {
  const [form, setForm] = useState<UsageForm>(() => usageToForm(p.usage));
  const [errors, setErrors] = useState<Partial<Record<UsageField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof UsageForm>(k: K, v: UsageForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const input = p.model?.info?.inputs?.[0];

  const save = async () => {
    setGeneral(null);
    const { usage, errors: errs } = formToUsage(form);
    setErrors(errs);
    if (!usage) return;
    setSaving(true);
    try {
      const np = await api.put<Project>(`/api/projects/${p.id}/usage`, usage);
      if (np && typeof np === 'object' && 'id' in np) putProject(np);
      notify('success', 'Accuracy configuration saved');
      onSaved?.(np);
      onClose();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        const f = fieldFromServerError(e.message);
        if (f) {
          setErrors({ [f]: e.message + (e.hint ? ` — ${e.hint}` : '') });
          return;
        }
      }
      setGeneral(e);
    } finally {
      setSaving(false);
    }
  };

  const err = (f: UsageField) => errors[f] ?? null;
  const sel = (k: keyof UsageForm) => (e: Event) => set(k, (e.currentTarget as HTMLSelectElement).value as never);

  return (
    <Modal
      title="Configure accuracy"
      onClose={onClose}
      testid="accuracy-dialog"
      wide
      footer={
        <>
          <button class="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button class="btn btn-primary" onClick={() => void save()} disabled={saving} data-testid="usage-save">
            {saving ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <p class="muted small">
        Model input{' '}
        <span class="mono">
          {input ? `${input.name}: ${input.dtype}${fmtShape(input.shape)}` : 'unknown'}
        </span>
        {p.dataset ? (
          <>
            {' '}
            · dataset <strong>{p.dataset.name}</strong>: {p.dataset.description}
          </>
        ) : null}
      </p>
      <ErrorBox error={general} title="The configuration was not saved" testid="usage-error" />
      <div class="form-grid">
        <Field label="Task" error={err('task')} testid={fid('task')}>
          <select value={form.task} onChange={sel('task')} data-testid="usage-task">
            <option value="classification">Classification</option>
          </select>
        </Field>
        <Field label="Color" error={err('preprocessing.color')} testid={fid('preprocessing.color')} help="gray for 1-channel inputs, rgb or bgr for 3">
          <select value={form.color} onChange={sel('color')} data-testid="usage-color">
            <option value="gray">gray</option>
            <option value="rgb">rgb</option>
            <option value="bgr">bgr</option>
          </select>
        </Field>
        <Field label="Resize" error={err('preprocessing.resize')} testid={fid('preprocessing.resize')}>
          <div class="inline-inputs">
            <select value={form.resizeMode} onChange={sel('resizeMode')} data-testid="usage-resize-mode">
              <option value="none">none</option>
              <option value="exact">exact size</option>
              <option value="shorter">shorter side</option>
            </select>
            {form.resizeMode === 'exact' && (
              <>
                <input type="number" min={1} class="w-num" placeholder="height" value={form.resizeHeight} onInput={(e) => set('resizeHeight', val(e))} data-testid="usage-resize-height" aria-label="resize height" />
                ×
                <input type="number" min={1} class="w-num" placeholder="width" value={form.resizeWidth} onInput={(e) => set('resizeWidth', val(e))} data-testid="usage-resize-width" aria-label="resize width" />
              </>
            )}
            {form.resizeMode === 'shorter' && <input type="number" min={1} class="w-num" placeholder="size" value={form.resizeSize} onInput={(e) => set('resizeSize', val(e))} data-testid="usage-resize-size" aria-label="shorter side" />}
            {form.resizeMode !== 'none' && (
              <select value={form.interpolation} onChange={sel('interpolation')} data-testid="usage-interpolation" aria-label="interpolation">
                <option value="bilinear">bilinear</option>
                <option value="nearest">nearest</option>
              </select>
            )}
          </div>
        </Field>
        <Field label="Centre crop" error={err('preprocessing.crop')} testid={fid('preprocessing.crop')}>
          <div class="inline-inputs">
            <label class="check">
              <input type="checkbox" checked={form.cropOn} onChange={() => set('cropOn', !form.cropOn)} data-testid="usage-crop" /> crop
            </label>
            {form.cropOn && (
              <>
                <input type="number" min={1} class="w-num" placeholder="height" value={form.cropHeight} onInput={(e) => set('cropHeight', val(e))} data-testid="usage-crop-height" aria-label="crop height" />
                ×
                <input type="number" min={1} class="w-num" placeholder="width" value={form.cropWidth} onInput={(e) => set('cropWidth', val(e))} data-testid="usage-crop-width" aria-label="crop width" />
              </>
            )}
          </div>
        </Field>
        <Field label="Divide by" error={err('preprocessing.divide')} testid={fid('preprocessing.divide')} help="x = (pixel / divide − mean) / std">
          <input type="text" inputMode="decimal" value={form.divide} onInput={(e) => set('divide', val(e))} data-testid="usage-divide" />
        </Field>
        <Field label="Layout" error={err('preprocessing.layout')} testid={fid('preprocessing.layout')}>
          <select value={form.layout} onChange={sel('layout')} data-testid="usage-layout">
            <option value="NCHW">NCHW</option>
            <option value="NHWC">NHWC</option>
          </select>
        </Field>
        <Field label="Mean (per channel)" error={err('preprocessing.mean')} testid={fid('preprocessing.mean')} help="comma separated, after dividing">
          <input type="text" class="mono" value={form.mean} onInput={(e) => set('mean', val(e))} data-testid="usage-mean" />
        </Field>
        <Field label="Std (per channel)" error={err('preprocessing.std')} testid={fid('preprocessing.std')}>
          <input type="text" class="mono" value={form.std} onInput={(e) => set('std', val(e))} data-testid="usage-std" />
        </Field>
        <Field label="Label offset" error={err('label_offset')} testid={fid('label_offset')} help="model class = dataset label + offset (1 for 1001-class models)">
          <input type="number" value={form.labelOffset} onInput={(e) => set('labelOffset', val(e))} data-testid="usage-label-offset" />
        </Field>
        <Field label="Metrics" error={err('metrics')} testid={fid('metrics')}>
          <div class="inline-inputs">
            <label class="check">
              <input type="checkbox" checked={form.top1} onChange={() => set('top1', !form.top1)} data-testid="usage-metric-top1" /> top-1
            </label>
            <label class="check">
              <input type="checkbox" checked={form.top5} onChange={() => set('top5', !form.top5)} data-testid="usage-metric-top5" /> top-5
            </label>
          </div>
        </Field>
      </div>
      <div class="row-start">
        <button
          class="btn btn-small btn-ghost"
          onClick={() => setForm((f) => ({ ...f, color: 'rgb', divide: '255', mean: '0.485, 0.456, 0.406', std: '0.229, 0.224, 0.225' }))}
          data-testid="usage-imagenet"
        >
          ImageNet RGB normalisation
        </button>
        <button class="btn btn-small btn-ghost" onClick={() => setForm(usageToForm(p.usage))}>
          Reset
        </button>
      </div>
    </Modal>
  );
}
