import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Job, Project } from '../api/types';
import { LogViewer, RerunJobButton as RerunButton } from '../components/JobsTable';
import { ErrorBox, Loading, PrecisionPill, ProgressBar, StatusPill } from '../components/ui';
import { fmtBytes, fmtNumber, humanize } from '../lib/format';
import { sortedJobs } from '../lib/jobs';
import { canCompare, defaultComparePair, isInt8Project, latestKey, liveStatus, modelPrecision, needsDetail } from '../lib/projects';
import { href, type Tab } from '../lib/router';
import { acceptJob, api, notify, notifyError, refreshProject, useApp } from '../store';
import { PerformanceTab } from './PerformanceTab';
import { OptimizeTab } from './OptimizeTab';
import { InferenceTab } from './InferenceTab';
import { JobsTab } from './JobsTab';

/** Loads a project into the store (and again when asked); the store keeps it fresh after job events. */
export function useProject(id: number): { project: Project | undefined; error: unknown; reload: () => void } {
  const project = useApp((s) => s.projects[id]);
  const [error, setError] = useState<unknown>(null);
  const reload = () => {
    setError(null);
    refreshProject(id).catch(setError);
  };
  useEffect(reload, [id]);
  // The list endpoint may carry only summaries of the latest results: fetch the whole project
  // whenever a newer result shows up.
  const key = latestKey(project);
  useEffect(() => {
    if (project && needsDetail(project)) refreshProject(id).catch(() => {});
  }, [id, key]);
  return { project, error: project ? null : error, reload };
}

export async function runInference(p: Project): Promise<Job | null> {
  try {
    const job = await api.post<Job>(`/api/projects/${p.id}/inference`, {});
    acceptJob(job);
    notify('info', `Inference of "${p.name}" queued (job ${job.id})`);
    return job;
  } catch (e) {
    notifyError(e, 'Could not start the inference');
    return null;
  }
}

const TAB_LABEL: Record<Tab, string> = { performance: 'Performance', optimize: 'Optimize', inference: 'Inference settings', jobs: 'Jobs' };

export function ProjectPage({ id, tab }: { id: number; tab: Tab }) {
  const { project: p, error, reload } = useProject(id);
  const projects = useApp((s) => s.projects);
  const jobsState = useApp((s) => s.jobs);
  const links = useApp((s) => s.links);
  const jobs = useMemo(() => sortedJobs(jobsState), [jobsState]);

  if (error) return <ErrorBox error={error} title={`Could not load project ${id}`} onRetry={reload} />;
  if (!p) return <Loading what="Loading the project" />;

  const live = liveStatus(p, jobs, links);
  const parent = p.parent_project_id != null ? projects[p.parent_project_id] : undefined;
  const int8 = isInt8Project(p);
  const pair = defaultComparePair(p, Object.values(projects));
  const active = live.status === 'running' || live.status === 'queued';

  return (
    <div class="page" data-testid="project-page" data-project-id={p.id}>
      <div class="page-head">
        <div class="grow">
          <div class="crumbs">
            <a href={href.projects()}>Projects</a>
            {parent && (
              <>
                {' / '}
                <a href={href.project(parent.id)} data-testid="parent-link">
                  {parent.name}
                </a>
              </>
            )}
            {' / '}
            {p.name}
          </div>
          <h1 class="title-row">
            <span data-testid="project-title">{p.name}</span>
            <PrecisionPill precision={modelPrecision(p)} testid="project-precision" />
            {int8 && <span class="tag">INT8 project</span>}
          </h1>
          <div class="meta-row">
            <span title={p.model?.path}>
              Model <strong>{p.model?.name ?? '–'}</strong> {p.model ? `(${fmtBytes(p.model.bytes)})` : ''}
            </span>
            <span title={p.dataset?.description}>
              Dataset <strong>{p.dataset?.name ?? '–'}</strong> {p.dataset ? `(${p.dataset.origin === 'generated' ? 'random inputs' : `${fmtNumber(p.dataset.samples)} samples`}${p.dataset.annotated ? '' : ', no labels'})` : ''}
            </span>
            <span class="status-inline" data-testid="project-status" data-status={live.status} title={live.job ? `latest job: ${live.job.type} #${live.job.id} ${live.job.status}${live.job.error ? ': ' + live.job.error : ''}` : undefined}>
              <StatusPill status={live.status} />
              {active && live.job && <ProgressBar small value={live.job.progress} label={humanize(live.job.stage || live.job.type)} testid="project-progress" />}
            </span>
          </div>
        </div>
        <div class="page-actions">
          {p.model_id != null && (
            <button class="btn" onClick={() => void runInference(p)} data-testid="run-inference">
              Run inference
            </button>
          )}
          {canCompare(pair, projects) && (
            <a class="btn" href={href.compare(pair.a, pair.b)} data-testid="compare-link">
              Compare
            </a>
          )}
        </div>
      </div>

      {live.status === 'failed' && live.job && live.job.type !== 'sweep' && (
        <ErrorBox error={{ message: live.job.error ?? 'The job failed', hint: live.job.hint }} title={`${humanize(live.job.type)} job ${live.job.id} failed`} jobId={live.job.id} testid="project-error">
          <RerunButton job={live.job} />
          <details class="error-log" data-testid="project-error-log">
            <summary>Job log</summary>
            <LogViewer jobId={live.job.id} />
          </details>
        </ErrorBox>
      )}

      <nav class="tabs" role="tablist">
        {(Object.keys(TAB_LABEL) as Tab[]).map((t) => (
          <a role="tab" aria-selected={t === tab} class={`tab${t === tab ? ' active' : ''}`} href={href.project(p.id, t)} data-testid={`tab-${t}`}>
            {TAB_LABEL[t]}
          </a>
        ))}
      </nav>

      <div class="tab-body">
        {tab === 'performance' && <PerformanceTab project={p} jobs={jobs} />}
        {tab === 'optimize' && <OptimizeTab project={p} jobs={jobs} />}
        {tab === 'inference' && <InferenceTab project={p} jobs={jobs} />}
        {tab === 'jobs' && <JobsTab project={p} jobs={jobs} />}
      </div>
    </div>
  );
}


export { RerunButton };
