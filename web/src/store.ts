// Application state shared by every page: projects, models, datasets, jobs (kept live by one
// EventSource on /api/events), the machine description, and notifications.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiClient, describeError } from './api/client';
import type { BuiltinDataset, Dataset, Id, Job, Model, Project, SystemInfo, Health } from './api/types';
import { emptyJobs, isStatusChange, jobsReducer, parseJobEvent, reconnectDelay, type JobsAction, type JobsState } from './lib/jobs';
import { getToken } from './lib/token';
import { mergeProject } from './lib/projects';

export type ConnState = 'connecting' | 'open' | 'reconnecting';

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'warning' | 'error';
  message: string;
  hint?: string;
}

export interface AppState {
  projects: Record<Id, Project>;
  projectsLoaded: boolean;
  projectsError: { message: string; hint: string; status: number } | null;
  models: Model[] | null;
  datasets: Dataset[] | null;
  jobs: JobsState;
  jobsLoaded: boolean;
  system: SystemInfo | null;
  health: Health | null;
  conn: ConnState;
  /** calibration job id -> the INT8 project it makes (from POST calibrate responses). */
  links: ReadonlyMap<Id, Id>;
  toasts: Toast[];
}

export const api = new ApiClient({ getToken });

let state: AppState = {
  projects: {},
  projectsLoaded: false,
  projectsError: null,
  models: null,
  datasets: null,
  jobs: emptyJobs,
  jobsLoaded: false,
  system: null,
  health: null,
  conn: 'connecting',
  links: loadLinks(),
  toasts: [],
};

const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
  const p = typeof patch === 'function' ? patch(state) : patch;
  state = { ...state, ...p };
  for (const l of [...listeners]) l();
}

export function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Re-renders when the selected value changes (compared with Object.is). */
export function useApp<T>(select: (s: AppState) => T): T {
  const [, force] = useState(0);
  const selRef = useRef(select);
  selRef.current = select;
  const valRef = useRef<T>(select(state));
  valRef.current = select(state);
  useEffect(() => {
    const check = () => {
      const next = selRef.current(state);
      if (!Object.is(next, valRef.current)) {
        valRef.current = next;
        force((n) => n + 1);
      }
    };
    const un = subscribe(check);
    check();
    return () => {
      un();
    };
  }, []);
  return valRef.current;
}

// ---- links between calibration jobs and the INT8 projects they make ----

function loadLinks(): Map<Id, Id> {
  try {
    const raw = sessionStorage.getItem('calibra.links');
    if (raw) return new Map(JSON.parse(raw) as [Id, Id][]);
  } catch {
    /* ignore */
  }
  return new Map();
}

export function linkJob(jobId: Id, projectId: Id): void {
  const m = new Map(state.links);
  m.set(jobId, projectId);
  setState({ links: m });
  try {
    sessionStorage.setItem('calibra.links', JSON.stringify([...m].slice(-200)));
  } catch {
    /* ignore */
  }
}

// ---- notifications ----

let toastSeq = 0;
export function notify(kind: Toast['kind'], message: string, hint?: string, ms = kind === 'error' ? 12000 : kind === 'warning' ? 8000 : 4000): void {
  const t: Toast = { id: ++toastSeq, kind, message, hint };
  // At most three at a time: a quick sequence of steps must not cover the page.
  setState((s) => ({ toasts: [...s.toasts, t].slice(-3) }));
  setTimeout(() => dismissToast(t.id), ms);
}
export function notifyError(e: unknown, prefix = ''): void {
  const d = describeError(e);
  notify('error', prefix ? `${prefix}: ${d.message}` : d.message, d.hint);
}
export function dismissToast(id: number): void {
  setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

// ---- loading ----

export function dispatchJobs(action: JobsAction): void {
  const next = jobsReducer(state.jobs, action);
  if (next !== state.jobs) setState({ jobs: next });
}

export async function refreshProjects(): Promise<void> {
  try {
    const list = await api.get<Project[]>('/api/projects');
    const projects: Record<Id, Project> = {};
    for (const p of list ?? []) projects[p.id] = mergeProject(state.projects[p.id], p);
    setState({ projects, projectsLoaded: true, projectsError: null });
  } catch (e) {
    setState({ projectsLoaded: true, projectsError: describeError(e) });
  }
}

export async function refreshProject(id: Id): Promise<Project> {
  const p = await api.get<Project>(`/api/projects/${id}`);
  setState((s) => ({ projects: { ...s.projects, [p.id]: p } }));
  return p;
}

export function putProject(p: Project): void {
  setState((s) => ({ projects: { ...s.projects, [p.id]: p } }));
}

export function dropProject(id: Id): void {
  setState((s) => {
    const projects = { ...s.projects };
    delete projects[id];
    return { projects };
  });
}

export async function refreshJobs(): Promise<void> {
  try {
    const jobs = await api.get<Job[]>('/api/jobs');
    dispatchJobs({ type: 'snapshot', jobs: jobs ?? [] });
    setState({ jobsLoaded: true });
  } catch {
    setState({ jobsLoaded: true });
  }
}

export async function refreshModels(): Promise<Model[]> {
  const models = await api.get<Model[]>('/api/models');
  setState({ models: models ?? [] });
  return models ?? [];
}

export async function refreshDatasets(): Promise<Dataset[]> {
  const datasets = await api.get<Dataset[]>('/api/datasets');
  setState({ datasets: datasets ?? [] });
  return datasets ?? [];
}

export const FALLBACK_BUILTINS: BuiltinDataset[] = [
  { spec: 'fashion-mnist:test', description: 'Fashion-MNIST test set: 10000 images 28x28 gray (IDX), 10 classes', available: true },
  { spec: 'fashion-mnist:train', description: 'Fashion-MNIST train set: 60000 images 28x28 gray (IDX), 10 classes', available: true },
];

/** The built-in dataset specs (GET /api/datasets/builtin when the server has it). */
export async function loadBuiltins(): Promise<BuiltinDataset[]> {
  try {
    const list = await api.get<BuiltinDataset[]>('/api/datasets/builtin');
    if (Array.isArray(list) && list.every((b) => b && typeof b.spec === 'string')) return list;
  } catch {
    /* older or other servers: the documented specs */
  }
  return FALLBACK_BUILTINS;
}

export async function loadSystem(): Promise<void> {
  try {
    const [system, health] = await Promise.all([api.get<SystemInfo>('/api/system'), api.get<Health>('/api/health')]);
    setState({ system, health });
  } catch {
    /* shown as missing machine facts; the pages report their own errors */
  }
}

// Debounced reload of projects after job status changes (several events arrive together).
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
const refreshHooks = new Set<(j: Job) => void>();
let pendingJobs: Job[] = [];

/** Pages register to hear about finished/started jobs (e.g. to reload results). */
export function onJobChange(fn: (j: Job) => void): () => void {
  refreshHooks.add(fn);
  return () => refreshHooks.delete(fn);
}

function scheduleRefresh(j: Job): void {
  pendingJobs.push(j);
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    const jobs = pendingJobs;
    pendingJobs = [];
    void refreshProjects();
    if (jobs.some((x) => x.type === 'calibration' && x.status === 'done')) void refreshModels().catch(() => {});
    for (const x of jobs) for (const h of [...refreshHooks]) h(x);
  }, 250);
}

// ---- the event stream ----

let es: EventSource | null = null;
let attempt = 0;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

function handleJob(j: Job): void {
  const old = state.jobs.byId[j.id];
  dispatchJobs({ type: 'job', job: j });
  const kept = state.jobs.byId[j.id];
  if (kept === j && isStatusChange(old, j)) scheduleRefresh(j);
}

export function startEvents(): void {
  if (typeof EventSource === 'undefined') return;
  if (retryTimer) {
    clearTimeout(retryTimer);
    retryTimer = null;
  }
  es?.close();
  setState({ conn: attempt === 0 ? 'connecting' : 'reconnecting' });
  const src = new EventSource(api.url('/api/events'));
  es = src;
  src.onopen = () => {
    attempt = 0;
    setState({ conn: 'open' });
    // Catch up with what happened while we were not listening.
    void refreshJobs();
    void refreshProjects();
  };
  const onData = (ev: MessageEvent) => {
    const j = parseJobEvent(ev.data);
    if (j) handleJob(j);
  };
  src.addEventListener('job', onData as EventListener);
  src.onmessage = onData;
  src.onerror = () => {
    if (es !== src) return;
    src.close();
    es = null;
    setState({ conn: 'reconnecting' });
    const delay = reconnectDelay(attempt++);
    retryTimer = setTimeout(startEvents, delay);
  };
}

export function stopEvents(): void {
  es?.close();
  es = null;
  if (retryTimer) clearTimeout(retryTimer);
}

/** Applies a job the UI just got from a POST (before its event arrives). */
export function acceptJob(j: Job | null | undefined): void {
  if (j && typeof j.id === 'number') handleJob(j);
}
