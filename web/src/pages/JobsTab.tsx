import { useEffect, useState } from 'preact/hooks';
import type { Job, Project } from '../api/types';
import { JobsTable } from '../components/JobsTable';
import { Card } from '../components/ui';
import { jobsOfProject } from '../lib/projects';
import { api, dispatchJobs, useApp } from '../store';

export function JobsTab({ project: p, jobs }: { project: Project; jobs: Job[] }) {
  const links = useApp((s) => s.links);
  const projects = useApp((s) => s.projects);
  const [status, setStatus] = useState('');
  // Fill in this project's older jobs (the global list is capped by the server).
  useEffect(() => {
    api
      .get<Job[]>(`/api/jobs?project_id=${p.id}`)
      .then((js) => dispatchJobs({ type: 'snapshot', jobs: js ?? [] }))
      .catch(() => {});
  }, [p.id]);
  // This project's jobs, and the calibrations that made its INT8 children.
  const kids = Object.values(projects).filter((c) => c.parent_project_id === p.id);
  const own = jobsOfProject(p, jobs, links);
  const ids = new Set(own.map((j) => j.id));
  const childCal = kids.flatMap((c) => jobsOfProject(c, jobs, links).filter((j) => j.type === 'calibration' && !ids.has(j.id)));
  const mine = [...own, ...childCal].sort((a, b) => b.id - a.id).filter((j) => !status || j.status === status);
  return (
    <Card
      title="Jobs"
      testid="jobs-tab"
      actions={
        <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)} data-testid="jobs-status-filter">
          <option value="">All statuses</option>
          {['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      }
    >
      <JobsTable jobs={mine} showProject={childCal.length > 0} empty={status ? `No ${status} jobs.` : 'No jobs for this project yet.'} />
    </Card>
  );
}
