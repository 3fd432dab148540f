import { describe, expect, it } from 'vitest';
import type { Job, Project } from '../src/api/types';
import { activeJob, baselineStats, buildTree, canCompare, defaultComparePair, infoInt8, jobsOfProject, latestKey, liveStatus, mergeProject, needsDetail, noModelMessage } from '../src/lib/projects';

const proj = (id: number, parent: number | null = null, over: Partial<Project> = {}): Project =>
  ({ id, name: `p${id}`, model_id: id, dataset_id: 1, parent_project_id: parent, created_at: '2026-11-27T08:00:00Z', usage: null, settings: { batch: 1, threads: 0, streams: 1, seconds: 5, iterations: 0, warmup: 2 }, model: null, dataset: null, int8: { available: true, reason: '' }, status: 'ready', latest: { baseline: null, calibration: null, sweep: null }, children: [], ...over }) as Project;
const job = (id: number, project_id: number, over: Partial<Job> = {}): Job => ({ id, project_id, type: 'inference', params: {}, status: 'running', stage: '', progress: 0.5, error: null, hint: null, created_at: '2026-11-27T08:00:00Z', started_at: null, finished_at: null, result_id: null, ...over });

describe('buildTree', () => {
  it('nests children under parents, roots newest first, children oldest first', () => {
    const rows = buildTree([proj(1), proj(2, 1), proj(3), proj(5, 1), proj(4, 3)]);
    expect(rows.map((r) => [r.project.id, r.depth])).toEqual([[3, 0], [4, 1], [1, 0], [2, 1], [5, 1]]);
    expect(rows.find((r) => r.project.id === 1)!.hasChildren).toBe(true);
  });
  it('treats a child with a missing parent as a root and hides collapsed children', () => {
    expect(buildTree([proj(2, 9)]).map((r) => r.depth)).toEqual([0]);
    expect(buildTree([proj(1), proj(2, 1)], new Set([1])).map((r) => r.project.id)).toEqual([1]);
  });
  it('survives cycles', () => {
    expect(buildTree([proj(1, 2), proj(2, 1), proj(3)]).length).toBeLessThanOrEqual(3);
  });
});

describe('live status', () => {
  it('uses the newest job of the project', () => {
    const p = proj(1, null, { status: 'ready' });
    const live = liveStatus(p, [job(3, 1, { status: 'running', progress: 0.3 }), job(2, 1, { status: 'done' })]);
    expect(live.status).toBe('running');
    expect(live.job?.id).toBe(3);
  });
  it('maps done to ready and ignores compare jobs', () => {
    const p = proj(1, null, { status: 'failed' });
    expect(liveStatus(p, [job(2, 1, { status: 'done' }), job(3, 1, { type: 'compare', status: 'running' })]).status).toBe('ready');
  });
  it('falls back to the project status without jobs', () => {
    expect(liveStatus(proj(1, null, { status: 'new' }), []).status).toBe('new');
  });
  it('links a calibration job filed under the parent to its INT8 child', () => {
    const parent = proj(1);
    const child = proj(2, 1, { status: 'new', model_id: null, created_at: '2026-11-27T08:00:01Z' });
    const cal = job(7, 1, { type: 'calibration', status: 'running', progress: 0.4 });
    // by the link the UI recorded from POST calibrate
    const links = new Map([[7, 2]]);
    expect(liveStatus(child, [cal], links).job?.id).toBe(7);
    expect(jobsOfProject(parent, [cal], links)).toEqual([]);
    // by params.int8_project_id
    const cal2 = job(8, 1, { type: 'calibration', params: { int8_project_id: 2 } });
    expect(jobsOfProject(child, [cal2]).map((j) => j.id)).toEqual([8]);
    // by creation time when nothing links them
    expect(liveStatus(child, [cal]).job?.id).toBe(7);
  });
  it('finds the active job of a type', () => {
    const p = proj(1);
    expect(activeJob(p, [job(1, 1, { type: 'sweep', status: 'done' }), job(2, 1, { type: 'sweep', status: 'queued' })], 'sweep')?.id).toBe(2);
    expect(activeJob(p, [job(1, 1, { type: 'sweep', status: 'done' })], 'sweep')).toBeNull();
  });
});

describe('helpers', () => {
  it('reads INT8 possibility in both spellings', () => {
    expect(infoInt8({ int8: { possible: false, reason: 'FP16' } })).toEqual({ possible: false, reason: 'FP16' });
    expect(infoInt8({ int8_possible: true, int8_reason: '3 layers' })).toEqual({ possible: true, reason: '3 layers' });
    expect(infoInt8({}).possible).toBeNull();
    expect(infoInt8(null).possible).toBeNull();
  });
  it('picks the default compare pair', () => {
    const all = [proj(1), proj(2, 1), proj(3, 1), proj(4)];
    expect(defaultComparePair(all[1], all)).toEqual({ a: 1, b: 2 });
    expect(defaultComparePair(all[0], all)).toEqual({ a: 1, b: 3 });
    expect(defaultComparePair(undefined, all)).toEqual({ a: 1, b: 3 });
    expect(defaultComparePair(all[3], all)).toEqual({ a: 4, b: undefined });
    expect(defaultComparePair(undefined, [proj(1)])).toEqual({});
  });
  it('prefers a calibrated child over a newer one whose calibration failed or runs', () => {
    // The real server creates the INT8 project at once, without a model until calibration ends.
    const all = [proj(1), proj(2, 1), proj(3, 1, { model_id: null, status: 'failed' })];
    expect(defaultComparePair(all[0], all)).toEqual({ a: 1, b: 2 });
    expect(defaultComparePair(undefined, all)).toEqual({ a: 1, b: 2 });
    // The child page itself still pairs with its parent.
    expect(defaultComparePair(all[2], all)).toEqual({ a: 1, b: 3 });
    // Only model-less children: the newest is still offered (the page says why it cannot run).
    const none = [proj(1), proj(2, 1, { model_id: null }), proj(3, 1, { model_id: null })];
    expect(defaultComparePair(none[0], none)).toEqual({ a: 1, b: 3 });
  });
  it('can compare only two different projects that both have a model', () => {
    const byId = { 1: proj(1), 2: proj(2, 1), 3: proj(3, 1, { model_id: null }) };
    expect(canCompare({ a: 1, b: 2 }, byId)).toBe(true);
    expect(canCompare({ a: 1, b: 3 }, byId)).toBe(false);
    expect(canCompare({ a: 1, b: 1 }, byId)).toBe(false);
    expect(canCompare({ a: 1 }, byId)).toBe(false);
    expect(canCompare({ a: 1, b: 9 }, byId)).toBe(false);
  });
  it('explains a missing INT8 model by the project status', () => {
    expect(noModelMessage('failed')).toMatch(/calibration failed/);
    expect(noModelMessage('running')).toMatch(/being calibrated/);
    expect(noModelMessage('queued')).toMatch(/being calibrated/);
    expect(noModelMessage('cancelled')).toMatch(/was cancelled/);
    expect(noModelMessage('interrupted')).toMatch(/was interrupted/);
  });
});

describe('list summaries vs whole results', () => {
  const full = { id: 5, job_id: 1, project_id: 1, kind: 'inference', created_at: 'x', data: { accuracy: { top1: 0.9, samples: 10 }, speed: { throughput_fps: 100, latency_ms: { median: 2 } }, profile: null } };
  const summary = { id: 5, created_at: 'x', top1: 0.9, throughput_fps: 100, latency_ms: 2 };
  it('reads stats from either shape', () => {
    expect(baselineStats(proj(1, null, { latest: { baseline: full, calibration: null, sweep: null } } as unknown as Partial<Project>))).toEqual({ top1: 0.9, fps: 100, latency: 2, has: true });
    expect(baselineStats(proj(1, null, { latest: { baseline: summary, calibration: null, sweep: null } } as unknown as Partial<Project>))).toEqual({ top1: 0.9, fps: 100, latency: 2, has: true });
    expect(baselineStats(proj(1)).has).toBe(false);
  });
  it('keeps whole results over summaries of the same id, and asks for details otherwise', () => {
    const old = proj(1, null, { latest: { baseline: full, calibration: null, sweep: null } } as unknown as Partial<Project>);
    const next = proj(1, null, { status: 'running', latest: { baseline: summary, calibration: null, sweep: null } } as unknown as Partial<Project>);
    const merged = mergeProject(old, next);
    expect(merged.status).toBe('running');
    expect(merged.latest.baseline).toBe(full);
    expect(needsDetail(merged)).toBe(false);
    const newer = proj(1, null, { latest: { baseline: { ...summary, id: 6 }, calibration: null, sweep: null } } as unknown as Partial<Project>);
    expect(mergeProject(old, newer).latest.baseline!.id).toBe(6);
    expect(needsDetail(mergeProject(old, newer))).toBe(true);
    expect(latestKey(newer)).toBe('6/-/-');
  });
  it('uses latest_job when the job list does not have it', () => {
    const p = proj(1, null, { status: 'running', latest_job: job(9, 1, { status: 'running', progress: 0.7 }) });
    expect(liveStatus(p, []).job?.progress).toBe(0.7);
  });
});
