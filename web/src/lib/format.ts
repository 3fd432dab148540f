// Number and text formatting used across the pages. Every function accepts null/undefined/NaN
// and then returns the dash, so a missing value never renders as "NaN" or "undefined".

export const DASH = '–';

function ok(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Milliseconds with about 3 significant digits: 0.0123, 0.145, 12.3, 1234. */
export function fmtMs(ms: number | null | undefined): string {
  if (!ok(ms)) return DASH;
  const a = Math.abs(ms);
  if (a === 0) return '0';
  if (a >= 100) return ms.toFixed(0);
  if (a >= 10) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  if (a >= 0.1) return ms.toFixed(3);
  if (a >= 0.001) return ms.toFixed(4);
  if (a >= 0.000001) return String(Number(ms.toPrecision(2)));
  return ms.toExponential(1);
}

/** A signed time difference: +0.0009, -0.0073. */
export function fmtDeltaMs(ms: number | null | undefined): string {
  if (!ok(ms)) return DASH;
  const s = fmtMs(ms);
  return ms > 0 ? '+' + s : s;
}

/** Thousands separated integer or fixed decimals. */
export function fmtNumber(v: number | null | undefined, digits = 0): string {
  if (!ok(v)) return DASH;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Throughput in inferences (samples) per second. */
export function fmtFps(v: number | null | undefined): string {
  if (!ok(v)) return DASH;
  if (v >= 100) return fmtNumber(v, 0);
  if (v >= 10) return fmtNumber(v, 1);
  return fmtNumber(v, 2);
}

/** A 0..1 fraction as a percentage: 0.9369 -> "93.69%". */
export function fmtPct(f: number | null | undefined, digits = 2): string {
  if (!ok(f)) return DASH;
  return (f * 100).toFixed(digits) + '%';
}

/** An accuracy drop (fraction, A - B) as signed percentage points of B vs A: 0.0003 -> "-0.03 pt". */
export function fmtDropPoints(drop: number | null | undefined, digits = 2): string {
  if (!ok(drop)) return DASH;
  const pts = -drop * 100;
  const s = pts.toFixed(digits);
  const zero = Number(s) === 0;
  return (zero ? '±' + Math.abs(Number(s)).toFixed(digits) : pts > 0 ? '+' + s : s) + ' pt';
}

/** A ratio: 2.17 -> "2.17×". */
export function fmtRatio(r: number | null | undefined): string {
  if (!ok(r)) return DASH;
  return (r >= 10 ? r.toFixed(1) : r.toFixed(2)) + '×';
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function fmtBytes(b: number | null | undefined): string {
  if (!ok(b) || b < 0) return DASH;
  let v = b;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' ' + UNITS[i];
}

/** Parameters: 175994 -> "0.18 M", 11689512 -> "11.7 M". */
export function fmtParams(n: number | null | undefined): string {
  if (!ok(n)) return DASH;
  const m = n / 1e6;
  return (m >= 10 ? m.toFixed(1) : m.toFixed(2)) + ' M';
}

export function fmtGflops(g: number | null | undefined): string {
  if (!ok(g)) return DASH;
  return (g >= 10 ? g.toFixed(1) : g >= 0.1 ? g.toFixed(2) : g.toFixed(3)) + ' GFLOPs';
}

export function fmtDb(db: number | null | undefined): string {
  if (!ok(db)) return DASH;
  if (db >= 200) return 'identical';
  return db.toFixed(1);
}

export function fmtShape(shape: (number | string)[] | null | undefined): string {
  if (!shape || !Array.isArray(shape)) return DASH;
  return '[' + shape.join(',') + ']';
}

/** "2026-11-27T08:00:00Z" -> local "Nov 27, 08:00:00" (the year when it is not this one). */
export function fmtTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const opts: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return d.toLocaleString('en-US', opts);
}

/** Seconds as "0.4 s", "12 s", "3 min 05 s", "1 h 02 min". */
export function fmtSeconds(s: number | null | undefined): string {
  if (!ok(s) || s < 0) return DASH;
  if (s < 0.1) return (s * 1000).toFixed(s < 0.01 ? 1 : 0) + ' ms';
  if (s < 10) return s.toFixed(1) + ' s';
  if (s < 60) return Math.round(s) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m - h * 60).padStart(2, '0')} min`;
}

/** The time between two ISO times (end defaults to now). */
export function fmtElapsed(start: string | null | undefined, end: string | null | undefined, now: number = Date.now()): string {
  if (!start) return DASH;
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  if (Number.isNaN(a) || Number.isNaN(b)) return DASH;
  // The server's times have whole seconds: a finished job that took less shows 0.
  if (end && b - a < 1000) return '< 1 s';
  return fmtSeconds(Math.max(0, (b - a) / 1000));
}

/** "Fashion-MNIST test" style capitalisation of snake_case: "accuracy_aware" -> "Accuracy aware". */
export function humanize(s: string | null | undefined): string {
  if (!s) return '';
  const t = s.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A progress fraction as a clamped integer percentage. */
export function progressPct(p: number | null | undefined): number {
  if (!ok(p)) return 0;
  return Math.round(Math.min(1, Math.max(0, p)) * 100);
}
