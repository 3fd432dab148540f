import { describe, expect, it } from 'vitest';
import { DASH, fmtBytes, fmtDb, fmtDeltaMs, fmtDropPoints, fmtElapsed, fmtFps, fmtGflops, fmtMs, fmtParams, fmtPct, fmtRatio, fmtSeconds, fmtShape, humanize, progressPct } from '../src/lib/format';

describe('format', () => {
  it('formats milliseconds with sensible precision', () => {
    expect(fmtMs(0.144766)).toBe('0.145');
    expect(fmtMs(0.0138)).toBe('0.0138');
    expect(fmtMs(0.000531)).toBe('0.00053');
    expect(fmtMs(12.345)).toBe('12.3');
    expect(fmtMs(128.0002)).toBe('128');
    expect(fmtMs(0)).toBe('0');
    expect(fmtMs(null)).toBe(DASH);
    expect(fmtMs(NaN)).toBe(DASH);
  });
  it('signs deltas', () => {
    expect(fmtDeltaMs(0.0009)).toBe('+0.0009');
    expect(fmtDeltaMs(-0.0073)).toBe('-0.0073');
  });
  it('formats throughput, percent, ratios', () => {
    expect(fmtFps(4484.935)).toBe('4,485');
    expect(fmtFps(7.796)).toBe('7.80');
    expect(fmtPct(0.9369)).toBe('93.69%');
    expect(fmtPct(undefined)).toBe(DASH);
    expect(fmtRatio(2.1728)).toBe('2.17×');
    expect(fmtRatio(12.34)).toBe('12.3×');
  });
  it('formats accuracy drops as points of B vs A', () => {
    expect(fmtDropPoints(0.0003)).toBe('-0.03 pt');
    expect(fmtDropPoints(-0.012)).toBe('+1.20 pt');
    expect(fmtDropPoints(0)).toBe('±0.00 pt');
    expect(fmtDropPoints(null)).toBe(DASH);
  });
  it('formats sizes', () => {
    expect(fmtBytes(717228)).toBe('700 KiB');
    expect(fmtBytes(212800)).toBe('208 KiB');
    expect(fmtBytes(1264936)).toBe('1.2 MiB');
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(-1)).toBe(DASH);
    expect(fmtParams(175994)).toBe('0.18 M');
    expect(fmtParams(11689512)).toBe('11.7 M');
    expect(fmtGflops(0.0406)).toBe('0.041 GFLOPs');
    expect(fmtGflops(1.82)).toBe('1.82 GFLOPs');
  });
  it('formats SQNR with 200 dB as identical', () => {
    expect(fmtDb(32.4776)).toBe('32.5');
    expect(fmtDb(200)).toBe('identical');
    expect(fmtDb(null)).toBe(DASH);
  });
  it('formats shapes, durations, names, progress', () => {
    expect(fmtShape(['batch', 1, 28, 28])).toBe('[batch,1,28,28]');
    expect(fmtSeconds(0.0196)).toBe('20 ms');
    expect(fmtSeconds(4.2)).toBe('4.2 s');
    expect(fmtSeconds(185)).toBe('3 min 05 s');
    expect(fmtSeconds(3720)).toBe('1 h 02 min');
    expect(fmtElapsed('2026-11-27T08:00:00Z', '2026-11-27T08:00:30Z')).toBe('30 s');
    expect(fmtElapsed(null, null)).toBe(DASH);
    // Server times have whole seconds: a job that started and ended within one shows "< 1 s".
    expect(fmtElapsed('2026-11-27T09:01:46Z', '2026-11-27T09:01:46Z')).toBe('< 1 s');
    expect(fmtElapsed('2026-11-27T09:01:46Z', '2026-11-27T09:01:47Z')).not.toBe('< 1 s');
    expect(humanize('layer_errors')).toBe('Layer errors');
    expect(progressPct(0.424)).toBe(42);
    expect(progressPct(1.7)).toBe(100);
    expect(progressPct(undefined)).toBe(0);
  });
});
