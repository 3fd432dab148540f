import { describe, expect, it } from 'vitest';
import type { Job } from '../src/api/types';
import { emptyJobs, isStatusChange, jobsReducer, mergeJob, parseJobEvent, reconnectDelay, sortedJobs } from '../src/lib/jobs';

const job = (over: Partial<Job> = {}): Job => ({
  id: 1, project_id: 1, type: 'inference', params: {}, status: 'queued', stage: '', progress: 0, error: null, hint: null,
  created_at: '2026-11-27T08:00:00Z', started_at: null, finished_at: null, result_id: null, ...over,
});

describe('mergeJob', () => {
  it('takes newer progress', () => {
    expect(mergeJob(job({ status: 'running', progress: 0.2 }), job({ status: 'running', progress: 0.4 })).progress).toBe(0.4);
  });
  it('ignores older progress of the same status', () => {
    const old = job({ status: 'running', progress: 0.6 });
    expect(mergeJob(old, job({ status: 'running', progress: 0.4 }))).toBe(old);
  });
  it('never goes from running back to queued', () => {
    const old = job({ status: 'running', progress: 0.1 });
    expect(mergeJob(old, job({ status: 'queued' }))).toBe(old);
  });
  it('keeps a finished job finished', () => {
    const done = job({ status: 'done', progress: 1, result_id: 5 });
    expect(mergeJob(done, job({ status: 'running', progress: 0.9 }))).toBe(done);
  });
  it('accepts a final state over an active one', () => {
    const f = job({ status: 'failed', error: 'x' });
    expect(mergeJob(job({ status: 'running', progress: 0.9 }), f)).toBe(f);
  });
  it('prefers the final version that has the result id', () => {
    const withResult = job({ status: 'done', result_id: 9 });
    expect(mergeJob(withResult, job({ status: 'done', result_id: null }))).toBe(withResult);
  });
});

describe('jobsReducer', () => {
  it('adds and updates jobs from events', () => {
    let s = jobsReducer(emptyJobs, { type: 'job', job: job({ id: 1 }) });
    s = jobsReducer(s, { type: 'job', job: job({ id: 2, status: 'running', progress: 0.3 }) });
    s = jobsReducer(s, { type: 'job', job: job({ id: 1, status: 'running', progress: 0.1 }) });
    expect(s.byId[1].status).toBe('running');
    expect(sortedJobs(s).map((j) => j.id)).toEqual([2, 1]);
  });
  it('returns the same state when nothing changes', () => {
    const s = jobsReducer(emptyJobs, { type: 'job', job: job({ status: 'done' }) });
    expect(jobsReducer(s, { type: 'job', job: job({ status: 'running' }) })).toBe(s);
    expect(jobsReducer(s, { type: 'snapshot', jobs: [job({ status: 'running' })] })).toBe(s);
  });
  it('merges a stale snapshot without regressing', () => {
    let s = jobsReducer(emptyJobs, { type: 'job', job: job({ id: 3, status: 'done', progress: 1 }) });
    s = jobsReducer(s, { type: 'snapshot', jobs: [job({ id: 3, status: 'running', progress: 0.5 }), job({ id: 4 })] });
    expect(s.byId[3].status).toBe('done');
    expect(s.byId[4].status).toBe('queued');
  });
  it('ignores malformed jobs and removes ids', () => {
    let s = jobsReducer(emptyJobs, { type: 'job', job: {} as Job });
    expect(s).toBe(emptyJobs);
    s = jobsReducer(s, { type: 'snapshot', jobs: [job({ id: 1 }), job({ id: 2 })] });
    s = jobsReducer(s, { type: 'remove', ids: [1] });
    expect(Object.keys(s.byId)).toEqual(['2']);
  });
  it('filters in sortedJobs', () => {
    const s = jobsReducer(emptyJobs, { type: 'snapshot', jobs: [job({ id: 1, type: 'sweep' }), job({ id: 2 })] });
    expect(sortedJobs(s, (j) => j.type === 'sweep').map((j) => j.id)).toEqual([1]);
  });
});

describe('events', () => {
  it('parses job events and rejects others', () => {
    expect(parseJobEvent(JSON.stringify(job({ id: 7 })))?.id).toBe(7);
    expect(parseJobEvent('not json')).toBeNull();
    expect(parseJobEvent('{"id":"x"}')).toBeNull();
  });
  it('detects status changes', () => {
    expect(isStatusChange(undefined, job())).toBe(true);
    expect(isStatusChange(job({ status: 'running', progress: 0.1 }), job({ status: 'running', progress: 0.2 }))).toBe(false);
    expect(isStatusChange(job({ status: 'running' }), job({ status: 'done' }))).toBe(true);
    expect(isStatusChange(job({ status: 'done' }), job({ status: 'done', result_id: 3 }))).toBe(true);
  });
  it('backs off reconnects up to 15 s', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });
});
