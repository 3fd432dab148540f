import { useState } from 'preact/hooks';
import type { Job, Project } from '../api/types';
import { AccuracyDialog } from '../components/AccuracyDialog';
import { Card, PrecisionPill, ProgressBar, StatusPill } from '../components/ui';
import { fmtFps, fmtMs, fmtPct, fmtRatio, humanize } from '../lib/format';
import { baselineStats, isInt8Project, liveStatus, modelPrecision } from '../lib/projects';
import { href, navigate } from '../lib/router';
import { usageSummary } from '../lib/usage';
import { useApp } from '../store';

/** The INT8 button; greyed out with the reason in a tooltip (and visible) when unavailable. */
export function Int8Button({ project: p }: { project: Project }) {
  const available = !!p.int8?.available;
  const reason = p.int8?.reason || (available ? '' : 'INT8 calibration is not available for this project');
  if (available) {
    return (
      <button class="btn btn-primary" onClick={() => navigate(href.calibrate(p.id))} data-testid="int8-button" data-available="true">
        Configure INT8 calibration
      </button>
    );
  }
  return (
    <div class="int8-disabled">
      <span class="tooltip-wrap" data-tooltip={reason} tabIndex={0} aria-describedby="int8-reason" data-testid="int8-tooltip">
        <button class="btn btn-primary" disabled aria-disabled="true" title={reason} data-testid="int8-button" data-available="false">
          Configure INT8 calibration
        </button>
      </span>
      <div id="int8-reason" class="disabled-reason" data-testid="int8-disabled-reason">
        {reason}
      </div>
    </div>
  );
}

export function OptimizeTab({ project: p, jobs }: { project: Project; jobs: Job[] }) {
  const projects = useApp((s) => s.projects);
  const links = useApp((s) => s.links);
  const [showUsage, setShowUsage] = useState(false);
  const children = Object.values(projects)
    .filter((c) => c.parent_project_id === p.id)
    .sort((a, b) => b.id - a.id);
  const own = baselineStats(p);
  const baseFps = own.fps;
  const baseTop1 = own.top1;

  return (
    <div class="stack" data-testid="optimize-tab">
      <div class="optimize-grid">
        <Card title="INT8 calibration" testid="int8-card" class={p.int8?.available ? '' : 'card-disabled'}>
          <div class="int8-card-body">
            <div class="int8-icon" aria-hidden="true">
              INT8
            </div>
            <div>
              <p>
                Quantize the FP32 model to INT8: activation ranges are measured on a calibration subset, weights are quantized per channel, and layers that would
                lose speed or too much accuracy stay in FP32. The result is a new INT8 project under this one, with its own inference results.
              </p>
              <Int8Button project={p} />
            </div>
          </div>
        </Card>
        <Card title="Accuracy configuration" testid="usage-card" actions={<button class="btn btn-small" onClick={() => setShowUsage(true)} data-testid="configure-accuracy">Configure accuracy</button>}>
          <p class="muted small">How images become model inputs and how outputs are scored. Used by inference, calibration and compare.</p>
          <p class="usage-summary" data-testid="usage-summary">
            {usageSummary(p.usage)}
          </p>
          {isInt8Project(p) && <p class="muted small">An INT8 project normally keeps the usage of the project it came from.</p>}
        </Card>
      </div>

      {!isInt8Project(p) && (
        <Card title={`INT8 versions (${children.length})`} testid="int8-children">
          {children.length === 0 ? (
            <p class="muted">No INT8 version yet.</p>
          ) : (
            <table class="table dense">
              <thead>
                <tr>
                  <th>Project</th>
                  <th>Precision</th>
                  <th>Status</th>
                  <th class="align-right">Top-1</th>
                  <th class="align-right">Throughput</th>
                  <th class="align-right">Speed-up</th>
                  <th class="align-right">Latency</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {children.map((c) => {
                  const live = liveStatus(c, jobs, links);
                  const st = baselineStats(c);
                  const fps = st.fps;
                  const top1 = st.top1;
                  return (
                    <tr data-testid="int8-child-row" data-project-id={c.id}>
                      <td>
                        <a href={href.project(c.id)}>{c.name}</a>
                      </td>
                      <td>
                        <PrecisionPill precision={modelPrecision(c)} />
                      </td>
                      <td>
                        <div class="status-cell">
                          <StatusPill status={live.status} />
                          {live.job && (live.status === 'running' || live.status === 'queued') && <ProgressBar small value={live.job.progress} label={humanize(live.job.stage || live.job.type)} />}
                        </div>
                      </td>
                      <td class="align-right num">
                        {fmtPct(top1)}
                        {top1 != null && baseTop1 != null && <span class={`delta ${top1 < baseTop1 ? 'bad' : 'good'}`}> {((top1 - baseTop1) * 100).toFixed(2)} pt</span>}
                      </td>
                      <td class="align-right num">{fps != null ? `${fmtFps(fps)}/s` : '–'}</td>
                      <td class="align-right num">{fps != null && baseFps ? fmtRatio(fps / baseFps) : '–'}</td>
                      <td class="align-right num">{st.latency != null ? `${fmtMs(st.latency)} ms` : '–'}</td>
                      <td class="align-right">
                        {c.model_id != null && (
                          <a class="btn btn-small btn-ghost" href={href.compare(p.id, c.id)} data-testid="int8-child-compare">
                            Compare
                          </a>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Card>
      )}
      {showUsage && <AccuracyDialog project={p} onClose={() => setShowUsage(false)} />}
    </div>
  );
}
