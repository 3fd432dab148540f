import { describe, expect, it } from 'vitest';
import type { CompareData, CompareLayer } from '../src/api/types';
import { changeKind, compareSortValue, labelOffsetOf, layerLabel, precisionSummary, totalLayers } from '../src/lib/compare';
import { href, parseRoute } from '../src/lib/router';
import { parseTokenFromHash } from '../src/lib/token';
import { filterByAbs, sortRows } from '../src/lib/table';
import report from '../dev/fixtures/compare_full.json';

describe('router', () => {
  it('parses routes', () => {
    expect(parseRoute('')).toEqual({ name: 'projects' });
    expect(parseRoute('#/')).toEqual({ name: 'projects' });
    expect(parseRoute('#/projects?highlight=4')).toEqual({ name: 'projects', highlight: 4 });
    expect(parseRoute('#/create')).toEqual({ name: 'create' });
    expect(parseRoute('#/projects/12')).toEqual({ name: 'project', id: 12, tab: 'performance' });
    expect(parseRoute('#/projects/12/jobs')).toEqual({ name: 'project', id: 12, tab: 'jobs' });
    expect(parseRoute('#/projects/12/calibrate')).toEqual({ name: 'calibrate', id: 12 });
    expect(parseRoute('#/compare?a=1&b=2')).toEqual({ name: 'compare', a: 1, b: 2 });
    expect(parseRoute('#/compare')).toEqual({ name: 'compare', a: undefined, b: undefined });
    expect(parseRoute('#/jobs/7')).toEqual({ name: 'job', id: 7 });
    expect(parseRoute('#/projects/x')).toEqual({ name: 'notfound', path: '/projects/x' });
    expect(parseRoute('#/projects/1/bogus').name).toBe('notfound');
  });
  it('round-trips hrefs', () => {
    expect(parseRoute(href.project(3, 'optimize'))).toEqual({ name: 'project', id: 3, tab: 'optimize' });
    expect(parseRoute(href.compare(1, 2))).toEqual({ name: 'compare', a: 1, b: 2 });
    expect(href.compare()).toBe('#/compare');
    expect(parseRoute(href.calibrate(5))).toEqual({ name: 'calibrate', id: 5 });
  });
});

describe('token from the URL fragment', () => {
  it('reads #token=...', () => {
    expect(parseTokenFromHash('#token=abc123')).toEqual({ token: 'abc123', rest: '#/' });
    expect(parseTokenFromHash('#token=abc&/projects/2')).toEqual({ token: 'abc', rest: '#/projects/2' });
    expect(parseTokenFromHash('#/projects/2?token=xyz')).toEqual({ token: 'xyz', rest: '#/projects/2' });
    expect(parseTokenFromHash('#/compare?a=1&token=t%2B1&b=2')).toEqual({ token: 't+1', rest: '#/compare?a=1&b=2' });
    expect(parseTokenFromHash('#/projects/2')).toEqual({ token: null, rest: '#/projects/2' });
    expect(parseTokenFromHash('')).toEqual({ token: null, rest: '#/' });
  });
});

describe('compare report helpers (real calibra compare JSON)', () => {
  const d = report as unknown as CompareData;
  it('labels rows like the CLI', () => {
    expect(layerLabel(d.layers[1])).toBe('/stem/stem.0/Conv +3');
    expect(layerLabel(d.layers[0])).toBe('input_QuantizeLinear__142');
    expect(layerLabel({ nodes: [], output: 'x' } as unknown as CompareLayer)).toBe('x');
  });
  it('classifies changed predictions', () => {
    const off = labelOffsetOf(d);
    expect(off).toBe(0);
    const kinds = d.predictions!.changes.map((c) => changeKind(c, off));
    expect(kinds.filter((k) => k === 'fixed').length).toBe(d.predictions!.fixed);
    expect(kinds.filter((k) => k === 'broken').length).toBe(d.predictions!.broken);
    expect(changeKind({ index: 0, source: '', label: 0, pred_a: 1, pred_b: 1, mse: 0 }, 1)).toBe('changed');
    expect(changeKind({ index: 0, source: '', label: 0, pred_a: 2, pred_b: 1, mse: 0 }, 1)).toBe('fixed');
    expect(changeKind({ index: 0, source: '', label: null, pred_a: 2, pred_b: 1, mse: 0 })).toBe('unlabelled');
  });
  it('summarises precisions', () => {
    expect(precisionSummary(d.b.layers_by_precision)).toMatch(/^U8 \d+, I8 \d+/);
    expect(precisionSummary({})).toBe('–');
    expect(totalLayers(d.a.layers_by_precision)).toBe(17);
  });
  it('sorts and filters the layer table', () => {
    const byDelta = sortRows(d.layers, (l) => compareSortValue(l, 'delta'), 'asc');
    expect(byDelta[0].delta_ms).toBe(Math.min(...d.layers.map((l) => l.delta_ms)));
    const bySqnr = sortRows(d.layers, (l) => compareSortValue(l, 'sqnr'), 'desc');
    expect(bySqnr[bySqnr.length - 1].sqnr_db).toBeNull();
    const big = filterByAbs(d.layers, (l) => l.delta_ms, 0.005);
    expect(big.length).toBeGreaterThan(0);
    expect(big.every((l) => Math.abs(l.delta_ms) >= 0.005)).toBe(true);
    expect(compareSortValue(d.layers[0], 'prec_a')).toBeNull();
    expect(compareSortValue(d.layers[0], 'prec_b')).toBe('I8');
  });
});
