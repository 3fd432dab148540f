import { Component, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox } from './components/ui';
import { parseRoute, href, type Route } from './lib/router';
import { dismissToast, useApp } from './store';
import { ProjectsPage } from './pages/ProjectsPage';
import { CreateProjectPage } from './pages/CreateProjectPage';
import { ProjectPage } from './pages/ProjectPage';
import { CalibratePage } from './pages/CalibratePage';
import { ComparePage } from './pages/ComparePage';
import { JobPage } from './pages/JobPage';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Keeps a rendering bug on one page from blanking the whole app. */
class Boundary extends Component<{ children: ComponentChildren; resetKey: string }, { error: unknown }> {
  state = { error: null as unknown };
  componentDidCatch(error: unknown) {
    console.error(error);
    this.setState({ error });
  }
  componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }
  render() {
    if (this.state.error)
      return (
        <ErrorBox error={this.state.error} title="This page failed to display" testid="page-error">
          <a href={href.projects()}>Back to the projects</a>
        </ErrorBox>
      );
    return this.props.children;
  }
}

function ConnBadge() {
  const conn = useApp((s) => s.conn);
  const label = conn === 'open' ? 'Live' : conn === 'connecting' ? 'Connecting' : 'Reconnecting';
  return (
    <span class={`conn conn-${conn}`} data-testid="conn-status" data-conn={conn} title={conn === 'open' ? 'Receiving live job updates' : 'Live updates are not connected; retrying'}>
      <span class="dot" /> {label}
    </span>
  );
}

function SystemBadge() {
  const sys = useApp((s) => s.system);
  const health = useApp((s) => s.health);
  if (!sys) return null;
  return (
    <span class="sysinfo" data-testid="system-info" title={health ? `calibra ${health.version}` : undefined}>
      {sys.cores} cores · {sys.isa}
      {sys.vnni ? ' · VNNI' : ''}
    </span>
  );
}

function Toasts() {
  const toasts = useApp((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div class="toast-msg">{t.message}</div>
          {t.hint ? <div class="toast-hint">{t.hint}</div> : null}
          <button class="icon-btn" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'projects':
      return <ProjectsPage highlight={route.highlight} />;
    case 'create':
      return <CreateProjectPage />;
    case 'project':
      return <ProjectPage id={route.id} tab={route.tab} />;
    case 'calibrate':
      return <CalibratePage id={route.id} />;
    case 'compare':
      return <ComparePage a={route.a} b={route.b} />;
    case 'job':
      return <JobPage id={route.id} />;
    default:
      return (
        <ErrorBox error={{ message: `There is no page at '${route.path}'.`, hint: 'Use the links above.' }} title="Not found" testid="not-found">
          <a href={href.projects()}>Projects</a>
        </ErrorBox>
      );
  }
}

export function App() {
  const route = useRoute();
  const section = route.name === 'compare' ? 'compare' : 'projects';
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href={href.projects()}>
          <span class="logo">C</span> Calibra <span class="brand-sub">Workbench</span>
        </a>
        <nav class="nav">
          <a href={href.projects()} class={section === 'projects' ? 'active' : ''} data-testid="nav-projects">
            Projects
          </a>
          <a href={href.compare()} class={section === 'compare' ? 'active' : ''} data-testid="nav-compare">
            Compare
          </a>
        </nav>
        <div class="topbar-right">
          <SystemBadge />
          <ConnBadge />
        </div>
      </header>
      <main class="main">
        <Boundary resetKey={location.hash}>
          <Page route={route} />
        </Boundary>
      </main>
      <Toasts />
    </div>
  );
}
