import { describe, expect, it } from 'vitest';
import { filterByAbs, matchesText, parseThreshold, sortRows, toggleSort } from '../src/lib/table';

describe('sortRows', () => {
  const rows = [
    { n: 'Conv_10', v: 3 },
    { n: 'Conv_2', v: null },
    { n: 'add', v: 1 },
    { n: 'Conv_1', v: 3 },
  ];
  it('sorts numbers both ways with missing values last', () => {
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.n)).toEqual(['add', 'Conv_10', 'Conv_1', 'Conv_2']);
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.n)).toEqual(['Conv_10', 'Conv_1', 'add', 'Conv_2']);
  });
  it('sorts strings naturally and case-insensitively', () => {
    expect(sortRows(rows, (r) => r.n, 'asc').map((r) => r.n)).toEqual(['add', 'Conv_1', 'Conv_2', 'Conv_10']);
  });
  it('is stable and does not mutate', () => {
    const copy = rows.slice();
    sortRows(rows, (r) => r.v, 'asc');
    expect(rows).toEqual(copy);
  });
  it('treats NaN as missing', () => {
    expect(sortRows([{ v: NaN }, { v: 1 }], (r) => r.v, 'asc').map((r) => r.v)).toEqual([1, NaN]);
  });
});

describe('toggleSort', () => {
  it('flips the same column and starts others at their default', () => {
    expect(toggleSort(null, 'ms', 'desc')).toEqual({ key: 'ms', dir: 'desc' });
    expect(toggleSort({ key: 'ms', dir: 'desc' }, 'ms')).toEqual({ key: 'ms', dir: 'asc' });
    expect(toggleSort({ key: 'ms', dir: 'asc' }, 'op')).toEqual({ key: 'op', dir: 'asc' });
  });
});

describe('filterByAbs', () => {
  const rows = [{ d: -0.0073 }, { d: 0.0005 }, { d: 0 }, { d: null }, { d: 0.002 }];
  it('keeps |delta| >= threshold', () => {
    expect(filterByAbs(rows, (r) => r.d, 0.001).map((r) => r.d)).toEqual([-0.0073, 0.002]);
  });
  it('keeps everything for an empty or zero threshold', () => {
    expect(filterByAbs(rows, (r) => r.d, NaN)).toHaveLength(5);
    expect(filterByAbs(rows, (r) => r.d, 0)).toHaveLength(5);
  });
  it('includes the boundary', () => {
    expect(filterByAbs(rows, (r) => r.d, 0.0005).map((r) => r.d)).toEqual([-0.0073, 0.0005, 0.002]);
  });
});

describe('text filter', () => {
  it('needs every word somewhere', () => {
    expect(matchesText('conv layers.2', '/layers/layers.2/conv1/Conv', 'Conv')).toBe(true);
    expect(matchesText('gemm', '/layers/layers.2/conv1/Conv')).toBe(false);
    expect(matchesText('  ', 'x')).toBe(true);
  });
  it('parses thresholds', () => {
    expect(parseThreshold('0.001')).toBe(0.001);
    expect(parseThreshold('1e-3')).toBe(0.001);
    expect(parseThreshold('')).toBeNaN();
    expect(parseThreshold('abc')).toBeNaN();
  });
});
