// Inference settings (batch, threads, streams, seconds, iterations, warmup): the form, the
// checks the server makes (README "Inference settings"), and its errors mapped to fields.

import type { Settings } from '../api/types';

export type SettingsField = keyof Settings;

export const DEFAULT_SETTINGS: Settings = { batch: 1, threads: 0, streams: 1, seconds: 5, iterations: 0, warmup: 2 };

export type SettingsForm = Record<SettingsField, string>;

export function settingsToForm(s: Partial<Settings> | null | undefined): SettingsForm {
  const v = { ...DEFAULT_SETTINGS, ...(s ?? {}) };
  return {
    batch: String(v.batch),
    threads: String(v.threads),
    streams: String(v.streams),
    seconds: String(v.seconds),
    iterations: String(v.iterations),
    warmup: String(v.warmup),
  };
}

/**
 * Form -> settings with the same checks as the server: batch >= 1; threads 0 (all cores) ..
 * cores; streams 1 .. threads; time, iterations, warmup >= 0. `cores` 0 = unknown (skip).
 */
export function formToSettings(f: Partial<SettingsForm>, cores = 0): { settings: Partial<Settings> | null; errors: Partial<Record<SettingsField, string>> } {
  const errors: Partial<Record<SettingsField, string>> = {};
  const out: Partial<Settings> = {};
  const intField = (k: SettingsField, min: number, msg: string) => {
    const raw = f[k];
    if (raw === undefined) return;
    const t = raw.trim();
    if (!/^\d+$/.test(t) || Number(t) < min) errors[k] = msg;
    else out[k] = Number(t);
  };
  intField('batch', 1, 'batch must be a whole number, at least 1');
  intField('threads', 0, 'threads must be a whole number (0 = all cores)');
  intField('streams', 1, 'streams must be a whole number, at least 1');
  intField('iterations', 0, 'iterations must be a whole number (0 = use the time)');
  intField('warmup', 0, 'warm-up must be a whole number');
  if (f.seconds !== undefined) {
    const t = f.seconds.trim();
    const v = Number(t);
    if (!t || !Number.isFinite(v) || v < 0) errors.seconds = 'time must be a number of seconds, 0 or more';
    else out.seconds = v;
  }
  if (cores > 0 && out.threads !== undefined && out.threads > cores) errors.threads = `${out.threads} threads is more than this machine's ${cores} cores`;
  const effThreads = out.threads === 0 ? cores : out.threads;
  if (out.streams !== undefined && effThreads !== undefined && effThreads > 0 && out.streams > effThreads && !errors.threads)
    errors.streams = `${out.streams} streams need at least ${out.streams} threads (one per stream)`;
  return Object.keys(errors).length ? { settings: null, errors } : { settings: out, errors };
}

/** Which settings field a server message is about (null: general). */
export function settingsFieldFromError(message: string): SettingsField | null {
  const m = message.toLowerCase();
  if (/\bstreams?\b/.test(m)) return 'streams';
  if (/\bthreads?\b|\bcores?\b/.test(m)) return 'threads';
  if (/\bbatch\b/.test(m)) return 'batch';
  if (/\bwarm-?up\b/.test(m)) return 'warmup';
  if (/\biterations?\b/.test(m)) return 'iterations';
  if (/\btime\b|\bseconds?\b/.test(m)) return 'seconds';
  return null;
}
