// Dense inference sweep (batch x streams): parsing the form and finding the sweet spot.

import type { SweepPoint } from '../api/types';

/** "1, 2,4 8" -> [1,2,4,8]; throws with a readable message on bad input. */
export function parseIntList(s: string, what: string, min = 1, max = 4096): number[] {
  const parts = s.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) throw new Error(`give at least one ${what}`);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) throw new Error(`'${p}' is not a whole number`);
    const v = Number(p);
    if (v < min || v > max) throw new Error(`${what} ${v} is outside ${min}..${max}`);
    if (!out.includes(v)) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The point with the best throughput whose median latency is within the bound (0 = none).
 * Returns -1 when no point meets the bound.
 */
export function sweetSpot(points: readonly SweepPoint[], maxLatencyMs = 0): number {
  let best = -1;
  points.forEach((p, i) => {
    const lat = p.latency_ms?.median;
    if (maxLatencyMs > 0 && !(typeof lat === 'number' && lat <= maxLatencyMs)) return;
    if (best < 0 || (p.throughput_fps ?? 0) > (points[best].throughput_fps ?? 0)) best = i;
  });
  return best;
}

/**
 * The server's `best` when it is a valid index, else computed. The server sends
 * `max_latency_ms: null` when there was no bound.
 */
export function bestIndex(points: readonly SweepPoint[], best: number | null | undefined, maxLatencyMs: number | null = 0): number {
  if (typeof best === 'number' && Number.isInteger(best) && best >= 0 && best < points.length) return best;
  return sweetSpot(points, maxLatencyMs ?? 0);
}
