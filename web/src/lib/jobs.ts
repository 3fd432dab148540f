// Job state kept from REST snapshots and Server-Sent Events. Events and snapshots can arrive
// out of order (a REST list fetched before an event was applied, a reconnect replaying state),
// so merging never moves a job backwards: a finished job stays finished, running never
// returns to queued, and progress of a running job only grows.

import type { Id, Job, JobStatus } from '../api/types';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'cancelled', 'interrupted']);
export const ACTIVE: ReadonlySet<JobStatus> = new Set(['queued', 'running']);

export function isTerminal(s: string): boolean {
  return TERMINAL.has(s as JobStatus);
}
export function isActive(s: string): boolean {
  return ACTIVE.has(s as JobStatus);
}

const RANK: Record<string, number> = { queued: 0, running: 1 };

/** Which of two versions of the same job to keep (the result may combine both). */
export function mergeJob(old: Job | undefined, incoming: Job): Job {
  if (!old) return incoming;
  const oldT = isTerminal(old.status);
  const newT = isTerminal(incoming.status);
  if (oldT && !newT) return old; // a stale progress event after the end
  if (oldT && newT) {
    // Both final: prefer the one that knows more (a result id, a finish time).
    if (old.status === incoming.status && old.result_id != null && incoming.result_id == null) return old;
    return incoming;
  }
  if (!oldT && newT) return incoming;
  // Both active.
  const ro = RANK[old.status] ?? 0;
  const rn = RANK[incoming.status] ?? 0;
  if (rn < ro) return old;
  if (rn === ro && (incoming.progress ?? 0) < (old.progress ?? 0)) return old;
  return incoming;
}

export interface JobsState {
  byId: Record<Id, Job>;
}

export type JobsAction =
  | { type: 'snapshot'; jobs: Job[] }
  | { type: 'job'; job: Job }
  | { type: 'remove'; ids: Id[] };

export const emptyJobs: JobsState = { byId: {} };

export function jobsReducer(state: JobsState, action: JobsAction): JobsState {
  switch (action.type) {
    case 'job': {
      const j = action.job;
      if (!j || typeof j.id !== 'number') return state;
      const kept = mergeJob(state.byId[j.id], j);
      if (kept === state.byId[j.id]) return state;
      return { byId: { ...state.byId, [j.id]: kept } };
    }
    case 'snapshot': {
      let changed = false;
      const byId = { ...state.byId };
      for (const j of action.jobs) {
        if (!j || typeof j.id !== 'number') continue;
        const kept = mergeJob(byId[j.id], j);
        if (kept !== byId[j.id]) {
          byId[j.id] = kept;
          changed = true;
        }
      }
      return changed ? { byId } : state;
    }
    case 'remove': {
      const byId = { ...state.byId };
      for (const id of action.ids) delete byId[id];
      return { byId };
    }
    default:
      return state;
  }
}

/** Jobs newest first (by id: the server assigns ids in creation order). */
export function sortedJobs(state: JobsState, filter?: (j: Job) => boolean): Job[] {
  const all = Object.values(state.byId);
  return (filter ? all.filter(filter) : all).sort((a, b) => b.id - a.id);
}

/** Did a job event change something other pages must reload for (status or result)? */
export function isStatusChange(old: Job | undefined, now: Job): boolean {
  return !old || old.status !== now.status || old.result_id !== now.result_id;
}

/** Parses one SSE "job" event's data; null when it is not a job object. */
export function parseJobEvent(data: string): Job | null {
  try {
    const j = JSON.parse(data);
    if (j && typeof j === 'object' && typeof j.id === 'number' && typeof j.status === 'string') return j as Job;
  } catch {
    /* ignore malformed events */
  }
  return null;
}

/** Reconnect delay after `attempt` consecutive failures: 1 s, 2 s, 4 s, ... capped at 15 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(15000, 1000 * 2 ** Math.max(0, Math.min(attempt, 10)));
}
