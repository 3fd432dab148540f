import { describe, expect, it } from 'vitest';
import type { Usage } from '../src/api/types';
import { fieldFromServerError, formToUsage, shortNum, usageSummary, usageToForm } from '../src/lib/usage';
import { formToSettings, settingsFieldFromError, settingsToForm } from '../src/lib/settings';
import { bestIndex, parseIntList, sweetSpot } from '../src/lib/sweep';
import { calibrateFieldFromError } from '../src/pages/CalibratePage';

const fmnist: Usage = {
  task: 'classification',
  preprocessing: { color: 'gray', resize: { mode: 'none' }, crop: null, divide: 255, mean: [0.28600001335144043], std: [0.3529999852180481], layout: 'NCHW' },
  label_offset: 0,
  metrics: ['top1', 'top5'],
};

describe('usage form', () => {
  it('round-trips a config', () => {
    const f = usageToForm(fmnist);
    expect(f.mean).toBe('0.286');
    expect(f.std).toBe('0.353');
    const { usage, errors } = formToUsage(f);
    expect(errors).toEqual({});
    expect(usage).toEqual({ ...fmnist, preprocessing: { ...fmnist.preprocessing, mean: [0.286], std: [0.353] } });
  });
  it('builds resize and crop objects', () => {
    const f = { ...usageToForm(fmnist), color: 'rgb' as const, mean: '0.485,0.456,0.406', std: '0.229 0.224 0.225', resizeMode: 'shorter' as const, resizeSize: '256', cropOn: true, cropHeight: '224', cropWidth: '224', interpolation: 'nearest' as const };
    const { usage } = formToUsage(f);
    expect(usage!.preprocessing.resize).toEqual({ mode: 'shorter', size: 256, interpolation: 'nearest' });
    expect(usage!.preprocessing.crop).toEqual({ height: 224, width: 224 });
    expect(usage!.preprocessing.std).toEqual([0.229, 0.224, 0.225]);
  });
  it('reports field errors before sending', () => {
    const f = { ...usageToForm(fmnist), color: 'rgb' as const, divide: '0', labelOffset: '1.5', top1: false, top5: false, resizeMode: 'exact' as const, resizeHeight: '', resizeWidth: '28' };
    const { usage, errors } = formToUsage(f);
    expect(usage).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['label_offset', 'metrics', 'preprocessing.divide', 'preprocessing.mean', 'preprocessing.resize', 'preprocessing.std'].sort());
  });
  it('uses defaults for a missing config', () => {
    expect(usageToForm(null).color).toBe('rgb');
    expect(usageSummary(null)).toMatch(/defaults/);
    expect(usageSummary(fmnist)).toBe('gray · /255 · mean [0.286] · std [0.353] · NCHW');
  });
  it('maps server messages to fields', () => {
    expect(fieldFromServerError('preprocessing.mean: has the wrong type')).toBe('preprocessing.mean');
    expect(fieldFromServerError("unknown field 'x'")).toBeNull();
    expect(fieldFromServerError("the model takes 1 channel(s) but preprocessing color is 'rgb'")).toBe('preprocessing.color');
    expect(fieldFromServerError('the preprocessed image is 32x32x1 but the model takes 28x28x1')).toBe('preprocessing.resize');
    expect(fieldFromServerError("the dataset's images have different sizes; set resize")).toBe('preprocessing.resize');
    expect(fieldFromServerError('the model predicts 1001 classes but the dataset has 1000 (label_offset 0)')).toBe('label_offset');
    expect(fieldFromServerError('preprocessing.resize.size: must be positive')).toBe('preprocessing.resize');
    expect(fieldFromServerError('')).toBeNull();
  });
  it('shortens float32 noise', () => {
    expect(shortNum(0.28600001335144043)).toBe('0.286');
    expect(shortNum(255)).toBe('255');
  });
});

describe('settings form', () => {
  it('accepts valid settings', () => {
    expect(formToSettings(settingsToForm({ batch: 4, threads: 2, streams: 2 }), 2).settings).toEqual({ batch: 4, threads: 2, streams: 2, seconds: 5, iterations: 0, warmup: 2 });
  });
  it('checks like the server', () => {
    expect(formToSettings({ batch: '0' }).errors.batch).toMatch(/at least 1/);
    expect(formToSettings({ threads: '4', streams: '1' }, 2).errors.threads).toMatch(/more than this machine's 2 cores/);
    expect(formToSettings({ threads: '1', streams: '2' }, 2).errors.streams).toMatch(/need at least 2 threads/);
    expect(formToSettings({ threads: '0', streams: '3' }, 2).errors.streams).toMatch(/need at least 3/);
    expect(formToSettings({ seconds: '-1' }).errors.seconds).toBeDefined();
    expect(formToSettings({ seconds: '0.5' }).settings).toEqual({ seconds: 0.5 });
  });
  it('maps server messages to fields', () => {
    expect(settingsFieldFromError('2 streams need at least 2 threads (one per stream)')).toBe('streams');
    expect(settingsFieldFromError("4 threads is more than this machine's 2 cores")).toBe('threads');
    expect(settingsFieldFromError('batch must be at least 1')).toBe('batch');
    expect(settingsFieldFromError("the model's input 'x' has a fixed batch of 1; use --batch 1")).toBe('batch');
    expect(settingsFieldFromError('something else')).toBeNull();
  });
  it('maps calibrate messages to fields', () => {
    expect(calibrateFieldFromError('--subset must be a positive count or a percentage')).toBe('subset');
    expect(calibrateFieldFromError('accuracy-aware calibration (--max-drop) needs an annotated dataset')).toBe('max_drop');
    expect(calibrateFieldFromError('a generated dataset cannot be used for INT8 calibration')).toBe('dataset');
    expect(calibrateFieldFromError('batch must be at least 1')).toBe('batch');
  });
});

describe('sweep', () => {
  const pt = (batch: number, streams: number, fps: number, median: number) => ({ batch, streams, threads: 2, iterations: 1, duration_s: 1, throughput_fps: fps, latency_ms: { min: 0, mean: 0, median, p90: 0, p99: 0, max: 0 } });
  const pts = [pt(1, 1, 4000, 0.15), pt(2, 2, 6000, 0.33), pt(8, 2, 8000, 1.4)];
  it('parses lists', () => {
    expect(parseIntList('8, 1 2,,4', 'batch')).toEqual([1, 2, 4, 8]);
    expect(() => parseIntList('', 'batch')).toThrow(/at least one/);
    expect(() => parseIntList('1, x', 'batch')).toThrow(/not a whole number/);
    expect(() => parseIntList('0', 'batch')).toThrow(/outside/);
    expect(() => parseIntList('3', 'stream count', 1, 2)).toThrow(/outside 1..2/);
  });
  it('finds the sweet spot within the latency bound', () => {
    expect(sweetSpot(pts)).toBe(2);
    expect(sweetSpot(pts, 1)).toBe(1);
    expect(sweetSpot(pts, 0.1)).toBe(-1);
  });
  it('trusts a valid server index', () => {
    expect(bestIndex(pts, 0, 0)).toBe(0);
    expect(bestIndex(pts, 9, 1)).toBe(1);
    expect(bestIndex(pts, null, 0)).toBe(2);
    // calibra serve sends max_latency_ms: null for "no bound".
    expect(bestIndex(pts, null, null)).toBe(2);
  });
});
