import { useEffect, useState } from 'react';
import { api, type Session } from './api/client.ts';
import { PipelineEditor } from './editor/PipelineEditor.tsx';
import { InstancesPage } from './instances/InstancesPage.tsx';
import { ProjectPage } from './pages/ProjectPage.tsx';
import { ProjectsPage } from './pages/ProjectsPage.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { href, useHashRoute } from './use-hash-route.ts';
import { WebhooksPage } from './webhooks/WebhooksPage.tsx';

/** The shell: signed-out → sign-in form; otherwise the page the hash route names. */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const route = useHashRoute();
  useEffect(() => {
    void api.GET('/api/session').then((r) => setSession(r.data ?? null));
  }, []);
  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const signOut = async () => {
    await api.DELETE('/api/session');
    setSession(null);
  };
  const [section, project, kind, ...rest] = route;
  let page;
  if (section === 'projects' && project && kind === 'pipelines' && rest.length > 0) page = <PipelineEditor key={`${project}\n${rest.join('/')}`} project={project} path={rest.join('/')} />;
  else if (section === 'projects' && project) page = <ProjectPage project={project} tab={kind ?? 'pipelines'} />;
  else if (section === 'webhooks' && session.scope === 'admin') page = <WebhooksPage />;
  else if (section === 'instances' && session.scope === 'admin') page = <InstancesPage />;
  else page = <ProjectsPage session={session} />;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={href()}>Berth</a>
        <nav aria-label="breadcrumb">{section === 'projects' && project && <a href={href('projects', project)}>{project}</a>}</nav>
        {session.scope === 'admin' && <a href={href('webhooks')} aria-current={section === 'webhooks' ? 'page' : undefined}>Webhooks</a>}
        {session.scope === 'admin' && <a href={href('instances')} aria-current={section === 'instances' ? 'page' : undefined}>Instances</a>}
        <span className="who">{session.scope === 'admin' ? 'admin' : 'project token'}</span>
        <button type="button" onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>{page}</main>
    </div>
  );
}
