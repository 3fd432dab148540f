// Project tree (INT8 projects under their original) and the live status of each project,
// combining the server's `status` with the newer job states received over SSE.

import type { Id, Job, Project, ProjectStatus } from '../api/types';
import { isActive } from './jobs';

export interface TreeRow {
  project: Project;
  depth: number;
  hasChildren: boolean;
}

/**
 * Orders projects as a tree: top-level projects newest first, each followed by its INT8
 * children (oldest first, as they were made), recursively. A child whose parent is gone is
 * shown at the top level.
 */
export function buildTree(projects: Project[], collapsed: ReadonlySet<Id> = new Set()): TreeRow[] {
  const ids = new Set(projects.map((p) => p.id));
  const kids = new Map<Id, Project[]>();
  const roots: Project[] = [];
  for (const p of projects) {
    const parent = p.parent_project_id;
    if (parent != null && ids.has(parent) && parent !== p.id) {
      const list = kids.get(parent) ?? [];
      list.push(p);
      kids.set(parent, list);
    } else {
      roots.push(p);
    }
  }
  roots.sort((a, b) => b.id - a.id);
  for (const list of kids.values()) list.sort((a, b) => a.id - b.id);
  const out: TreeRow[] = [];
  const seen = new Set<Id>();
  const visit = (p: Project, depth: number) => {
    if (seen.has(p.id)) return; // cycles in bad data
    seen.add(p.id);
    const children = kids.get(p.id) ?? [];
    out.push({ project: p, depth, hasChildren: children.length > 0 });
    if (!collapsed.has(p.id)) for (const c of children) visit(c, depth + 1);
  };
  for (const r of roots) visit(r, 0);
  return out;
}

export function isInt8Project(p: Project): boolean {
  return p.parent_project_id != null || p.model?.origin === 'calibrated';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/**
 * The jobs that belong to a project: its own (project_id), and calibration jobs that made it
 * (which the server may file under the parent project: linked through params or `links`,
 * the job ids the UI got back from POST calibrate).
 */
export function jobsOfProject(p: Project, jobs: Job[], links: ReadonlyMap<Id, Id> = new Map()): Job[] {
  return jobs.filter((j) => {
    if (j.project_id === p.id) {
      // A calibration job filed under the parent that made another project is not "ours".
      if (j.type === 'calibration') {
        const target = links.get(j.id) ?? num(j.params?.int8_project_id);
        if (target !== undefined && target !== p.id) return false;
      }
      return true;
    }
    if (j.type === 'calibration') {
      const target = links.get(j.id) ?? num(j.params?.int8_project_id);
      return target === p.id;
    }
    return false;
  });
}

/** A job status as the project status it implies. */
export function projectStatusOf(j: Job): ProjectStatus {
  return j.status === 'done' ? 'ready' : (j.status as ProjectStatus);
}

export interface LiveStatus {
  status: ProjectStatus;
  job: Job | null;
}

/**
 * The status to show for a project: the newest job we know of when it is newer than what the
 * project object says (compare jobs do not change a project's state on screen), else the
 * server's status. For an INT8 project still waiting for its calibration filed under the
 * parent, the parent's calibration job made closest to the project's creation is used.
 */
export function liveStatus(p: Project, allJobs: Job[], links: ReadonlyMap<Id, Id> = new Map()): LiveStatus {
  let jobs = allJobs;
  const lj = p.latest_job;
  if (lj && typeof lj.id === 'number') {
    const known = allJobs.find((j) => j.id === lj.id);
    if (!known) jobs = [...allJobs, lj];
  }
  const mine = jobsOfProject(p, jobs, links).filter((j) => j.type !== 'compare');
  let newest = mine.reduce<Job | null>((acc, j) => (!acc || j.id > acc.id ? j : acc), null);
  if (!newest && p.parent_project_id != null && (p.status === 'new' || p.status === 'queued' || p.status === 'running')) {
    const created = Date.parse(p.created_at);
    let best: Job | null = null;
    let bestGap = Infinity;
    for (const j of allJobs) {
      if (j.type !== 'calibration' || j.project_id !== p.parent_project_id) continue;
      if (links.has(j.id) && links.get(j.id) !== p.id) continue;
      const gap = Math.abs(Date.parse(j.created_at) - created);
      if (Number.isFinite(gap) && gap < bestGap && gap <= 10000) {
        best = j;
        bestGap = gap;
      }
    }
    newest = best;
  }
  if (!newest) return { status: p.status, job: null };
  return { status: projectStatusOf(newest), job: newest };
}

/** The newest active job of a project of a given type (for progress bars on a tab). */
export function activeJob(p: Project, allJobs: Job[], type: string, links: ReadonlyMap<Id, Id> = new Map()): Job | null {
  const js = jobsOfProject(p, allJobs, links).filter((j) => j.type === type && isActive(j.status));
  return js.reduce<Job | null>((acc, j) => (!acc || j.id > acc.id ? j : acc), null);
}

/** The newest job of a type, any status. */
export function latestJob(p: Project, allJobs: Job[], type: string, links: ReadonlyMap<Id, Id> = new Map()): Job | null {
  const js = jobsOfProject(p, allJobs, links).filter((j) => j.type === type);
  return js.reduce<Job | null>((acc, j) => (!acc || j.id > acc.id ? j : acc), null);
}

export function modelPrecision(p: Project): string {
  return p.model?.info?.precision ?? (isInt8Project(p) ? 'INT8' : '');
}

/** INT8 possible according to `calibra info` (either spelling). */
export function infoInt8(info: { int8?: { possible: boolean; reason: string }; int8_possible?: boolean; int8_reason?: string } | null | undefined): { possible: boolean | null; reason: string } {
  if (!info) return { possible: null, reason: '' };
  if (info.int8 && typeof info.int8.possible === 'boolean') return { possible: info.int8.possible, reason: info.int8.reason ?? '' };
  if (typeof info.int8_possible === 'boolean') return { possible: info.int8_possible, reason: info.int8_reason ?? '' };
  return { possible: null, reason: '' };
}

/** Newest first, projects that have a model (a finished calibration) before those that do not. */
function byComparable(x: Project, y: Project): number {
  const mx = x.model_id != null ? 1 : 0;
  const my = y.model_id != null ? 1 : 0;
  return my - mx || y.id - x.id;
}

/**
 * The default compare pair for a project: (parent, child) for INT8 projects, (p, newest
 * calibrated child) otherwise. Children without a model (calibration running or failed)
 * are only chosen when no child has one.
 */
export function defaultComparePair(p: Project | undefined, all: Project[]): { a?: Id; b?: Id } {
  if (!p) {
    const child = [...all].filter((x) => x.parent_project_id != null).sort(byComparable)[0];
    return child ? { a: child.parent_project_id!, b: child.id } : {};
  }
  if (p.parent_project_id != null) return { a: p.parent_project_id, b: p.id };
  const kids = all.filter((x) => x.parent_project_id === p.id).sort(byComparable);
  return { a: p.id, b: kids[0]?.id };
}

/** Both projects of a pair exist and have a model (what the compare job needs). */
export function canCompare(pair: { a?: Id; b?: Id }, projects: Record<Id, Project>): boolean {
  if (pair.a == null || pair.b == null || pair.a === pair.b) return false;
  return projects[pair.a]?.model_id != null && projects[pair.b]?.model_id != null;
}

type LatestKey = 'baseline' | 'calibration' | 'sweep';
const LATEST_KEYS: LatestKey[] = ['baseline', 'calibration', 'sweep'];

function hasData(r: unknown): boolean {
  return !!r && typeof r === 'object' && 'data' in (r as object) && (r as { data: unknown }).data != null;
}

/**
 * `GET /api/projects` may send summaries in `latest` ({id, created_at, top1, throughput_fps,
 * latency_ms}) where `GET /api/projects/{id}` sends whole results. True when some latest
 * result is only a summary (the page should fetch the project itself).
 */
export function needsDetail(p: Project | undefined): boolean {
  if (!p?.latest) return false;
  return LATEST_KEYS.some((k) => p.latest[k] != null && !hasData(p.latest[k]));
}

/** A key that changes whenever a latest result changes (for effects). */
export function latestKey(p: Project | undefined): string {
  if (!p?.latest) return '';
  return LATEST_KEYS.map((k) => p.latest[k]?.id ?? '-').join('/');
}

/**
 * Merges a project from the list into the one we had: whole results we already hold for the
 * same result ids are kept instead of the list's summaries.
 */
export function mergeProject(old: Project | undefined, next: Project): Project {
  if (!old?.latest || !next.latest) return next;
  let latest = next.latest;
  for (const k of LATEST_KEYS) {
    const n = next.latest[k];
    const o = old.latest[k];
    if (n && !hasData(n) && o && hasData(o) && o.id === n.id) latest = { ...latest, [k]: o };
  }
  return latest === next.latest ? next : { ...next, latest };
}

/** Accuracy and speed of the newest baseline from a whole result or a list summary. */
export function baselineStats(p: Project): { top1: number | null; fps: number | null; latency: number | null; has: boolean } {
  const b = p.latest?.baseline as unknown as Record<string, unknown> | null | undefined;
  if (!b) return { top1: null, fps: null, latency: null, has: false };
  const d = b.data as { accuracy?: { top1?: number | null } | null; speed?: { throughput_fps?: number; latency_ms?: { median?: number } } | null } | undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const lat = b.latency_ms;
  return {
    top1: num(d?.accuracy?.top1) ?? num(b.top1),
    fps: num(d?.speed?.throughput_fps) ?? num(b.throughput_fps),
    latency: num(d?.speed?.latency_ms?.median) ?? num(lat) ?? num((lat as { median?: unknown } | undefined)?.median),
    has: true,
  };
}

/** What the Performance tab says for an INT8 project without a model, by its status. */
export function noModelMessage(status: ProjectStatus): string {
  switch (status) {
    case 'failed':
      return 'The calibration failed, so there is no INT8 model to run: see the error above, then re-run it or configure a new calibration from the original project.';
    case 'cancelled':
    case 'interrupted':
      return `The calibration was ${status} before it made an INT8 model: re-run it from the Jobs tab.`;
    case 'queued':
    case 'running':
      return 'The INT8 model is being calibrated; its inference starts by itself when the calibration ends.';
    default:
      return 'This project has no model yet.';
  }
}
