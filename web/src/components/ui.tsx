import type { ComponentChildren, JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { describeError } from '../api/client';
import { href } from '../lib/router';
import { humanize, progressPct } from '../lib/format';

export function precisionClass(p: string | null | undefined): string {
  const s = (p ?? '').toUpperCase();
  if (s === 'U8') return 'prec-u8';
  if (s === 'I8' || s.startsWith('INT8')) return 'prec-i8';
  if (s === 'FP32') return 'prec-fp32';
  if (s === 'FP16' || s === 'BF16') return 'prec-fp16';
  return 'prec-other';
}

export function PrecisionPill({ precision, testid = 'precision-pill' }: { precision: string | null | undefined; testid?: string }) {
  if (!precision) return <span class="muted">–</span>;
  return (
    <span class={`pill ${precisionClass(precision)}`} data-testid={testid} data-precision={precision}>
      {precision}
    </span>
  );
}

const STATUS_LABEL: Record<string, string> = { ready: 'Ready', done: 'Done', new: 'New' };

export function StatusPill({ status, testid = 'status-pill' }: { status: string; testid?: string }) {
  return (
    <span class={`pill status status-${status}`} data-testid={testid} data-status={status}>
      {status === 'running' && <span class="spinner" aria-hidden="true" />}
      {STATUS_LABEL[status] ?? humanize(status)}
    </span>
  );
}

export function ProgressBar({ value, label, testid = 'progress-bar', small }: { value: number | null | undefined; label?: string; testid?: string; small?: boolean }) {
  const pct = progressPct(value);
  return (
    <div class={`progress${small ? ' small' : ''}`} data-testid={testid} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} data-value={pct}>
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      <span class="progress-text">{label ? `${label} · ${pct}%` : `${pct}%`}</span>
    </div>
  );
}

export interface ErrorLike {
  message: string;
  hint?: string | null;
  status?: number;
}

export function ErrorBox({ error, title, testid = 'error-box', jobId, onRetry, children }: { error: unknown; title?: string; testid?: string; jobId?: number | null; onRetry?: () => void; children?: ComponentChildren }) {
  if (!error) return null;
  const e: ErrorLike = typeof error === 'object' && error !== null && 'message' in (error as object) && !(error instanceof Error) ? (error as ErrorLike) : describeError(error);
  return (
    <div class="error-box" role="alert" data-testid={testid}>
      <div class="error-title">{title ?? 'Something went wrong'}</div>
      <div class="error-message" data-testid="error-message">{e.message}</div>
      {e.hint ? (
        <div class="error-hint" data-testid="error-hint">
          <strong>What to do:</strong> {e.hint}
        </div>
      ) : null}
      {(jobId != null || onRetry || children) && (
        <div class="error-actions">
          {jobId != null && (
            <a href={href.job(jobId)} data-testid="job-log-link">
              Open the job log
            </a>
          )}
          {onRetry && (
            <button class="btn btn-small" onClick={onRetry}>
              Retry
            </button>
          )}
          {children}
        </div>
      )}
    </div>
  );
}

export function Warning({ children, testid = 'warning' }: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="warning-box" role="note" data-testid={testid}>
      {children}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div class="loading" data-testid="loading">
      <span class="spinner" /> {what}…
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Stat({ label, value, sub, testid, tone }: { label: string; value: ComponentChildren; sub?: ComponentChildren; testid?: string; tone?: 'good' | 'bad' | '' }) {
  return (
    <div class="stat" data-testid={testid}>
      <div class="stat-label">{label}</div>
      <div class={`stat-value ${tone ? 'tone-' + tone : ''}`} data-testid={testid ? testid + '-value' : undefined}>
        {value}
      </div>
      {sub ? <div class="stat-sub">{sub}</div> : null}
    </div>
  );
}

export function Card({ title, children, actions, testid, class: cls }: { title?: ComponentChildren; children: ComponentChildren; actions?: ComponentChildren; testid?: string; class?: string }) {
  return (
    <section class={`card ${cls ?? ''}`} data-testid={testid}>
      {(title || actions) && (
        <header class="card-head">
          {title && <h3>{title}</h3>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      <div class="card-body">{children}</div>
    </section>
  );
}

export function Field({ label, error, help, children, testid, inline }: { label: ComponentChildren; error?: string | null; help?: ComponentChildren; children: ComponentChildren; testid?: string; inline?: boolean }) {
  return (
    <div class={`field${error ? ' has-error' : ''}${inline ? ' inline' : ''}`} data-testid={testid}>
      <label class="field-label">{label}</label>
      <div class="field-control">{children}</div>
      {help && !error ? <div class="field-help">{help}</div> : null}
      {error ? (
        <div class="field-error" role="alert" data-testid={testid ? `${testid}-error` : 'field-error'}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

export function Modal({ title, onClose, children, footer, testid = 'modal', wide }: { title: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren; testid?: string; wide?: boolean }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class={`modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testid}>
        <header class="modal-head">
          <h2>{title}</h2>
          <button class="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div class="modal-body">{children}</div>
        {footer && <footer class="modal-foot">{footer}</footer>}
      </div>
    </div>
  );
}

/** A share bar inside a table cell. */
export function ShareBar({ value, testid }: { value: number | null | undefined; testid?: string }) {
  const pct = typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(1, value)) * 100 : 0;
  return (
    <span class="share" data-testid={testid}>
      <span class="share-bar" style={{ width: `${pct}%` }} />
      <span class="share-text">{pct.toFixed(1)}%</span>
    </span>
  );
}

export function Segmented<T extends string>({ value, options, onChange, testid, name }: { value: T; options: { value: T; label: string; title?: string; disabled?: boolean }[]; onChange: (v: T) => void; testid?: string; name: string }) {
  return (
    <div class="segmented" role="radiogroup" data-testid={testid}>
      {options.map((o) => (
        <label class={`seg${value === o.value ? ' active' : ''}${o.disabled ? ' disabled' : ''}`} title={o.title} data-testid={testid ? `${testid}-${o.value}` : undefined} data-active={value === o.value ? 'true' : 'false'}>
          <input type="radio" name={name} value={o.value} checked={value === o.value} disabled={o.disabled} onChange={() => onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </div>
  );
}

export type InputEvent = JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, Event>;
export const val = (e: InputEvent) => (e.currentTarget as HTMLInputElement).value;
