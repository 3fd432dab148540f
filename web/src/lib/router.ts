// Hash routes (#/projects/1), so any static file server can serve the built app.

export type Tab = 'performance' | 'optimize' | 'inference' | 'jobs';
export const TABS: Tab[] = ['performance', 'optimize', 'inference', 'jobs'];

export type Route =
  | { name: 'projects'; highlight?: number }
  | { name: 'create' }
  | { name: 'project'; id: number; tab: Tab }
  | { name: 'calibrate'; id: number }
  | { name: 'compare'; a?: number; b?: number }
  | { name: 'job'; id: number }
  | { name: 'notfound'; path: string };

function int(s: string | null | undefined): number | undefined {
  if (s == null || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

export function parseRoute(hash: string): Route {
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith('/')) h = '/' + h;
  const q = h.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  const path = (q >= 0 ? h.slice(0, q) : h).replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter(Boolean);

  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'projects')) {
    const hl = int(query.get('highlight'));
    return hl !== undefined ? { name: 'projects', highlight: hl } : { name: 'projects' };
  }
  if (parts[0] === 'create' && parts.length === 1) return { name: 'create' };
  if (parts[0] === 'projects' && parts.length >= 2) {
    const id = int(parts[1]);
    if (id === undefined) return { name: 'notfound', path };
    if (parts.length === 2) return { name: 'project', id, tab: 'performance' };
    if (parts.length === 3 && parts[2] === 'calibrate') return { name: 'calibrate', id };
    if (parts.length === 3 && (TABS as string[]).includes(parts[2])) return { name: 'project', id, tab: parts[2] as Tab };
  }
  if (parts[0] === 'compare' && parts.length === 1) {
    return { name: 'compare', a: int(query.get('a')), b: int(query.get('b')) };
  }
  if (parts[0] === 'jobs' && parts.length === 2) {
    const id = int(parts[1]);
    if (id !== undefined) return { name: 'job', id };
  }
  return { name: 'notfound', path };
}

export const href = {
  projects: (highlight?: number) => (highlight ? `#/projects?highlight=${highlight}` : '#/projects'),
  create: () => '#/create',
  project: (id: number, tab: Tab = 'performance') => (tab === 'performance' ? `#/projects/${id}` : `#/projects/${id}/${tab}`),
  calibrate: (id: number) => `#/projects/${id}/calibrate`,
  compare: (a?: number | null, b?: number | null) => {
    const p = new URLSearchParams();
    if (a != null) p.set('a', String(a));
    if (b != null) p.set('b', String(b));
    const s = p.toString();
    return '#/compare' + (s ? '?' + s : '');
  },
  job: (id: number) => `#/jobs/${id}`,
};

export function navigate(h: string): void {
  if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = h;
}
