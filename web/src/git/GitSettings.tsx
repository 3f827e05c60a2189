import { useEffect, useState, type FormEvent } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';

type Key = Ok<'/api/git/keys', 'get'>['keys'][number];

/**
 * The signed-in token's git identity and SSH keys (used to import projects and inside Jupyter and
 * environment shells). Private keys are sent once and never shown again: only fingerprints.
 */
export function GitSettings() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [error, setError] = useState('');
  const [identity, setIdentity] = useState({ name: '', email: '' });
  const [identityNote, setIdentityNote] = useState('');
  const [keyName, setKeyName] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [keyError, setKeyError] = useState('');
  const load = async () => {
    const [k, i] = await Promise.all([api.GET('/api/git/keys'), api.GET('/api/git/identity')]);
    if (k.data) setKeys(k.data.keys);
    else setError(errorText(k.error));
    if (i.data?.identity) setIdentity({ name: i.data.identity.name, email: i.data.identity.email });
  };
  useEffect(() => void load(), []);
  const saveIdentity = async (e: FormEvent) => {
    e.preventDefault();
    const res = await api.PUT('/api/git/identity', { body: identity });
    setIdentityNote(res.error ? errorText(res.error) : `Saved: ${res.data.name} <${res.data.email}>`);
  };
  const addKey = async (e: FormEvent) => {
    e.preventDefault();
    const res = await api.POST('/api/git/keys', { body: { name: keyName.trim(), private_key: privateKey } });
    if (res.error) return setKeyError(errorText(res.error));
    setKeyError('');
    setKeyName('');
    setPrivateKey('');
    await load();
  };
  const removeKey = async (k: Key) => {
    if (!window.confirm(`Remove the SSH key ${k.name} (${k.fingerprint})?`)) return;
    const res = await api.DELETE('/api/git/keys/{key}', { params: { path: { key: k.id } } });
    if (res.error) setError(errorText(res.error));
    await load();
  };
  return (
    <section className="page">
      <h1>Git</h1>
      <form className="inline-form" onSubmit={(e) => void saveIdentity(e)} aria-labelledby="git-identity">
        <h2 id="git-identity">Identity</h2>
        <label>Name <input name="git-name" required value={identity.name} onChange={(e) => setIdentity({ ...identity, name: e.target.value })} /></label>
        <label>Email <input name="git-email" type="email" required value={identity.email} onChange={(e) => setIdentity({ ...identity, email: e.target.value })} /></label>
        <button type="submit">Save identity</button>
        {identityNote && <p role="status">{identityNote}</p>}
      </form>
      <h2>SSH keys</h2>
      {error && <p role="alert" className="error">{error}</p>}
      {keys && (keys.length === 0 ? <p className="empty">No SSH keys yet: add a private key below to import and push over SSH.</p> : (
        <table aria-label="SSH keys">
          <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Fingerprint</th><th scope="col">Added</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td><td>{k.type}</td><td><code>{k.fingerprint}</code></td><td>{new Date(k.created_at).toLocaleString()}</td>
                <td><button type="button" className="danger" aria-label={`Remove key ${k.name}`} onClick={() => void removeKey(k)}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <form className="inline-form" onSubmit={(e) => void addKey(e)} aria-labelledby="git-add-key">
        <h3 id="git-add-key">Add an SSH key</h3>
        <label>Key name <input name="key-name" required value={keyName} onChange={(e) => setKeyName(e.target.value)} /></label>
        <label>Private key <textarea name="private-key" required rows={6} autoComplete="off" spellCheck={false} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" value={privateKey} onChange={(e) => setPrivateKey(e.target.value)} /></label>
        <button type="submit">Add key</button>
        {keyError && <p role="alert" className="error">{keyError}</p>}
      </form>
    </section>
  );
}
