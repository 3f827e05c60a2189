import { useEffect, useState } from 'react';
import { api, type Session } from './api/client.ts';
import { PipelineEditor } from './editor/PipelineEditor.tsx';
import { ProjectPage } from './pages/ProjectPage.tsx';
import { ProjectsPage } from './pages/ProjectsPage.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { RunPage } from './runs/RunPage.tsx';
import { SettingsPage } from './settings/SettingsPage.tsx';
import { Breadcrumbs } from './shell/Breadcrumbs.tsx';
import { href, useHashRoute } from './use-hash-route.ts';

/**
 * The shell: signed-out → sign-in form; otherwise a top bar (breadcrumbs, settings apart, sign out)
 * and the page the hash route names: projects → a project's pipelines | runs | jobs | services |
 * environments → the editor or a run; settings (tokens, webhooks, instances) for admins.
 */
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
  const admin = session.scope === 'admin';
  // The old addresses of the settings pages still work.
  const shown = route[0] === 'webhooks' || route[0] === 'instances' ? ['settings', route[0]] : route;
  const [section, project, kind, ...rest] = shown;
  let page;
  if (section === 'projects' && project && kind === 'pipelines' && rest.length > 0) page = <PipelineEditor key={`${project}\n${rest.join('/')}`} project={project} path={rest.join('/')} />;
  else if (section === 'projects' && project && kind === 'runs' && rest.length > 0) page = <RunPage key={rest.join('/')} project={project} run={rest[0]!} compareWith={rest[1] === 'compare' ? rest[2] : undefined} />;
  else if (section === 'projects' && project) page = <ProjectPage key={project} project={project} tab={kind ?? 'pipelines'} item={rest.join('/')} />;
  else if (section === 'settings' && admin) page = <SettingsPage tab={project ?? 'tokens'} />;
  else page = <ProjectsPage session={session} />;
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href={href()}>Berth</a>
        <Breadcrumbs route={shown} />
        {admin && <a className="settings-link" href={href('settings')} aria-current={section === 'settings' ? 'page' : undefined}>Settings</a>}
        <span className="who">{admin ? 'admin' : 'project token'}</span>
        <button type="button" onClick={() => void signOut()}>Sign out</button>
      </header>
      <main>{page}</main>
    </div>
  );
}
