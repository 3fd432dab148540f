// The model usage config ("Configure Accuracy"): the JSON of README "Model usage config"
// as an editable form, checked before sending, and server errors mapped to their field.

import type { Usage } from '../api/types';

export type UsageField =
  | 'task'
  | 'preprocessing.color'
  | 'preprocessing.resize'
  | 'preprocessing.crop'
  | 'preprocessing.divide'
  | 'preprocessing.mean'
  | 'preprocessing.std'
  | 'preprocessing.layout'
  | 'label_offset'
  | 'metrics';

export interface UsageForm {
  task: string;
  color: 'gray' | 'rgb' | 'bgr';
  resizeMode: 'none' | 'exact' | 'shorter';
  resizeHeight: string;
  resizeWidth: string;
  resizeSize: string;
  interpolation: 'bilinear' | 'nearest';
  cropOn: boolean;
  cropHeight: string;
  cropWidth: string;
  divide: string;
  mean: string;
  std: string;
  layout: 'NCHW' | 'NHWC';
  labelOffset: string;
  top1: boolean;
  top5: boolean;
}

export const DEFAULT_USAGE: Usage = {
  task: 'classification',
  preprocessing: { color: 'rgb', resize: { mode: 'none' }, crop: null, divide: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'NCHW' },
  label_offset: 0,
  metrics: ['top1', 'top5'],
};

/** Shortest text that reads back as the same float32-ish number (0.28600001335 -> "0.286"). */
export function shortNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 17; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.abs(s - v) <= Math.abs(v) * 1e-7) return String(s);
  }
  return String(v);
}

const str = (v: unknown, dflt = '') => (typeof v === 'number' && Number.isFinite(v) ? shortNum(v) : dflt);

export function usageToForm(u: Usage | null | undefined): UsageForm {
  const usage = u ?? DEFAULT_USAGE;
  const pp = usage.preprocessing ?? DEFAULT_USAGE.preprocessing;
  const r = pp.resize ?? { mode: 'none' };
  return {
    task: usage.task ?? 'classification',
    color: pp.color ?? 'rgb',
    resizeMode: r.mode ?? 'none',
    resizeHeight: str(r.height),
    resizeWidth: str(r.width),
    resizeSize: str(r.size),
    interpolation: r.interpolation ?? 'bilinear',
    cropOn: !!pp.crop,
    cropHeight: str(pp.crop?.height),
    cropWidth: str(pp.crop?.width),
    divide: str(pp.divide, '255'),
    mean: (pp.mean ?? []).map(shortNum).join(', '),
    std: (pp.std ?? []).map(shortNum).join(', '),
    layout: pp.layout ?? 'NCHW',
    labelOffset: String(usage.label_offset ?? 0),
    top1: (usage.metrics ?? []).includes('top1'),
    top5: (usage.metrics ?? []).includes('top5'),
  };
}

function parseList(s: string): number[] | null {
  const parts = s.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const out = parts.map(Number);
  return out.every(Number.isFinite) ? out : null;
}

function posInt(s: string): number | null {
  const t = s.trim();
  if (!/^\d+$/.test(t)) return null;
  const v = Number(t);
  return v >= 1 ? v : null;
}

/** Form -> usage JSON, with per-field errors found before asking the server. */
export function formToUsage(f: UsageForm): { usage: Usage | null; errors: Partial<Record<UsageField, string>> } {
  const errors: Partial<Record<UsageField, string>> = {};
  const channels = f.color === 'gray' ? 1 : 3;

  let resize: Usage['preprocessing']['resize'] = { mode: 'none' };
  if (f.resizeMode === 'exact') {
    const h = posInt(f.resizeHeight);
    const w = posInt(f.resizeWidth);
    if (h === null || w === null) errors['preprocessing.resize'] = 'height and width must be whole numbers of pixels (at least 1)';
    else resize = { mode: 'exact', height: h, width: w, interpolation: f.interpolation };
  } else if (f.resizeMode === 'shorter') {
    const s = posInt(f.resizeSize);
    if (s === null) errors['preprocessing.resize'] = 'the size must be a whole number of pixels (at least 1)';
    else resize = { mode: 'shorter', size: s, interpolation: f.interpolation };
  }

  let crop: Usage['preprocessing']['crop'] = null;
  if (f.cropOn) {
    const h = posInt(f.cropHeight);
    const w = posInt(f.cropWidth);
    if (h === null || w === null) errors['preprocessing.crop'] = 'crop height and width must be whole numbers of pixels (at least 1)';
    else crop = { height: h, width: w };
  }

  const divide = Number(f.divide.trim());
  if (!f.divide.trim() || !Number.isFinite(divide) || divide <= 0) errors['preprocessing.divide'] = 'a number above 0 (255 maps 8-bit pixels to 0..1)';

  const mean = parseList(f.mean);
  if (!mean) errors['preprocessing.mean'] = 'numbers separated by commas';
  else if (mean.length !== channels) errors['preprocessing.mean'] = `${channels} value(s) for ${f.color} (${channels} channel(s))`;

  const std = parseList(f.std);
  if (!std) errors['preprocessing.std'] = 'numbers separated by commas';
  else if (std.length !== channels) errors['preprocessing.std'] = `${channels} value(s) for ${f.color} (${channels} channel(s))`;
  else if (std.some((v) => v <= 0)) errors['preprocessing.std'] = 'every value must be above 0';

  const lo = f.labelOffset.trim();
  if (!/^-?\d+$/.test(lo)) errors.label_offset = 'a whole number (0, or 1 for models with a background class)';

  const metrics = [...(f.top1 ? ['top1'] : []), ...(f.top5 ? ['top5'] : [])];
  if (metrics.length === 0) errors.metrics = 'choose at least one metric';

  if (Object.keys(errors).length > 0) return { usage: null, errors };
  return {
    usage: {
      task: f.task || 'classification',
      preprocessing: { color: f.color, resize, crop, divide, mean: mean!, std: std!, layout: f.layout },
      label_offset: Number(lo),
      metrics,
    },
    errors,
  };
}

const PATHS: [RegExp, UsageField][] = [
  [/\bpreprocessing\.color\b/, 'preprocessing.color'],
  [/\bpreprocessing\.resize\b/, 'preprocessing.resize'],
  [/\bpreprocessing\.crop\b/, 'preprocessing.crop'],
  [/\bpreprocessing\.divide\b/, 'preprocessing.divide'],
  [/\bpreprocessing\.mean\b/, 'preprocessing.mean'],
  [/\bpreprocessing\.std\b/, 'preprocessing.std'],
  [/\bpreprocessing\.layout\b/, 'preprocessing.layout'],
  [/\blabel_offset\b/, 'label_offset'],
  [/\bmetrics?\b/, 'metrics'],
  [/\btask\b/, 'task'],
];

const KEYWORDS: [RegExp, UsageField][] = [
  [/\bcolou?r\b|channel\(s\) but/i, 'preprocessing.color'],
  [/\bcrop\b/i, 'preprocessing.crop'],
  [/\bresize\b|preprocessed image is|different sizes/i, 'preprocessing.resize'],
  [/\bdivide\b/i, 'preprocessing.divide'],
  [/\bmean\b/i, 'preprocessing.mean'],
  [/\bstd\b/i, 'preprocessing.std'],
  [/\blayout\b/i, 'preprocessing.layout'],
  [/\bclasses\b|\blabels?\b/i, 'label_offset'],
];

/**
 * Which form field a server validation message is about. The server names the field
 * ("preprocessing.mean: has the wrong type"); known CLI messages without a path are matched
 * by their words. null: show it above the form.
 */
export function fieldFromServerError(message: string): UsageField | null {
  if (!message) return null;
  // An explicit "path:" prefix wins.
  const lead = /^\s*([a-z_]+(?:\.[a-z_]+)*)\s*:/.exec(message);
  if (lead) {
    const path = lead[1];
    for (const [re, f] of PATHS) if (re.test(path)) return f;
  }
  for (const [re, f] of PATHS) if (re.test(message)) return f;
  for (const [re, f] of KEYWORDS) if (re.test(message)) return f;
  return null;
}

/** A one-line summary of a usage config for cards. */
export function usageSummary(u: Usage | null | undefined): string {
  if (!u || !u.preprocessing) return 'defaults (inferred from the input shape)';
  const pp = u.preprocessing;
  const parts: string[] = [pp.color];
  const r = pp.resize;
  if (r?.mode === 'exact') parts.push(`resize ${r.height}×${r.width}`);
  else if (r?.mode === 'shorter') parts.push(`resize shorter side ${r.size}`);
  if (pp.crop) parts.push(`crop ${pp.crop.height}×${pp.crop.width}`);
  parts.push(`/${shortNum(pp.divide)}`);
  parts.push(`mean [${(pp.mean ?? []).map(shortNum).join(', ')}]`);
  parts.push(`std [${(pp.std ?? []).map(shortNum).join(', ')}]`);
  parts.push(pp.layout);
  if (u.label_offset) parts.push(`label offset ${u.label_offset}`);
  return parts.join(' · ');
}
