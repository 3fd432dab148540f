import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Job } from '../api/types';
import { describeError } from '../api/client';
import { fmtElapsed, fmtTime, humanize } from '../lib/format';
import { isActive } from '../lib/jobs';
import { href } from '../lib/router';
import { acceptJob, api, notify, notifyError, useApp } from '../store';
import { ProgressBar, StatusPill } from './ui';

export function CancelButton({ job }: { job: Job }) {
  const [busy, setBusy] = useState(false);
  if (!isActive(job.status)) return null;
  return (
    <button
      class="btn btn-small btn-danger"
      disabled={busy}
      data-testid="job-cancel"
      onClick={async () => {
        setBusy(true);
        try {
          const j = await api.post<Job>(`/api/jobs/${job.id}/cancel`, {});
          acceptJob(j);
          notify('info', `Job ${job.id} cancelled`);
        } catch (e) {
          notifyError(e, 'Could not cancel the job');
        } finally {
          setBusy(false);
        }
      }}
    >
      Cancel
    </button>
  );
}

export function RerunJobButton({ job }: { job: Job }) {
  const [busy, setBusy] = useState(false);
  if (!['failed', 'cancelled', 'interrupted'].includes(job.status)) return null;
  return (
    <button
      class="btn btn-small"
      disabled={busy}
      data-testid="job-rerun"
      onClick={async () => {
        setBusy(true);
        try {
          const j = await api.post<Job>(`/api/jobs/${job.id}/rerun`, {});
          acceptJob(j);
          notify('info', `Job ${job.id} re-run as job ${j.id}`);
        } catch (e) {
          notifyError(e, 'Could not re-run the job');
        } finally {
          setBusy(false);
        }
      }}
    >
      Re-run
    </button>
  );
}

/** The job's log, reloaded every 2 s while the job is active. */
export function LogViewer({ jobId }: { jobId: number }) {
  const job = useApp((s) => s.jobs.byId[jobId]);
  const [text, setText] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const active = job ? isActive(job.status) : false;
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = async () => {
      try {
        const t = await api.get<string>(`/api/jobs/${jobId}/log`, { text: true });
        if (stop) return;
        setText(t ?? '');
        setErr(null);
      } catch (e) {
        if (!stop) setErr(describeError(e).message);
      }
      if (!stop && active) timer = setTimeout(load, 2000);
    };
    void load();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [jobId, active, job?.status]);
  useEffect(() => {
    if (pre.current && stick.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <div class="log-viewer" data-testid="job-log">
      {err && <div class="field-error">Could not load the log: {err}</div>}
      <pre
        ref={pre}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {text === null ? 'Loading…' : text || '(the log is empty)'}
      </pre>
      <div class="log-actions">
        <a href={api.url(`/api/jobs/${jobId}/log`)} target="_blank" rel="noopener">
          Open raw log
        </a>
      </div>
    </div>
  );
}

export function JobsTable({ jobs, showProject, empty }: { jobs: Job[]; showProject?: boolean; empty?: string }) {
  const [open, setOpen] = useState<number | null>(null);
  const projects = useApp((s) => s.projects);
  if (jobs.length === 0) return <p class="muted">{empty ?? 'No jobs.'}</p>;
  const cols = showProject ? 9 : 8;
  return (
    <div class="table-wrap">
      <table class="table jobs-table" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Job</th>
            <th>Type</th>
            {showProject && <th>Project</th>}
            <th>Status</th>
            <th style={{ width: '220px' }}>Progress</th>
            <th>Created</th>
            <th>Duration</th>
            <th>Error</th>
            <th class="align-right" />
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const active = isActive(j.status);
            return (
              <Fragment key={j.id}>
                <tr data-testid="job-row" data-job-id={j.id} data-status={j.status} data-type={j.type}>
                  <td>
                    <a href={href.job(j.id)}>#{j.id}</a>
                  </td>
                  <td>{humanize(j.type)}</td>
                  {showProject && <td>{projects[j.project_id]?.name ?? `project ${j.project_id}`}</td>}
                  <td data-testid="job-status">
                    <StatusPill status={j.status} />
                  </td>
                  <td>
                    {active ? (
                      <ProgressBar small value={j.progress} label={j.stage ? humanize(j.stage) : undefined} testid="job-progress" />
                    ) : j.status === 'done' ? (
                      <span class="muted small">completed</span>
                    ) : (
                      <span class="muted small">{j.stage ? `stopped at ${j.stage}` : ''}</span>
                    )}
                  </td>
                  <td class="muted nowrap">{fmtTime(j.created_at)}</td>
                  <td class="nowrap">{j.started_at ? fmtElapsed(j.started_at, j.finished_at) : <span class="muted">{j.status === 'queued' ? 'waiting' : '–'}</span>}</td>
                  <td class="job-error-cell">
                    {j.error && (
                      <div data-testid="job-error">
                        <div class="bad">{j.error}</div>
                        {j.hint && <div class="hint">{j.hint}</div>}
                      </div>
                    )}
                  </td>
                  <td class="align-right nowrap">
                    {j.type === 'compare' && j.status === 'done' && (
                      <a class="btn btn-small btn-ghost" href={href.compare(j.project_id, (j.params?.project_b as number) ?? undefined)}>
                        View
                      </a>
                    )}
                    <button class="btn btn-small btn-ghost" onClick={() => setOpen(open === j.id ? null : j.id)} data-testid="job-log-toggle" aria-expanded={open === j.id}>
                      {open === j.id ? 'Hide log' : 'Log'}
                    </button>
                    <CancelButton job={j} />
                    <RerunJobButton job={j} />
                  </td>
                </tr>
                {open === j.id && (
                  <tr class="log-row">
                    <td colSpan={cols}>
                      <LogViewer jobId={j.id} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
