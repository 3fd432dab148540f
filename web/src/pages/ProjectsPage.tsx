import { useMemo, useState } from 'preact/hooks';
import type { Id, Project } from '../api/types';
import { ErrorBox, Loading, PrecisionPill, ProgressBar, StatusPill, Empty } from '../components/ui';
import { fmtFps, fmtMs, fmtPct, humanize } from '../lib/format';
import { sortedJobs } from '../lib/jobs';
import { baselineStats, buildTree, isInt8Project, liveStatus, modelPrecision } from '../lib/projects';
import { href, navigate } from '../lib/router';
import { api, dropProject, notify, notifyError, refreshProjects, useApp } from '../store';

export function ProjectsPage({ highlight }: { highlight?: number }) {
  const projects = useApp((s) => s.projects);
  const loaded = useApp((s) => s.projectsLoaded);
  const error = useApp((s) => s.projectsError);
  const jobsState = useApp((s) => s.jobs);
  const links = useApp((s) => s.links);
  const [collapsed, setCollapsed] = useState<Set<Id>>(new Set());
  const list = useMemo(() => Object.values(projects), [projects]);
  const rows = useMemo(() => buildTree(list, collapsed), [list, collapsed]);
  const jobs = useMemo(() => sortedJobs(jobsState), [jobsState]);

  const toggle = (id: Id) => {
    const n = new Set(collapsed);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    setCollapsed(n);
  };

  const remove = async (p: Project) => {
    const kids = list.filter((x) => x.parent_project_id === p.id).length;
    const msg = `Delete project "${p.name}" and its results?` + (kids ? ` Its ${kids} INT8 project(s) stay, as top-level projects.` : '');
    if (!confirm(msg)) return;
    try {
      await api.del(`/api/projects/${p.id}`);
      dropProject(p.id);
      notify('success', `Deleted project "${p.name}"`);
      void refreshProjects();
    } catch (e) {
      notifyError(e, 'Could not delete the project');
    }
  };

  return (
    <div class="page" data-testid="projects-page">
      <div class="page-head">
        <div>
          <h1>Projects</h1>
          <p class="muted">A project is a model with a dataset. INT8 projects made by calibration sit under the project they came from.</p>
        </div>
        <div class="page-actions">
          <a class="btn btn-primary" href={href.create()} data-testid="create-project">
            + Create project
          </a>
        </div>
      </div>

      {error && <ErrorBox error={error} title="Could not load the projects" onRetry={() => void refreshProjects()} />}
      {!loaded ? (
        <Loading what="Loading projects" />
      ) : rows.length === 0 && !error ? (
        <Empty>
          <p>No projects yet.</p>
          <p>
            <a class="btn btn-primary" href={href.create()}>
              Create your first project
            </a>
          </p>
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="table projects-table" data-testid="projects-table">
            <thead>
              <tr>
                <th>Project</th>
                <th>Model</th>
                <th>Dataset</th>
                <th>Precision</th>
                <th style={{ width: '200px' }}>Status</th>
                <th class="align-right">Accuracy</th>
                <th class="align-right">Throughput</th>
                <th class="align-right">Latency</th>
                <th class="align-right" />
              </tr>
            </thead>
            <tbody>
              {rows.map(({ project: p, depth, hasChildren }) => {
                const live = liveStatus(p, jobs, links);
                const base = baselineStats(p);
                const top1 = base.top1;
                const int8 = isInt8Project(p);
                const active = live.status === 'running' || live.status === 'queued';
                return (
                  <tr
                    key={p.id}
                    class={`project-row depth-${depth}${highlight === p.id ? ' highlight' : ''}`}
                    data-testid="project-row"
                    data-project-id={p.id}
                    data-parent-id={p.parent_project_id ?? ''}
                    data-int8={int8 ? 'true' : 'false'}
                    onClick={(e) => {
                      if ((e.target as HTMLElement).closest('a,button')) return;
                      navigate(href.project(p.id));
                    }}
                  >
                    <td>
                      <div class="tree-cell" style={{ paddingLeft: `${depth * 22}px` }}>
                        {hasChildren ? (
                          <button class="tree-toggle" aria-label={collapsed.has(p.id) ? 'Expand' : 'Collapse'} onClick={() => toggle(p.id)} data-testid="tree-toggle">
                            {collapsed.has(p.id) ? '▸' : '▾'}
                          </button>
                        ) : depth > 0 ? (
                          <span class="tree-branch">└</span>
                        ) : (
                          <span class="tree-spacer" />
                        )}
                        <a href={href.project(p.id)} class="project-name" data-testid="project-link">
                          {p.name}
                        </a>
                      </div>
                    </td>
                    <td class="ellipsis" title={p.model?.path}>
                      {p.model?.name ?? <span class="muted">{int8 && active ? 'being calibrated' : int8 ? 'no model' : '–'}</span>}
                    </td>
                    <td class="ellipsis" title={p.dataset?.description}>
                      {p.dataset?.name ?? '–'}
                    </td>
                    <td>
                      <PrecisionPill precision={modelPrecision(p)} />
                    </td>
                    <td data-testid="status-cell" data-status={live.status}>
                      <div class="status-cell">
                        <StatusPill status={live.status} />
                        {active && live.job && <ProgressBar small value={live.job.progress} label={live.job.stage ? humanize(live.job.stage) : humanize(live.job.type)} />}
                        {live.status === 'failed' && live.job?.error && (
                          <a class="error-inline" href={href.job(live.job.id)} title={live.job.error + (live.job.hint ? '\n' + live.job.hint : '')} data-testid="row-error">
                            {live.job.error}
                          </a>
                        )}
                      </div>
                    </td>
                    <td class="align-right num" data-testid="accuracy-cell">
                      {top1 != null ? fmtPct(top1) : <span class="muted">{base.has && p.dataset?.annotated === false ? 'n/a' : '–'}</span>}
                    </td>
                    <td class="align-right num nowrap" data-testid="throughput-cell">
                      {base.fps != null ? `${fmtFps(base.fps)}/s` : '–'}
                    </td>
                    <td class="align-right num nowrap">{base.latency != null ? `${fmtMs(base.latency)} ms` : '–'}</td>
                    <td class="align-right nowrap">
                      {int8 && p.parent_project_id != null && p.model_id != null && (
                        <a class="btn btn-small btn-ghost" href={href.compare(p.parent_project_id, p.id)} data-testid="row-compare">
                          Compare
                        </a>
                      )}
                      <button class="btn btn-small btn-ghost btn-danger-text" title="Delete project" onClick={() => void remove(p)} data-testid="row-delete">
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
