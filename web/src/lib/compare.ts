// Helpers for the compare report (docs/COMPARE.md, schema calibra.compare/1).

import type { CompareData, CompareLayer, PredictionChange } from '../api/types';

/** "first node +N" as the CLI prints a row. */
export function layerLabel(l: CompareLayer): string {
  const nodes = l.nodes ?? [];
  if (nodes.length === 0) return l.output || l.a?.steps?.[0] || l.b?.steps?.[0] || '(unnamed)';
  return nodes.length > 1 ? `${nodes[0]} +${nodes.length - 1}` : nodes[0];
}

export type ChangeKind = 'fixed' | 'broken' | 'changed' | 'unlabelled';

/** "fixed" = A wrong and B right, "broken" = A right and B wrong (labels shifted by label_offset). */
export function changeKind(c: PredictionChange, labelOffset = 0): ChangeKind {
  if (c.label === null || c.label === undefined) return 'unlabelled';
  const cls = c.label + labelOffset;
  const aOk = c.pred_a === cls;
  const bOk = c.pred_b === cls;
  if (!aOk && bOk) return 'fixed';
  if (aOk && !bOk) return 'broken';
  return 'changed';
}

export function labelOffsetOf(d: CompareData): number {
  const u = d.usage as { label_offset?: unknown } | undefined;
  return typeof u?.label_offset === 'number' ? u.label_offset : 0;
}

/** Sum of a precision histogram. */
export function totalLayers(h: Record<string, number> | null | undefined): number {
  return Object.values(h ?? {}).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

/** "U8 16, I8 2, FP32 2" in a fixed order (U8, I8, FP32, then others). */
export function precisionSummary(h: Record<string, number> | null | undefined): string {
  const order = ['U8', 'I8', 'FP32', 'BF16', 'FP16'];
  const keys = Object.keys(h ?? {}).sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return keys.filter((k) => (h![k] ?? 0) > 0).map((k) => `${k} ${h![k]}`).join(', ') || '–';
}

/** The numeric value a compare-table column sorts by. */
export function compareSortValue(l: CompareLayer, key: string): string | number | null {
  switch (key) {
    case 'layer':
      return layerLabel(l);
    case 'op':
      return l.op;
    case 'prec_a':
      return l.a?.precision ?? null;
    case 'prec_b':
      return l.b?.precision ?? null;
    case 'ms_a':
      return l.a?.ms ?? null;
    case 'ms_b':
      return l.b?.ms ?? null;
    case 'delta':
      return l.delta_ms;
    case 'sqnr':
      return l.sqnr_db;
    default:
      return null;
  }
}
