import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';

type Token = Ok<'/api/tokens', 'get'>['tokens'][number];
type Project = Ok<'/api/projects', 'get'>['projects'][number];

/** Project tokens (admin): create one limited to a project (its secret shown once), list them with the project's name, revoke. */
export function TokensPage() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [projects, setProjects] = useState<Project[]>([]);
  const [name, setName] = useState('');
  const [project, setProject] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    const [t, p] = await Promise.all([api.GET('/api/tokens'), api.GET('/api/projects')]);
    if (t.data) setTokens(t.data.tokens.filter((x) => x.scope !== 'admin'));
    else setError(errorText(t.error));
    if (p.data) setProjects(p.data.projects);
  }, []);
  useEffect(() => void load(), [load]);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const r = await api.POST('/api/tokens', { body: { name, project } });
    if (!r.data) return setError(`Token not created: ${errorText(r.error)}`);
    setError('');
    setSecret(r.data.token);
    setName('');
    await load();
  };
  const revoke = async (t: Token) => {
    const r = await api.DELETE('/api/tokens/{id}', { params: { path: { id: t.id } } });
    setError(r.error ? `Not revoked: ${errorText(r.error)}` : '');
    await load();
  };
  const projectName = (uuid: string | null) => projects.find((p) => p.uuid === uuid)?.name ?? uuid ?? '';
  return (
    <section className="page">
      <h1>Tokens</h1>
      <p className="help">A project token signs in to one project only (the web UI, the CLI with <code>BERTH_TOKEN</code>, or the API as a Bearer token).</p>
      <form className="inline-form card" onSubmit={(e) => void create(e)} aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <label>Token name <input required value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>Project <select required value={project} onChange={(e) => setProject(e.target.value)}>
          <option value="">Choose…</option>
          {projects.map((p) => <option key={p.uuid} value={p.name}>{p.name}</option>)}
        </select></label>
        <button type="submit" className="primary">Create token</button>
      </form>
      {secret && <p className="notice-box" role="status" data-testid="token-secret">Copy it now, it is shown once: <code>{secret}</code></p>}
      {error && <p role="alert" className="error">{error}</p>}
      {tokens && (tokens.length === 0 ? <p className="empty">No project tokens yet. Create one above to give someone access to a single project.</p> : (
        <table aria-label="tokens">
          <thead><tr><th scope="col">Name</th><th scope="col">Project</th><th scope="col">Created</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.service ? `${projectName(t.project_uuid)} (service ${t.service})` : projectName(t.project_uuid)}</td>
                <td>{new Date(t.created_at).toLocaleString()}</td>
                <td><button type="button" className="danger" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>Revoke</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}
