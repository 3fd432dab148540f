import { useEffect, useState } from 'preact/hooks';
import type { Job } from '../api/types';
import { CancelButton, LogViewer, RerunJobButton } from '../components/JobsTable';
import { Card, ErrorBox, Loading, ProgressBar, StatusPill } from '../components/ui';
import { fmtElapsed, fmtTime, humanize } from '../lib/format';
import { isActive } from '../lib/jobs';
import { href } from '../lib/router';
import { api, dispatchJobs, useApp } from '../store';

export function JobPage({ id }: { id: number }) {
  const job = useApp((s) => s.jobs.byId[id]);
  const project = useApp((s) => (job ? s.projects[job.project_id] : undefined));
  const [err, setErr] = useState<unknown>(null);
  const load = () => {
    setErr(null);
    api
      .get<Job>(`/api/jobs/${id}`)
      .then((j) => dispatchJobs({ type: 'job', job: j }))
      .catch(setErr);
  };
  useEffect(load, [id]);
  if (err && !job) return <ErrorBox error={err} title={`Could not load job ${id}`} onRetry={load} />;
  if (!job) return <Loading what="Loading the job" />;
  const pb = job.params?.project_b as number | undefined;
  return (
    <div class="page" data-testid="job-page" data-job-id={job.id}>
      <div class="page-head">
        <div>
          <div class="crumbs">
            <a href={href.projects()}>Projects</a>
            {project && (
              <>
                {' / '}
                <a href={href.project(project.id, 'jobs')}>{project.name}</a>
              </>
            )}
            {' / '}job {job.id}
          </div>
          <h1 class="title-row">
            {humanize(job.type)} job {job.id} <StatusPill status={job.status} />
          </h1>
        </div>
        <div class="page-actions">
          <CancelButton job={job} />
          <RerunJobButton job={job} />
          {job.type === 'compare' && job.status === 'done' && (
            <a class="btn btn-primary" href={href.compare(job.project_id, pb)}>
              View comparison
            </a>
          )}
        </div>
      </div>
      {job.status === 'failed' && <ErrorBox error={{ message: job.error ?? 'The job failed', hint: job.hint }} title="The job failed" testid="job-failure" />}
      <Card title="Details">
        <dl class="kv">
          <dt>Progress</dt>
          <dd>{isActive(job.status) ? <ProgressBar value={job.progress} label={humanize(job.stage || job.status)} /> : `${Math.round((job.progress ?? 0) * 100)}%${job.stage ? ` (stage: ${job.stage})` : ''}`}</dd>
          <dt>Created</dt>
          <dd>{fmtTime(job.created_at)}</dd>
          <dt>Started</dt>
          <dd>{fmtTime(job.started_at)}</dd>
          <dt>Finished</dt>
          <dd>{fmtTime(job.finished_at)}</dd>
          <dt>Duration</dt>
          <dd>{fmtElapsed(job.started_at, job.finished_at)}</dd>
          <dt>Parameters</dt>
          <dd>
            <code class="params">{JSON.stringify(job.params)}</code>
          </dd>
          {job.result_id != null && (
            <>
              <dt>Result</dt>
              <dd>#{job.result_id}</dd>
            </>
          )}
        </dl>
      </Card>
      <Card title="Log">
        <LogViewer jobId={job.id} />
      </Card>
    </div>
  );
}
