import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText, type Ok, type Session } from '../api/client.ts';
import { ImportFromGit } from '../git/ImportFromGit.tsx';
import { href } from '../use-hash-route.ts';

type Project = Ok<'/api/projects', 'get'>['projects'][number];

/** The projects list and the form that registers a folder on the server as a project (admin); a project token sees its project. */
export function ProjectsPage({ session }: { session: Session }) {
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [formError, setFormError] = useState('');
  const load = async () => {
    if (session.project_uuid) {
      const own = await api.GET('/api/projects/{project}', { params: { path: { project: session.project_uuid } } });
      return own.data ? setProjects([own.data]) : setError(errorText(own.error));
    }
    const res = await api.GET('/api/projects');
    if (res.data) setProjects(res.data.projects);
    else setError(errorText(res.error));
  };
  useEffect(() => void load(), []);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const res = await api.POST('/api/projects', { body: { name, path } });
    if (res.error) return setFormError(errorText(res.error));
    setFormError('');
    setName('');
    setPath('');
    await load();
  };
  return (
    <section className="page">
      <div className="section-head">
        <h1>Projects</h1>
        {session.scope === 'admin' && <ImportFromGit onImported={() => void load()} />}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {projects && projects.length === 0 && <p>No projects yet: add a folder below.</p>}
      {projects && projects.length > 0 && (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Folder</th><th scope="col">Added</th></tr></thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.uuid}><td><a href={href('projects', p.name)}>{p.name}</a></td><td><code>{p.path}</code></td><td>{new Date(p.created_at).toLocaleString()}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {session.scope === 'admin' && <form className="inline-form" onSubmit={(e) => void add(e)} aria-labelledby="add-project">
        <h2 id="add-project">Add a project</h2>
        <label>Name <input name="name" required value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>Folder on the server <input name="path" required placeholder="/home/me/my-project" value={path} onChange={(e) => setPath(e.target.value)} /></label>
        <button type="submit">Add project</button>
        {formError && <p role="alert" className="error">{formError}</p>}
      </form>}
    </section>
  );
}
