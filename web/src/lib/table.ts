// Sorting and filtering of table rows (profile, compare layers, predictions, sweep).

export type SortDir = 'asc' | 'desc';
export interface SortState {
  key: string;
  dir: SortDir;
}
export type SortValue = string | number | null | undefined;

/**
 * A stable sort by one column. Numbers compare numerically, strings naturally ("Conv_2" before
 * "Conv_10"); missing values (null, undefined, NaN) always go last, whatever the direction.
 */
export function sortRows<T>(rows: readonly T[], value: (row: T) => SortValue, dir: SortDir): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  const keyed = rows.map((row, i) => ({ row, i, v: value(row) }));
  const missing = (v: SortValue) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  keyed.sort((x, y) => {
    const mx = missing(x.v);
    const my = missing(y.v);
    if (mx || my) return mx === my ? x.i - y.i : mx ? 1 : -1;
    let c: number;
    if (typeof x.v === 'number' && typeof y.v === 'number') c = x.v - y.v;
    else c = String(x.v).localeCompare(String(y.v), 'en', { numeric: true, sensitivity: 'base' });
    return c !== 0 ? sign * c : x.i - y.i;
  });
  return keyed.map((k) => k.row);
}

/** Clicking a header: the same column flips direction; another column starts at its default. */
export function toggleSort(cur: SortState | null, key: string, defaultDir: SortDir = 'asc'): SortState {
  if (cur && cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: defaultDir };
}

/** Rows whose |delta| is at least the threshold (a threshold <= 0, empty or NaN keeps all). */
export function filterByAbs<T>(rows: readonly T[], value: (row: T) => number | null | undefined, threshold: number): T[] {
  if (!(threshold > 0)) return rows.slice();
  return rows.filter((r) => {
    const v = value(r);
    return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= threshold;
  });
}

/** Case-insensitive substring match on any of the given texts; all words must match. */
export function matchesText(query: string, ...texts: (string | null | undefined)[]): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = texts.filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Parses a number typed in a filter box ("0.001", "1e-3", ""): NaN when empty/invalid. */
export function parseThreshold(s: string): number {
  const t = s.trim();
  if (!t) return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}
